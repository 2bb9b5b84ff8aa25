"""The bulk edit dialog on the imported demo database: counts, confirmation, undo."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import QLocale, QTimer
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tilaapp import i18n
from tilaapp.domain.validation import EDITABLE_FIELDS, parse_local_input
from tilaapp.storage.models import Building, LocalValue
from tilaapp.ui import bulk_edit
from tilaapp.ui.bulk_edit import BulkEditDialog
from tilaapp.ui.editor import READ_ONLY_FIELDS
from tilaapp.ui.field_widgets import language_collator
from tilaapp.ui.workspace import Workspace

SELECTED = 5


# Helpers


def first_ids(workspace: Workspace, count: int) -> list[int]:
    with workspace.read_session() as session:
        return list(session.scalars(select(Building.id).order_by(Building.id).limit(count)))


def local_values(workspace: Workspace, ids: list[int], field: str) -> list[Any]:
    with workspace.read_session() as session:
        rows = {row.building_id: row for row in session.scalars(select(LocalValue))}
    return [getattr(rows[i], field) if i in rows else None for i in ids]


def open_dialog(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> BulkEditDialog:
    dialog = BulkEditDialog(workspace, ids)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def enter_value(qtbot: QtBot, dialog: BulkEditDialog, field: str, text: str) -> int:
    """Choose ``field``, type ``text`` as its value and return the count that follows."""
    dialog.set_field(field)
    assert dialog.value_input is not None
    with qtbot.waitSignal(dialog.preview_changed, timeout=5000) as blocker:
        dialog.value_input.set_text(text)
        dialog.value_input.edited.emit()
    count: int = blocker.args[0]
    return count


def answer_confirmation(dialog: BulkEditDialog, button: QMessageBox.StandardButton) -> list[str]:
    """Press ``button`` of the confirmation as soon as it opens; return its text in a list."""
    texts: list[str] = []

    def press() -> None:
        texts.append(dialog.confirmation.text())
        dialog.confirmation.button(button).click()

    QTimer.singleShot(0, press)
    return texts


def apply_confirmed(qtbot: QtBot, dialog: BulkEditDialog) -> list[str]:
    texts = answer_confirmation(dialog, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.applied, timeout=5000):
        dialog.apply()
    return texts


@pytest.fixture
def ids(workspace: Workspace) -> list[int]:
    return first_ids(workspace, SELECTED)


# The field list


def test_field_list_has_editable_fields(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    names = {dialog.field_combo.itemData(i) for i in range(dialog.field_combo.count())}
    assert names == set(EDITABLE_FIELDS) - READ_ONLY_FIELDS


def test_field_list_no_property_fields(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)

    assert dialog.field_combo.findData("property_identifier") == -1


def test_field_list_sorted_finnish(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    i18n.set_language("fi")
    dialog = open_dialog(qtbot, workspace, ids)
    labels = [dialog.field_combo.itemText(i) for i in range(dialog.field_combo.count())]
    collator = language_collator("fi")
    assert collator.locale() == QLocale("fi_FI")
    unordered = [(a, b) for a, b in itertools.pairwise(labels) if collator.compare(a, b) > 0]
    assert unordered == []


def test_no_field_chosen_disables_apply(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    assert dialog.apply_button.isEnabled() is False


# The count of buildings that change


def test_count_of_all_selected(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    assert enter_value(qtbot, dialog, "number_of_users", "30") == SELECTED


def test_count_leaves_out_equal_values(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    workspace.edits.set_value(ids[0], "number_of_users", 30)
    dialog = open_dialog(qtbot, workspace, ids)
    assert enter_value(qtbot, dialog, "number_of_users", "30") == SELECTED - 1


def test_count_line_text(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    workspace.edits.set_value(ids[0], "number_of_users", 30)
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "number_of_users", "30")
    assert dialog.preview_label.text() == "4 of the 5 selected buildings will change."


def test_large_selection_counted_on_worker(
    qtbot: QtBot, workspace: Workspace, ids: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk_edit, "PREVIEW_ON_GUI_THREAD_MAX", 2)
    dialog = open_dialog(qtbot, workspace, ids)
    assert enter_value(qtbot, dialog, "number_of_users", "30") == SELECTED


def test_invalid_value_shows_message(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    assert enter_value(qtbot, dialog, "gross_floor_area", "12x") == -1
    assert dialog.message == parse_local_input("gross_floor_area", "12x", "en").message


def test_invalid_value_disables_apply(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "gross_floor_area", "12x")
    assert dialog.apply_button.isEnabled() is False


def test_empty_value_disables_apply(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "gross_floor_area", "")
    assert dialog.apply_button.isEnabled() is False


# Applying


def test_confirmation_states_count(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    workspace.edits.set_value(ids[0], "number_of_users", 30)
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "number_of_users", "30")
    texts = apply_confirmed(qtbot, dialog)
    assert texts[0].startswith("Change 4 buildings?")


def test_confirmation_singular(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids[:1])
    enter_value(qtbot, dialog, "number_of_users", "30")
    assert dialog.confirmation_text(1).startswith("Change 1 building?")


def test_apply_changes_selected(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "gross_floor_area", "1,200.5")
    apply_confirmed(qtbot, dialog)
    assert local_values(workspace, ids, "gross_floor_area") == [Decimal("1200.5")] * SELECTED


def test_apply_finnish_value(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    i18n.set_language("fi")
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "gross_floor_area", "1 200,5")
    apply_confirmed(qtbot, dialog)
    assert local_values(workspace, ids, "gross_floor_area") == [Decimal("1200.5")] * SELECTED


def test_apply_leaves_others(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    others = first_ids(workspace, SELECTED + 3)[SELECTED:]
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "number_of_users", "30")
    apply_confirmed(qtbot, dialog)
    assert local_values(workspace, others, "number_of_users") == [None] * 3


def test_apply_closes_dialog(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "number_of_users", "30")
    apply_confirmed(qtbot, dialog)
    assert dialog.result() == BulkEditDialog.DialogCode.Accepted


def test_one_undo_reverts_all(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "number_of_users", "30")
    apply_confirmed(qtbot, dialog)
    with qtbot.waitSignal(workspace.buildings_changed, timeout=5000):
        workspace.undo()
    assert local_values(workspace, ids, "number_of_users") == [None] * SELECTED


def test_apply_is_one_step(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "number_of_users", "30")
    apply_confirmed(qtbot, dialog)
    step = workspace.undo_stack.next_undo
    assert step is not None
    assert len(step.changes) == SELECTED


def test_cancelled_confirmation_changes_nothing(
    qtbot: QtBot, workspace: Workspace, ids: list[int]
) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    enter_value(qtbot, dialog, "number_of_users", "30")
    texts = answer_confirmation(dialog, QMessageBox.StandardButton.Cancel)
    dialog.apply()
    assert texts != []
    assert workspace.undo_stack.can_undo is False


# Clearing own values


def clear_mode_count(qtbot: QtBot, dialog: BulkEditDialog, field: str) -> int:
    dialog.set_field(field)
    with qtbot.waitSignal(dialog.preview_changed, timeout=5000) as blocker:
        dialog.clear_radio.setChecked(True)
    count: int = blocker.args[0]
    return count


def test_clear_counts_own_values(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    workspace.edits.set_value_for_many(ids[:3], "gross_floor_area", Decimal(100))
    dialog = open_dialog(qtbot, workspace, ids)
    assert clear_mode_count(qtbot, dialog, "gross_floor_area") == 3


def test_clear_removes_own_values(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    workspace.edits.set_value_for_many(ids[:3], "gross_floor_area", Decimal(100))
    dialog = open_dialog(qtbot, workspace, ids)
    clear_mode_count(qtbot, dialog, "gross_floor_area")
    texts = apply_confirmed(qtbot, dialog)
    assert texts[0].startswith("Remove the own value from 3 buildings?")
    assert local_values(workspace, ids, "gross_floor_area") == [None] * SELECTED


def test_clear_nothing_disables_apply(qtbot: QtBot, workspace: Workspace, ids: list[int]) -> None:
    dialog = open_dialog(qtbot, workspace, ids)
    assert clear_mode_count(qtbot, dialog, "gross_floor_area") == 0
    assert dialog.apply_button.isEnabled() is False
