"""The reader processes of a whole-file load of DVV's open address file.

Each process reads its share of the buildings and sends them to the importing process
in batches. This module imports no database code, so that the processes start quickly.
"""

from __future__ import annotations

import datetime
import gc
import logging
import marshal
import multiprocessing
import os
import pickle
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

from tilaapp.sources.dvv_open import (
    CompactBuilding,
    DvvOpenReader,
    FlatBuildings,
    HandedOffChunk,
)
from tilaapp.sources.records import FileRejected, RowProblem

log = logging.getLogger(__name__)

# An unfiltered open address file at least this large is read by reader processes. Below
# this size, starting them costs more than they save.
PROCESS_READ_MIN_BYTES = 50 * 1024 * 1024
# At most this many reader processes read a whole file.
MAX_READER_PROCESSES = 2
# Buildings per message from a reader process and per write.
BATCH_SIZE = 5_000
# Seconds a reader waits for room in its queue before it checks that it can still send.
SEND_CHECK_SECONDS = 1.0
# Messages that a reader process keeps ready while the importing process is busy. A
# reader started early fills about 25 of them (0.5 s of reading) before the importing
# process begins to write, and each is about 0.5 MB.
SEND_QUEUE_SIZE = 32


@dataclass
class ReadSummary:
    """Problems, row counts, date and encoding that a reader reports besides its buildings."""

    problems: list[RowProblem] = field(default_factory=list)
    rows: int = 0
    filtered_out: int = 0
    extraction_date: datetime.date | None = None
    encoding: str | None = None
    seen: bytearray | None = None
    """The reader's buildings by identifier (see ``DvvOpenReader.seen``), sent when it
    handed off chunks."""
    member_sha256: str | None = None
    """See ``DvvOpenReader.member_sha256``."""

    def add(self, other: ReadSummary) -> None:
        self.problems.extend(other.problems)
        self.rows += other.rows
        self.filtered_out += other.filtered_out
        if other.extraction_date and (
            self.extraction_date is None or other.extraction_date > self.extraction_date
        ):
            self.extraction_date = other.extraction_date
        self.encoding = self.encoding or other.encoding
        self.member_sha256 = self.member_sha256 or other.member_sha256


def reader_processes() -> int:
    """Return how many reader processes to start: one core is left to the importing process.

    On two cores, a second reader used 13 % more CPU time for the same wall time
    (measured on the whole-country file), so it only pays where it has a core of its own.
    """
    return max(1, min(MAX_READER_PROCESSES, (os.cpu_count() or 1) - 1))


@dataclass
class ReaderProcesses:
    """Reader processes started on one file, and the connections they send on."""

    path: Path
    base_id: int | None
    idle: EventType | None
    """The event that the importing process sets when it waits. It exists only for a
    single reader that hands off chunks (see ``read_share``)."""
    connections: list[Connection] = field(default_factory=list)
    processes: list[BaseProcess] = field(default_factory=list)

    @classmethod
    def start(
        cls, path: Path, base_id: int | None, count: int, *, hand_off: bool
    ) -> ReaderProcesses:
        """Start ``count`` processes that read their shares of ``path``."""
        context = multiprocessing.get_context("spawn")
        idle = context.Event() if hand_off else None
        readers = cls(path, base_id, idle)
        for index in range(count):
            receiving, sending = context.Pipe(duplex=False)
            process = context.Process(
                target=read_share,
                args=(str(path), index, count, sending, base_id, idle),
                daemon=True,
            )
            process.start()
            sending.close()
            readers.connections.append(receiving)
            readers.processes.append(process)
        return readers

    def matches(self, path: Path, base_id: int | None, count: int, *, hand_off: bool) -> bool:
        """Return whether these processes read what ``start`` with these arguments would."""
        return (
            self.path == path
            and self.base_id == base_id
            and len(self.processes) == count
            and (self.idle is not None) == hand_off
        )

    def stop(self) -> None:
        """End the processes that are still running, and close the connections."""
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for connection in self.connections:
            connection.close()


def summary_of(reader: DvvOpenReader) -> ReadSummary:
    return ReadSummary(
        problems=list(reader.problems),
        rows=reader.rows_read.get("rows", 0),
        filtered_out=reader.filtered_out,
        extraction_date=reader.extraction_date,
        encoding=reader.encoding,
        member_sha256=reader.member_sha256,
    )


@dataclass
class SqlRows:
    """A batch of buildings as the values of the loader's INSERT statements."""

    flat: FlatBuildings
    existing_ids: list[int]
    """Ids of the buildings that were in the database before the load: they have values
    and addresses in ``flat`` but no building row."""

    def packed(self) -> bytes:
        """Return the rows as bytes for ``unpacked``, in the same Python version.

        ``marshal`` writes and reads these lists about a sixth faster than ``pickle``,
        and like it writes a text that several rows share once.
        """
        flat = self.flat
        values = flat.bound_values()
        return marshal.dumps((flat.buildings, values, flat.addresses, self.existing_ids))

    @classmethod
    def unpacked(cls, data: bytes) -> SqlRows:
        buildings, values, addresses, existing_ids = marshal.loads(data)
        return cls(FlatBuildings(buildings, values, addresses), existing_ids)


