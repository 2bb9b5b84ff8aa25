"""Indicators of a small imported database, checked against values computed by hand.

The fixture has seven invented buildings. Valuation year 2026 throughout.

Buildings by running number (class, area m², completion, portfolio; local values):

1. 0820, 1000, 1980, owned; condition 3, in use 80 %, indoor-air problems,
   replacement cost 2,000,000, maintenance 60,000 a year, energy source 01.
2. only the 1994 class 511, 500, 1962-08, owned. Condition 2, in use 50 %, no
   indoor-air problems, acquired in 2000 for 100,000. Register energy source DVV 04.
3. 0110, no area, 2010, owned; condition 5, replacement cost 300,000; register
   energy source DVV 10 (Ryhti 99).
4. no class, 200, no completion date, owned; condition 4, replacement cost 100,000,
   maintenance 2,400 a year.
5. 0820, 300, 2000, leased in; in use 100 %, indoor-air problems, maintenance 3,600.
6. 0110, 400, 1950, not in the portfolio.
7. 0110 in Orimattila (560), 100, 1990, not in the portfolio.

The index series has 2000 = 100 and 2020 = 150.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    COMPANY_BUSINESS_ID,
    HEATING_ENERGY_SOURCE,
    MUNICIPALITY_BUSINESS_ID,
    Building,
    Owner,
    valid_prt,
    write_extract,
)
from tilaapp.domain import indicators as formulas
from tilaapp.domain.municipalities import Population, population
from tilaapp.services.cost_index import import_cost_index
from tilaapp.services.editing import EditService
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.indicators import (
    COMPLETION_DECADE,
    CONDITION_CLASS,
    MAIN_CLASS_SCHEME,
    BuildingSet,
    IndicatorReport,
    IndicatorService,
)
from tilaapp.services.indicators import (
    HEATING_ENERGY_SOURCE as ENERGY_GROUPING,
)
from tilaapp.services.portfolio_edit import PortfolioService
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import Building as BuildingModel
from tilaapp.storage.models import Tenure

YEAR = 2026
INDEX_SOURCE = "Invented building-cost index, 2000 = 100"


def _owned(number: int, **values: Any) -> Building:
    return Building(
        valid_prt(number), owners=[Owner(business_id=MUNICIPALITY_BUSINESS_ID)], **values
    )


def fixture_buildings() -> list[Building]:
    return [
        _owned(1, building_class_2018="0820", gross_floor_area="1000", completion_date="19800101"),
        _owned(
            2,
            use_class_1994="511",
            gross_floor_area="500",
            completion_date="19620800",
            extra={HEATING_ENERGY_SOURCE: "04"},
        ),
        _owned(
            3,
            building_class_2018="0110",
            completion_date="20100000",
            extra={HEATING_ENERGY_SOURCE: "10"},
        ),
        _owned(4, gross_floor_area="200"),
        _owned(5, building_class_2018="0820", gross_floor_area="300", completion_date="20000101"),
        Building(
            valid_prt(6),
            building_class_2018="0110",
            gross_floor_area="400",
            completion_date="19500101",
            owners=[Owner(business_id=COMPANY_BUSINESS_ID)],
        ),
        Building(
            valid_prt(7),
            municipality="560",
            building_class_2018="0110",
            gross_floor_area="100",
            completion_date="19900101",
        ),
    ]


LOCAL_VALUES: dict[int, dict[str, Any]] = {
    1: {
        "condition_class": 3,
        "utilisation_rate": Decimal(80),
        "indoor_air_problems": True,
        "replacement_cost": Decimal(2_000_000),
        "maintenance_cost_per_year": Decimal(60_000),
        "heating_energy_source": "01",
    },
    2: {
        "condition_class": 2,
        "utilisation_rate": Decimal(50),
        "indoor_air_problems": False,
        "acquisition_cost": Decimal(100_000),
        "acquisition_year": 2000,
    },
    3: {"condition_class": 5, "replacement_cost": Decimal(300_000)},
    4: {
        "condition_class": 4,
        "replacement_cost": Decimal(100_000),
        "maintenance_cost_per_year": Decimal(2_400),
    },
    5: {
        "utilisation_rate": Decimal(100),
        "indoor_air_problems": True,
        "maintenance_cost_per_year": Decimal(3_600),
    },
}


def building_id(database: Database, number: int) -> int:
    with database.read_session() as session:
        found = session.scalar(
            select(BuildingModel.id).where(
                BuildingModel.permanent_building_identifier == valid_prt(number)
            )
        )
    assert found is not None
    return found


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a database of the fixture buildings with local values, tenure and an index."""
    folder = tmp_path_factory.mktemp("indicators")
    extract = write_extract(folder / "extract.xlsx", fixture_buildings())
    path = folder / "municipality.sqlite"
    options = ImportOptions(
        home_municipality="398",
        owner_business_ids=(MUNICIPALITY_BUSINESS_ID,),
        extraction_date=datetime.date(2024, 1, 15),
    )
    import_files(path, [extract], options)

    index_file = folder / "index.csv"
    index_file.write_text(
        f"year;index;source\n2000;100;{INDEX_SOURCE}\n2020;150,0;{INDEX_SOURCE}\n",
        encoding="utf-8",
    )
    database = open_database(path)
    try:
        editor = EditService(database, os_user="tester")
        for number, values in LOCAL_VALUES.items():
            for field, value in values.items():
                editor.set_value(building_id(database, number), field, value)
        PortfolioService(database, os_user="tester").set_tenure(
            [building_id(database, 5)], Tenure.LEASED_IN
        )
        import_cost_index(database, index_file)
    finally:
        database.close()
    return path


