"""Comparison of the demo municipality's indicators with reference figures.

The database is the bundled demo extract (invented values for Hartola, 081) imported with
the real import code. The tests write their own reference files, whose
figures are test values, not published ones.
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
from sqlalchemy import select

import tilaapp
from tests.demo_helpers import import_demo_extract
from tilaapp.cli.main import main
from tilaapp.services.comparison import (
    ComparedIndicator,
    Comparison,
    bundled_reference,
    compare,
)
from tilaapp.services.editing import EditService
from tilaapp.services.listing import ensure_list
from tilaapp.services.reference import (
    Figure,
    ReferenceData,
    validate_reference_document,
    write_reference,
)
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import ListEntry, Tenure

DEMO_FOLDER = Path(tilaapp.__file__).parent / "resources" / "demo"
BUNDLED_FILE = Path(tilaapp.__file__).parent / "resources" / "reference" / "national.json"
HOME = "081"
PEER = "091"
YEAR = 2026
CREATED = datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC)
PER_RESIDENT = "gross_floor_area_per_resident"


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the imported demo database with a local utilisation rate on one owned building."""
    path = import_demo_extract(tmp_path_factory.mktemp("comparison") / "demo.sqlite")

    database = open_database(path)
    try:
        building_id = _owned_building_with_area(database)
        EditService(database, os_user="tester").set_value(
            building_id, "utilisation_rate", Decimal(75)
        )
    finally:
        database.close()
    return path


def _owned_building_with_area(database: Database) -> int:
    with database.session() as session:
        ensure_list(session)
    with database.read_session() as session:
        found = session.scalar(
            select(ListEntry.building_id)
            .where(ListEntry.in_portfolio, ListEntry.tenure == Tenure.OWNED)
            .where(ListEntry.gross_floor_area.is_not(None))
            .order_by(ListEntry.building_id)
        )
    assert found is not None
    return found


@pytest.fixture
def database_path(prepared: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(prepared, tmp_path / "demo.sqlite"))


@pytest.fixture
def database(database_path: Path) -> Iterator[Database]:
    opened = open_database(database_path, create=False)
    yield opened
    opened.close()


def _figure(indicator: str, municipality: str, value: str, unit: str, basis: str | None) -> Figure:
    return Figure(
        indicator=indicator,
        municipality=municipality,
        value=Decimal(value),
        unit=unit,
        basis=basis,
        year=2020,
        source="Test figure",
        licence="test",
    )


def _reference(*figures: Figure) -> ReferenceData:
    return ReferenceData(created=CREATED, figures=list(figures), description="Test figures")


def _row(comparison: Comparison, indicator: str, basis: str) -> ComparedIndicator:
    for row in comparison.indicators:
        if row.indicator.indicator == indicator and row.indicator.basis == basis:
            return row
    raise AssertionError(f"no row {indicator} {basis}")


def _value(row: ComparedIndicator, area: str) -> Decimal | None:
    for reference in row.references:
        if reference.municipality == area:
            return reference.figure.value if reference.figure is not None else None
    raise AssertionError(f"no reference of {area}")


def _write(path: Path, data: ReferenceData) -> Path:
    write_reference(path, data)
    return path


NATIONAL_PER_RESIDENT = _figure(PER_RESIDENT, "national", "8.3", "m²/resident", "group_owned")


# ------------------------------------------------------------------ service


def test_per_resident_paired_with_national(database: Database) -> None:
    comparison = compare(database, reference=_reference(NATIONAL_PER_RESIDENT), valuation_year=YEAR)
    row = _row(comparison, PER_RESIDENT, "group_owned")
    assert row.indicator.value is not None
    assert _value(row, "national") == Decimal("8.3")


def test_per_resident_home_reference_missing(database: Database) -> None:
    comparison = compare(database, reference=_reference(NATIONAL_PER_RESIDENT), valuation_year=YEAR)
    row = _row(comparison, PER_RESIDENT, "group_owned")
    assert _value(row, HOME) is None


def test_other_basis_not_paired(database: Database) -> None:
    other_basis = _figure(PER_RESIDENT, "national", "9.9", "m²/resident", "all_buildings")
    comparison = compare(database, reference=_reference(other_basis), valuation_year=YEAR)
    row = _row(comparison, PER_RESIDENT, "group_owned")
    assert _value(row, "national") is None


def test_area_paired_by_basis(database: Database) -> None:
    area = _figure("gross_floor_area", HOME, "60000", "m²", "all_buildings")
    comparison = compare(database, reference=_reference(area), valuation_year=YEAR)
    assert _value(_row(comparison, "gross_floor_area", "all_buildings"), HOME) == Decimal(60000)
    assert _value(_row(comparison, "gross_floor_area", "group_owned"), HOME) is None


