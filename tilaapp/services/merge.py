"""Merging one source's building records into the stored buildings of that source."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import logging
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, literal, select, update
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
from tilaapp.storage.types import UTCDateTime

if TYPE_CHECKING:
    from tilaapp.services.importing import FileReport

log = logging.getLogger(__name__)

MERGE_BATCH_SIZE = 2_000
LOOKUP_CHUNK = 500
PRESENCE_FIELD = "present_in_source"
"""History field recording that a building left or re-entered a register source."""
ADDRESSES_FIELD = "addresses"
# Identifiers of unread rows bound in one statement: well below SQLite's limit of bound
# values (SQLITE_LIMIT_VARIABLE_NUMBER), which was 250,000 in the build measured (3.40.1).
MAX_UNREAD = 10_000


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
        self.pending: list[BuildingRecord] = []

    def merge(self, record: BuildingRecord) -> None:
        self.report.buildings_in_file += 1
        self._count_owners(record)
        self.report.addresses += len(record.addresses)
        self.pending.append(record)
        if len(self.pending) >= MERGE_BATCH_SIZE:
            self._merge_pending()

    def _merge_pending(self) -> None:
        """Merge the pending records with look-ups made for all of them at once.

        Only the rows of this batch of records are held as objects, and they are released
        after the batch is written, so memory does not grow with the source.
        """
        records, self.pending = self.pending, []
        if not records:
            return
        self._load_batch(records)
        for record in records:
            self._merge_one(record)
        self.session.flush()
        for row in self.rows_by_building.values():
            self.session.expunge(row)

    def _load_batch(self, records: list[BuildingRecord]) -> None:
        identifiers = sorted(
            {i for r in records if (i := usable_identifier(r.permanent_building_identifier))}
        )
        self.building_by_identifier: dict[str, int] = {}
        for chunk in _chunks(identifiers):
            found = self.session.execute(
                select(Building.permanent_building_identifier, Building.id).where(
                    Building.permanent_building_identifier.in_(chunk)
                )
            )
            self.building_by_identifier.update((str(prt), int(bid)) for prt, bid in found)

        old_identifiers = sorted(
            {
                old
                for r in records
                if usable_identifier(r.permanent_building_identifier) is None
                and (old := r.old_building_identifier)
            }
        )
        self.by_old_identifier = self._buildings_by_old_identifier(old_identifiers)

        building_ids = sorted(
            {*self.building_by_identifier.values(), *self.by_old_identifier.values()}
        )
        self.rows_by_building: dict[int, RegisterValue] = {}
        for chunk in _chunks(building_ids):
            query = select(RegisterValue).where(
                RegisterValue.source == self.source, RegisterValue.building_id.in_(chunk)
            )
            self.rows_by_building.update(
                (row.building_id, row) for row in self.session.scalars(query)
            )
        self.stored_addresses = self._load_grouped(BuildingAddress, _ADDRESS_FIELDS, building_ids)
        self.stored_owners = self._load_grouped(BuildingOwner, _OWNER_FIELDS, building_ids)

    def _buildings_by_old_identifier(self, old_identifiers: list[str]) -> dict[str, int]:
        """Return the buildings without a permanent identifier that an old identifier names.

        The old changing identifier matches only when neither side has a usable permanent
        identifier, and only among buildings still present in a source. A row of this
        source wins over a row of another source.
        """
        found: dict[str, tuple[bool, int]] = {}
        for chunk in _chunks(old_identifiers):
            query = (
                select(
                    RegisterValue.old_building_identifier,
                    RegisterValue.source,
                    RegisterValue.building_id,
                )
                .join(Building, Building.id == RegisterValue.building_id)
                .where(
                    RegisterValue.old_building_identifier.in_(chunk),
                    RegisterValue.is_present.is_(True),
                    Building.permanent_building_identifier.is_(None),
                )
            )
            for old, source, building_id in self.session.execute(query):
                if old is None:
                    continue
                preferred = source == self.source
                if old not in found or (preferred and not found[old][0]):
                    found[old] = (preferred, building_id)
        return {old: building_id for old, (_, building_id) in found.items()}

    def _load_grouped(
        self,
        model: type[BuildingAddress] | type[BuildingOwner],
        fields: tuple[str, ...],
        building_ids: list[int],
    ) -> dict[int, list[tuple[Any, ...]]]:
        """Return this source's address or owner rows as tuples by building, in id order."""
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for chunk in _chunks(building_ids):
            query = (
                select(model.building_id, *(getattr(model, name) for name in fields))
                .where(model.source == self.source, model.building_id.in_(chunk))
                .order_by(model.building_id, model.id)
            )
            for building_id, *values in self.session.execute(query):
                grouped.setdefault(building_id, []).append(tuple(values))
        return grouped

    def _find_building(self, record: BuildingRecord) -> int | None:
        identifier = usable_identifier(record.permanent_building_identifier)
        if identifier is not None:
            return self.building_by_identifier.get(identifier)
        old = record.old_building_identifier
        return None if old is None else self.by_old_identifier.get(old)

    def _merge_one(self, record: BuildingRecord) -> None:
        building_id = self._find_building(record)
        row = self.rows_by_building.get(building_id) if building_id is not None else None
        if row is not None and row.batch_id == self.batch.id:
            log.warning("Building %d appears twice in batch %d", building_id, self.batch.id)
            return

        if building_id is None:
            building_id = self._add_building(record)
            self._add_register_row(building_id, record)
            self._replace_addresses(building_id, record.addresses, record_history=False)
            self._replace_owners(building_id, record.owners)
            self.report.added += 1
            return

        outcome = self._update_register_row(building_id, record)
        if outcome is _Outcome.OLDER:
            self.report.older_than_stored += 1
            return
        addresses_changed = False
        if record.addresses_complete or building_id not in self.stored_addresses:
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
        elif record.old_building_identifier:
            self.by_old_identifier[record.old_building_identifier] = building.id
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

    def _update_register_row(self, building_id: int, record: BuildingRecord) -> _Outcome:
        row = self.rows_by_building.get(building_id)
        if row is None:
            # NOTE: a source new to a stored building gets no history rows for its values,
            # but one for its addresses (``_replace_addresses``).
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
                building_id, ADDRESSES_FIELD, addresses_text(stored), addresses_text(new)
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

    def finish(self, *, marks_absence: bool = True, unread: Collection[str] = ()) -> None:
        """Merge what is pending, then mark absence unless the batch is one page of many.

        The buildings of the identifiers ``unread`` are in the file but were not read.
        """
        self._merge_pending()
        if marks_absence:
            self.mark_absent(unread)

    def mark_absent(self, unread: Collection[str] = ()) -> None:
        """Mark the source's buildings that this batch lacks as absent (``mark_absent``)."""
        mark_absent(self.session, self.batch, self.report, self.os_user, self.now, unread)


