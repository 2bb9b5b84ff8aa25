"""Edits of local values, alone or for many buildings at once, with undo and redo.

Every call is one transaction, committed before the call returns, so there is never
unsaved work, and a call that fails leaves the database unchanged. Each value changed
writes a ``change_history`` row. An edit that changes something becomes one step on an
``UndoStack``. The portfolio service (``tilaapp.services.portfolio_edit``) can share the
stack, so that one undo command reverts the newest step of either kind.

Undo and redo write their history rows with the source ``undo`` or ``redo``, so the
history shows a reverted value as a revert rather than as a new edit by hand.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.domain.fields import LOCAL
from tilaapp.domain.validation import editable_field_spec, validate_value
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.history import field_label
from tilaapp.services.listing import refresh_list
from tilaapp.services.local_buildings import (
    AddedBuilding,
    can_remove,
    can_restore,
    remove_local_building,
    restore_local_building,
)
from tilaapp.services.queries import BuildingNotFound
from tilaapp.services.values import to_history_text
from tilaapp.storage.database import Database, operating_system_user, utc_now
from tilaapp.storage.models import Building, ChangeRecord, LocalValue

log = logging.getLogger(__name__)

UNDO_SOURCE = "undo"
REDO_SOURCE = "redo"
UNDO_STEPS_KEPT = 200
# Building ids per IN (...) list, well below SQLite's limit of bound parameters.
ID_CHUNK_SIZE = 500

# Values of EditStep.description_key.
SET_VALUE = "set_value"
CLEAR_VALUE = "clear_value"
SET_VALUE_FOR_MANY = "set_value_for_many"
CLEAR_VALUE_FOR_MANY = "clear_value_for_many"
ADD_TO_PORTFOLIO = "add_to_portfolio"
REMOVE_FROM_PORTFOLIO = "remove_from_portfolio"
SET_TENURE = "set_tenure"
SET_HOLDER = "set_holder"
SET_HOLDER_AND_TENURE = "set_holder_and_tenure"
SET_VALUES_FROM_LIST = "set_values_from_list"
IMPORT_SPREADSHEET = "import_spreadsheet"


@dataclass(frozen=True)
class FieldChange:
    """One value of one building, before and after a change."""

    building_id: int
    field: str
    old: Any
    new: Any

    def inverted(self) -> FieldChange:
        return FieldChange(self.building_id, self.field, self.new, self.old)


@dataclass(frozen=True)
class EditStep:
    """The changes of one call, undone and redone together. Empty when nothing changed.

    A step that adds local buildings inserts ``added_buildings`` before it writes its
    changes, and one that removes them deletes ``removed_buildings`` in place of writing
    their changes. Only an inventory import and its undo and redo have such buildings.
    """

    description_key: str
    changes: tuple[FieldChange, ...]
    added_buildings: tuple[AddedBuilding, ...] = ()
    removed_buildings: tuple[AddedBuilding, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.added_buildings and not self.removed_buildings

    def inverted(self) -> EditStep:
        """Return the step that reverts this one, in reverse order of the changes."""
        return EditStep(
            self.description_key,
            tuple(change.inverted() for change in reversed(self.changes)),
            added_buildings=self.removed_buildings,
            removed_buildings=self.added_buildings,
        )


class EditConflict(Exception):
    """An undo or redo found a value changed since the step, and changed nothing.

    ``message`` is translated for the user.
    """

    def __init__(self, building_id: int, building: str, field: str, *, redo: bool) -> None:
        self.building_id = building_id
        self.building = building
        """The permanent building identifier, or ``id:N`` for a building without one."""
        self.field = field
        if redo:
            text = _(
                "Cannot redo: {field} of building {building} has been changed since the "
                "undo. Nothing was changed."
            )
        else:
            text = _(
                "Cannot undo: {field} of building {building} has been changed since this "
                "edit. Nothing was changed."
            )
        self.message = text.format(field=field_label(field), building=building)
        action = "redo" if redo else "undo"
        super().__init__(f"cannot {action}: building {building} field {field} changed since")


class AddedBuildingConflict(EditConflict):
    """An undo found an added building changed since the step, or a redo found its id or
    permanent identifier taken, and changed nothing. ``message`` is translated."""

    def __init__(self, building_id: int, building: str, *, redo: bool) -> None:
        self.building_id = building_id
        self.building = building
        self.field = ""
        if redo:
            text = _(
                "Cannot redo: another building has taken the database id or the permanent "
                "building identifier of building {building} since the undo. Nothing was "
                "changed."
            )
        else:
            text = _(
                "Cannot undo: building {building}, which this import added, has been changed "
                "since the import. Nothing was changed."
            )
        self.message = text.format(building=building)
        summary = (
            f"cannot redo: id or identifier of building {building} taken"
            if redo
            else f"cannot undo: added building {building} changed since"
        )
        Exception.__init__(self, summary)


class ValueStore(Protocol):
    """Storage of the values of one kind of step, for writing and reverting them."""

    def load(self, session: Session, building_ids: Sequence[int]) -> None:
        """Load the values of ``building_ids``. Raises ``BuildingNotFound`` for a missing one."""

    def read(self, session: Session, building_id: int, field: str) -> Any:
        """Return the stored value. ``load`` must have been called for the building."""

    def write(self, session: Session, building_id: int, field: str, value: Any) -> None: ...

    def history_text(self, session: Session, field: str, value: Any) -> str | None:
        """Return ``value`` as the change history stores it."""


@dataclass(frozen=True)
class _StackEntry:
    step: EditStep
    store: ValueStore


class UndoStack:
    """The steps that can be undone and redone, newest last, shared by the edit services.

    Only the newest ``max_steps`` steps are kept. The stack lives in memory: it is empty
    again when the application starts.
    """

    def __init__(self, max_steps: int = UNDO_STEPS_KEPT) -> None:
        if max_steps < 1:
            raise ValueError(f"max_steps must be 1 or more, got {max_steps}")
        self.max_steps = max_steps
        self._undo: list[_StackEntry] = []
        self._redo: list[_StackEntry] = []
        self._listeners: list[Callable[[], None]] = []

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def next_undo(self) -> EditStep | None:
        return self._undo[-1].step if self._undo else None

    @property
    def next_redo(self) -> EditStep | None:
        return self._redo[-1].step if self._redo else None

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every change of the stack, to update undo buttons."""
        self._listeners.append(listener)

    def push(self, step: EditStep, store: ValueStore) -> None:
        """Add a new step and forget every step that could be redone."""
        self._undo.append(_StackEntry(step, store))
        del self._undo[: -self.max_steps]
        self._redo.clear()
        self._notify()

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._notify()

    def undo(self, database: Database, os_user: str) -> EditStep | None:
        """Revert the newest step in one transaction and return the changes applied.

        The returned step has the undone step's description and each change inverted.
        Raises ``EditConflict`` when a value differs from what the step wrote. Then the
        database is unchanged and the step is dropped, because it can no longer be
        reverted, and older steps stay on the stack.
        """
        return self._move(database, os_user, self._undo, self._redo, redo=False)

    def redo(self, database: Database, os_user: str) -> EditStep | None:
        """Apply the newest undone step again, as ``undo`` reverts one."""
        return self._move(database, os_user, self._redo, self._undo, redo=True)

    def _move(
        self,
        database: Database,
        os_user: str,
        source_stack: list[_StackEntry],
        target_stack: list[_StackEntry],
        *,
        redo: bool,
    ) -> EditStep | None:
        if not source_stack:
            return None
        entry = source_stack[-1]
        applied = entry.step if redo else entry.step.inverted()

        try:
            _apply_checked(database, entry.store, applied, os_user, redo=redo)
        except EditConflict:
            source_stack.pop()
            self._notify()
            raise

        source_stack.pop()
        target_stack.append(entry)
        self._notify()
        log.info(
            "%s step %s with %d changes",
            "Redid" if redo else "Undid",
            applied.description_key,
            len(applied.changes),
        )
        return applied

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()


