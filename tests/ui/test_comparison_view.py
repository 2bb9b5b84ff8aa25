"""The comparison view on the imported demo database.

The values plotted are read from the pyqtgraph items and compared with what
``tilaapp compare --json`` prints in a separate process on the same database. The
reference figures stored here are test values, not published ones.
"""

from __future__ import annotations

import datetime
import json
import math
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from tilaapp import i18n
from tilaapp.domain.formatting import format_decimal
from tilaapp.services.comparison_charts import (
    BAR_CHARTS,
    PER_RESIDENT_CHART,
    SCATTER_CHART,
    BarChart,
    basis_sentence,
    chart_heading,
    class_scheme_sentence,
    not_found_sentence,
)
from tilaapp.services.indicators import BuildingSet
from tilaapp.services.listing import list_rows
from tilaapp.services.reference import Figure, ReferenceData, write_reference
from tilaapp.services.reference_store import import_reference
from tilaapp.storage.database import open_database
from tilaapp.ui.charts import BarChartWidget, ScatterChartWidget
from tilaapp.ui.comparison_view import CHOSEN_PEERS, ComparisonDialog
from tilaapp.ui.workspace import Workspace

REPOSITORY = Path(__file__).resolve().parents[2]
PEERS = ("016", "098")
CREATED = datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC)
BASES = (BuildingSet.ALL_BUILDINGS.value, BuildingSet.GROUP_OWNED.value)


def _figure(indicator: str, municipality: str, value: str, unit: str, **extra: Any) -> Figure:
    return Figure(
        indicator=indicator,
        municipality=municipality,
        value=Decimal(value),
        unit=unit,
        basis=extra.pop("basis", "group_owned"),
        year=2020,
        source="Test figure",
        licence="test",
        **extra,
    )


def _test_reference() -> ReferenceData:
    """National counts by main class (basis all_buildings), and gross floor area per
    resident of the whole country, two peers and one other municipality."""
    by_class = [
        _figure(
            "building_count",
            "national",
            value,
            "buildings",
            basis="all_buildings",
            class_scheme="building_main_class_2018",
            class_code=code,
        )
        for code, value in (("01", "900000"), ("08", "12000"), ("19", "300000"))
    ]
    per_resident = [
        _figure("gross_floor_area_per_resident", area, value, "m²/resident")
        for area, value in (("national", "8.3"), ("016", "9.5"), ("098", "11.25"), ("091", "6.1"))
    ]
    return ReferenceData(created=CREATED, figures=[*by_class, *per_resident], description="Test")


@pytest.fixture
def referenced_path(database_path: Path, tmp_path: Path) -> Path:
    """The demo database with the test reference stored as the reference in use."""
    reference = tmp_path / "reference.json"
    write_reference(reference, _test_reference())
    database = open_database(database_path, create=False)
    try:
        import_reference(database, reference)
    finally:
        database.close()
    return database_path


RYHTI_OPEN = "ryhti_main_purpose_open"
COARSE_PEER = "016"


def _coarse_reference() -> ReferenceData:
    """Counts and floor areas by Ryhti's open main-purpose list (basis all_buildings) of
    the home municipality, one peer and the whole country, and national counts by
    completion decade, as ``tilaapp reference build`` writes them from Ryhti data."""
    by_class = [
        _figure(
            indicator,
            area,
            value,
            unit,
            basis="all_buildings",
            class_scheme=RYHTI_OPEN,
            class_code=code,
        )
        for indicator, unit, area, code, value in (
            ("building_count", "buildings", "national", "05", "600000"),
            ("building_count", "buildings", "national", "07", "400000"),
            ("building_count", "buildings", "081", "05", "900"),
            ("building_count", "buildings", COARSE_PEER, "05", "300"),
            ("building_count", "buildings", COARSE_PEER, "02", "100"),
            ("gross_floor_area", "m²", "national", "02", "1000"),
            ("gross_floor_area", "m²", "national", "07", "3000"),
            ("gross_floor_area", "m²", COARSE_PEER, "07", "500"),
        )
    ]
    by_decade = [
        _figure(
            "building_count",
            "national",
            value,
            "buildings",
            basis="all_buildings",
            completion_decade=decade,
        )
        for decade, value in ((1950, "100"), (1970, "300"))
    ]
    return ReferenceData(created=CREATED, figures=[*by_class, *by_decade], description="Test")


