"""Tests of the reader of Ryhti open building data (GeoJSON), with real Helsinki rows."""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from devtools.ryhti_geojson import (
    FACADE_MATERIAL_LIST,
    HEATING_ENERGY_SOURCE_LIST,
    HEATING_METHOD_LIST,
    MAIN_PURPOSE_LIST,
    TM35FIN_NAME,
    TM35FIN_URI,
    HelsinkiRow,
    address_properties,
    building_properties,
    code_uri,
    crs_member,
    feature,
    feature_collection,
    helsinki_address_key,
    prt_with_wrong_check,
    read_helsinki_rows,
    valid_prt,
    write_collection,
    write_helsinki_collections,
)
from tilaapp.domain.coordinates import wgs84_to_tm35fin
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import Source
from tilaapp.sources import ryhti
from tilaapp.sources.records import (
    BuildingRecord,
    FileRejected,
    ProblemKind,
    RejectionReason,
    RowProblem,
    Severity,
)
from tilaapp.sources.ryhti import RyhtiReader, sniff_ryhti, split_street_address

HELSINKI_CSV = Path(__file__).parent / "data" / "ryhti_helsinki_sample.csv"
HELSINKI_ROW_COUNT = 52
# A box around the city of Helsinki in ETRS-TM35FIN, metres, with a margin.
HELSINKI_EAST = (370_000, 405_000)
HELSINKI_NORTH = (6_660_000, 6_690_000)

KEY_A = "0b6c2a4e-1111-4c3b-9a55-000000000001"
KEY_B = "0b6c2a4e-1111-4c3b-9a55-000000000002"
KEY_C = "0b6c2a4e-1111-4c3b-9a55-000000000003"
PRT_A = valid_prt(103000001)
PRT_B = valid_prt(103000002)
PRT_C = valid_prt(103000003)
HELSINKI_POINT = (Decimal("24.94182825"), Decimal("60.1711984"))


# Helpers


def write_buildings(
    path: Path,
    features: Sequence[Mapping[str, object]],
    *,
    crs: object = None,
    members_before: Mapping[str, object] | None = None,
    members_after: Mapping[str, object] | None = None,
) -> Path:
    collection = feature_collection(
        features, crs=crs, members_before=members_before, members_after=members_after
    )
    return write_collection(path, collection)


def building(
    identifier: str | None = PRT_A,
    key: str = KEY_A,
    point: Sequence[float | Decimal] | None = HELSINKI_POINT,
    **overrides: object,
) -> dict[str, object]:
    return feature(building_properties(identifier, key, **overrides), point)


def address(key: str, address_key: str, text: str | None, **overrides: object) -> dict[str, object]:
    return feature(address_properties(key, address_key, text, **overrides))


def read_all(
    paths: Sequence[Path], municipalities: frozenset[str] | None = None
) -> tuple[RyhtiReader, list[BuildingRecord]]:
    reader = RyhtiReader(paths, municipalities=municipalities)
    return reader, list(reader.read())


def problems_of(reader: RyhtiReader, kind: ProblemKind) -> list[RowProblem]:
    return [problem for problem in reader.problems if problem.kind is kind]


def rejection_of(paths: Sequence[Path]) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        RyhtiReader(paths).check()
    return caught.value


def by_identifier(records: list[BuildingRecord]) -> dict[str | None, BuildingRecord]:
    return {record.permanent_building_identifier: record for record in records}


@pytest.fixture
def helsinki_rows() -> list[HelsinkiRow]:
    return read_helsinki_rows(HELSINKI_CSV)


@pytest.fixture
def helsinki_records(
    helsinki_rows: list[HelsinkiRow], tmp_path: Path
) -> tuple[RyhtiReader, list[BuildingRecord]]:
    buildings, addresses = write_helsinki_collections(helsinki_rows, tmp_path)
    return read_all([addresses, buildings])


# The Helsinki sample


