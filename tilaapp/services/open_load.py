"""Bulk load of DVV's open address file: the whole country in one import.

The file has about 4.5 million rows. Reading and checking them costs more than writing
them, so for a whole file one or two processes read it, each its share of the buildings
(``building_share``), while this process writes what they send. A filtered import reads
only the matching rows and stays in this process.
"""

from __future__ import annotations

import datetime
import logging
import multiprocessing
import os
import sqlite3
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tilaapp.services.errors import ImportCancelled
from tilaapp.services.listing import refresh_list
from tilaapp.services.open_read import (
    ReadSummary,
    SqlRows,
    batches,
    read_share,
    sql_rows,
    summary_of,
)
from tilaapp.sources.dvv_open import CompactBuilding, DvvOpenReader
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.storage.models import Building, ImportBatch
from tilaapp.storage.types import UTCDateTime

if TYPE_CHECKING:
    from tilaapp.services.importing import FileReport

log = logging.getLogger(__name__)

# At most this many reader processes read a whole file.
MAX_READER_PROCESSES = 2
ROWS_PER_STATEMENT = 100
LOOKUP_CHUNK = 500
# Name and definition as in the models and the baseline migration.
ADDRESS_INDEX = "ix_building_address_building_id"


class ReaderProcessFailed(Exception):
    """A reader process stopped with an unexpected error."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {detail}")


def _sql_literal(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


class _Statement:
    """A multi-row INSERT whose constant columns are written into the SQL once."""

    def __init__(self, table: str, columns: tuple[str, ...], constants: dict[str, object]) -> None:
        self.width = len(columns)
        names = ",".join((*columns, *constants))
        row = (
            "(" + ",".join(["?"] * self.width + [_sql_literal(v) for v in constants.values()]) + ")"
        )
        self.head = f"INSERT INTO {table} ({names}) VALUES "
        self.row = row
        self.full = self.head + ",".join([row] * ROWS_PER_STATEMENT)

    def run(self, cursor: sqlite3.Cursor, flat: list[Any]) -> None:
        """Insert the rows whose values lie one after another in ``flat``."""
        step = self.width * ROWS_PER_STATEMENT
        full = len(flat) - len(flat) % step
        if full:
            cursor.executemany(self.full, (flat[i : i + step] for i in range(0, full, step)))
        rest = len(flat) - full
        if rest:
            cursor.execute(self.head + ",".join([self.row] * (rest // self.width)), flat[full:])


class CompactLoader:
    """Writes compact buildings of the open file for a source with no rows yet.

    A new building's id is the largest id before the load plus the line number of its
    first row: unique without coordination between the reader processes.
    """

    def __init__(
        self, session: Session, batch: ImportBatch, report: FileReport, now: datetime.datetime
    ) -> None:
        self.report = report
        self.session = session
        self.cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
        self.base_id = session.scalar(select(func.coalesce(func.max(Building.id), 0))) or 0
        # In a database without buildings every building is new: no lookups are needed.
        self.lookup_existing = self.base_id > 0
        self._deferred_address_index = self._defer_address_index()
        self.municipalities_seen: set[str] = set()
        created_at = UTCDateTime().process_bind_param(now, None)  # type: ignore[arg-type]
        self.buildings = _Statement(
            "building",
            ("id", "permanent_building_identifier"),
            {"origin": "register", "created_at": created_at},
        )
        self.values = _Statement(
            "register_value",
            (
                "building_id",
                "municipality_number",
                "open_use_class",
                "coordinate_north",
                "coordinate_east",
                "property_identifier",
                "postal_code",
            ),
            {
                "source": batch.source,
                "batch_id": batch.id,
                "scope": batch.scope,
                "extraction_date": batch.extraction_date.isoformat(),
                "is_present": 1,
            },
        )
        self.addresses = _Statement(
            "building_address",
            (
                "building_id",
                "address_number",
                "street_name_fi",
                "street_name_sv",
                "house_number",
                "postal_code",
            ),
            {"source": batch.source, "batch_id": batch.id},
        )
        # New buildings get no register list rows here: computing them would add a fifth
        # to a filtered load, and ensure_list builds them when the list is first needed.
        # The buildings that existed before may have other values in use, so their rows
        # are refreshed at the end.
        self.existing_ids: list[int] = []

    def _defer_address_index(self) -> bool:
        """Drop the address index while an empty address table fills, to build it once.

        The drop is part of the import's transaction, so a rollback restores the index.
        """
        self.cursor.execute("SELECT 1 FROM building_address LIMIT 1")
        if self.cursor.fetchone() is not None:
            return False
        self.cursor.execute(f"DROP INDEX {ADDRESS_INDEX}")
        return True

    def finish(self) -> None:
        if self._deferred_address_index:
            self.cursor.execute(f"CREATE INDEX {ADDRESS_INDEX} ON building_address (building_id)")
            self._deferred_address_index = False
        refresh_list(self.session, self.existing_ids)

    def write(self, compact: list[CompactBuilding]) -> None:
        existing = self._existing(compact) if self.lookup_existing else {}
        self.write_rows(sql_rows(compact, self.base_id, existing))

    def write_rows(self, rows: SqlRows) -> None:
        """Insert rows that ``sql_rows`` made, here or in a reader process."""
        self.buildings.run(self.cursor, rows.buildings)
        self.values.run(self.cursor, rows.values)
        self.addresses.run(self.cursor, rows.addresses)
        self.existing_ids += rows.existing_ids
        self.municipalities_seen |= rows.municipalities
        self.report.buildings_in_file += rows.building_count
        self.report.added += rows.building_count - len(rows.existing_ids)
        self.report.updated += len(rows.existing_ids)
        self.report.addresses += rows.address_count

    def _existing(self, compact: list[CompactBuilding]) -> dict[str, int]:
        identifiers = [item[1] for item in compact if item[1]]
        found: dict[str, int] = {}
        for start in range(0, len(identifiers), LOOKUP_CHUNK):
            chunk = identifiers[start : start + LOOKUP_CHUNK]
            self.cursor.execute(
                "SELECT permanent_building_identifier, id FROM building "
                f"WHERE permanent_building_identifier IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update(self.cursor.fetchall())
        return found


Progress = Callable[[int], None]
Cancelled = Callable[[], bool]


def reader_processes() -> int:
    """Return how many reader processes to start: one core is left to this process.

    On two cores, a second reader used 13 % more CPU time for the same wall time
    (measured on the whole-country file), so it only pays where it has a core of its own.
    """
    return max(1, min(MAX_READER_PROCESSES, (os.cpu_count() or 1) - 1))


def load_in_processes(
    path: Path, loader: CompactLoader, *, progress: Progress, cancelled: Cancelled
) -> ReadSummary:
    """Read ``path`` in ``reader_processes()`` processes and write what they send."""
    context = multiprocessing.get_context("spawn")
    base_id = None if loader.lookup_existing else loader.base_id
    connections: list[Connection] = []
    processes = []
    count = reader_processes()
    for index in range(count):
        receiving, sending = context.Pipe(duplex=False)
        process = context.Process(
            target=read_share,
            args=(str(path), index, count, sending, base_id),
            daemon=True,
        )
        process.start()
        sending.close()
        connections.append(receiving)
        processes.append(process)

    summary = ReadSummary()
    try:
        _receive(path, connections, loader, summary, progress, cancelled)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
    return summary


def _receive(
    path: Path,
    connections: list[Connection],
    loader: CompactLoader,
    summary: ReadSummary,
    progress: Progress,
    cancelled: Cancelled,
) -> None:
    waiting = set(connections)
    while waiting:
        for connection in wait(list(waiting)):
            assert isinstance(connection, Connection)
            try:
                kind, payload = connection.recv()
            except EOFError as error:
                raise ReaderProcessFailed(path, "a reader process ended early") from error
            if kind in ("buildings", "rows"):
                if kind == "rows":
                    loader.write_rows(payload)
                else:
                    loader.write(payload)
                progress(loader.report.buildings_in_file)
                if cancelled():
                    raise ImportCancelled()
            elif kind == "done":
                summary.add(payload)
                waiting.discard(connection)
            elif kind == "rejected":
                reason, params = payload
                raise FileRejected(
                    path,
                    RejectionReason(reason),
                    **{k: v for k, v in params.items() if k != "file"},
                )
            else:
                log.error("Reader process failed on %s: %s", path, payload)
                raise ReaderProcessFailed(path, str(payload))


def load_in_this_process(
    reader: DvvOpenReader, loader: CompactLoader, *, progress: Progress, cancelled: Cancelled
) -> ReadSummary:
    """Read with ``reader`` here and write: for filtered imports, which read few rows."""
    for batch in batches(reader.read_compact()):
        loader.write(batch)
        progress(loader.report.buildings_in_file)
        if cancelled():
            raise ImportCancelled()
    return summary_of(reader)
