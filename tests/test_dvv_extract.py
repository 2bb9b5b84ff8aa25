"""Tests of the DVV extract workbook reader and of the fixture writer it is tested with."""

from __future__ import annotations

import logging
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from devtools.dvv_workbook import (
    APARTMENT_COUNT,
    COMPANY_BUSINESS_ID,
    ELEVATOR,
    HEATING_ENERGY_SOURCE,
    HEATING_METHOD,
    INVALID_BUSINESS_ID,
    MUNICIPALITY_BUSINESS_ID,
    R1_IDENTIFIER,
    R9_TITLE,
    SHELTER_SIZE,
    Address,
    Building,
    Owner,
    person_values,
    personal_identity_code,
    prt_with_wrong_check,
    resident_rows,
    sample_buildings,
    valid_prt,
    write_extract,
)
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import REGISTER_FIELD_NAMES
from tilaapp.sources.dvv_extract import (
    MAX_FILE_SIZE,
    DvvExtractReader,
    sheet_record_code,
    sniff_dvv_extract,
)
from tilaapp.sources.headers import BUILDING_HEADER_KEYS, header_key
from tilaapp.sources.records import (
    BuildingRecord,
    FileRejected,
    ProblemKind,
    RejectionReason,
    RowProblem,
    Severity,
)
from tilaapp.sources.workbook import OLE_MAGIC

R1_FIELDS = {
    "municipality_number",
    "building_status",
    "property_identifier",
    "property_name",
    "old_building_identifier",
    "unseparated_parcel_identifier",
    "postal_code",
    "completion_date",
    "site_tenure",
    "facade_material",
    "gross_floor_area",
    "number_of_storeys",
    "total_area",
    "volume",
    "basement_area",
    "usage_status",
    "usage_status_date",
    "use_class_1994",
    "has_sewer",
    "has_sewer_connection",
    "coordinate_north",
    "coordinate_east",
    "coordinate_accuracy",
    "building_class_2018",
}


def read_all(
    path: Path, municipalities: frozenset[str] | None = None
) -> tuple[DvvExtractReader, list[BuildingRecord]]:
    reader = DvvExtractReader(path, municipalities=municipalities)
    return reader, list(reader.read())


def by_identifier(records: list[BuildingRecord]) -> dict[str | None, BuildingRecord]:
    return {record.permanent_building_identifier: record for record in records}


def problems_of(reader: DvvExtractReader, kind: ProblemKind) -> list[RowProblem]:
    return [problem for problem in reader.problems if problem.kind is kind]


def rejection_of(path: Path) -> RejectionReason:
    with pytest.raises(FileRejected) as caught:
        DvvExtractReader(path).check()
    return caught.value.reason


@pytest.fixture
def sample_path(tmp_path: Path) -> Path:
    return write_extract(tmp_path / "extract.xlsx", sample_buildings())


# Headers


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Valmis-tumis-\npäivä", "valmistumispäivä"),
        ("Rakennus-\nLuokka", "rakennusluokka"),
        ("Kerros\u00adala", "kerrosala"),
        ("Kerrosala (m²)", "kerrosala"),
        ("Tilavuus, m3", "tilavuus"),
        ("  Y-tunnus ", "ytunnus"),
        ("Muuttuvan rak.tunnuksen kiinteistötunnus", "muuttuvanraktunnuksenkiinteistötunnus"),
        (None, ""),
    ],
)
def test_header_key_variants(header: object, key: str) -> None:
    assert header_key(header) == key


def test_header_aliases_name_register_fields() -> None:
    field_targets = {target for target in BUILDING_HEADER_KEYS.values() if isinstance(target, str)}
    assert field_targets <= set(REGISTER_FIELD_NAMES)