@pytest.fixture
def database(prepared: Path, tmp_path: Path) -> Iterator[Database]:
    path = Path(shutil.copy(prepared, tmp_path / "municipality.sqlite"))
    opened = open_database(path)
    yield opened
    opened.close()


@pytest.fixture
def portfolio(database: Database) -> IndicatorReport:
    return IndicatorService(database).compute(valuation_year=YEAR)


# ------------------------------------------------------------------ formulas


def test_wear_grows_yearly() -> None:
    assert formulas.wear_share(2010, YEAR) == Decimal("0.28")


def test_wear_capped() -> None:
    assert formulas.wear_share(1900, YEAR) == Decimal("0.70")


def test_wear_none_for_future_completion() -> None:
    assert formulas.wear_share(2030, YEAR) == 0


def test_technical_value_of_new_building() -> None:
    assert formulas.technical_value(Decimal(1000), YEAR, YEAR) == Decimal(1000)


def test_indexed_cost_scales_by_ratio() -> None:
    assert formulas.indexed_cost(Decimal(200), Decimal(80), Decimal(120)) == Decimal(300)


def test_indexed_cost_rejects_zero_index() -> None:
    with pytest.raises(ValueError):
        formulas.indexed_cost(Decimal(200), Decimal(0), Decimal(120))


def test_repair_debt_floored_at_zero() -> None:
    assert formulas.repair_debt(Decimal(1000), Decimal(900)) == 0


def test_repair_liability_difference() -> None:
    assert formulas.repair_liability(Decimal(1000), Decimal(900)) == Decimal(100)


def test_markka_converted_at_fixed_rate() -> None:
    assert formulas.markka_to_euro(Decimal("5.94573")) == Decimal("1.00")


def test_completion_decade_first_year() -> None:
    assert formulas.completion_decade(1969) == 1960


def test_ratio_rounds_half_even() -> None:
    assert formulas.ratio(Decimal(2), Decimal(3)) == Decimal("0.666667")


# ------------------------------------------------------------------ building sets


def test_portfolio_building_count(portfolio: IndicatorReport) -> None:
    assert portfolio.building_count == 5


def test_group_owned_excludes_leased_in(database: Database) -> None:
    report = IndicatorService(database).compute(BuildingSet.GROUP_OWNED, valuation_year=YEAR)
    assert report.building_count == 4


def test_all_buildings_of_home_municipality(database: Database) -> None:
    report = IndicatorService(database).compute(BuildingSet.ALL_BUILDINGS, valuation_year=YEAR)
    assert report.building_count == 6


def test_basis_names_building_set(database: Database) -> None:
    report = IndicatorService(database).compute(BuildingSet.ALL_BUILDINGS, valuation_year=YEAR)
    assert report.find("technical_value").basis == "all_buildings"


def test_all_buildings_class_counts(database: Database) -> None:
    report = IndicatorService(database).compute(BuildingSet.ALL_BUILDINGS, valuation_year=YEAR)
    counts = report.find("building_count", MAIN_CLASS_SCHEME)
    assert dict(counts.groups) == {"01": 2, "08": 3, "unknown": 1}


# ------------------------------------------------------------------ classes


def test_count_by_main_class(portfolio: IndicatorReport) -> None:
    counts = portfolio.find("building_count", MAIN_CLASS_SCHEME)
    # Building 2 has only the 1994 class 511, which the crosswalk gives as 0820.
    assert dict(counts.groups) == {"01": 1, "08": 3, "unknown": 1}


def test_count_by_main_class_total(portfolio: IndicatorReport) -> None:
    assert portfolio.find("building_count", MAIN_CLASS_SCHEME).value == 5


