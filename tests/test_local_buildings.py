"""Tests of local buildings added from an inventory: their address, and undo and redo."""

from __future__ import annotations

import datetime
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    MUNICIPALITY_BUSINESS_ID,
    Address,
    Building,
    valid_prt,
    write_extract,
)
from tilaapp.services.building_view import load_building
from tilaapp.services.editing import AddedBuildingConflict, UndoStack, describe_step
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.inventory_import import InventoryImport, InventoryImportService
from tilaapp.services.listing import list_ids, list_rows
from tilaapp.services.mapping import ColumnMapping
from tilaapp.services.package_export import export_package
from tilaapp.services.package_verify import verify_package
from tilaapp.services.portfolio_edit import PortfolioService
from tilaapp.sources.tabular import read_table
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import Building as BuildingRow
from tilaapp.storage.models import (
    BuildingAddress,
    ChangeRecord,
    HolderEntity,
    LocalValue,
    Tenure,
)

USER = "tilasihteeri"
SCHOOL = valid_prt(1)
NEW_HALL = valid_prt(50)
DAY = datetime.date(2025, 1, 15)
MAPPING = ColumnMapping(
    name="tilat",
    columns={
        "Tunnus": "permanent_building_identifier",
        "Osoite": "street_address",
        "Postinumero": "postal_code",
        "Nimi": "local_name",
    },
)


