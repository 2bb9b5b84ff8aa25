"""Fast first load of a register source: plain multi-row INSERTs, no per-building queries.

Used when the database has no row of the source yet: a new database, or the first file
of a source. Then every record either creates a building or links an existing one to the
source, and no stored value of the source needs comparing.
"""

from __future__ import annotations

import datetime
import logging
import sqlite3
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from tilaapp.domain.fields import REGISTER_FIELDS
from tilaapp.services.merge import usable_identifier
from tilaapp.sources.records import BuildingRecord, ProblemKind, RowProblem, Severity
from tilaapp.storage.models import Building, ImportBatch, RegisterValue
from tilaapp.storage.types import UTCDateTime

if TYPE_CHECKING:
    from tilaapp.services.importing import FileReport

log = logging.getLogger(__name__)

# Buildings per flush; also bounds how many identifiers one lookup query names.
BATCH_SIZE = 2_000
# Rows per INSERT statement. SQLite allows at least 32,766 bound parameters per
# statement since version 3.32; the widest insert here binds about 50 per row.
ROWS_PER_STATEMENT = 100
LOOKUP_CHUNK = 500

_ADDRESS_COLUMNS = (
    "address_number",
    "street_name_fi",
    "street_name_sv",
    "house_number",
    "postal_code",
    "post_office_fi",
    "post_office_sv",
)
_OWNER_COLUMNS = ("is_person", "owner_type", "business_id")

Converter = Callable[[Any], Any]
_SQLITE = sqlite.dialect()


def source_has_rows(session: Session, source: str) -> bool:
    query = select(RegisterValue.id).where(RegisterValue.source == source).limit(1)
    return session.execute(query).first() is not None


def _converters() -> dict[str, Converter]:
    """Return, per register field, the function that turns a value into its SQL form."""
    table = RegisterValue.__table__
    converters: dict[str, Converter] = {}
    for spec in REGISTER_FIELDS:
        column_type = table.columns[spec.name].type
        bind = column_type.bind_processor(_SQLITE)
        converters[spec.name] = bind if bind is not None else _identity
    return converters


def _identity(value: Any) -> Any:
    return value


