"""Fixtures of the GUI tests: a real imported database, a workspace and private settings."""

from __future__ import annotations

import gc
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Without a display the tests still run: Qt draws into memory.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

import tilaapp
from tilaapp.domain.dates import parse_iso_date
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.ui.settings import Settings
from tilaapp.ui.workspace import Workspace

DEMO_FOLDER = Path(tilaapp.__file__).parent / "resources" / "demo"


@pytest.fixture(autouse=True)
def collect_on_main_thread() -> Iterator[None]:
    """Collect garbage only on the main thread, as the application does.

    Automatic collection could start in the database worker and destroy Qt objects
    off their own thread.
    """
    gc.disable()
    yield
    gc.collect()
    gc.enable()


@pytest.fixture(scope="session")
def imported_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo extract imported once with the real import code; copy it before use."""
    settings = json.loads((DEMO_FOLDER / "demo.json").read_text(encoding="utf-8"))
    path = tmp_path_factory.mktemp("imported") / "imported.sqlite"
    options = ImportOptions(
        home_municipality=settings["home_municipality"],
        owner_business_ids=tuple(settings["owner_business_ids"]),
        extraction_date=parse_iso_date(settings["extraction_date"]),
    )
    import_files(path, [DEMO_FOLDER / "demo_extract.xlsx"], options)
    return path


@pytest.fixture
def database_path(imported_database: Path, tmp_path: Path) -> Path:
    """A private copy of the imported database."""
    path = tmp_path / "tilaapp.sqlite"
    shutil.copyfile(imported_database, path)
    return path


@pytest.fixture
def workspace(database_path: Path, qtbot: QtBot) -> Iterator[Workspace]:
    """An open workspace whose start-up job (completing the register list) has run."""
    opened = Workspace(database_path, os_user="tester")
    qtbot.waitUntil(lambda: not opened.worker.busy)
    yield opened
    opened.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings in a file of the test's own, never the user's."""
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