def test_helsinki_reads_every_row(
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    reader, records = helsinki_records

    assert len(records) == HELSINKI_ROW_COUNT
    assert reader.rows_read["open_building_wgs84.geojson"] == HELSINKI_ROW_COUNT
    assert [problem for problem in reader.problems if problem.severity is Severity.ERROR] == []


def test_helsinki_identifiers_and_quantities(
    helsinki_rows: list[HelsinkiRow],
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    _reader, records = helsinki_records

    for row, record in zip(helsinki_rows, records, strict=True):
        assert record.permanent_building_identifier == row.permanent_building_identifier
        assert record.values["gross_floor_area"] == Decimal(row.gross_floor_area), row.rank
        assert record.values["volume"] == Decimal(row.volume), row.rank
        assert record.values["number_of_storeys"] == row.number_of_storeys, row.rank


def test_helsinki_value_types(
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    _reader, records = helsinki_records

    for record in records:
        assert isinstance(record.values["gross_floor_area"], Decimal)
        assert isinstance(record.values["volume"], Decimal)
        assert record.values["number_of_storeys"] is None or isinstance(
            record.values["number_of_storeys"], int
        )
        assert record.source is Source.RYHTI


def test_helsinki_other_values(
    helsinki_rows: list[HelsinkiRow],
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    _reader, records = helsinki_records

    for row, record in zip(helsinki_rows, records, strict=True):
        expected_date = (
            None if row.completion_date is None else (PartialDate.from_iso(row.completion_date))
        )
        assert record.values["completion_date"] == expected_date, row.rank
        assert record.values["apartment_count"] == row.apartment_count, row.rank
        assert record.values["property_identifier"] == row.property_identifier, row.rank
        assert record.municipality_number == "091", row.rank
        assert record.row == row.rank


def test_helsinki_coordinates_in_helsinki(
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    _reader, records = helsinki_records

    for record in records:
        east = record.values["coordinate_east"]
        north = record.values["coordinate_north"]
        assert HELSINKI_EAST[0] < east < HELSINKI_EAST[1], record.row
        assert HELSINKI_NORTH[0] < north < HELSINKI_NORTH[1], record.row
        assert east == east.quantize(Decimal("0.001"))


def test_helsinki_tm35_file_same_coordinates(
    helsinki_rows: list[HelsinkiRow],
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
    tmp_path: Path,
) -> None:
    _reader, records = helsinki_records
    buildings, addresses = write_helsinki_collections(helsinki_rows, tmp_path, tm35=True)

    _tm35_reader, tm35_records = read_all([buildings, addresses])

    for wgs84, tm35 in zip(records, tm35_records, strict=True):
        assert abs(wgs84.values["coordinate_east"] - tm35.values["coordinate_east"]) <= Decimal(
            "0.001"
        )
        assert abs(wgs84.values["coordinate_north"] - tm35.values["coordinate_north"]) <= Decimal(
            "0.001"
        )


def test_helsinki_addresses(
    helsinki_rows: list[HelsinkiRow],
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    _reader, records = helsinki_records

    for row, record in zip(helsinki_rows, records, strict=True):
        expected = sorted(split_street_address(text) for text in row.addresses)
        found = sorted((item.street_name_fi, item.house_number) for item in record.addresses)
        assert found == expected, row.rank
        numbers = [item.address_number for item in record.addresses]
        assert numbers == list(range(1, len(row.addresses) + 1)), row.rank


def test_helsinki_address_numbers_follow_keys(
    helsinki_rows: list[HelsinkiRow],
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    _reader, records = helsinki_records
    row, record = helsinki_rows[4], records[4]
    keys = [helsinki_address_key(row, index) for index in range(len(row.addresses))]
    in_key_order = [split_street_address(row.addresses[keys.index(key)]) for key in sorted(keys)]

    found = [(item.street_name_fi, item.house_number) for item in record.addresses]

    assert found == in_key_order


def test_helsinki_file_states_no_date_or_paging(
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
) -> None:
    reader, _records = helsinki_records

    assert reader.extraction_date is None
    assert reader.page_complete is True
    assert reader.skipped_sheets == []
    assert reader.filtered_out == 0


def test_helsinki_sniff(helsinki_rows: list[HelsinkiRow], tmp_path: Path) -> None:
    buildings, addresses = write_helsinki_collections(helsinki_rows, tmp_path)

    assert sniff_ryhti(buildings) is True
    assert sniff_ryhti(addresses) is True


# Values and codes


def test_values_typed(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building()])

    _reader, [record] = read_all([path])

    assert record.values["gross_floor_area"] == Decimal("3450.5")
    assert record.values["floor_area"] == Decimal("2980.25")
    assert record.values["total_area"] == Decimal(3600)
    assert record.values["number_of_storeys"] == 5
    assert record.values["apartment_count"] == 40
    assert record.values["is_accessible"] is True
    assert record.values["is_protected"] is False
    assert record.values["completion_date"] == PartialDate(1975, 12, 31)
    assert record.values["demolition_date"] is None
    assert record.values["construction_method"] is None


def test_values_codes_from_uris(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building()])

    reader, [record] = read_all([path])

    assert record.values["main_purpose_open"] == "06"
    assert record.values["usage_status"] == "01"
    assert record.values["heating_method"] == "01"
    assert record.values["heating_energy_source"] == "01"
    assert record.values["facade_material"] == "02"
    assert record.values["material_of_load_bearing_structures"] == "01"
    assert reader.problems == []


def test_values_absent_property_absent_field(tmp_path: Path) -> None:
    properties = building_properties(PRT_A, KEY_A)
    del properties["volume"]
    path = write_buildings(tmp_path / "b.geojson", [feature(properties, HELSINKI_POINT)])

    _reader, [record] = read_all([path])

    assert "volume" not in record.values


def test_values_datetime_date(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson", [building(completion_date="2001-05-06T00:00:00Z")]
    )

    _reader, [record] = read_all([path])

    assert record.values["completion_date"] == PartialDate(2001, 5, 6)


def test_values_invalid_date(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(completion_date="31.02.2001x")])

    reader, [record] = read_all([path])

    assert "completion_date" not in record.values
    [problem] = problems_of(reader, ProblemKind.INVALID_DATE)
    assert problem.column == "completion_date"
    assert problem.value == "31.02.2001x"


def test_values_invalid_number(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(volume="many")])

    reader, [record] = read_all([path])

    assert "volume" not in record.values
    assert [problem.column for problem in problems_of(reader, ProblemKind.INVALID_NUMBER)] == [
        "volume"
    ]


def test_code_of_other_list_not_read(tmp_path: Path) -> None:
    wrong = code_uri(HEATING_ENERGY_SOURCE_LIST, "01")
    path = write_buildings(tmp_path / "b.geojson", [building(heating_method=wrong)])

    reader, [record] = read_all([path])

    assert "heating_method" not in record.values
    [problem] = problems_of(reader, ProblemKind.INVALID_VALUE)
    assert problem.severity is Severity.ERROR
    assert problem.column == "heating_method"
    assert problem.value == wrong


def test_code_of_unknown_list_not_read(tmp_path: Path) -> None:
    wrong = "http://uri.suomi.fi/codelist/rytj/no_such_list/code/01"
    path = write_buildings(tmp_path / "b.geojson", [building(facade_material=wrong)])

    reader, [record] = read_all([path])

    assert "facade_material" not in record.values
    assert len(problems_of(reader, ProblemKind.INVALID_VALUE)) == 1


def test_code_unknown_kept_with_warning(tmp_path: Path) -> None:
    unknown = code_uri(FACADE_MATERIAL_LIST, "42")
    path = write_buildings(tmp_path / "b.geojson", [building(facade_material=unknown)])

    reader, [record] = read_all([path])

    assert record.values["facade_material"] == "42"
    [problem] = problems_of(reader, ProblemKind.UNKNOWN_CODE)
    assert problem.severity is Severity.WARNING
    assert problem.params == {"code": "42", "code_list": "ryhti_facade_material"}


def test_code_bare_gets_leading_zero(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(heating_method="3")])

    _reader, [record] = read_all([path])

    assert record.values["heating_method"] == "03"


def test_main_purpose_other_list_not_read(tmp_path: Path) -> None:
    building_class = "http://uri.suomi.fi/codelist/jhs/rakennus_1_20180712/code/0110"
    path = write_buildings(tmp_path / "b.geojson", [building(main_purpose=building_class)])

    reader, [record] = read_all([path])

    assert "main_purpose_open" not in record.values
    assert len(problems_of(reader, ProblemKind.INVALID_VALUE)) == 1


def test_main_purpose_open_list(tmp_path: Path) -> None:
    purpose = code_uri(MAIN_PURPOSE_LIST, "07")
    path = write_buildings(tmp_path / "b.geojson", [building(main_purpose=purpose)])

    _reader, [record] = read_all([path])

    assert record.values["main_purpose_open"] == "07"


@pytest.mark.parametrize(
    "value",
    [91, "91", "091", "http://uri.suomi.fi/codelist/jhs/kunta_1_20230101/code/091"],
)
def test_municipality_forms(tmp_path: Path, value: object) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(municipality_number=value)])

    reader, [record] = read_all([path])

    assert record.municipality_number == "091"
    assert reader.problems == []


