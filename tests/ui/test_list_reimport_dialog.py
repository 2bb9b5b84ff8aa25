"""The preview of an edited list: check boxes, applying as one step, the main window's parts."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tilaapp.services import list_export
from tilaapp.services.list_export import export_list
from tilaapp.services.list_reimport import ReimportPreview, read_edited_list
from tilaapp.services.list_texts import list_column_label
from tilaapp.services.listing import LIST_COLUMNS, list_ids, list_rows
from tilaapp.storage.models import ChangeRecord
from tilaapp.ui.list_reimport_dialog import BUILDING, ListReimportDialog
from tilaapp.ui.main_window import MainWindow
from tilaapp.ui.settings import Settings
from tilaapp.ui.workspace import Workspace

# Set to a folder to save screenshots of the dialog for a look at it.
SCREENSHOT_FOLDER = os.environ.get("TILAAPP_SCREENSHOTS")


# Helpers


def first_ids(workspace: Workspace, count: int) -> list[int]:
    with workspace.read_session() as session:
        return list_ids(session)[:count]


def value_in_list(workspace: Workspace, building_id: int, column: str) -> object:
    with workspace.read_session() as session:
        return getattr(list_rows(session, [building_id])[0], column)


def edited_export(workspace: Workspace, path: Path) -> list[int]:
    """Export the portfolio and edit three cells: two valid changes and a negative area."""
    with workspace.read_session() as session:
        export_list(session, path, columns=LIST_COLUMNS, replace=True)
    first, second, third = first_ids(workspace, 3)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    area = header.index(list_column_label("gross_floor_area"))
    name = header.index(list_column_label("local_name"))
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == first:
            row[area].value = 250.5
        elif row[0].value == second:
            row[name].value = "Uusi koulu"
        elif row[0].value == third:
            row[area].value = -10
    workbook.save(path)
    return [first, second, third]


def preview_of(workspace: Workspace, path: Path) -> ReimportPreview:
    with workspace.read_session() as session:
        return read_edited_list(session, path)


def open_dialog(qtbot: QtBot, workspace: Workspace, preview: ReimportPreview) -> ListReimportDialog:
    dialog = ListReimportDialog(workspace, preview)
    qtbot.addWidget(dialog)
    dialog.resize(900, 420)
    dialog.show()
    return dialog


def spreadsheet_history(workspace: Workspace) -> list[tuple[int, str]]:
    query = select(ChangeRecord.building_id, ChangeRecord.field).where(
        ChangeRecord.source == "spreadsheet"
    )
    with workspace.read_session() as session:
        return [(row.building_id, row.field) for row in session.execute(query)]


def save_screenshot(dialog: ListReimportDialog, name: str) -> None:
    if SCREENSHOT_FOLDER:
        dialog.grab().save(str(Path(SCREENSHOT_FOLDER) / name))


# The dialog


def test_invalid_row_not_checkable(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    edited_export(workspace, tmp_path / "lista.xlsx")
    dialog = open_dialog(qtbot, workspace, preview_of(workspace, tmp_path / "lista.xlsx"))
    save_screenshot(dialog, "list_reimport_dialog.png")

    assert dialog.table.rowCount() == 3
    invalid = dialog.table.item(2, BUILDING)
    assert invalid is not None
    assert not invalid.flags() & Qt.ItemFlag.ItemIsUserCheckable
    assert "Gross floor area" in dialog.table.item(2, 4).text()
    assert dialog.count_label.text() == "2 of 2 changes accepted"


def test_select_none_and_all(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    edited_export(workspace, tmp_path / "lista.xlsx")
    dialog = open_dialog(qtbot, workspace, preview_of(workspace, tmp_path / "lista.xlsx"))

    dialog.select_none_button.click()
    assert dialog.count_label.text() == "0 of 2 changes accepted"
    assert not dialog.apply_button.isEnabled()

    dialog.select_all_button.click()
    assert dialog.count_label.text() == "2 of 2 changes accepted"
    assert dialog.apply_button.isEnabled()


def test_unchecked_change_not_applied(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    first, second, third = edited_export(workspace, tmp_path / "lista.xlsx")
    area_before = value_in_list(workspace, first, "gross_floor_area")
    dialog = open_dialog(qtbot, workspace, preview_of(workspace, tmp_path / "lista.xlsx"))

    dialog.set_checked(0, False)
    assert dialog.count_label.text() == "1 of 2 changes accepted"
    with qtbot.waitSignal(dialog.applied, timeout=5000) as blocker:
        dialog.apply_button.click()

    assert len(blocker.args[0].changes) == 1
    assert value_in_list(workspace, first, "gross_floor_area") == area_before
    assert value_in_list(workspace, second, "local_name") == "Uusi koulu"
    assert value_in_list(workspace, third, "gross_floor_area") != Decimal(-10)
    assert spreadsheet_history(workspace) == [(second, "local_name")]
    assert workspace.undo_stack.can_undo


def test_outdated_preview_message(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    _first, second, _third = edited_export(workspace, tmp_path / "lista.xlsx")
    dialog = open_dialog(qtbot, workspace, preview_of(workspace, tmp_path / "lista.xlsx"))
    workspace.edits.set_value(second, "local_name", "Changed meanwhile")

    dialog.apply_button.click()
    qtbot.waitUntil(lambda: not workspace.worker.busy)

    assert dialog.message is not None
    assert "has been changed since the file was read" in dialog.message
    assert spreadsheet_history(workspace) == []
    assert dialog.isVisible()


# The main window


def window_of(qtbot: QtBot, workspace: Workspace, settings: Settings) -> MainWindow:
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()
    return window


def test_main_window_import_and_undo(
    qtbot: QtBot, workspace: Workspace, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "lista.xlsx"
    first, second, _third = edited_export(workspace, path)
    area_before = value_in_list(workspace, first, "gross_floor_area")
    window = window_of(qtbot, workspace, settings)

    window.import_edited_list_from(path)
    qtbot.waitUntil(lambda: bool(window._dialogs))
    dialog = window._dialogs[-1]
    assert isinstance(dialog, ListReimportDialog)
    with qtbot.waitSignal(dialog.applied, timeout=5000):
        dialog.apply_button.click()

    assert window.statusBar().currentMessage() == "2 changes from lista.xlsx applied."
    assert window.undo_action.text() == "&Undo: Changes from an edited list in 2 buildings"
    window.undo()
    qtbot.waitUntil(lambda: not workspace.worker.busy)
    assert value_in_list(workspace, first, "gross_floor_area") == area_before
    assert value_in_list(workspace, second, "local_name") is None


def test_main_window_rejected_file(
    qtbot: QtBot,
    workspace: Workspace,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "lista.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    window = window_of(qtbot, workspace, settings)
    errors_shown: list[BaseException] = []
    monkeypatch.setattr("tilaapp.ui.main_window.show_error", lambda _p, e: errors_shown.append(e))

    window.import_edited_list_from(path)
    qtbot.waitUntil(lambda: bool(errors_shown))

    assert type(errors_shown[0]).__name__ == "EditedListUnreadable"
    assert window._dialogs == []


@pytest.mark.parametrize("retry", [True, False])
def test_locked_export_retry(
    qtbot: QtBot,
    workspace: Workspace,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    retry: bool,
) -> None:
    target = tmp_path / "lista.xlsx"
    attempts: list[Path] = []
    real_replace = list_export.replace_file

    def locked_once(source: Path, destination: Path) -> None:
        attempts.append(destination)
        if len(attempts) == 1:
            raise PermissionError(13, "Permission denied", str(destination))
        real_replace(source, destination)

    monkeypatch.setattr(list_export, "replace_file", locked_once)
    window = window_of(qtbot, workspace, settings)
    questions: list[str] = []

    def answer(message: str) -> bool:
        questions.append(message)
        return retry

    monkeypatch.setattr(window, "ask_retry", answer)

    window.export_list_to(target)
    qtbot.waitUntil(lambda: bool(questions))
    qtbot.waitUntil(lambda: not workspace.worker.busy)

    assert "another program has it open" in questions[0]
    assert len(attempts) == (2 if retry else 1)
    assert target.exists() is retry