def write_changes(
    session: Session,
    store: ValueStore,
    changes: Iterable[FieldChange],
    *,
    source: str,
    os_user: str,
    now: datetime.datetime,
) -> None:
    """Write the new value of each change and a history row for it, and refresh the
    changed buildings' rows of the register list."""
    changed: list[int] = []
    for change in changes:
        changed.append(change.building_id)
        store.write(session, change.building_id, change.field, change.new)
        session.add(
            ChangeRecord(
                building_id=change.building_id,
                field=change.field,
                old_value=store.history_text(session, change.field, change.old),
                new_value=store.history_text(session, change.field, change.new),
                changed_at=now,
                os_user=os_user,
                source=source,
            )
        )
    refresh_list(session, changed)


def _apply_checked(
    database: Database, store: ValueStore, step: EditStep, os_user: str, *, redo: bool
) -> None:
    """Write ``step`` when every stored value still equals its change's ``old`` value."""
    with database.session() as session:
        now = utc_now()
        source = REDO_SOURCE if redo else UNDO_SOURCE
        _restore_buildings(session, step, os_user, source=source, now=now, redo=redo)
        store.load(session, unique_ids(change.building_id for change in step.changes))
        for change in step.changes:
            if store.read(session, change.building_id, change.field) != change.old:
                log.warning(
                    "%s of step %s rejected: building %d field %s changed since",
                    "Redo" if redo else "Undo",
                    step.description_key,
                    change.building_id,
                    change.field,
                )
                building = building_reference(session, change.building_id)
                raise EditConflict(change.building_id, building, change.field, redo=redo)

        removed = {added.building_id for added in step.removed_buildings}
        _check_removable(session, step, redo=redo)
        written = [change for change in step.changes if change.building_id not in removed]
        write_changes(session, store, written, source=source, os_user=os_user, now=now)
        for added in step.removed_buildings:
            remove_local_building(session, added)


