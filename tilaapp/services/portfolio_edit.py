"""Changes of the portfolio by hand: which buildings it holds, their holder and tenure.

Each call is one committed transaction that writes one ``change_history`` row per
building changed (field ``portfolio``, source ``portfolio``), with the old and new place
in the portfolio as JSON text ``{"holder": business ID or null, "tenure": ...}``, as the
import writes it. Each call that changes something is one step on an ``UndoStack``,
which an ``EditService`` may share.

Holder entities (the municipality and the joint authorities and companies of its group)
are added and renamed here too. Those changes are not buildings' changes, so they are
logged but neither written to the change history nor undoable.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tilaapp.domain.identifiers import check_business_id, normalise_business_id
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.editing import (
    ADD_TO_PORTFOLIO,
    ID_CHUNK_SIZE,
    REMOVE_FROM_PORTFOLIO,
    SET_HOLDER,
    SET_HOLDER_AND_TENURE,
    SET_TENURE,
    EditStep,
    FieldChange,
    UndoStack,
    building_reference,
    check_buildings_exist,
    unique_ids,
    write_changes,
)
from tilaapp.services.portfolio import PORTFOLIO_FIELD, PORTFOLIO_SOURCE
from tilaapp.storage.database import Database, operating_system_user, utc_now
from tilaapp.storage.models import HolderEntity, HolderKind, PortfolioEntry, Tenure

log = logging.getLogger(__name__)

# The width of holder_entity.name.
HOLDER_NAME_MAX_LENGTH = 200


class PortfolioError(Exception):
    """A rejected change of the portfolio or a holder entity. ``message`` is translated."""

    def __init__(self, message: str, log_text: str) -> None:
        self.message = message
        super().__init__(log_text)


class NotInPortfolio(PortfolioError):
    def __init__(self, building_id: int, building: str) -> None:
        self.building_id = building_id
        self.building = building
        super().__init__(
            _(
                "Building {building} is not in the portfolio, so its holder and tenure "
                "cannot be changed. Add it to the portfolio first."
            ).format(building=building),
            f"building {building_id} is not in the portfolio",
        )


class UnknownHolderEntity(PortfolioError):
    def __init__(self, holder_entity_id: int) -> None:
        self.holder_entity_id = holder_entity_id
        super().__init__(
            _("The holder entity no longer exists. Choose another holder."),
            f"no holder entity {holder_entity_id}",
        )


class InvalidBusinessId(PortfolioError):
    def __init__(self, business_id: str) -> None:
        self.business_id = business_id
        super().__init__(
            _(
                "{value} is not a valid business ID. Enter seven digits, a hyphen and the "
                "check digit, such as 1234567-1."
            ).format(value=business_id),
            f"invalid business ID {business_id!r}",
        )


class DuplicateBusinessId(PortfolioError):
    def __init__(self, business_id: str) -> None:
        self.business_id = business_id
        super().__init__(
            _("A holder entity with business ID {business_id} already exists.").format(
                business_id=business_id
            ),
            f"holder entity with business ID {business_id} already exists",
        )


class MunicipalityHolderExists(PortfolioError):
    """The group has one municipality, and another entity already is it."""

    def __init__(self, existing_id: int) -> None:
        self.existing_id = existing_id
        super().__init__(
            _(
                "Another holder entity is already the municipality. Change its kind "
                "first: a municipal group has one municipality."
            ),
            f"holder entity {existing_id} is already the municipality",
        )


class InvalidHolderName(PortfolioError):
    def __init__(self, length: int) -> None:
        self.length = length
        super().__init__(
            ngettext(
                "The name of a holder entity can have at most {count} character "
                "(this one has {length}).",
                "The name of a holder entity can have at most {count} characters "
                "(this one has {length}).",
                HOLDER_NAME_MAX_LENGTH,
            ).format(count=HOLDER_NAME_MAX_LENGTH, length=length),
            f"holder entity name of {length} characters",
        )


@dataclass(frozen=True)
class PortfolioState:
    """A building's place in the portfolio. None in its place means "not in the portfolio"."""

    holder_entity_id: int | None
    tenure: Tenure
    added_at: datetime.datetime
    """Kept so that undoing a removal restores the entry as it was."""


