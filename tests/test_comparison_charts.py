"""Figures of the comparison charts and the buildings behind them.

The database is the bundled demo extract (invented values for Hartola, 081, in the
region Päijät-Häme) imported with the real import code. Reference figures are test
values written by the tests.
"""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import tilaapp
from tests.demo_helpers import import_demo_extract
from tilaapp.cli.main import main
from tilaapp.domain.codelists import DVV_OPEN_USE_CLASS, RYHTI_MAIN_PURPOSE_OPEN, open_data_class
from tilaapp.domain.municipalities import municipality, population, size_class
from tilaapp.services.comparison import PeerGroup, compare, peer_group_codes
from tilaapp.services.comparison_charts import (
    PER_RESIDENT_CHART,
    ComparisonCharts,
    comparison_charts,
)
from tilaapp.services.indicators import (
    COMPLETION_DECADE,
    CONDITION_CLASS,
    MAIN_CLASS_SCHEME,
    UNKNOWN,
    BuildingSet,
    IndicatorService,
    read_building_facts,
)
from tilaapp.services.listing import list_rows
from tilaapp.services.reference import Figure, ReferenceData
from tilaapp.storage.database import Database, open_database

DEMO_FOLDER = Path(tilaapp.__file__).parent / "resources" / "demo"
HOME = "081"
YEAR = 2026
CREATED = datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = import_demo_extract(tmp_path_factory.mktemp("charts") / "demo.sqlite")
    return path


@pytest.fixture
def database(imported: Path, tmp_path: Path) -> Iterator[Database]:
    opened = open_database(Path(shutil.copy(imported, tmp_path / "demo.sqlite")), create=False)
    yield opened
    opened.close()


def _figure(indicator: str, area: str, value: str, unit: str, basis: str, **extra: Any) -> Figure:
    return Figure(
        indicator=indicator,
        municipality=area,
        value=Decimal(value),
        unit=unit,
        basis=basis,
        year=2024,
        source="Test figure",
        licence="test",
        **extra,
    )


def _charts(database: Database, *figures: Figure, peers: tuple[str, ...] = ()) -> ComparisonCharts:
    reference = ReferenceData(created=CREATED, figures=list(figures))
    return comparison_charts(
        compare(database, reference=reference, peers=peers, valuation_year=YEAR)
    )


# ------------------------------------------------------------------ peer groups


def test_region_peers_share_the_region() -> None:
    peers = peer_group_codes(HOME, PeerGroup.REGION)
    home = municipality(HOME)

    assert home is not None
    assert HOME not in peers
    assert len(peers) > 3
    for code in peers:
        found = municipality(code)
        assert found is not None
        assert found.region_code == home.region_code, code


def test_size_class_peers_share_the_class() -> None:
    peers = peer_group_codes(HOME, PeerGroup.SIZE_CLASS)
    home = population(HOME)

    assert home is not None
    assert HOME not in peers
    assert len(peers) > 10
    for code in peers:
        found = population(code)
        assert found is not None
        assert size_class(found.population) == size_class(home.population), code


def test_unknown_home_has_no_peers() -> None:
    assert peer_group_codes("999", PeerGroup.REGION) == []
    assert peer_group_codes("999", PeerGroup.SIZE_CLASS) == []


# ------------------------------------------------------------------ chart figures


def test_own_series_equals_indicator_groups(database: Database) -> None:
    charts = _charts(database)
    report = IndicatorService(database).compute(BuildingSet.GROUP_OWNED, valuation_year=YEAR)
    chart = charts.find("gross_floor_area_by_class", "group_owned")
    groups = report.find("gross_floor_area", MAIN_CLASS_SCHEME).groups

    assert chart.unit == "m²"
    assert dict(chart.series[0].values) == {k: v for k, v in groups.items() if k != UNKNOWN}


def test_decades_fill_the_gaps(database: Database) -> None:
    chart = _charts(database).find("building_count_by_decade", "group_owned")
    decades = [int(group) for group in chart.groups]

    assert decades == list(range(decades[0], decades[-1] + 10, 10))
    assert chart.series[0].values["1940"] == 0


def test_reference_by_class_turns_bars_into_shares(database: Database) -> None:
    figures = [
        _figure(
            "building_count", "national", value, "buildings", "all_buildings",
            class_scheme=MAIN_CLASS_SCHEME, class_code=code,
        )
        for code, value in (("01", "750"), ("08", "250"))
    ]  # fmt: skip
    chart = _charts(database, *figures).find("building_count_by_class", "all_buildings")
    national = chart.series[1]

    assert chart.unit == "%"
    assert national.found
    assert national.values["01"] == Decimal(75)
    assert national.values["08"] == Decimal(25)
    assert national.figures["01"] == Decimal(750)
    assert sum(chart.series[0].values.values()) == pytest.approx(Decimal(100), abs=Decimal("1e-4"))