@pytest.fixture
def coarse_path(database_path: Path, tmp_path: Path) -> Path:
    """The demo database with the coarse-class test reference as the reference in use."""
    reference = tmp_path / "coarse.json"
    write_reference(reference, _coarse_reference())
    database = open_database(database_path, create=False)
    try:
        import_reference(database, reference)
    finally:
        database.close()
    return database_path


@pytest.fixture
def finnish() -> Iterator[None]:
    i18n.set_language("fi")
    yield
    i18n.set_language("fi")


def _open_dialog(qtbot: QtBot, path: Path, peers: tuple[str, ...] = ()) -> ComparisonDialog:
    workspace = Workspace(path, os_user="tester")
    qtbot.waitUntil(lambda: not workspace.worker.busy)
    dialog = ComparisonDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.resize(1200, 800)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.is_ready, timeout=20_000)
    if peers:
        dialog.chosen_peers = list(peers)
        dialog.peer_combo.setCurrentIndex(dialog.peer_combo.findData(CHOSEN_PEERS))
        qtbot.waitUntil(lambda: dialog.is_ready, timeout=20_000)
    return dialog


def _close(dialog: ComparisonDialog) -> None:
    workspace = dialog.workspace
    dialog.close()
    workspace.close()


def _compare_json(path: Path, *extra: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "tilaapp", "compare", "--db", str(path), "--json", *extra],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
    )
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _json_chart(document: dict[str, Any], chart: str, basis: str) -> dict[str, Any]:
    for each in document["charts"]:
        if each["chart"] == chart and each["basis"] == basis:
            return each
    raise AssertionError(f"no chart {chart} with basis {basis} in the JSON output")


def _plotted_values(plot: BarChartWidget, series_index: int) -> list[float]:
    item = plot.bar_items[series_index]
    assert item is not None
    key = "width" if plot.horizontal else "height"
    return [float(value) for value in item.opts[key]]


def _bar_page(dialog: ComparisonDialog, chart: str) -> BarChartWidget:
    plot = dialog.pages[chart].plot
    assert isinstance(plot, BarChartWidget)
    return plot


# ------------------------------------------------------------------ parity with the CLI


def test_bar_charts_plot_compare_json_figures(qtbot: QtBot, referenced_path: Path) -> None:
    dialog = _open_dialog(qtbot, referenced_path, PEERS)
    document = _compare_json(referenced_path, "--peers", ",".join(PEERS))

    checked = 0
    for basis in BASES:
        dialog.basis_combo.setCurrentIndex(dialog.basis_combo.findData(basis))
        chart_ids = [chart for chart, _indicator, _grouping in BAR_CHARTS]
        if basis == BuildingSet.GROUP_OWNED.value:
            chart_ids.append(PER_RESIDENT_CHART)
        for chart_id in chart_ids:
            expected = _json_chart(document, chart_id, basis)
            plot = _bar_page(dialog, chart_id)
            assert plot.chart is not None
            assert list(plot.chart.groups) == expected["groups"], chart_id
            for index, series in enumerate(expected["series"]):
                if not series["found"]:
                    assert plot.bar_items[index] is None, (chart_id, series["role"])
                    continue
                expected_values = [
                    float(Decimal(series["values"][group])) for group in expected["groups"]
                ]
                assert _plotted_values(plot, index) == expected_values, (chart_id, series["role"])
                checked += 1
    # Own series of 8 distributions and 1 per-resident chart, the national counts by
    # class, and the national and peer figures per resident.
    assert checked == 12
    _close(dialog)


def test_coarse_charts_plot_compare_json(qtbot: QtBot, coarse_path: Path) -> None:
    dialog = _open_dialog(qtbot, coarse_path, (COARSE_PEER,))
    document = _compare_json(coarse_path, "--peers", COARSE_PEER)
    basis = BuildingSet.ALL_BUILDINGS.value
    dialog.basis_combo.setCurrentIndex(dialog.basis_combo.findData(basis))

    for chart_id in ("building_count_by_class", "gross_floor_area_by_class"):
        expected = _json_chart(document, chart_id, basis)
        plot = _bar_page(dialog, chart_id)
        assert plot.chart is not None
        assert expected["grouping"] == RYHTI_OPEN
        assert plot.chart.grouping == RYHTI_OPEN
        assert list(plot.chart.groups) == expected["groups"]
        roles = [series["role"] for series in expected["series"]]
        assert roles == ["own", "national", "peers"]
        for index, series in enumerate(expected["series"]):
            assert series["found"], (chart_id, series["role"])
            expected_values = [
                float(Decimal(series["values"][group])) for group in expected["groups"]
            ]
            assert _plotted_values(plot, index) == expected_values, (chart_id, series["role"])

    count = _bar_page(dialog, "building_count_by_class").chart
    area = _bar_page(dialog, "gross_floor_area_by_class").chart
    assert count is not None and area is not None
    assert count.series[1].values["05"] == Decimal(60)
    assert count.series[2].values["02"] == Decimal(25)
    assert area.series[1].values["07"] == Decimal(75)
    assert area.series[2].values["07"] == Decimal(100)
    _close(dialog)


