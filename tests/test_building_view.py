"""The editor's snapshot of one building, read from a database of the sample extract."""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    MUNICIPALITY_BUSINESS_ID,
    sample_buildings,
    valid_prt,
    write_extract,
)
from devtools.ryhti_geojson import (
    address_properties,
    building_properties,
    feature,
    feature_collection,
    write_collection,
)
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import ALL_FIELDS
from tilaapp.services.building_view import BuildingView, load_building
from tilaapp.services.editing import EditService
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.queries import BuildingNotFound
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import Building, Tenure

USER = "muokkaaja"
EXTRACTED = datetime.date(2024, 1, 15)
RYHTI_EXTRACTED = datetime.date(2025, 6, 1)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a database of the sample extract with the municipality's buildings in the
    portfolio, imported once for the module's tests."""
    folder = tmp_path_factory.mktemp("imported")
    extract = write_extract(folder / "x.xlsx", sample_buildings())
    path = folder / "municipality.sqlite"
    options = ImportOptions(
        home_municipality="398",
        owner_business_ids=(MUNICIPALITY_BUSINESS_ID,),
        extraction_date=EXTRACTED,
    )
    import_files(path, [extract], options)
    return path


@pytest.fixture
def database(imported: Path, tmp_path: Path) -> Iterator[Database]:
    path = Path(shutil.copy(imported, tmp_path / "municipality.sqlite"))
    opened = open_database(path)
    yield opened
    opened.close()


def building_id(database: Database, number: int) -> int:
    """Return the id of the sample building whose identifier is ``valid_prt(number)``."""
    with database.read_session() as session:
        found = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == valid_prt(number))
        )
    assert found is not None
    return found


def view_of(database: Database, building: int) -> BuildingView:
    with database.read_session() as session:
        return load_building(session, building)


def school(database: Database) -> BuildingView:
    return view_of(database, building_id(database, 1))


def import_ryhti_area(database: Database, folder: Path, area: str) -> None:
    """Import Ryhti open data that gives the school another gross floor area."""
    prt = valid_prt(1)
    buildings = feature_collection(
        [
            feature(
                building_properties(prt, "k1", gross_floor_area=area, municipality_number="398"),
                (25.66, 60.98),
            )
        ]
    )
    addresses = feature_collection(
        [
            feature(
                address_properties(
                    "k1", "a1", "Koekatu 1", postal_code="15100", postal_office_fin="LAHTI"
                )
            )
        ]
    )
    files = [
        write_collection(folder / "open_building.json", buildings),
        write_collection(folder / "open_address.json", addresses),
    ]
    path = database.path
    import_files(path, files, ImportOptions(extraction_date=RYHTI_EXTRACTED))


# ------------------------------------------------------------------ identification


def test_view_identifier(database: Database) -> None:
    assert school(database).permanent_building_identifier == valid_prt(1)


def test_view_addresses_in_order(database: Database) -> None:
    texts = [address.text("fi") for address in school(database).addresses]
    assert texts == ["Koekatu 1, 15100 LAHTI", "Mallitie 2, 15100 LAHTI"]


def test_address_swedish_names(database: Database) -> None:
    assert school(database).addresses[0].text("sv") == "Provgatan 1, 15100 LAHTIS"


def test_address_swedish_falls_back_to_finnish(database: Database) -> None:
    assert school(database).addresses[1].text("sv") == "Mallitie 2, 15100 LAHTIS"


def test_view_property_name(database: Database) -> None:
    assert school(database).property_name == "KOULUMÄKI"


def test_view_municipality(database: Database) -> None:
    assert school(database).municipality_number == "398"


def test_unknown_building_raises(database: Database) -> None:
    with pytest.raises(BuildingNotFound), database.read_session() as session:
        load_building(session, 999_999)


# ------------------------------------------------------------------ portfolio


def test_portfolio_tenure(database: Database) -> None:
    portfolio = school(database).portfolio
    assert portfolio is not None
    assert portfolio.tenure is Tenure.OWNED


def test_portfolio_holder(database: Database) -> None:
    portfolio = school(database).portfolio
    assert portfolio is not None
    assert portfolio.holder_business_id == MUNICIPALITY_BUSINESS_ID


def test_building_outside_portfolio(database: Database) -> None:
    # The terraced house belongs to people, so the import leaves it out of the portfolio.
    assert view_of(database, building_id(database, 2)).in_portfolio is False


# ------------------------------------------------------------------ register values


def test_every_field_has_state(database: Database) -> None:
    assert list(school(database).fields) == [spec.name for spec in ALL_FIELDS]


def test_register_decimal_typed(database: Database) -> None:
    assert school(database).field("gross_floor_area").value == Decimal(2450)


