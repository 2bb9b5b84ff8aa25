"""Reader processes started before the importing process is ready to write.

Before an import writes its first row, the command loads its modules and opens or
creates the database: about half a second, while the second core has nothing to do. A
whole-file load of a large open address file into a database without buildings can
start its reader processes first, and they read that half-second's worth of the file in
the meantime. The load then takes them with ``take_early`` if they read what it needs.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from tilaapp.services.open_read import PROCESS_READ_MIN_BYTES, ReaderProcesses, reader_processes
from tilaapp.sources.dvv_open import open_file_size, sniff_dvv_open

log = logging.getLogger(__name__)

_started: ReaderProcesses | None = None


def start_early(path: Path, database: Path) -> None:
    """Start the reader processes for a whole-file load of ``path`` into ``database``.

    Only where that load will read with them: a large open address file, and a database
    that does not exist yet or has no buildings, so that new buildings' ids follow the
    line numbers (base id 0). Any other import ignores them, and ``stop_early`` ends them.
    """
    global _started
    stop_early()
    path = path.absolute()
    if not _is_large_open_file(path) or not _has_no_buildings(database):
        return
    count = reader_processes()
    _started = ReaderProcesses.start(path, 0, count, hand_off=count == 1)
    log.info("Started %d reader processes early on %s", count, path)


def take_early(
    path: Path, base_id: int | None, count: int, *, hand_off: bool
) -> ReaderProcesses | None:
    """Return the processes started early if they read what the load needs; end them if not."""
    global _started
    readers, _started = _started, None
    if readers is None:
        return None
    if readers.matches(path.absolute(), base_id, count, hand_off=hand_off):
        return readers
    log.info("Reader processes started early on %s are not used", readers.path)
    readers.stop()
    return None


def stop_early() -> None:
    """End the processes started early, unless a load took them."""
    global _started
    readers, _started = _started, None
    if readers is not None:
        readers.stop()


def _is_large_open_file(path: Path) -> bool:
    return open_file_size(path) >= PROCESS_READ_MIN_BYTES and sniff_dvv_open(path)


def _has_no_buildings(database: Path) -> bool:
    """Return whether ``database`` is missing or readable and without buildings.

    The file is opened read-only. A file that is not such a database gives False, and the
    import then reports it as it would anyway.
    """
    if not database.exists():
        return True
    try:
        connection = sqlite3.connect(f"{database.absolute().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT EXISTS (SELECT 1 FROM building)").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return False
    return bool(row == (0,))
