"""A sheet or CSV file read as a table: header, numbered rows of typed cells, and what was found.

The readers (``tilaapp.sources.csv_table`` and ``tilaapp.sources.xlsx_table``) stream
raw rows. ``build_table`` then finds the header row, names the columns and keeps the
data rows with the row numbers that a spreadsheet program shows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tilaapp.i18n import N_, gettext
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.textfile import TextEncoding

MEGABYTE = 1024 * 1024
MAX_FILE_SIZE = 200 * MEGABYTE
"""Larger files are rejected before they are opened."""
MAX_CELLS = 20_000_000
"""Maximum number of cells, counted while the rows are streamed. A file with more is rejected.

An estimate of the largest municipal inventory: Helsinki has about 53,000 buildings,
and with about 60 columns that is 3.2 million cells.
"""
HEADER_SEARCH_ROWS = 30
"""The header row is looked for among this many first rows."""


class TableFormat(enum.StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


class SheetState(enum.StrEnum):
    """Visibility of a sheet, as the workbook part states it."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    VERY_HIDDEN = "veryHidden"
    """Hidden so that only a macro can show it again."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: SheetState

    @property
    def hidden(self) -> bool:
        return self.state is not SheetState.VISIBLE


class CellProblemKind(enum.StrEnum):
    FORMULA_WITHOUT_VALUE = "formula_without_value"
    EXCEL_ERROR = "excel_error"
    ENCODING_CHANGED = "encoding_changed"
    INVALID_ENCODING = "invalid_encoding"


CELL_PROBLEM_MESSAGES: dict[CellProblemKind, str] = {
    CellProblemKind.FORMULA_WITHOUT_VALUE: N_(
        "The cell contains a formula whose result was never saved, so its value is "
        "unknown. Open the file in Excel, let it calculate, save it and read it again."
    ),
    CellProblemKind.EXCEL_ERROR: N_(
        "The cell contains the Excel error {error}, so it was read as empty."
    ),
    CellProblemKind.ENCODING_CHANGED: N_(
        "The line is not valid UTF-8 although earlier lines are, so it and the lines "
        "after it were read as {encoding}."
    ),
    CellProblemKind.INVALID_ENCODING: N_(
        "The line contains bytes that are not valid {encoding}, so they were replaced "
        "with the replacement character U+FFFD."
    ),
}


@dataclass(frozen=True)
class CellProblem:
    """A problem of one cell, or of one line of a CSV file when ``column`` is None."""

    row: int
    """The row number as a spreadsheet program shows it (CSV: the line number)."""
    column: int | None
    """Column index from 1, or None for a whole line."""
    kind: CellProblemKind
    params: dict[str, str] = field(default_factory=dict)

    def message(self) -> str:
        """Return the problem in the current language."""
        return gettext(CELL_PROBLEM_MESSAGES[self.kind]).format(**self.params)


@dataclass(frozen=True)
class TableOptions:
    """Choices that override what the reader detects. None means "detect"."""

    sheet: str | None = None
    header_row: int | None = None
    """Row number of the header as a spreadsheet program shows it."""
    encoding: str | None = None
    """Python codec name for a CSV file, such as ``cp1252`` or ``utf-8``."""
    separator: str | None = None
    """Field separator of a CSV file: ``;``, ``,`` or a tab."""


class SeparatorBasis(enum.StrEnum):
    SEP_LINE = "sep_line"
    """Excel's ``sep=`` first line named it."""
    DETECTED = "detected"
    GIVEN = "given"


@dataclass(frozen=True)
class TableRow:
    number: int
    """The row number as a spreadsheet program shows it."""
    values: tuple[object, ...]
    """Typed cells: str, int, float, Decimal, bool, datetime.date or datetime.datetime,
    or None for an empty cell. Exactly as many as the table has columns."""


@dataclass
class Table:
    """One sheet of a workbook, or a CSV file, read whole."""

    path: Path
    format: TableFormat
    columns: list[str]
    """Column names from the header row, unique, in order."""
    rows: list[TableRow]
    """The data rows below the header; empty rows are left out."""
    header_row: int
    header_detected: bool
    """False when the caller gave the header row."""
    skipped_rows_above_header: int
    """Non-empty rows above the header, such as a title."""
    cell_count: int
    problems: list[CellProblem] = field(default_factory=list)
    sheet: str | None = None
    sheets: list[SheetInfo] = field(default_factory=list)
    date1904: bool = False
    """The workbook counts serial dates from 1904 (``workbookPr date1904``)."""
    merged_ranges: int = 0
    encoding: TextEncoding | None = None
    separator: str | None = None
    separator_basis: SeparatorBasis | None = None
    sep_line: bool = False

    @property
    def hidden_sheets(self) -> list[str]:
        return [sheet.name for sheet in self.sheets if sheet.hidden]

    def column_index(self, name: str) -> int | None:
        """Return the 0-based index of column ``name``, or None when the table has none."""
        try:
            return self.columns.index(name)
        except ValueError:
            return None