def test_read_hyphenated_headers_mapped(sample_path: Path) -> None:
    reader, records = read_all(sample_path)

    assert set(records[0].values) == R1_FIELDS
    assert problems_of(reader, ProblemKind.UNKNOWN_HEADER) == []


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("R1 rakennus", "R1"),
        ("r1_rakennus", "R1"),
        ("R1", "R1"),
        ("R10 muu", "R10"),
        ("Taul1", None),
    ],
)
def test_sheet_record_code(title: str, code: str | None) -> None:
    assert sheet_record_code(title) == code


@pytest.mark.parametrize("title", ["r1_rakennus", "R1", " R1 Rakennus"])
def test_read_building_sheet_title_variants(tmp_path: Path, title: str) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings(), sheet_titles={"R1": title})
    reader, records = read_all(path)

    assert len(records) == 9
    assert reader.skipped_sheets == []


def test_read_header_below_title_row(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings())
    workbook = openpyxl.load_workbook(path)
    workbook["R1 rakennus"].insert_rows(1)
    workbook["R1 rakennus"]["A1"] = "Rakennusrekisterin kuntaote"
    workbook.save(path)

    _, records = read_all(path)

    assert len(records) == 9
    assert records[0].row == 3


def test_read_unknown_header_reported(tmp_path: Path) -> None:
    building = Building(prt=valid_prt(1), extra={HEATING_METHOD: "1", "Mystinen\nsarake": "x"})
    reader, _ = read_all(write_extract(tmp_path / "x.xlsx", [building]))

    unknown = problems_of(reader, ProblemKind.UNKNOWN_HEADER)
    assert [problem.column for problem in unknown] == ["Mystinen\nsarake"]
    assert unknown[0].sheet == "R1 rakennus"
    assert unknown[0].row == 1
    assert unknown[0].severity is Severity.WARNING


def test_read_extra_register_columns_typed(tmp_path: Path) -> None:
    building = Building(
        prt=valid_prt(1),
        extra={
            HEATING_METHOD: "1",
            HEATING_ENERGY_SOURCE: "4",
            APARTMENT_COUNT: "12",
            ELEVATOR: "K",
            SHELTER_SIZE: "35,5",
        },
    )
    reader, records = read_all(write_extract(tmp_path / "x.xlsx", [building]))
    values = records[0].values

    assert values["heating_method"] == "1"
    assert values["heating_energy_source"] == "04"
    assert values["apartment_count"] == 12
    assert values["has_elevator"] is True
    assert values["civil_defence_shelter_size"] == Decimal("35.5")
    assert reader.problems == []


# Values


def test_read_values_typed(sample_path: Path) -> None:
    _, records = read_all(sample_path)
    values = by_identifier(records)[valid_prt(1)].values

    assert values["municipality_number"] == "398"
    assert values["property_identifier"] == "39840100010001"
    assert values["old_building_identifier"] == "39840100010001-001"
    assert values["gross_floor_area"] == Decimal("2450")
    assert values["number_of_storeys"] == 3
    assert values["has_sewer"] is True
    assert values["coordinate_north"] == Decimal("6762100")
    assert values["building_class_2018"] == "0110"
    assert values["unseparated_parcel_identifier"] is None


def test_read_decimal_area_and_grouped_text(sample_path: Path) -> None:
    _, records = read_all(sample_path)
    found = by_identifier(records)

    assert found[valid_prt(7)].values["gross_floor_area"] == Decimal("1450.5")
    assert found[valid_prt(2)].values["volume"] == Decimal("1640")


def test_read_partial_dates(sample_path: Path) -> None:
    _, records = read_all(sample_path)
    found = by_identifier(records)

    assert found[valid_prt(1)].values["completion_date"] == PartialDate(1925)
    assert found[valid_prt(2)].values["completion_date"] == PartialDate(1962, 8)
    assert found[valid_prt(7)].values["completion_date"] == PartialDate(2001, 1, 1)


