"""Re-import of an edited list export: the changed cells as a preview, then one undo step.

A user exports the register list (``list_export``), corrects values in Excel and gives
the file back. The rows are matched to buildings by the key column ``tilaapp-id``, and
the other columns by their headers in any of the three UI languages or by their column
ids. Each cell of an editable column is compared with the value in use that the list
shows. A cell that reads as that value is unchanged, whatever type or language the
spreadsheet program gave it, so an unedited file gives no changes.

A changed cell becomes a ``ValueChange``: valid when its value passes the field's checks,
invalid with the check's message otherwise. Cells of read-only columns (identifiers,
address, tenure, holder entity and the property identifier, which the land register
keeps) that differ are reported and never applied. ``apply_changes`` writes the accepted
valid changes as local values in one transaction and one undo step, with the history
source ``spreadsheet``.
"""

from __future__ import annotations

import datetime
import enum
import functools
import logging
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tilaapp.domain.codelists import normalise_code
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME, FieldKind
from tilaapp.domain.formatting import format_partial_date
from tilaapp.domain.identifiers import normalise_property_identifier
from tilaapp.domain.numbers import decimal_to_text, parse_decimal
from tilaapp.domain.textcells import restore_text
from tilaapp.domain.validation import ValidationResult, parse_local_input, validate_value
from tilaapp.i18n import LANGUAGES, current_language, load_translations, ngettext
from tilaapp.i18n import gettext as _
from tilaapp.services.editing import SET_VALUES_FROM_LIST, EditService, EditStep
from tilaapp.services.list_texts import (
    KEY_COLUMN_HEADER,
    LIST_COLUMN_LABELS,
    TENURE_LABELS,
    list_value_text,
)
from tilaapp.services.listing import LIST_COLUMNS, ListRow, list_rows
from tilaapp.sources.records import FileRejected
from tilaapp.sources.table_file import (
    NoKeyColumn,
    Table,
    UnknownCellValue,
    is_key_header,
    read_table,
)
from tilaapp.storage.models import LocalValue

log = logging.getLogger(__name__)

SPREADSHEET_SOURCE = "spreadsheet"
"""History source of the values that a re-imported list set."""

EDITABLE_COLUMNS: tuple[str, ...] = (
    "local_name",
    "municipality_number",
    "building_class_2018",
    "use_class_1994",
    "gross_floor_area",
    "completion_date",
)
"""List columns whose cells set the local value of the field of the same name."""

# CSV exports always write a decimal comma (``list_export``), which English input
# would read as a thousands separator.
CSV_NUMBER_LANGUAGE = "fi"

_MUNICIPALITY_IN_TEXT = re.compile(r"\(\s*([0-9]{1,3})\s*\)\s*$")