def test_coarse_chart_names_scheme(qtbot: QtBot, coarse_path: Path) -> None:
    dialog = _open_dialog(qtbot, coarse_path)
    dialog.basis_combo.setCurrentIndex(dialog.basis_combo.findData(BuildingSet.ALL_BUILDINGS.value))
    page = dialog.pages["building_count_by_class"]
    chart = dialog.shown_chart("building_count_by_class")
    assert isinstance(chart, BarChart)

    assert page.title_label.text() == chart_heading(chart)
    assert page.title_label.text() != i18n.gettext("Number of buildings by main class")
    assert class_scheme_sentence(chart) != ""
    assert class_scheme_sentence(chart) in page.notes_label.text()
    _close(dialog)


def test_coarse_reference_leaves_group_owned(qtbot: QtBot, coarse_path: Path) -> None:
    dialog = _open_dialog(qtbot, coarse_path)
    dialog.basis_combo.setCurrentIndex(dialog.basis_combo.findData(BuildingSet.GROUP_OWNED.value))
    page = dialog.pages["building_count_by_class"]
    chart = dialog.shown_chart("building_count_by_class")
    assert isinstance(chart, BarChart)

    assert chart.grouping == "building_main_class_2018"
    assert page.title_label.text() == i18n.gettext("Number of buildings by main class")
    assert not chart.series[1].found
    _close(dialog)


def test_age_chart_plots_ryhti_decades(qtbot: QtBot, coarse_path: Path) -> None:
    dialog = _open_dialog(qtbot, coarse_path)
    document = _compare_json(coarse_path)
    basis = BuildingSet.ALL_BUILDINGS.value
    dialog.basis_combo.setCurrentIndex(dialog.basis_combo.findData(basis))
    expected = _json_chart(document, "building_count_by_decade", basis)
    plot = _bar_page(dialog, "building_count_by_decade")
    assert plot.chart is not None

    national = expected["series"][1]
    assert national["found"]
    assert Decimal(national["values"]["1950"]) == Decimal(25)
    assert Decimal(national["values"]["1960"]) == Decimal(0)
    expected_values = [float(Decimal(national["values"][group])) for group in expected["groups"]]
    assert _plotted_values(plot, 1) == expected_values
    _close(dialog)


def test_share_chart_uses_percent(qtbot: QtBot, referenced_path: Path) -> None:
    dialog = _open_dialog(qtbot, referenced_path)
    basis = BuildingSet.ALL_BUILDINGS.value
    dialog.basis_combo.setCurrentIndex(dialog.basis_combo.findData(basis))
    plot = _bar_page(dialog, "building_count_by_class")

    assert plot.chart is not None
    assert plot.chart.unit == "%"
    for index in (0, 1):
        assert sum(_plotted_values(plot, index)) == pytest.approx(100, abs=1e-4)
    _close(dialog)


def test_scatter_plots_compare_json_points(qtbot: QtBot, referenced_path: Path) -> None:
    dialog = _open_dialog(qtbot, referenced_path, PEERS)
    document = _compare_json(referenced_path, "--peers", ",".join(PEERS))
    expected = _json_chart(document, SCATTER_CHART, "group_owned")
    plot = dialog.pages[SCATTER_CHART].plot
    assert isinstance(plot, ScatterChartWidget)
    assert plot.scatter_item is not None

    data = plot.scatter_item.data
    plotted = {str(row["data"]): (10 ** float(row["x"]), float(row["y"])) for row in data}
    expected_values = {
        point["municipality"]: (point["population"], float(Decimal(point["value"])))
        for point in expected["points"]
    }
    assert set(plotted) == set(expected_values) == {"016", "098", "091", "081"}
    for code, (people, value) in expected_values.items():
        assert plotted[code][0] == pytest.approx(people, rel=1e-9), code
        assert plotted[code][1] == value, code
    roles = {point["municipality"]: point["role"] for point in expected["points"]}
    assert roles == {"016": "peers", "098": "peers", "091": "other", "081": "own"}
    _close(dialog)


