"""Reading one sheet of a user's own Excel workbook (.xlsx) as a table.

openpyxl streams the rows in read-only mode with cached formula results. The sheet's
stored dimension (``<dimension ref>``) is never trusted, because producers write it
wrong, too small or as a whole column such as ``A1:Z1048576``: the rows are read as
they come and their cells are counted while streaming.

openpyxl gives no way to tell a formula without a cached result from an empty cell,
and does not give merged ranges in read-only mode. When the sheet's XML contains
formulas or merged ranges, a second pass with defusedxml's parser finds them.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.table import (
    CellCounter,
    CellProblem,
    CellProblemKind,
    MergedRange,
    RawTable,
    SheetInfo,
    SheetState,
    Table,
    TableFormat,
    TableOptions,
    build_table,
    is_empty_row,
    trimmed,
)
from tilaapp.sources.workbook import check_workbook_file, iter_sheet_rows, open_workbook

logger = logging.getLogger(__name__)

# The error values a cell can cache (ECMA-376 Part 1, 18.18.31 ST_CellErrorType, and
# #GETTING_DATA of Excel 2010 and later). openpyxl gives them as text.
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)

_SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW = f"{_SPREADSHEET_NS}row"
_CELL = f"{_SPREADSHEET_NS}c"
_FORMULA = f"{_SPREADSHEET_NS}f"
_VALUE = f"{_SPREADSHEET_NS}v"
_MERGE_CELL = f"{_SPREADSHEET_NS}mergeCell"
# A formula or merged-range element, with or without a namespace prefix.
_MARKERS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:f|mergeCell)[\s/>]")
_MARKER_OVERLAP = 32
_CHUNK_SIZE = 1024 * 1024
_REFERENCE = re.compile(r"([A-Z]{1,3})([0-9]+)")


@dataclass
class SheetScan:
    """Findings of the second pass over a sheet's XML."""

    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)
    """(row, column) of formula cells without a cached result, both from 1."""
    merged: list[MergedRange] = field(default_factory=list)


def read_xlsx_table(path: Path, options: TableOptions, *, max_size: int, max_cells: int) -> Table:
    """Read one sheet of the workbook ``path``: the one named in ``options``, else the
    first visible one. Raises ``FileRejected``."""
    check_workbook_file(path, max_size=max_size)
    with open_workbook(path) as workbook:
        worksheets = [sheet for sheet in workbook.worksheets if hasattr(sheet, "iter_rows")]
        sheets = [SheetInfo(sheet.title, _state(sheet)) for sheet in worksheets]
        worksheet = _choose_sheet(path, worksheets, sheets, options.sheet)
        date1904 = _is_date1904(workbook)
        scan = scan_sheet(path, workbook, worksheet)
        raw_rows, cells, problems = _stream_rows(path, worksheet, scan, max_cells)

    columns, rows, header_row, detected, above = build_table(
        RawTable(raw_rows, scan.merged), options.header_row
    )
    logger.info(
        "Read sheet %r of %s: %d cells, %d rows below header row %d, %d problems",
        worksheet.title,
        path.name,
        cells,
        len(rows),
        header_row,
        len(problems),
    )
    return Table(
        path=path,
        format=TableFormat.XLSX,
        columns=columns,
        rows=rows,
        header_row=header_row,
        header_detected=detected,
        skipped_rows_above_header=above,
        cell_count=cells,
        problems=problems,
        sheet=worksheet.title,
        sheets=sheets,
        date1904=date1904,
        merged_ranges=len(scan.merged),
    )


def _state(worksheet: Any) -> SheetState:
    try:
        return SheetState(getattr(worksheet, "sheet_state", SheetState.VISIBLE.value))
    except ValueError:
        return SheetState.VISIBLE


def _choose_sheet(
    path: Path, worksheets: list[Any], sheets: list[SheetInfo], name: str | None
) -> Any:
    if name is not None:
        for worksheet in worksheets:
            if worksheet.title == name or worksheet.title.casefold() == name.casefold():
                return worksheet
        raise FileRejected(
            path,
            RejectionReason.SHEET_NOT_FOUND,
            sheet=name,
            sheets=", ".join(sheet.name for sheet in sheets),
        )

    for worksheet, info in zip(worksheets, sheets, strict=True):
        if not info.hidden:
            return worksheet
    if not worksheets:
        raise FileRejected(path, RejectionReason.NOT_A_WORKBOOK)
    # Every sheet is hidden: Excel would not save such a file, but another program might.
    return worksheets[0]