class ChangeStatus(enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    """The value breaks the field's rules. ``ValueChange.message`` gives the reason."""
    READ_ONLY = "read_only"
    """The column is not edited through the list."""


@dataclass(frozen=True)
class ValueChange:
    """One cell that differs from the value in use of its building."""

    row: int
    """The row number as the spreadsheet shows it."""
    building_id: int
    building: str
    """The permanent building identifier, or ``id:N`` for a building without one."""
    building_name: str
    """The building's own name, else its address, else empty."""
    column: str
    """The list column, for an editable column also the field that changes."""
    old: Any
    """The value in use that the list shows."""
    new: Any
    """The value read from the cell, None for an emptied cell or one that cannot be read."""
    old_text: str
    new_text: str
    """The new value as the list would show it, or the cell's text when it is invalid."""
    status: ChangeStatus
    message: str | None = None

    @property
    def applicable(self) -> bool:
        return self.status is ChangeStatus.VALID

    @property
    def key(self) -> tuple[int, str]:
        return (self.building_id, self.column)


class ProblemKind(enum.Enum):
    MISSING_KEY = "missing_key"
    INVALID_KEY = "invalid_key"
    UNKNOWN_KEY = "unknown_key"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_COLUMN = "unknown_column"
    DUPLICATE_COLUMN = "duplicate_column"


@dataclass(frozen=True)
class ReimportProblem:
    """A row or a column of the file that was skipped, and why."""

    kind: ProblemKind
    rows: tuple[int, ...] = ()
    value: str = ""
    """The key or the header concerned."""

    def message(self) -> str:
        """Return the problem as a sentence in the current language."""
        rows = ", ".join(str(row) for row in self.rows)
        count = len(self.rows)
        if self.kind is ProblemKind.MISSING_KEY:
            return _(
                "Row {row} has no tilaapp-id, so it was skipped. Rows added in a spreadsheet "
                "cannot be imported: add buildings by importing a register file."
            ).format(row=rows)
        if self.kind is ProblemKind.INVALID_KEY:
            return _(
                "Row {row}: the tilaapp-id “{key}” is not a whole number, so the row was "
                "skipped. Keep the first column as it was exported."
            ).format(row=rows, key=self.value)
        if self.kind is ProblemKind.UNKNOWN_KEY:
            return _(
                "Row {row}: no building of this database has the tilaapp-id {key}, so the "
                "row was skipped. Was the list exported from another database?"
            ).format(row=rows, key=self.value)
        if self.kind is ProblemKind.DUPLICATE_KEY:
            return ngettext(
                "Row {rows}: the tilaapp-id {key} appears more than once, so its rows were "
                "skipped. Keep one row per building.",
                "Rows {rows}: the tilaapp-id {key} appears more than once, so these rows "
                "were skipped. Keep one row per building.",
                count,
            ).format(rows=rows, key=self.value)
        if self.kind is ProblemKind.UNKNOWN_COLUMN:
            return _(
                "The column “{header}” is not a column of the building list, so it was skipped."
            ).format(header=self.value)
        return _(
            "The column “{header}” appears more than once, so only its first copy was read."
        ).format(header=self.value)


@dataclass(frozen=True)
class ReimportPreview:
    """The changes that re-importing a file would make, and the rows and columns it skipped."""

    path: Path
    language: str
    """The UI language of the file's headers, which also reads its dates and numbers."""
    rows_read: int
    buildings_matched: int
    columns: tuple[str, ...]
    """The list columns found in the file, in the file's order."""
    changes: tuple[ValueChange, ...]
    """Changed cells of editable columns, valid and invalid, in the file's order."""
    read_only: tuple[ValueChange, ...]
    problems: tuple[ReimportProblem, ...]

    @property
    def valid_changes(self) -> tuple[ValueChange, ...]:
        return tuple(change for change in self.changes if change.applicable)

    @property
    def invalid_changes(self) -> tuple[ValueChange, ...]:
        return tuple(change for change in self.changes if not change.applicable)


# Errors


class EditedListRejected(Exception):
    """The file cannot be read as a list export. Nothing was read and nothing changed."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(f"{path}: {detail}")


class EditedListUnreadable(EditedListRejected):
    """The file is missing, not a workbook or CSV file, or damaged."""

    def __init__(self, path: Path, rejection: FileRejected) -> None:
        self.rejection = rejection
        super().__init__(path, str(rejection))


class EditedListWithoutKey(EditedListRejected):
    """No sheet of the file has the key column, so no row can be matched to a building."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, f"no {KEY_COLUMN_HEADER} column")


class EditedListOutdated(Exception):
    """A value in use changed between the preview and applying it. Nothing was written."""

    def __init__(self, building: str, column: str) -> None:
        self.building = building
        self.column = column
        super().__init__(f"building {building} column {column} changed since the preview")


# Reading the file


def read_edited_list(session: Session, path: Path) -> ReimportPreview:
    """Read an edited list export and compare it with the values in use.

    The register list must be complete (``listing.ensure_list``). Raises
    ``EditedListUnreadable`` and ``EditedListWithoutKey``.
    """
    table = _read(path)
    layout = _ColumnLayout.of(table.header)
    keyed, problems = _keyed_rows(table, layout.key_index)
    rows_by_id = {row.id: row for row in list_rows(session, list(keyed))}

    comparer = _Comparer(session, layout.language, number_language(table, layout.language))
    changes: list[ValueChange] = []
    read_only: list[ValueChange] = []
    for building_id, (row_number, cells) in keyed.items():
        listed = rows_by_id.get(building_id)
        if listed is None:
            unknown = ReimportProblem(ProblemKind.UNKNOWN_KEY, (row_number,), str(building_id))
            problems.append(unknown)
            continue
        for index, column in layout.columns.items():
            cell = _restored(cells[index] if index < len(cells) else None, table)
            change = comparer.compare(row_number, listed, column, cell)
            if change is None:
                continue
            (read_only if change.status is ChangeStatus.READ_ONLY else changes).append(change)

    problems.extend(layout.problems)
    preview = ReimportPreview(
        path=path,
        language=layout.language,
        rows_read=len(table.rows),
        buildings_matched=len(rows_by_id),
        columns=tuple(layout.columns.values()),
        changes=tuple(changes),
        read_only=tuple(read_only),
        problems=tuple(sorted(problems, key=_problem_order)),
    )
    _log_preview(preview)
    return preview


def _read(path: Path) -> Table:
    try:
        return read_table(path, key_header=KEY_COLUMN_HEADER)
    except FileRejected as error:
        log.info("Rejected the edited list %s: %s", path, error)
        raise EditedListUnreadable(path, error) from error
    except NoKeyColumn as error:
        log.info("Rejected the edited list %s: no key column", path)
        raise EditedListWithoutKey(path) from error


def number_language(table: Table, language: str) -> str:
    """Return the language that reads numbers written as text in ``table``."""
    return CSV_NUMBER_LANGUAGE if table.is_csv else language


def _restored(cell: object, table: Table) -> object:
    """Undo the CSV export's apostrophe before text that a spreadsheet reads as a formula."""
    if table.is_csv and isinstance(cell, str):
        return restore_text(cell)
    return cell


def _problem_order(problem: ReimportProblem) -> tuple[int, int]:
    return (problem.rows[0] if problem.rows else 0, list(ProblemKind).index(problem.kind))


def _log_preview(preview: ReimportPreview) -> None:
    log.info(
        "Read edited list %s (%s): %d rows, %d buildings, %d valid and %d invalid changes, "
        "%d read-only differences, %d problems",
        preview.path,
        preview.language,
        preview.rows_read,
        preview.buildings_matched,
        len(preview.valid_changes),
        len(preview.invalid_changes),
        len(preview.read_only),
        len(preview.problems),
    )


# Columns


@functools.cache
def _labels(language: str) -> dict[str, str]:
    """Return the list columns by their folded header in ``language``."""
    translations = load_translations(language)
    return {
        _fold(translations.gettext(label)): column for column, label in LIST_COLUMN_LABELS.items()
    }


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class _ColumnLayout:
    key_index: int
    columns: dict[int, str]
    """List columns by their index in a row."""
    language: str
    problems: tuple[ReimportProblem, ...]

    @classmethod
    def of(cls, header: Sequence[object]) -> _ColumnLayout:
        """Find the key column and the list columns by their headers in any UI language."""
        key_index = next(
            index for index, cell in enumerate(header) if is_key_header(cell, KEY_COLUMN_HEADER)
        )
        columns: dict[int, str] = {}
        votes = dict.fromkeys(LANGUAGES, 0)
        problems: list[ReimportProblem] = []
        for index, cell in enumerate(header):
            if index == key_index or cell is None or not str(cell).strip():
                continue
            text = str(cell).strip()
            column, languages = _column_of(text)
            if column is None:
                problems.append(ReimportProblem(ProblemKind.UNKNOWN_COLUMN, value=text))
            elif column in columns.values():
                problems.append(ReimportProblem(ProblemKind.DUPLICATE_COLUMN, value=text))
            else:
                columns[index] = column
                for language in languages:
                    votes[language] += 1
        return cls(key_index, columns, _likeliest(votes), tuple(problems))


def _column_of(header: str) -> tuple[str | None, list[str]]:
    """Return the list column named by ``header``, and the languages whose label it is."""
    folded = _fold(header)
    if folded in LIST_COLUMNS:
        return folded, []
    found: str | None = None
    languages: list[str] = []
    for language in LANGUAGES:
        column = _labels(language).get(folded)
        if column is not None:
            found = found or column
            languages.append(language)
    return found, languages


def _likeliest(votes: dict[str, int]) -> str:
    """Return the language with the most headers; the UI language wins a tie."""
    best = max(votes.values())
    if votes.get(current_language()) == best:
        return current_language()
    return next(language for language, count in votes.items() if count == best)


# Rows


def _keyed_rows(
    table: Table, key_index: int
) -> tuple[dict[int, tuple[int, tuple[object, ...]]], list[ReimportProblem]]:
    """Return the rows by building id, and the rows skipped for their key."""
    by_key: dict[int, list[tuple[int, tuple[object, ...]]]] = {}
    problems: list[ReimportProblem] = []
    for row_number, cells in table.rows:
        cell = cells[key_index] if key_index < len(cells) else None
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            problems.append(ReimportProblem(ProblemKind.MISSING_KEY, (row_number,)))
            continue
        building_id = _key(cell)
        if building_id is None:
            problems.append(ReimportProblem(ProblemKind.INVALID_KEY, (row_number,), str(cell)))
            continue
        by_key.setdefault(building_id, []).append((row_number, cells))

    keyed: dict[int, tuple[int, tuple[object, ...]]] = {}
    for building_id, rows in by_key.items():
        if len(rows) > 1:
            numbers = tuple(number for number, _cells in rows)
            problems.append(ReimportProblem(ProblemKind.DUPLICATE_KEY, numbers, str(building_id)))
            continue
        keyed[building_id] = rows[0]
    return keyed, problems


def _key(cell: object) -> int | None:
    """Return a key cell as a building id: a whole number, as a number or as text."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, int):
        return cell if cell > 0 else None
    if isinstance(cell, float) and cell.is_integer() and cell > 0:
        return int(cell)
    if isinstance(cell, str) and cell.strip().isascii() and cell.strip().isdigit():
        return int(cell.strip()) or None
    return None


# Comparing cells with the values in use


class _Comparer:
    """Compares the cells of one file with the list rows of their buildings."""

    def __init__(self, session: Session, language: str, numbers_language: str) -> None:
        self._session = session
        self._language = language
        self._numbers_language = numbers_language

    def compare(
        self, row_number: int, listed: ListRow, column: str, cell: object
    ) -> ValueChange | None:
        """Return the change that ``cell`` makes, or None when it shows the value in use."""
        if isinstance(cell, UnknownCellValue):
            message = _unknown_cell_message(column, cell)
            return self._change(
                row_number, listed, column, None, cell, ChangeStatus.INVALID, message
            )

        old = _value_in_list(listed, column)
        if _shows(column, cell, old, self._language):
            return None
        if column not in EDITABLE_COLUMNS:
            return self._change(row_number, listed, column, None, cell, ChangeStatus.READ_ONLY)

        result = self._read_cell(column, cell)
        if result.ok and result.value == old:
            return None
        if not result.ok:
            return self._change(
                row_number, listed, column, None, cell, ChangeStatus.INVALID, result.message
            )
        if result.value is None and not self._has_local_value(listed.id, column):
            message = _(
                "{field}: an empty cell cannot remove a register value. Enter a value, "
                "or leave the cell as it was exported."
            ).format(field=_column_label(column))
            return self._change(
                row_number, listed, column, None, cell, ChangeStatus.INVALID, message
            )
        return self._change(row_number, listed, column, result.value, cell, ChangeStatus.VALID)

    def _read_cell(self, column: str, cell: object) -> ValidationResult:
        kind = FIELDS_BY_NAME[column].kind
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            return ValidationResult(column)
        if kind is FieldKind.CODE:
            return validate_value(column, _code_text(column, cell) or "")
        if kind is FieldKind.DECIMAL:
            return self._read_number(column, cell)
        if kind is FieldKind.DATE:
            return self._read_date(column, cell)
        return validate_value(column, cell_text(cell))

    def _read_number(self, column: str, cell: object) -> ValidationResult:
        if isinstance(cell, int | float | Decimal) and not isinstance(cell, bool):
            return validate_value(column, parse_decimal(cell))
        return parse_local_input(column, cell_text(cell), self._numbers_language)

    def _read_date(self, column: str, cell: object) -> ValidationResult:
        if isinstance(cell, datetime.date):
            return validate_value(column, PartialDate(cell.year, cell.month, cell.day))
        return parse_local_input(column, cell_text(cell), self._language)

    def _has_local_value(self, building_id: int, field: str) -> bool:
        local = self._session.get(LocalValue, building_id)
        return local is not None and getattr(local, field) is not None

    def _change(
        self,
        row_number: int,
        listed: ListRow,
        column: str,
        new: Any,
        cell: object,
        status: ChangeStatus,
        message: str | None = None,
    ) -> ValueChange:
        old = _value_in_list(listed, column)
        if status is ChangeStatus.VALID:
            new_text = list_value_text(column, new) or _("(own value removed)")
        else:
            new_text = cell_text(cell)
        return ValueChange(
            row=row_number,
            building_id=listed.id,
            building=listed.permanent_building_identifier or f"id:{listed.id}",
            building_name=listed.local_name or listed.address or "",
            column=column,
            old=old,
            new=new,
            old_text=list_value_text(column, old) or "",
            new_text=new_text,
            status=status,
            message=message,
        )


def _unknown_cell_message(column: str, cell: UnknownCellValue) -> str:
    if cell.formula_without_value:
        return _(
            "{field}: the cell holds a formula whose result the file does not contain. Open "
            "the file in Excel and save it, or type the value in the cell."
        ).format(field=_column_label(column))
    return _(
        "{field}: the cell holds Excel's error value {error}. Correct the cell, or give it "
        "the value that was exported."
    ).format(field=_column_label(column), error=cell.text)


def _value_in_list(listed: ListRow, column: str) -> Any:
    value = getattr(listed, column)
    return None if value == "" else value


def _column_label(column: str) -> str:
    return _(LIST_COLUMN_LABELS[column])


def _shows(column: str, cell: object, value: Any, language: str) -> bool:
    """Return whether ``cell`` reads as ``value``: as the export writes it in any language,
    or as a spreadsheet stores it after re-saving."""
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return value is None
    if value is None:
        return False
    if column in ("building_class_2018", "use_class_1994", "municipality_number"):
        return bool(_code_text(column, cell) == value)
    if isinstance(value, Decimal):
        return bool(_number(cell) == value)
    if isinstance(value, PartialDate):
        return _shows_date(cell, value, language)
    if column == "tenure":
        return cell_text(cell) in _tenure_texts(value)
    if column == "property_identifier":
        return bool(_property_long_form(cell_text(cell)) == value)
    return cell_text(cell) == str(value).strip()


def _property_long_form(text: str) -> str | None:
    try:
        return normalise_property_identifier(text)
    except ValueError:
        return text


def _number(cell: object) -> Decimal | None:
    try:
        return parse_decimal(cell if not isinstance(cell, str) else cell.strip())
    except ValueError:
        return None


def _shows_date(cell: object, value: PartialDate, language: str) -> bool:
    if isinstance(cell, datetime.date):
        return PartialDate(cell.year, cell.month, cell.day) == value
    text = cell_text(cell)
    forms = {value.isoformat(), *(format_partial_date(value, each) for each in LANGUAGES)}
    return text in forms


def _tenure_texts(value: str) -> set[str]:
    label = TENURE_LABELS.get(value)
    if label is None:
        return {value}
    return {load_translations(language).gettext(label) for language in LANGUAGES}


def _code_text(column: str, cell: object) -> str | None:
    """Return the code in a cell that shows ``code name``, ``name (code)`` or the code alone.

    Numbers get back the leading zeros that a spreadsheet drops (110 -> 0110).
    """
    list_id = FIELDS_BY_NAME[column].code_lists.get("local", column)
    if not isinstance(cell, str):
        return normalise_code(list_id, cell)
    text = cell.strip()
    if column == "municipality_number" and (match := _MUNICIPALITY_IN_TEXT.search(text)):
        return normalise_code(list_id, match.group(1))
    first = text.split(maxsplit=1)
    return normalise_code(list_id, first[0]) if first else None


def cell_text(cell: object) -> str:
    """Return a cell's value as text: numbers in plain notation, dates in ISO 8601."""
    if cell is None:
        return ""
    if isinstance(cell, UnknownCellValue):
        return cell.text or _("(formula without a result)")
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, float | Decimal) and not isinstance(cell, bool):
        try:
            number = parse_decimal(cell)
        except ValueError:
            return str(cell)
        return decimal_to_text(number) if number is not None else ""
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return str(cell)