def test_municipality_unknown_warning(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(municipality_number="999")])

    reader, [record] = read_all([path])

    assert record.municipality_number == "999"
    [problem] = problems_of(reader, ProblemKind.UNKNOWN_MUNICIPALITY)
    assert problem.severity is Severity.WARNING
    assert problem.params == {"code": "999"}


def test_municipality_merged_warning(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(municipality_number="099")])

    reader, [record] = read_all([path])

    assert record.municipality_number == "099"
    [problem] = problems_of(reader, ProblemKind.MERGED_MUNICIPALITY)
    assert problem.params["new_code"] == "214"


def test_municipality_uri_of_other_list(tmp_path: Path) -> None:
    uri = code_uri(HEATING_METHOD_LIST, "091")
    path = write_buildings(tmp_path / "b.geojson", [building(municipality_number=uri)])

    reader, [record] = read_all([path])

    assert record.municipality_number is None
    assert len(problems_of(reader, ProblemKind.INVALID_VALUE)) == 1


def test_property_identifier_invalid(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(property_identifier="12-x")])

    reader, [record] = read_all([path])

    assert "property_identifier" not in record.values
    assert [problem.column for problem in problems_of(reader, ProblemKind.INVALID_VALUE)] == [
        "property_identifier"
    ]


def test_extraction_date_newest_timestamp(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [
            building(PRT_A, KEY_A, modified_timestamp_utc="2024-05-02T08:15:30Z"),
            building(PRT_B, KEY_B, modified_timestamp_utc="2025-01-31T23:59:59Z"),
            building(PRT_C, KEY_C, modified_timestamp_utc="2023-11-11T10:00:00Z"),
        ],
    )

    reader, _records = read_all([path])

    assert reader.extraction_date == datetime.date(2025, 1, 31)