def test_count_by_main_class_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("building_count", MAIN_CLASS_SCHEME).missing_count == 1


def test_area_by_main_class(portfolio: IndicatorReport) -> None:
    areas = portfolio.find("gross_floor_area", MAIN_CLASS_SCHEME)
    assert dict(areas.groups) == {"08": Decimal(1800), "unknown": Decimal(200)}


def test_area_total(portfolio: IndicatorReport) -> None:
    assert portfolio.find("gross_floor_area", MAIN_CLASS_SCHEME).value == Decimal(2000)


def test_area_missing_counts_no_area(portfolio: IndicatorReport) -> None:
    assert portfolio.find("gross_floor_area", MAIN_CLASS_SCHEME).missing_count == 1


def test_area_unit(portfolio: IndicatorReport) -> None:
    assert portfolio.find("gross_floor_area", MAIN_CLASS_SCHEME).unit == "m²"


# ------------------------------------------------------------------ per resident


def test_area_per_resident_given_population(database: Database) -> None:
    residents = Population("398", 1000, 2020, "invented")
    report = IndicatorService(database).compute(valuation_year=YEAR, resident_population=residents)
    # Owned areas 1000 + 500 + 200; building 3 has none, building 5 is leased in.
    assert report.find("gross_floor_area_per_resident").value == Decimal("1.7")


def test_area_per_resident_bundled_population(portfolio: IndicatorReport) -> None:
    lahti = population("398")
    assert lahti is not None
    expected = (Decimal(1700) / lahti.population).quantize(Decimal("0.000001"))
    assert portfolio.find("gross_floor_area_per_resident").value == expected


def test_area_per_resident_year(portfolio: IndicatorReport) -> None:
    lahti = population("398")
    assert lahti is not None
    assert portfolio.find("gross_floor_area_per_resident").year == lahti.year


def test_area_per_resident_basis(portfolio: IndicatorReport) -> None:
    assert portfolio.find("gross_floor_area_per_resident").basis == "group_owned"


def test_area_per_resident_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("gross_floor_area_per_resident").missing_count == 1


def test_area_per_resident_without_population(tmp_path: Path) -> None:
    # Buildings in two municipalities and no --home: the database has no home municipality.
    extract = write_extract(tmp_path / "extract.xlsx", fixture_buildings())
    path = tmp_path / "no_home.sqlite"
    options = ImportOptions(
        owner_business_ids=(MUNICIPALITY_BUSINESS_ID,),
        extraction_date=datetime.date(2024, 1, 15),
    )
    import_files(path, [extract], options)
    database = open_database(path)
    try:
        report = IndicatorService(database).compute(valuation_year=YEAR)
    finally:
        database.close()
    assert report.find("gross_floor_area_per_resident").value is None


def test_all_buildings_without_home(tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "extract.xlsx", fixture_buildings())
    path = tmp_path / "no_home.sqlite"
    import_files(path, [extract], ImportOptions(extraction_date=datetime.date(2024, 1, 15)))
    database = open_database(path)
    try:
        report = IndicatorService(database).compute(BuildingSet.ALL_BUILDINGS, valuation_year=YEAR)
    finally:
        database.close()
    assert report.building_count == 7


# ------------------------------------------------------------------ age and condition


def test_count_by_decade(portfolio: IndicatorReport) -> None:
    counts = portfolio.find("building_count", COMPLETION_DECADE)
    expected = {"1960": 1, "1980": 1, "2000": 1, "2010": 1, "unknown": 1}
    assert dict(counts.groups) == expected


def test_count_by_decade_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("building_count", COMPLETION_DECADE).missing_count == 1


def test_area_by_decade(portfolio: IndicatorReport) -> None:
    areas = portfolio.find("gross_floor_area", COMPLETION_DECADE)
    expected = {"1960": Decimal(500), "1980": Decimal(1000), "2000": Decimal(300)}
    assert dict(areas.groups) == {**expected, "unknown": Decimal(200)}


def test_area_by_decade_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("gross_floor_area", COMPLETION_DECADE).missing_count == 1


def test_condition_by_area(portfolio: IndicatorReport) -> None:
    areas = portfolio.find("condition_class_floor_area", CONDITION_CLASS)
    expected = {"2": Decimal(500), "3": Decimal(1000), "4": Decimal(200)}
    assert dict(areas.groups) == {**expected, "unknown": Decimal(300)}


def test_condition_total_excludes_unknown(portfolio: IndicatorReport) -> None:
    assert portfolio.find("condition_class_floor_area", CONDITION_CLASS).value == Decimal(1700)


def test_condition_missing(portfolio: IndicatorReport) -> None:
    # Building 3 has no area and building 5 no condition class.
    assert portfolio.find("condition_class_floor_area", CONDITION_CLASS).missing_count == 2


