"""Bulk load of DVV's open address file: the whole country in one import.

The file has about 4.5 million rows. Reading and checking them costs more than writing
them, so for a whole file one or two processes read it, each its share of the buildings
(``building_share``), while this process writes what they send. A single reader hands a
chunk of lines to this process whenever this process would otherwise wait, so that both
cores stay busy. A filtered import reads only the matching rows and stays in this process.
"""

from __future__ import annotations

import datetime
import logging
import sqlite3
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tilaapp.services.errors import ImportCancelled
from tilaapp.services.listing import refresh_list
from tilaapp.services.open_early import take_early
from tilaapp.services.open_read import (
    ReaderProcesses,
    ReadSummary,
    SqlRows,
    batches,
    reader_processes,
    sql_rows,
    summary_of,
)
from tilaapp.sources.dvv_open import (
    ADDRESS_WIDTH,
    BUILDING_WIDTH,
    COMPACT_VALUE_COLUMNS,
    VALUE_WIDTH,
    ChunkReader,
    CompactBuilding,
    DvvOpenReader,
    FlatBuildings,
    HandedOffChunk,
    merged_problems,
)
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.storage.database import references_checked
from tilaapp.storage.models import Building, ImportBatch
from tilaapp.storage.types import UTCDateTime

if TYPE_CHECKING:
    from tilaapp.services.importing import FileReport

log = logging.getLogger(__name__)

ROWS_PER_STATEMENT = 100
LOOKUP_CHUNK = 500
# Name and definition as in the models and the baseline migration.
ADDRESS_INDEX = "ix_building_address_building_id"
INDEX_SORT_THREADS = 2


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

    Into a database without buildings, it checks that each register value and address row
    it writes refers to a building it wrote, so that a bulk session's foreign key check
    can skip those two tables (``references_checked``). That check took about 1 s of
    the 20 s load of the whole country, in which it had to look up 8.4 million buildings.
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
        self._references = _ReferenceCheck() if self._writes_every_row() else None
        self.municipalities_seen: set[str] = set()
        created_at = UTCDateTime().process_bind_param(now, None)  # type: ignore[arg-type]
        self.buildings = _Statement(
            "building",
            ("id", "permanent_building_identifier"),
            {"origin": "register", "created_at": created_at},
        )
        self.values = _Statement(
            "register_value",
            ("building_id", *COMPACT_VALUE_COLUMNS),
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

    def _writes_every_row(self) -> bool:
        """Return whether every building, register value and address row will be this
        loader's: the database has no buildings and no rows that refer to buildings."""
        if self.lookup_existing:
            return False
        self.cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM register_value) "
            "OR EXISTS (SELECT 1 FROM building_address)"
        )
        row: tuple[int] = self.cursor.fetchone()
        return row == (0,)

    def finish(self) -> None:
        if self._references is not None:
            self._references.record(self.session)
        if self._deferred_address_index:
            # Helper threads sort the index entries: 0.22 s against 0.28 s per million rows.
            self.cursor.execute(f"PRAGMA threads={INDEX_SORT_THREADS}")
            self.cursor.execute(f"CREATE INDEX {ADDRESS_INDEX} ON building_address (building_id)")
            self.cursor.execute("PRAGMA threads=0")
            self._deferred_address_index = False
        refresh_list(self.session, self.existing_ids)

    def write(self, compact: list[CompactBuilding]) -> None:
        existing = self._existing(compact) if self.lookup_existing else {}
        self.write_rows(sql_rows(compact, self.base_id, existing))

    def write_rows(self, rows: SqlRows) -> None:
        """Insert rows that ``sql_rows`` or a reader process made."""
        flat = rows.flat
        if self._references is not None:
            self._references.add(flat)
        self.buildings.run(self.cursor, flat.buildings)
        self.values.run(self.cursor, flat.bound_values())
        self.addresses.run(self.cursor, flat.addresses)
        self.existing_ids += rows.existing_ids
        self.municipalities_seen |= flat.municipalities()
        self.report.buildings_in_file += flat.building_count
        self.report.added += flat.building_count - len(rows.existing_ids)
        self.report.updated += len(rows.existing_ids)
        self.report.addresses += flat.address_count

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


class _ReferenceCheck:
    """Checks that the register value and address rows of each batch refer to buildings
    of the same batch, and counts the rows. Their other references are to the import's
    own batch, which exists before the load."""

    def __init__(self) -> None:
        self.value_rows = 0
        self.address_rows = 0
        self.failed = False

    def add(self, flat: FlatBuildings) -> None:
        ids = set(flat.buildings[::BUILDING_WIDTH])
        referring = flat.values[::VALUE_WIDTH], flat.addresses[::ADDRESS_WIDTH]
        if not all(map(ids.issuperset, referring)):
            missing = sorted({*referring[0], *referring[1]} - ids, key=str)
            log.error(
                "Rows refer to buildings missing from their batch, ids %s: the foreign key "
                "check before the commit checks register_value and building_address",
                missing[:5],
            )
            self.failed = True
        self.value_rows += flat.building_count
        self.address_rows += flat.address_count

    def record(self, session: Session) -> None:
        """Record the tables as checked, unless a batch failed: the bulk session's foreign
        key check then finds the rows."""
        if not self.failed:
            references_checked(session, "register_value", self.value_rows)
            references_checked(session, "building_address", self.address_rows)