@dataclass(frozen=True)
class HolderEntityInfo:
    id: int
    name: str | None
    business_id: str
    kind: HolderKind | None
    building_count: int
    """Buildings of the portfolio that this entity holds."""


class PortfolioStore:
    """The ``portfolio_entry`` rows, as the values of the history field ``portfolio``."""

    _CACHE_KEY = "tilaapp.portfolio_entries"

    def load(self, session: Session, building_ids: Sequence[int]) -> None:
        check_buildings_exist(session, building_ids)
        entries = self._entries(session)
        for start in range(0, len(building_ids), ID_CHUNK_SIZE):
            chunk = building_ids[start : start + ID_CHUNK_SIZE]
            query = select(PortfolioEntry).where(PortfolioEntry.building_id.in_(chunk))
            entries.update({entry.building_id: entry for entry in session.scalars(query)})
            entries.update(
                {building_id: None for building_id in chunk if building_id not in entries}
            )

    def read(self, session: Session, building_id: int, field: str) -> PortfolioState | None:
        entry = self._entry(session, building_id)
        if entry is None:
            return None
        return PortfolioState(entry.holder_entity_id, Tenure(entry.tenure), entry.added_at)

    def write(self, session: Session, building_id: int, field: str, value: Any) -> None:
        entry = self._entry(session, building_id)
        if value is None:
            if entry is not None:
                session.delete(entry)
                # Flushed at once, so that adding the building again later in the same
                # transaction inserts a new row instead of clashing with this one.
                session.flush()
            self._entries(session)[building_id] = None
            return

        assert isinstance(value, PortfolioState)
        if entry is None:
            entry = PortfolioEntry(building_id=building_id)
            session.add(entry)
            self._entries(session)[building_id] = entry
        entry.holder_entity_id = value.holder_entity_id
        entry.tenure = value.tenure
        entry.added_at = value.added_at

    def history_text(self, session: Session, field: str, value: Any) -> str | None:
        if value is None:
            return None
        assert isinstance(value, PortfolioState)
        holder = (
            session.get(HolderEntity, value.holder_entity_id)
            if value.holder_entity_id is not None
            else None
        )
        business_id = holder.business_id if holder is not None else None
        return json.dumps({"holder": business_id, "tenure": Tenure(value.tenure).value})

    def _entries(self, session: Session) -> dict[int, PortfolioEntry | None]:
        entries: dict[int, PortfolioEntry | None] = session.info.setdefault(self._CACHE_KEY, {})
        return entries

    def _entry(self, session: Session, building_id: int) -> PortfolioEntry | None:
        entries = self._entries(session)
        if building_id not in entries:
            entries[building_id] = session.get(PortfolioEntry, building_id)
        return entries[building_id]


# Computes the new place of a building in the portfolio from its old place. It gets the
# session and the building id so that it can raise NotInPortfolio naming the building.
_NewState = Callable[[Session, int, PortfolioState | None], PortfolioState | None]


