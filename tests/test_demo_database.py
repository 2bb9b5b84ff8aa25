"""The bundled demo database: current schema, a small portfolio, invented local values."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

import tilaapp
from tilaapp.services.listing import count_listed
from tilaapp.storage.database import HEAD_REVISION, open_database
from tilaapp.storage.models import LocalValue, RepairNeedRecord

DEMO_DATABASE = Path(tilaapp.__file__).parent / "resources" / "demo" / "demo.sqlite"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(DEMO_DATABASE, path)
    return path


def test_demo_database_at_head_revision() -> None:
    connection = sqlite3.connect(f"file:{DEMO_DATABASE}?mode=ro", uri=True)
    try:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        connection.close()

    assert revision == HEAD_REVISION, "run: python -m devtools.make_demo_database"


def test_demo_portfolio_size(demo_copy: Path) -> None:
    database = open_database(demo_copy, create=False)
    with database.read_session() as session:
        portfolio = count_listed(session)
    database.close()

    assert 60 <= portfolio <= 120


def test_demo_condition_classes(demo_copy: Path) -> None:
    database = open_database(demo_copy, create=False)
    with database.read_session() as session:
        assessed = session.scalar(
            select(func.count())
            .select_from(LocalValue)
            .where(LocalValue.condition_class.is_not(None))
        )
        portfolio = count_listed(session)
    database.close()

    assert assessed == portfolio


def test_demo_repair_needs(demo_copy: Path) -> None:
    database = open_database(demo_copy, create=False)
    with database.read_session() as session:
        needs = session.scalar(select(func.count()).select_from(RepairNeedRecord))
    database.close()

    assert needs and needs > 10


def test_demo_database_unchanged_by_open(demo_copy: Path) -> None:
    before = DEMO_DATABASE.read_bytes()

    open_database(demo_copy, create=False).close()

    assert DEMO_DATABASE.read_bytes() == before
