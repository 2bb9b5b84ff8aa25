"""Tests of reading a user's own workbook or CSV file as a table."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from tilaapp.domain.cells import cell_to_field_value, excel_serial_date, typed_text_cell
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FieldKind
from tilaapp.sources import table as table_module
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.table import CellProblemKind, SeparatorBasis, TableFormat, TableOptions
from tilaapp.sources.tabular import read_table, table_files
from tilaapp.sources.textfile import EncodingBasis

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_parts import Sheet, text_row, write_workbook

HEADER = "Rakennustunnus;Kerrosala;Osoite;Valmistunut\r\n"


def write_csv(path: Path, text: str, encoding: str = "cp1252") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# CSV: encodings


def test_csv_windows_1252_is_declared_encoding(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tilat.csv", HEADER + "1234567892;100;Mäkitie 1;2000\r\n")

    table = read_table(path)

    assert table.encoding is not None
    assert table.encoding.name == "cp1252"
    assert table.encoding.basis is EncodingBasis.DECLARED
    assert table.rows[0].values[2] == "Mäkitie 1"


def test_csv_utf8_with_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tilat.csv", "\ufeff" + HEADER + "1;2;Åkervägen 3;4\r\n", "utf-8")

    table = read_table(path)

    assert table.encoding is not None
    assert table.encoding.basis is EncodingBasis.BYTE_ORDER_MARK
    assert table.columns[0] == "Rakennustunnus"
    assert table.rows[0].values[2] == "Åkervägen 3"


def test_csv_utf8_without_bom(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tilat.csv", HEADER + "1;2;Öljytie 3;4\r\n", "utf-8")

    table = read_table(path)

    assert table.encoding is not None
    assert table.encoding.name == "utf-8"
    assert table.encoding.basis is EncodingBasis.UTF_8_CONTENT
    assert table.rows[0].values[2] == "Öljytie 3"


def test_csv_utf16_with_bom(tmp_path: Path) -> None:
    text = "\ufeff" + HEADER.replace(";", "\t") + "1\t2\tÖljytie 3\t4\r\n"
    path = write_csv(tmp_path / "tilat.csv", text, "utf-16-le")

    table = read_table(path)

    assert table.encoding is not None
    assert table.encoding.name == "utf-16-le"
    assert table.separator == "\t"
    assert table.rows[0].values[2] == "Öljytie 3"


def test_csv_encoding_given_by_caller(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tilat.csv", HEADER + "1;2;Mäkitie 1;4\r\n")

    table = read_table(path, TableOptions(encoding="iso8859-15"))

    assert table.encoding is not None
    assert table.encoding.basis is EncodingBasis.GIVEN
    assert table.encoding.name == "iso8859-15"
    assert table.rows[0].values[2] == "Mäkitie 1"


def test_csv_switch_to_fallback_is_reported(tmp_path: Path) -> None:
    # The encoding is chosen from the first 64 KB, so the cp1252 line comes after them.
    utf8_lines = "1;2;Öljytie 3;4\r\n" * 5000
    path = tmp_path / "tilat.csv"
    path.write_bytes((HEADER + utf8_lines).encode("utf-8") + "2;3;Mäkitie 1;5\r\n".encode("cp1252"))

    table = read_table(path)

    assert table.encoding is not None
    assert table.encoding.name == "utf-8"
    assert table.rows[0].values[2] == "Öljytie 3"
    assert table.rows[-1].values[2] == "Mäkitie 1"
    assert [problem.kind for problem in table.problems] == [CellProblemKind.ENCODING_CHANGED]
    assert table.problems[0].row == 5002


def test_csv_binary_file_rejected(tmp_path: Path) -> None:
    path = tmp_path / "kuva.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

    with pytest.raises(FileRejected) as caught:
        read_table(path)

    assert caught.value.reason is RejectionReason.BINARY_FILE


# CSV: separators


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_csv_separator_detected_with_quoted_commas(tmp_path: Path, separator: str) -> None:
    lines = [
        ["Tunnus", "Nimi", "Osoite"],
        ["1", '"Koulu, vanha osa"', '"Koulutie 1, 00100 Helsinki"'],
        ["2", '"Kirjasto"', '"Kirjastokatu 2, 00100 Helsinki"'],
    ]
    text = "".join(separator.join(line) + "\r\n" for line in lines)
    path = write_csv(tmp_path / "tilat.csv", text)

    table = read_table(path)

    assert table.separator == separator
    assert table.separator_basis is SeparatorBasis.DETECTED
    assert table.columns == ["Tunnus", "Nimi", "Osoite"]
    assert table.rows[0].values == (1, "Koulu, vanha osa", "Koulutie 1, 00100 Helsinki")


def test_csv_semicolon_wins_over_decimal_commas(tmp_path: Path) -> None:
    text = "Tunnus;Ala\r\n1;12,5\r\n2;100,25\r\n3;7,0\r\n"
    path = write_csv(tmp_path / "tilat.csv", text)

    table = read_table(path)

    assert table.separator == ";"
    assert [row.values[1] for row in table.rows] == [
        Decimal("12.5"),
        Decimal("100.25"),
        Decimal("7.0"),
    ]


def test_csv_sep_line_names_separator(tmp_path: Path) -> None:
    text = "sep=,\r\nTunnus,Ala\r\n1,5\r\n"
    path = write_csv(tmp_path / "tilat.csv", text)

    table = read_table(path)

    assert table.separator == ","
    assert table.separator_basis is SeparatorBasis.SEP_LINE
    assert table.sep_line
    assert table.columns == ["Tunnus", "Ala"]
    # Excel hides the sep= line, so the header is row 1.
    assert table.header_row == 1
    assert table.rows[0].number == 2


def test_csv_separator_given_by_caller(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tilat.csv", "a|b\r\n1|2\r\n")

    table = read_table(path, TableOptions(separator="|"))

    assert table.separator_basis is SeparatorBasis.GIVEN
    assert table.columns == ["a", "b"]


def test_csv_quoted_line_break(tmp_path: Path) -> None:
    text = 'Tunnus;Huom\r\n1;"kaksi\r\nriviä"\r\n2;x\r\n'
    path = write_csv(tmp_path / "tilat.csv", text)

    table = read_table(path)

    assert table.rows[0].values == (1, "kaksi\r\nriviä")
    assert table.rows[1].values == (2, "x")


# Numbers and dates in text cells


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1450,5", Decimal("1450.5")),
        ("-12,5", Decimal("-12.5")),
        ("\u221212,5", Decimal("-12.5")),
        ("1 234,5", Decimal("1234.5")),
        ("1\u00a0234,5", Decimal("1234.5")),
        ("1\u202f234\u202f567,25", Decimal("1234567.25")),
        ("1234", 1234),
        ("0,5", Decimal("0.5")),
        ("00560", "00560"),
        ("091", "091"),
        ("5.3.2021", datetime.date(2021, 3, 5)),
        ("31.2.2021", "31.2.2021"),
        ("Koulutie 5", "Koulutie 5"),
        ("  ", None),
    ],
)
def test_typed_text_cell(text: str, expected: object) -> None:
    assert typed_text_cell(text) == expected
    assert type(typed_text_cell(text)) is type(expected)


def test_csv_numbers_typed(tmp_path: Path) -> None:
    text = "Tunnus;Ala;Muutos\r\n1;1\u00a0234,5;-12,5\r\n"
    path = write_csv(tmp_path / "tilat.csv", text, "utf-8")

    table = read_table(path)

    assert table.rows[0].values == (1, Decimal("1234.5"), Decimal("-12.5"))


@pytest.mark.parametrize(
    ("value", "date1904", "expected"),
    [
        ("5.3.2021", False, PartialDate(2021, 3, 5)),
        ("20210305", False, PartialDate(2021, 3, 5)),
        (20210305, False, PartialDate(2021, 3, 5)),
        ("19250000", False, PartialDate(1925)),
        (44260, False, PartialDate(2021, 3, 5)),
        (44260.75, False, PartialDate(2021, 3, 5)),
        (42798, True, PartialDate(2021, 3, 5)),
        (59, False, PartialDate(1900, 2, 28)),
        (61, False, PartialDate(1900, 3, 1)),
        (datetime.datetime(2021, 3, 5, 12, 0), False, PartialDate(2021, 3, 5)),
        (datetime.date(2021, 3, 5), True, PartialDate(2021, 3, 5)),
    ],
)
def test_cell_to_date(value: object, date1904: bool, expected: PartialDate) -> None:
    assert cell_to_field_value(value, FieldKind.DATE, date1904=date1904) == expected


def test_serial_sixty_is_no_date() -> None:
    with pytest.raises(ValueError, match="Excel date"):
        excel_serial_date(60, date1904=False)


def test_cell_to_text_from_number() -> None:
    assert cell_to_field_value(1234567892, FieldKind.TEXT) == "1234567892"
    assert cell_to_field_value(12.0, FieldKind.TEXT) == "12"
    assert cell_to_field_value(Decimal("1.50"), FieldKind.TEXT) == "1.5"


# Workbooks: dates in both date systems


@pytest.mark.parametrize("date1904", [False, True])
def test_workbook_date_cells_in_both_systems(tmp_path: Path, date1904: bool) -> None:
    workbook = openpyxl.Workbook()
    if date1904:
        workbook.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    sheet = workbook.active
    sheet.append(["Tunnus", "Valmistunut", "Sarjanumero"])
    sheet.append(["1", datetime.date(2021, 3, 5), 44260 if not date1904 else 42798])
    path = tmp_path / "tilat.xlsx"
    workbook.save(path)

    table = read_table(path)

    assert table.date1904 is date1904
    date_cell = table.rows[0].values[1]
    assert isinstance(date_cell, datetime.datetime)
    assert date_cell.date() == datetime.date(2021, 3, 5)
    serial = table.rows[0].values[2]
    assert cell_to_field_value(serial, FieldKind.DATE, date1904=table.date1904) == PartialDate(
        2021, 3, 5
    )


def test_workbook_date1904_read_from_workbook_part(tmp_path: Path) -> None:
    rows = text_row(1, "Tunnus", "Valmistunut") + text_row(2, "1", 42798)
    path = write_workbook(tmp_path / "mac.xlsx", [Sheet("Tilat", rows)], date1904=True)

    table = read_table(path)

    assert table.date1904
    assert cell_to_field_value(
        table.rows[0].values[1], FieldKind.DATE, date1904=True
    ) == PartialDate(2021, 3, 5)


# Workbooks: header detection and merged cells


def test_title_row_above_header_is_skipped(tmp_path: Path) -> None:
    rows = (
        text_row(1, "Kunnan tilat 31.12.2025")
        + text_row(3, "Rakennustunnus", "Nimi", "Kerrosala")
        + text_row(4, "1234567892", "Koulu", 1450)
    )
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows)])

    table = read_table(path)

    assert table.header_row == 3
    assert table.header_detected
    assert table.skipped_rows_above_header == 1
    assert table.columns == ["Rakennustunnus", "Nimi", "Kerrosala"]
    assert [row.number for row in table.rows] == [4]


def test_merged_header_cells(tmp_path: Path) -> None:
    # Row 1: "Tunnus" merged down over A1:A2, "Pinta-alat" merged across B1:C1.
    rows = (
        text_row(1, "Tunnus", "Pinta-alat")
        + text_row(2, None, "Kerrosala", "Kokonaisala")
        + text_row(3, "1234567892", 100, 120)
    )
    merges = '<mergeCells count="2"><mergeCell ref="A1:A2"/><mergeCell ref="B1:C1"/></mergeCells>'
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows, after_data=merges)])

    table = read_table(path)

    assert table.header_row == 2
    assert table.merged_ranges == 2
    assert table.columns == ["Tunnus", "Kerrosala", "Kokonaisala"]
    assert table.rows[0].values == ("1234567892", 100, 120)


def test_header_row_given_by_caller(tmp_path: Path) -> None:
    rows = text_row(1, "a", "b", "c") + text_row(2, "Tunnus", "Ala") + text_row(3, "1", 5, "x")
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows)])

    table = read_table(path, TableOptions(header_row=2))

    assert not table.header_detected
    assert table.columns == ["Tunnus", "Ala", "[C]"]


def test_repeated_header_names_numbered(tmp_path: Path) -> None:
    rows = text_row(1, "Ala", "Ala", "Nimi") + text_row(2, 1, 2, "x")
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows)])

    assert read_table(path).columns == ["Ala", "Ala (2)", "Nimi"]


# Workbooks: wrong stored dimensions


@pytest.mark.parametrize("dimension", ["A1:A1", "A1:Z1048576"])
def test_stored_dimension_ignored(tmp_path: Path, dimension: str) -> None:
    rows = "".join(text_row(number, f"r{number}", number) for number in range(2, 40))
    rows = text_row(1, "Tunnus", "Luku") + rows
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows, dimension=dimension)])

    table = read_table(path)

    assert len(table.rows) == 38
    assert table.rows[-1].values == ("r39", 39)
    assert table.cell_count == 78


# Workbooks: formulas


def test_formula_cached_value_used(tmp_path: Path) -> None:
    rows = text_row(1, "Tunnus", "Ala") + (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c>'
        '<c r="B2"><f>100+20</f><v>120</v></c></row>'
    )
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows)])

    table = read_table(path)

    assert table.rows[0].values == ("1", 120)
    assert table.problems == []


def test_formula_without_cached_value_reported(tmp_path: Path) -> None:
    rows = text_row(1, "Tunnus", "Ala", "Nimi") + (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c>'
        '<c r="B2"><f>100+20</f></c>'
        '<c r="C2" t="str"><f>""</f><v></v></c></row>'
    )
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows)])

    table = read_table(path)

    assert [(p.row, p.column, p.kind) for p in table.problems] == [
        (2, 2, CellProblemKind.FORMULA_WITHOUT_VALUE)
    ]


def test_formula_written_by_openpyxl_has_no_value(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Tunnus", "Ala"])
    workbook.active.append(["1", "=10*2"])
    path = tmp_path / "tilat.xlsx"
    workbook.save(path)

    table = read_table(path)

    assert [p.kind for p in table.problems] == [CellProblemKind.FORMULA_WITHOUT_VALUE]


def test_excel_error_value_reported(tmp_path: Path) -> None:
    rows = text_row(1, "Tunnus", "Ala") + (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>1</t></is></c>'
        '<c r="B2" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
    )
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows)])

    table = read_table(path)

    assert table.rows[0].values == ("1", None)
    assert [(p.kind, p.params) for p in table.problems] == [
        (CellProblemKind.EXCEL_ERROR, {"error": "#DIV/0!"})
    ]


# Workbooks: sheets


def test_hidden_sheet_reported_and_skipped(tmp_path: Path) -> None:
    hidden = Sheet("Laskenta", text_row(1, "x", "y"), state="hidden")
    visible = Sheet("Tilat", text_row(1, "Tunnus", "Ala") + text_row(2, "1", 5))
    path = write_workbook(tmp_path / "tilat.xlsx", [hidden, visible])

    table = read_table(path)

    assert table.sheet == "Tilat"
    assert table.hidden_sheets == ["Laskenta"]
    assert table.format is TableFormat.XLSX


def test_hidden_sheet_chosen_by_caller(tmp_path: Path) -> None:
    hidden = Sheet("Laskenta", text_row(1, "x", "y") + text_row(2, 1, 2), state="veryHidden")
    visible = Sheet("Tilat", text_row(1, "Tunnus", "Ala"))
    path = write_workbook(tmp_path / "tilat.xlsx", [hidden, visible])

    table = read_table(path, TableOptions(sheet="laskenta"))

    assert table.sheet == "Laskenta"
    assert table.columns == ["x", "y"]


def test_unknown_sheet_rejected(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", text_row(1, "a"))])

    with pytest.raises(FileRejected) as caught:
        read_table(path, TableOptions(sheet="Muut"))

    assert caught.value.reason is RejectionReason.SHEET_NOT_FOUND
    assert "Tilat" in caught.value.message()


# Lock files


def test_lock_file_given_directly_rejected(tmp_path: Path) -> None:
    lock = tmp_path / "~$tilat.xlsx"
    lock.write_bytes(b"\x05user")

    with pytest.raises(FileRejected) as caught:
        read_table(lock)

    assert caught.value.reason is RejectionReason.LOCK_FILE
    assert "tilat.xlsx" in caught.value.message()


def test_lock_file_skipped_in_folder_and_list(tmp_path: Path) -> None:
    workbook = tmp_path / "tilat.xlsx"
    openpyxl.Workbook().save(workbook)
    lock = tmp_path / "~$tilat.xlsx"
    lock.write_bytes(b"\x05user")
    (tmp_path / "muistio.docx").write_bytes(b"x")

    from_folder = table_files([tmp_path])
    from_list = table_files([workbook, lock])
    alone = table_files([lock])

    assert from_folder.files == [workbook]
    assert from_folder.skipped_lock_files == [lock]
    assert from_list.files == [workbook]
    assert from_list.skipped_lock_files == [lock]
    assert alone.files == [lock]


# Limits


def test_file_over_size_limit_rejected_before_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "iso.xlsx"
    with path.open("wb") as file:
        file.truncate(table_module.MAX_FILE_SIZE + 1)

    def no_open(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_open)

    with pytest.raises(FileRejected) as caught:
        read_table(path)

    assert caught.value.reason is RejectionReason.TOO_LARGE
    assert caught.value.params["limit"] == "200"


def test_too_many_cells_counted_while_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = text_row(1, "Tunnus", "Ala") + "".join(
        text_row(number, str(number), number) for number in range(2, 60)
    )
    # The stored dimension claims one cell.
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", rows, dimension="A1:A1")])
    monkeypatch.setattr(table_module, "MAX_CELLS", 100)

    with pytest.raises(FileRejected) as caught:
        read_table(path)

    assert caught.value.reason is RejectionReason.TOO_MANY_CELLS


def test_too_many_cells_in_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_csv(tmp_path / "tilat.csv", "a;b\r\n" + "1;2\r\n" * 60)
    monkeypatch.setattr(table_module, "MAX_CELLS", 100)

    with pytest.raises(FileRejected) as caught:
        read_table(path)

    assert caught.value.reason is RejectionReason.TOO_MANY_CELLS


def test_helsinki_sized_extract_within_limits() -> None:
    assert table_module.MAX_CELLS >= 53_000 * 60
