"""Tests of the DVV open address file reader, its counts and the .OPT test-file writer."""

from __future__ import annotations

import codecs
import datetime
import itertools
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from devtools.opt_file import (
    COLUMN_COUNT,
    OptRow,
    Row,
    opt_bytes,
    prt_with_wrong_check,
    row_text,
    synthetic_rows,
    valid_prt,
    write_opt,
    write_opt_7z,
    write_opt_zip,
)
from tilaapp.domain.fields import Source
from tilaapp.sources import dvv_open
from tilaapp.sources.dvv_open import (
    COLUMNS,
    ChunkReader,
    CompactBuilding,
    DvvOpenReader,
    FlatBuildings,
    HandedOffChunk,
    count_open_file,
    merged_problems,
    sniff_dvv_open,
)
from tilaapp.sources.records import (
    BuildingRecord,
    FileRejected,
    ProblemKind,
    RejectionReason,
    RowProblem,
    Severity,
)
from tilaapp.sources.textfile import ISO_8859_1, UTF_8

PRT_1 = valid_prt(1)
PRT_2 = valid_prt(2)
PRT_3 = valid_prt(3)
FILE_NAME = "Suomi_osoitteet_2024-03-15.OPT"


def row(prt: str = PRT_1, **fields: str) -> tuple[str, ...]:
    return replace(OptRow(prt=prt), **fields).cells()


def read(
    path: Path, municipalities: set[str] | None = None, encoding: str | None = None
) -> tuple[list[BuildingRecord], DvvOpenReader]:
    codes = None if municipalities is None else frozenset(municipalities)
    reader = DvvOpenReader(path, municipalities=codes, encoding=encoding)
    return list(reader.read()), reader


def write(tmp_path: Path, rows: Iterable[Row], **options: object) -> Path:
    return write_opt(tmp_path / FILE_NAME, rows, **options)  # type: ignore[arg-type]


def kinds(problems: list[RowProblem]) -> list[ProblemKind]:
    return [problem.kind for problem in problems]


def rejection(path: Path) -> RejectionReason:
    with pytest.raises(FileRejected) as caught:
        DvvOpenReader(path).check()
    return caught.value.reason


def three_buildings() -> list[Row]:
    return [
        row(PRT_1),
        row(PRT_2, street_name_fi="Koivukuja", postal_code="00200"),
        row(PRT_2, address_number="2", street_name_fi="Rantatie", house_number="3 b"),
        row(PRT_3, municipality="049", region="01", use_class="2"),
    ]


# --- records ----------------------------------------------------------------------------


def test_read_building_values(tmp_path: Path) -> None:
    records, _ = read(write(tmp_path, three_buildings()))
    first = records[0]
    assert first.source is Source.DVV_OPEN
    assert first.row == 1
    assert first.permanent_building_identifier == PRT_1
    assert first.values == {
        "municipality_number": "091",
        "open_use_class": "1",
        "coordinate_north": Decimal(6672000),
        "coordinate_east": Decimal(385000),
        "property_identifier": "09100100010001",
        "postal_code": "00100",
    }


def test_read_groups_addresses(tmp_path: Path) -> None:
    records, _ = read(write(tmp_path, three_buildings()))
    assert [record.permanent_building_identifier for record in records] == [PRT_1, PRT_2, PRT_3]
    addresses = records[1].addresses
    assert [address.address_number for address in addresses] == [1, 2]
    assert addresses[1].street_name_fi == "Rantatie"
    assert addresses[1].house_number == "3 b"
    assert addresses[1].street_name_sv is None
    assert addresses[1].post_office_fi is None
    assert records[1].values["postal_code"] == "00200"


def test_read_postal_code_of_address_one(tmp_path: Path) -> None:
    rows = [
        row(PRT_1, address_number="2", postal_code="00200"),
        row(PRT_1, address_number="1", postal_code="00100"),
    ]
    records, _ = read(write(tmp_path, rows))
    assert records[0].values["postal_code"] == "00100"


def test_read_counts_and_date(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, three_buildings()))
    assert len(records) == 3
    assert reader.rows_read == {"rows": 4}
    assert reader.extraction_date == datetime.date(2024, 3, 15)
    assert reader.filtered_out == 0
    assert reader.skipped_sheets == []
    assert reader.problems == []


def test_read_twice_same_result(tmp_path: Path) -> None:
    path = write(tmp_path, [*three_buildings(), row(PRT_1)])
    reader = DvvOpenReader(path)
    first = list(reader.read())
    first_problems = list(reader.problems)
    assert list(reader.read()) == first
    assert reader.problems == first_problems


def test_check_sets_date_and_encoding(tmp_path: Path) -> None:
    reader = DvvOpenReader(write(tmp_path, [row(extraction_date="1.2.2025")]))
    reader.check()
    assert reader.extraction_date == datetime.date(2025, 2, 1)
    assert reader.encoding == ISO_8859_1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20240315", datetime.date(2024, 3, 15)),
        ("2024-03-15", datetime.date(2024, 3, 15)),
        ("15.3.2024", datetime.date(2024, 3, 15)),
        ("05.03.2024", datetime.date(2024, 3, 5)),
    ],
)
def test_read_date_formats(tmp_path: Path, text: str, expected: datetime.date) -> None:
    _, reader = read(write(tmp_path, [row(extraction_date=text)]))
    assert reader.extraction_date == expected


def test_read_newest_date(tmp_path: Path) -> None:
    rows = [row(PRT_1, extraction_date="20240101"), row(PRT_2, extraction_date="20240315")]
    _, reader = read(write(tmp_path, rows))
    assert reader.extraction_date == datetime.date(2024, 3, 15)


def test_read_invalid_date_reported_once(tmp_path: Path) -> None:
    rows = [row(PRT_1, extraction_date="maaliskuu"), row(PRT_2, extraction_date="maaliskuu")]
    records, reader = read(write(tmp_path, rows))
    assert len(records) == 2
    assert kinds(reader.problems) == [ProblemKind.INVALID_DATE]
    assert reader.problems[0].column == "16 Tietojen poimintapäivä"
    assert reader.extraction_date is None


# --- text, encodings and line ends --------------------------------------------------------


def street_names(records: list[BuildingRecord]) -> list[str | None]:
    return [address.street_name_fi for record in records for address in record.addresses]


FINNISH_ROWS = [
    row(PRT_1, street_name_fi="Mäkitie", street_name_sv="Backvägen"),
    row(PRT_2, street_name_fi="Öljytie", street_name_sv="Åkervägen"),
]