def test_extraction_date_invalid_timestamp(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(modified_timestamp_utc="yesterday")])

    reader, [_record] = read_all([path])

    assert reader.extraction_date is None
    [problem] = problems_of(reader, ProblemKind.INVALID_DATE)
    assert problem.column == "modified_timestamp_utc"


def test_unknown_property_reported_once(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building(PRT_A, KEY_A, roof_colour="red"), building(PRT_B, KEY_B, roof_colour="blue")],
    )

    reader, records = read_all([path])

    assert len(records) == 2
    [problem] = problems_of(reader, ProblemKind.UNKNOWN_HEADER)
    assert problem.column == "roof_colour"
    assert problem.severity is Severity.WARNING


# Identifiers


def test_identifier_malformed_skipped(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson", [building(PRT_A, KEY_A), building("12345", KEY_B)]
    )

    reader, records = read_all([path])

    assert [record.permanent_building_identifier for record in records] == [PRT_A]
    [problem] = problems_of(reader, ProblemKind.MALFORMED_IDENTIFIER)
    assert problem.severity is Severity.ERROR
    assert problem.row == 2
    assert problem.value == "12345"
    assert problem.file == "b.geojson"


def test_identifier_missing_skipped(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(None, KEY_A)])

    reader, records = read_all([path])

    assert records == []
    [problem] = problems_of(reader, ProblemKind.NO_IDENTIFIER)
    assert problem.column == "permanent_building_identifier"


def test_identifier_failed_check_kept(tmp_path: Path) -> None:
    wrong = prt_with_wrong_check(103000001)
    path = write_buildings(tmp_path / "b.geojson", [building(wrong, KEY_A)])

    reader, [record] = read_all([path])

    assert record.permanent_building_identifier == wrong
    [problem] = problems_of(reader, ProblemKind.CHECK_CHARACTER_FAILED)
    assert problem.severity is Severity.WARNING
    assert problem.params == {"expected": PRT_A[-1]}


def test_identifier_lower_case_normalised(tmp_path: Path) -> None:
    identifier = valid_prt(103201974)
    path = write_buildings(tmp_path / "b.geojson", [building(identifier.lower(), KEY_A)])

    _reader, [record] = read_all([path])

    assert record.permanent_building_identifier == identifier


def test_identifier_duplicate_across_files(tmp_path: Path) -> None:
    first = write_buildings(tmp_path / "page1.geojson", [building(PRT_A, KEY_A)])
    second = write_buildings(tmp_path / "page2.geojson", [building(PRT_A, KEY_B)])

    reader, records = read_all([first, second])

    assert len(records) == 1
    [problem] = problems_of(reader, ProblemKind.DUPLICATE_IDENTIFIER)
    assert problem.file == "page2.geojson"
    assert problem.params == {"identifier": PRT_A, "first_row": "page1.geojson: 1"}


# Features without properties and coordinates


def test_feature_without_properties_skipped(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building(PRT_A, KEY_A), feature(None, HELSINKI_POINT), building(PRT_B, KEY_B)],
    )

    reader, records = read_all([path])

    assert len(records) == 2
    [problem] = problems_of(reader, ProblemKind.NO_PROPERTIES)
    assert problem.row == 2
    assert problem.severity is Severity.ERROR
    assert reader.rows_read == {"b.geojson": 3}