def mark_absent(
    session: Session,
    batch: ImportBatch,
    report: FileReport,
    os_user: str,
    now: datetime.datetime,
    unread: Collection[str] = (),
) -> None:
    """Mark the buildings of the batch's source that a full batch of its scope no longer has.

    A building the batch delivered has the batch's id on its row. A batch older than a
    building's stored row does not count for that building. A whole-file batch judges
    only the municipalities it contains, so that a file of one municipality or region
    never marks the buildings of others as gone. The buildings of the identifiers
    ``unread`` are in the file but could not be read, so they are not judged either. With
    more than ``MAX_UNREAD`` of them, no building is judged.
    """
    if len(unread) > MAX_UNREAD:
        log.warning(
            "Batch %d has %d buildings whose rows could not be read, so none is marked absent",
            batch.id,
            len(unread),
        )
        return
    source = batch.source
    # NOTE: a delivered row takes its batch's scope. So after a filtered import delivered
    # a building, a whole-file batch never marks it absent until one delivers it again.
    conditions = [
        RegisterValue.source == source,
        RegisterValue.scope == batch.scope,
        RegisterValue.is_present.is_(True),
        RegisterValue.batch_id != batch.id,
        RegisterValue.extraction_date <= batch.extraction_date,
    ]
    if batch.scope == "all":
        covered = select(RegisterValue.municipality_number).where(
            RegisterValue.source == source, RegisterValue.batch_id == batch.id
        )
        conditions.append(RegisterValue.municipality_number.in_(covered))
    if unread:
        in_file = select(Building.id).where(Building.permanent_building_identifier.in_(unread))
        conditions.append(RegisterValue.building_id.not_in(in_file))

    history = select(
        RegisterValue.building_id,
        literal(PRESENCE_FIELD),
        literal(to_history_text(True)),
        literal(to_history_text(False)),
        literal(now, UTCDateTime()),
        literal(os_user),
        literal(source),
        literal(batch.id),
    ).where(*conditions)
    session.execute(
        insert(ChangeRecord).from_select(
            ["building_id", "field", "old_value", "new_value", "changed_at", "os_user",
             "source", "batch_id"],
            history,
        )
    )  # fmt: skip
    result = session.execute(
        update(RegisterValue)
        .where(*conditions)
        .values(is_present=False, absent_since_batch_id=batch.id)
        .execution_options(synchronize_session=False)
    )
    report.no_longer_present += result.rowcount  # type: ignore[attr-defined]
    report.absence_not_judged += _other_scope_missing(session, batch)


def _other_scope_missing(session: Session, batch: ImportBatch) -> int:
    """Return how many present buildings of the batch's source, in the municipalities the
    batch delivered, are missing from it but came from an import of another scope.

    Only an import of their own scope judges whether they are gone, so the report gives
    the number that this one left as they were.
    """
    delivered = select(RegisterValue.municipality_number).where(
        RegisterValue.source == batch.source, RegisterValue.batch_id == batch.id
    )
    query = select(func.count()).where(
        RegisterValue.source == batch.source,
        RegisterValue.scope != batch.scope,
        RegisterValue.is_present.is_(True),
        RegisterValue.batch_id != batch.id,
        RegisterValue.municipality_number.in_(delivered),
    )
    return session.scalar(query) or 0


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_FIELD_NAMES = frozenset(spec.name for spec in REGISTER_FIELDS)


_ADDRESS_FIELDS = tuple(f.name for f in dataclasses.fields(AddressRecord))
_OWNER_FIELDS = ("is_person", "owner_type", "business_id")


def addresses_text(addresses: Sequence[tuple[Any, ...]]) -> str | None:
    """Return address rows as the change history records them, or None for no address."""
    return "; ".join(_format_address(address) for address in addresses) or None


def _format_address(parts: tuple[Any, ...]) -> str:
    return " ".join(str(part) for part in parts if part not in (None, ""))