# Applying the changes


def apply_changes(
    edits: EditService, preview: ReimportPreview, accepted: Iterable[ValueChange] | None = None
) -> EditStep:
    """Write the ``accepted`` changes (default: every valid one) as one undoable step.

    Raises ValueError for a change that is not valid, and ``EditedListOutdated``, with
    nothing written, when a value in use has changed since ``preview`` was read.
    """
    chosen = list(preview.valid_changes if accepted is None else accepted)
    for change in chosen:
        if not change.applicable:
            raise ValueError(
                f"the change of building {change.building_id} {change.column} is not valid"
            )

    values = [(change.building_id, change.column, change.new) for change in chosen]
    step = edits.set_values(
        values,
        source=SPREADSHEET_SOURCE,
        description_key=SET_VALUES_FROM_LIST,
        check=lambda session: check_unchanged(session, chosen),
    )
    log.info("Applied %d of %d changes from %s", len(step.changes), len(chosen), preview.path)
    return step


def check_unchanged(session: Session, changes: Collection[ValueChange]) -> None:
    """Raise ``EditedListOutdated`` when a value in use differs from a change's old value."""
    rows = {row.id: row for row in list_rows(session, [change.building_id for change in changes])}
    for change in changes:
        row = rows.get(change.building_id)
        if row is None or _value_in_list(row, change.column) != change.old:
            log.warning(
                "Building %d field %s changed since the preview", change.building_id, change.column
            )
            raise EditedListOutdated(change.building, change.column)