def test_read_latin1(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, FINNISH_ROWS))
    assert street_names(records) == ["Mäkitie", "Öljytie"]
    assert records[1].addresses[0].street_name_sv == "Åkervägen"
    assert reader.encoding == ISO_8859_1


def test_read_utf8_without_bom(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, FINNISH_ROWS, encoding="utf-8"))
    assert street_names(records) == ["Mäkitie", "Öljytie"]
    assert records[1].addresses[0].street_name_sv == "Åkervägen"
    assert reader.encoding == UTF_8


def test_read_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, FINNISH_ROWS, encoding="utf-8", bom=codecs.BOM_UTF8)
    records, reader = read(path)
    assert records[0].permanent_building_identifier == PRT_1
    assert street_names(records) == ["Mäkitie", "Öljytie"]
    assert reader.encoding == UTF_8


@pytest.mark.parametrize("municipalities", [None, {"091"}])
def test_read_utf16_with_bom(tmp_path: Path, municipalities: set[str] | None) -> None:
    path = write(tmp_path, FINNISH_ROWS, encoding="utf-16-le", bom=codecs.BOM_UTF16_LE)
    records, reader = read(path, municipalities)
    assert street_names(records) == ["Mäkitie", "Öljytie"]
    assert reader.encoding == "utf-16-le"


def test_read_given_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, FINNISH_ROWS, encoding="cp1252")
    records, reader = read(path, encoding="cp1252")
    assert street_names(records) == ["Mäkitie", "Öljytie"]
    assert reader.encoding == "cp1252"


def test_reader_unknown_encoding(tmp_path: Path) -> None:
    with pytest.raises(LookupError):
        DvvOpenReader(tmp_path / FILE_NAME, encoding="no-such-codec")


def test_read_switches_to_latin1_after_utf8(tmp_path: Path) -> None:
    head = [row(valid_prt(number), street_name_fi="Mäkitie") for number in range(1, 1000)]
    tail = [row(valid_prt(2000), street_name_fi="Öljytie"), row(valid_prt(2001))]
    path = tmp_path / FILE_NAME
    path.write_bytes(opt_bytes(head, encoding="utf-8") + opt_bytes(tail, encoding=ISO_8859_1))
    records, reader = read(path)
    assert len(records) == 1001
    assert street_names(records)[-2:] == ["Öljytie", "Mäkitie"]
    assert kinds(reader.problems) == [ProblemKind.ENCODING_CHANGED]
    assert reader.problems[0].row == 1000
    assert reader.encoding == ISO_8859_1


def test_read_switches_quietly_after_ascii(tmp_path: Path) -> None:
    head = [row(valid_prt(number), street_name_fi="Kuja") for number in range(1, 1000)]
    tail = [row(valid_prt(2000), street_name_fi="Öljytie")]
    path = tmp_path / FILE_NAME
    path.write_bytes(opt_bytes(head) + opt_bytes(tail))
    records, reader = read(path)
    assert street_names(records)[-1] == "Öljytie"
    assert reader.problems == []
    assert reader.encoding == ISO_8859_1


def test_read_crlf(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, three_buildings(), newline="\r\n"))
    assert len(records) == 3
    assert reader.problems == []
    assert records[0].values["property_identifier"] == "09100100010001"
    assert reader.extraction_date == datetime.date(2024, 3, 15)


def test_read_last_line_without_newline(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, three_buildings(), final_newline=False))
    assert len(records) == 3
    assert reader.problems == []
    assert reader.page_complete


def test_read_line_cut_mid_row(tmp_path: Path) -> None:
    cut = ";".join(row(PRT_3))[:40]
    records, reader = read(write(tmp_path, [row(PRT_1), cut], final_newline=False))
    assert [record.permanent_building_identifier for record in records] == [PRT_1]
    assert kinds(reader.problems) == [ProblemKind.WRONG_COLUMN_COUNT, ProblemKind.CUT_LAST_ROW]
    problem = reader.problems[0]
    assert problem.row == 2
    assert problem.severity is Severity.ERROR
    assert problem.params == {"count": "8", "expected": "16"}
    assert problem.value == cut
    assert reader.problems[1].row is None
    assert reader.problems[1].severity is Severity.WARNING
    assert not reader.page_complete


@pytest.mark.parametrize("municipalities", [None, {"091"}])
def test_cut_file_found_with_and_without_filter(
    tmp_path: Path, municipalities: set[str] | None
) -> None:
    # The cut row is of another municipality, so the filter passes it over.
    cut = ";".join(row(PRT_3, municipality="049"))[:40]
    _, reader = read(write(tmp_path, [row(PRT_1), cut], final_newline=False), municipalities)
    assert ProblemKind.CUT_LAST_ROW in kinds(reader.problems)
    assert not reader.page_complete


def test_read_too_many_columns(tmp_path: Path) -> None:
    extra = ";".join(row(PRT_2)) + ";extra"
    records, reader = read(write(tmp_path, [row(PRT_1), extra, row(PRT_3)]))
    assert [record.permanent_building_identifier for record in records] == [PRT_1, PRT_3]
    assert kinds(reader.problems) == [ProblemKind.WRONG_COLUMN_COUNT]
    assert reader.problems[0].params["count"] == "17"


def test_read_trailing_separator_accepted(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [";".join(row(PRT_1)) + ";"]))
    assert len(records) == 1
    assert reader.problems == []
    assert reader.extraction_date == datetime.date(2024, 3, 15)


def test_read_stray_quotes(tmp_path: Path) -> None:
    rows = [
        row(PRT_1, street_name_fi='Mäki"tie'),
        row(PRT_2, street_name_fi='"Rantatie', house_number='5"'),
    ]
    records, reader = read(write(tmp_path, rows))
    assert street_names(records) == ['Mäki"tie', '"Rantatie']
    assert records[1].addresses[0].house_number == '5"'
    assert reader.problems == []


@pytest.mark.parametrize("cell", ['"00100', '00100"', '"00100"', ' "00100" '])
def test_read_quoted_postal_code_kept(tmp_path: Path, cell: str) -> None:
    records, reader = read(write(tmp_path, [row(PRT_1), row(PRT_2, postal_code=cell)]))
    assert records[1].addresses[0].postal_code == "00100"
    assert records[1].values["postal_code"] == "00100"
    assert kinds(reader.problems) == [ProblemKind.QUOTE_REMOVED]
    problem = reader.problems[0]
    assert problem.severity is Severity.WARNING
    assert (problem.row, problem.column, problem.value) == (2, "11 Postinumero", cell)
    assert "quote" in problem.message()


