"""Fixtures of the GUI tests: a real imported database, a workspace and private settings."""

from __future__ import annotations

import gc
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
from tests.demo_helpers import import_demo_extract
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
    path = import_demo_extract(tmp_path_factory.mktemp("imported") / "imported.sqlite")
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
