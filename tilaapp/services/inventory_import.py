"""Import of the municipality's own inventory: matched rows' values become local values.

The file is read whole and matched before anything is written. Each mapped cell is
read as its field's type and checked by ``tilaapp.domain.validation``. An invalid
value is reported and not applied, and an empty cell leaves the local value as it is.
All changes are written in one transaction, with history source ``spreadsheet``, and
become one step of the undo stack.

Rows whose identifier or address finds no building can be added as local buildings
(``Building.origin`` ``local``), which have local values and no register rows. Such a
building keeps the row's street address and postal code as its address, with the source
``local``. Undo removes the buildings the import added, and redo inserts them again with
the same ids (``tilaapp.services.local_buildings``).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tilaapp.domain.cells import cell_to_field_value
from tilaapp.domain.fields import FieldKind
from tilaapp.domain.validation import field_spec, validate_value
from tilaapp.i18n import gettext as _
from tilaapp.services.editing import (
    IMPORT_SPREADSHEET,
    EditStep,
    FieldChange,
    LocalValueStore,
    UndoStack,
    write_changes,
)
from tilaapp.services.inventory_matching import (
    UNMATCHED_MESSAGES,
    MatchMethod,
    RowMatch,
    UnmatchedReason,
    match_rows,
    row_address,
)
from tilaapp.services.listing import refresh_list
from tilaapp.services.local_buildings import AddedBuilding, add_local_building
from tilaapp.services.mapping import ColumnMapping
from tilaapp.sources.table import CellProblem, Table
from tilaapp.storage.database import (
    Database,
    backup_database,
    operating_system_user,
    utc_now,
)

log = logging.getLogger(__name__)

SPREADSHEET_SOURCE = "spreadsheet"
"""History source of values that an inventory import wrote."""


class MappedColumnMissing(Exception):
    """The table lacks columns that the mapping names. Nothing was written."""

    def __init__(self, path: Path, mapping: str, missing: list[str], available: list[str]) -> None:
        self.path = path
        self.mapping = mapping
        self.missing = missing
        self.available = available
        super().__init__(f"{path.name}: columns {missing} of mapping {mapping!r} missing")


@dataclass(frozen=True)
class ValueProblem:
    """A cell whose value was not applied. ``value`` is None for a personal field."""

    row: int
    column: str
    field: str
    message: str
    """A whole sentence without the field's label, because ``column_text`` names the field."""
    value: str | None

    @property
    def column_text(self) -> str:
        """Return the column's name, followed by the field's label when the two differ."""
        label = _(field_spec(self.field).label)
        if self.column.casefold().strip() == label.casefold():
            return self.column
        return f"{self.column} ({label})"


@dataclass
class InventoryImport:
    """The outcome of one file's import, or of its preview when ``applied`` is False."""

    path: Path
    mapping: str
    table: Table
    matches: list[RowMatch]
    changes: list[FieldChange] = field(default_factory=list)
    unchanged_values: int = 0
    value_problems: list[ValueProblem] = field(default_factory=list)
    added_buildings: list[int] = field(default_factory=list)
    """Ids of the local buildings added for rows without a building."""
    added: list[AddedBuilding] = field(default_factory=list)
    """The local buildings added, as the undo step needs them."""
    added_rows: list[int] = field(default_factory=list)
    date_columns: frozenset[str] = frozenset()
    """The columns that the mapping reads as dates."""
    applied: bool = False
    step: EditStep | None = None

    @property
    def matched(self) -> list[RowMatch]:
        return [match for match in self.matches if match.matched]

    @property
    def unmatched(self) -> list[RowMatch]:
        return [match for match in self.matches if not match.matched]

    def counts_by_method(self) -> dict[MatchMethod, int]:
        counts = Counter(match.method for match in self.matched if match.method is not None)
        return {method: counts.get(method, 0) for method in MatchMethod}

    @property
    def buildings_changed(self) -> int:
        return len({change.building_id for change in self.changes})

    def cell_problems(self) -> list[CellProblem]:
        return self.table.problems


class InventoryImportService:
    """Imports own inventory tables into one database, with a shared undo stack."""

    def __init__(
        self,
        database: Database,
        *,
        os_user: str | None = None,
        undo_stack: UndoStack | None = None,
    ) -> None:
        self.database = database
        self.os_user = os_user or operating_system_user()
        self.undo_stack = undo_stack if undo_stack is not None else UndoStack()
        self._store = LocalValueStore()

    def preview(self, table: Table, mapping: ColumnMapping) -> InventoryImport:
        """Match the rows and compute the changes without writing anything."""
        check_columns(table, mapping)
        with self.database.read_session() as session:
            result = _plan(session, self._store, table, mapping)
        return result

    def apply(
        self, table: Table, mapping: ColumnMapping, *, add_unmatched: bool = False
    ) -> InventoryImport:
        """Write the matched rows' values as local values in one transaction and one step.

        With ``add_unmatched``, rows whose key found no building become local buildings.
        Raises ``MappedColumnMissing`` with the database unchanged.
        """
        check_columns(table, mapping)
        with self.database.read_session() as session:
            preview = _plan(session, self._store, table, mapping)
        to_add = _rows_to_add(preview) if add_unmatched else []
        if not preview.changes and not to_add:
            log.info("Inventory %s changes nothing in %s", table.path.name, self.database.path)
            preview.applied = True
            return preview

        backup_database(self.database.path, reason="before-inventory-import")
        now = utc_now()
        with self.database.session() as session:
            result = _plan(session, self._store, table, mapping)
            write_changes(
                session,
                self._store,
                result.changes,
                source=SPREADSHEET_SOURCE,
                os_user=self.os_user,
                now=now,
            )
            added = _add_buildings(
                session, self._store, table, mapping, to_add, result, self.os_user
            )
            write_changes(
                session,
                self._store,
                added,
                source=SPREADSHEET_SOURCE,
                os_user=self.os_user,
                now=now,
            )
            # A building whose row gave only keys has no changes to list it.
            if result.added_buildings:
                refresh_list(session, result.added_buildings)

        result.applied = True
        step = EditStep(
            IMPORT_SPREADSHEET,
            tuple(result.changes) + tuple(added),
            added_buildings=tuple(result.added),
        )
        if not step.is_empty:
            self.undo_stack.push(step, self._store)
            result.step = step
        _log_result(result, self.database.path)
        return result