def numeric_building() -> Building:
    return Building(
        prt=valid_prt(40),
        municipality="098",
        property_identifier="09800100010001",
        old_property_identifier="09800100010001",
        building_number="3",
        postal_code="04400",
        completion_date="19700101",
        usage_status="01",
        use_class_1994="041",
        building_class_2018="0110",
        facade_material="1",
        addresses=[Address("Koekatu", "7", 1, None, "04400", "JÄRVENPÄÄ", "TRÄSKÄNDA")],
    )


def test_writer_numeric_cells_are_numbers(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", [numeric_building()], numeric_cells=True)
    sheet = openpyxl.load_workbook(path)["R1 rakennus"]

    assert sheet["B2"].value == 98
    assert sheet["D2"].value == 9800100010001
    assert sheet["K2"].value == 19700101


def test_read_numeric_cells_normalised(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", [numeric_building()], numeric_cells=True)
    reader, records = read_all(path)
    values = records[0].values

    assert values["municipality_number"] == "098"
    assert values["property_identifier"] == "09800100010001"
    assert values["old_building_identifier"] == "09800100010001-003"
    assert values["postal_code"] == "04400"
    assert values["completion_date"] == PartialDate(1970, 1, 1)
    assert values["usage_status"] == "01"
    assert values["use_class_1994"] == "041"
    assert values["building_class_2018"] == "0110"
    assert values["facade_material"] == "1"
    assert records[0].addresses[0].postal_code == "04400"
    assert records[0].addresses[0].house_number == "7"
    assert reader.problems == []


@pytest.mark.parametrize("numeric_cells", [False, True])
def test_read_empty_markers(tmp_path: Path, numeric_cells: bool) -> None:
    building = Building(
        prt=valid_prt(41),
        postal_code="00000",
        use_class_1994="000",
        facade_material=" ",
        completion_date="00000000",
    )
    path = write_extract(tmp_path / "x.xlsx", [building], numeric_cells=numeric_cells)
    reader, records = read_all(path)
    values = records[0].values

    assert values["postal_code"] is None
    assert values["use_class_1994"] is None
    assert values["facade_material"] is None
    assert values["completion_date"] is None
    assert reader.problems == []


def test_read_municipality_000_empty(tmp_path: Path) -> None:
    building = Building(prt=valid_prt(42), municipality="000")
    reader, records = read_all(write_extract(tmp_path / "x.xlsx", [building]))

    assert records[0].values["municipality_number"] is None
    assert reader.problems == []


# Addresses and owners


def test_read_several_addresses(sample_path: Path) -> None:
    _, records = read_all(sample_path)
    addresses = by_identifier(records)[valid_prt(6)].addresses

    assert [address.address_number for address in addresses] == [1, 2, 3]
    assert [address.house_number for address in addresses] == ["6", "8", "9"]
    assert addresses[0].street_name_fi == "Mallikuja"
    assert addresses[0].street_name_sv == "Modellgränden"
    assert addresses[0].postal_code == "15110"
    assert addresses[0].post_office_sv == "LAHTIS"


def test_read_owners_persons_and_organisations(sample_path: Path) -> None:
    _, records = read_all(sample_path)
    found = by_identifier(records)
    owners = found[valid_prt(2)].owners

    assert [owner.is_person for owner in owners] == [True, False]
    assert owners[0].business_id is None
    assert owners[0].owner_type == "1"
    assert owners[1].business_id == COMPANY_BUSINESS_ID
    assert found[valid_prt(1)].owners[0].business_id == MUNICIPALITY_BUSINESS_ID


def test_read_foreign_person_is_person(sample_path: Path) -> None:
    _, records = read_all(sample_path)
    owners = by_identifier(records)[valid_prt(6)].owners

    assert [owner.is_person for owner in owners] == [True, True]


def test_read_invalid_business_id_warned(sample_path: Path) -> None:
    reader, records = read_all(sample_path)
    owner = by_identifier(records)[valid_prt(3)].owners[0]
    problems = problems_of(reader, ProblemKind.INVALID_BUSINESS_ID)

    assert owner.is_person is False
    assert owner.business_id is None
    assert len(problems) == 1
    assert problems[0].value == INVALID_BUSINESS_ID
    assert problems[0].severity is Severity.WARNING


def test_read_person_with_business_id_keeps_none(tmp_path: Path) -> None:
    owner = Owner(
        business_id=COMPANY_BUSINESS_ID,
        personal_identity_code=personal_identity_code("010190", 990),
        name="Toiminimi Teppo Keksitty",
    )
    building = Building(prt=valid_prt(43), owners=[owner])
    _, records = read_all(write_extract(tmp_path / "x.xlsx", [building]))

    assert records[0].owners[0].is_person is True
    assert records[0].owners[0].business_id is None


def test_no_person_data_in_records_problems_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    buildings = sample_buildings()
    # A person's row with problems: on an unknown building and with a malformed identifier.
    stray_owner = Owner(
        personal_identity_code=personal_identity_code("311299", 955),
        name="Hukassa Helena Keksitty",
        home_address="Olematon polku 1",
    )
    buildings.append(Building(prt=valid_prt(60), on_building_sheet=False, owners=[stray_owner]))
    buildings.append(Building(prt="1X", on_building_sheet=False, owners=[stray_owner]))
    path = write_extract(tmp_path / "x.xlsx", buildings, extra_sheets={R9_TITLE: resident_rows()})

    with caplog.at_level(logging.DEBUG):
        reader, records = read_all(path)
    texts = [repr(record) for record in records]
    texts += [repr(problem) + problem.message() for problem in reader.problems]
    texts.append(caplog.text)
    haystack = "\n".join(texts)

    secrets = person_values(buildings) | {str(cell) for cell in resident_rows()[1][6:10]}
    assert len(secrets) >= 10
    assert "RIVITALO" in haystack  # control: a non-person value is found by the search
    for secret in sorted(secrets):
        assert secret not in haystack, f"person value {secret!r} leaked"


def test_person_row_problem_without_value(tmp_path: Path) -> None:
    owner = Owner(personal_identity_code=personal_identity_code("010190", 991), name="X Y")
    building = Building(prt=valid_prt(61), on_building_sheet=False, owners=[owner])
    reader, _ = read_all(write_extract(tmp_path / "x.xlsx", [Building(prt=valid_prt(1)), building]))
    problems = problems_of(reader, ProblemKind.UNKNOWN_BUILDING)

    assert len(problems) == 1
    assert problems[0].sheet == "R4 omistaja"
    assert problems[0].row == 2
    assert problems[0].column == "Rakennustunnus"
    assert problems[0].value is None


def test_organisation_row_problem_keeps_value(tmp_path: Path) -> None:
    owner = Owner(business_id=COMPANY_BUSINESS_ID, owner_type="2")
    building = Building(prt=valid_prt(62), on_building_sheet=False, owners=[owner])
    reader, _ = read_all(write_extract(tmp_path / "x.xlsx", [Building(prt=valid_prt(1)), building]))
    problems = problems_of(reader, ProblemKind.UNKNOWN_BUILDING)

    assert [problem.value for problem in problems] == [valid_prt(62)]


# Row problems


def test_read_address_unknown_building(tmp_path: Path) -> None:
    stray = Building(
        prt=valid_prt(50), on_building_sheet=False, addresses=[Address("Harhakatu", "1")]
    )
    path = write_extract(tmp_path / "x.xlsx", [Building(prt=valid_prt(1)), stray])
    reader, records = read_all(path)
    problems = problems_of(reader, ProblemKind.UNKNOWN_BUILDING)

    assert len(records) == 1
    assert len(problems) == 1
    assert problems[0].sheet == "R3 osoite"
    assert problems[0].row == 2
    assert problems[0].value == valid_prt(50)
    assert problems[0].params == {"identifier": valid_prt(50)}


def test_read_malformed_identifier_with_old_identifier(sample_path: Path) -> None:
    reader, records = read_all(sample_path)
    kept = [record for record in records if record.permanent_building_identifier is None]
    problems = problems_of(reader, ProblemKind.MALFORMED_IDENTIFIER)

    assert [record.old_building_identifier for record in kept] == ["39840100040001-002"]
    assert len(problems) == 1
    assert problems[0].value == "1234X"
    assert problems[0].row == 5
    assert problems[0].column == R1_IDENTIFIER
    assert problems[0].severity is Severity.ERROR


def test_read_malformed_identifier_without_old_skipped(tmp_path: Path) -> None:
    building = Building(prt="12345678", old_property_identifier=None)
    path = write_extract(tmp_path / "x.xlsx", [building, Building(prt=valid_prt(1))])
    reader, records = read_all(path)

    assert [record.row for record in records] == [3]
    assert [problem.kind for problem in reader.problems] == [
        ProblemKind.MALFORMED_IDENTIFIER,
        ProblemKind.NO_IDENTIFIER,
    ]


def test_read_check_character_failed_stored(sample_path: Path) -> None:
    reader, records = read_all(sample_path)
    wrong = prt_with_wrong_check(5)
    problems = problems_of(reader, ProblemKind.CHECK_CHARACTER_FAILED)

    assert wrong in by_identifier(records)
    assert len(problems) == 1
    assert problems[0].params == {"expected": valid_prt(5)[-1]}
    assert problems[0].severity is Severity.WARNING


def test_read_unknown_code_stored(sample_path: Path) -> None:
    reader, records = read_all(sample_path)
    problems = problems_of(reader, ProblemKind.UNKNOWN_CODE)

    assert by_identifier(records)[valid_prt(3)].values["use_class_1994"] == "998"
    assert len(problems) == 1
    assert problems[0].params == {"code": "998", "code_list": "use_class_1994"}
    assert problems[0].column == "Käyttö-tarkoitus"


def test_read_invalid_number_and_date(tmp_path: Path) -> None:
    building = Building(prt=valid_prt(44), gross_floor_area="paljon", completion_date="19991340")
    reader, records = read_all(write_extract(tmp_path / "x.xlsx", [building]))
    values = records[0].values

    assert "gross_floor_area" not in values
    assert "completion_date" not in values
    assert [problem.kind for problem in reader.problems] == [
        ProblemKind.INVALID_DATE,
        ProblemKind.INVALID_NUMBER,
    ]
    assert reader.problems[1].value == "paljon"
    assert reader.problems[1].column == "Kerros-ala"


def test_read_unknown_municipality_stored(tmp_path: Path) -> None:
    building = Building(prt=valid_prt(45), municipality="999")
    reader, records = read_all(write_extract(tmp_path / "x.xlsx", [building]))

    assert records[0].municipality_number == "999"
    assert [problem.kind for problem in reader.problems] == [ProblemKind.UNKNOWN_MUNICIPALITY]


def test_read_merged_municipality_warned(tmp_path: Path) -> None:
    # Honkajoki (099) was joined to Kankaanpää (214) in 2021.
    building = Building(prt=valid_prt(46), municipality="99")
    path = write_extract(tmp_path / "x.xlsx", [building], numeric_cells=True)
    reader, records = read_all(path)

    assert records[0].municipality_number == "099"
    assert [problem.kind for problem in reader.problems] == [ProblemKind.MERGED_MUNICIPALITY]
    assert reader.problems[0].params["new_code"] == "214"
    assert reader.problems[0].params["year"] == "2021"


def test_read_duplicate_identifier_skipped(tmp_path: Path) -> None:
    buildings = [
        Building(prt=valid_prt(1), property_name="ENSIMMÄINEN"),
        Building(prt=valid_prt(1), property_name="TOINEN"),
    ]
    reader, records = read_all(write_extract(tmp_path / "x.xlsx", buildings))
    problems = problems_of(reader, ProblemKind.DUPLICATE_IDENTIFIER)

    assert [record.values["property_name"] for record in records] == ["ENSIMMÄINEN"]
    assert len(problems) == 1
    assert problems[0].row == 3
    assert problems[0].params == {"identifier": valid_prt(1), "first_row": "2"}


def test_read_duplicate_old_identifier_skipped(tmp_path: Path) -> None:
    buildings = [
        Building(prt=None, old_property_identifier="39840100090001"),
        Building(prt=None, old_property_identifier="39840100090001"),
    ]
    reader, records = read_all(write_extract(tmp_path / "x.xlsx", buildings))

    assert len(records) == 1
    assert [problem.kind for problem in reader.problems] == [ProblemKind.DUPLICATE_IDENTIFIER]


def test_read_municipality_filter(sample_path: Path) -> None:
    reader, records = read_all(sample_path, municipalities=frozenset({"560"}))

    assert [record.permanent_building_identifier for record in records] == [valid_prt(9)]
    assert reader.filtered_out == 8
    assert reader.problems == []


def test_read_municipality_filter_normalises_codes(tmp_path: Path) -> None:
    buildings = [numeric_building(), Building(prt=valid_prt(1))]
    path = write_extract(tmp_path / "x.xlsx", buildings)
    reader, records = read_all(path, municipalities=frozenset({"98"}))

    assert [record.municipality_number for record in records] == ["098"]
    assert reader.filtered_out == 1


def test_read_counts_and_rows(sample_path: Path) -> None:
    reader, records = read_all(sample_path)

    assert reader.rows_read == {"R3 osoite": 9, "R4 omistaja": 8, "R1 rakennus": 9}
    assert [record.row for record in records] == list(range(2, 11))
    assert reader.extraction_date is None


def test_read_blank_rows_skipped(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", [Building(prt=valid_prt(1))])
    workbook = openpyxl.load_workbook(path)
    workbook["R1 rakennus"]["A3"] = " "
    workbook["R1 rakennus"].append([valid_prt(2), "398"])
    workbook.save(path)

    reader, records = read_all(path)

    assert [record.row for record in records] == [2, 4]
    assert reader.rows_read["R1 rakennus"] == 2


# Skipped sheets


def plant_parse_trap(path: Path, sheet_index: int, value: str = "not-a-number") -> None:
    """Make the rows of one sheet fail to parse: a number cell whose ``value`` is not a number.

    The XML stays well formed, so only reading the sheet's rows fails.
    """
    part = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    trap = f'<row r="99"><c r="A99" t="n"><v>{value}</v></c></row></sheetData>'.encode()
    assert b"</sheetData>" in contents[part]
    contents[part] = contents[part].replace(b"</sheetData>", trap)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


def test_parse_trap_fails_when_read(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", [], extra_sheets={R9_TITLE: resident_rows()})
    plant_parse_trap(path, 4)
    workbook = openpyxl.load_workbook(path, read_only=True)

    with pytest.raises(ValueError):
        list(workbook[R9_TITLE].iter_rows(values_only=True))
    workbook.close()


def test_read_never_reads_skipped_sheet(tmp_path: Path) -> None:
    path = write_extract(
        tmp_path / "x.xlsx", sample_buildings(), extra_sheets={R9_TITLE: resident_rows()}
    )
    plant_parse_trap(path, 4)

    reader, records = read_all(path)

    assert reader.skipped_sheets == [R9_TITLE]
    assert len(records) == 9
    assert R9_TITLE not in reader.rows_read


def test_read_damaged_building_sheet_rejected(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings())
    plant_parse_trap(path, 1)
    reader = DvvExtractReader(path)
    reader.check()

    with pytest.raises(FileRejected) as caught:
        list(reader.read())

    assert caught.value.reason is RejectionReason.UNREADABLE
    assert "not-a-number" in caught.value.params["detail"]


def test_read_damaged_owner_sheet_redacted(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings())
    plant_parse_trap(path, 3, value="Salainen Sanna")

    with pytest.raises(FileRejected) as caught:
        list(DvvExtractReader(path).read())

    assert caught.value.reason is RejectionReason.UNREADABLE
    assert "Salainen" not in caught.value.message()
    assert "Salainen" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_read_skips_other_sheets(tmp_path: Path) -> None:
    extra = {"Ohje": [["Lue minut"]], "R2 huoneisto": [["Rakennustunnus"]]}
    path = write_extract(tmp_path / "x.xlsx", sample_buildings(), extra_sheets=extra)
    reader, _ = read_all(path)

    assert reader.skipped_sheets == ["Ohje", "R2 huoneisto"]


# File-level rejections


def test_reject_not_found(tmp_path: Path) -> None:
    assert rejection_of(tmp_path / "missing.xlsx") is RejectionReason.NOT_FOUND


def test_reject_over_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as file:
        file.truncate(MAX_FILE_SIZE + 1024 * 1024)

    assert rejection_of(path) is RejectionReason.TOO_LARGE


def test_reject_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    path.touch()

    assert rejection_of(path) is RejectionReason.EMPTY


def test_reject_text_file(tmp_path: Path) -> None:
    path = tmp_path / "extract.xlsx"
    path.write_text("Rakennustunnus;Sijaintikunta\n100000001F;398\n", encoding="utf-8")

    assert rejection_of(path) is RejectionReason.NOT_A_WORKBOOK


def test_reject_zip_without_workbook(tmp_path: Path) -> None:
    path = tmp_path / "extract.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "no workbook here")

    assert rejection_of(path) is RejectionReason.NOT_A_WORKBOOK


def test_reject_ole_file(tmp_path: Path) -> None:
    path = tmp_path / "protected.xlsx"
    path.write_bytes(OLE_MAGIC + bytes(504))

    assert rejection_of(path) is RejectionReason.PASSWORD_PROTECTED


def test_reject_no_building_sheet(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings(), include_r1=False)

    assert rejection_of(path) is RejectionReason.NO_BUILDING_SHEET


def test_reject_r10_not_building_sheet(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings(), sheet_titles={"R1": "R10 x"})

    assert rejection_of(path) is RejectionReason.NO_BUILDING_SHEET


def test_reject_no_identifier_column(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings(), omit_columns={R1_IDENTIFIER})

    assert rejection_of(path) is RejectionReason.NO_IDENTIFIER_COLUMN


def test_reject_damaged_zip_member(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings())
    with zipfile.ZipFile(path) as archive:
        member = archive.getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    # The member's data follows its 30-byte local header, name and extra field.
    start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    middle = start + member.compress_size // 2
    data[middle : middle + 16] = bytes(16)
    path.write_bytes(bytes(data))

    with pytest.raises(FileRejected) as caught:
        DvvExtractReader(path).check()

    assert caught.value.reason is RejectionReason.UNREADABLE
    assert "sheet1.xml" in caught.value.params["detail"]


def test_read_rejects_before_first_record(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "x.xlsx", sample_buildings(), include_r1=False)
    records = DvvExtractReader(path).read()

    with pytest.raises(FileRejected):
        next(records)


def test_read_extension_not_trusted(tmp_path: Path) -> None:
    path = write_extract(tmp_path / "extract.dat", sample_buildings())

    _, records = read_all(path)

    assert len(records) == 9


# Sniffing


def test_sniff_extract_with_other_extension(tmp_path: Path) -> None:
    assert sniff_dvv_extract(write_extract(tmp_path / "extract.dat", sample_buildings()))


@pytest.mark.parametrize("kind", ["text", "empty", "no_r1", "missing"])
def test_sniff_rejects_non_extracts(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "file.xlsx"
    if kind == "text":
        path.write_text("Rakennustunnus\n", encoding="utf-8")
    elif kind == "empty":
        path.touch()
    elif kind == "no_r1":
        write_extract(path, sample_buildings(), include_r1=False)

    assert sniff_dvv_extract(path) is False
