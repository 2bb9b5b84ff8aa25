"""The building-cost index series: import from CSV, and reading it back.

The municipality keeps the series it uses itself (tilaapp bundles none): one value per
year and the source of each value. The CSV file has a header ``year;index;source`` and
one row per year; the index takes a decimal comma or point. The file is UTF-8, with or
without a byte-order mark. Every row is checked before anything is written, so a file
with one invalid row stores nothing.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.domain.formatting import format_decimal
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.storage.database import Database, backup_database
from tilaapp.storage.models import CostIndexEntry

log = logging.getLogger(__name__)

HEADER = ("year", "index", "source")
EARLIEST_YEAR = 1800
LATEST_YEAR = 2100
# Index values are stored in thousandths of a point.
INDEX_PLACES = 3
SOURCE_MAX_LENGTH = 500
# A series of a few hundred years fits in far less; larger files are not index series.
MAX_FILE_BYTES = 1_000_000
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class CostIndexValue:
    year: int
    index_value: Decimal
    source: str


@dataclass(frozen=True)
class CostIndexProblem:
    """An invalid row of an index file; ``row`` is the line number, the header being 1."""

    row: int | None
    reason: str
    """``not_utf8``, ``too_large``, ``missing_header``, ``column_count``, ``invalid_year``,
    ``duplicate_year``, ``invalid_index``, ``missing_source``, ``source_too_long`` or
    ``no_rows``."""
    value: str | None
    message: str
    """The problem as a translated sentence for the user."""


class InvalidCostIndexFile(Exception):
    """An index file with invalid rows; nothing was stored."""

    def __init__(self, path: Path, problems: list[CostIndexProblem]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} invalid rows")


@dataclass(frozen=True)
class CostIndexImport:
    """The outcome of an index file import: the values read and the counts of changes."""

    database: Path
    file: Path
    values: tuple[CostIndexValue, ...]
    added: int
    updated: int
    unchanged: int
    backup: Path | None


def read_cost_index_file(path: Path) -> tuple[CostIndexValue, ...]:
    """Read and check an index file; return its values sorted by year.

    Raises ``InvalidCostIndexFile`` naming every invalid row, and OSError when the file
    cannot be read.
    """
    with path.open("rb") as file:
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InvalidCostIndexFile(path, [_too_large()])

    text = _decoded(path, data)
    rows = list(csv.reader(text.splitlines(), delimiter=";"))
    values, problems = _parsed_rows(rows)
    if problems:
        raise InvalidCostIndexFile(path, problems)
    return tuple(sorted(values, key=lambda value: value.year))


def _decoded(path: Path, data: bytes) -> str:
    body = data.removeprefix(_UTF8_BOM)
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        problem = CostIndexProblem(
            None,
            "not_utf8",
            None,
            _("The file is not UTF-8 text. Save it as CSV UTF-8 and import it again."),
        )
        raise InvalidCostIndexFile(path, [problem]) from error


def _too_large() -> CostIndexProblem:
    return CostIndexProblem(
        None,
        "too_large",
        None,
        _("The file is larger than {size} bytes, so it is not an index series.").format(
            size=format_decimal(MAX_FILE_BYTES)
        ),
    )


def _parsed_rows(
    rows: list[list[str]],
) -> tuple[list[CostIndexValue], list[CostIndexProblem]]:
    numbered = [(number, row) for number, row in enumerate(rows, start=1) if _has_content(row)]
    if not numbered or tuple(cell.strip().casefold() for cell in numbered[0][1]) != HEADER:
        return [], [_missing_header()]

    values: list[CostIndexValue] = []
    problems: list[CostIndexProblem] = []
    seen_years: set[int] = set()
    for number, row in numbered[1:]:
        value, row_problems = _parsed_row(number, row, seen_years)
        problems.extend(row_problems)
        if value is not None:
            values.append(value)
            seen_years.add(value.year)

    if not values and not problems:
        problems.append(CostIndexProblem(None, "no_rows", None, _("The file has no index values.")))
    return values, problems


def check_cost_index_rows(
    rows: list[tuple[str, str, str]],
) -> tuple[list[CostIndexValue], list[CostIndexProblem]]:
    """Check rows typed in a table: ``(year, index, source)`` texts, the first row being 1.

    Empty rows are skipped. The rules are those of an index file, so a problem names its
    row as the table shows it.
    """
    values: list[CostIndexValue] = []
    problems: list[CostIndexProblem] = []
    seen_years: set[int] = set()
    for number, row in enumerate(rows, start=1):
        if not _has_content(list(row)):
            continue
        value, row_problems = _parsed_row(number, list(row), seen_years)
        problems.extend(row_problems)
        if value is not None:
            values.append(value)
            seen_years.add(value.year)
    return values, problems


def replace_cost_index(database: Database, values: list[CostIndexValue]) -> None:
    """Store ``values`` as the whole series in one transaction; other years are removed."""
    with database.session() as session:
        stored_years = {value.year for value in values}
        for entry in session.scalars(select(CostIndexEntry)):
            if entry.year not in stored_years:
                session.delete(entry)
        for value in values:
            session.merge(
                CostIndexEntry(year=value.year, index_value=value.index_value, source=value.source)
            )
    log.info("Stored the cost index series of %d years in %s", len(values), database.path)


def _has_content(row: list[str]) -> bool:
    return any(cell.strip() for cell in row)


def _missing_header() -> CostIndexProblem:
    return CostIndexProblem(
        1,
        "missing_header",
        None,
        _("The first row must be the header year;index;source."),
    )


def _parsed_row(
    number: int, row: list[str], seen_years: set[int]
) -> tuple[CostIndexValue | None, list[CostIndexProblem]]:
    if len(row) != len(HEADER):
        message = _("Row {row}: give three values separated by semicolons: year;index;source.")
        return None, [
            CostIndexProblem(number, "column_count", ";".join(row), message.format(row=number))
        ]

    year_text, index_text, source_text = (cell.strip() for cell in row)
    problems: list[CostIndexProblem] = []
    year = _year(number, year_text, seen_years, problems)
    index_value = _index_value(number, index_text, problems)
    source = _source(number, source_text, problems)
    if year is None or index_value is None or source is None:
        return None, problems
    return CostIndexValue(year, index_value, source), problems


def _year(
    number: int, text: str, seen_years: set[int], problems: list[CostIndexProblem]
) -> int | None:
    year = int(text) if text.isascii() and text.isdigit() else None
    if year is None or not EARLIEST_YEAR <= year <= LATEST_YEAR:
        message = _("Row {row}: the year {value} is not valid. Give a year from {first} to {last}.")
        problems.append(
            CostIndexProblem(
                number,
                "invalid_year",
                text,
                message.format(row=number, value=text, first=EARLIEST_YEAR, last=LATEST_YEAR),
            )
        )
        return None
    if year in seen_years:
        message = _("Row {row}: the year {value} is in the file twice.")
        problems.append(
            CostIndexProblem(number, "duplicate_year", text, message.format(row=number, value=text))
        )
        return None
    return year


def _index_value(number: int, text: str, problems: list[CostIndexProblem]) -> Decimal | None:
    value: Decimal | None
    try:
        value = Decimal(text.replace(",", ".")) if text and text.count(",") <= 1 else None
    except InvalidOperation:
        value = None

    places_ok = value is not None and value.is_finite() and value == round(value, INDEX_PLACES)
    if value is None or not places_ok or value <= 0:
        message = _(
            "Row {row}: the index {value} is not valid. Give a number greater than 0 "
            "with at most three decimals, such as 105,3."
        )
        problems.append(
            CostIndexProblem(number, "invalid_index", text, message.format(row=number, value=text))
        )
        return None
    return value


def _source(number: int, text: str, problems: list[CostIndexProblem]) -> str | None:
    if not text:
        message = _("Row {row}: give the source of the index value.")
        problems.append(
            CostIndexProblem(number, "missing_source", None, message.format(row=number))
        )
        return None
    if len(text) > SOURCE_MAX_LENGTH:
        message = ngettext(
            "Row {row}: the source is longer than {count} character.",
            "Row {row}: the source is longer than {count} characters.",
            SOURCE_MAX_LENGTH,
        )
        problems.append(
            CostIndexProblem(
                number,
                "source_too_long",
                None,
                message.format(row=number, count=SOURCE_MAX_LENGTH),
            )
        )
        return None
    return text


def import_cost_index(database: Database, path: Path) -> CostIndexImport:
    """Read ``path`` and store its values, replacing stored values of the same years.

    Years the file does not name keep their stored values. An existing database is
    backed up before it changes. Raises ``InvalidCostIndexFile`` and OSError with the
    database unchanged.
    """
    values = read_cost_index_file(path)
    with database.read_session() as session:
        stored = {entry.year: entry for entry in session.scalars(select(CostIndexEntry))}
    changed = [value for value in values if _differs(stored.get(value.year), value)]
    added = sum(1 for value in changed if value.year not in stored)

    backup = None
    if changed and not database.created:
        backup = backup_database(database.path, reason="before-index-import")
    with database.session() as session:
        for value in changed:
            session.merge(
                CostIndexEntry(year=value.year, index_value=value.index_value, source=value.source)
            )

    log.info(
        "Imported cost index %s into %s: %d values, %d added, %d updated",
        path,
        database.path,
        len(values),
        added,
        len(changed) - added,
    )
    return CostIndexImport(
        database=database.path,
        file=path,
        values=values,
        added=added,
        updated=len(changed) - added,
        unchanged=len(values) - len(changed),
        backup=backup,
    )


def _differs(entry: CostIndexEntry | None, value: CostIndexValue) -> bool:
    if entry is None:
        return True
    return entry.index_value != value.index_value or entry.source != value.source


def read_cost_index(session: Session) -> dict[int, CostIndexValue]:
    """Return the stored index values by year."""
    entries = session.scalars(select(CostIndexEntry).order_by(CostIndexEntry.year))
    return {
        entry.year: CostIndexValue(entry.year, entry.index_value, entry.source) for entry in entries
    }
