"""Repair needs (korjaustarpeet) of buildings: the year, estimated cost and what to repair.

A building's repair needs are edited as one value, the tuple of its needs sorted by year,
of the history field ``repair_needs``. So a change goes through ``write_changes`` like
an edit of a local value. It writes one ``change_history`` row with the old and new
needs as compact JSON, and it is one step on the ``UndoStack`` that the edit and
portfolio services share.

Repair needs describe buildings, not people, so they are not personal data.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tilaapp.domain.fields import LOCAL
from tilaapp.domain.formatting import format_decimal, format_money
from tilaapp.domain.numbers import decimal_to_text
from tilaapp.domain.validation import ValidationError
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.editing import (
    CLEAR_VALUE,
    ID_CHUNK_SIZE,
    SET_VALUE,
    EditStep,
    FieldChange,
    UndoStack,
    check_buildings_exist,
    write_changes,
)
from tilaapp.storage.database import Database, operating_system_user, utc_now
from tilaapp.storage.models import RepairNeedRecord

log = logging.getLogger(__name__)

REPAIR_NEEDS_FIELD = "repair_needs"
"""The history field of a building's repair needs."""

EARLIEST_YEAR = 1900
LATEST_YEAR = 2100
# The estimated cost must be below this many euros: a typing error guard, well above
# the cost of repairing any municipal building.
COST_LIMIT = Decimal(100_000_000_000)
DESCRIPTION_MAX_LENGTH = 500


@dataclass(frozen=True)
class RepairNeed:
    """One repair need: the year it falls due, its estimated cost in euros, and what."""

    year: int
    estimated_cost: Decimal | None
    description: str | None


class InvalidRepairNeed(ValidationError):
    """A repair need breaks a rule. ``message`` is translated for the user.

    ``row`` is the need's position, from 1, in the sequence given; ``part`` is
    ``year``, ``estimated_cost`` or ``description``.
    """

    def __init__(self, row: int, part: str, message: str) -> None:
        self.row = row
        self.part = part
        super().__init__(REPAIR_NEEDS_FIELD, message)


def checked_repair_needs(needs: Sequence[RepairNeed]) -> tuple[RepairNeed, ...]:
    """Check every need and return them normalised and sorted by year.

    Descriptions are stripped, and an empty one becomes None. Needs of the same year
    keep their order. Raises ``InvalidRepairNeed`` for the first need that breaks a rule.
    """
    checked = [_checked(row, need) for row, need in enumerate(needs, start=1)]
    return tuple(sorted(checked, key=lambda need: need.year))


def _checked(row: int, need: RepairNeed) -> RepairNeed:
    year = need.year
    if isinstance(year, bool) or not isinstance(year, int):
        raise InvalidRepairNeed(row, "year", _year_message(row))
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise InvalidRepairNeed(row, "year", _year_message(row))

    return RepairNeed(year, _checked_cost(row, need.estimated_cost), _checked_text(row, need))


def _year_message(row: int) -> str:
    # Years are written without a thousands separator.
    return _("Repair need {row}: enter a year from {minimum} to {maximum}.").format(
        row=row, minimum=EARLIEST_YEAR, maximum=LATEST_YEAR
    )


def _checked_cost(row: int, cost: object) -> Decimal | None:
    if cost is None:
        return None
    number = Decimal(cost) if isinstance(cost, int) and not isinstance(cost, bool) else cost
    if not isinstance(number, Decimal) or not number.is_finite():
        raise InvalidRepairNeed(row, "estimated_cost", _cost_message(row))
    if not Decimal(0) <= number < COST_LIMIT or number != round(number, 2):
        raise InvalidRepairNeed(row, "estimated_cost", _cost_message(row))
    return number


def _cost_message(row: int) -> str:
    return _(
        "Repair need {row}: enter an estimated cost of 0 or more and less than {limit}, "
        "with at most two decimals."
    ).format(row=row, limit=format_money(COST_LIMIT))


def _checked_text(row: int, need: RepairNeed) -> str | None:
    if need.description is None:
        return None
    if not isinstance(need.description, str):
        raise InvalidRepairNeed(row, "description", _text_message(row))

    text = need.description.replace("\r\n", "\n").replace("\r", "\n").strip()
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        raise InvalidRepairNeed(row, "description", _text_message(row))
    if len(text) > DESCRIPTION_MAX_LENGTH:
        raise InvalidRepairNeed(row, "description", _length_message(row, len(text)))
    return text or None


def _text_message(row: int) -> str:
    return _(
        "Repair need {row}: write the description as text, without control characters "
        "other than line breaks and tabs."
    ).format(row=row)