def test_register_partial_date_typed(database: Database) -> None:
    assert school(database).field("completion_date").value == PartialDate(1925)


def test_register_source_and_date(database: Database) -> None:
    register = school(database).field("gross_floor_area").register
    assert register is not None
    assert (register.source, register.extraction_date) == ("dvv_extract", EXTRACTED)


def test_register_file_name(database: Database) -> None:
    register = school(database).field("gross_floor_area").register
    assert register is not None
    assert register.file_name == "x.xlsx"


def test_register_code_list_of_source(database: Database) -> None:
    register = school(database).field("facade_material").register
    assert register is not None
    assert register.code_list == "dvv_facade_material"


def test_register_in_use_without_local(database: Database) -> None:
    assert school(database).field("gross_floor_area").in_use_origin == "dvv_extract"


def test_missing_register_value(database: Database) -> None:
    state = school(database).field("floor_area")
    assert (state.value, state.in_use_origin) == (None, None)


def test_local_only_field_has_no_register(database: Database) -> None:
    state = school(database).field("local_name")
    assert (state.register, state.register_values) == (None, ())


def test_register_only_field_not_editable(database: Database) -> None:
    assert school(database).field("building_status").editable is False


def test_register_field_editable(database: Database) -> None:
    assert school(database).field("gross_floor_area").editable is True


def test_sources_disagree(database: Database, tmp_path: Path) -> None:
    import_ryhti_area(database, tmp_path, "2500")
    assert school(database).field("gross_floor_area").sources_disagree is True


def test_newer_source_in_use(database: Database, tmp_path: Path) -> None:
    import_ryhti_area(database, tmp_path, "2500")
    register = school(database).field("gross_floor_area").register
    assert register is not None
    assert (register.source, register.value) == ("ryhti", Decimal(2500))


def test_values_of_every_source(database: Database, tmp_path: Path) -> None:
    import_ryhti_area(database, tmp_path, "2500")
    values = school(database).field("gross_floor_area").register_values
    assert [(value.source, value.value) for value in values] == [
        ("dvv_extract", Decimal(2450)),
        ("ryhti", Decimal(2500)),
    ]


# ------------------------------------------------------------------ local values


def test_local_value_in_use(database: Database) -> None:
    building = building_id(database, 1)
    EditService(database, os_user=USER).set_value(building, "gross_floor_area", Decimal("2460.5"))
    state = view_of(database, building).field("gross_floor_area")
    assert (state.value, state.in_use_origin) == (Decimal("2460.5"), "local")


def test_local_value_keeps_register(database: Database) -> None:
    building = building_id(database, 1)
    EditService(database, os_user=USER).set_value(building, "gross_floor_area", Decimal(2460))
    assert view_of(database, building).field("gross_floor_area").register_value == Decimal(2450)


def test_local_value_user_and_time(database: Database) -> None:
    building = building_id(database, 1)
    before = datetime.datetime.now(datetime.UTC)
    EditService(database, os_user=USER).set_value(building, "local_name", "Koulumäen koulu")
    local = view_of(database, building).field("local_name").local
    assert local is not None
    assert local.os_user == USER
    assert local.changed_at is not None
    assert local.changed_at >= before.replace(microsecond=0)
    assert local.change_source == "local"


def test_newest_change_named(database: Database) -> None:
    building = building_id(database, 1)
    service = EditService(database, os_user=USER)
    service.set_value(building, "local_name", "Vanha nimi")
    EditService(database, os_user="toinen").set_value(building, "local_name", "Uusi nimi")
    local = view_of(database, building).field("local_name").local
    assert local is not None
    assert (local.value, local.os_user) == ("Uusi nimi", "toinen")


def test_undo_named_as_change(database: Database) -> None:
    building = building_id(database, 1)
    service = EditService(database, os_user=USER)
    service.set_value(building, "number_of_users", 40)
    service.set_value(building, "number_of_users", 45)
    service.undo()
    local = view_of(database, building).field("number_of_users").local
    assert local is not None
    assert (local.value, local.change_source) == (40, "undo")


def test_cleared_local_value(database: Database) -> None:
    building = building_id(database, 1)
    service = EditService(database, os_user=USER)
    service.set_value(building, "gross_floor_area", Decimal(2460))
    service.clear_value(building, "gross_floor_area")
    state = view_of(database, building).field("gross_floor_area")
    assert (state.local, state.in_use_origin) == (None, "dvv_extract")


def test_local_name_property(database: Database) -> None:
    building = building_id(database, 1)
    EditService(database, os_user=USER).set_value(building, "local_name", "Koulumäen koulu")
    assert view_of(database, building).local_name == "Koulumäen koulu"