def test_read_quoted_codes_kept(tmp_path: Path) -> None:
    quoted = row(
        PRT_1,
        municipality='"049"',
        use_class='"2',
        north='6675012"',
        east='"375019"',
        address_number='"1"',
        property_identifier='"04900100020003"',
        extraction_date='"20240316"',
    )
    records, reader = read(write(tmp_path, [quoted]))
    values = records[0].values
    assert records[0].municipality_number == "049"
    assert values["open_use_class"] == "2"
    assert (values["coordinate_north"], values["coordinate_east"]) == (
        Decimal("6675012"),
        Decimal("375019"),
    )
    assert records[0].addresses[0].address_number == 1
    assert values["property_identifier"] == "04900100020003"
    assert reader.extraction_date == datetime.date(2024, 3, 16)
    assert kinds(reader.problems) == [ProblemKind.QUOTE_REMOVED] * 7
    assert [problem.column for problem in reader.problems] == [
        COLUMNS[column] for column in (1, 3, 4, 5, 6, 14, 15)
    ]


def test_quoted_identifier_continues_building(tmp_path: Path) -> None:
    rows = [row(PRT_1), row(f'"{PRT_1}"', address_number="2"), row(PRT_2)]
    records, reader = read(write(tmp_path, rows))
    assert [record.permanent_building_identifier for record in records] == [PRT_1, PRT_2]
    assert [address.address_number for address in records[0].addresses] == [1, 2]
    assert kinds(reader.problems) == [ProblemKind.QUOTE_REMOVED]
    assert reader.problems[0].value == f'"{PRT_1}"'


def test_read_quoted_identifier_wrong_columns(tmp_path: Path) -> None:
    damaged = ";".join(row(f'"{PRT_1}"')) + ";extra"
    rows = [row(PRT_1), damaged, row(PRT_1, address_number="2")]
    records, reader = read(write(tmp_path, rows))
    assert [address.address_number for address in records[0].addresses] == [1, 2]
    assert kinds(reader.problems) == [ProblemKind.QUOTE_REMOVED, ProblemKind.WRONG_COLUMN_COUNT]


def test_read_quote_inside_code_invalid(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(PRT_1, postal_code='001"00')]))
    assert records[0].addresses[0].postal_code is None
    assert kinds(reader.problems) == [ProblemKind.INVALID_VALUE]


def test_quoted_invalid_code_still_error(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(PRT_1, postal_code='"0010"')]))
    assert records[0].addresses[0].postal_code is None
    assert kinds(reader.problems) == [ProblemKind.QUOTE_REMOVED, ProblemKind.INVALID_VALUE]
    assert [problem.value for problem in reader.problems] == ['"0010"', "0010"]


def test_text_column_quotes_stay_fast(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    add_lines = dvv_open._RowReader._add_lines

    def counted(rows: object, lines: list[bytes], *args: object) -> None:
        calls.append(len(lines))
        add_lines(rows, lines, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(dvv_open._RowReader, "_add_lines", counted)
    text_quotes = [row(PRT_1, street_name_fi='"Rantatie'), row(PRT_2, house_number='5"')]
    read(write(tmp_path, text_quotes))
    assert calls == []
    read(write(tmp_path, [*text_quotes, row(PRT_3, postal_code='"00100')]))
    assert calls == [3]


def test_read_blank_lines_skipped(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(PRT_1), "", "   ", row(PRT_2)]))
    assert len(records) == 2
    assert reader.rows_read == {"rows": 2}
    assert reader.problems == []


# --- file-level checks -------------------------------------------------------------------


def test_check_not_found(tmp_path: Path) -> None:
    assert rejection(tmp_path / "missing.OPT") is RejectionReason.NOT_FOUND


def test_missing_file_names_folder(tmp_path: Path) -> None:
    path = tmp_path / "folder" / "missing.OPT"
    with pytest.raises(FileRejected) as rejected:
        DvvOpenReader(path).check()
    assert str(path) in rejected.value.message()


def test_check_empty(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(b"")
    assert rejection(path) is RejectionReason.EMPTY


def test_check_png_rejected(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert rejection(path) is RejectionReason.BINARY_FILE


def test_check_random_bytes_rejected(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(bytes((index * 7919) % 256 for index in range(5000)))
    assert rejection(path) is RejectionReason.BINARY_FILE


def test_read_rejects_before_records(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(b"\x00\x01\x02")
    with pytest.raises(FileRejected):
        next(DvvOpenReader(path).read())


# --- row problems ---------------------------------------------------------------------------


def test_read_duplicate_row(tmp_path: Path) -> None:
    rows = [row(PRT_1), row(PRT_1), row(PRT_1, address_number="2"), row(PRT_2)]
    records, reader = read(write(tmp_path, rows))
    assert [len(record.addresses) for record in records] == [2, 1]
    assert kinds(reader.problems) == [ProblemKind.DUPLICATE_ROW]
    assert reader.problems[0].severity is Severity.WARNING
    assert reader.problems[0].row == 2


def test_read_unknown_municipality(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(municipality="999")]))
    assert records[0].values["municipality_number"] == "999"
    assert kinds(reader.problems) == [ProblemKind.UNKNOWN_MUNICIPALITY]
    problem = reader.problems[0]
    assert problem.severity is Severity.WARNING
    assert problem.column == "2 Sijaintikunta"
    assert problem.value == "999"


def test_read_merged_municipality(tmp_path: Path) -> None:
    # Honkajoki (099) joined Kankaanpää (214) on 1 January 2021.
    records, reader = read(write(tmp_path, [row(municipality="099")]))
    assert records[0].values["municipality_number"] == "099"
    assert kinds(reader.problems) == [ProblemKind.MERGED_MUNICIPALITY]
    assert reader.problems[0].params["new_code"] == "214"


def test_read_unknown_municipality_each_building(tmp_path: Path) -> None:
    rows = [row(PRT_1, municipality="999"), row(PRT_2, municipality="999")]
    _, reader = read(write(tmp_path, rows))
    assert [problem.row for problem in reader.problems] == [1, 2]


def test_read_use_class_zero_is_empty(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(use_class="0")]))
    assert records[0].values["open_use_class"] is None
    assert reader.problems == []


def test_read_unknown_use_class(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(use_class="7")]))
    assert records[0].values["open_use_class"] == "7"
    assert kinds(reader.problems) == [ProblemKind.UNKNOWN_CODE]
    assert reader.problems[0].column == "4 Käyttötarkoitus"


