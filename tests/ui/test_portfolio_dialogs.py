"""The portfolio dialog and the holder entities dialog, on an imported database."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from devtools.dvv_workbook import business_id
from tilaapp.services.portfolio_edit import DuplicateBusinessId, InvalidBusinessId
from tilaapp.storage.models import Building, HolderKind, PortfolioEntry, Tenure
from tilaapp.ui import portfolio_dialogs
from tilaapp.ui.portfolio_dialogs import (
    REMOVE_CONFIRMATION_COUNT,
    HolderEntitiesDialog,
    PortfolioAction,
    PortfolioDialog,
)
from tilaapp.ui.workspace import Workspace

MUNICIPALITY_BUSINESS_ID = "9810001-7"
NEW_BUSINESS_ID = business_id("1234567")


# Helpers


def portfolio(workspace: Workspace) -> dict[int, tuple[int | None, str]]:
    """Return the holder id and tenure of every building of the portfolio."""
    with workspace.read_session() as session:
        entries = session.scalars(select(PortfolioEntry))
        return {entry.building_id: (entry.holder_entity_id, entry.tenure) for entry in entries}


def outside_portfolio(workspace: Workspace) -> list[int]:
    with workspace.read_session() as session:
        ids = list(session.scalars(select(Building.id).order_by(Building.id)))
    inside = portfolio(workspace)
    return [building_id for building_id in ids if building_id not in inside]


def inside_portfolio(workspace: Workspace) -> list[int]:
    return sorted(portfolio(workspace))


def holder_id(workspace: Workspace, business: str) -> int:
    holders = workspace.portfolio.list_holder_entities()
    return next(holder.id for holder in holders if holder.business_id == business)


def open_dialog(qtbot: QtBot, workspace: Workspace, ids: Sequence[int]) -> PortfolioDialog:
    dialog = PortfolioDialog(workspace, ids)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.is_ready)
    return dialog


def apply(qtbot: QtBot, workspace: Workspace, dialog: PortfolioDialog) -> None:
    with qtbot.waitSignal(workspace.buildings_changed, timeout=10_000):
        dialog.apply_button.click()


def undo(qtbot: QtBot, workspace: Workspace) -> None:
    with qtbot.waitSignal(workspace.buildings_changed, timeout=10_000):
        workspace.undo()


@pytest.fixture
def confirmations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Confirm every removal, and record the building count of each confirmation."""
    counts: list[int] = []

    def confirm(_parent: object, count: int) -> bool:
        counts.append(count)
        return True

    monkeypatch.setattr(portfolio_dialogs, "confirm_removal", confirm)
    return counts


# Portfolio dialog


def test_add_buildings_and_undo(qtbot: QtBot, workspace: Workspace) -> None:
    ids = outside_portfolio(workspace)[:3]
    municipality = holder_id(workspace, MUNICIPALITY_BUSINESS_ID)
    dialog = open_dialog(qtbot, workspace, ids)
    dialog.select_holder(municipality)
    dialog.select_tenure(Tenure.LEASED_IN)

    apply(qtbot, workspace, dialog)

    after = portfolio(workspace)
    assert [after.get(building_id) for building_id in ids] == [(municipality, "leased_in")] * 3
    assert dialog.result() == QDialog.DialogCode.Accepted
    undo(qtbot, workspace)
    assert not set(ids) & set(portfolio(workspace))


def test_add_sentence_counts(qtbot: QtBot, workspace: Workspace) -> None:
    ids = outside_portfolio(workspace)[:3] + inside_portfolio(workspace)[:2]
    dialog = open_dialog(qtbot, workspace, ids)

    assert dialog.action is PortfolioAction.ADD
    assert dialog.summary_text == "5 buildings selected. 2 of them are in the portfolio."
    assert dialog.outcome_text == (
        "3 buildings will be added to the portfolio. The 2 buildings already in it keep "
        "their holder and tenure."
    )


def test_add_keeps_holder_of_members(qtbot: QtBot, workspace: Workspace) -> None:
    member = inside_portfolio(workspace)[0]
    before = portfolio(workspace)[member]
    ids = [*outside_portfolio(workspace)[:1], member]
    dialog = open_dialog(qtbot, workspace, ids)
    dialog.select_holder(None)
    dialog.select_tenure(Tenure.LEASED_IN)

    apply(qtbot, workspace, dialog)

    assert portfolio(workspace)[member] == before


def test_remove_many_asks_and_undo(
    qtbot: QtBot, workspace: Workspace, confirmations: list[int]
) -> None:
    ids = inside_portfolio(workspace)[:12]
    before = portfolio(workspace)
    dialog = open_dialog(qtbot, workspace, ids)
    dialog.set_action(PortfolioAction.REMOVE)

    assert dialog.outcome_text == "12 buildings will be removed from the portfolio."
    apply(qtbot, workspace, dialog)

    assert confirmations == [12]
    assert not set(ids) & set(portfolio(workspace))
    undo(qtbot, workspace)
    assert portfolio(workspace) == before


def test_remove_few_does_not_ask(
    qtbot: QtBot, workspace: Workspace, confirmations: list[int]
) -> None:
    ids = inside_portfolio(workspace)[: REMOVE_CONFIRMATION_COUNT - 1]
    dialog = open_dialog(qtbot, workspace, ids)
    dialog.set_action(PortfolioAction.REMOVE)

    apply(qtbot, workspace, dialog)

    assert confirmations == []
    assert not set(ids) & set(portfolio(workspace))


