"""Tests of column mappings, matching own inventory rows to buildings, and applying values."""

from __future__ import annotations

import datetime
import hashlib
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from devtools.dvv_workbook import Address, Building, valid_prt, write_extract
from tilaapp.domain.dates import PartialDate
from tilaapp.services.editing import IMPORT_SPREADSHEET, UndoStack, describe_step
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.inventory_export import write_unmatched
from tilaapp.services.inventory_import import (
    SPREADSHEET_SOURCE,
    InventoryImportService,
    MappedColumnMissing,
)
from tilaapp.services.inventory_matching import MatchMethod, UnmatchedReason
from tilaapp.services.mapping import (
    ColumnMapping,
    InvalidMapping,
    MappingNotFound,
    check_mapping,
    list_mappings,
    load_mapping,
    mapping_from_json_file,
    parse_column_assignment,
    save_mapping,
    suggest_columns,
)
from tilaapp.services.queries import find_building_id
from tilaapp.sources.records import FileRejected
from tilaapp.sources.table import Table
from tilaapp.sources.tabular import read_table
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import Building as BuildingRow
from tilaapp.storage.models import BuildingOrigin, ChangeRecord, LocalValue

USER = "tilasihteeri"
SCHOOL = valid_prt(1)
CHURCH = valid_prt(2)
TWIN_A = valid_prt(3)
TWIN_B = valid_prt(4)
NOT_IN_REGISTER = valid_prt(99)


def register_buildings() -> list[Building]:
    return [
        Building(
            SCHOOL,
            property_identifier="39800100010001",
            old_property_identifier="39800100010001",
            building_number="1",
            addresses=[Address("Koulutie", "5", postal_code="15100")],
        ),
        Building(
            CHURCH,
            property_identifier="39800100010002",
            old_property_identifier="39800100010002",
            building_number="2",
            addresses=[
                Address("Kirkkokatu", "3 A", street_name_sv="Kyrkogatan", postal_code="15110")
            ],
        ),
        Building(TWIN_A, addresses=[Address("Torikatu", "1", postal_code="15100")]),
        Building(TWIN_B, addresses=[Address("Torikatu", "1", postal_code="15100")]),
    ]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("imported")
    extract = write_extract(folder / "rhr.xlsx", register_buildings())
    path = folder / "municipality.sqlite"
    import_files(path, [extract], ImportOptions(extraction_date=datetime.date(2025, 1, 15)))
    return path


@pytest.fixture
def database(imported: Path, tmp_path: Path) -> Iterator[Database]:
    path = Path(shutil.copy(imported, tmp_path / "municipality.sqlite"))
    opened = open_database(path)
    yield opened
    opened.close()


@pytest.fixture
def service(database: Database) -> InventoryImportService:
    return InventoryImportService(database, os_user=USER, undo_stack=UndoStack())


INVENTORY_COLUMNS = [
    "Tunnus",
    "Kiinteistö",
    "Rak.nro",
    "Osoite",
    "Postinumero",
    "Nimi",
    "Kuntoluokka",
    "Kerrosala",
    "Hankintameno",
    "Arvioitu",
]
MAPPING = ColumnMapping(
    name="tilaluettelo",
    columns={
        "Tunnus": "permanent_building_identifier",
        "Kiinteistö": "property_identifier",
        "Rak.nro": "building_number",
        "Osoite": "street_address",
        "Postinumero": "postal_code",
        "Nimi": "local_name",
        "Kuntoluokka": "condition_class",
        "Kerrosala": "gross_floor_area",
        "Hankintameno": "acquisition_cost",
        "Arvioitu": "condition_date",
    },
)