class PortfolioService:
    """Marks buildings in or out of the portfolio and manages the holder entities."""

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
        self._store = PortfolioStore()

    @property
    def can_undo(self) -> bool:
        return self.undo_stack.can_undo

    @property
    def can_redo(self) -> bool:
        return self.undo_stack.can_redo

    def undo(self) -> EditStep | None:
        """Revert the newest step of the shared stack, as ``UndoStack.undo`` describes."""
        return self.undo_stack.undo(self.database, self.os_user)

    def redo(self) -> EditStep | None:
        return self.undo_stack.redo(self.database, self.os_user)

    def add_to_portfolio(
        self, building_ids: Sequence[int], holder_entity_id: int | None, tenure: Tenure
    ) -> EditStep:
        """Add the buildings to the portfolio. A holder of None means the holder is not known yet.

        Buildings already in the portfolio keep their holder and tenure: change those
        with ``set_holder`` and ``set_tenure``.
        """
        tenure = Tenure(tenure)
        now = utc_now()

        def added(session: Session, building_id: int, old: PortfolioState | None) -> PortfolioState:
            return old if old is not None else PortfolioState(holder_entity_id, tenure, now)

        return self._change(building_ids, ADD_TO_PORTFOLIO, added, holder_entity_id, now)

    def remove_from_portfolio(self, building_ids: Sequence[int]) -> EditStep:
        """Remove the buildings from the portfolio. Buildings not in it are left alone."""

        def removed(session: Session, building_id: int, old: PortfolioState | None) -> None:
            return None

        return self._change(building_ids, REMOVE_FROM_PORTFOLIO, removed, None, utc_now())

    def set_tenure(self, building_ids: Sequence[int], tenure: Tenure) -> EditStep:
        """Set the tenure of buildings of the portfolio.

        Raises ``NotInPortfolio``, and changes nothing, when a building is not in it.
        """
        tenure = Tenure(tenure)

        def retenured(
            session: Session, building_id: int, old: PortfolioState | None
        ) -> PortfolioState:
            return dataclasses.replace(_in_portfolio(session, building_id, old), tenure=tenure)

        return self._change(building_ids, SET_TENURE, retenured, None, utc_now())

    def set_holder(self, building_ids: Sequence[int], holder_entity_id: int | None) -> EditStep:
        """Set the holder entity of buildings of the portfolio, as ``set_tenure`` sets tenure."""

        def reheld(
            session: Session, building_id: int, old: PortfolioState | None
        ) -> PortfolioState:
            state = _in_portfolio(session, building_id, old)
            return dataclasses.replace(state, holder_entity_id=holder_entity_id)

        return self._change(building_ids, SET_HOLDER, reheld, holder_entity_id, utc_now())

    def set_holder_and_tenure(
        self, building_ids: Sequence[int], holder_entity_id: int | None, tenure: Tenure
    ) -> EditStep:
        """Set both the holder entity and the tenure of portfolio buildings in one step.

        Only the buildings whose holder or tenure differs change. Raises
        ``NotInPortfolio``, and changes nothing, when a building is not in the portfolio.
        """
        tenure = Tenure(tenure)

        def restated(
            session: Session, building_id: int, old: PortfolioState | None
        ) -> PortfolioState:
            state = _in_portfolio(session, building_id, old)
            return dataclasses.replace(state, holder_entity_id=holder_entity_id, tenure=tenure)

        return self._change(
            building_ids, SET_HOLDER_AND_TENURE, restated, holder_entity_id, utc_now()
        )

    def _change(
        self,
        building_ids: Sequence[int],
        description_key: str,
        new_state: _NewState,
        holder_entity_id: int | None,
        now: datetime.datetime,
    ) -> EditStep:
        ids = unique_ids(building_ids)
        with self.database.session() as session:
            if holder_entity_id is not None and session.get(HolderEntity, holder_entity_id) is None:
                raise UnknownHolderEntity(holder_entity_id)
            self._store.load(session, ids)
            changes = self._changes(session, ids, new_state)
            write_changes(
                session,
                self._store,
                changes,
                source=PORTFOLIO_SOURCE,
                os_user=self.os_user,
                now=now,
            )

        step = EditStep(description_key, changes)
        if changes:
            self.undo_stack.push(step, self._store)
        log.info(
            "Portfolio %s: %d of %d buildings changed", description_key, len(changes), len(ids)
        )
        return step

    def _changes(
        self, session: Session, building_ids: Sequence[int], new_state: _NewState
    ) -> tuple[FieldChange, ...]:
        changes: list[FieldChange] = []
        for building_id in building_ids:
            old = self._store.read(session, building_id, PORTFOLIO_FIELD)
            new = new_state(session, building_id, old)
            if new != old:
                changes.append(FieldChange(building_id, PORTFOLIO_FIELD, old, new))
        return tuple(changes)

    # Holder entities

    def add_holder_entity(
        self, name: str | None, business_id: str, kind: HolderKind | None
    ) -> HolderEntityInfo:
        """Add an entity of the municipal group, identified by its business ID (Y-tunnus).

        Raises ``InvalidBusinessId``, ``DuplicateBusinessId``, ``InvalidHolderName`` and
        ``MunicipalityHolderExists``.
        """
        checked_id = _checked_business_id(business_id)
        checked_name = _checked_name(name)
        kind = HolderKind(kind) if kind is not None else None

        with self.database.session() as session:
            if session.scalar(
                select(HolderEntity.id).where(HolderEntity.business_id == checked_id)
            ):
                raise DuplicateBusinessId(checked_id)
            _check_single_municipality(session, kind, None)
            entity = HolderEntity(
                name=checked_name, business_id=checked_id, kind=kind, created_at=utc_now()
            )
            session.add(entity)
            session.flush()
            info = _info(entity, 0)

        log.info("Added holder entity %d (%s)", info.id, info.business_id)
        return info

    def update_holder_entity(
        self, holder_entity_id: int, *, name: str | None, kind: HolderKind | None
    ) -> HolderEntityInfo:
        """Set the name and kind of a holder entity. Its business ID cannot change.

        Raises ``UnknownHolderEntity``, ``InvalidHolderName`` and
        ``MunicipalityHolderExists``.
        """
        checked_name = _checked_name(name)
        kind = HolderKind(kind) if kind is not None else None

        with self.database.session() as session:
            entity = session.get(HolderEntity, holder_entity_id)
            if entity is None:
                raise UnknownHolderEntity(holder_entity_id)
            _check_single_municipality(session, kind, holder_entity_id)
            entity.name = checked_name
            entity.kind = kind
            info = _info(entity, _building_counts(session).get(entity.id, 0))

        log.info("Updated holder entity %d (%s)", info.id, info.business_id)
        return info

    def list_holder_entities(self) -> list[HolderEntityInfo]:
        """Return every holder entity, sorted by name and then business ID, unnamed ones last."""
        with self.database.read_session() as session:
            counts = _building_counts(session)
            entities = [
                _info(entity, counts.get(entity.id, 0))
                for entity in session.scalars(select(HolderEntity))
            ]
        return sorted(entities, key=_holder_sort_key)