def test_coordinates_outside_finland_wgs84(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(point=(10.75, 59.91))])

    reader, [record] = read_all([path])

    assert "coordinate_east" not in record.values
    assert "coordinate_north" not in record.values
    [problem] = problems_of(reader, ProblemKind.COORDINATES_OUTSIDE_FINLAND)
    assert problem.severity is Severity.ERROR
    assert problem.params == {"x": "10.75", "y": "59.91"}
    assert problem.column == "geometry"


def test_coordinates_outside_finland_tm35(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building(point=(2_000_000, 6_700_000))],
        crs=crs_member(TM35FIN_NAME),
    )

    reader, [record] = read_all([path])

    assert "coordinate_east" not in record.values
    assert len(problems_of(reader, ProblemKind.COORDINATES_OUTSIDE_FINLAND)) == 1


def test_coordinates_degrees_declared_as_tm35(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building()], crs=crs_member(TM35FIN_NAME))

    reader, [record] = read_all([path])

    assert "coordinate_east" not in record.values
    assert len(problems_of(reader, ProblemKind.COORDINATES_OUTSIDE_FINLAND)) == 1


def test_coordinates_wgs84_converted(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building()])
    east, north = wgs84_to_tm35fin(float(HELSINKI_POINT[0]), float(HELSINKI_POINT[1]))

    _reader, [record] = read_all([path])

    assert record.values["coordinate_east"] == Decimal(f"{east:.3f}")
    assert record.values["coordinate_north"] == Decimal(f"{north:.3f}")


def test_coordinates_latitude_first(tmp_path: Path) -> None:
    longitude, latitude = HELSINKI_POINT
    normal = write_buildings(tmp_path / "normal.geojson", [building()])
    swapped = write_buildings(
        tmp_path / "swapped.geojson",
        [building(point=(latitude, longitude))],
        crs=crs_member("urn:ogc:def:crs:EPSG::4326"),
    )

    _reader, [expected] = read_all([normal])
    _reader, [record] = read_all([swapped])

    assert record.values["coordinate_east"] == expected.values["coordinate_east"]
    assert record.values["coordinate_north"] == expected.values["coordinate_north"]


@pytest.mark.parametrize(
    "crs",
    [None, crs_member(TM35FIN_NAME), TM35FIN_URI, {"type": "EPSG", "properties": {"code": 3067}}],
)
def test_coordinates_tm35_kept(tmp_path: Path, crs: object) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building(point=(Decimal("385806.0004"), Decimal("6672257.0028")))],
        crs=crs,
    )

    reader, [record] = read_all([path])

    assert record.values["coordinate_east"] == Decimal("385806.000")
    assert record.values["coordinate_north"] == Decimal("6672257.003")
    assert reader.problems == []


def test_coordinates_null_geometry(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(point=None)])

    reader, [record] = read_all([path])

    assert record.values["coordinate_east"] is None
    assert record.values["coordinate_north"] is None
    assert reader.problems == []


def test_coordinates_polygon_invalid(tmp_path: Path) -> None:
    polygon = building()
    polygon["geometry"] = {"type": "Polygon", "coordinates": [[[24.9, 60.1], [24.9, 60.2]]]}
    path = write_buildings(tmp_path / "b.geojson", [polygon])

    reader, [record] = read_all([path])

    assert "coordinate_east" not in record.values
    [problem] = problems_of(reader, ProblemKind.INVALID_VALUE)
    assert problem.column == "geometry"


# Addresses


def test_addresses_linked_by_building_key(tmp_path: Path) -> None:
    buildings = write_buildings(
        tmp_path / "b.geojson", [building(PRT_A, KEY_A), building(PRT_B, KEY_B)]
    )
    addresses = write_buildings(
        tmp_path / "a.geojson",
        [
            address(KEY_B, "k2", "Urho Kekkosen katu 7"),
            address(KEY_A, "k9", "Hämeentie 135", postal_code="00560"),
            address(KEY_A, "k1", "Muotoilijankuja 3"),
        ],
    )

    _reader, records = read_all([buildings, addresses])

    first, second = records
    assert [
        (item.address_number, item.street_name_fi, item.house_number) for item in first.addresses
    ] == [
        (1, "Muotoilijankuja", "3"),
        (2, "Hämeentie", "135"),
    ]
    assert first.addresses[1].postal_code == "00560"
    assert first.addresses[1].post_office_fi == "HELSINKI"
    assert [(item.street_name_fi, item.house_number) for item in second.addresses] == [
        ("Urho Kekkosen katu", "7")
    ]