def _length_message(row: int, length: int) -> str:
    return ngettext(
        "Repair need {row}: enter a description of at most {count} character "
        "(this one has {length}).",
        "Repair need {row}: enter a description of at most {count} characters "
        "(this one has {length}).",
        DESCRIPTION_MAX_LENGTH,
    ).format(row=row, count=format_decimal(DESCRIPTION_MAX_LENGTH), length=format_decimal(length))


class RepairNeedStore:
    """The ``repair_need`` rows, as the value of each building's history field
    ``repair_needs``: a tuple of ``RepairNeed`` sorted by year."""

    _CACHE_KEY = "tilaapp.repair_needs"

    def load(self, session: Session, building_ids: Sequence[int]) -> None:
        check_buildings_exist(session, building_ids)
        needs = self._needs(session)
        for start in range(0, len(building_ids), ID_CHUNK_SIZE):
            chunk = building_ids[start : start + ID_CHUNK_SIZE]
            grouped: dict[int, list[RepairNeed]] = {building_id: [] for building_id in chunk}
            query = (
                select(RepairNeedRecord)
                .where(RepairNeedRecord.building_id.in_(chunk))
                .order_by(RepairNeedRecord.building_id, RepairNeedRecord.year, RepairNeedRecord.id)
            )
            for record in session.scalars(query):
                grouped[record.building_id].append(
                    RepairNeed(record.year, record.estimated_cost, record.description)
                )
            needs.update((building_id, tuple(found)) for building_id, found in grouped.items())

    def read(self, session: Session, building_id: int, field: str) -> tuple[RepairNeed, ...]:
        needs = self._needs(session)
        if building_id not in needs:
            self.load(session, [building_id])
        return needs[building_id]

    def write(self, session: Session, building_id: int, field: str, value: Any) -> None:
        needs: tuple[RepairNeed, ...] = tuple(value or ())
        session.execute(delete(RepairNeedRecord).where(RepairNeedRecord.building_id == building_id))
        session.add_all(
            RepairNeedRecord(
                building_id=building_id,
                year=need.year,
                estimated_cost=need.estimated_cost,
                description=need.description,
            )
            for need in needs
        )
        self._needs(session)[building_id] = needs

    def history_text(self, session: Session, field: str, value: Any) -> str | None:
        """Return the needs as compact JSON, ``[{"year":2030,"cost":"1500.5",...}]``.

        No needs at all is stored as None, as an empty value is.
        """
        if not value:
            return None
        items = [_history_item(need) for need in value]
        return json.dumps(items, ensure_ascii=False, separators=(",", ":"))

    def _needs(self, session: Session) -> dict[int, tuple[RepairNeed, ...]]:
        needs: dict[int, tuple[RepairNeed, ...]] = session.info.setdefault(self._CACHE_KEY, {})
        return needs


def _history_item(need: RepairNeed) -> dict[str, object]:
    item: dict[str, object] = {"year": need.year}
    if need.estimated_cost is not None:
        item["cost"] = decimal_to_text(need.estimated_cost)
    if need.description is not None:
        item["description"] = need.description
    return item


class RepairService:
    """Reads and sets buildings' repair needs; each change is one committed transaction."""

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
        self._store = RepairNeedStore()

    def read(self, building_id: int) -> tuple[RepairNeed, ...]:
        """Return the building's repair needs sorted by year. Raises ``BuildingNotFound``."""
        with self.database.read_session() as session:
            self._store.load(session, [building_id])
            return self._store.read(session, building_id, REPAIR_NEEDS_FIELD)

    def set_repair_needs(self, building_id: int, needs: Sequence[RepairNeed]) -> EditStep:
        """Replace the building's repair needs with ``needs``; an empty sequence clears them.

        Returns an empty step, and writes nothing, when the stored needs already equal
        the new ones. Raises ``InvalidRepairNeed`` and ``BuildingNotFound``.
        """
        checked = checked_repair_needs(needs)
        with self.database.session() as session:
            self._store.load(session, [building_id])
            old = self._store.read(session, building_id, REPAIR_NEEDS_FIELD)
            changes: tuple[FieldChange, ...] = ()
            if old != checked:
                changes = (FieldChange(building_id, REPAIR_NEEDS_FIELD, old, checked),)
            write_changes(
                session, self._store, changes, source=LOCAL, os_user=self.os_user, now=utc_now()
            )

        step = EditStep(SET_VALUE if checked else CLEAR_VALUE, changes)
        if changes:
            self.undo_stack.push(step, self._store)
        # Only counts: descriptions are free text.
        log.info(
            "Repair needs of building %d: %d needs, %d changes",
            building_id,
            len(checked),
            len(changes),
        )
        return step

    def undo(self) -> EditStep | None:
        """Revert the newest step of the shared stack, as ``UndoStack.undo`` describes."""
        return self.undo_stack.undo(self.database, self.os_user)

    def redo(self) -> EditStep | None:
        return self.undo_stack.redo(self.database, self.os_user)