# ------------------------------------------------------------------ words instead of bars


def test_missing_reference_shows_words(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path, PEERS)
    plot = _bar_page(dialog, PER_RESIDENT_CHART)

    assert plot.chart is not None
    roles = [series.role for series in plot.chart.series]
    assert roles == ["own", "national", "peers"]
    assert plot.bar_items[2] is None
    words = [item.textItem.toPlainText() for item in plot.note_items]
    assert i18n.gettext("no reference figure") in words

    by_class = _bar_page(dialog, "building_count_by_class")
    assert by_class.bar_items[1] is None
    assert by_class.bar_items[2] is None
    notes = dialog.pages["building_count_by_class"].notes_label.text()
    assert by_class.chart is not None
    for series in by_class.chart.series[1:]:
        assert not_found_sentence(series, by_class.chart, len(PEERS)) in notes
    _close(dialog)


def test_scatter_without_figures_says_so(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    page = dialog.pages[SCATTER_CHART]

    assert isinstance(page.plot, ScatterChartWidget)
    assert page.plot.scatter_item is None
    assert page.notes_label.text() != ""
    _close(dialog)


def test_every_chart_states_its_basis(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    for basis in BASES:
        dialog.basis_combo.setCurrentIndex(dialog.basis_combo.findData(basis))
        for chart_id, page in dialog.pages.items():
            shown = dialog.shown_chart(chart_id)
            assert page.basis_label.text() == basis_sentence(shown.basis), chart_id
            assert page.basis_label.text() != "", chart_id
            expected = "group_owned" if chart_id in (PER_RESIDENT_CHART, SCATTER_CHART) else basis
            assert shown.basis == expected, chart_id
    _close(dialog)


def test_bundled_sources_in_finnish(qtbot: QtBot, database_path: Path, finnish: None) -> None:
    dialog = _open_dialog(qtbot, database_path)
    notes = dialog.pages[PER_RESIDENT_CHART].notes_label.text()

    assert "Tilastokeskus, väkiluku 31.12.2020" in notes
    assert "kuntakonsernien omistamat rakennukset" in notes
    assert "Statistics Finland" not in notes
    assert "owned by municipal groups" not in notes
    # The title of the published report stays as published.
    assert "Kuntien tilatietohankkeen väliraportti" in notes
    _close(dialog)


def test_missing_data_count_is_stated(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    chart = dialog.shown_chart("condition_class_floor_area")

    assert isinstance(chart, BarChart)
    assert chart.missing_count > 0
    notes = dialog.pages["condition_class_floor_area"].notes_label.text()
    assert str(chart.missing_count) in notes
    _close(dialog)


# ------------------------------------------------------------------ hover


def test_hover_text_uses_finnish_numbers(
    qtbot: QtBot, referenced_path: Path, finnish: None
) -> None:
    dialog = _open_dialog(qtbot, referenced_path)
    plot = _bar_page(dialog, PER_RESIDENT_CHART)
    assert plot.chart is not None
    own = plot.chart.series[0].values["total"]

    bar = plot.bar_at(plot.bar_position(0, "total"))
    assert bar is not None
    text = plot.hover_text(bar)
    assert format_decimal(own, "fi", max_fraction_digits=6) in text
    assert "," in format_decimal(own, "fi", max_fraction_digits=6)
    _close(dialog)


# ------------------------------------------------------------------ buildings behind a bar


@pytest.mark.parametrize(
    ("chart_id", "group"),
    [("building_count_by_class", "08"), ("gross_floor_area_by_class", "01"),
     ("building_count_by_decade", "1970"), ("condition_class_floor_area", "2")],
)  # fmt: skip
def test_building_list_matches_bar(
    qtbot: QtBot, database_path: Path, chart_id: str, group: str
) -> None:
    dialog = _open_dialog(qtbot, database_path)
    plot = _bar_page(dialog, chart_id)
    chart = dialog.shown_chart(chart_id)
    assert isinstance(chart, BarChart)
    figure = chart.series[0].figures[group]

    assert plot.bar_at(plot.bar_position(0, group)) is not None
    with qtbot.waitSignal(plot.bar_clicked):
        plot.bar_clicked.emit(0, group)
    qtbot.waitUntil(lambda: dialog.last_building_list is not None, timeout=20_000)
    listed = dialog.last_building_list
    assert listed is not None

    ids = listed.building_ids()
    assert len(ids) == listed.table.rowCount()
    if chart.indicator == "building_count":
        assert Decimal(len(ids)) == figure
    else:
        with dialog.workspace.read_session() as session:
            rows = list_rows(session, ids)
        assert sum((row.gross_floor_area or Decimal(0) for row in rows), Decimal(0)) == figure
        assert all(row.gross_floor_area is not None for row in rows)
    _close(dialog)


def test_building_list_double_click_activates(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    dialog.show_buildings(dialog.shown_chart(PER_RESIDENT_CHART), None)  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: dialog.last_building_list is not None, timeout=20_000)
    listed = dialog.last_building_list
    assert listed is not None
    first = listed.building_ids()[0]

    with qtbot.waitSignal(dialog.building_activated) as signal:
        listed.table.cellDoubleClicked.emit(0, 1)
    assert signal.args == [first]
    _close(dialog)


# ------------------------------------------------------------------ export


def test_png_export_writes_image(qtbot: QtBot, database_path: Path, tmp_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    path = tmp_path / "chart.png"
    dialog.export_image("building_count_by_decade", path)

    image = QImage(str(path))
    assert not image.isNull()
    assert image.width() > 200
    assert image.height() > 200
    _close(dialog)


def test_xlsx_export_reads_back(qtbot: QtBot, database_path: Path, tmp_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    path = tmp_path / "chart.xlsx"
    chart = dialog.shown_chart("gross_floor_area_by_class")
    assert isinstance(chart, BarChart)
    dialog.export_data("gross_floor_area_by_class", path)
    qtbot.waitUntil(lambda: not dialog.workspace.worker.busy, timeout=20_000)

    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][0] == basis_sentence(chart.basis)
    numbers = {row[0]: row[1] for row in rows if isinstance(row[1], int | float)}
    assert len(numbers) == len(chart.groups)
    total = sum(Decimal(str(value)) for value in numbers.values())
    assert total == sum(chart.series[0].values.values(), Decimal(0))
    _close(dialog)


def test_scatter_xlsx_export_reads_back(
    qtbot: QtBot, referenced_path: Path, tmp_path: Path
) -> None:
    dialog = _open_dialog(qtbot, referenced_path)
    path = tmp_path / "scatter.xlsx"
    dialog.export_data(SCATTER_CHART, path)
    qtbot.waitUntil(lambda: not dialog.workspace.worker.busy, timeout=20_000)

    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    populations = [row[1] for row in rows if isinstance(row[1], int | float)]
    assert len(populations) == 4
    assert all(not math.isnan(value) for value in populations)
    _close(dialog)


# ------------------------------------------------------------------ defaults and layout


def test_default_basis_is_group_owned(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)

    assert dialog.basis() == BuildingSet.GROUP_OWNED.value
    assert dialog.basis_combo.findData(BuildingSet.ALL_BUILDINGS.value) >= 0
    chart = dialog.shown_chart("building_count_by_class")
    assert chart.basis == BuildingSet.GROUP_OWNED.value
    _close(dialog)


def test_bar_click_hint_outside_image(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    page = dialog.pages["building_count_by_class"]
    dialog.tabs.setCurrentWidget(page)
    hint = i18n.gettext("Click a bar of the own buildings to list them.")

    assert page.hint_label.isVisible()
    assert page.hint_label.text() == hint
    assert not page.figure.isAncestorOf(page.hint_label)
    texts = [label.text() for label in page.figure.findChildren(QLabel)]
    assert all(hint not in text for text in texts)
    _close(dialog)


def test_scatter_words_sit_at_top(qtbot: QtBot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    page = dialog.pages[SCATTER_CHART]
    dialog.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: page.notes_label.isVisible())

    assert not page.plot.isVisible()
    notes_bottom = page.notes_label.geometry().bottom()
    assert notes_bottom < page.figure.height() // 3
    assert page.title_label.geometry().top() < page.figure.height() // 10
    _close(dialog)