def test_addresses_read_from_any_file_order(tmp_path: Path) -> None:
    buildings = write_buildings(tmp_path / "b.geojson", [building(PRT_A, KEY_A)])
    addresses = write_buildings(tmp_path / "a.geojson", [address(KEY_A, "k1", "Messukuja 3")])

    _reader, [record] = read_all([buildings, addresses])

    assert len(record.addresses) == 1


def test_addresses_key_case_ignored(tmp_path: Path) -> None:
    buildings = write_buildings(tmp_path / "b.geojson", [building(PRT_A, KEY_A.upper())])
    addresses = write_buildings(tmp_path / "a.geojson", [address(KEY_A, "k1", "Messukuja 3")])

    _reader, [record] = read_all([addresses, buildings])

    assert len(record.addresses) == 1


def test_addresses_unknown_building_key(tmp_path: Path) -> None:
    buildings = write_buildings(tmp_path / "b.geojson", [building(PRT_A, KEY_A)])
    addresses = write_buildings(
        tmp_path / "a.geojson",
        [address(KEY_A, "k1", "Messukuja 3"), address(KEY_C, "k2", "Messuaukio 1")],
    )

    reader, [record] = read_all([addresses, buildings])

    assert len(record.addresses) == 1
    [problem] = problems_of(reader, ProblemKind.UNKNOWN_BUILDING_KEY)
    assert problem.severity is Severity.WARNING
    assert problem.file == "a.geojson"
    assert problem.row == 2
    assert problem.params == {"key": KEY_C}


def test_addresses_without_building_key(tmp_path: Path) -> None:
    buildings = write_buildings(tmp_path / "b.geojson", [building(PRT_A, KEY_A)])
    addresses = write_buildings(
        tmp_path / "a.geojson", [address(KEY_A, "k1", "Messukuja 3", building_key=None)]
    )

    reader, [record] = read_all([addresses, buildings])

    assert record.addresses == []
    assert len(problems_of(reader, ProblemKind.NO_BUILDING_KEY)) == 1


def test_addresses_invalid_postal_code(tmp_path: Path) -> None:
    buildings = write_buildings(tmp_path / "b.geojson", [building(PRT_A, KEY_A)])
    addresses = write_buildings(
        tmp_path / "a.geojson", [address(KEY_A, "k1", "Messukuja 3", postal_code="0052")]
    )

    reader, [record] = read_all([addresses, buildings])

    assert record.addresses[0].postal_code is None
    [problem] = problems_of(reader, ProblemKind.INVALID_VALUE)
    assert problem.file == "a.geojson"
    assert problem.column == "postal_code"


def test_addresses_of_filtered_building_not_reported(tmp_path: Path) -> None:
    buildings = write_buildings(
        tmp_path / "b.geojson",
        [building(PRT_A, KEY_A), building(PRT_B, KEY_B, municipality_number="049")],
    )
    addresses = write_buildings(
        tmp_path / "a.geojson",
        [address(KEY_B, "k1", "Tapiontori 3", postal_code="0215")],
    )

    reader, records = read_all([buildings, addresses], municipalities=frozenset({"91"}))

    assert [record.permanent_building_identifier for record in records] == [PRT_A]
    assert reader.filtered_out == 1
    assert reader.problems == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hämeentie 135", ("Hämeentie", "135")),
        ("Fredrikinkatu 63a", ("Fredrikinkatu", "63a")),
        ("Urho Kekkosen katu 1", ("Urho Kekkosen katu", "1")),
        ("  Urho   Kekkosen katu  5 ", ("Urho Kekkosen katu", "5")),
        ("Hernepellontie", ("Hernepellontie", None)),
        ("Hämeentie 135 A", ("Hämeentie 135 A", None)),
        ("135", ("135", None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_split_street_address(text: str | None, expected: tuple[str | None, str | None]) -> None:
    assert split_street_address(text) == expected


# Paging


def test_page_next_link_incomplete(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building()],
        members_after={"links": [{"rel": "next", "href": "http://localhost/items?offset=1"}]},
    )

    reader, _records = read_all([path])

    assert reader.page_complete is False


def test_page_number_matched_before_features(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building()],
        members_before={"numberMatched": 5, "numberReturned": 1},
    )
    reader = RyhtiReader([path])

    reader.check()

    assert reader.page_complete is False


def test_page_number_matched_after_features(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building()],
        members_after={"numberMatched": 5, "numberReturned": 1},
    )

    reader, _records = read_all([path])

    assert reader.page_complete is False


