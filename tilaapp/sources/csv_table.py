"""Reading a user's own CSV file as a table.

The encoding follows the rule of ``tilaapp.sources.textfile`` with Windows-1252 as the
declared encoding, because Excel in Finland saves CSV files in it. The separator is the
one that Excel's ``sep=`` first line names. Without that line, it is the candidate that
splits the first lines into the most rows of one column count above one, and a tie
goes to ``;``, which Finnish Excel writes. Quoted fields may contain separators and
line breaks.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from tilaapp.domain.cells import typed_text_cell
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.table import (
    CellCounter,
    CellProblem,
    CellProblemKind,
    RawTable,
    SeparatorBasis,
    Table,
    TableFormat,
    TableOptions,
    build_table,
    is_empty_row,
    trimmed,
)
from tilaapp.sources.textfile import (
    READ_ERRORS,
    WINDOWS_1252,
    DecodeEvent,
    TextSource,
    open_text_source,
    rejection_for,
)

logger = logging.getLogger(__name__)

SEPARATORS = (";", "\t", ",")
"""Candidate separators, in the order that wins a tie."""
SEPARATOR_SAMPLE_LINES = 50
# A quoted field may contain a whole paragraph, and Python's default limit is 128 KB.
MAX_FIELD_SIZE = 1024 * 1024

_SEP_LINE = re.compile(r'"?sep=(.)"?\s*', re.IGNORECASE)


def read_csv_table(path: Path, options: TableOptions, *, max_cells: int) -> Table:
    """Read ``path`` as a CSV table.

    Raises ``FileRejected``, and ``LookupError`` for an unknown ``options.encoding``.
    """
    with open_text_source(
        path, declared_encoding=WINDOWS_1252, encoding=options.encoding
    ) as source:
        problems: list[CellProblem] = []
        lines = _decoded_lines(source, problems)
        try:
            first = next(lines, "")
            sep_line = _SEP_LINE.fullmatch(first)
            separator, basis = _separator(source, options, sep_line)
            if sep_line is None:
                lines = _chained(first, lines)
            raw_rows, cells = _parse(path, lines, separator, sep_line is not None, max_cells)
        except READ_ERRORS as error:
            raise rejection_for(path, error) from error

    columns, rows, header_row, detected, above = build_table(RawTable(raw_rows), options.header_row)
    logger.info(
        "Read %s: %s, separator %r (%s), %d rows below header row %d",
        path.name,
        source.encoding.name,
        separator,
        basis.value,
        len(rows),
        header_row,
    )
    return Table(
        path=path,
        format=TableFormat.CSV,
        columns=columns,
        rows=rows,
        header_row=header_row,
        header_detected=detected,
        skipped_rows_above_header=above,
        cell_count=cells,
        problems=problems,
        encoding=source.encoding,
        separator=separator,
        separator_basis=basis,
        sep_line=sep_line is not None,
    )


def _decoded_lines(source: TextSource, problems: list[CellProblem]) -> Iterator[str]:
    def report(line_number: int, event: DecodeEvent, encoding: str) -> None:
        kind = (
            CellProblemKind.INVALID_ENCODING
            if event is DecodeEvent.REPLACED
            else CellProblemKind.ENCODING_CHANGED
        )
        problems.append(CellProblem(line_number, None, kind, {"encoding": encoding}))

    decoder = source.line_decoder(report)
    for line_number, raw in enumerate(source.stream, start=1):
        yield decoder.decode(raw, line_number)


def _chained(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def _separator(
    source: TextSource, options: TableOptions, sep_line: re.Match[str] | None
) -> tuple[str, SeparatorBasis]:
    if options.separator is not None:
        return options.separator, SeparatorBasis.GIVEN
    if sep_line is not None:
        return sep_line.group(1), SeparatorBasis.SEP_LINE
    return detect_separator(_sample_lines(source)), SeparatorBasis.DETECTED


def _sample_lines(source: TextSource) -> list[str]:
    text = source.head.decode(source.stream_encoding, errors="replace")
    lines = text.splitlines(keepends=True)
    if lines and _SEP_LINE.fullmatch(lines[0]):
        lines = lines[1:]
    return lines[: SEPARATOR_SAMPLE_LINES + 1]


def detect_separator(lines: list[str]) -> str:
    """Return the candidate that gives the most rows of one column count above one."""
    # The last line of a sample may be cut short, so it is left out of the count.
    sample = lines[:-1] if len(lines) > 1 else lines
    best = SEPARATORS[0]
    best_score = (0, 0)
    for candidate in SEPARATORS:
        counts = [len(row) for row in csv.reader(sample, delimiter=candidate) if row]
        modal = max(set(counts), key=counts.count, default=0)
        score = (counts.count(modal), modal) if modal > 1 else (0, 0)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _parse(
    path: Path, lines: Iterator[str], separator: str, has_sep_line: bool, max_cells: int
) -> tuple[list[tuple[int, tuple[object, ...]]], int]:
    """Return the non-empty rows with their numbers, and the number of cells read.

    Rows are numbered as Excel shows the file, which hides the ``sep=`` line.
    """
    counter = CellCounter(path, max_cells)
    previous_limit = csv.field_size_limit(MAX_FIELD_SIZE)
    rows: list[tuple[int, tuple[object, ...]]] = []
    reader = csv.reader(lines, delimiter=separator, strict=False)
    number = 0
    try:
        for record in reader:
            number += 1
            counter.add(len(record))
            cells = trimmed([typed_text_cell(text) for text in record])
            if not is_empty_row(cells):
                rows.append((number, cells))
    except csv.Error as error:
        line = reader.line_num + (1 if has_sep_line else 0)
        raise FileRejected(
            path, RejectionReason.UNREADABLE, detail=f"line {line}: {error}"
        ) from error
    finally:
        csv.field_size_limit(previous_limit)
    return rows, counter.count