def write_inventory(path: Path, rows: list[list[object]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Kunnan rakennukset 2025"])
    sheet.append([])
    sheet.append(INVENTORY_COLUMNS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def inventory_rows() -> list[list[object]]:
    return [
        # Row 4: by permanent identifier.
        [SCHOOL, None, None, None, None, "Keskuskoulu", 3, 1450.5, 1200000, 45000],
        # Row 5: by property identifier and building number (display form).
        [None, "398-1-1-2", 2, None, None, "Kirkko", 4, None, None, "5.3.2021"],
        # Row 6: by the Swedish street name and a house number written differently.
        [None, None, None, "kyrkogatan 3a", 15110, None, None, None, None, None],
        # Row 7: an address that two buildings share.
        [None, None, None, "Torikatu 1", "15100", "Tori", None, None, None, None],
        # Row 8: an identifier that the register does not have.
        [NOT_IN_REGISTER, None, None, "Uusitie 9", "15100", "Uusi halli", 5, 800, None, None],
        # Row 9: no key at all (a total row).
        [None, None, None, None, None, "Yhteensä", None, 2250.5, None, None],
    ]


def read_inventory(tmp_path: Path, rows: list[list[object]] | None = None) -> Table:
    return read_table(write_inventory(tmp_path / "tilat.xlsx", rows or inventory_rows()))


def building(database: Database, identifier: str) -> int:
    with database.read_session() as session:
        return find_building_id(session, identifier)


def local(database: Database, building_id: int, field: str) -> Any:
    with database.read_session() as session:
        row = session.get(LocalValue, building_id)
        return None if row is None else getattr(row, field)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Mappings


def test_mapping_saved_and_offered_again(database: Database) -> None:
    replaced = save_mapping(database, MAPPING)

    assert not replaced
    assert list_mappings(database) == ["tilaluettelo"]
    assert load_mapping(database, "tilaluettelo") == MAPPING


def test_mapping_saved_again_replaces(database: Database) -> None:
    save_mapping(database, MAPPING)
    changed = ColumnMapping(
        "tilaluettelo", {"Tunnus": "permanent_building_identifier"}, sheet="Tilat", header_row=3
    )

    replaced = save_mapping(database, changed)

    assert replaced
    assert load_mapping(database, "tilaluettelo") == changed


def test_unknown_mapping_lists_saved_ones(database: Database) -> None:
    save_mapping(database, MAPPING)

    with pytest.raises(MappingNotFound) as caught:
        load_mapping(database, "muu")

    assert caught.value.available == ["tilaluettelo"]


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        ({"Ala": "gross_floor_area"}, "no column to find buildings"),
        ({"Tunnus": "permanent_building_identifier", "Ala": "floor_size"}, "floor_size"),
        (
            {"Tunnus": "permanent_building_identifier", "A": "local_name", "B": "local_name"},
            "both mapped",
        ),
        ({"Kiinteistö": "property_identifier"}, "Building number on the property"),
        ({"Tunnus": "permanent_building_identifier", "Ala": "use_class_1994x"}, "use_class"),
    ],
)
def test_invalid_mapping_rejected(columns: dict[str, str], expected: str) -> None:
    with pytest.raises(InvalidMapping) as caught:
        check_mapping(ColumnMapping("x", columns))

    assert any(expected in problem for problem in caught.value.problems)


@pytest.mark.parametrize(
    "columns",
    [
        {"Ala": "gross_floor_area"},
        {"Tunnus": "permanent_building_identifier", "A": "local_name", "B": "local_name"},
        {"Kiinteistö": "property_identifier"},
        {"Katu": "street_name"},
    ],
)
def test_mapping_problems_use_labels(columns: dict[str, str]) -> None:
    with pytest.raises(InvalidMapping) as caught:
        check_mapping(ColumnMapping("x", columns))

    # Field names such as permanent_building_identifier contain underscores; labels do not.
    for problem in caught.value.problems:
        assert "_" not in problem, problem


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("Rakennustunnus", "permanent_building_identifier"),
        ("Pysyvä rakennustunnus", "permanent_building_identifier"),
        ("Byggnadsbeteckning", "permanent_building_identifier"),
        ("Osoite", "street_address"),
        ("Katuosoite", "street_address"),
        ("Gatuadress", "street_address"),
        ("Nimi", "local_name"),
        ("Rakennuksen nimi", "local_name"),
        ("Byggnadens namn", "local_name"),
        ("Kuntoarvio pvm", "condition_date"),
        ("Kuntoarvio pvm.", "condition_date"),
        ("Kiinteistötunnus", "property_identifier"),
        ("Fastighetsbeteckning", "property_identifier"),
        ("Postinumero", "postal_code"),
        ("Postnummer", "postal_code"),
        ("Kerrosala", "gross_floor_area"),
    ],
)
def test_common_headers_suggested(header: str, target: str) -> None:
    assert suggest_columns([header]) == {header: target}