def test_page_all_pages_complete(tmp_path: Path) -> None:
    first = write_buildings(
        tmp_path / "p1.geojson",
        [building(PRT_A, KEY_A), building(PRT_B, KEY_B)],
        members_after={"numberMatched": 3, "numberReturned": 2, "links": [{"rel": "next"}]},
    )
    second = write_buildings(
        tmp_path / "p2.geojson",
        [building(PRT_C, KEY_C)],
        members_after={"numberMatched": 3, "numberReturned": 1},
    )

    reader, records = read_all([first, second])

    assert len(records) == 3
    assert reader.page_complete is True


def test_page_matched_equal_returned_complete(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building()],
        members_after={"numberMatched": 1, "numberReturned": 1, "links": [{"rel": "self"}]},
    )

    reader, _records = read_all([path])

    assert reader.page_complete is True


# Streaming


def test_stream_small_blocks_same_records(
    helsinki_rows: list[HelsinkiRow],
    helsinki_records: tuple[RyhtiReader, list[BuildingRecord]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _reader, expected = helsinki_records
    folder = tmp_path / "blocks"
    folder.mkdir()
    buildings, addresses = write_helsinki_collections(helsinki_rows, folder)
    monkeypatch.setattr(ryhti, "BLOCK_CHARS", 7)

    _reader, records = read_all([addresses, buildings])

    assert records == expected


def test_stream_indented_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    collection = feature_collection(
        [building(PRT_A, KEY_A), building(PRT_B, KEY_B)],
        members_after={"numberMatched": 2, "numberReturned": 2},
    )
    path = write_collection(tmp_path / "b.geojson", collection, indent=4)
    monkeypatch.setattr(ryhti, "BLOCK_CHARS", 5)

    reader, records = read_all([path])

    assert [record.values["floor_area"] for record in records] == [Decimal("2980.25")] * 2
    assert reader.page_complete is True


@pytest.mark.parametrize("block_chars", range(2, 12))
def test_stream_number_split_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_chars: int
) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building()],
        members_after={"numberReturned": 1, "numberMatched": 1000001},
    )
    monkeypatch.setattr(ryhti, "BLOCK_CHARS", block_chars)

    reader, _records = read_all([path])

    assert reader.page_complete is False


def test_stream_byte_order_mark(tmp_path: Path) -> None:
    path = write_collection(
        tmp_path / "b.geojson", feature_collection([building()]), byte_order_mark=True
    )

    _reader, [record] = read_all([path])

    assert record.permanent_building_identifier == PRT_A


def test_stream_value_over_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_buildings(tmp_path / "b.geojson", [building(PRT_A, KEY_A, notes="x" * 5000)])
    monkeypatch.setattr(ryhti, "BLOCK_CHARS", 256)
    monkeypatch.setattr(ryhti, "MAX_VALUE_CHARS", 1024)

    with pytest.raises(FileRejected) as caught:
        read_all([path])

    assert caught.value.reason is RejectionReason.UNREADABLE
    assert "larger than" in caught.value.message()


def test_stream_does_not_load_whole_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    features = [building(valid_prt(103000000 + index), f"key-{index}") for index in range(400)]
    path = write_buildings(tmp_path / "b.geojson", features)
    monkeypatch.setattr(ryhti, "BLOCK_CHARS", 1000)
    monkeypatch.setattr(ryhti, "MAX_VALUE_CHARS", 4000)
    longest: list[int] = []
    original_fill = ryhti._CollectionStream._fill

    def recording_fill(stream: ryhti._CollectionStream) -> bool:
        result = original_fill(stream)
        longest.append(len(stream._buffer))
        return result

    monkeypatch.setattr(ryhti._CollectionStream, "_fill", recording_fill)

    _reader, records = read_all([path])

    assert len(records) == 400
    assert max(longest) < 6000
    assert path.stat().st_size > 100_000


# Rejected files


def test_check_missing_file(tmp_path: Path) -> None:
    rejection = rejection_of([tmp_path / "missing.geojson"])

    assert rejection.reason is RejectionReason.NOT_FOUND


@pytest.mark.parametrize("content", [b"", b"  \n\t ", b"\xef\xbb\xbf"])
def test_check_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.geojson"
    path.write_bytes(content)

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.EMPTY


