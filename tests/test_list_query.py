"""Reading the register list with sqlite3 alone, as the first window does."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

import tilaapp
from tilaapp.services.list_query import ListReader
from tilaapp.services.listing import count_listed, list_ids, list_rows
from tilaapp.storage.database import open_database

DEMO_DATABASE = Path(tilaapp.__file__).parent / "resources" / "demo" / "demo.sqlite"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(DEMO_DATABASE, path)
    return path


def test_reader_matches_session_reads(demo_copy: Path) -> None:
    reader = ListReader.open(demo_copy)
    assert reader is not None
    database = open_database(demo_copy, create=False)

    with database.read_session() as session:
        expected_ids = list_ids(session, text="tie", sort_column="address", descending=True)
        expected_rows = list_rows(session, expected_ids)
        expected_total = count_listed(session, all_buildings=True)
    ids = reader.ids(text="tie", all_buildings=False, sort_column="address", descending=True)
    rows = reader.rows(ids)
    total = reader.count(all_buildings=True)
    reader.close()
    database.close()

    assert ids == expected_ids
    assert len(ids) > 0
    assert rows == expected_rows
    assert total == expected_total


def test_reader_reads_home_municipality(demo_copy: Path) -> None:
    reader = ListReader.open(demo_copy)
    assert reader is not None

    finnish = reader.home_municipality_name("fi")
    swedish = reader.home_municipality_name("sv")
    english = reader.home_municipality_name("en")
    reader.close()

    assert finnish == "Hartola"
    assert swedish == "Gustav Adolfs"
    assert english == "Hartola"


def test_reader_without_home_municipality(demo_copy: Path) -> None:
    with sqlite3.connect(demo_copy) as connection:
        connection.execute("UPDATE database_info SET home_municipality_code = NULL")
    connection.close()
    reader = ListReader.open(demo_copy)
    assert reader is not None

    name = reader.home_municipality_name("fi")
    reader.close()

    assert name is None


def test_reader_not_opened_on_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"

    assert ListReader.open(missing) is None
    assert not missing.exists()


def test_reader_not_opened_on_other_file(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.sqlite"
    text_file.write_text("not a database\n" * 100, encoding="utf-8")

    assert ListReader.open(text_file) is None
    assert text_file.read_text(encoding="utf-8") == "not a database\n" * 100


def test_reader_not_opened_on_other_revision(demo_copy: Path) -> None:
    with sqlite3.connect(demo_copy) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0003'")
    connection.close()

    assert ListReader.open(demo_copy) is None


def test_reader_sees_later_commits(demo_copy: Path) -> None:
    reader = ListReader.open(demo_copy)
    assert reader is not None
    before = reader.count(all_buildings=True)

    with sqlite3.connect(demo_copy) as connection:
        connection.execute(
            "DELETE FROM building_list "
            "WHERE building_id = (SELECT min(building_id) FROM building_list)"
        )
    connection.close()
    after = reader.count(all_buildings=True)
    reader.close()

    assert after == before - 1


def test_first_window_imports_no_heavy_libraries() -> None:
    import subprocess

    program = (
        "import sys\n"
        "import tilaapp.cli.main, tilaapp.ui.app, tilaapp.ui.main_window\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in "
        "('sqlalchemy', 'alembic', 'babel', 'openpyxl') "
        "or name == 'tilaapp.domain.municipalities'))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(tilaapp.__file__).parent.parent,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""},
    ).stdout

    assert output.strip() == "[]"