def test_unknown_header_not_suggested() -> None:
    assert suggest_columns(["Huomautus", "Sarake 7"]) == {}


def test_value_problem_is_one_sentence(service: InventoryImportService, tmp_path: Path) -> None:
    identifier = valid_prt(1)
    path = tmp_path / "tilat.csv"
    path.write_text(f"Pysyvä rakennustunnus;Kerrosala;Ala\n{identifier};abc;-5\n", encoding="utf-8")
    mapping = ColumnMapping(
        "x",
        {
            "Pysyvä rakennustunnus": "permanent_building_identifier",
            "Kerrosala": "gross_floor_area",
            "Ala": "total_area",
        },
    )

    result = service.preview(read_table(path), mapping)

    by_column = {problem.column: problem for problem in result.value_problems}
    assert set(by_column) == {"Kerrosala", "Ala"}
    for problem in by_column.values():
        assert problem.message[0].isupper(), problem.message
        assert problem.message.endswith("."), problem.message
        assert not problem.message.startswith("Gross floor area:"), problem.message
        assert not problem.message.startswith("Total area:"), problem.message
    assert by_column["Kerrosala"].column_text == "Kerrosala (Gross floor area)"
    assert by_column["Ala"].column_text == "Ala (Total area)"


def test_register_only_field_not_mappable() -> None:
    mapping = ColumnMapping(
        "x", {"Tunnus": "permanent_building_identifier", "Tila": "building_status"}
    )

    with pytest.raises(InvalidMapping):
        check_mapping(mapping)


def test_mapping_from_json_file(tmp_path: Path) -> None:
    path = tmp_path / "kartta.json"
    path.write_text(
        '{"columns": {"Tunnus": "permanent_building_identifier", "Ala": "gross_floor_area"},'
        ' "separator": ";", "encoding": "cp1252"}',
        encoding="utf-8",
    )

    mapping = mapping_from_json_file(path, "csv")

    assert mapping.columns["Ala"] == "gross_floor_area"
    assert mapping.table_options().separator == ";"
    assert mapping.table_options().encoding == "cp1252"


def test_column_assignment_parsed() -> None:
    assert parse_column_assignment("Kerrosala=gross_floor_area") == (
        "Kerrosala",
        "gross_floor_area",
    )
    assert parse_column_assignment("a=b=local_name") == ("a=b", "local_name")
    with pytest.raises(ValueError):
        parse_column_assignment("Kerrosala")


# Matching


