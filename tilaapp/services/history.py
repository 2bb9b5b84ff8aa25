"""The change history, newest first: the field, old and new value, time, user and source.

Values are stored in ``change_history`` as JSON text (``tilaapp.services.values``) and
read back typed by their field: ``Decimal`` for areas and money, ``PartialDate`` for
dates, ``int``, ``bool`` and ``str`` for the rest. Portfolio changes come back as
``PortfolioHistoryValue``. Other history fields outside the catalogue come back as
their JSON value: addresses as one text of every address of the source.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME, FieldKind
from tilaapp.i18n import N_
from tilaapp.i18n import gettext as _
from tilaapp.services.merge import ADDRESSES_FIELD, PRESENCE_FIELD
from tilaapp.services.portfolio import PORTFOLIO_FIELD
from tilaapp.storage.models import Building, ChangeRecord

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 100

# Labels of the history fields that are not in the field catalogue.
_OTHER_FIELD_LABELS = {
    PORTFOLIO_FIELD: N_("Portfolio"),
    PRESENCE_FIELD: N_("Present in the register source"),
    ADDRESSES_FIELD: N_("Addresses"),
    # The field of tilaapp.services.repairs, named here because that module imports this one.
    "repair_needs": N_("Repair needs"),
}

_HistoryQuery = Select[ChangeRecord, str | None]


@dataclass(frozen=True)
class PortfolioHistoryValue:
    """A building's place in the portfolio as a history row records it."""

    holder_business_id: str | None
    tenure: str | None
    """A ``Tenure`` value: ``owned`` or ``leased_in``."""


@dataclass(frozen=True)
class HistoryEntry:
    """One row of the change history, with its values typed back."""

    id: int
    changed_at: datetime.datetime
    """UTC."""
    os_user: str
    building_id: int | None
    permanent_building_identifier: str | None
    field: str
    field_label: str
    """Translated into the current language."""
    old_value: Any
    new_value: Any
    source: str
    """A register source, ``local``, ``undo``, ``redo``, ``portfolio``, ``spreadsheet`` or
    ``package``."""
    batch_id: int | None
    package_id: str | None


def field_label(field: str) -> str:
    """Return the translated label of a history field, or the field's name if it has none."""
    spec = FIELDS_BY_NAME.get(field)
    if spec is not None:
        return _(spec.label)
    label = _OTHER_FIELD_LABELS.get(field)
    return _(label) if label is not None else field


def building_history(
    session: Session, building_id: int, *, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0
) -> list[HistoryEntry]:
    """Return one page of a building's changes, newest first."""
    query = _history_query(building_id=building_id)
    return _page(session, query, limit, offset)


def count_building_history(session: Session, building_id: int) -> int:
    return _count(session, _history_query(building_id=building_id))


def database_history(
    session: Session,
    *,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
    field: str | None = None,
    source: str | None = None,
    text: str | None = None,
) -> list[HistoryEntry]:
    """Return one page of every change of the database, newest first.

    ``field`` and ``source`` keep only the rows of that field or source. ``text`` keeps
    the rows whose permanent building identifier, user name, or old or new value as
    stored contains it, ignoring the case of ASCII letters.
    """
    query = _history_query(field=field, source=source, text=text)
    return _page(session, query, limit, offset)


def count_database_history(
    session: Session,
    *,
    field: str | None = None,
    source: str | None = None,
    text: str | None = None,
) -> int:
    return _count(session, _history_query(field=field, source=source, text=text))


def history_value(field: str, text: str | None) -> Any:
    """Return a value stored in the history as JSON text, typed by its field.

    Text that is not JSON, or JSON of another type than the field's, is returned as it
    is, so that one odd row never hides the rest of the history.
    """
    if text is None:
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        log.warning("History value of field %s is not JSON", field)
        return text

    if field == PORTFOLIO_FIELD and isinstance(raw, dict):
        return PortfolioHistoryValue(raw.get("holder"), raw.get("tenure"))
    spec = FIELDS_BY_NAME.get(field)
    if spec is None:
        return raw

    try:
        return _typed(spec.kind, raw)
    except (ValueError, TypeError, InvalidOperation):
        log.warning("History value of field %s does not have the field's type", field)
        return raw


def _typed(kind: FieldKind, raw: Any) -> Any:
    """Convert a JSON value to the type of ``kind``. Raises TypeError or ValueError if unfit."""
    if kind in (FieldKind.DECIMAL, FieldKind.MONEY) and isinstance(raw, str | int):
        return Decimal(str(raw))
    if kind is FieldKind.DATE and isinstance(raw, str):
        return PartialDate.from_iso(raw)
    if kind is FieldKind.INTEGER and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if kind is FieldKind.BOOLEAN and isinstance(raw, bool):
        return raw
    if kind in (FieldKind.TEXT, FieldKind.CODE) and isinstance(raw, str):
        return raw
    raise TypeError(f"JSON value of type {type(raw).__name__} for a {kind.value} field")


def _history_query(
    *,
    building_id: int | None = None,
    field: str | None = None,
    source: str | None = None,
    text: str | None = None,
) -> _HistoryQuery:
    query = select(ChangeRecord, Building.permanent_building_identifier).outerjoin(
        Building, Building.id == ChangeRecord.building_id
    )
    if building_id is not None:
        query = query.where(ChangeRecord.building_id == building_id)
    if field is not None:
        query = query.where(ChangeRecord.field == field)
    if source is not None:
        query = query.where(ChangeRecord.source == source)
    if text:
        pattern = f"%{_escaped_like(text.strip())}%"
        query = query.where(
            or_(
                *(
                    column.like(pattern, escape="\\")
                    for column in (
                        Building.permanent_building_identifier,
                        ChangeRecord.os_user,
                        ChangeRecord.old_value,
                        ChangeRecord.new_value,
                    )
                )
            )
        )
    return query


def _escaped_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _page(session: Session, query: _HistoryQuery, limit: int, offset: int) -> list[HistoryEntry]:
    if limit < 0 or offset < 0:
        raise ValueError(f"limit and offset must be 0 or more, got {limit} and {offset}")

    # Times are stored as UTC ISO 8601 text of one width, so text order is time order.
    ordered = query.order_by(ChangeRecord.changed_at.desc(), ChangeRecord.id.desc())
    rows = session.execute(ordered.limit(limit).offset(offset))
    return [_entry(row[0], row[1]) for row in rows]


def _count(session: Session, query: _HistoryQuery) -> int:
    counted = select(func.count()).select_from(query.subquery())
    return session.scalar(counted) or 0


def _entry(record: ChangeRecord, permanent_identifier: str | None) -> HistoryEntry:
    return HistoryEntry(
        id=record.id,
        changed_at=record.changed_at.astimezone(datetime.UTC),
        os_user=record.os_user,
        building_id=record.building_id,
        permanent_building_identifier=permanent_identifier,
        field=record.field,
        field_label=field_label(record.field),
        old_value=history_value(record.field, record.old_value),
        new_value=history_value(record.field, record.new_value),
        source=record.source,
        batch_id=record.batch_id,
        package_id=record.package_id,
    )
