"""Importing into the open database from the main window."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from devtools.opt_file import synthetic_rows, write_opt
from tests.ui.conftest import DEMO_FOLDER
from tilaapp.ui.import_dialog import ImportDialog
from tilaapp.ui.import_report import ImportReportWidget
from tilaapp.ui.register_model import RegisterModel
from tilaapp.ui.workspace import Workspace

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def open_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An open address file large enough that its import is still running when cancelled."""
    path = tmp_path_factory.mktemp("open") / "Suomi_osoitteet_2024-03-15.OPT"
    return write_opt(path, synthetic_rows(200_000, seed=3))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reimport_shows_report(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = ImportDialog(workspace, [DEMO_FOLDER / "demo_extract.xlsx"])
    qtbot.addWidget(dialog)

    with qtbot.waitSignal(workspace.buildings_changed, timeout=TIMEOUT_MS):
        dialog.start()

    assert dialog.findChild(ImportReportWidget) is not None


def test_import_refreshes_register(qtbot: QtBot, workspace: Workspace) -> None:
    model = RegisterModel(workspace.list_reader)
    model.follow(workspace)
    model.reload()
    dialog = ImportDialog(workspace, [DEMO_FOLDER / "demo_extract.xlsx"])
    qtbot.addWidget(dialog)

    with qtbot.waitSignal(model.reloaded, timeout=TIMEOUT_MS):
        dialog.start()

    assert model.rowCount() == 85


def test_cancel_leaves_database(
    qtbot: QtBot, workspace: Workspace, database_path: Path, open_file: Path
) -> None:
    before = _digest(database_path)
    dialog = ImportDialog(workspace, [open_file])
    qtbot.addWidget(dialog)
    dialog.only_home.setChecked(False)
    dialog.start()
    assert dialog.run is not None

    with qtbot.waitSignal(dialog.run.progressed, timeout=TIMEOUT_MS):
        pass
    with qtbot.waitSignal(dialog.run.cancelled, timeout=TIMEOUT_MS):
        dialog.cancel_button.click()

    assert _digest(database_path) == before