def test_other_unit_not_paired(database: Database) -> None:
    other_unit = _figure(PER_RESIDENT, "national", "8.3", "m²", "group_owned")
    comparison = compare(database, reference=_reference(other_unit), valuation_year=YEAR)
    assert _value(_row(comparison, PER_RESIDENT, "group_owned"), "national") is None


def test_class_figure_not_paired_as_total(database: Database) -> None:
    by_class = Figure(
        indicator="building_count",
        municipality="national",
        value=Decimal(5),
        unit="buildings",
        basis="all_buildings",
        year=2026,
        source="Test figure",
        licence="test",
        class_scheme="dvv_open_use_class",
        class_code="1",
    )
    comparison = compare(database, reference=_reference(by_class), valuation_year=YEAR)
    assert _value(_row(comparison, "building_count", "all_buildings"), "national") is None


def test_local_indicator_without_reference(database: Database) -> None:
    comparison = compare(database, reference=_reference(NATIONAL_PER_RESIDENT), valuation_year=YEAR)
    row = _row(comparison, "utilisation_rate", "group_owned")
    assert row.indicator.value == Decimal(75)
    assert [reference.figure for reference in row.references] == [None, None]


def test_peer_reference_paired(database: Database) -> None:
    peer = _figure(PER_RESIDENT, PEER, "4.5", "m²/resident", "group_owned")
    comparison = compare(database, reference=_reference(peer), peers=[PEER], valuation_year=YEAR)
    assert comparison.peers == (PEER,)
    assert _value(_row(comparison, PER_RESIDENT, "group_owned"), PEER) == Decimal("4.5")


def test_peer_equal_to_home_listed_once(database: Database) -> None:
    comparison = compare(database, reference=_reference(), peers=[HOME], valuation_year=YEAR)
    row = _row(comparison, PER_RESIDENT, "group_owned")
    assert [reference.municipality for reference in row.references] == [HOME, "national"]


def test_default_reference_is_bundled(database: Database) -> None:
    comparison = compare(database, valuation_year=YEAR)
    population = comparison.populations[0]
    assert population.municipality == HOME
    assert population.figure is not None
    assert population.figure.year == 2020


# ------------------------------------------------------------------ bundled file


def test_bundled_file_valid() -> None:
    document = json.loads(BUNDLED_FILE.read_text(encoding="utf-8"))
    assert validate_reference_document(document) == []


def test_bundled_population_matches_csv() -> None:
    from tilaapp.domain.municipalities import population

    figures = [f for f in bundled_reference().figures if f.indicator == "population"]
    expected = population(HOME)
    assert expected is not None
    home = [f for f in figures if f.municipality == HOME]
    assert [f.value for f in home] == [Decimal(expected.population)]
    assert all(f.basis is None for f in figures)


def test_bundled_national_per_resident() -> None:
    national = [
        figure
        for figure in bundled_reference().figures
        if figure.indicator == PER_RESIDENT and figure.municipality == "national"
    ]

    assert [(f.value, f.basis, f.year) for f in national] == [(Decimal("8.3"), "group_owned", 2020)]


def test_bundled_figures_have_sources() -> None:
    assert all(figure.source.strip() for figure in bundled_reference().figures)


# ------------------------------------------------------------------ command line


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_json_shape(database_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = _run(capsys, "compare", "--db", str(database_path), "--json")
    document: dict[str, Any] = json.loads(out)
    assert status == 0
    assert document["format"] == "tilaapp.compare/2"
    assert document["home_municipality"] == HOME
    assert document["reference"]["file"] is None
    assert document["populations"][0]["value"] == "2655"


def test_cli_reference_overrides(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _write(tmp_path / "reference.json", _reference(NATIONAL_PER_RESIDENT))
    status, out, _err = _run(
        capsys, "compare", "--db", str(database_path), "--reference", str(reference), "--json"
    )
    rows = json.loads(out)["indicators"]
    row = next(each for each in rows if each["indicator"] == PER_RESIDENT)
    national = next(each for each in row["references"] if each["municipality"] == "national")
    assert status == 0
    assert national["value"] == "8.3"
    assert isinstance(row["value"], str)


def test_cli_text_finnish_numbers(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference = _write(tmp_path / "reference.json", _reference(NATIONAL_PER_RESIDENT))
    status, out, _err = _run(
        capsys, "compare", "--db", str(database_path), "--reference", str(reference)
    )
    assert status == 0
    assert "8,3" in out


def test_cli_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.sqlite"
    status, _out, err = _run(capsys, "compare", "--db", str(missing))
    assert status == 1
    assert str(missing) in err
    assert not missing.exists()


def test_cli_invalid_reference(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"format": "tilaapp.reference/1"}', encoding="utf-8")
    status, _out, err = _run(
        capsys, "compare", "--db", str(database_path), "--reference", str(invalid)
    )
    assert status == 1
    assert str(invalid) in err


def test_cli_invalid_peer(database_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _out, err = _run(capsys, "compare", "--db", str(database_path), "--peers", "091,999")
    assert status == 2
    assert "999" in err
