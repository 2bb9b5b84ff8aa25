"""Merge of DVV's open address file into a source that has rows already, batch by batch.

``RecordMerger`` merges one ``BuildingRecord`` at a time through the ORM, about 0.2 ms a
building in ``benchmarks/reimport.py`` on 200,000 buildings. ``OpenFileMerger`` writes the
same rows from the compact buildings of ``DvvOpenReader.read_compact``. For each batch of
a few thousand buildings it looks up the stored buildings, register rows and addresses in
a few queries, compares them in Python and writes through the session's own connection,
inside the import's transaction. Absence is marked in SQL by the same function as
``RecordMerger``.

The same rows include their ids. SQLite gives a row inserted without an id the largest
id in its table plus one. So rows are inserted here in the order ``RecordMerger`` inserts
them, and new buildings and addresses get the ids that order gives them.
"""

from __future__ import annotations

import datetime
import logging
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.orm import Session

from tilaapp.services.errors import ImportCancelled
from tilaapp.services.merge import ADDRESSES_FIELD, PRESENCE_FIELD, addresses_text, mark_absent
from tilaapp.services.open_read import batches
from tilaapp.services.values import to_history_text
from tilaapp.sources.dvv_open import (
    COMPACT_VALUE_COLUMNS,
    CompactAddress,
    CompactBuilding,
    DvvOpenReader,
    PartialAddresses,
)
from tilaapp.sources.records import NOT_READ
from tilaapp.storage.models import BuildingOrigin, ImportBatch
from tilaapp.storage.types import DECIMAL_SCALE, UTCDateTime

if TYPE_CHECKING:
    from tilaapp.services.importing import FileReport

log = logging.getLogger(__name__)

# Identifiers or building ids named in one look-up query.
LOOKUP_CHUNK = 500

VALUE_COLUMNS = COMPACT_VALUE_COLUMNS
"""The register fields of a compact building, in its order (items 2 to 7) and in the order
of the values of ``building_record``, which is the order of their history rows."""
_SCALED_COLUMNS = frozenset({"coordinate_north", "coordinate_east"})
_SCALE = Decimal(10**DECIMAL_SCALE)
_ADDRESSES: Final = 8
# Post office names in Finnish and Swedish: the open file has none.
_NO_POST_OFFICES = (None, None)
_ABSENT_TEXT = to_history_text(False)
_PRESENT_TEXT = to_history_text(True)


# A stored building as ``_stored_buildings`` returns it: identifier, building id, and the
# id, batch, extraction date, presence and values of its register row of the source, or
# None in each when it has none.
_BUILDING_ID, _ROW_ID, _ROW_BATCH, _ROW_DATE, _ROW_PRESENT = 1, 2, 3, 4, 5
_ROW_VALUES = slice(6, 12)
# A stored address: building id, id, and the columns RecordMerger compares.
_ADDRESS_ID = 1
_ADDRESS_COLUMNS = slice(2, None)


@dataclass
class _Changes:
    """The writes of one batch, each list in the order ``RecordMerger`` makes them."""

    buildings: list[tuple[Any, ...]] = field(default_factory=list)
    new_rows: list[tuple[Any, ...]] = field(default_factory=list)
    value_updates: list[tuple[Any, ...]] = field(default_factory=list)
    present_again: list[tuple[int]] = field(default_factory=list)
    delivered: list[int] = field(default_factory=list)
    """Register rows whose batch, scope and extraction date become the batch's."""
    addresses: list[tuple[int, list[int], tuple[CompactAddress, ...]]] = field(default_factory=list)
    """Building id, ids of the addresses to delete and the addresses to insert."""
    owners_cleared: list[tuple[int, str]] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    merged_ids: dict[str, int] = field(default_factory=dict)
    """Building ids by identifier of the buildings whose register row this batch wrote."""