def test_rows_matched_by_each_key(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    result = service.preview(read_inventory(tmp_path), MAPPING)

    by_row = {match.row: match for match in result.matches}
    assert by_row[4].building_id == building(database, SCHOOL)
    assert by_row[4].method is MatchMethod.PERMANENT_IDENTIFIER
    assert by_row[5].building_id == building(database, CHURCH)
    assert by_row[5].method is MatchMethod.OLD_IDENTIFIER
    assert by_row[6].reason is UnmatchedReason.DUPLICATE
    assert by_row[6].first_row == 5
    assert by_row[7].reason is UnmatchedReason.AMBIGUOUS
    assert by_row[8].reason is UnmatchedReason.NOT_FOUND
    assert by_row[9].reason is UnmatchedReason.NO_KEY


def test_address_match_casefolded_and_swedish(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        [None, None, None, "  KYRKOGATAN   3 a ", 15110, None, None, None, None, None],
        [None, None, None, "koulutie 5", None, None, None, None, None, None],
    ]

    result = service.preview(read_inventory(tmp_path, rows), MAPPING)

    assert [match.building_id for match in result.matches] == [
        building(database, CHURCH),
        building(database, SCHOOL),
    ]
    assert {match.method for match in result.matches} == {MatchMethod.ADDRESS}


def test_unknown_identifier_falls_back_to_address(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        [NOT_IN_REGISTER, None, None, "Koulutie 5", "15100", None, None, None, None, None]
    ]

    result = service.preview(read_inventory(tmp_path, rows), MAPPING)

    assert result.matches[0].building_id == building(database, SCHOOL)
    assert result.matches[0].method is MatchMethod.ADDRESS


def test_missing_mapped_column_rejected(service: InventoryImportService, tmp_path: Path) -> None:
    mapping = ColumnMapping(
        "x", {"Tunnus": "permanent_building_identifier", "Pinta-ala": "gross_floor_area"}
    )

    with pytest.raises(MappedColumnMissing) as caught:
        service.preview(read_inventory(tmp_path), mapping)

    assert caught.value.missing == ["Pinta-ala"]


# Applying


def test_values_applied_as_one_step(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    result = service.apply(read_inventory(tmp_path), MAPPING)

    school = building(database, SCHOOL)
    church = building(database, CHURCH)
    assert result.applied
    assert local(database, school, "local_name") == "Keskuskoulu"
    assert local(database, school, "condition_class") == 3
    assert local(database, school, "gross_floor_area") == Decimal("1450.5")
    assert local(database, school, "acquisition_cost") == Decimal("1200000")
    # An Excel serial date in a plain number cell: 45000 is 15.3.2023.
    assert local(database, school, "condition_date") == PartialDate(2023, 3, 15)
    assert local(database, church, "condition_date") == PartialDate(2021, 3, 5)
    assert service.undo_stack.next_undo is result.step
    assert result.step is not None
    assert result.step.description_key == IMPORT_SPREADSHEET
    assert describe_step(result.step) == "Import of values for 2 buildings from a spreadsheet"


def test_history_source_is_spreadsheet(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    service.apply(read_inventory(tmp_path), MAPPING)

    with database.read_session() as session:
        sources = set(session.scalars(select(ChangeRecord.source)))
        users = set(session.scalars(select(ChangeRecord.os_user)))
    assert SPREADSHEET_SOURCE in sources
    assert USER in users


def test_undo_reverts_whole_import(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    service.apply(read_inventory(tmp_path), MAPPING)

    service.undo_stack.undo(database, USER)

    school = building(database, SCHOOL)
    assert local(database, school, "local_name") is None
    assert local(database, school, "gross_floor_area") is None
    assert local(database, building(database, CHURCH), "condition_class") is None


def test_invalid_values_reported_not_applied(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        [SCHOOL, None, None, None, None, "Koulu", 7, "paljon", None, "31.2.2021"],
    ]

    result = service.apply(read_inventory(tmp_path, rows), MAPPING)

    school = building(database, SCHOOL)
    assert local(database, school, "local_name") == "Koulu"
    assert local(database, school, "condition_class") is None
    assert local(database, school, "gross_floor_area") is None
    assert sorted(problem.field for problem in result.value_problems) == [
        "condition_class",
        "condition_date",
        "gross_floor_area",
    ]
    assert all(problem.row == 4 for problem in result.value_problems)


def test_second_import_changes_nothing(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    table = read_inventory(tmp_path)
    service.apply(table, MAPPING)

    again = service.apply(table, MAPPING)

    assert again.changes == []
    assert again.unchanged_values > 0
    assert again.step is None


def test_unmatched_rows_added_as_local_buildings(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    result = service.apply(read_inventory(tmp_path), MAPPING, add_unmatched=True)

    assert result.added_rows == [8]
    added = result.added_buildings[0]
    with database.read_session() as session:
        row = session.get(BuildingRow, added)
        assert row is not None
        assert row.origin == BuildingOrigin.LOCAL
        assert row.permanent_building_identifier == NOT_IN_REGISTER
    assert local(database, added, "local_name") == "Uusi halli"
    assert local(database, added, "postal_code") == "15100"
    assert local(database, added, "gross_floor_area") == Decimal("800")


def test_unmatched_rows_exported(service: InventoryImportService, tmp_path: Path) -> None:
    result = service.preview(read_inventory(tmp_path), MAPPING)
    path = tmp_path / "unmatched.xlsx"

    count = write_unmatched(path, result)

    rows = list(openpyxl.load_workbook(path).active.values)
    assert count == 4
    assert rows[0][:3] == ("Row", "Reason", "Tunnus")
    assert [row[0] for row in rows[1:]] == [6, 7, 8, 9]
    assert rows[3][2] == NOT_IN_REGISTER
    assert "More than one building" in str(rows[2][1])


@pytest.mark.parametrize(("date1904", "serial"), [(False, 43831), (True, 42369)])
def test_unmatched_serial_date_written_as_date(
    service: InventoryImportService, tmp_path: Path, date1904: bool, serial: int
) -> None:
    workbook = openpyxl.Workbook()
    workbook.epoch = (
        openpyxl.utils.datetime.CALENDAR_MAC_1904
        if date1904
        else (openpyxl.utils.datetime.CALENDAR_WINDOWS_1900)
    )
    sheet = workbook.active
    sheet.append(["Tunnus", "Kuntoarvio pvm", "Kerrosala"])
    sheet.append([NOT_IN_REGISTER, serial, 43831])
    source = tmp_path / "tilat.xlsx"
    workbook.save(source)
    mapping = ColumnMapping(
        "x",
        {
            "Tunnus": "permanent_building_identifier",
            "Kuntoarvio pvm": "condition_date",
            "Kerrosala": "gross_floor_area",
        },
    )
    result = service.preview(read_table(source), mapping)
    path = tmp_path / "unmatched.xlsx"

    write_unmatched(path, result)

    written = openpyxl.load_workbook(path).active
    assert written.cell(2, 4).value == datetime.datetime(2020, 1, 1)
    assert written.cell(2, 4).is_date
    # A column that the mapping does not read as dates keeps its number.
    assert written.cell(2, 5).value == 43831


def test_rejected_file_leaves_database_unchanged(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    before = file_digest(database.path)
    lock = tmp_path / "~$tilat.xlsx"
    lock.write_bytes(b"\x05user")

    with pytest.raises(FileRejected):
        service.apply(read_table(lock), MAPPING)

    assert file_digest(database.path) == before


def test_csv_inventory_applied(
    database: Database, service: InventoryImportService, tmp_path: Path
) -> None:
    path = tmp_path / "tilat.csv"
    path.write_bytes(
        (
            "sep=;\r\nRakennustunnus;Kerrosala;Valmistunut kuntoarvio\r\n"
            f"{SCHOOL};1\u00a0234,5;5.3.2021\r\n"
        ).encode("cp1252")
    )
    mapping = ColumnMapping(
        "csv",
        {
            "Rakennustunnus": "permanent_building_identifier",
            "Kerrosala": "gross_floor_area",
            "Valmistunut kuntoarvio": "condition_date",
        },
    )

    service.apply(read_table(path, mapping.table_options()), mapping)

    school = building(database, SCHOOL)
    assert local(database, school, "gross_floor_area") == Decimal("1234.5")
    assert local(database, school, "condition_date") == PartialDate(2021, 3, 5)