def check_columns(table: Table, mapping: ColumnMapping) -> None:
    """Raise ``MappedColumnMissing`` for the mapping's columns that the table lacks."""
    missing = [column for column in mapping.columns if table.column_index(column) is None]
    if missing:
        raise MappedColumnMissing(table.path, mapping.name, missing, table.columns)


def _plan(
    session: Session, store: LocalValueStore, table: Table, mapping: ColumnMapping
) -> InventoryImport:
    matches = match_rows(session, table, mapping)
    date_columns = frozenset(
        column
        for column, field_name in mapping.value_columns().items()
        if field_spec(field_name).kind is FieldKind.DATE
    )
    result = InventoryImport(table.path, mapping.name, table, matches, date_columns=date_columns)
    matched = {match.row: match.building_id for match in matches if match.building_id is not None}
    store.load(session, sorted(set(matched.values())))
    for row in table.rows:
        building_id = matched.get(row.number)
        if building_id is None:
            continue
        for field_name, value in _row_values(table, mapping, row.number, row.values, result):
            old = store.read(session, building_id, field_name)
            if old == value:
                result.unchanged_values += 1
            else:
                result.changes.append(FieldChange(building_id, field_name, old, value))
    return result


def _row_values(
    table: Table,
    mapping: ColumnMapping,
    number: int,
    cells: tuple[object, ...],
    result: InventoryImport,
) -> list[tuple[str, Any]]:
    """Return (field, checked value) for each non-empty valid mapped cell of a row."""
    values: list[tuple[str, Any]] = []
    for column, field_name in mapping.value_columns().items():
        index = table.column_index(column)
        if index is None:
            continue
        spec = field_spec(field_name)
        cell = cells[index]
        try:
            typed = cell_to_field_value(cell, spec.kind, date1904=table.date1904)
        except ValueError as error:
            result.value_problems.append(_problem(number, column, field_name, str(error), cell))
            continue
        if typed is None:
            continue
        checked = validate_value(field_name, typed)
        if not checked.ok:
            message = checked.message or ""
            result.value_problems.append(_problem(number, column, field_name, message, cell))
            continue
        values.append((field_name, checked.value))
    return values


def _problem(row: int, column: str, field_name: str, message: str, cell: object) -> ValueProblem:
    spec = field_spec(field_name)
    sentence = _sentence(message.removeprefix(_(spec.label) + ": "))
    return ValueProblem(row, column, field_name, sentence, None if spec.personal else str(cell))


def _sentence(text: str) -> str:
    """Return ``text`` with a capital first letter and a full stop, as the UI joins sentences."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _rows_to_add(result: InventoryImport) -> list[RowMatch]:
    # Only rows with a key that found nothing: a row without any key is often a total or
    # a note, not a building.
    return [match for match in result.unmatched if match.reason is UnmatchedReason.NOT_FOUND]


def _add_buildings(
    session: Session,
    store: LocalValueStore,
    table: Table,
    mapping: ColumnMapping,
    rows: list[RowMatch],
    result: InventoryImport,
    os_user: str,
) -> list[FieldChange]:
    """Add a local building with its address for each row, and return the changes that
    give its values."""
    rows_by_number = {row.number: row for row in table.rows}
    changes: list[FieldChange] = []
    now = utc_now()
    for match in rows:
        row = rows_by_number[match.row]
        added = add_local_building(
            session,
            match.keys.permanent_identifier,
            row_address(table, mapping, row),
            history_source=SPREADSHEET_SOURCE,
            os_user=os_user,
            now=now,
        )
        store.load(session, [added.building_id])

        values = _row_values(table, mapping, match.row, row.values, result)
        values.extend(_key_values(match))
        changes.extend(FieldChange(added.building_id, name, None, value) for name, value in values)
        result.added.append(added)
        result.added_buildings.append(added.building_id)
        result.added_rows.append(match.row)
    return changes


def _key_values(match: RowMatch) -> list[tuple[str, Any]]:
    """Return the local values that a new building takes from its row's keys."""
    values: list[tuple[str, Any]] = []
    if match.keys.old_identifier is not None:
        values.append(("property_identifier", match.keys.old_identifier.split("-")[0]))
    if match.keys.postal_code is not None:
        values.append(("postal_code", match.keys.postal_code))
    return values


def _log_result(result: InventoryImport, database: Path) -> None:
    log.info(
        "Imported inventory %s with mapping %r into %s: %d rows, %d matched, %d values "
        "changed in %d buildings, %d invalid values, %d buildings added",
        result.path.name,
        result.mapping,
        database,
        len(result.matches),
        len(result.matched),
        len(result.changes),
        result.buildings_changed,
        len(result.value_problems),
        len(result.added_buildings),
    )


def describe_unmatched(match: RowMatch) -> str:
    """Return why ``match`` found no building, in the current language."""
    assert match.reason is not None
    return _(UNMATCHED_MESSAGES[match.reason]).format(row=match.first_row)
