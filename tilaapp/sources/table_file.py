"""Reading a table back from an Excel workbook or a CSV file, as rows of raw cell values.

The reader serves files that tilaapp wrote and a user then edited in a spreadsheet
program. Workbook cells keep the types that openpyxl reads (``str``, ``int``, ``float``,
``datetime``, ``bool`` or None), because a re-saved file may turn a number into text or a
text into a number. CSV cells are text. The sheet read is the first whose header row
contains a given key header, so sheets that the user added are skipped.

A workbook cell whose value is unknown, a formula without a cached result or an Excel
error value such as ``#N/A``, is read as an ``UnknownCellValue``, never as an empty cell:
an empty cell would remove the value in use.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.textfile import (
    READ_ERRORS,
    WINDOWS_1252,
    TextSource,
    open_text_source,
    rejection_for,
)
from tilaapp.sources.workbook import check_workbook_file, iter_sheet_rows, open_workbook
from tilaapp.sources.xlsx_table import EXCEL_ERRORS, SheetScan, scan_sheet

log = logging.getLogger(__name__)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
# An export of every building of a large municipality is a few megabytes, so these
# limits leave room for edited copies and reject files that are surely something else.
MAX_WORKBOOK_SIZE = 200 * 1024 * 1024
MAX_CSV_SIZE = 200 * 1024 * 1024


@dataclass(frozen=True)
class UnknownCellValue:
    """A workbook cell whose value the file does not hold."""

    formula_without_value: bool
    """True for a formula that was never calculated, False for an Excel error value."""
    text: str
    """The error value, such as ``#DIV/0!``, or empty for a formula."""


# Separators tried in this order when the header row does not show which one is used:
# Finnish Excel writes ";", English Excel ",".
_CSV_SEPARATORS = (";", ",", "\t")


@dataclass(frozen=True)
class Table:
    """The header row and the data rows of one sheet or CSV file."""

    path: Path
    sheet: str | None
    """The sheet's name, or None for a CSV file."""
    header: tuple[object, ...]
    rows: tuple[tuple[int, tuple[object, ...]], ...]
    """``(row number as a spreadsheet shows it, cell values)``. Empty rows are left out."""
    is_csv: bool


class NoKeyColumn(Exception):
    """No sheet of the file has the key header in its first row."""

    def __init__(self, path: Path, key_header: str) -> None:
        self.path = path
        self.key_header = key_header
        super().__init__(f"{path}: no column {key_header!r} in the first row")


def read_table(path: Path, *, key_header: str) -> Table:
    """Read the table whose first row contains ``key_header`` (compared case-folded).

    The format follows the suffix: .xlsx or .xlsm for a workbook, .csv or .txt for text.
    Raises ``FileRejected`` (UNSUPPORTED_FORMAT for another suffix, and the reasons of
    ``check_workbook_file`` and ``open_text_source``) and ``NoKeyColumn``.
    """
    suffix = path.suffix.lower()
    if path.is_dir():
        raise FileRejected(path, RejectionReason.IS_A_FOLDER)
    if suffix in WORKBOOK_SUFFIXES:
        return _read_workbook(path, key_header)
    if suffix in CSV_SUFFIXES:
        return _read_csv(path, key_header)
    raise FileRejected(
        path, RejectionReason.UNSUPPORTED_FORMAT, formats="Excel (.xlsx), CSV (.csv)"
    )


def is_key_header(value: object, key_header: str) -> bool:
    return isinstance(value, str) and value.strip().casefold() == key_header.casefold()


# Excel workbook


def _read_workbook(path: Path, key_header: str) -> Table:
    check_workbook_file(path, max_size=MAX_WORKBOOK_SIZE)
    with open_workbook(path) as workbook:
        for worksheet in workbook.worksheets:
            rows = iter_sheet_rows(path, worksheet)
            first = next(rows, None)
            if first is None or not any(is_key_header(cell, key_header) for cell in first[1]):
                continue
            scan = scan_sheet(path, workbook, worksheet)
            data = tuple(
                (number, _marked_unknown(number, cells, scan))
                for number, cells in rows
                if _has_content(cells) or _has_unknown(number, scan)
            )
            log.info("Read %d rows of sheet %r of %s", len(data), worksheet.title, path.name)
            return Table(path, worksheet.title, first[1], data, is_csv=False)
    raise NoKeyColumn(path, key_header)


def _marked_unknown(number: int, cells: tuple[object, ...], scan: SheetScan) -> tuple[object, ...]:
    marked = list(cells)
    for index, cell in enumerate(marked):
        if isinstance(cell, str) and cell in EXCEL_ERRORS:
            marked[index] = UnknownCellValue(formula_without_value=False, text=cell)
        elif cell is None and (number, index + 1) in scan.formulas_without_value:
            marked[index] = UnknownCellValue(formula_without_value=True, text="")
    return tuple(marked)


def _has_unknown(number: int, scan: SheetScan) -> bool:
    return any(row == number for row, _column in scan.formulas_without_value)


def _has_content(cells: tuple[object, ...]) -> bool:
    return any(cell is not None and (not isinstance(cell, str) or cell.strip()) for cell in cells)


# CSV


def _read_csv(path: Path, key_header: str) -> Table:
    _check_csv_size(path)
    with open_text_source(path, declared_encoding=WINDOWS_1252) as source:
        text = _decode(source)

    separator = _separator(text.partition("\n")[0], key_header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        rows = list(reader)
    except csv.Error as error:
        raise FileRejected(
            path, RejectionReason.UNREADABLE, detail=f"line {reader.line_num}: {error}"
        ) from error

    if not rows or not any(is_key_header(cell, key_header) for cell in rows[0]):
        raise NoKeyColumn(path, key_header)
    # A spreadsheet shows each record as one row, even one whose quoted cell spans lines.
    data = tuple(
        (number, tuple(cells))
        for number, cells in enumerate(rows[1:], start=2)
        if _has_content(tuple(cells))
    )
    log.info("Read %d rows of %s with separator %r", len(data), path.name, separator)
    return Table(path, None, tuple(rows[0]), data, is_csv=True)


def _check_csv_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except FileNotFoundError as error:
        raise FileRejected(path, RejectionReason.NOT_FOUND) from error
    except OSError as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error
    if size > MAX_CSV_SIZE:
        raise FileRejected(
            path,
            RejectionReason.TOO_LARGE,
            size=f"{size / 1024 / 1024:.0f}",
            limit=f"{MAX_CSV_SIZE / 1024 / 1024:.0f}",
        )


def _decode(source: TextSource) -> str:
    """Return the whole text, in the fallback encoding when it is not UTF-8 after the head."""
    try:
        content = source.stream.read()
    except READ_ERRORS as error:
        raise rejection_for(source.path, error) from error

    try:
        return content.decode(source.stream_encoding)
    except UnicodeDecodeError:
        fallback = source.encoding.fallback
        if fallback is None:
            return content.decode(source.stream_encoding, "replace")
        log.info(
            "%s is not UTF-8 after its first 64 KB, so it is read as %s", source.path.name, fallback
        )
        return content.decode(fallback, "replace")


def _separator(first_line: str, key_header: str) -> str:
    """Return the separator that follows the key header, or the first one the line has."""
    folded = first_line.lstrip('"').casefold()
    key = key_header.casefold()
    if folded.startswith(key):
        rest = folded[len(key) :].lstrip('"')
        if rest[:1] in _CSV_SEPARATORS:
            return rest[0]
    for separator in _CSV_SEPARATORS:
        if separator in first_line:
            return separator
    return _CSV_SEPARATORS[0]