def test_remove_declined(
    qtbot: QtBot, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(portfolio_dialogs, "confirm_removal", lambda _parent, _count: False)
    ids = inside_portfolio(workspace)[:REMOVE_CONFIRMATION_COUNT]
    before = portfolio(workspace)
    dialog = open_dialog(qtbot, workspace, ids)
    dialog.set_action(PortfolioAction.REMOVE)

    dialog.apply_button.click()

    assert dialog.is_ready
    assert not workspace.worker.busy
    assert portfolio(workspace) == before


def test_change_holder_and_tenure(qtbot: QtBot, workspace: Workspace) -> None:
    ids = inside_portfolio(workspace)[:2]
    outside = outside_portfolio(workspace)[0]
    company = holder_id(workspace, "9810002-5")
    dialog = open_dialog(qtbot, workspace, [*ids, outside])
    dialog.set_action(PortfolioAction.CHANGE)
    dialog.select_holder(company)
    dialog.select_tenure(Tenure.LEASED_IN)

    apply(qtbot, workspace, dialog)

    after = portfolio(workspace)
    assert [after[building_id] for building_id in ids] == [(company, "leased_in")] * 2
    assert outside not in after


def test_change_offered_only_for_members(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_dialog(qtbot, workspace, outside_portfolio(workspace)[:2])

    assert not dialog.action_button(PortfolioAction.CHANGE).isEnabled()
    assert not dialog.action_button(PortfolioAction.REMOVE).isEnabled()


def test_apply_disabled_without_change(qtbot: QtBot, workspace: Workspace) -> None:
    member = inside_portfolio(workspace)[0]
    dialog = open_dialog(qtbot, workspace, [member])

    assert dialog.action is PortfolioAction.CHANGE
    assert dialog.summary_text == "The selected building is in the portfolio."
    assert not dialog.apply_button.isEnabled()


def test_holder_combo_lists_entities(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_dialog(qtbot, workspace, outside_portfolio(workspace)[:1])
    combo = dialog.holder_combo
    texts = [combo.itemText(index) for index in range(combo.count())]

    assert texts[0] == "Holder not named"
    assert MUNICIPALITY_BUSINESS_ID in " ".join(texts)
    assert combo.count() == 4


# Holder entities dialog


def open_holders(qtbot: QtBot, workspace: Workspace) -> HolderEntitiesDialog:
    dialog = HolderEntitiesDialog(workspace)
    qtbot.addWidget(dialog)
    return dialog


def test_holder_add_invalid_business_id(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_holders(qtbot, workspace)
    dialog.select_holder(None)
    dialog.business_id_edit.setText("1234567-2")

    dialog.add_button.click()

    qtbot.waitUntil(lambda: bool(dialog.error_text))
    assert dialog.error_text == InvalidBusinessId("1234567-2").message
    assert len(dialog.holders) == 3


def test_holder_add_duplicate(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_holders(qtbot, workspace)
    dialog.select_holder(None)
    dialog.business_id_edit.setText(MUNICIPALITY_BUSINESS_ID)

    dialog.add_button.click()

    qtbot.waitUntil(lambda: bool(dialog.error_text))
    assert dialog.error_text == DuplicateBusinessId(MUNICIPALITY_BUSINESS_ID).message


def test_holder_add_without_business_id(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_holders(qtbot, workspace)
    dialog.select_holder(None)

    dialog.add_button.click()

    assert dialog.error_text == "Enter the business ID of the holder entity, such as 1234567-1."
    assert not workspace.worker.busy


def test_holder_add(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_holders(qtbot, workspace)
    dialog.select_holder(None)
    dialog.business_id_edit.setText(NEW_BUSINESS_ID)
    dialog.name_edit.setText("Hartolan Lämpö Oy")
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(HolderKind.MUNICIPAL_COMPANY))

    with qtbot.waitSignal(dialog.entities_changed, timeout=10_000):
        dialog.add_button.click()

    added = [holder for holder in dialog.holders if holder.business_id == NEW_BUSINESS_ID]
    assert [(holder.name, holder.kind) for holder in added] == [
        ("Hartolan Lämpö Oy", HolderKind.MUNICIPAL_COMPANY)
    ]
    assert dialog.selected_holder() == added[0]


def test_holder_rename(qtbot: QtBot, workspace: Workspace) -> None:
    company = holder_id(workspace, "9810002-5")
    dialog = open_holders(qtbot, workspace)
    dialog.select_holder(company)
    dialog.name_edit.setText("Hartolan Vuokratalot Oy")

    with qtbot.waitSignal(dialog.entities_changed, timeout=10_000):
        dialog.save_button.click()

    renamed = [
        holder for holder in workspace.portfolio.list_holder_entities() if holder.id == company
    ]
    assert renamed[0].name == "Hartolan Vuokratalot Oy"
    current = dialog.list_widget.currentItem()
    assert current is not None
    assert current.text(0) == "Hartolan Vuokratalot Oy"


def test_holder_business_id_read_only_when_editing(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_holders(qtbot, workspace)
    dialog.select_holder(holder_id(workspace, MUNICIPALITY_BUSINESS_ID))

    assert dialog.business_id_edit.isReadOnly()
    assert dialog.save_button.isVisibleTo(dialog)
    assert not dialog.add_button.isVisibleTo(dialog)


def test_holder_second_municipality_rejected(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = open_holders(qtbot, workspace)
    dialog.select_holder(holder_id(workspace, "9810002-5"))
    dialog.kind_combo.setCurrentIndex(dialog.kind_combo.findData(HolderKind.MUNICIPALITY))

    dialog.save_button.click()

    qtbot.waitUntil(lambda: bool(dialog.error_text))
    assert "already the municipality" in dialog.error_text