def sql_rows(compact: list[CompactBuilding], base_id: int, existing: dict[str, int]) -> SqlRows:
    """Return the rows to insert for ``compact``; ``existing`` maps identifiers to old ids.

    A new building's id is ``base_id`` plus the line number of its first row.
    """
    flat = FlatBuildings()
    existing_ids: list[int] = []
    for building in compact:
        identifier = building[1]
        building_id = existing.get(identifier) if existing and identifier else None
        if building_id is None:
            flat.add(building, base_id + building[0])
        else:
            flat.add(building, building_id, new=False)
            existing_ids.append(building_id)
    return SqlRows(flat, existing_ids)


def batches(buildings: Iterable[CompactBuilding]) -> Iterator[list[CompactBuilding]]:
    batch: list[CompactBuilding] = []
    for building in buildings:
        batch.append(building)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


class _Sender:
    """Sends messages from a thread, so that reading goes on while the receiver is busy.

    Without it the reader waited about 0.5 s per million buildings in ``send``, each
    time the importing process was still writing the batch before.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=SEND_QUEUE_SIZE)
        self._thread = threading.Thread(target=self._run, name="sender", daemon=True)
        self._thread.start()

    def send(self, message: tuple[str, object]) -> None:
        """Queue ``message``; raises ``ReceiverGone`` when it can no longer be sent."""
        self._put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def is_behind(self) -> bool:
        """Return whether more than one message waits to be sent, so the receiver is busy."""
        return self._queue.qsize() > 1

    def close(self) -> None:
        """Send what is queued, then close the connection."""
        try:
            self._put(None)
            self._thread.join()
        except ReceiverGone:
            pass
        finally:
            self._connection.close()

    def _put(self, item: bytes | None) -> None:
        # A thread that stopped sending never empties the queue again, so waiting for room
        # in it would never end: the reader would outlive the importing process.
        while True:
            try:
                self._queue.put(item, timeout=SEND_CHECK_SECONDS)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise ReceiverGone() from None

    def _run(self) -> None:
        try:
            while (data := self._queue.get()) is not None:
                self._connection.send_bytes(data)
        except OSError as error:
            # The importing process closed the connection because it stopped or ended.
            log.info("Reader process stopped sending, the connection failed: %s", error)


class ReceiverGone(Exception):
    """The importing process no longer receives what a reader process sends."""


def read_share(
    path: str,
    index: int,
    count: int,
    connection: Connection,
    base_id: int | None,
    idle: EventType | None = None,
) -> None:
    """Read one share of the file's buildings and send them; runs in a reader process.

    With a ``base_id``, the buildings are sent as the rows to insert, so that the
    importing process only writes them. Without one, they are sent as they are, because
    the importing process first looks up the buildings already in the database.

    The importing process sets ``idle`` when no message waits for it. Unless messages wait
    to be sent here too, the reader then sends its next chunk of lines for that process
    to read.
    """
    # The reading makes no reference cycles, so the collector would only scan the batch
    # being built again and again. It took about a tenth of the reading time.
    gc.disable()
    reader = DvvOpenReader(Path(path))
    sender = _Sender(connection)
    handed_off = False

    def hand_off(chunk: HandedOffChunk) -> bool:
        nonlocal handed_off
        if idle is None or not idle.is_set() or sender.is_behind():
            return False
        idle.clear()
        sender.send(("lines", chunk))
        handed_off = True
        return True

    def send_share() -> None:
        share = (index, count) if count > 1 else None
        if base_id is not None and share is None:
            for flat in reader.read_flat(base_id, BATCH_SIZE, hand_off):
                sender.send(("rows", SqlRows(flat, []).packed()))
        else:
            for batch in batches(reader.read_compact(share=share)):
                if base_id is None:
                    sender.send(("buildings", batch))
                else:
                    sender.send(("rows", sql_rows(batch, base_id, {}).packed()))
        summary = summary_of(reader)
        if handed_off:
            summary.seen = reader.seen
        sender.send(("done", summary))

    try:
        _report_failures(send_share, sender)
    except ReceiverGone:
        log.info("Reader process %d of %s ends: the importing process stopped", index, path)
    finally:
        sender.close()


def _report_failures(read: Callable[[], None], sender: _Sender) -> None:
    """Run ``read``, sending a rejection or an error to the importing process if it fails."""
    try:
        read()
    except FileRejected as rejection:
        sender.send(("rejected", (rejection.reason.value, rejection.params)))
    except ReceiverGone:
        raise
    except Exception as error:  # reported to the importing process, which raises it
        sender.send(("error", f"{type(error).__name__}: {error}"))