def _is_date1904(workbook: Any) -> bool:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    return bool(workbook.epoch == CALENDAR_MAC_1904)


def _stream_rows(
    path: Path, worksheet: Any, scan: SheetScan, max_cells: int
) -> tuple[list[tuple[int, tuple[object, ...]]], int, list[CellProblem]]:
    counter = CellCounter(path, max_cells)
    problems: list[CellProblem] = []
    rows: list[tuple[int, tuple[object, ...]]] = []
    for number, values in iter_sheet_rows(path, worksheet):
        counter.add(len(values))
        cells = trimmed(_checked_cells(number, values, scan, problems))
        if not is_empty_row(cells):
            rows.append((number, cells))
    return rows, counter.count, problems


def _checked_cells(
    number: int, values: tuple[object, ...], scan: SheetScan, problems: list[CellProblem]
) -> list[object]:
    cells = list(values)
    for index, value in enumerate(cells):
        if isinstance(value, str) and value in EXCEL_ERRORS:
            problems.append(
                CellProblem(number, index + 1, CellProblemKind.EXCEL_ERROR, {"error": value})
            )
            cells[index] = None
        elif value is None and (number, index + 1) in scan.formulas_without_value:
            problems.append(CellProblem(number, index + 1, CellProblemKind.FORMULA_WITHOUT_VALUE))
    return cells


def scan_sheet(path: Path, workbook: Any, worksheet: Any) -> SheetScan:
    """Find formulas without a cached result and merged ranges in the sheet's XML part."""
    # openpyxl 3.1 keeps the name of a read-only sheet's part in _worksheet_path.
    part = getattr(worksheet, "_worksheet_path", None)
    if part is None:
        logger.warning("No part name for sheet %r of %s; not scanned", worksheet.title, path.name)
        return SheetScan()

    with zipfile.ZipFile(path) as archive:
        with archive.open(part) as stream:
            if not _has_markers(stream):
                return SheetScan()
        with archive.open(part) as stream:
            return _parse_markers(path, stream)


def _has_markers(stream: IO[bytes]) -> bool:
    tail = b""
    while chunk := stream.read(_CHUNK_SIZE):
        if _MARKERS.search(tail + chunk):
            return True
        tail = chunk[-_MARKER_OVERLAP:]
    return False


def _parse_markers(path: Path, stream: IO[bytes]) -> SheetScan:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    scan = SheetScan()
    row_number = 0
    try:
        for _event, element in iterparse(stream):
            if element.tag == _ROW:
                row_number = _row_number(element, row_number)
                _scan_row(element, row_number, scan)
                element.clear()
            elif element.tag == _MERGE_CELL:
                merged = _merged_range(element.get("ref", ""))
                if merged is not None:
                    scan.merged.append(merged)
    except DefusedXmlException as error:
        raise FileRejected(path, RejectionReason.UNSAFE_XML) from error
    except ParseError as error:
        raise FileRejected(
            path, RejectionReason.UNREADABLE, detail=f"damaged sheet XML: {error}"
        ) from error
    return scan


def _row_number(row: Any, previous: int) -> int:
    text = row.get("r")
    return int(text) if text and text.isdigit() else previous + 1


def _scan_row(row: Any, row_number: int, scan: SheetScan) -> None:
    column = 0
    for cell in row.iter(_CELL):
        column = _column_number(cell.get("r"), column + 1)
        formula = cell.find(_FORMULA)
        if formula is None:
            continue
        value = cell.find(_VALUE)
        # openpyxl and other writers that never calculate write an empty <v/>; a cached
        # empty text result is written as t="str" with an empty <v>.
        if value is None or (not value.text and cell.get("t") != "str"):
            scan.formulas_without_value.add((row_number, column))


def _column_number(reference: str | None, default: int) -> int:
    if not reference:
        return default
    match = _REFERENCE.fullmatch(reference)
    if match is None:
        return default
    return _letters_to_number(match.group(1))


def _letters_to_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _merged_range(reference: str) -> MergedRange | None:
    corners = reference.split(":")
    if len(corners) != 2:
        return None
    first = _REFERENCE.fullmatch(corners[0])
    last = _REFERENCE.fullmatch(corners[1])
    if first is None or last is None:
        return None
    return MergedRange(
        min_row=int(first.group(2)),
        min_column=_letters_to_number(first.group(1)),
        max_row=int(last.group(2)),
        max_column=_letters_to_number(last.group(1)),
    )
