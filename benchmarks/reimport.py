"""Time the re-import of DVV's open address file: record by record against in batches.

Usage, from the repository root::

    python benchmarks/reimport.py [--buildings N] [--runs R] [--record-runs R]

An open address file of N buildings (default 200,000) is written with the functions of
``benchmarks/generate_opt.py``, and a newer file is made from it. In the newer file every
building has a later extraction date, and some buildings are gone, moved, renamed, given
one more address or new (see ``CHANGE_SHARES``). Both files stay in
``benchmarks/out/reimport-N/`` (git ignores ``benchmarks/out``) and are reused, so delete
that folder after changing how they are made.

The first file is imported into a new database once. Each run copies that database
and imports the newer file into the copy with ``import_files``, in this process: with
the batch merge (``tilaapp.services.open_merge``) ``--runs`` times and with the record
merger (``RecordMerger``) ``--record-runs`` times, alternating. The time of each run is
split into the backup taken before the import, the refresh of the register list rows
at its end, and the rest, which is the merge: reading the file, comparing and writing.
The load average is read before and after each run.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import random
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "benchmarks"))

import generate_opt  # noqa: E402

import tilaapp.services.importing as importing  # noqa: E402
from tilaapp.services.importing import ImportOptions, import_files  # noqa: E402
from tilaapp.storage.database import backups_folder  # noqa: E402

log = logging.getLogger("reimport")

OUTPUT = REPOSITORY / "benchmarks" / "out"
DEFAULT_BUILDINGS = 200_000
SEED = 20261210
FIRST_DATE = datetime.date(2026, 6, 30)
NEWER_DATE = datetime.date(2026, 9, 30)
CHANGE_SHARES = {"gone": 0.01, "moved": 0.02, "renamed": 0.01, "address": 0.005, "new": 0.01}
"""Shares of the first file's buildings that the newer file changes, each drawn apart:
gone, north coordinate moved by 10 m, first street renamed, one more address, and a new
building with the next free identifier written after it."""


@dataclass(frozen=True)
class Run:
    """One timed import of the newer file, merged in ``batches`` or by ``records``."""

    way: str
    seconds: float
    backup: float
    list_refresh: float
    buildings: int
    counts: dict[str, int]
    load_before: float
    load_after: float

    @property
    def merge(self) -> float:
        return self.seconds - self.backup - self.list_refresh


def newer_lines(lines: Iterator[bytes], rng: random.Random, date: bytes) -> Iterator[bytes]:
    """Yield the lines of the newer file made from the first file's ``lines``."""
    bodies: set[int] = set()
    buildings = list(_buildings(lines))
    for rows in buildings:
        bodies.add(int(rows[0][0][:9]))
    for rows in buildings:
        if rng.random() < CHANGE_SHARES["gone"]:
            continue
        rows = [[*cells[:15], date] for cells in rows]
        if rng.random() < CHANGE_SHARES["moved"]:
            for cells in rows:
                cells[4] = str(int(cells[4]) + 10).encode()
        if rng.random() < CHANGE_SHARES["renamed"]:
            rows[0][7] = b"Uusi " + rows[0][7] if rows[0][7] else b"Uusitie"
        if rng.random() < CHANGE_SHARES["address"]:
            extra = list(rows[-1])
            extra[6] = str(len(rows) + 1).encode()
            extra[9] = b"99"
            rows.append(extra)
        yield from (b";".join(cells) for cells in rows)
        body = int(rows[0][0][:9]) + 1
        if rng.random() < CHANGE_SHARES["new"] and body not in bodies:
            bodies.add(body)
            cells = list(rows[0])
            cells[0] = generate_opt.prt(body).encode()
            cells[6] = b"1"
            yield b";".join(cells)


def _buildings(lines: Iterator[bytes]) -> Iterator[list[list[bytes]]]:
    """Yield the rows of each building, split into cells: runs of one identifier."""
    rows: list[list[bytes]] = []
    for line in lines:
        cells = line.rstrip(b"\n").split(b";")
        if rows and cells[0] != rows[0][0]:
            yield rows
            rows = []
        rows.append(cells)
    if rows:
        yield rows


