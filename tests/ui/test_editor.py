"""The building editor on the imported demo database: edits, checks, markers and undo."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from devtools.opt_file import OptRow, valid_prt, write_opt
from tilaapp import i18n
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import ALL_FIELDS
from tilaapp.domain.formatting import format_date, format_money
from tilaapp.domain.validation import EDITABLE_FIELDS, ValidationError, parse_local_input
from tilaapp.services.editing import EditConflict
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.repairs import RepairNeed, RepairService
from tilaapp.storage.database import open_database
from tilaapp.storage.models import Building, LocalValue
from tilaapp.ui.editor import READ_ONLY_FIELDS, TABS, BuildingEditor, RepairNeedsEditor
from tilaapp.ui.field_widgets import MARKER_LOCAL, MARKER_NONE, MARKER_REGISTER, FieldRow
from tilaapp.ui.workspace import Workspace

# The demo office "Kunnantalo" (906 m² of gross floor area) and a school.
OFFICE_PRT = "190810017U"
SCHOOL_PRT = "1908100629"
NBSP = "\u00a0"


# Helpers


def building_id(workspace: Workspace, prt: str) -> int:
    with workspace.read_session() as session:
        found = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == prt)
        )
    assert found is not None
    return found


def stored_local(database_path: Path, building: int, field: str) -> Any:
    """Read a local value through a database opened anew, as another program would."""
    database = open_database(database_path)
    try:
        with database.read_session() as session:
            row = session.get(LocalValue, building)
            return None if row is None else getattr(row, field)
    finally:
        database.close()


def line_of(row: FieldRow) -> QLineEdit:
    assert row.input is not None
    editor = row.input.editor
    assert isinstance(editor, QLineEdit)
    return editor


def combo_of(row: FieldRow) -> QComboBox:
    assert row.input is not None
    editor = row.input.editor
    assert isinstance(editor, QComboBox)
    return editor


def type_and_enter(qtbot: QtBot, row: FieldRow, text: str) -> None:
    line = line_of(row)
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def commit_text(qtbot: QtBot, editor: BuildingEditor, field: str, text: str) -> None:
    """Type ``text`` into a field, press Enter and wait until the edit is saved."""
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        type_and_enter(qtbot, editor.row(field), text)


def choose(qtbot: QtBot, editor: BuildingEditor, field: str, value: Any) -> None:
    row = editor.row(field)
    assert row.input is not None
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        row.input.choose(value)


@pytest.fixture
def office(workspace: Workspace) -> int:
    return building_id(workspace, OFFICE_PRT)


@pytest.fixture
def editor(qtbot: QtBot, workspace: Workspace, office: int) -> Iterator[BuildingEditor]:
    widget = BuildingEditor(workspace)
    qtbot.addWidget(widget)
    widget.resize(600, 700)
    widget.show_building(office)
    widget.show()
    yield widget


@pytest.fixture
def finnish_editor(qtbot: QtBot, workspace: Workspace, office: int) -> Iterator[BuildingEditor]:
    i18n.set_language("fi")
    widget = BuildingEditor(workspace)
    qtbot.addWidget(widget)
    widget.show_building(office)
    widget.show()
    yield widget


# Layout


def test_tabs_show_every_field() -> None:
    shown = {item for tab in TABS for item in tab.items}
    assert {spec.name for spec in ALL_FIELDS} <= shown


def test_editable_fields_have_inputs(editor: BuildingEditor) -> None:
    missing = [
        name
        for name in EDITABLE_FIELDS
        if name not in READ_ONLY_FIELDS and editor.row(name).input is None
    ]
    assert missing == []


def test_register_only_field_read_only(editor: BuildingEditor) -> None:
    assert editor.row("old_building_identifier").input is None


def test_read_only_value_shown(editor: BuildingEditor) -> None:
    label = editor.row("property_identifier").value_label
    assert label is not None
    assert label.text() == "81-401-16-41"


def test_no_building_placeholder(editor: BuildingEditor) -> None:
    editor.show_building(None)
    assert editor.stack.currentIndex() == 0


def test_header_names_building(editor: BuildingEditor) -> None:
    assert editor.title_label.text() == "Keskustie 35, 19600 HARTOLA"


def test_header_portfolio_state(editor: BuildingEditor) -> None:
    assert "In the portfolio (owned), holder Hartola (9810001-7)." in (editor.subtitle_label.text())


def test_register_value_shown(editor: BuildingEditor) -> None:
    assert line_of(editor.row("gross_floor_area")).text() == "906"


def test_register_value_beside(editor: BuildingEditor) -> None:
    label = editor.row("gross_floor_area").register_label
    assert label is not None
    assert label.text() == f"Register value: 906{NBSP}m²"


def test_register_source_in_tooltip(editor: BuildingEditor) -> None:
    label = editor.row("gross_floor_area").register_label
    assert label is not None
    extracted = format_date(datetime.date(2026, 1, 15))
    assert f"DVV building extract, extraction date {extracted}" in label.toolTip()


def test_dvv_code_shown_as_local_code(editor: BuildingEditor) -> None:
    # DVV facade code 2 (brick) is code 02 of the Ryhti list that local values use.
    assert combo_of(editor.row("facade_material")).currentData() == "02"


def test_strategy_listed_by_name(editor: BuildingEditor) -> None:
    combo = combo_of(editor.row("strategy"))
    assert combo.itemText(combo.findData("develop")) == "Kehitettävä"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "2 Tuotantorakennus tai muu rakennus"),
        ("sv", "2 Produktionsbyggnad eller annan byggnad"),
        ("en", "2 Production building or other building"),
    ],
)
def test_editor_open_use_class_language(
    qtbot: QtBot, database_path: Path, tmp_path: Path, language: str, expected: str
) -> None:
    # The same names that ``tilaapp show`` prints (tests/test_cli_messages.py).
    prt = valid_prt(4242)
    rows = [OptRow(prt=prt, use_class="2").cells()]
    import_files(database_path, [write_opt(tmp_path / "open.OPT", rows)], ImportOptions())
    i18n.set_language(language)
    opened = Workspace(database_path, os_user="tester")
    try:
        qtbot.waitUntil(lambda: not opened.worker.busy)
        widget = BuildingEditor(opened)
        qtbot.addWidget(widget)
        widget.show_building(building_id(opened, prt))
        label = widget.row("open_use_class").value_label
        assert label is not None
        assert label.text() == expected
    finally:
        opened.close()


# Committing edits


def test_finnish_decimal_commits(
    qtbot: QtBot, finnish_editor: BuildingEditor, office: int, database_path: Path
) -> None:
    commit_text(qtbot, finnish_editor, "gross_floor_area", "1 234,5")
    assert stored_local(database_path, office, "gross_floor_area") == Decimal("1234.5")


def test_finnish_decimal_shown_formatted(qtbot: QtBot, finnish_editor: BuildingEditor) -> None:
    commit_text(qtbot, finnish_editor, "gross_floor_area", "1234,5")
    assert line_of(finnish_editor.row("gross_floor_area")).text() == f"1{NBSP}234,5"


def test_finnish_date_commits(
    qtbot: QtBot, finnish_editor: BuildingEditor, office: int, database_path: Path
) -> None:
    commit_text(qtbot, finnish_editor, "condition_date", "1.2.2020")
    assert stored_local(database_path, office, "condition_date") == PartialDate(2020, 2, 1)


def test_partial_date_commits(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    commit_text(qtbot, editor, "completion_date", "1962")
    assert stored_local(database_path, office, "completion_date") == PartialDate(1962)


def test_code_choice_commits(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    choose(qtbot, editor, "strategy", "develop")
    assert stored_local(database_path, office, "strategy") == "develop"


def test_boolean_choice_commits(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    choose(qtbot, editor, "indoor_air_problems", True)
    assert stored_local(database_path, office, "indoor_air_problems") is True


def test_condition_class_choice(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    choose(qtbot, editor, "condition_class", 4)
    assert stored_local(database_path, office, "condition_class") == 4


def test_notes_commit_on_ctrl_enter(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    row = editor.row("notes")
    assert row.input is not None
    notes = row.input.editor
    assert isinstance(notes, QPlainTextEdit)
    qtbot.keyClicks(notes, "Katto vuotaa.")
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        qtbot.keyClick(notes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert stored_local(database_path, office, "notes") == "Katto vuotaa."


def test_local_name_in_header(qtbot: QtBot, editor: BuildingEditor) -> None:
    commit_text(qtbot, editor, "local_name", "Kunnantalo")
    assert editor.title_label.text() == "Kunnantalo"


def test_unchanged_value_not_committed(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace
) -> None:
    type_and_enter(qtbot, editor.row("gross_floor_area"), "906.0")
    assert workspace.undo_stack.can_undo is False


def test_building_edited_carries_id(qtbot: QtBot, editor: BuildingEditor, office: int) -> None:
    with qtbot.waitSignal(editor.building_edited, timeout=5000) as blocker:
        type_and_enter(qtbot, editor.row("number_of_users"), "25")
    assert blocker.args == [office]


# Invalid input


def test_invalid_input_shows_message(qtbot: QtBot, finnish_editor: BuildingEditor) -> None:
    type_and_enter(qtbot, finnish_editor.row("volume"), "12x")
    expected = parse_local_input("volume", "12x", "fi").message
    assert finnish_editor.row("volume").error == expected


def test_invalid_input_commits_nothing(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int, database_path: Path
) -> None:
    type_and_enter(qtbot, editor.row("volume"), "12x")
    assert workspace.undo_stack.can_undo is False
    assert stored_local(database_path, office, "volume") is None


def test_invalid_input_stays(qtbot: QtBot, editor: BuildingEditor) -> None:
    type_and_enter(qtbot, editor.row("volume"), "12x")
    assert line_of(editor.row("volume")).text() == "12x"


def test_out_of_range_message(qtbot: QtBot, editor: BuildingEditor) -> None:
    type_and_enter(qtbot, editor.row("utilisation_rate"), "150")
    assert editor.row("utilisation_rate").error == (
        "Utilisation rate: enter a number from 0 to 100 %, with at most 3 decimals."
    )


def test_invalid_input_survives_reload(qtbot: QtBot, editor: BuildingEditor) -> None:
    type_and_enter(qtbot, editor.row("volume"), "12x")
    commit_text(qtbot, editor, "number_of_users", "25")
    assert line_of(editor.row("volume")).text() == "12x"


def test_escape_discards_invalid_input(qtbot: QtBot, editor: BuildingEditor) -> None:
    row = editor.row("volume")
    type_and_enter(qtbot, row, "12x")
    qtbot.keyClick(line_of(row), Qt.Key.Key_Escape)
    assert (line_of(row).text(), row.error) == ("3,224", None)


def test_corrected_input_commits(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    type_and_enter(qtbot, editor.row("volume"), "12x")
    commit_text(qtbot, editor, "volume", "3300")
    assert stored_local(database_path, office, "volume") == Decimal(3300)


def test_corrected_input_hides_message(qtbot: QtBot, editor: BuildingEditor) -> None:
    type_and_enter(qtbot, editor.row("volume"), "12x")
    commit_text(qtbot, editor, "volume", "3300")
    assert editor.row("volume").error is None


# Markers and returning to the register value


def test_marker_register_before_edit(editor: BuildingEditor) -> None:
    assert editor.row("gross_floor_area").marker_kind == MARKER_REGISTER


def test_marker_local_after_edit(qtbot: QtBot, editor: BuildingEditor) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    assert editor.row("gross_floor_area").marker_kind == MARKER_LOCAL


def test_marker_tooltip_names_user(qtbot: QtBot, editor: BuildingEditor) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    assert "set by tester" in editor.row("gross_floor_area").marker.toolTip()


def test_marker_none_without_value(editor: BuildingEditor) -> None:
    assert editor.row("floor_area").marker_kind == MARKER_NONE


def test_revert_disabled_without_local(editor: BuildingEditor) -> None:
    assert editor.row("gross_floor_area").revert_button.isEnabled() is False


def test_revert_enabled_with_local(qtbot: QtBot, editor: BuildingEditor) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    assert editor.row("gross_floor_area").revert_button.isEnabled() is True


def test_revert_clears_local(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        qtbot.mouseClick(editor.row("gross_floor_area").revert_button, Qt.MouseButton.LeftButton)
    assert stored_local(database_path, office, "gross_floor_area") is None


def test_revert_shows_register(qtbot: QtBot, editor: BuildingEditor) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        qtbot.mouseClick(editor.row("gross_floor_area").revert_button, Qt.MouseButton.LeftButton)
    row = editor.row("gross_floor_area")
    assert (line_of(row).text(), row.marker_kind) == ("906", MARKER_REGISTER)


def test_empty_text_returns_to_register(
    qtbot: QtBot, editor: BuildingEditor, office: int, database_path: Path
) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    line = line_of(editor.row("gross_floor_area"))
    line.selectAll()
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        qtbot.keyClick(line, Qt.Key.Key_Backspace)
        qtbot.keyClick(line, Qt.Key.Key_Return)
    assert stored_local(database_path, office, "gross_floor_area") is None


# Undo and changes from elsewhere


def test_undo_restores_display(qtbot: QtBot, editor: BuildingEditor, workspace: Workspace) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    with qtbot.waitSignal(workspace.buildings_changed, timeout=5000):
        workspace.undo()
    row = editor.row("gross_floor_area")
    assert (line_of(row).text(), row.marker_kind) == ("906", MARKER_REGISTER)


def test_redo_restores_edit(qtbot: QtBot, editor: BuildingEditor, workspace: Workspace) -> None:
    commit_text(qtbot, editor, "gross_floor_area", "950")
    with qtbot.waitSignal(workspace.buildings_changed, timeout=5000):
        workspace.undo()
    with qtbot.waitSignal(workspace.buildings_changed, timeout=5000):
        workspace.redo()
    assert line_of(editor.row("gross_floor_area")).text() == "950"


def test_change_elsewhere_shown(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    edits = workspace.edits
    with qtbot.waitSignal(workspace.buildings_changed, timeout=5000):
        workspace.write_step("test", lambda: edits.set_value(office, "lessee", "Kahvila Oy"))
    assert line_of(editor.row("lessee")).text() == "Kahvila Oy"


# Errors of a write


def test_rejected_write_shown_at_field(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reject(building: int, field: str, value: Any) -> None:
        raise ValidationError(field, "Volume: rejected by the test.")

    monkeypatch.setattr(workspace.edits, "set_value", reject)
    with qtbot.waitSignal(editor.save_failed, timeout=5000):
        type_and_enter(qtbot, editor.row("volume"), "3300")
    assert editor.row("volume").error == "Volume: rejected by the test."


def test_conflict_shown_at_top(
    qtbot: QtBot,
    editor: BuildingEditor,
    workspace: Workspace,
    office: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conflict = EditConflict(office, OFFICE_PRT, "volume", redo=False)

    def reject(building: int, field: str, value: Any) -> None:
        raise conflict

    monkeypatch.setattr(workspace.edits, "set_value", reject)
    with qtbot.waitSignal(editor.save_failed, timeout=5000):
        type_and_enter(qtbot, editor.row("volume"), "3300")
    assert editor.error == conflict.message


# Showing another building


def test_same_building_keeps_typing(qtbot: QtBot, editor: BuildingEditor, office: int) -> None:
    type_and_enter(qtbot, editor.row("volume"), "12x")
    editor.show_building(office)
    assert line_of(editor.row("volume")).text() == "12x"


def test_other_building_drops_typing(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    type_and_enter(qtbot, editor.row("volume"), "12x")
    editor.show_building(office + 1)
    assert editor.row("volume").error is None


def test_other_building_shown(editor: BuildingEditor, workspace: Workspace) -> None:
    editor.show_building(building_id(workspace, SCHOOL_PRT))
    assert editor.title_label.text() == "Koulutie 9, 19600 HARTOLA"


# Repair needs


def repair_table(editor: BuildingEditor) -> RepairNeedsEditor:
    assert editor.repair_editor is not None
    return editor.repair_editor


def add_repair_need(qtbot: QtBot, editor: BuildingEditor) -> None:
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        qtbot.mouseClick(repair_table(editor).add_button, Qt.MouseButton.LeftButton)


def set_repair_cell(qtbot: QtBot, editor: BuildingEditor, column: int, text: str) -> None:
    """Finish an edit of the first row's cell, as the table's cell editor does."""
    item = repair_table(editor).table.item(0, column)
    assert item is not None
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        item.setText(text)


def stored_needs(workspace: Workspace, building: int) -> tuple[RepairNeed, ...]:
    return RepairService(workspace.database).read(building)


def test_repair_need_added(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    add_repair_need(qtbot, editor)
    next_year = datetime.date.today().year + 1
    assert stored_needs(workspace, office) == (RepairNeed(next_year, None, None),)


def test_repair_cost_finnish(
    qtbot: QtBot, finnish_editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    add_repair_need(qtbot, finnish_editor)
    set_repair_cell(qtbot, finnish_editor, 1, "12 500,5")
    assert stored_needs(workspace, office)[0].estimated_cost == Decimal("12500.5")


def test_repair_description_saved(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    add_repair_need(qtbot, editor)
    set_repair_cell(qtbot, editor, 2, "Vesikatto")
    assert stored_needs(workspace, office)[0].description == "Vesikatto"


def test_repair_total_shown(qtbot: QtBot, editor: BuildingEditor) -> None:
    add_repair_need(qtbot, editor)
    set_repair_cell(qtbot, editor, 1, "1,500")
    assert repair_table(editor).total_label.text() == (
        f"1 repair need, estimated cost {format_money(Decimal(1500))} in all."
    )


def test_invalid_repair_year_message(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    add_repair_need(qtbot, editor)
    item = repair_table(editor).table.item(0, 0)
    assert item is not None
    item.setText("20x5")
    assert repair_table(editor).message == "Repair need 1: enter a year from 1900 to 2100."


def test_invalid_repair_year_not_saved(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    add_repair_need(qtbot, editor)
    item = repair_table(editor).table.item(0, 0)
    assert item is not None
    item.setText("20x5")
    next_year = datetime.date.today().year + 1
    assert [need.year for need in stored_needs(workspace, office)] == [next_year]


def test_repair_need_removed(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace, office: int
) -> None:
    add_repair_need(qtbot, editor)
    table = repair_table(editor)
    table.table.selectRow(0)
    with qtbot.waitSignal(editor.building_edited, timeout=5000):
        qtbot.mouseClick(table.remove_button, Qt.MouseButton.LeftButton)
    assert stored_needs(workspace, office) == ()


def test_repair_undo_empties_table(
    qtbot: QtBot, editor: BuildingEditor, workspace: Workspace
) -> None:
    add_repair_need(qtbot, editor)
    with qtbot.waitSignal(workspace.buildings_changed, timeout=5000):
        workspace.undo()
    assert repair_table(editor).table.rowCount() == 0
