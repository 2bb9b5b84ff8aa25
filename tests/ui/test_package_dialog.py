"""The update package dialog and the package status in the main window's status bar."""

from __future__ import annotations

import hashlib
import sqlite3
import zipfile
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from tilaapp.services.package_format import format_hash
from tilaapp.services.package_validation import validate_portfolio
from tilaapp.ui.main_window import MainWindow
from tilaapp.ui.package_dialog import PackageExportDialog
from tilaapp.ui.settings import Settings
from tilaapp.ui.workspace import Workspace


def _dialog(qtbot: QtBot, workspace: Workspace, settings: Settings) -> PackageExportDialog:
    dialog = PackageExportDialog(workspace, settings, None)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.checked)
    return dialog


def _first_portfolio_building(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT building_id FROM portfolio_entry ORDER BY building_id LIMIT 1"
        ).fetchone()
    return int(row[0])


def _set_condition_class(path: Path, building_id: int, value: int) -> None:
    """Store a value that the editor would refuse, as an older file could hold it."""
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO local_value (building_id, condition_class) VALUES (?, ?) "
            "ON CONFLICT (building_id) DO UPDATE SET condition_class = excluded.condition_class",
            (building_id, value),
        )


def test_findings_listed(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    with workspace.read_session() as session:
        expected = validate_portfolio(session)

    dialog = _dialog(qtbot, workspace, settings)

    assert dialog.findings_tree.topLevelItemCount() == len(expected)
    assert dialog.export_button.isEnabled() is (not any(f.is_error for f in expected))


def test_error_blocks_export(qtbot: QtBot, database_path: Path, settings: Settings) -> None:
    building_id = _first_portfolio_building(database_path)
    _set_condition_class(database_path, building_id, 9)
    workspace = Workspace(database_path, os_user="tester")
    try:
        qtbot.waitUntil(lambda: not workspace.worker.busy)
        dialog = _dialog(qtbot, workspace, settings)

        assert dialog.error_count == 1
        assert not dialog.export_button.isEnabled()
        first = dialog.findings_tree.topLevelItem(0)
        assert first.text(0) == "Error"
        assert "blocks the export" in dialog.status_label.text()
    finally:
        workspace.close()


def test_double_click_names_the_building(
    qtbot: QtBot, workspace: Workspace, settings: Settings
) -> None:
    dialog = _dialog(qtbot, workspace, settings)
    assert dialog.findings, "the demo portfolio has warnings"
    item = dialog.findings_tree.topLevelItem(0)

    with qtbot.waitSignal(dialog.building_activated) as signal:
        dialog.findings_tree.itemActivated.emit(item, 0)

    assert signal.args == [dialog.findings[0].building_id]


def test_export_shows_identity(
    qtbot: QtBot, workspace: Workspace, settings: Settings, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, workspace, settings)

    with qtbot.waitSignal(dialog.exported, timeout=20_000) as signal:
        dialog.export_to(tmp_path / "out")

    result = signal.args[0]
    with zipfile.ZipFile(result.path) as archive:
        manifest_sha256 = hashlib.sha256(archive.read("manifest.json")).hexdigest()
    assert dialog.hash_label.text() == format_hash(manifest_sha256)
    assert str(result.path) in dialog.path_label.text()
    assert not dialog.export_button.isEnabled()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == format_hash(manifest_sha256)


def test_status_bar_follows_exports_and_edits(
    qtbot: QtBot, workspace: Workspace, settings: Settings, tmp_path: Path
) -> None:
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.package_label.text() != "")
    assert window.package_label.text().startswith("No update package yet")

    window.export_update_package()
    dialog = window.findChild(PackageExportDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.checked)
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.export_to(tmp_path / "out")
    qtbot.waitUntil(lambda: window.package_label.text().startswith("Last update package"))
    assert window.package_label.text().endswith("0 buildings changed since")

    building_id = dialog.findings[0].building_id
    workspace.write_step(
        "edit", lambda: workspace.edits.set_value(building_id, "municipal_service", "Opetus")
    )
    qtbot.waitUntil(lambda: window.package_label.text().endswith("1 building changed since"))