def files(buildings: int) -> tuple[Path, Path]:
    """Return the first and the newer file, writing them unless they exist."""
    folder = OUTPUT / f"reimport-{buildings}"
    first = folder / f"Suomi_osoitteet_{FIRST_DATE.isoformat()}.OPT"
    newer = folder / f"Suomi_osoitteet_{NEWER_DATE.isoformat()}.OPT"
    if not first.exists():
        generate_opt.generate(generate_opt.Parameters(buildings, SEED, FIRST_DATE), first)
    if not newer.exists():
        partial = newer.with_name(newer.name + ".partial")
        with first.open("rb") as source, partial.open("wb") as target:
            date = NEWER_DATE.strftime("%Y%m%d").encode()
            for line in newer_lines(iter(source), random.Random(SEED), date):
                target.write(line + b"\n")
        os.replace(partial, newer)
    return first, newer


def base_database(first: Path) -> Path:
    """Return a database with the first file imported, importing it unless it exists."""
    database = first.with_name("first.sqlite")
    if not database.exists():
        started = time.perf_counter()
        partial = database.with_name("first-partial.sqlite")
        partial.unlink(missing_ok=True)
        import_files(partial, [first], ImportOptions())
        os.replace(partial, database)
        log.info("Imported %s in %.1f s", first.name, time.perf_counter() - started)
    return database


class _Timed:
    """A function of ``importing``, replaced while in use by one that adds up the seconds
    spent in it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.original: Callable[..., Any] = getattr(importing, name)
        self.seconds = 0.0

    def __enter__(self) -> _Timed:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return self.original(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        setattr(importing, self.name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(importing, self.name, self.original)


def run_once(way: str, base: Path, newer: Path) -> Run:
    work = base.with_name(f"run-{way}.sqlite")
    shutil.copyfile(base, work)
    importing.MERGE_OPEN_FILE_IN_BATCHES = way == "batches"
    load_before = os.getloadavg()[0]
    try:
        with _Timed("backup_database") as backup, _Timed("refresh_imported") as refresh:
            started = time.perf_counter()
            report = import_files(work, [newer], ImportOptions())
            seconds = time.perf_counter() - started
    finally:
        importing.MERGE_OPEN_FILE_IN_BATCHES = True
        shutil.rmtree(backups_folder(work), ignore_errors=True)
    counts = report.files[0].counts()
    run = Run(
        way,
        seconds,
        backup.seconds,
        refresh.seconds,
        counts["buildings_in_file"],
        counts,
        load_before,
        os.getloadavg()[0],
    )
    work.unlink()
    log.info("%s: %.1f s (merge %.1f s), %s", way, seconds, run.merge, _summary(counts))
    return run


def _summary(counts: dict[str, int]) -> str:
    names = ("added", "updated", "unchanged", "no_longer_present", "addresses")
    return ", ".join(f"{name} {counts[name]:,}" for name in names)


def table(runs: Sequence[Run]) -> str:
    lines = [
        "| Merge | Run | Wall (s) | Backup (s) | List refresh (s) | Merge (s) "
        "| Wall / building (µs) | Merge / building (µs) | Load average before, after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    numbers: dict[str, int] = {}
    for run in runs:
        numbers[run.way] = numbers.get(run.way, 0) + 1
        lines.append(
            f"| {run.way} | {numbers[run.way]} | {run.seconds:.1f} | {run.backup:.1f} "
            f"| {run.list_refresh:.1f} | {run.merge:.1f} "
            f"| {run.seconds / run.buildings * 1e6:.0f} | {run.merge / run.buildings * 1e6:.0f} "
            f"| {run.load_before:.2f}, {run.load_after:.2f} |"
        )
    return "\n".join(lines)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buildings", type=int, default=DEFAULT_BUILDINGS)
    parser.add_argument("--runs", type=int, default=2, help="runs of the batch merge")
    parser.add_argument("--record-runs", type=int, default=1, help="runs of the record merger")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # The import logs every file it opens and reads; this script logs its runs.
    logging.getLogger("tilaapp").setLevel(logging.WARNING)
    arguments = parse_arguments(argv)
    first, newer = files(arguments.buildings)
    base = base_database(first)
    order = _alternating(arguments.runs, arguments.record_runs)
    runs = [run_once(way, base, newer) for way in order]
    print(
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores; files {first.name} and {newer.name}"
    )
    print(table(runs))
    return 0


def _alternating(batch_runs: int, record_runs: int) -> list[str]:
    order = []
    for index in range(max(batch_runs, record_runs)):
        if index < batch_runs:
            order.append("batches")
        if index < record_runs:
            order.append("records")
    return order


if __name__ == "__main__":
    sys.exit(main())