def _insert_rows(
    cursor: sqlite3.Cursor, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows`` with statements of up to ``ROWS_PER_STATEMENT`` rows each."""
    if not rows:
        return
    placeholders = "(" + ",".join("?" * len(columns)) + ")"
    head = f"INSERT INTO {table} ({','.join(columns)}) VALUES "
    full = len(rows) - len(rows) % ROWS_PER_STATEMENT
    if full:
        statement = head + ",".join([placeholders] * ROWS_PER_STATEMENT)
        cursor.executemany(
            statement,
            (
                tuple(value for row in rows[start : start + ROWS_PER_STATEMENT] for value in row)
                for start in range(0, full, ROWS_PER_STATEMENT)
            ),
        )
    rest = rows[full:]
    if rest:
        statement = head + ",".join([placeholders] * len(rest))
        cursor.execute(statement, tuple(value for row in rest for value in row))


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class BulkLoader:
    """Loads one file of a source that has no rows in the database yet."""

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
        self.cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.created_at = UTCDateTime().process_bind_param(now, _SQLITE)
        self.extraction_date = batch.extraction_date.isoformat()
        self.converters = _converters()
        self.base_id = session.scalar(select(func.coalesce(func.max(Building.id), 0))) or 0
        self.next_id = self.base_id + 1
        self.linked_existing: set[int] = set()
        """Buildings that existed before this load and got a row of the source from it."""
        self.pending: list[BuildingRecord] = []
        self.field_names: tuple[str, ...] | None = None

    def merge(self, record: BuildingRecord) -> None:
        self.report.buildings_in_file += 1
        self.report.addresses += len(record.addresses)
        for owner in record.owners:
            if owner.is_person:
                self.report.person_owners += 1
            else:
                self.report.organisation_owners += 1
        self.pending.append(record)
        if len(self.pending) >= BATCH_SIZE:
            self.flush()

    def finish(self, *, marks_absence: bool = True, unread: Collection[str] = ()) -> None:
        """Write what is pending; a first load of a source has no absence to mark."""
        self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        records, self.pending = self.pending, []
        existing = self._existing_buildings(records)
        buildings: list[tuple[Any, ...]] = []
        values: list[tuple[Any, ...]] = []
        addresses: list[tuple[Any, ...]] = []
        owners: list[tuple[Any, ...]] = []
        names = self._field_names(records)

        for record in records:
            building_id = self._building_id(record, existing, buildings)
            if building_id is None:
                continue
            values.append(self._value_row(building_id, record, names))
            addresses.extend(
                (building_id, self.batch.source, self.batch.id, *_address_values(a))
                for a in record.addresses
            )
            owners.extend(
                (
                    building_id,
                    self.batch.source,
                    self.batch.id,
                    o.is_person,
                    o.owner_type,
                    o.business_id,
                )
                for o in record.owners
            )

        _insert_rows(
            self.cursor,
            "building",
            ("id", "permanent_building_identifier", "origin", "created_at"),
            buildings,
        )
        _insert_rows(
            self.cursor,
            "register_value",
            ("building_id", "source", "batch_id", "scope", "extraction_date", "is_present", *names),
            values,
        )
        _insert_rows(
            self.cursor,
            "building_address",
            ("building_id", "source", "batch_id", *_ADDRESS_COLUMNS),
            addresses,
        )
        _insert_rows(
            self.cursor,
            "building_owner",
            ("building_id", "source", "batch_id", *_OWNER_COLUMNS),
            owners,
        )

    def _field_names(self, records: list[BuildingRecord]) -> tuple[str, ...]:
        """Return the register fields any record of the file carries, in catalogue order.

        A field the file lacks stays NULL; a field the file has but a record leaves out
        is written as NULL too, which for a first load of the source means the same.
        """
        present = set(self.field_names or ())
        for record in records:
            present.update(record.values)
        self.field_names = tuple(spec.name for spec in REGISTER_FIELDS if spec.name in present)
        return self.field_names

    def _existing_buildings(self, records: list[BuildingRecord]) -> dict[str, int]:
        identifiers = sorted(
            {i for r in records if (i := usable_identifier(r.permanent_building_identifier))}
        )
        found: dict[str, int] = {}
        for chunk in _chunks(identifiers, LOOKUP_CHUNK):
            self.cursor.execute(
                "SELECT permanent_building_identifier, id FROM building "
                f"WHERE permanent_building_identifier IN ({','.join('?' * len(chunk))})",
                tuple(chunk),
            )
            found.update(self.cursor.fetchall())
        return found

    def _building_id(
        self, record: BuildingRecord, existing: dict[str, int], buildings: list[tuple[Any, ...]]
    ) -> int | None:
        identifier = usable_identifier(record.permanent_building_identifier)
        if identifier is None:
            return self._building_id_without_identifier(record, buildings)

        building_id = existing.get(identifier)
        if building_id is None:
            building_id = self._new_building(identifier, buildings)
            existing[identifier] = building_id
            self.report.added += 1
            return building_id
        if building_id >= self.base_id + 1 or building_id in self.linked_existing:
            self._duplicate(record, identifier)
            return None
        self.linked_existing.add(building_id)
        self.report.updated += 1
        return building_id

    def _building_id_without_identifier(
        self, record: BuildingRecord, buildings: list[tuple[Any, ...]]
    ) -> int | None:
        old = record.old_building_identifier
        if old is None:
            return None
        self.cursor.execute(
            "SELECT r.building_id FROM register_value r JOIN building b ON b.id = r.building_id "
            "WHERE r.old_building_identifier = ? AND r.is_present = 1 "
            "AND b.permanent_building_identifier IS NULL LIMIT 1",
            (old,),
        )
        row = self.cursor.fetchone()
        if row is None:
            self.report.added += 1
            return self._new_building(None, buildings)
        building_id = int(row[0])
        if building_id in self.linked_existing:
            self._duplicate(record, old)
            return None
        self.linked_existing.add(building_id)
        self.report.updated += 1
        return building_id

    def _new_building(self, identifier: str | None, buildings: list[tuple[Any, ...]]) -> int:
        building_id = self.next_id
        self.next_id += 1
        buildings.append((building_id, identifier, "register", self.created_at))
        return building_id

    def _value_row(
        self, building_id: int, record: BuildingRecord, names: tuple[str, ...]
    ) -> tuple[Any, ...]:
        values = record.values
        converted = tuple(
            None if (value := values.get(name)) is None else self.converters[name](value)
            for name in names
        )
        return (
            building_id,
            self.batch.source,
            self.batch.id,
            self.batch.scope,
            self.extraction_date,
            1,
            *converted,
        )

    def _duplicate(self, record: BuildingRecord, identifier: str) -> None:
        self.report.problems.append(
            RowProblem(
                file=self.batch.file_name,
                kind=ProblemKind.DUPLICATE_BUILDING,
                severity=Severity.ERROR,
                row=record.row,
                value=identifier,
                params={"identifier": identifier},
            )
        )


def _address_values(address: Any) -> tuple[Any, ...]:
    return tuple(getattr(address, name) for name in _ADDRESS_COLUMNS)