# ------------------------------------------------------------------ values


def test_technical_value_sum(portfolio: IndicatorReport) -> None:
    # 1: 2,000,000 x 0.30 (wear capped); 2: 100,000 x 150 / 100 x 0.30; 3: 300,000 x 0.72.
    expected = Decimal(600_000) + Decimal(45_000) + Decimal(216_000)
    assert portfolio.find("technical_value").value == expected


def test_technical_value_missing(portfolio: IndicatorReport) -> None:
    # Building 4 has no completion year, building 5 no costs.
    assert portfolio.find("technical_value").missing_count == 2


def test_technical_value_index_source(portfolio: IndicatorReport) -> None:
    assert portfolio.find("technical_value").source == INDEX_SOURCE


def test_technical_value_without_index(database: Database) -> None:
    report = IndicatorService(database).compute(valuation_year=1999)
    # No index year at or before 1999, so building 2 has no value; 1 and 3 use
    # replacement costs, and building 3, completed in 2010, has no wear yet.
    expected = Decimal(2_000_000) * (1 - Decimal("0.0175") * 19) + Decimal(300_000)
    assert report.find("technical_value").value == expected


def test_repair_liability(portfolio: IndicatorReport) -> None:
    assert portfolio.find("repair_liability").value == Decimal(1_400_000) + Decimal(84_000)


def test_repair_liability_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("repair_liability").missing_count == 3


def test_repair_debt(portfolio: IndicatorReport) -> None:
    # 0.75 x 2,000,000 - 600,000 and 0.75 x 300,000 - 216,000.
    assert portfolio.find("repair_debt").value == Decimal(900_000) + Decimal(9_000)


def test_repair_debt_per_area(portfolio: IndicatorReport) -> None:
    # Only building 1 has both a repair debt and an area.
    assert portfolio.find("repair_debt_per_floor_area").value == Decimal(900)


def test_repair_debt_per_area_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("repair_debt_per_floor_area").missing_count == 4


# ------------------------------------------------------------------ use and costs


def test_maintenance_cost_per_month(portfolio: IndicatorReport) -> None:
    # (60,000 + 2,400 + 3,600) / (1000 + 200 + 300) / 12
    assert portfolio.find("maintenance_cost_per_floor_area").value == Decimal("3.666667")


def test_maintenance_cost_unit(portfolio: IndicatorReport) -> None:
    assert portfolio.find("maintenance_cost_per_floor_area").unit == "€/m²/month"


def test_maintenance_cost_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("maintenance_cost_per_floor_area").missing_count == 2


def test_utilisation_rate_weighted(portfolio: IndicatorReport) -> None:
    # (80 x 1000 + 50 x 500 + 100 x 300) / 1800
    assert portfolio.find("utilisation_rate").value == Decimal(75)


def test_utilisation_rate_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("utilisation_rate").missing_count == 2


def test_vacant_area(portfolio: IndicatorReport) -> None:
    assert portfolio.find("vacant_floor_area").value == Decimal(450)


def test_indoor_air_share(portfolio: IndicatorReport) -> None:
    # (1000 + 300) / (1000 + 500 + 300) x 100
    assert portfolio.find("indoor_air_problem_share").value == Decimal("72.222222")


def test_indoor_air_missing(portfolio: IndicatorReport) -> None:
    assert portfolio.find("indoor_air_problem_share").missing_count == 2


def test_energy_mix(portfolio: IndicatorReport) -> None:
    mix = portfolio.find("heating_energy_source_floor_area", ENERGY_GROUPING)
    # Building 1 local 01, building 2 DVV 04 (Ryhti 04); 4 and 5 have no source.
    assert dict(mix.groups) == {"01": Decimal(1000), "04": Decimal(500), "unknown": Decimal(500)}


def test_energy_mix_missing(portfolio: IndicatorReport) -> None:
    # Building 3 (DVV 10, Ryhti 99) has no area; 4 and 5 no source.
    assert portfolio.find("heating_energy_source_floor_area", ENERGY_GROUPING).missing_count == 3


def test_energy_mix_maps_dvv_other(database: Database) -> None:
    editor = EditService(database, os_user="tester")
    editor.set_value(building_id(database, 3), "gross_floor_area", Decimal(50))
    report = IndicatorService(database).compute(valuation_year=YEAR)
    mix = report.find("heating_energy_source_floor_area", ENERGY_GROUPING)
    assert mix.groups["99"] == Decimal(50)


def test_unknown_indicator_raises(portfolio: IndicatorReport) -> None:
    with pytest.raises(KeyError):
        portfolio.find("capital_rent")
