"""One building as the editor shows it: identification, portfolio and every field's values.

``load_building`` reads a typed snapshot in one read session. For each field of the
catalogue it returns the register value in use with its source and extraction date, and
the value of every source. It also returns the local value with the user and time of its
newest change, and which value is in use. ``tilaapp.services.values.field_values``
makes that choice, as it does for the command line.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tilaapp.domain.fields import ALL_FIELDS, LOCAL, SOURCE_PRIORITY, FieldSpec
from tilaapp.domain.validation import is_editable
from tilaapp.services.queries import BuildingNotFound
from tilaapp.services.values import FieldValues, RegisterEntry, choose_register_entry, field_values
from tilaapp.storage.models import (
    Building,
    BuildingAddress,
    ChangeRecord,
    ImportBatch,
    PortfolioEntry,
    RegisterValue,
    Tenure,
)

__all__ = [
    "LOCAL_CHANGE_SOURCES",
    "AddressView",
    "BuildingNotFound",
    "BuildingView",
    "FieldState",
    "LocalSetting",
    "PortfolioView",
    "RegisterSourceValue",
    "load_building",
]

# Sources of change_history rows that set a local value: an edit by hand, an undo or
# redo of one, a spreadsheet filled in outside tilaapp, or an update package.
LOCAL_CHANGE_SOURCES: tuple[str, ...] = (LOCAL, "undo", "redo", "spreadsheet", "package")


@dataclass(frozen=True)
class RegisterSourceValue:
    """The value one register source gives for one field of the building."""

    source: str
    """A ``tilaapp.domain.fields.Source`` value."""
    value: Any
    """Typed as the field's kind: ``Decimal``, ``int``, ``bool``, ``PartialDate`` or ``str``."""
    code_list: str | None
    """The code list of ``value`` for a coded field, which differs between sources."""
    extraction_date: datetime.date
    is_present: bool
    """False when a later batch of the source no longer had the building."""
    file_name: str | None


@dataclass(frozen=True)
class LocalSetting:
    """The municipality's own value of a field, and the newest change that set it."""

    value: Any
    changed_at: datetime.datetime | None
    """UTC; None when no change of the history set the value."""
    os_user: str | None
    change_source: str | None
    """One of ``LOCAL_CHANGE_SOURCES``: ``local`` for an edit by hand."""


@dataclass(frozen=True)
class FieldState:
    """Every value of one field of the building, and which one is in use."""

    spec: FieldSpec
    editable: bool
    """Whether the field takes a local value (``tilaapp.domain.validation.is_editable``)."""
    register: RegisterSourceValue | None
    """The register value that is in use when no local value is set."""
    register_values: tuple[RegisterSourceValue, ...]
    """The values of every source that has the building, in ``SOURCE_PRIORITY`` order."""
    local: LocalSetting | None
    in_use_origin: str | None
    """``local``, the source of ``register``, or None when the field has no value."""
    sources_disagree: bool

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def value(self) -> Any:
        """The value in use: the local value if set, else the register value in use."""
        if self.local is not None:
            return self.local.value
        return self.register.value if self.register is not None else None

    @property
    def has_local(self) -> bool:
        return self.local is not None

    @property
    def register_value(self) -> Any:
        return self.register.value if self.register is not None else None


@dataclass(frozen=True)
class AddressView:
    """One address of the building as a register source gives it."""

    source: str
    street_name_fi: str | None
    street_name_sv: str | None
    house_number: str | None
    postal_code: str | None
    post_office_fi: str | None
    post_office_sv: str | None

    def text(self, language: str) -> str:
        """Return the address on one line, in Swedish where ``language`` is sv and it exists."""
        swedish = language == "sv"
        street_name = (self.street_name_sv if swedish else None) or self.street_name_fi
        post_office = (self.post_office_sv if swedish else None) or self.post_office_fi
        street = " ".join(part for part in (street_name, self.house_number) if part)
        place = " ".join(part for part in (self.postal_code, post_office) if part)
        return ", ".join(part for part in (street, place) if part)


@dataclass(frozen=True)
class PortfolioView:
    """The building's place in the portfolio."""

    tenure: Tenure
    holder_entity_id: int | None
    holder_name: str | None
    holder_business_id: str | None
    added_at: datetime.datetime


@dataclass(frozen=True)
class BuildingView:
    """A snapshot of one building for the editor."""

    id: int
    """The database id."""
    permanent_building_identifier: str | None
    origin: str
    """``register`` or ``local``."""
    addresses: tuple[AddressView, ...]
    """In ``SOURCE_PRIORITY`` order of their sources, then by address number."""
    portfolio: PortfolioView | None
    """None when the building is not in the portfolio."""
    fields: Mapping[str, FieldState]
    """A state for every field of ``ALL_FIELDS``, in catalogue order."""

    @property
    def in_portfolio(self) -> bool:
        return self.portfolio is not None

    @property
    def municipality_number(self) -> str | None:
        value: str | None = self.fields["municipality_number"].value
        return value

    @property
    def property_name(self) -> str | None:
        value: str | None = self.fields["property_name"].value
        return value

    @property
    def local_name(self) -> str | None:
        value: str | None = self.fields["local_name"].value
        return value

    def field(self, name: str) -> FieldState:
        """Return the state of field ``name``. Raises KeyError for a name not in the catalogue."""
        return self.fields[name]