def test_reference_of_other_basis_is_not_paired(database: Database) -> None:
    figure = _figure(
        "building_count", "national", "750", "buildings", "all_buildings",
        class_scheme=MAIN_CLASS_SCHEME, class_code="01",
    )  # fmt: skip
    chart = _charts(database, figure).find("building_count_by_class", "group_owned")

    assert not chart.series[1].found
    assert chart.unit == "buildings"


def _own_by_open_data_class(database: Database, scheme: str) -> dict[str, Decimal]:
    """Count the demo buildings in the home municipality by coarse class, class by class."""
    with database.read_session() as session:
        facts = read_building_facts(session)
    counts: dict[str, Decimal] = {}
    for each in facts:
        if each.municipality_number != HOME or each.building_class is None:
            continue
        coarse = open_data_class(scheme, each.building_class)
        if coarse is not None:
            counts[coarse] = counts.get(coarse, Decimal(0)) + 1
    return counts


def _coarse_figures(
    indicator: str, unit: str, scheme: str, values: dict[str, str], area: str = "national"
) -> list[Figure]:
    return [
        _figure(indicator, area, value, unit, "all_buildings", class_scheme=scheme, class_code=code)
        for code, value in values.items()
    ]


def test_coarse_reference_groups_own_buildings(database: Database) -> None:
    figures = _coarse_figures(
        "building_count", "buildings", RYHTI_MAIN_PURPOSE_OPEN, {"05": "600", "07": "400"}
    )
    chart = _charts(database, *figures).find("building_count_by_class", "all_buildings")
    own, national = chart.series[0], chart.series[1]
    expected = _own_by_open_data_class(database, RYHTI_MAIN_PURPOSE_OPEN)

    assert chart.grouping == RYHTI_MAIN_PURPOSE_OPEN
    assert chart.unit == "%"
    assert len(expected) > 1
    assert {group: value for group, value in own.figures.items() if value} == expected
    assert national.found
    assert national.values["05"] == Decimal(60)
    assert national.figures["07"] == Decimal(400)
    assert set(chart.groups) == set(expected) | {"05", "07"}


def test_main_classes_preferred_to_coarse(database: Database) -> None:
    figures = [
        *_coarse_figures("building_count", "buildings", RYHTI_MAIN_PURPOSE_OPEN, {"05": "600"}),
        *_coarse_figures("building_count", "buildings", MAIN_CLASS_SCHEME, {"01": "700"}),
    ]
    chart = _charts(database, *figures).find("building_count_by_class", "all_buildings")

    assert chart.grouping == MAIN_CLASS_SCHEME
    assert chart.series[1].figures == {
        "01": Decimal(700),
        **{group: Decimal(0) for group in chart.groups if group != "01"},
    }


def test_coarse_reference_of_other_basis_ignored(database: Database) -> None:
    figures = _coarse_figures("building_count", "buildings", RYHTI_MAIN_PURPOSE_OPEN, {"05": "600"})
    chart = _charts(database, *figures).find("building_count_by_class", "group_owned")

    assert chart.grouping == MAIN_CLASS_SCHEME
    assert not chart.series[1].found


def test_dvv_open_reference_counts_only(database: Database) -> None:
    figures = _coarse_figures(
        "building_count", "buildings", DVV_OPEN_USE_CLASS, {"1": "300", "2": "700"}
    )
    charts = _charts(database, *figures)
    count = charts.find("building_count_by_class", "all_buildings")
    area = charts.find("gross_floor_area_by_class", "all_buildings")
    expected = _own_by_open_data_class(database, DVV_OPEN_USE_CLASS)

    assert count.grouping == DVV_OPEN_USE_CLASS
    assert count.groups == ("1", "2")
    assert dict(count.series[0].figures) == {"1": expected["1"], "2": expected["2"]}
    assert count.series[1].values == {"1": Decimal(30), "2": Decimal(70)}
    assert area.grouping == MAIN_CLASS_SCHEME
    assert not area.series[1].found


def test_coarse_floor_area_with_peers(database: Database) -> None:
    peers = ("016", "098")
    figures = [
        *_coarse_figures("gross_floor_area", "m²", RYHTI_MAIN_PURPOSE_OPEN, {"02": "100"}, "016"),
        *_coarse_figures(
            "gross_floor_area", "m²", RYHTI_MAIN_PURPOSE_OPEN, {"02": "50", "07": "50"}, "098"
        ),
    ]
    chart = _charts(database, *figures, peers=peers).find(
        "gross_floor_area_by_class", "all_buildings"
    )
    peer = chart.series[2]

    assert chart.grouping == RYHTI_MAIN_PURPOSE_OPEN
    assert not chart.series[1].found
    assert peer.found
    assert peer.peers_found == 2
    assert peer.figures["02"] == Decimal(150)
    assert peer.values["07"] == Decimal(25)