@pytest.mark.parametrize(
    ("north", "east"),
    [("6500000", "385000"), ("7900000", "385000"), ("6672000", "40000"), ("6672000", "800000")],
)
def test_read_coordinates_outside_finland(tmp_path: Path, north: str, east: str) -> None:
    records, reader = read(write(tmp_path, [row(north=north, east=east)]))
    assert len(records) == 1
    assert "coordinate_north" not in records[0].values
    assert "coordinate_east" not in records[0].values
    assert kinds(reader.problems) == [ProblemKind.COORDINATES_OUTSIDE_FINLAND]
    assert reader.problems[0].params == {"x": east, "y": north}
    assert f"north {north}, east {east}" in reader.problems[0].message()
    assert reader.problems[0].severity is Severity.ERROR


def test_read_coordinates_at_bounds(tmp_path: Path) -> None:
    rows = [
        row(PRT_1, north="6600000", east="50000"),
        row(PRT_2, north="7800000", east="760000"),
    ]
    records, reader = read(write(tmp_path, rows))
    assert records[1].values["coordinate_north"] == Decimal(7800000)
    assert reader.problems == []


def test_read_invalid_coordinate(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(north="66720OO")]))
    assert "coordinate_north" not in records[0].values
    assert "coordinate_east" not in records[0].values
    assert kinds(reader.problems) == [ProblemKind.INVALID_NUMBER]
    assert reader.problems[0].column == "5 Pohjoiskoordinaatti"


def test_read_decimal_coordinates(tmp_path: Path) -> None:
    records, _ = read(write(tmp_path, [row(north="6672000,5", east="385000.25")]))
    assert records[0].values["coordinate_north"] == Decimal("6672000.5")
    assert records[0].values["coordinate_east"] == Decimal("385000.25")


def test_read_malformed_identifier(tmp_path: Path) -> None:
    rows = [row("12345"), row("12345", address_number="2"), row(PRT_2)]
    records, reader = read(write(tmp_path, rows))
    assert [record.permanent_building_identifier for record in records] == [PRT_2]
    assert kinds(reader.problems) == [ProblemKind.MALFORMED_IDENTIFIER] * 2
    problem = reader.problems[0]
    assert problem.severity is Severity.ERROR
    assert problem.column == "1 Rakennustunnus"
    assert problem.value == "12345"


def test_read_empty_identifier(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(""), row(PRT_2)]))
    assert len(records) == 1
    assert kinds(reader.problems) == [ProblemKind.NO_IDENTIFIER]


def test_read_failed_check_character(tmp_path: Path) -> None:
    wrong = prt_with_wrong_check(5)
    rows = [row(wrong), row(wrong, address_number="2")]
    records, reader = read(write(tmp_path, rows))
    assert records[0].permanent_building_identifier == wrong
    assert len(records[0].addresses) == 2
    assert kinds(reader.problems) == [ProblemKind.CHECK_CHARACTER_FAILED]
    assert reader.problems[0].severity is Severity.WARNING
    assert reader.problems[0].params == {"expected": valid_prt(5)[9]}


def test_read_lower_case_check_character(tmp_path: Path) -> None:
    identifier = valid_prt(8)
    assert identifier[9].isalpha()
    records, reader = read(write(tmp_path, [row(identifier.lower())]))
    assert records[0].permanent_building_identifier == identifier
    assert reader.problems == []


def test_read_non_consecutive_rows(tmp_path: Path) -> None:
    rows = [row(PRT_1), row(PRT_2), row(PRT_1, address_number="2"), row(PRT_3)]
    records, reader = read(write(tmp_path, rows))
    assert [record.permanent_building_identifier for record in records] == [PRT_1, PRT_2, PRT_3]
    assert len(records[0].addresses) == 1
    assert kinds(reader.problems) == [ProblemKind.NON_CONSECUTIVE_ROWS]
    assert reader.problems[0].row == 3
    assert reader.problems[0].params == {"identifier": PRT_1}


def test_read_bad_row_keeps_building_together(tmp_path: Path) -> None:
    cut = ";".join(row(PRT_1, address_number="2"))[:30]
    rows = [row(PRT_1), cut, row(PRT_1, address_number="3")]
    records, reader = read(write(tmp_path, rows))
    assert [address.address_number for address in records[0].addresses] == [1, 3]
    assert kinds(reader.problems) == [ProblemKind.WRONG_COLUMN_COUNT]


def test_read_invalid_property_identifier(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(property_identifier="91-1-x")]))
    assert "property_identifier" not in records[0].values
    assert kinds(reader.problems) == [ProblemKind.INVALID_VALUE]
    assert reader.problems[0].column == "15 Sijaintikiinteistö"


def test_read_hyphenated_property_identifier(tmp_path: Path) -> None:
    records, _ = read(write(tmp_path, [row(property_identifier="91-1-1-1")]))
    assert records[0].values["property_identifier"] == "09100100010001"


@pytest.mark.parametrize(("text", "expected"), [("00000", None), ("", None), (" 00100 ", "00100")])
def test_read_postal_code_forms(tmp_path: Path, text: str, expected: str | None) -> None:
    records, reader = read(write(tmp_path, [row(postal_code=text)]))
    assert records[0].addresses[0].postal_code == expected
    assert reader.problems == []


def test_read_invalid_postal_code(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(postal_code="0010")]))
    assert records[0].addresses[0].postal_code is None
    assert kinds(reader.problems) == [ProblemKind.INVALID_VALUE]
    assert reader.problems[0].column == "11 Postinumero"


def test_read_invalid_address_number(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, [row(address_number="a")]))
    assert records[0].addresses[0].address_number is None
    assert kinds(reader.problems) == [ProblemKind.INVALID_NUMBER]


def test_problem_fields(tmp_path: Path) -> None:
    _, reader = read(write(tmp_path, [row(PRT_1), row(PRT_2, municipality="999")]))
    problem = reader.problems[0]
    assert problem.file == FILE_NAME
    assert problem.sheet is None
    assert problem.row == 2
    assert problem.message() == (
        "Municipality code 999 is not in the list of municipalities; it was stored as it came."
    )


def test_problem_messages_format(tmp_path: Path) -> None:
    rows = [
        row(PRT_1),
        row(PRT_1),
        ";".join(row(PRT_2))[:20],
        row(PRT_3, north="1"),
        row(PRT_2),
    ]
    _, reader = read(write(tmp_path, rows))
    messages = [problem.message() for problem in reader.problems]
    assert len(messages) == 3
    assert all(messages)