@dataclass(frozen=True)
class MergedRange:
    min_row: int
    min_column: int
    max_row: int
    max_column: int

    def contains(self, row: int, column: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_column <= column <= self.max_column


class CellCounter:
    """Counts streamed cells and rejects the file once the count passes ``limit``."""

    def __init__(self, path: Path, limit: int) -> None:
        self.path = path
        self.limit = limit
        self.count = 0

    def add(self, cells: int) -> None:
        self.count += cells
        if self.count > self.limit:
            raise FileRejected(
                self.path, RejectionReason.TOO_MANY_CELLS, limit=f"{self.limit:,}".replace(",", " ")
            )


@dataclass
class RawTable:
    """Rows as a reader streamed them, before the header is found."""

    rows: list[tuple[int, tuple[object, ...]]]
    """(row number, cells), without the empty rows."""
    merged: Sequence[MergedRange] = ()


def build_table(
    raw: RawTable, header_row: int | None
) -> tuple[list[str], list[TableRow], int, bool, int]:
    """Find the header, name the columns and return the data rows.

    Returns the column names, the data rows, the header row number, whether it was
    detected, and the number of non-empty rows above it. A ``header_row`` that the file
    does not have gives an empty header, so every column is named by its letter.
    """
    detected = header_row is None
    if header_row is None:
        header_row = detect_header_row(raw.rows, raw.merged)

    header_cells: tuple[object, ...] = ()
    above = 0
    data: list[tuple[int, tuple[object, ...]]] = []
    for number, cells in raw.rows:
        if number < header_row:
            above += 1
        elif number == header_row:
            header_cells = cells
        else:
            data.append((number, cells))

    width = max([len(header_cells), *(len(cells) for _number, cells in data)], default=0)
    columns = column_names(header_cells, width, header_row, raw.merged, raw.rows)
    rows = [TableRow(number, _padded(cells, width)) for number, cells in data]
    return columns, rows, header_row, detected, above


def detect_header_row(
    rows: Sequence[tuple[int, tuple[object, ...]]], merged: Sequence[MergedRange] = ()
) -> int:
    """Return the number of the first row with the most header cells among the first rows.

    A header cell is a text cell, or an empty cell of a range merged down from a row
    above (a header written over two rows). A group title merged across several
    columns counts once, so a row of group titles above the real header scores less
    than the header, and so does a title row.
    """
    best_number = rows[0][0] if rows else 1
    best_score = 0
    for number, cells in rows[:HEADER_SEARCH_ROWS]:
        score = sum(1 for cell in cells if _is_header_text(cell))
        score += _cells_merged_from_above(number, cells, merged)
        if score > best_score:
            best_number, best_score = number, score
    return best_number


def _cells_merged_from_above(
    number: int, cells: tuple[object, ...], merged: Sequence[MergedRange]
) -> int:
    count = 0
    for cell_range in merged:
        if cell_range.min_row < number <= cell_range.max_row:
            columns = range(cell_range.min_column, cell_range.max_column + 1)
            count += sum(
                1 for column in columns if column > len(cells) or cells[column - 1] is None
            )
    return count


def column_names(
    header: tuple[object, ...],
    width: int,
    header_row: int,
    merged: Sequence[MergedRange],
    rows: Sequence[tuple[int, tuple[object, ...]]],
) -> list[str]:
    """Name each column by its header cell, made unique.

    An empty header cell inside a merged range takes the text of the range's first cell.
    A column still without a name gets its letter in brackets, such as ``[K]``.
    """
    cells_by_row = {number: cells for number, cells in rows}
    names: list[str] = []
    for index in range(width):
        text = _header_text(header[index] if index < len(header) else None)
        if not text:
            text = _merged_text(header_row, index + 1, merged, cells_by_row)
        names.append(text or f"[{column_letter(index + 1)}]")
    return _unique(names)


def _merged_text(
    row: int,
    column: int,
    merged: Sequence[MergedRange],
    cells_by_row: dict[int, tuple[object, ...]],
) -> str:
    for cell_range in merged:
        if cell_range.contains(row, column):
            cells = cells_by_row.get(cell_range.min_row, ())
            index = cell_range.min_column - 1
            return _header_text(cells[index] if index < len(cells) else None)
    return ""


def _header_text(cell: object) -> str:
    if cell is None:
        return ""
    # Line breaks inside a header cell are layout, not part of the name.
    return " ".join(str(cell).split())


def _is_header_text(cell: object) -> bool:
    return isinstance(cell, str) and bool(cell.strip())


def column_letter(column: int) -> str:
    """Return the spreadsheet letters of a column numbered from 1 (1 -> A, 27 -> AA)."""
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _unique(names: Iterable[str]) -> list[str]:
    """Return the names with a repeated one numbered, such as ``Ala (2)``."""
    used: set[str] = set()
    unique: list[str] = []
    for name in names:
        candidate = name
        count = 1
        while candidate in used:
            count += 1
            candidate = f"{name} ({count})"
        used.add(candidate)
        unique.append(candidate)
    return unique


def _padded(cells: tuple[object, ...], width: int) -> tuple[object, ...]:
    if len(cells) == width:
        return cells
    return cells + (None,) * (width - len(cells))


def is_empty_row(cells: tuple[object, ...]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def trimmed(cells: Sequence[object]) -> tuple[object, ...]:
    """Return the cells without the empty cells at the end of the row."""
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    return tuple(cells[:end])
