"""The history view: values formatted in the chosen language, paging, filters and refresh."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tilaapp import i18n
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.formatting import format_timestamp
from tilaapp.services.editing import EditStep
from tilaapp.services.history import PortfolioHistoryValue
from tilaapp.services.repairs import RepairNeed, RepairService
from tilaapp.storage.models import Building, PortfolioEntry
from tilaapp.ui.history_view import (
    NO_VALUE,
    HistoryColumn,
    HistoryDialog,
    HistoryFilter,
    HistoryModel,
    format_history_value,
    source_label,
)
from tilaapp.ui.workspace import Workspace

NBSP = "\u00a0"
PAGE = 250


# Helpers


def building_ids(workspace: Workspace) -> list[int]:
    with workspace.read_session() as session:
        return list(session.scalars(select(Building.id).order_by(Building.id)))


def outside_portfolio(workspace: Workspace) -> list[int]:
    with workspace.read_session() as session:
        in_portfolio = set(session.scalars(select(PortfolioEntry.building_id)))
    return [
        building_id for building_id in building_ids(workspace) if building_id not in in_portfolio
    ]


def identifier(workspace: Workspace, building_id: int) -> str:
    with workspace.read_session() as session:
        found: Building | None = session.get(Building, building_id)
    assert found is not None
    text = found.permanent_building_identifier
    assert text is not None
    return text


def write(qtbot: QtBot, workspace: Workspace, job: Callable[[], EditStep | None]) -> None:
    """Run an edit on the worker as the GUI does, and wait until it is stored."""
    with qtbot.waitSignal(workspace.buildings_changed, timeout=10_000):
        workspace.write_step("test edit", job)


def cell(model: HistoryModel, row: int, column: HistoryColumn) -> str:
    text = model.data(model.index(row, model.column_of(column)))
    assert isinstance(text, str)
    return text


def column_texts(model: HistoryModel, column: HistoryColumn) -> set[str]:
    return {cell(model, row, column) for row in range(model.rowCount())}


def fill_history(qtbot: QtBot, workspace: Workspace, rounds: int) -> None:
    """Write one history row per building and round: 114 buildings give 114 rows a round."""
    ids = building_ids(workspace)
    for number in range(rounds):

        def edit(service: str = f"Service {number}") -> EditStep:
            return workspace.edits.set_value_for_many(ids, "municipal_service", service)

        write(qtbot, workspace, edit)


# One building


def test_building_history_formats_edit(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(
        qtbot,
        workspace,
        lambda: workspace.edits.set_value(building, "gross_floor_area", Decimal(1000)),
    )
    write(
        qtbot,
        workspace,
        lambda: workspace.edits.set_value(building, "gross_floor_area", Decimal("1234.5")),
    )

    dialog = HistoryDialog(workspace, building)
    qtbot.addWidget(dialog)
    model = dialog.view.model

    assert model.rowCount() == 2
    assert cell(model, 0, HistoryColumn.FIELD) == "Gross floor area"
    assert cell(model, 0, HistoryColumn.OLD_VALUE) == f"1,000{NBSP}m²"
    assert cell(model, 0, HistoryColumn.NEW_VALUE) == f"1,234.5{NBSP}m²"
    assert cell(model, 0, HistoryColumn.WHO) == "tester"
    assert cell(model, 0, HistoryColumn.SOURCE) == "Edited by hand"
    assert cell(model, 1, HistoryColumn.OLD_VALUE) == NO_VALUE


def test_building_history_in_finnish(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(
        qtbot,
        workspace,
        lambda: workspace.edits.set_value(building, "gross_floor_area", Decimal("1234.5")),
    )
    write(
        qtbot,
        workspace,
        lambda: workspace.edits.set_value(building, "replacement_cost", Decimal(2500000)),
    )
    i18n.set_language("fi")

    model = HistoryModel(workspace, building)
    entry = model.entry(0)

    assert cell(model, 0, HistoryColumn.NEW_VALUE) == f"2{NBSP}500{NBSP}000,00{NBSP}€"
    assert cell(model, 1, HistoryColumn.NEW_VALUE) == f"1{NBSP}234,5{NBSP}m²"
    assert cell(model, 0, HistoryColumn.FIELD) == "Jälleenhankinta-arvo"
    assert cell(model, 0, HistoryColumn.WHEN) == format_timestamp(entry.changed_at, "fi")


def test_building_history_shows_repair_needs(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    repairs = RepairService(workspace.database, os_user="tester", undo_stack=workspace.undo_stack)
    needs = [
        RepairNeed(2027, Decimal(12000), "Roof"),
        RepairNeed(2030, None, "Windows"),
    ]
    write(qtbot, workspace, lambda: repairs.set_repair_needs(building, needs))

    model = HistoryModel(workspace, building)

    assert cell(model, 0, HistoryColumn.FIELD) == "Repair needs"
    assert cell(model, 0, HistoryColumn.OLD_VALUE) == NO_VALUE
    assert cell(model, 0, HistoryColumn.NEW_VALUE) == "2027: Roof (€12,000.00) 2030: Windows"


def test_building_history_has_no_building_column(workspace: Workspace) -> None:
    model = HistoryModel(workspace, building_ids(workspace)[0])

    assert HistoryColumn.BUILDING not in model.columns


def test_building_history_empty(qtbot: QtBot, workspace: Workspace) -> None:
    dialog = HistoryDialog(workspace, outside_portfolio(workspace)[0])
    qtbot.addWidget(dialog)

    assert dialog.view.model.rowCount() == 0
    assert dialog.view.status_text == "No changes have been recorded for this building."


def test_building_dialog_title(qtbot: QtBot, workspace: Workspace) -> None:
    building = building_ids(workspace)[0]
    dialog = HistoryDialog(workspace, building)
    qtbot.addWidget(dialog)

    assert identifier(workspace, building) in dialog.windowTitle()


def test_dialog_refreshes_after_edit(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    dialog = HistoryDialog(workspace, building)
    qtbot.addWidget(dialog)

    write(qtbot, workspace, lambda: workspace.edits.set_value(building, "number_of_users", 40))

    assert dialog.view.model.rowCount() == 1
    assert cell(dialog.view.model, 0, HistoryColumn.NEW_VALUE) == "40"


def test_dialog_refreshes_after_undo(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(qtbot, workspace, lambda: workspace.edits.set_value(building, "number_of_users", 40))
    dialog = HistoryDialog(workspace, building)
    qtbot.addWidget(dialog)

    with qtbot.waitSignal(workspace.buildings_changed, timeout=10_000):
        workspace.undo()

    assert dialog.view.model.rowCount() == 2
    assert cell(dialog.view.model, 0, HistoryColumn.SOURCE) == "Undo"
    assert cell(dialog.view.model, 0, HistoryColumn.OLD_VALUE) == "40"


def test_double_click_activates_building(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(qtbot, workspace, lambda: workspace.edits.set_value(building, "number_of_users", 40))
    dialog = HistoryDialog(workspace, None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.view.table
    position = table.visualRect(table.model().index(0, 0)).center()

    with qtbot.waitSignal(dialog.building_activated, timeout=5_000) as activated:
        QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=position)
        QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=position)

    assert activated.args == [building]


# The whole database


def test_database_history_shows_two_buildings(qtbot: QtBot, workspace: Workspace) -> None:
    first, second = outside_portfolio(workspace)[:2]
    write(qtbot, workspace, lambda: workspace.edits.set_value(first, "local_name", "Koulu"))
    write(qtbot, workspace, lambda: workspace.edits.set_value(second, "local_name", "Kirjasto"))

    dialog = HistoryDialog(workspace, None)
    qtbot.addWidget(dialog)
    model = dialog.view.model

    assert cell(model, 0, HistoryColumn.BUILDING) == identifier(workspace, second)
    assert cell(model, 0, HistoryColumn.NEW_VALUE) == "Kirjasto"
    assert cell(model, 1, HistoryColumn.BUILDING) == identifier(workspace, first)
    assert cell(model, 1, HistoryColumn.NEW_VALUE) == "Koulu"


def test_database_history_pages(qtbot: QtBot, workspace: Workspace) -> None:
    fill_history(qtbot, workspace, rounds=5)
    model = HistoryModel(workspace, None)
    root = QModelIndex()

    assert model.rowCount() == PAGE
    assert model.canFetchMore(root)
    model.fetchMore(root)
    assert model.rowCount() == 2 * PAGE
    model.fetchMore(root)
    # 5 rounds of 114 buildings, and the 85 buildings the import put in the portfolio.
    assert model.rowCount() == 5 * 114 + 85
    assert not model.canFetchMore(root)


def test_scrolling_reads_next_page(qtbot: QtBot, workspace: Workspace) -> None:
    fill_history(qtbot, workspace, rounds=3)
    dialog = HistoryDialog(workspace, None)
    assert dialog.view.status_text == (
        "The newest 250 changes are shown. Scroll down to see older ones."
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    dialog.view.table.scrollToBottom()

    # 3 rounds of 114 buildings, and the 85 buildings the import put in the portfolio.
    qtbot.waitUntil(lambda: dialog.view.model.rowCount() == 3 * 114 + 85)
    assert dialog.view.status_text == "427 changes, newest first."


def test_database_history_field_filter(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(qtbot, workspace, lambda: workspace.edits.set_value(building, "local_name", "Koulu"))
    dialog = HistoryDialog(workspace, None)
    qtbot.addWidget(dialog)
    combo = dialog.view.field_filter
    assert combo is not None

    combo.setCurrentIndex(combo.findData("portfolio"))

    assert column_texts(dialog.view.model, HistoryColumn.FIELD) == {"Portfolio"}
    assert dialog.view.model.rowCount() == 85


def test_database_history_source_filter(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(qtbot, workspace, lambda: workspace.edits.set_value(building, "local_name", "Koulu"))
    model = HistoryModel(workspace, None)

    model.set_filter(HistoryFilter(source="local"))

    assert model.rowCount() == 1
    assert cell(model, 0, HistoryColumn.NEW_VALUE) == "Koulu"


def test_database_history_text_filter(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(qtbot, workspace, lambda: workspace.edits.set_value(building, "local_name", "Kirjasto"))
    dialog = HistoryDialog(workspace, None)
    qtbot.addWidget(dialog)

    text_filter = dialog.view.text_filter
    assert text_filter is not None

    text_filter.setText("kirjasto")

    assert dialog.view.model.rowCount() == 1
    assert cell(dialog.view.model, 0, HistoryColumn.NEW_VALUE) == "Kirjasto"


def test_filter_of_building_history_rejected(workspace: Workspace) -> None:
    model = HistoryModel(workspace, building_ids(workspace)[0])

    with pytest.raises(ValueError, match="whole database"):
        model.set_filter(HistoryFilter(field="notes"))


def test_portfolio_rows_name_holder(workspace: Workspace) -> None:
    model = HistoryModel(workspace, None)
    model.set_filter(HistoryFilter(field="portfolio"))

    assert cell(model, 0, HistoryColumn.OLD_VALUE) == "not in the portfolio"
    assert cell(model, 0, HistoryColumn.NEW_VALUE).startswith("owned, holder ")
    assert cell(model, 0, HistoryColumn.SOURCE) == "Portfolio change"


# Value texts


def test_value_of_code_with_name() -> None:
    text = format_history_value("heating_energy_source", "01", "local")

    assert text == "01 Kauko- tai aluelämpö"


def test_value_of_strategy_is_name() -> None:
    assert format_history_value("strategy", "develop", "local") == "Kehitettävä"


def test_value_of_municipality() -> None:
    assert format_history_value("municipality_number", "081", "dvv_extract") == "081 Hartola"


def test_value_of_boolean() -> None:
    assert format_history_value("indoor_air_problems", True, "local") == "yes"


def test_value_of_partial_date_in_finnish() -> None:
    i18n.set_language("fi")

    assert format_history_value("condition_date", PartialDate(2024, 5), "local") == "5.2024"


def test_value_of_property_identifier() -> None:
    text = format_history_value("property_identifier", "08140100010001", "dvv_extract")

    assert text == "81-401-1-1"


def test_value_of_portfolio_with_holder() -> None:
    value = PortfolioHistoryValue("9810001-7", "leased_in")

    text = format_history_value("portfolio", value, "portfolio", {"9810001-7": "Hartola"})

    assert text == "leased in, holder Hartola (9810001-7)"


def test_value_of_portfolio_without_holder() -> None:
    value = PortfolioHistoryValue(None, "owned")

    assert format_history_value("portfolio", value, "portfolio") == "owned, holder not named"


def test_value_of_repair_needs() -> None:
    value = [
        {"year": 2027, "cost": "12000", "description": "Roof"},
        {"year": 2030, "description": "Windows"},
    ]

    text = format_history_value("repair_needs", value, "local")

    assert text == "2027: Roof (€12,000.00)\n2030: Windows"


def test_value_of_repair_needs_in_finnish() -> None:
    i18n.set_language("fi")
    value = [{"year": 2027, "estimated_cost": 12000.5, "description": "Vesikatto"}]

    text = format_history_value("repair_needs", value, "local")

    assert text == f"2027: Vesikatto (12{NBSP}000,50{NBSP}€)"


def test_value_of_odd_repair_needs() -> None:
    assert format_history_value("repair_needs", "broken", "local") == '"broken"'


def test_value_of_unknown_field() -> None:
    assert format_history_value("addresses", "Koulutie 1, 19600 HARTOLA", "dvv_extract") == (
        "Koulutie 1, 19600 HARTOLA"
    )


def test_source_label_of_register() -> None:
    assert source_label("dvv_extract") == "DVV building extract"


def test_timestamp_column_in_helsinki_time(qtbot: QtBot, workspace: Workspace) -> None:
    building = outside_portfolio(workspace)[0]
    write(qtbot, workspace, lambda: workspace.edits.set_value(building, "number_of_users", 3))
    model = HistoryModel(workspace, building)
    changed_at = model.entry(0).changed_at

    assert changed_at.tzinfo == datetime.UTC
    assert cell(model, 0, HistoryColumn.WHEN) == format_timestamp(changed_at)