class OpenFileMerger:
    """Merges batches of compact buildings of the open address file as ``RecordMerger``
    merges their records."""

    def __init__(
        self,
        session: Session,
        batch: ImportBatch,
        report: FileReport,
        os_user: str,
        now: datetime.datetime,
    ) -> None:
        session.flush()
        self.session = session
        self.batch = batch
        self.report = report
        self.os_user = os_user
        self.now = now
        self.cursor: sqlite3.Cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.source = batch.source
        self.extraction_date = batch.extraction_date.isoformat()
        self.changed_at = UTCDateTime().process_bind_param(now, None)  # type: ignore[arg-type]
        self.next_building_id = self._scalar("SELECT coalesce(max(id), 0) FROM building") + 1
        self.next_address_id: int | None = None
        """The id of the next address to insert, known from this merge's first insert on:
        see ``_write_addresses``."""
        # RecordMerger replaces a delivered building's owner rows of the source with the
        # record's, and the open file has none. So only stored owner rows need deleting.
        self.has_owners = bool(
            self._scalar(
                "SELECT EXISTS (SELECT 1 FROM building_owner WHERE source = ?)", self.source
            )
        )
        self.municipalities_seen: set[str] = set()

    def write(self, compact: Sequence[CompactBuilding]) -> None:
        """Merge a batch of buildings in file order."""
        stored = self._stored_buildings(compact)
        addresses = self._stored_addresses([found[_BUILDING_ID] for found in stored.values()])
        changes = _Changes()
        for building in compact:
            self._merge_one(building, stored, addresses, changes)
        self._write(changes)

    def finish(self, *, marks_absence: bool = True, unread: Collection[str] = ()) -> None:
        """Mark the source's buildings that the file lacks as absent if ``marks_absence``,
        except those of the identifiers ``unread``, as ``RecordMerger.finish`` does."""
        if marks_absence:
            mark_absent(self.session, self.batch, self.report, self.os_user, self.now, unread)

    # Looking up

    def _scalar(self, query: str, *parameters: Any) -> int:
        self.cursor.execute(query, parameters)
        return int(self.cursor.fetchone()[0])

    def _stored_buildings(self, compact: Sequence[CompactBuilding]) -> dict[str, tuple[Any, ...]]:
        """Return the stored buildings of the batch by identifier, with their register rows."""
        identifiers = [building[1] for building in compact if building[1]]
        columns = ", ".join(f"r.{name}" for name in VALUE_COLUMNS)
        found: dict[str, tuple[Any, ...]] = {}
        for chunk in _chunks(identifiers):
            self.cursor.execute(
                "SELECT b.permanent_building_identifier, b.id, r.id, r.batch_id, "
                f"r.extraction_date, r.is_present, {columns} FROM building b "
                "LEFT JOIN register_value r ON r.building_id = b.id AND r.source = ? "
                f"WHERE b.permanent_building_identifier IN ({_marks(len(chunk))})",
                [self.source, *chunk],
            )
            for row in self.cursor.fetchall():
                found[row[0]] = row
        return found

    def _stored_addresses(self, building_ids: list[int]) -> dict[int, list[tuple[Any, ...]]]:
        """Return the source's addresses of the buildings by building, in id order."""
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for chunk in _chunks(sorted(building_ids)):
            self.cursor.execute(
                "SELECT building_id, id, address_number, street_name_fi, street_name_sv, "
                "house_number, postal_code, post_office_fi, post_office_sv "
                "FROM building_address "
                f"WHERE source = ? AND building_id IN ({_marks(len(chunk))}) "
                "ORDER BY building_id, id",
                [self.source, *chunk],
            )
            last: int | None = None
            rows: list[tuple[Any, ...]] = []
            for row in self.cursor.fetchall():
                if row[0] != last:
                    last, rows = row[0], []
                    grouped[last] = rows
                rows.append(row)
        return grouped

    # Comparing

    def _merge_one(
        self,
        building: CompactBuilding,
        stored: dict[str, tuple[Any, ...]],
        addresses: dict[int, list[tuple[Any, ...]]],
        changes: _Changes,
    ) -> None:
        report = self.report
        report.buildings_in_file += 1
        report.addresses += len(building[_ADDRESSES])
        if isinstance(building[2], str):
            self.municipalities_seen.add(building[2])
        identifier = building[1]
        found = stored.get(identifier) if identifier else None
        duplicate = changes.merged_ids.get(identifier) if identifier else None
        if duplicate is None and found is not None and found[_ROW_BATCH] == self.batch.id:
            duplicate = found[_BUILDING_ID]
        if duplicate is not None:
            log.warning("Building %d appears twice in batch %d", duplicate, self.batch.id)
            return

        if found is None:
            self._add_building(building, changes)
            report.added += 1
            return
        building_id = found[_BUILDING_ID]
        if found[_ROW_ID] is None:
            changes.new_rows.append(self._register_row(building_id, building))
            changed = True
        elif found[_ROW_DATE] > self.extraction_date:
            report.older_than_stored += 1
            return
        else:
            changed = self._update_row(found, building, changes)
        if identifier:
            changes.merged_ids[identifier] = building_id
        stored_addresses = addresses.get(building_id, [])
        addresses_changed = False
        if not (stored_addresses and isinstance(building[_ADDRESSES], PartialAddresses)):
            addresses_changed = self._replace_addresses(
                building_id, building, stored_addresses, changes
            )
        if self.has_owners:
            changes.owners_cleared.append((building_id, self.source))
        if changed or addresses_changed:
            report.updated += 1
        else:
            report.unchanged += 1

    def _add_building(self, building: CompactBuilding, changes: _Changes) -> None:
        building_id = self.next_building_id
        self.next_building_id += 1
        identifier = building[1]
        changes.buildings.append(
            (building_id, identifier, BuildingOrigin.REGISTER.value, self.changed_at)
        )
        changes.new_rows.append(self._register_row(building_id, building))
        if identifier:
            changes.merged_ids[identifier] = building_id
        # A new building's addresses are no change: RecordMerger records no history.
        if building[_ADDRESSES]:
            changes.addresses.append((building_id, [], building[_ADDRESSES]))

    def _register_row(self, building_id: int, building: CompactBuilding) -> tuple[Any, ...]:
        return (
            building_id,
            self.source,
            self.batch.id,
            self.batch.scope,
            self.extraction_date,
            *(None if value is NOT_READ else value for value in building[2:8]),
        )

    def _update_row(
        self, found: tuple[Any, ...], building: CompactBuilding, changes: _Changes
    ) -> bool:
        """Update a stored register row that is not newer than the batch, and return
        whether its values or presence changed."""
        changed = False
        old_values = found[_ROW_VALUES]
        new_values = tuple(
            old if new is NOT_READ else new
            for old, new in zip(old_values, building[2:8], strict=True)
        )
        building_id, row_id = found[_BUILDING_ID], found[_ROW_ID]
        if new_values != old_values:
            for name, old, new in zip(VALUE_COLUMNS, old_values, new_values, strict=True):
                if old != new:
                    changes.history.append(
                        (building_id, name, _history_text(name, old), _history_text(name, new))
                    )
            changes.value_updates.append((*new_values, row_id))
            changed = True
        if not found[_ROW_PRESENT]:
            changes.history.append((building_id, PRESENCE_FIELD, _ABSENT_TEXT, _PRESENT_TEXT))
            changes.present_again.append((row_id,))
            self.report.present_again += 1
            changed = True
        changes.delivered.append(row_id)
        return changed

    def _replace_addresses(
        self,
        building_id: int,
        building: CompactBuilding,
        stored: list[tuple[Any, ...]],
        changes: _Changes,
    ) -> bool:
        """Replace a stored building's addresses of the source with a history row when
        they differ, and return whether they differed."""
        new_addresses = building[_ADDRESSES]
        new = [(*address, *_NO_POST_OFFICES) for address in new_addresses]
        old = [row[_ADDRESS_COLUMNS] for row in stored]
        if old == new:
            return False
        changes.addresses.append((building_id, [row[_ADDRESS_ID] for row in stored], new_addresses))
        old_text, new_text = addresses_text(old), addresses_text(new)
        changes.history.append(
            (building_id, ADDRESSES_FIELD, to_history_text(old_text), to_history_text(new_text))
        )
        return True

    # Writing

    def _write(self, changes: _Changes) -> None:
        cursor = self.cursor
        cursor.executemany(
            "INSERT INTO building (id, permanent_building_identifier, origin, created_at) "
            "VALUES (?, ?, ?, ?)",
            changes.buildings,
        )
        cursor.executemany(
            "INSERT INTO register_value (building_id, source, batch_id, scope, "
            f"extraction_date, is_present, {', '.join(VALUE_COLUMNS)}) "
            f"VALUES (?, ?, ?, ?, ?, 1, {_marks(len(VALUE_COLUMNS))})",
            changes.new_rows,
        )
        assignments = ", ".join(f"{name} = ?" for name in VALUE_COLUMNS)
        cursor.executemany(
            f"UPDATE register_value SET {assignments} WHERE id = ?", changes.value_updates
        )
        cursor.executemany(
            "UPDATE register_value SET is_present = 1, absent_since_batch_id = NULL WHERE id = ?",
            changes.present_again,
        )
        for chunk in _chunks(changes.delivered):
            cursor.execute(
                "UPDATE register_value SET batch_id = ?, scope = ?, extraction_date = ? "
                f"WHERE id IN ({_marks(len(chunk))})",
                [self.batch.id, self.batch.scope, self.extraction_date, *chunk],
            )
        self._write_addresses(changes.addresses)
        cursor.executemany(
            "DELETE FROM building_owner WHERE building_id = ? AND source = ?",
            changes.owners_cleared,
        )
        cursor.executemany(
            "INSERT INTO change_history (building_id, field, old_value, new_value, "
            "changed_at, os_user, source, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (*row, self.changed_at, self.os_user, self.source, self.batch.id)
                for row in changes.history
            ),
        )

    def _write_addresses(
        self, replaced: list[tuple[int, list[int], tuple[CompactAddress, ...]]]
    ) -> None:
        """Delete and insert addresses, giving new ones the ids RecordMerger's order gives.

        RecordMerger deletes a building's addresses and inserts its new ones before it
        goes on to the next building. Once this merge has inserted an address, the
        largest id is this merge's last one, because the addresses deleted later are
        older. Before that, a delete can remove the rows with the largest ids, so the
        first id is looked up after the deletes that come before the first insert.
        """
        if self.next_address_id is None:
            first = next((index for index, item in enumerate(replaced) if item[2]), None)
            if first is None:
                self._delete_addresses(replaced)
                return
            self._delete_addresses(replaced[: first + 1])
            self.next_address_id = (
                self._scalar("SELECT coalesce(max(id), 0) FROM building_address") + 1
            )
            self._delete_addresses(replaced[first + 1 :])
        else:
            self._delete_addresses(replaced)

        address_id = self.next_address_id
        rows = []
        for building_id, _, addresses in replaced:
            for address in addresses:
                rows.append((address_id, building_id, self.source, self.batch.id, *address))
                address_id += 1
        self.next_address_id = address_id
        self.cursor.executemany(
            "INSERT INTO building_address (id, building_id, source, batch_id, address_number, "
            "street_name_fi, street_name_sv, house_number, postal_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def _delete_addresses(
        self, replaced: list[tuple[int, list[int], tuple[CompactAddress, ...]]]
    ) -> None:
        self.cursor.executemany(
            "DELETE FROM building_address WHERE id = ?",
            ((address_id,) for _, ids, _ in replaced for address_id in ids),
        )


Progress = Callable[[int], None]
Cancelled = Callable[[], bool]


def merge_in_this_process(
    reader: DvvOpenReader, merger: OpenFileMerger, *, progress: Progress, cancelled: Cancelled
) -> None:
    """Read with ``reader`` and merge batch by batch, then mark absence unless the file
    ends in the middle of a row."""
    for batch in batches(reader.read_compact()):
        merger.write(batch)
        progress(merger.report.buildings_in_file)
        if cancelled():
            raise ImportCancelled()
    merger.finish(marks_absence=reader.page_complete, unread=reader.unread_identifiers)


def _history_text(name: str, value: Any) -> str | None:
    """Return a stored or compact value as ``RecordMerger`` records it in the history."""
    if value is not None and name in _SCALED_COLUMNS:
        # As ScaledDecimal reads a stored value and building_record makes a new one.
        return to_history_text(Decimal(int(value)) / _SCALE)
    return to_history_text(value)


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _chunks(items: Sequence[Any], size: int = LOOKUP_CHUNK) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