def test_buildings_behind_coarse_bar(database: Database) -> None:
    figures = _coarse_figures(
        "building_count", "buildings", RYHTI_MAIN_PURPOSE_OPEN, {"05": "600", "07": "400"}
    )
    chart = _charts(database, *figures).find("building_count_by_class", "all_buildings")
    service = IndicatorService(database)

    for group in chart.groups:
        ids = service.building_ids(
            BuildingSet.ALL_BUILDINGS,
            "building_count",
            grouping=RYHTI_MAIN_PURPOSE_OPEN,
            group=group,
        )
        assert Decimal(len(ids)) == chart.series[0].figures[group], group


def test_age_chart_pairs_ryhti_decades(database: Database) -> None:
    figures = [
        _figure(
            "building_count", area, value, "buildings", "all_buildings", completion_decade=decade
        )
        for area, decade, value in (("national", 1960, "300"), ("national", 1990, "100"))
    ]
    chart = _charts(database, *figures).find("building_count_by_decade", "all_buildings")
    national = chart.series[1]

    assert national.found
    assert national.values["1960"] == Decimal(75)
    assert national.values["1990"] == Decimal(25)
    assert national.values["1970"] == Decimal(0)


def test_peer_per_resident_is_population_weighted(database: Database) -> None:
    peers = ("016", "098")
    figures = [
        _figure("gross_floor_area_per_resident", code, value, "m²/resident", "group_owned")
        for code, value in (("016", "10"), ("098", "20"))
    ]
    chart = _charts(database, *figures, peers=peers).find(PER_RESIDENT_CHART, "group_owned")
    peer = chart.series[2]
    first, second = population("016"), population("098")
    assert first is not None and second is not None

    expected = (10 * first.population + 20 * second.population) / Decimal(
        first.population + second.population
    )
    assert peer.found
    assert peer.peers_found == 2
    assert peer.values["total"] == expected.quantize(Decimal("0.000001"))


def test_scatter_needs_other_municipalities(database: Database) -> None:
    national = _figure(
        "gross_floor_area_per_resident", "national", "8.3", "m²/resident", "group_owned"
    )
    assert _charts(database, national).scatter.points == ()

    other = _figure("gross_floor_area_per_resident", "091", "6", "m²/resident", "group_owned")
    points = _charts(database, national, other).scatter.points
    assert [(point.municipality, point.role) for point in points] == [
        ("091", "other"),
        (HOME, "own"),
    ]


# ------------------------------------------------------------------ buildings behind a group


@pytest.mark.parametrize("building_set", [BuildingSet.ALL_BUILDINGS, BuildingSet.GROUP_OWNED])
@pytest.mark.parametrize(
    ("indicator", "grouping"),
    [
        ("building_count", MAIN_CLASS_SCHEME),
        ("gross_floor_area", MAIN_CLASS_SCHEME),
        ("building_count", COMPLETION_DECADE),
        ("condition_class_floor_area", CONDITION_CLASS),
    ],
)
def test_buildings_behind_add_up(
    database: Database, building_set: BuildingSet, indicator: str, grouping: str
) -> None:
    service = IndicatorService(database)
    groups = service.compute(building_set, valuation_year=YEAR).find(indicator, grouping).groups

    assert groups
    for group, value in groups.items():
        ids = service.building_ids(building_set, indicator, grouping=grouping, group=group)
        if indicator == "building_count":
            assert Decimal(len(ids)) == value, group
            continue
        with database.read_session() as session:
            rows = list_rows(session, ids)
        assert sum((row.gross_floor_area or Decimal(0) for row in rows), Decimal(0)) == value


def test_buildings_behind_per_resident_are_group_owned(database: Database) -> None:
    service = IndicatorService(database)
    everything = service.building_ids(BuildingSet.ALL_BUILDINGS, "gross_floor_area_per_resident")
    owned = service.building_ids(BuildingSet.GROUP_OWNED, "gross_floor_area")

    assert everything == owned


def test_group_without_grouping_is_rejected(database: Database) -> None:
    with pytest.raises(ValueError, match="needs a grouping"):
        IndicatorService(database).building_ids(
            BuildingSet.ALL_BUILDINGS, "building_count", group="01"
        )


# ------------------------------------------------------------------ command line


def test_cli_region_peers(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["compare", "--db", str(database.path), "--peers", "region", "--json"])
    document = json.loads(capsys.readouterr().out)

    assert status == 0
    assert document["format"] == "tilaapp.compare/2"
    assert document["peer_group"] == "region"
    assert document["peers"] == peer_group_codes(HOME, PeerGroup.REGION)
    charts = {(chart["chart"], chart["basis"]) for chart in document["charts"]}
    assert ("building_count_by_class", "all_buildings") in charts
    assert (PER_RESIDENT_CHART, "group_owned") in charts


def test_cli_size_class_peers(database: Database, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["compare", "--db", str(database.path), "--peers", "size-class", "--json"])
    document = json.loads(capsys.readouterr().out)

    assert status == 0
    assert document["peer_group"] == "size-class"
    assert document["peers"] == peer_group_codes(HOME, PeerGroup.SIZE_CLASS)