def write_inventory(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Tunnus", "Osoite", "Postinumero", "Nimi"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def import_extract(folder: Path, database: Path, buildings: list[Building]) -> None:
    extract = write_extract(folder / "rhr.xlsx", buildings)
    options = ImportOptions(
        home_municipality="398",
        owner_business_ids=(MUNICIPALITY_BUSINESS_ID,),
        extraction_date=DAY,
    )
    import_files(database, [extract], options)


def school() -> Building:
    return Building(SCHOOL, addresses=[Address("Koulutie", "5", postal_code="15100")])


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "kunta.sqlite"
    import_extract(tmp_path, path, [school()])
    opened = open_database(path, create=False)
    yield opened
    opened.close()


@pytest.fixture
def stack() -> UndoStack:
    return UndoStack()


@pytest.fixture
def service(database: Database, stack: UndoStack) -> InventoryImportService:
    return InventoryImportService(database, os_user=USER, undo_stack=stack)


def add_hall(service: InventoryImportService, tmp_path: Path) -> InventoryImport:
    rows: list[list[object]] = [
        [SCHOOL, None, None, "Keskuskoulu"],
        [NEW_HALL, "Uusitie  9 b", 15100, "Uusi halli"],
    ]
    table = read_table(write_inventory(tmp_path / "tilat.xlsx", rows))
    return service.apply(table, MAPPING, add_unmatched=True)


def stored_addresses(database: Database, building_id: int) -> list[tuple[object, ...]]:
    with database.read_session() as session:
        query = select(
            BuildingAddress.source,
            BuildingAddress.batch_id,
            BuildingAddress.street_name_fi,
            BuildingAddress.house_number,
            BuildingAddress.postal_code,
        ).where(BuildingAddress.building_id == building_id)
        return [tuple(row) for row in session.execute(query.order_by(BuildingAddress.id))]


def building_exists(database: Database, building_id: int) -> bool:
    with database.read_session() as session:
        return session.get(BuildingRow, building_id) is not None


# The address


def test_added_building_stores_row_address(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    result = add_hall(service, tmp_path)

    (hall,) = result.added_buildings
    assert stored_addresses(database, hall) == [("local", None, "Uusitie", "9 b", "15100")]


def test_address_without_street_not_stored(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    rows: list[list[object]] = [[NEW_HALL, None, "15100", "Uusi halli"]]
    table = read_table(write_inventory(tmp_path / "tilat.xlsx", rows))

    result = service.apply(table, MAPPING, add_unmatched=True)

    (hall,) = result.added_buildings
    assert stored_addresses(database, hall) == []


def test_address_recorded_in_history(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings

    with database.read_session() as session:
        query = select(ChangeRecord.new_value, ChangeRecord.source).where(
            ChangeRecord.building_id == hall, ChangeRecord.field == "addresses"
        )
        rows = [tuple(row) for row in session.execute(query)]
    assert rows == [("Uusitie 9 b 15100", "spreadsheet")]


def test_list_shows_and_finds_address(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings

    with database.read_session() as session:
        (row,) = list_rows(session, [hall])
        found = list_ids(session, text="uusitie", all_buildings=True)
    assert row.address == "Uusitie 9 b, 15100"
    assert found == [hall]


def test_editor_view_shows_address(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings

    with database.read_session() as session:
        view = load_building(session, hall)
    assert [address.source for address in view.addresses] == ["local"]
    assert view.addresses[0].text("sv") == "Uusitie 9 b, 15100"


def test_register_import_keeps_local_address(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings
    register_hall = Building(NEW_HALL, addresses=[Address("Hallitie", "1", postal_code="15110")])
    later = tmp_path / "later"
    later.mkdir()

    import_extract(later, database.path, [school(), register_hall])

    addresses = stored_addresses(database, hall)
    assert ("local", None, "Uusitie", "9 b", "15100") in addresses
    assert [address[0] for address in addresses] == ["local", "dvv_extract"]
    with database.read_session() as session:
        (row,) = list_rows(session, [hall])
        found = list_ids(session, text="uusitie", all_buildings=True)
    # The register address ranks first, and the local one stays searchable.
    assert row.address == "Hallitie 1, 15110"
    assert found == [hall]


def add_to_portfolio(database: Database, stack: UndoStack, building_id: int) -> None:
    with database.read_session() as session:
        holder = session.scalar(
            select(HolderEntity.id).where(HolderEntity.business_id == MUNICIPALITY_BUSINESS_ID)
        )
    portfolio = PortfolioService(database, os_user=USER, undo_stack=stack)
    portfolio.add_to_portfolio([building_id], holder, Tenure.OWNED)


def test_package_lists_local_address(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings
    add_to_portfolio(database, stack, hall)

    result = export_package(database, tmp_path / "out")

    assert verify_package(result.path).messages() == []
    with zipfile.ZipFile(result.path) as archive:
        document = json.loads(archive.read("buildings.json"))
    (sent,) = [item for item in document["buildings"] if item["id"] == hall]
    assert sent["origin"] == "local"
    assert sent["addresses"] == [
        {
            "source": "local",
            "street_name_fi": "Uusitie",
            "house_number": "9 b",
            "postal_code": "15100",
        }
    ]


# Undo and redo


def test_undo_removes_added_building(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    result = add_hall(service, tmp_path)
    (hall,) = result.added_buildings

    stack.undo(database, USER)

    assert not building_exists(database, hall)
    assert stored_addresses(database, hall) == []
    with database.read_session() as session:
        assert session.get(LocalValue, hall) is None
        history = session.scalars(select(ChangeRecord).where(ChangeRecord.building_id == hall))
        assert list(history) == []
        assert list_ids(session, text="uusitie", all_buildings=True) == []


def test_undo_keeps_matched_building(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    add_hall(service, tmp_path)

    stack.undo(database, USER)

    with database.read_session() as session:
        school_id = session.scalar(
            select(BuildingRow.id).where(BuildingRow.permanent_building_identifier == SCHOOL)
        )
        assert school_id is not None
        assert session.get(LocalValue, school_id).local_name is None


def test_redo_restores_same_id_and_address(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings
    stack.undo(database, USER)

    stack.redo(database, USER)

    assert building_exists(database, hall)
    assert stored_addresses(database, hall) == [("local", None, "Uusitie", "9 b", "15100")]
    with database.read_session() as session:
        assert session.get(LocalValue, hall).local_name == "Uusi halli"
        (row,) = list_rows(session, [hall])
    assert row.address == "Uusitie 9 b, 15100"


def test_undo_again_after_redo(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings
    stack.undo(database, USER)
    stack.redo(database, USER)

    stack.undo(database, USER)

    assert not building_exists(database, hall)


def test_step_counts_added_buildings(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    rows: list[list[object]] = [[NEW_HALL, "Uusitie 9", None, None]]
    table = read_table(write_inventory(tmp_path / "tilat.xlsx", rows))

    result = service.apply(table, MAPPING, add_unmatched=True)

    # The row gives no value, only its keys and address, and is still one step.
    assert result.step is not None
    assert result.step.changes == ()
    assert describe_step(result.step) == "Import of values for 1 building from a spreadsheet"


def test_undo_rejected_after_register_import(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings
    later = tmp_path / "later"
    later.mkdir()
    import_extract(later, database.path, [school(), Building(NEW_HALL)])

    with pytest.raises(AddedBuildingConflict) as raised:
        stack.undo(database, USER)

    assert NEW_HALL in raised.value.message
    assert building_exists(database, hall)
    with database.read_session() as session:
        assert session.get(LocalValue, hall).local_name == "Uusi halli"


def test_redo_rejected_when_identifier_taken(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    add_hall(service, tmp_path)
    stack.undo(database, USER)
    later = tmp_path / "later"
    later.mkdir()
    import_extract(later, database.path, [school(), Building(NEW_HALL)])

    with pytest.raises(AddedBuildingConflict) as raised:
        stack.redo(database, USER)

    assert "Cannot redo" in raised.value.message
    assert not stack.can_redo


def test_undo_rejected_after_building_sent(
    database: Database, service: InventoryImportService, stack: UndoStack, tmp_path: Path
) -> None:
    (hall,) = add_hall(service, tmp_path).added_buildings
    add_to_portfolio(database, stack, hall)
    export_package(database, tmp_path / "out")
    stack.undo(database, USER)

    with pytest.raises(AddedBuildingConflict):
        stack.undo(database, USER)

    assert building_exists(database, hall)
