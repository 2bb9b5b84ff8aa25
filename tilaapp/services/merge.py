"""Merging one source's building records into the stored buildings of that source."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tilaapp.domain.fields import REGISTER_FIELDS
from tilaapp.domain.identifiers import IdentifierStatus, check_permanent_building_identifier
from tilaapp.services.values import to_history_text
from tilaapp.sources.records import AddressRecord, BuildingRecord, OwnerRecord
from tilaapp.storage.models import (
    Building,
    BuildingAddress,
    BuildingOrigin,
    BuildingOwner,
    ChangeRecord,
    ImportBatch,
    RegisterValue,
)

if TYPE_CHECKING:
    from tilaapp.services.importing import FileReport

log = logging.getLogger(__name__)

PRESENCE_FIELD = "present_in_source"
"""History field recording that a building left or re-entered a register source."""
ADDRESSES_FIELD = "addresses"


class _Outcome(enum.Enum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    OLDER = "older"


def usable_identifier(identifier: str | None) -> str | None:
    """Return the identifier when it can match buildings: well-formed, check passed or not."""
    if identifier is None:
        return None
    if check_permanent_building_identifier(identifier) is IdentifierStatus.MALFORMED:
        return None
    return identifier


class RecordMerger:
    """Adds and updates the buildings of one batch; marks absence at the end."""

    def __init__(
        self,
        session: Session,
        batch: ImportBatch,
        report: FileReport,
        os_user: str,
        now: datetime.datetime,
    ) -> None:
        self.session = session
        self.batch = batch
        self.report = report
        self.os_user = os_user
        self.now = now
        self.source = batch.source
        self.seen_building_ids: set[int] = set()
        self._load_index()

    def _load_index(self) -> None:
        """Load identifiers and this source's rows once, so that merging needs no lookups.

        NOTE: this holds every row of the source in memory, about 6 kB per building (355 MB
        for a re-import of 58,800 buildings); a re-import of a whole-country source needs
        these look-ups made per batch of records instead.
        """
        rows = self.session.execute(
            select(Building.id, Building.permanent_building_identifier)
        ).all()
        self.building_by_identifier = {prt: building_id for building_id, prt in rows if prt}
        self.buildings_without_identifier = {building_id for building_id, prt in rows if not prt}

        source_rows = self.session.scalars(
            select(RegisterValue).where(RegisterValue.source == self.source)
        ).all()
        self.rows_by_building = {row.building_id: row for row in source_rows}
        self.present_by_old_identifier = {
            row.old_building_identifier: row.building_id
            for row in source_rows
            if row.is_present and row.old_building_identifier
        }
        self.stored_addresses = self._load_grouped(BuildingAddress, _ADDRESS_FIELDS)
        self.stored_owners = self._load_grouped(BuildingOwner, _OWNER_FIELDS)

    def _load_grouped(
        self, model: type[BuildingAddress] | type[BuildingOwner], fields: tuple[str, ...]
    ) -> dict[int, list[tuple[Any, ...]]]:
        """Return this source's address or owner rows as tuples by building, in id order."""
        query = (
            select(model.building_id, *(getattr(model, name) for name in fields))
            .where(model.source == self.source)
            .order_by(model.building_id, model.id)
        )
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for building_id, *values in self.session.execute(query):
            grouped.setdefault(building_id, []).append(tuple(values))
        return grouped

    def _find_building(self, record: BuildingRecord) -> int | None:
        identifier = usable_identifier(record.permanent_building_identifier)
        if identifier is not None:
            return self.building_by_identifier.get(identifier)

        # The old changing identifier matches only when neither side has a usable
        # permanent identifier.
        old = record.old_building_identifier
        if old is None:
            return None
        candidate = self.present_by_old_identifier.get(old)
        if candidate is None:
            candidate = self._find_by_old_identifier_in_other_sources(old)
        if candidate in self.buildings_without_identifier:
            return candidate
        return None

    def _find_by_old_identifier_in_other_sources(self, old: str) -> int | None:
        query = select(RegisterValue.building_id).where(
            RegisterValue.old_building_identifier == old, RegisterValue.is_present.is_(True)
        )
        return self.session.scalars(query.limit(1)).first()

    def merge(self, record: BuildingRecord) -> None:
        self.report.buildings_in_file += 1
        self._count_owners(record)
        self.report.addresses += len(record.addresses)
        building_id = self._find_building(record)
        if building_id is not None and building_id in self.seen_building_ids:
            log.warning("Building %d appears twice in batch %d", building_id, self.batch.id)
            return

        if building_id is None:
            building_id = self._add_building(record)
            self._add_register_row(building_id, record)
            self._replace_addresses(building_id, record.addresses, record_history=False)
            self._replace_owners(building_id, record.owners)
            self.seen_building_ids.add(building_id)
            self.report.added += 1
            return

        self.seen_building_ids.add(building_id)
        outcome = self._update_register_row(building_id, record)
        if outcome is _Outcome.OLDER:
            self.report.older_than_stored += 1
            return
        addresses_changed = self._replace_addresses(building_id, record.addresses)
        self._replace_owners(building_id, record.owners)
        if outcome is _Outcome.CHANGED or addresses_changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def _count_owners(self, record: BuildingRecord) -> None:
        for owner in record.owners:
            if owner.is_person:
                self.report.person_owners += 1
            else:
                self.report.organisation_owners += 1

    def _add_building(self, record: BuildingRecord) -> int:
        identifier = usable_identifier(record.permanent_building_identifier)
        building = Building(
            permanent_building_identifier=identifier,
            origin=BuildingOrigin.REGISTER,
            created_at=self.now,
        )
        self.session.add(building)
        self.session.flush()
        if identifier is not None:
            self.building_by_identifier[identifier] = building.id
        else:
            self.buildings_without_identifier.add(building.id)
        return building.id

    def _add_register_row(self, building_id: int, record: BuildingRecord) -> None:
        values = {name: value for name, value in record.values.items() if name in _FIELD_NAMES}
        row = RegisterValue(
            building_id=building_id,
            source=self.source,
            batch_id=self.batch.id,
            scope=self.batch.scope,
            extraction_date=self.batch.extraction_date,
            is_present=True,
            **values,
        )
        self.session.add(row)
        self.rows_by_building[building_id] = row
        if row.old_building_identifier:
            self.present_by_old_identifier[row.old_building_identifier] = building_id

    def _update_register_row(self, building_id: int, record: BuildingRecord) -> _Outcome:
        row = self.rows_by_building.get(building_id)
        if row is None:
            self._add_register_row(building_id, record)
            return _Outcome.CHANGED
        if row.extraction_date > self.batch.extraction_date:
            return _Outcome.OLDER

        changed = self._update_values(row, record)
        if not row.is_present:
            self._record_change(building_id, PRESENCE_FIELD, False, True)
            row.is_present = True
            row.absent_since_batch_id = None
            self.report.present_again += 1
            changed = True
        row.batch_id = self.batch.id
        row.scope = self.batch.scope
        row.extraction_date = self.batch.extraction_date
        return _Outcome.CHANGED if changed else _Outcome.UNCHANGED

    def _update_values(self, row: RegisterValue, record: BuildingRecord) -> bool:
        changed = False
        for name, new in record.values.items():
            if name not in _FIELD_NAMES:
                continue
            old = getattr(row, name)
            if old == new:
                continue
            self._record_change(row.building_id, name, old, new)
            setattr(row, name, new)
            changed = True
        return changed

    def _record_change(self, building_id: int, field: str, old: Any, new: Any) -> None:
        self.session.add(
            ChangeRecord(
                building_id=building_id,
                field=field,
                old_value=to_history_text(old),
                new_value=to_history_text(new),
                changed_at=self.now,
                os_user=self.os_user,
                source=self.source,
                batch_id=self.batch.id,
            )
        )

    def _replace_addresses(
        self, building_id: int, addresses: list[AddressRecord], *, record_history: bool = True
    ) -> bool:
        stored = self.stored_addresses.get(building_id, [])
        new = [dataclasses.astuple(address) for address in addresses]
        if stored == new:
            return False
        self.session.execute(
            delete(BuildingAddress).where(
                BuildingAddress.building_id == building_id, BuildingAddress.source == self.source
            )
        )
        self.session.add_all(
            BuildingAddress(
                building_id=building_id,
                source=self.source,
                batch_id=self.batch.id,
                **dataclasses.asdict(address),
            )
            for address in addresses
        )
        self.stored_addresses[building_id] = new
        if record_history:
            self._record_change(
                building_id, ADDRESSES_FIELD, _addresses_text(stored), _addresses_text(new)
            )
        return True

    def _replace_owners(self, building_id: int, owners: list[OwnerRecord]) -> None:
        stored = self.stored_owners.get(building_id, [])
        new = [(owner.is_person, owner.owner_type, owner.business_id) for owner in owners]
        if stored == new:
            return
        self.session.execute(
            delete(BuildingOwner).where(
                BuildingOwner.building_id == building_id, BuildingOwner.source == self.source
            )
        )
        self.session.add_all(
            BuildingOwner(
                building_id=building_id,
                source=self.source,
                batch_id=self.batch.id,
                is_person=owner.is_person,
                owner_type=owner.owner_type,
                business_id=owner.business_id,
            )
            for owner in owners
        )
        self.stored_owners[building_id] = new

    def finish(self, *, marks_absence: bool = True) -> None:
        """Mark absence unless the batch is one page of a larger download."""
        if marks_absence:
            self.mark_absent()

    def mark_absent(self) -> None:
        """Mark this source's buildings that a full batch of the same scope no longer has.

        A batch older than a building's stored row says nothing about it. A whole-file
        batch judges only the municipalities it contains, so that a file of one
        municipality or region never marks the buildings of others as gone.
        """
        covered = self._municipalities_in_batch()
        for building_id, row in self.rows_by_building.items():
            if not row.is_present or building_id in self.seen_building_ids:
                continue
            if row.scope != self.batch.scope:
                continue
            if row.extraction_date > self.batch.extraction_date:
                continue
            if self.batch.scope == "all" and row.municipality_number not in covered:
                continue
            row.is_present = False
            row.absent_since_batch_id = self.batch.id
            self._record_change(building_id, PRESENCE_FIELD, True, False)
            self.report.no_longer_present += 1

    def _municipalities_in_batch(self) -> set[str | None]:
        return {
            self.rows_by_building[building_id].municipality_number
            for building_id in self.seen_building_ids
            if building_id in self.rows_by_building
        }


_FIELD_NAMES = frozenset(spec.name for spec in REGISTER_FIELDS)


_ADDRESS_FIELDS = tuple(f.name for f in dataclasses.fields(AddressRecord))
_OWNER_FIELDS = ("is_person", "owner_type", "business_id")


def _addresses_text(addresses: Sequence[tuple[Any, ...]]) -> str | None:
    return "; ".join(_format_address(address) for address in addresses) or None


def _format_address(parts: tuple[Any, ...]) -> str:
    return " ".join(str(part) for part in parts if part not in (None, ""))