def load_building(session: Session, building_id: int) -> BuildingView:
    """Read the building with database id ``building_id``. Raises ``BuildingNotFound``."""
    building = _load(session, building_id)
    rows = _rows_in_priority_order(list(building.register_values))
    file_names = _file_names(session, {row.batch_id for row in rows})
    changes = _newest_local_changes(session, building_id)

    fields = {
        spec.name: _field_state(
            field_values(spec, rows, building.local_value), file_names, changes.get(spec.name)
        )
        for spec in ALL_FIELDS
    }
    return BuildingView(
        id=building.id,
        permanent_building_identifier=building.permanent_building_identifier,
        origin=str(building.origin),
        addresses=_addresses(list(building.addresses)),
        portfolio=_portfolio(building.portfolio_entry),
        fields=fields,
    )


def _load(session: Session, building_id: int) -> Building:
    building = session.scalar(
        select(Building)
        .where(Building.id == building_id)
        .options(
            selectinload(Building.register_values),
            selectinload(Building.local_value),
            selectinload(Building.addresses),
            selectinload(Building.portfolio_entry).selectinload(PortfolioEntry.holder_entity),
        )
    )
    if building is None:
        raise BuildingNotFound(f"id:{building_id}")
    return building


def _source_order(source: str) -> int:
    order = [priority.value for priority in SOURCE_PRIORITY]
    return order.index(source) if source in order else len(order)


def _rows_in_priority_order(rows: list[RegisterValue]) -> list[RegisterValue]:
    return sorted(rows, key=lambda row: _source_order(row.source))


def _file_names(session: Session, batch_ids: set[int]) -> dict[int, str]:
    if not batch_ids:
        return {}
    query = select(ImportBatch.id, ImportBatch.file_name).where(ImportBatch.id.in_(batch_ids))
    return {batch_id: file_name for batch_id, file_name in session.execute(query)}


def _newest_local_changes(session: Session, building_id: int) -> dict[str, ChangeRecord]:
    """Return the newest change that set a local value, by field."""
    newest = (
        select(func.max(ChangeRecord.id))
        .where(ChangeRecord.building_id == building_id)
        .where(ChangeRecord.source.in_(LOCAL_CHANGE_SOURCES))
        .group_by(ChangeRecord.field)
    )
    query = select(ChangeRecord).where(ChangeRecord.id.in_(newest))
    return {change.field: change for change in session.scalars(query)}


def _field_state(
    values: FieldValues, file_names: dict[int, str], change: ChangeRecord | None
) -> FieldState:
    spec = values.spec
    register_values = tuple(_register_value(spec, entry, file_names) for entry in values.register)
    chosen = choose_register_entry(list(values.register))
    register = (
        None if chosen is None else next(v for v in register_values if v.source == chosen.source)
    )
    return FieldState(
        spec=spec,
        editable=is_editable(spec.name),
        register=register,
        register_values=register_values,
        local=_local_setting(values.local, change),
        in_use_origin=values.in_use_origin,
        sources_disagree=values.sources_disagree,
    )


def _register_value(
    spec: FieldSpec, entry: RegisterEntry, file_names: dict[int, str]
) -> RegisterSourceValue:
    return RegisterSourceValue(
        source=entry.source,
        value=entry.value,
        code_list=spec.code_lists.get(entry.source),
        extraction_date=entry.extraction_date,
        is_present=entry.is_present,
        file_name=file_names.get(entry.batch_id),
    )


def _local_setting(value: Any, change: ChangeRecord | None) -> LocalSetting | None:
    if value is None:
        return None
    if change is None:
        return LocalSetting(value, None, None, None)
    return LocalSetting(value, change.changed_at, change.os_user, change.source)


def _addresses(addresses: list[BuildingAddress]) -> tuple[AddressView, ...]:
    ordered = sorted(
        addresses,
        key=lambda a: (_source_order(a.source), a.address_number or 0, a.id),
    )
    return tuple(
        AddressView(
            source=address.source,
            street_name_fi=address.street_name_fi,
            street_name_sv=address.street_name_sv,
            house_number=address.house_number,
            postal_code=address.postal_code,
            post_office_fi=address.post_office_fi,
            post_office_sv=address.post_office_sv,
        )
        for address in ordered
    )


def _portfolio(entry: PortfolioEntry | None) -> PortfolioView | None:
    if entry is None:
        return None
    holder = entry.holder_entity
    return PortfolioView(
        tenure=Tenure(entry.tenure),
        holder_entity_id=entry.holder_entity_id,
        holder_name=holder.name if holder is not None else None,
        holder_business_id=holder.business_id if holder is not None else None,
        added_at=entry.added_at,
    )