def _restore_buildings(
    session: Session,
    step: EditStep,
    os_user: str,
    *,
    source: str,
    now: datetime.datetime,
    redo: bool,
) -> None:
    """Insert the step's added buildings again, before its changes are checked."""
    for added in step.added_buildings:
        if not can_restore(session, added):
            log.warning(
                "Redo of step %s rejected: id or identifier of building %d taken",
                step.description_key,
                added.building_id,
            )
            reference = added.permanent_building_identifier or f"id:{added.building_id}"
            raise AddedBuildingConflict(added.building_id, reference, redo=redo)
        restore_local_building(session, added, history_source=source, os_user=os_user, now=now)
    if step.added_buildings:
        refresh_list(session, [added.building_id for added in step.added_buildings])


def _check_removable(session: Session, step: EditStep, *, redo: bool) -> None:
    """Raise ``AddedBuildingConflict`` for a building to remove that is no longer as added."""
    for added in step.removed_buildings:
        fields = {
            change.field for change in step.changes if change.building_id == added.building_id
        }
        if not can_remove(session, added, fields):
            log.warning(
                "Undo of step %s rejected: added building %d changed since",
                step.description_key,
                added.building_id,
            )
            building = building_reference(session, added.building_id)
            raise AddedBuildingConflict(added.building_id, building, redo=redo)


def building_reference(session: Session, building_id: int) -> str:
    """Return the permanent identifier of a building, or ``id:N`` when it has none."""
    identifier = session.scalar(
        select(Building.permanent_building_identifier).where(Building.id == building_id)
    )
    return identifier or f"id:{building_id}"


def unique_ids(building_ids: Iterable[int]) -> list[int]:
    """Return the ids in their first order, each once."""
    return list(dict.fromkeys(building_ids))


def check_buildings_exist(session: Session, building_ids: Sequence[int]) -> None:
    """Raise ``BuildingNotFound`` for the first id without a building."""
    for chunk in _chunks(building_ids):
        found = set(session.scalars(select(Building.id).where(Building.id.in_(chunk))))
        missing = [building_id for building_id in chunk if building_id not in found]
        if missing:
            raise BuildingNotFound(f"id:{missing[0]}")


def _chunks(building_ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(building_ids), ID_CHUNK_SIZE):
        yield building_ids[start : start + ID_CHUNK_SIZE]


class LocalValueStore:
    """The ``local_value`` rows, one per building, created on the first value set."""

    _CACHE_KEY = "tilaapp.local_values"

    def load(self, session: Session, building_ids: Sequence[int]) -> None:
        check_buildings_exist(session, building_ids)
        rows = self._rows(session)
        for chunk in _chunks(building_ids):
            query = select(LocalValue).where(LocalValue.building_id.in_(chunk))
            rows.update({row.building_id: row for row in session.scalars(query)})
            rows.update({building_id: None for building_id in chunk if building_id not in rows})

    def read(self, session: Session, building_id: int, field: str) -> Any:
        row = self._row(session, building_id)
        return None if row is None else getattr(row, field)

    def write(self, session: Session, building_id: int, field: str, value: Any) -> None:
        row = self._row(session, building_id)
        if row is None and value is None:
            return
        if row is None:
            row = LocalValue(building_id=building_id)
            session.add(row)
            self._rows(session)[building_id] = row
        setattr(row, field, value)

    def history_text(self, session: Session, field: str, value: Any) -> str | None:
        return to_history_text(value)

    def _rows(self, session: Session) -> dict[int, LocalValue | None]:
        """Return the rows loaded in this session by building id, None where no row exists."""
        rows: dict[int, LocalValue | None] = session.info.setdefault(self._CACHE_KEY, {})
        return rows

    def _row(self, session: Session, building_id: int) -> LocalValue | None:
        rows = self._rows(session)
        if building_id not in rows:
            rows[building_id] = session.get(LocalValue, building_id)
        return rows[building_id]