@pytest.mark.parametrize(
    "content",
    [b"hello", b"<?xml version='1.0'?><wfs/>", b"\xff\xfe{\x00}\x00", b"{not json}", b"PK\x03\x04"],
)
def test_check_not_json(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "data.geojson"
    path.write_bytes(content)

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.NOT_JSON
    assert "data.geojson" in rejection.message()


@pytest.mark.parametrize(
    "value",
    [
        [1, 2],
        42,
        {"type": "Feature", "properties": {"permanent_building_identifier": PRT_A}},
        {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": {"a": 1}},
        {"type": "GeometryCollection", "features": [building()]},
    ],
)
def test_check_not_feature_collection(tmp_path: Path, value: object) -> None:
    path = tmp_path / "data.geojson"
    path.write_text(json.dumps(value, default=float), encoding="utf-8")

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.NOT_FEATURE_COLLECTION


def test_check_no_features(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [])

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.NO_FEATURES


def test_check_not_ryhti(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "roads.geojson", [feature({"name": "Hämeentie", "lanes": 4}, (24.97, 60.2))]
    )

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.NOT_RYHTI_DATA
    assert sniff_ryhti(path) is False


def test_read_leading_features_without_properties(tmp_path: Path) -> None:
    path = write_buildings(tmp_path / "b.geojson", [feature(None), feature({}), building()])

    reader, records = read_all([path])

    assert len(records) == 1
    assert len(problems_of(reader, ProblemKind.NO_PROPERTIES)) == 2


def test_check_truncated_file(tmp_path: Path) -> None:
    whole = write_buildings(
        tmp_path / "whole.geojson", [building(PRT_A, KEY_A), building(PRT_B, KEY_B)]
    )
    path = tmp_path / "cut.geojson"
    text = whole.read_bytes()
    path.write_bytes(text[: len(text) * 2 // 3])

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.UNREADABLE
    assert rejection.path == path
    assert "cut.geojson" in rejection.message()
    assert "cut off" in rejection.message()


def test_check_truncated_large_file(tmp_path: Path) -> None:
    features = [building(valid_prt(103000000 + index), f"key-{index}") for index in range(300)]
    whole = write_buildings(tmp_path / "whole.geojson", features)
    path = tmp_path / "cut.geojson"
    path.write_bytes(whole.read_bytes()[:-5000])

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.UNREADABLE


def test_read_damaged_middle(tmp_path: Path) -> None:
    whole = write_buildings(
        tmp_path / "whole.geojson", [building(PRT_A, KEY_A), building(PRT_B, KEY_B)]
    )
    text = whole.read_text(encoding="utf-8")
    marker = f'"{PRT_B}"'
    path = tmp_path / "damaged.geojson"
    path.write_text(text.replace(marker, marker + " oops", 1), encoding="utf-8")
    reader = RyhtiReader([path])
    reader.check()

    with pytest.raises(FileRejected) as caught:
        list(reader.read())

    assert caught.value.reason is RejectionReason.UNREADABLE
    assert caught.value.path == path
    assert "invalid JSON at character" in caught.value.message()


def test_check_unsupported_crs(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building(point=(2_776_000, 8_438_000))],
        crs=crs_member("urn:ogc:def:crs:EPSG::3857"),
    )

    rejection = rejection_of([path])

    assert rejection.reason is RejectionReason.UNSUPPORTED_CRS
    assert rejection.params["crs"] == "urn:ogc:def:crs:EPSG::3857"


def test_read_unsupported_crs_after_features(tmp_path: Path) -> None:
    path = write_buildings(
        tmp_path / "b.geojson",
        [building()],
        members_after={"crs": crs_member("EPSG:3857")},
    )

    with pytest.raises(FileRejected) as caught:
        read_all([path])

    assert caught.value.reason is RejectionReason.UNSUPPORTED_CRS


def test_check_addresses_without_buildings(tmp_path: Path) -> None:
    addresses = write_buildings(tmp_path / "a.geojson", [address(KEY_A, "k1", "Messukuja 3")])

    rejection = rejection_of([addresses])

    assert rejection.reason is RejectionReason.NO_BUILDING_FILE
    assert rejection.path == addresses


def test_check_names_failing_file(tmp_path: Path) -> None:
    good = write_buildings(tmp_path / "good.geojson", [building()])
    bad = tmp_path / "bad.geojson"
    bad.write_text("[]", encoding="utf-8")

    rejection = rejection_of([good, bad])

    assert rejection.path == bad
    assert "bad.geojson" in rejection.message()


def test_read_runs_check(tmp_path: Path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("nonsense", encoding="utf-8")

    with pytest.raises(FileRejected):
        read_all([bad])


# Sniffing


def test_sniff_other_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    feature_only = tmp_path / "feature.geojson"
    feature_only.write_text(json.dumps(building(), default=float), encoding="utf-8")

    assert sniff_ryhti(text) is False
    assert sniff_ryhti(empty) is False
    assert sniff_ryhti(tmp_path / "missing.geojson") is False
    assert sniff_ryhti(feature_only) is False


def test_sniff_municipality_filter_validated() -> None:
    with pytest.raises(ValueError):
        RyhtiReader([], municipalities=frozenset({"12345"}))