def _in_portfolio(session: Session, building_id: int, old: PortfolioState | None) -> PortfolioState:
    if old is None:
        raise NotInPortfolio(building_id, building_reference(session, building_id))
    return old


def _checked_business_id(business_id: str) -> str:
    try:
        normalised = normalise_business_id(business_id)
    except ValueError as error:
        raise InvalidBusinessId(business_id) from error
    if normalised is None or not check_business_id(normalised):
        raise InvalidBusinessId(business_id)
    return normalised


def _checked_name(name: str | None) -> str | None:
    text = name.strip() if name is not None else ""
    if len(text) > HOLDER_NAME_MAX_LENGTH:
        raise InvalidHolderName(len(text))
    return text or None


def _check_single_municipality(
    session: Session, kind: HolderKind | None, holder_entity_id: int | None
) -> None:
    if kind is not HolderKind.MUNICIPALITY:
        return
    query = select(HolderEntity.id).where(HolderEntity.kind == HolderKind.MUNICIPALITY.value)
    if holder_entity_id is not None:
        query = query.where(HolderEntity.id != holder_entity_id)
    existing = session.scalar(query.limit(1))
    if existing is not None:
        raise MunicipalityHolderExists(existing)


def _building_counts(session: Session) -> dict[int, int]:
    query = (
        select(PortfolioEntry.holder_entity_id, func.count())
        .where(PortfolioEntry.holder_entity_id.is_not(None))
        .group_by(PortfolioEntry.holder_entity_id)
    )
    return {
        holder_id: count for holder_id, count in session.execute(query) if holder_id is not None
    }


def _info(entity: HolderEntity, building_count: int) -> HolderEntityInfo:
    return HolderEntityInfo(
        id=entity.id,
        name=entity.name,
        business_id=entity.business_id,
        kind=HolderKind(entity.kind) if entity.kind is not None else None,
        building_count=building_count,
    )


def _holder_sort_key(info: HolderEntityInfo) -> tuple[bool, str, str]:
    return (info.name is None, (info.name or "").casefold(), info.business_id)