class EditService:
    """Service that sets and clears local values. Each call is one committed transaction.

    ``undo`` and ``redo`` act on the shared ``undo_stack``, so they also revert the
    portfolio steps of a ``PortfolioService`` given the same stack.
    """

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

    @property
    def can_undo(self) -> bool:
        return self.undo_stack.can_undo

    @property
    def can_redo(self) -> bool:
        return self.undo_stack.can_redo

    def set_value(self, building_id: int, field: str, value: Any) -> EditStep:
        """Set the local value of one building's field. None clears it.

        Returns an empty step, and writes nothing, when the stored local value already
        equals the new one. Raises ``UnknownField``, ``FieldNotEditable``,
        ``ValidationError`` and ``BuildingNotFound``.
        """
        checked = validate_value(field, value).checked_value()
        description = SET_VALUE if checked is not None else CLEAR_VALUE
        return self._commit([building_id], field, checked, description)

    def clear_value(self, building_id: int, field: str) -> EditStep:
        """Clear the local value, so that the register value is in use again."""
        editable_field_spec(field)
        return self._commit([building_id], field, None, CLEAR_VALUE)

    def set_value_for_many(self, building_ids: Sequence[int], field: str, value: Any) -> EditStep:
        """Set one local value for many buildings in one transaction and one step.

        A missing building raises ``BuildingNotFound`` and changes nothing.
        """
        checked = validate_value(field, value).checked_value()
        description = SET_VALUE_FOR_MANY if checked is not None else CLEAR_VALUE_FOR_MANY
        return self._commit(unique_ids(building_ids), field, checked, description)

    def preview_many(self, building_ids: Sequence[int], field: str, value: Any) -> int:
        """Return how many of the buildings ``set_value_for_many`` would change."""
        checked = validate_value(field, value).checked_value()
        ids = unique_ids(building_ids)
        with self.database.read_session() as session:
            self._store.load(session, ids)
            return len(self._changes(session, ids, field, checked))

    def set_values(
        self,
        values: Sequence[tuple[int, str, Any]],
        *,
        source: str = LOCAL,
        description_key: str = SET_VALUES_FROM_LIST,
        check: Callable[[Session], None] | None = None,
    ) -> EditStep:
        """Set the local values ``(building id, field, value)`` in one transaction and one step.

        None clears a value. ``check`` runs in the transaction before anything is written,
        and an exception it raises changes nothing. The history rows get ``source``.
        Raises ``UnknownField``, ``FieldNotEditable``, ``ValidationError`` and
        ``BuildingNotFound`` before writing, and ValueError when a building's field is
        given twice.
        """
        checked = [
            (building_id, field, validate_value(field, value).checked_value())
            for building_id, field, value in values
        ]
        if len({(building_id, field) for building_id, field, _value in checked}) < len(checked):
            raise ValueError("a field of a building is given more than once")

        with self.database.session() as session:
            if check is not None:
                check(session)
            self._store.load(session, unique_ids(building_id for building_id, _f, _v in checked))
            changes = tuple(
                FieldChange(building_id, field, old, value)
                for building_id, field, value in checked
                if (old := self._store.read(session, building_id, field)) != value
            )
            write_changes(
                session, self._store, changes, source=source, os_user=self.os_user, now=utc_now()
            )

        step = EditStep(description_key, changes)
        if changes:
            self.undo_stack.push(step, self._store)
        log.info(
            "Edit %s from source %s: %d of %d values changed",
            description_key,
            source,
            len(changes),
            len(checked),
        )
        return step

    def undo(self) -> EditStep | None:
        """Revert the newest step of the shared stack, as ``UndoStack.undo`` describes."""
        return self.undo_stack.undo(self.database, self.os_user)

    def redo(self) -> EditStep | None:
        return self.undo_stack.redo(self.database, self.os_user)

    def _commit(
        self, building_ids: Sequence[int], field: str, value: Any, description_key: str
    ) -> EditStep:
        with self.database.session() as session:
            self._store.load(session, building_ids)
            changes = self._changes(session, building_ids, field, value)
            write_changes(
                session, self._store, changes, source=LOCAL, os_user=self.os_user, now=utc_now()
            )

        step = EditStep(description_key, changes)
        if changes:
            self.undo_stack.push(step, self._store)
        self._log(step, building_ids, field)
        return step

    def _changes(
        self, session: Session, building_ids: Sequence[int], field: str, value: Any
    ) -> tuple[FieldChange, ...]:
        """Return a change for each building whose local value differs from ``value``."""
        changes: list[FieldChange] = []
        for building_id in building_ids:
            old = self._store.read(session, building_id, field)
            if old != value:
                changes.append(FieldChange(building_id, field, old, value))
        return tuple(changes)

    def _log(self, step: EditStep, building_ids: Sequence[int], field: str) -> None:
        # Only ids and field names: values may be personal (condition_assessor).
        if len(building_ids) == 1:
            log.info(
                "Edit %s of building %d field %s: %d changes",
                step.description_key,
                building_ids[0],
                field,
                len(step.changes),
            )
            return
        log.info(
            "Edit %s of field %s: %d of %d buildings changed",
            step.description_key,
            field,
            len(step.changes),
            len(building_ids),
        )