# --- archives -------------------------------------------------------------------------------


def test_read_zip(tmp_path: Path) -> None:
    path = write_opt_zip(
        tmp_path / "Suomi_osoitteet.zip", three_buildings(), extra_members={"LUEMINUT.txt": b"x"}
    )
    records, reader = read(path)
    assert len(records) == 3
    assert reader.member == FILE_NAME
    assert reader.skipped_members == ["LUEMINUT.txt"]


def test_read_7z(tmp_path: Path) -> None:
    pytest.importorskip("py7zr")
    path = write_opt_7z(tmp_path / "Suomi_osoitteet.7z", three_buildings())
    records, reader = read(path, {"049"})
    assert [record.permanent_building_identifier for record in records] == [PRT_3]
    assert reader.member == FILE_NAME


def test_read_zip_damaged_member(tmp_path: Path) -> None:
    rows = list(synthetic_rows(60_000, seed=3))
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(FILE_NAME, opt_bytes(rows))
    data = bytearray(path.read_bytes())
    position = data.find(b"PK\x01\x02") - 100
    data[position] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(FileRejected) as caught:
        read(path)
    assert caught.value.reason is RejectionReason.UNREADABLE


# --- sniffing -------------------------------------------------------------------------------


def test_sniff_opt(tmp_path: Path) -> None:
    assert sniff_dvv_open(write(tmp_path, three_buildings()))


def test_sniff_empty_identifier(tmp_path: Path) -> None:
    assert sniff_dvv_open(write(tmp_path, [row("")]))


def test_sniff_utf8_bom(tmp_path: Path) -> None:
    assert sniff_dvv_open(write(tmp_path, [row()], encoding="utf-8", bom=codecs.BOM_UTF8))


def test_sniff_zip(tmp_path: Path) -> None:
    assert sniff_dvv_open(write_opt_zip(tmp_path / "a.zip", three_buildings()))


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"name;value\nx;1\n",
        b"\x89PNG\r\n\x1a\n\x00",
        ("1000000010;91;" + ";" * 14 + "\n").encode(),
        ("1000000010;091;" + ";" * 12 + "\n").encode(),
    ],
)
def test_sniff_other_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "other.OPT"
    path.write_bytes(content)
    assert not sniff_dvv_open(path)


def test_sniff_quoted_first_row(tmp_path: Path) -> None:
    assert sniff_dvv_open(write(tmp_path, [row(f'"{PRT_1}"', municipality='"091"')]))


@pytest.mark.parametrize(
    ("first", "kind"),
    [
        (row(PRT_1, municipality="39A"), ProblemKind.INVALID_VALUE),
        (";".join(row(PRT_1)[:15]), ProblemKind.WRONG_COLUMN_COUNT),
    ],
)
def test_damaged_first_row_reported(
    tmp_path: Path, first: Row, kind: ProblemKind
) -> None:
    path = write(tmp_path, [first, row(PRT_2), row(PRT_3)])
    assert sniff_dvv_open(path)
    records, reader = read(path)
    assert [record.permanent_building_identifier for record in records][-2:] == [PRT_2, PRT_3]
    assert [(problem.row, problem.kind) for problem in reader.problems] == [(1, kind)]


def test_sniff_other_long_file(tmp_path: Path) -> None:
    path = tmp_path / "other.OPT"
    path.write_text("".join(f"{n};{n * 2};x\n" for n in range(100)), encoding="ascii")
    assert not sniff_dvv_open(path)


