"""The main window: filter, scope, columns, undo and redo, persistence, language."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QPoint, QSettings, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu
from pytestqt.qtbot import QtBot

from tilaapp import i18n
from tilaapp.domain.collation import sort_key
from tilaapp.services.listing import list_rows
from tilaapp.ui.app import Application
from tilaapp.ui.main_window import MainWindow
from tilaapp.ui.settings import Settings
from tilaapp.ui.workspace import Workspace

TIMEOUT_MS = 30_000


def _window(qtbot: QtBot, workspace: Workspace, settings: Settings) -> MainWindow:
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()
    return window


def _local_value(workspace: Workspace, building_id: int, field: str) -> object:
    with workspace.read_session() as session:
        return getattr(list_rows(session, [building_id])[0], field)


def test_filter_narrows_list(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)
    everything = window.register_view.model.rowCount()

    window.register_view.filter_edit.setText("koulutie")

    assert 0 < window.register_view.model.rowCount() < everything


def test_filter_status_count(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)

    window.register_view.filter_edit.setText("koulutie")

    shown = window.register_view.model.rowCount()
    assert window.count_label.text() == f"{shown} of 85 portfolio buildings shown"


def test_filter_without_match(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)

    window.register_view.filter_edit.setText("no such street anywhere")

    assert window.register_view.model.rowCount() == 0


def test_all_buildings_toggle(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)

    window.all_buildings_action.trigger()

    assert window.register_view.model.rowCount() == 114


def test_columns_remembered(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)
    window.register_view.set_column_visible("property_identifier", True)
    window.close()

    again = _window(qtbot, workspace, settings)

    assert "property_identifier" in again.register_view.visible_columns()


def test_copy_selection(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)
    window.register_view.table.selectRow(0)

    window.register_view.copy_selection()

    lines = QApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[0] == "Permanent building identifier"
    assert len(lines) == 2


def _header_click(qtbot: QtBot, window: MainWindow, column: str) -> None:
    header = window.register_view.table.horizontalHeader()
    section = window.register_view.model.columns.index(column)
    position = QPoint(header.sectionViewportPosition(section) + 5, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=position)


def _column_texts(window: MainWindow, column: str) -> list[str]:
    model = window.register_view.model
    index = model.columns.index(column)
    return [model.index(row, index).data() or "" for row in range(model.rowCount())]


def _assert_sort_indicator(window: MainWindow, column: str, order: Qt.SortOrder) -> None:
    header = window.register_view.table.horizontalHeader()
    assert header.isSortIndicatorShown()
    assert header.sortIndicatorSection() == window.register_view.model.columns.index(column)
    assert header.sortIndicatorOrder() == order


def test_header_click_sorts_and_toggles(
    qtbot: QtBot, workspace: Workspace, settings: Settings
) -> None:
    window = _window(qtbot, workspace, settings)
    model = window.register_view.model

    _header_click(qtbot, window, "address")
    ascending = [sort_key(text) for text in _column_texts(window, "address")]
    _header_click(qtbot, window, "address")
    descending = [sort_key(text) for text in _column_texts(window, "address")]

    assert ascending == sorted(ascending)
    assert ascending[0] != ascending[-1]
    assert descending == sorted(descending, reverse=True)
    assert (model.sort_column, model.descending) == ("address", True)
    _assert_sort_indicator(window, "address", Qt.SortOrder.DescendingOrder)


def test_sort_indicator_shown_once_attached(
    qtbot: QtBot, workspace: Workspace, settings: Settings
) -> None:
    window = _window(qtbot, workspace, settings)

    _assert_sort_indicator(window, "permanent_building_identifier", Qt.SortOrder.AscendingOrder)
    identifiers = _column_texts(window, "permanent_building_identifier")
    assert identifiers == sorted(identifiers)


def test_sort_remembered(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)
    _header_click(qtbot, window, "gross_floor_area")
    _header_click(qtbot, window, "gross_floor_area")
    window.close()

    again = _window(qtbot, workspace, settings)

    model = again.register_view.model
    assert (model.sort_column, model.descending) == ("gross_floor_area", True)
    _assert_sort_indicator(again, "gross_floor_area", Qt.SortOrder.DescendingOrder)


def test_header_context_menu_lists_columns(
    qtbot: QtBot, workspace: Workspace, settings: Settings
) -> None:
    window = _window(qtbot, workspace, settings)
    header = window.register_view.table.horizontalHeader()
    menu_texts: list[list[str]] = []

    def close_menu() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        menu_texts.append([action.text() for action in menu.actions()])
        menu.close()

    QTimer.singleShot(0, close_menu)
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, QPoint(5, 5), header.mapToGlobal(QPoint(5, 5))
    )
    QApplication.sendEvent(header, event)

    assert len(menu_texts) == 1
    assert "Address" in menu_texts[0]
    assert "Gross floor area, m²" in menu_texts[0]


def test_copy_keys_copy_rows(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)
    table = window.register_view.table
    table.selectRow(0)
    QApplication.clipboard().clear()

    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)

    lines = QApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[0] == "Permanent building identifier"
    assert len(lines) == 2


def test_editor_width_when_built_with_workspace(
    qtbot: QtBot, workspace: Workspace, settings: Settings
) -> None:
    window = _window(qtbot, workspace, settings)
    qtbot.waitExposed(window)

    list_width, editor_width = window.splitter.sizes()
    assert editor_width >= 0.35 * (list_width + editor_width)
    assert list_width >= 0.5 * (list_width + editor_width)


def test_undo_redo_actions(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)
    building_id = window.register_view.model.building_id(0)
    with qtbot.waitSignal(workspace.buildings_changed):
        workspace.write_step(
            "edit", lambda: workspace.edits.set_value(building_id, "local_name", "Kunnantalo")
        )

    with qtbot.waitSignal(workspace.buildings_changed):
        window.undo_action.trigger()
    undone = _local_value(workspace, building_id, "local_name")
    with qtbot.waitSignal(workspace.buildings_changed):
        window.redo_action.trigger()

    assert undone is None
    assert _local_value(workspace, building_id, "local_name") == "Kunnantalo"


def test_undo_text_names_step(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)
    building_id = window.register_view.model.building_id(0)
    with qtbot.waitSignal(workspace.undo_changed):
        workspace.write_step(
            "edit",
            lambda: workspace.edits.set_value(building_id, "gross_floor_area", Decimal("120")),
        )
    qtbot.waitUntil(lambda: window.undo_action.isEnabled())

    assert window.undo_action.text().startswith("&Undo: ")


def test_edit_survives_reopen(qtbot: QtBot, database_path: Path, settings: Settings) -> None:
    workspace = Workspace(database_path, os_user="tester")
    window = _window(qtbot, workspace, settings)
    building_id = window.register_view.model.building_id(0)
    with qtbot.waitSignal(workspace.buildings_changed):
        workspace.write_step(
            "edit", lambda: workspace.edits.set_value(building_id, "local_name", "Nuorisotalo")
        )
    window.close()
    workspace.close()

    reopened = Workspace(database_path, os_user="tester")
    value = _local_value(reopened, building_id, "local_name")
    reopened.close()

    assert value == "Nuorisotalo"


def test_language_switch(qtbot: QtBot, database_path: Path, settings: Settings) -> None:
    controller = Application(QApplication.instance(), settings, is_demo=False)  # type: ignore[arg-type]
    controller.translations.apply("fi")
    controller.open(database_path)
    assert isinstance(controller.window, MainWindow)
    qtbot.waitSignal(controller.window.attached, timeout=TIMEOUT_MS).wait()

    controller.window.language_actions["sv"].trigger()

    assert isinstance(controller.window, MainWindow)
    assert controller.window.menuBar().actions()[0].text() == "&Arkiv"
    assert settings.language == "sv"
    controller.window.close()
    controller.close()
    i18n.set_language("en")


def test_language_switch_keeps_building(
    qtbot: QtBot, database_path: Path, settings: Settings
) -> None:
    controller = Application(QApplication.instance(), settings, is_demo=False)  # type: ignore[arg-type]
    controller.translations.apply("en")
    controller.open(database_path)
    assert isinstance(controller.window, MainWindow)
    qtbot.waitSignal(controller.window.attached, timeout=TIMEOUT_MS).wait()
    chosen = controller.window.register_view.model.building_id(3)
    controller.window.open_building(chosen)

    controller.window.language_actions["fi"].trigger()

    assert isinstance(controller.window, MainWindow)
    assert controller.window.editor.building_id == chosen
    controller.window.close()
    controller.close()


def test_demo_title(qtbot: QtBot, database_path: Path, settings: Settings) -> None:
    workspace = Workspace(database_path, is_demo=True)
    window = _window(qtbot, workspace, settings)

    assert "DEMO" in window.windowTitle()
    window.close()
    workspace.close()


def test_settings_file_private(settings: Settings, tmp_path: Path) -> None:
    settings.language = "sv"
    settings.sync()

    assert (
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat).value("language")
        == "sv"
    )


def test_first_building_in_editor(qtbot: QtBot, workspace: Workspace, settings: Settings) -> None:
    window = _window(qtbot, workspace, settings)

    assert window.editor.building_id == window.register_view.model.building_id(0)


def test_filter_by_property_identifier(
    qtbot: QtBot, workspace: Workspace, settings: Settings
) -> None:
    window = _window(qtbot, workspace, settings)
    window.register_view.set_column_visible("property_identifier", True)
    column = window.register_view.model.columns.index("property_identifier")
    shown = window.register_view.model.index(0, column).data()

    padded = "-".join(part.zfill(3) if i == 0 else part for i, part in enumerate(shown.split("-")))
    window.register_view.filter_edit.setText(padded)

    assert window.register_view.model.rowCount() >= 1


def test_language_switch_keeps_filter(
    qtbot: QtBot, database_path: Path, settings: Settings
) -> None:
    controller = Application(QApplication.instance(), settings, is_demo=False)  # type: ignore[arg-type]
    controller.translations.apply("en")
    controller.open(database_path)
    assert isinstance(controller.window, MainWindow)
    controller.window.register_view.filter_edit.setText("koulutie")

    controller.window.language_actions["sv"].trigger()

    assert isinstance(controller.window, MainWindow)
    assert controller.window.register_view.filter_edit.text() == "koulutie"
    controller.window.close()
    controller.close()


def test_export_list_from_menu(
    qtbot: QtBot, workspace: Workspace, settings: Settings, tmp_path: Path
) -> None:
    import openpyxl

    window = _window(qtbot, workspace, settings)
    window.register_view.filter_edit.setText("koulutie")
    shown = window.register_view.model.rowCount()
    target = tmp_path / "koulut.xlsx"

    window.export_list_to(target)
    qtbot.waitUntil(lambda: not workspace.worker.busy)

    sheet = openpyxl.load_workbook(target, read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows())) == shown + 1