def describe_step(step: EditStep) -> str:
    """Return a translated description of a step, for "Undo …" and "Redo …" menu items."""
    buildings = {change.building_id for change in step.changes}
    buildings.update(added.building_id for added in step.added_buildings)
    buildings.update(added.building_id for added in step.removed_buildings)
    count = len(buildings)
    field = field_label(step.changes[0].field) if step.changes else ""
    describe = _DESCRIPTIONS.get(step.description_key)
    if describe is None:
        return step.description_key
    return describe(field, count)


def _describe_set_value(field: str, count: int) -> str:
    return _("Change of {field}").format(field=field)


def _describe_clear_value(field: str, count: int) -> str:
    return _("Return to the register value: {field}").format(field=field)


def _describe_set_value_for_many(field: str, count: int) -> str:
    return ngettext(
        "Change of {field} in {count} building",
        "Change of {field} in {count} buildings",
        count,
    ).format(field=field, count=count)


def _describe_clear_value_for_many(field: str, count: int) -> str:
    return ngettext(
        "Return to the register value: {field} in {count} building",
        "Return to the register value: {field} in {count} buildings",
        count,
    ).format(field=field, count=count)


def _describe_add(field: str, count: int) -> str:
    return ngettext(
        "{count} building added to the portfolio",
        "{count} buildings added to the portfolio",
        count,
    ).format(count=count)


def _describe_remove(field: str, count: int) -> str:
    return ngettext(
        "{count} building removed from the portfolio",
        "{count} buildings removed from the portfolio",
        count,
    ).format(count=count)


def _describe_tenure(field: str, count: int) -> str:
    return ngettext(
        "Tenure changed for {count} building",
        "Tenure changed for {count} buildings",
        count,
    ).format(count=count)


def _describe_holder(field: str, count: int) -> str:
    return ngettext(
        "Holder changed for {count} building",
        "Holder changed for {count} buildings",
        count,
    ).format(count=count)


def _describe_holder_and_tenure(field: str, count: int) -> str:
    return ngettext(
        "Holder and tenure changed for {count} building",
        "Holder and tenure changed for {count} buildings",
        count,
    ).format(count=count)


def _describe_values_from_list(field: str, count: int) -> str:
    return ngettext(
        "Changes from an edited list in {count} building",
        "Changes from an edited list in {count} buildings",
        count,
    ).format(count=count)


def _describe_import_spreadsheet(field: str, count: int) -> str:
    return ngettext(
        "Import of values for {count} building from a spreadsheet",
        "Import of values for {count} buildings from a spreadsheet",
        count,
    ).format(count=count)


_DESCRIPTIONS: dict[str, Callable[[str, int], str]] = {
    SET_VALUE: _describe_set_value,
    CLEAR_VALUE: _describe_clear_value,
    SET_VALUE_FOR_MANY: _describe_set_value_for_many,
    CLEAR_VALUE_FOR_MANY: _describe_clear_value_for_many,
    ADD_TO_PORTFOLIO: _describe_add,
    REMOVE_FROM_PORTFOLIO: _describe_remove,
    SET_TENURE: _describe_tenure,
    SET_HOLDER: _describe_holder,
    SET_HOLDER_AND_TENURE: _describe_holder_and_tenure,
    SET_VALUES_FROM_LIST: _describe_values_from_list,
    IMPORT_SPREADSHEET: _describe_import_spreadsheet,
}