def test_sniff_workbook_zip(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<?xml version='1.0'?><Types/>")
        archive.writestr("xl/workbook.xml", "<?xml version='1.0'?><workbook/>" * 10)
    assert not sniff_dvv_open(path)


# --- municipality filter ----------------------------------------------------------------------


def test_filter_keeps_municipality(tmp_path: Path) -> None:
    records, reader = read(write(tmp_path, three_buildings()), {"49"})
    assert [record.permanent_building_identifier for record in records] == [PRT_3]
    assert records[0].row == 4
    assert reader.rows_read == {"rows": 1}
    assert reader.filtered_out == 3


def test_filter_ignores_code_in_other_column(tmp_path: Path) -> None:
    rows = [row(PRT_1, municipality="049", voting_district="091"), row(PRT_2)]
    records, _ = read(write(tmp_path, rows), {"091"})
    assert [record.permanent_building_identifier for record in records] == [PRT_2]


@pytest.mark.parametrize("cell", ['"091', '091"', '"091"'])
def test_filter_finds_quoted_municipality(tmp_path: Path, cell: str) -> None:
    rows = [row(PRT_1, municipality="049"), row(PRT_2, municipality=cell), row(PRT_3)]
    records, reader = read(write(tmp_path, rows), {"091"})
    assert [record.permanent_building_identifier for record in records] == [PRT_2, PRT_3]
    assert records[0].municipality_number == "091"
    assert kinds(reader.problems) == [ProblemKind.QUOTE_REMOVED]


def test_filter_several_codes(tmp_path: Path) -> None:
    rows = [row(PRT_1, municipality="049"), row(PRT_2, municipality="092"), row(PRT_3)]
    records, _ = read(write(tmp_path, rows), {"091", "049"})
    assert [record.permanent_building_identifier for record in records] == [PRT_1, PRT_3]


def test_filter_line_numbers(tmp_path: Path) -> None:
    rows = [row(valid_prt(number), municipality="049") for number in range(10, 20)]
    rows.append(row(PRT_1, municipality="091", use_class="7"))
    records, reader = read(write(tmp_path, rows), {"091"})
    assert records[0].row == 11
    assert reader.problems[0].row == 11


def test_filter_problems_only_of_municipality(tmp_path: Path) -> None:
    rows = [row("bad", municipality="049"), row(PRT_2, municipality="999"), row(PRT_3)]
    _, reader = read(write(tmp_path, rows), {"091"})
    assert reader.problems == []


def test_filter_non_consecutive_rows(tmp_path: Path) -> None:
    rows = [row(PRT_1), row(PRT_2, municipality="049"), row(PRT_1, address_number="2")]
    records, reader = read(write(tmp_path, rows), {"091"})
    assert len(records) == 1
    assert kinds(reader.problems) == [ProblemKind.NON_CONSECUTIVE_ROWS]


def test_filter_blank_line_inside_building(tmp_path: Path) -> None:
    rows = [row(PRT_1), "", row(PRT_1, address_number="2")]
    records, reader = read(write(tmp_path, rows), {"091"})
    assert len(records[0].addresses) == 2
    assert reader.problems == []


def test_filter_duplicate_row(tmp_path: Path) -> None:
    rows = [row(PRT_1), row(PRT_1), row(PRT_2, municipality="049"), row(PRT_3)]
    _, reader = read(write(tmp_path, rows), {"091"})
    assert kinds(reader.problems) == [ProblemKind.DUPLICATE_ROW]


def test_filter_invalid_code(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        DvvOpenReader(tmp_path / FILE_NAME, municipalities=frozenset({"12a"}))


def damaged_synthetic_rows() -> list[Row]:
    """Return synthetic rows with problems of every kind spread among them."""
    rows: list[Row] = list(synthetic_rows(3000, seed=7))
    for index in range(0, 3000, 97):
        cells = list(rows[index])
        rows[index] = ";".join(cells)[: 20 + index % 50]
    for index in range(5, 3000, 211):
        rows.insert(index, rows[index - 1])
    for index in range(11, 3000, 307):
        rows.insert(index, "")
    for index in range(13, 3000, 401):
        rows.insert(index, rows[index - 5])
    return rows


def test_filter_matches_full_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = damaged_synthetic_rows()
    path = write(tmp_path, rows)
    full, full_reader = read(path)
    common = Counter(cells[1] for cells in rows if isinstance(cells, tuple))
    codes = {code for code, _count in common.most_common(12)}
    lines = path.read_bytes().decode(ISO_8859_1).split("\n")
    chosen_rows = {
        number
        for number, line in enumerate(lines, start=1)
        if line.count(";") >= 2 and line.split(";")[1] in codes
    }
    expected = [record for record in full if record.municipality_number in codes]
    expected_problems = [problem for problem in full_reader.problems if problem.row in chosen_rows]

    # Small blocks put building runs and gaps across block ends.
    monkeypatch.setattr(dvv_open, "BLOCK_SIZE", 700)
    filtered, filtered_reader = read(path, codes)
    assert filtered == expected
    assert filtered_reader.problems == expected_problems
    assert len(expected_problems) > 10
    assert len(set(kinds(expected_problems))) >= 3


def test_block_size_does_not_change_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, damaged_synthetic_rows())
    records, reader = read(path)
    monkeypatch.setattr(dvv_open, "BLOCK_SIZE", 333)
    small_records, small_reader = read(path)
    assert small_records == records
    assert small_reader.problems == reader.problems


def test_filter_count_of_other_lines(tmp_path: Path) -> None:
    rows = list(synthetic_rows(500, seed=2))
    path = write(tmp_path, rows)
    _, reader = read(path, {"091"})
    kept = sum(1 for cells in rows if cells[1] == "091")
    assert reader.rows_read == {"rows": kept}
    assert reader.filtered_out == len(rows) - kept


# --- counts -------------------------------------------------------------------------------------


def test_count_small_file(tmp_path: Path) -> None:
    counts = count_open_file(write(tmp_path, three_buildings()))
    assert counts.rows == 4
    assert counts.buildings == {("091", "1"): 2, ("049", "2"): 1}
    assert counts.addresses == {("091", "1"): 3, ("049", "2"): 1}
    assert counts.extraction_date == datetime.date(2024, 3, 15)
    assert counts.problems == 0


def test_count_damaged_rows(tmp_path: Path) -> None:
    rows = [row(PRT_1), "", ";".join(row(PRT_2))[:30], row(PRT_3, extraction_date="20240401")]
    counts = count_open_file(write(tmp_path, rows, newline="\r\n"))
    assert counts.rows == 3
    assert counts.problems == 1
    assert sum(counts.buildings.values()) == 2
    assert counts.extraction_date == datetime.date(2024, 4, 1)


def test_count_short_row_among_good_rows(tmp_path: Path) -> None:
    rows = [row(PRT_1), "1000000036;091;01", row(PRT_2), row(PRT_3)]
    counts = count_open_file(write(tmp_path, rows))
    assert counts.rows == 4
    assert counts.problems == 1
    assert sum(counts.addresses.values()) == 3


def test_count_crlf_trailing_separators(tmp_path: Path) -> None:
    rows = [";".join(cells) + ";" for cells in synthetic_rows(2000, seed=8)]
    path = write(tmp_path, rows, newline="\r\n")
    records, reader = read(path)
    counts = count_open_file(path)
    assert counts.rows == 2000
    assert counts.problems == 0
    assert sum(counts.buildings.values()) == len(records)
    assert counts.extraction_date == reader.extraction_date


def test_count_matches_reader(tmp_path: Path) -> None:
    rows = list(synthetic_rows(5000, seed=5))
    path = write(tmp_path, rows)
    records, reader = read(path)
    counts = count_open_file(path, workers=1)
    assert counts.rows == reader.rows_read["rows"]
    assert sum(counts.buildings.values()) == len(records)
    assert sum(counts.addresses.values()) == sum(len(record.addresses) for record in records)


def test_count_in_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = list(synthetic_rows(20_000, seed=6))
    path = write(tmp_path, rows, bom=codecs.BOM_UTF8, encoding="utf-8")
    single = count_open_file(path, workers=1)
    monkeypatch.setattr(dvv_open, "MIN_PARALLEL_BYTES", 0)
    parallel = count_open_file(path, workers=3)
    assert parallel == single
    assert parallel.rows == 20_000


def test_count_zip(tmp_path: Path) -> None:
    counts = count_open_file(write_opt_zip(tmp_path / "a.zip", three_buildings()))
    assert counts.rows == 4


def test_count_rejects_binary(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(b"\x00" * 10)
    with pytest.raises(FileRejected):
        count_open_file(path)


# --- test-file writer -----------------------------------------------------------------------------


def test_synthetic_rows_repeatable() -> None:
    assert list(synthetic_rows(50, seed=4)) == list(synthetic_rows(50, seed=4))


def test_synthetic_rows_shape() -> None:
    rows = list(synthetic_rows(300, seed=1))
    assert len(rows) == 300
    assert all(len(cells) == COLUMN_COUNT for cells in rows)
    assert rows[0][6] == "1"


def test_write_opt_no_final_newline(tmp_path: Path) -> None:
    path = write(tmp_path, [row(PRT_1), row(PRT_2)], final_newline=False)
    assert not path.read_bytes().endswith(b"\n")
    assert path.read_bytes().count(b"\n") == 1


def test_columns_named() -> None:
    assert len(COLUMNS) == COLUMN_COUNT


def _rows_with_problems() -> list[Row]:
    """Rows of many buildings with a problem of each kind among them."""
    good = [row_text(row) for row in synthetic_rows(400, seed=11)]
    damaged: list[Row] = [
        good[5],  # repeated row
        good[10] + ";extra",
        "",
        "   ",
        good[20] + "\r",
        good[30] + ";",
        OptRow(prt=valid_prt(900_001), municipality="999").cells(),
        OptRow(prt=valid_prt(900_002), municipality="x1").cells(),
        OptRow(prt=valid_prt(900_003), north="abc").cells(),
        OptRow(prt=valid_prt(900_004), north="1", east="1").cells(),
        OptRow(prt=valid_prt(900_005), extraction_date="20261301").cells(),
        OptRow(prt=prt_with_wrong_check(900_006)).cells(),
        OptRow(prt="abc").cells(),
        OptRow(prt="").cells(),
        OptRow(prt=valid_prt(900_007), address_number="x", postal_code="1234").cells(),
        OptRow(prt=valid_prt(900_008), postal_code="", property_identifier="").cells(),
        OptRow(prt=valid_prt(900_010), postal_code="00000").cells(),
        OptRow(prt=valid_prt(900_009), use_class="zz", property_identifier="123").cells(),
        good[0],  # rows of a building read before
    ]
    rows: list[Row] = []
    for index, line in enumerate(good):
        rows.append(line)
        if index % 23 == 7:
            rows.append(damaged[(index // 23) % len(damaged)])
    return rows


def _read_both_ways(
    path: Path, monkeypatch: pytest.MonkeyPatch, chunk_lines: int
) -> tuple[DvvOpenReader, list[CompactBuilding], DvvOpenReader]:
    """Read ``path`` line by line, and return that reader, its buildings and a reader
    that reads in chunks of ``chunk_lines`` lines, not yet run."""
    # One share of one reader reads every line one by one.
    line_by_line = DvvOpenReader(path)
    expected = list(line_by_line.read_compact(share=(0, 1)))
    monkeypatch.setattr(dvv_open, "CHUNK_LINES", chunk_lines)
    monkeypatch.setattr(dvv_open, "BLOCK_SIZE", 4096)
    return line_by_line, expected, DvvOpenReader(path)


@pytest.mark.parametrize("chunk_lines", [1, 2, 3, 7, 64, 100_000])
def test_chunked_read_matches_line_by_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_lines: int
) -> None:
    path = write_opt(tmp_path / "problems.OPT", _rows_with_problems())
    line_by_line, expected, chunked = _read_both_ways(path, monkeypatch, chunk_lines)
    assert list(chunked.read_compact()) == expected
    assert chunked.problems == line_by_line.problems
    assert chunked.rows_read == line_by_line.rows_read
    assert len({problem.kind for problem in chunked.problems}) >= 10


@pytest.mark.parametrize("chunk_lines", [1, 3, 64, 100_000])
def test_filtered_chunks_match_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_lines: int
) -> None:
    rows = [*_rows_with_problems(), *_rows_with_quotes(), *damaged_synthetic_rows()]
    path = write_opt(tmp_path / "problems.OPT", rows)
    codes = frozenset({"091", "049", "999", "837"})
    monkeypatch.setattr(dvv_open, "BLOCK_SIZE", 4096)
    chunked = DvvOpenReader(path, municipalities=codes)
    with monkeypatch.context() as line_by_line_only:
        line_by_line_only.setattr(
            dvv_open._RowReader, "found_buildings", dvv_open._RowReader.buildings
        )
        line_by_line = DvvOpenReader(path, municipalities=codes)
        expected = list(line_by_line.read_compact())
    monkeypatch.setattr(dvv_open, "CHUNK_LINES", chunk_lines)

    assert list(chunked.read_compact()) == expected
    # A building's problems are reported when it ends, which a chunk ends sooner.
    assert _in_order(chunked.problems) == _in_order(line_by_line.problems)
    assert chunked.rows_read == line_by_line.rows_read
    assert len(expected) > 100
    assert len({problem.kind for problem in chunked.problems}) >= 8


def _rows_with_quotes() -> list[Row]:
    """Rows of many buildings with stray quotes in code and text columns among them."""
    good = list(synthetic_rows(300, seed=13))
    quoted = [
        {"postal_code": '"00100'},
        {"municipality": '"049"', "north": '6675012"'},
        {"street_name_fi": '"Rantatie', "house_number": '5"'},
        {"postal_code": '001"00'},
        {"extraction_date": '"20240315"'},
    ]
    rows: list[Row] = []
    for index, cells in enumerate(good):
        # Inserted only between buildings, so that every building's rows stay together.
        starts_building = index > 0 and cells[0] != good[index - 1][0]
        if starts_building and index % 7 == 3:
            prt = valid_prt(800_000 + index)
            rows.append(replace(OptRow(prt=prt), **quoted[(index // 7) % len(quoted)]).cells())
        if starts_building and index % 11 == 5:
            rows.append(OptRow(prt=f'"{valid_prt(900_000 + index)}"').cells())
        rows.append(cells)
    # A building whose second row has its identifier in quotes.
    first = OptRow(prt=valid_prt(800_006))
    rows += [first.cells(), replace(first, prt=f'"{first.prt}', address_number="2").cells()]
    return rows


def _in_order(problems: list[RowProblem]) -> list[RowProblem]:
    return sorted(problems, key=lambda problem: (problem.row or 0, problem.kind))


@pytest.mark.parametrize("chunk_lines", [1, 3, 64, 100_000])
def test_chunked_quotes_match_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_lines: int
) -> None:
    path = write_opt(tmp_path / "quotes.OPT", _rows_with_quotes())
    line_by_line, expected, chunked = _read_both_ways(path, monkeypatch, chunk_lines)
    assert list(chunked.read_compact()) == expected
    # A line's quotes are reported as it is read, its building's values when the next
    # building starts, so the order of the two can differ between the ways of reading.
    assert _in_order(chunked.problems) == _in_order(line_by_line.problems)
    assert ProblemKind.QUOTE_REMOVED in kinds(chunked.problems)
    assert ProblemKind.NON_CONSECUTIVE_ROWS not in kinds(chunked.problems)


def test_shares_report_each_quote_once(tmp_path: Path) -> None:
    path = write_opt(tmp_path / "quotes.OPT", _rows_with_quotes())
    single = DvvOpenReader(path)
    list(single.read_compact(share=(0, 1)))
    shares = [DvvOpenReader(path) for _ in range(2)]
    for index, reader in enumerate(shares):
        list(reader.read_compact(share=(index, 2)))
    assert _in_order(shares[0].problems + shares[1].problems) == _in_order(single.problems)


def _handed_off_read(
    path: Path, hand_off: Callable[[HandedOffChunk], bool]
) -> tuple[DvvOpenReader, ChunkReader, list[FlatBuildings]]:
    """Read ``path`` handing to a ``ChunkReader`` each chunk that ``hand_off`` takes."""
    reader = DvvOpenReader(path)
    chunks: list[HandedOffChunk] = []

    def take(chunk: HandedOffChunk) -> bool:
        if hand_off(chunk):
            chunks.append(chunk)
            return True
        return False

    batches = list(reader.read_flat(0, 1, take))
    chunk_reader = ChunkReader(path.name)
    batches += [chunk_reader.read(chunk, 0) for chunk in chunks]
    assert chunks
    return reader, chunk_reader, batches


def _without_rows_apart(rows: list[Row]) -> list[Row]:
    """Return ``rows`` without each row whose identifier appeared before another one."""
    in_order: list[Row] = []
    seen: set[str] = set()
    previous = None
    for row in rows:
        identifier = (row.split(";") if isinstance(row, str) else list(row))[0].strip()
        if identifier in seen and identifier != previous:
            continue
        seen.add(identifier)
        previous = identifier
        in_order.append(row)
    return in_order


def _flat_rows(batches: Iterable[FlatBuildings]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for batch in batches:
        rows += [building for building in batch.compact_buildings()]
    return sorted(rows, key=lambda building: int(str(building[0])))


@pytest.mark.parametrize("chunk_lines", [1, 3, 64])
def test_hand_off_reads_as_one_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_lines: int
) -> None:
    path = write_opt(tmp_path / "problems.OPT", _without_rows_apart(_rows_with_problems()))
    monkeypatch.setattr(dvv_open, "CHUNK_LINES", chunk_lines)
    single = DvvOpenReader(path)
    expected = list(single.read_flat(0, 1))
    every_other = itertools.cycle([False, True])
    reader, chunk_reader, batches = _handed_off_read(path, lambda _: next(every_other))

    assert _flat_rows(batches) == _flat_rows(expected)
    merged = merged_problems(reader.problems, chunk_reader.problems)
    assert merged == sorted(single.problems, key=lambda problem: problem.row or 0)
    assert reader.rows_read["rows"] + chunk_reader.row_count == single.rows_read["rows"]
    assert not chunk_reader.shares_a_building(reader.seen)


def test_hand_off_quotes_as_one_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_opt(tmp_path / "quotes.OPT", _rows_with_quotes())
    monkeypatch.setattr(dvv_open, "CHUNK_LINES", 3)
    single = DvvOpenReader(path)
    expected = list(single.read_flat(0, 1))
    every_other = itertools.cycle([False, True])
    reader, chunk_reader, batches = _handed_off_read(path, lambda _: next(every_other))

    assert _flat_rows(batches) == _flat_rows(expected)
    merged = merged_problems(reader.problems, chunk_reader.problems)
    assert _in_order(merged) == _in_order(single.problems)
    assert not chunk_reader.shares_a_building(reader.seen)


def test_merged_problems_keep_first_invalid_date() -> None:
    def problem(row: int, kind: ProblemKind, column: int, value: str) -> RowProblem:
        return RowProblem(
            "f.OPT", kind, Severity.ERROR, row=row, column=COLUMNS[column], value=value
        )

    date_column = len(COLUMNS) - 1
    reader = [
        problem(9, ProblemKind.INVALID_DATE, date_column, "20261301"),
        problem(3, ProblemKind.INVALID_VALUE, 1, "x"),
    ]
    chunks = [
        problem(5, ProblemKind.INVALID_DATE, date_column, "20261301"),
        problem(7, ProblemKind.INVALID_DATE, date_column, "2026"),
    ]
    assert merged_problems(reader, chunks) == [reader[1], chunks[0], chunks[1]]


def test_hand_off_detects_split_building(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [row_text(row) for row in synthetic_rows(40, seed=3)]
    path = write_opt(tmp_path / "apart.OPT", [*rows, rows[0]])
    monkeypatch.setattr(dvv_open, "CHUNK_LINES", 5)
    last_line = len(rows) + 1
    reader, chunk_reader, _ = _handed_off_read(
        path, lambda chunk: chunk.number + len(chunk.lines) > last_line
    )
    # Each side read the building once, so the caller has to read the file in one reader.
    assert chunk_reader.shares_a_building(reader.seen)
    single = DvvOpenReader(path)
    list(single.read_flat(0, 1))
    assert ProblemKind.NON_CONSECUTIVE_ROWS in {problem.kind for problem in single.problems}


def test_chunked_read_utf8_then_latin1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [row_text(row) for row in synthetic_rows(200, seed=5)]
    data = opt_bytes(rows[:100], encoding="utf-8") + opt_bytes(rows[100:], encoding="iso-8859-1")
    path = tmp_path / "mixed.OPT"
    path.write_bytes(data)
    line_by_line = DvvOpenReader(path)
    expected = list(line_by_line.read_compact(share=(0, 1)))
    monkeypatch.setattr(dvv_open, "CHUNK_LINES", 5)
    chunked = DvvOpenReader(path)
    assert list(chunked.read_compact()) == expected
    assert chunked.problems == line_by_line.problems
    assert chunked.encoding == line_by_line.encoding


@pytest.mark.parametrize("limit", [0, 200_000])
def test_chunked_read_shares_repeated_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    street = {"street_name_fi": "Koivukuja ", "house_number": "1", "postal_code": "00200"}
    path = write(
        tmp_path,
        [
            row(PRT_1, **street),
            row(PRT_2, **street),
            row(PRT_3, **street),
            row(PRT_3, address_number="2", **street),
        ],
    )
    monkeypatch.setattr(dvv_open, "_SHARED_TEXTS_LIMIT", limit)
    buildings = list(DvvOpenReader(path).read_compact())
    addresses = [address for building in buildings for address in building[8]]
    texts = [(address[1], address[3], address[4]) for address in addresses]
    assert texts[0] == ("Koivukuja", "1", "00200")
    if limit:
        # One object per text, so that pickle sends it once. The first building is read
        # line by line, because its codes are new.
        shared = texts[1]
        assert all(a is b for other in texts[2:] for a, b in zip(other, shared, strict=True))
    assert texts == [texts[0]] * 4
    assert [building[7] for building in buildings] == ["00200"] * 3