Progress = Callable[[int], None]
Cancelled = Callable[[], bool]


class HandOffConflict(Exception):
    """A building read both by a reader process and from the chunks it handed off, because
    its rows are apart in the file. One reader alone reports such rows as problems."""


class _HandedOffChunks:
    """Reads and writes the chunks of lines that a reader process hands off."""

    def __init__(self, path: Path, loader: CompactLoader) -> None:
        self._reader = ChunkReader(path.name)
        self._loader = loader
        self.count = 0

    @property
    def used(self) -> bool:
        return self.count > 0

    def write(self, chunk: HandedOffChunk) -> None:
        self.count += 1
        self._loader.write_rows(SqlRows(self._reader.read(chunk, self._loader.base_id), []))

    def add_to(self, summary: ReadSummary) -> None:
        """Add what the chunks gave to the reader's ``summary``.

        Raises ``HandOffConflict`` when a building was read on both sides.
        """
        if summary.seen is not None and self._reader.shares_a_building(summary.seen):
            raise HandOffConflict()
        summary.problems = merged_problems(summary.problems, self._reader.problems)
        summary.rows += self._reader.row_count
        summary.add(ReadSummary(extraction_date=self._reader.newest_date))


def load_in_processes(
    path: Path,
    loader: CompactLoader,
    *,
    progress: Progress,
    cancelled: Cancelled,
    hand_off: bool = False,
) -> ReadSummary:
    """Read ``path`` in ``reader_processes()`` processes and write what they send.

    With ``hand_off``, a single reader process hands a chunk of lines to this process
    whenever no message waits here and none waits to be sent there, and this process
    reads it itself: so neither process waits for the other. Raises ``HandOffConflict``
    when that split a building; the caller then rolls back and loads again without.
    """
    base_id = None if loader.lookup_existing else loader.base_id
    count = reader_processes()
    hand_off = hand_off and count == 1 and base_id is not None
    readers = take_early(path, base_id, count, hand_off=hand_off)
    if readers is None:
        readers = ReaderProcesses.start(path, base_id, count, hand_off=hand_off)
    else:
        log.info("Loading %s with the reader processes started early", path)

    summary = ReadSummary()
    chunks = _HandedOffChunks(path, loader)
    writer = _Writer(loader, chunks, readers.idle)
    try:
        _receive(path, readers.connections, writer, summary, progress, cancelled)
    finally:
        readers.stop()
    if chunks.used:
        log.info("Read %d chunks of lines of %s in the importing process", chunks.count, path)
        chunks.add_to(summary)
    return summary


class _Writer:
    """Writes what the reader processes send, and requests chunks of lines to read."""

    def __init__(
        self, loader: CompactLoader, chunks: _HandedOffChunks, idle: EventType | None
    ) -> None:
        self.loader = loader
        self.chunks = chunks
        self.idle = idle

    def wait(self, connections: list[Connection]) -> list[Any]:
        """Return the connections that have a message. When none has, first request a
        chunk of lines."""
        ready = wait(connections, timeout=0)
        if not ready:
            self.ask_for_lines()
        return ready or wait(connections)

    def ask_for_lines(self) -> None:
        """Ask the reader to send its next chunk of lines instead of reading it, unless it
        has messages waiting to be sent."""
        if self.idle is not None:
            self.idle.set()

    def write(self, kind: str, payload: Any) -> None:
        try:
            if kind == "rows":
                self.loader.write_rows(SqlRows.unpacked(payload))
            elif kind == "lines":
                self.chunks.write(payload)
            else:
                self.loader.write(payload)
        except sqlite3.IntegrityError as error:
            # After a hand-off, a building read on both sides breaks its unique identifier.
            if self.chunks.used:
                raise HandOffConflict() from error
            raise


def _receive(
    path: Path,
    connections: list[Connection],
    writer: _Writer,
    summary: ReadSummary,
    progress: Progress,
    cancelled: Cancelled,
) -> None:
    waiting = set(connections)
    while waiting:
        for connection in writer.wait(list(waiting)):
            assert isinstance(connection, Connection)
            try:
                kind, payload = connection.recv()
            except EOFError as error:
                raise ReaderProcessFailed(path, "a reader process ended early") from error
            if kind in ("buildings", "rows", "lines"):
                # Requested before writing, so that the lines arrive while this batch is written.
                if not connection.poll():
                    writer.ask_for_lines()
                writer.write(kind, payload)
                progress(writer.loader.report.buildings_in_file)
                if cancelled():
                    raise ImportCancelled()
            elif kind == "done":
                summary.add(payload)
                summary.seen = payload.seen
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
