"""Measure the register list on a database of 100,000 buildings.

Usage, from the repository root::

    python benchmarks/register_list.py [--buildings N] [--repeat R] [--rebuild]

The desktop application opens the list of a municipality's buildings and filters it as
the user types. This script measures what one such step costs through the public
functions of ``tilaapp.services.listing``:

- open: ``open_database``, ``count_listed``, ``list_ids`` without a filter in the default
  order, and ``list_rows`` of the first 200 ids (one page of the view);
- each keystroke of a few typed words: ``list_ids`` with the text typed so far and
  ``list_rows`` of the first 200 ids, in the default order and for three keystrokes
  sorted by address;
- sorting the whole list by address, ascending and descending.

The reference for a keystroke is a plain ``SELECT building_id FROM building_address WHERE
street_name_fi LIKE '%term%'`` on the same database, with the last word typed.

The database is built once through the real import and edit code, and kept in
``benchmarks/out/register-list-N-vV/`` (git ignores ``benchmarks/out``). A DVV open
address file of N buildings is written with ``devtools.opt_file`` and imported. A
holder entity is added and every building joins the portfolio with ``PortfolioService``.
5,000 buildings get a local name with ``EditService``, 100 buildings per name. Raise
``DATABASE_VERSION`` when the build changes, so that an old database is not reused.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import logging
import platform
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from devtools.dvv_workbook import business_id  # noqa: E402
from devtools.opt_file import synthetic_rows, write_opt  # noqa: E402
from tilaapp.services.editing import EditService, UndoStack  # noqa: E402
from tilaapp.services.importing import ImportOptions, import_files  # noqa: E402
from tilaapp.services.listing import count_listed, list_ids, list_rows  # noqa: E402
from tilaapp.services.portfolio_edit import PortfolioService  # noqa: E402
from tilaapp.storage.database import open_database  # noqa: E402
from tilaapp.storage.models import Building, HolderKind, Tenure  # noqa: E402

log = logging.getLogger("register_list")

OUTPUT = REPOSITORY / "benchmarks" / "out"
DATABASE_VERSION = 1
DEFAULT_BUILDINGS = 100_000
DEFAULT_REPEAT = 7
SEED = 20261205
EXTRACTION_DATE = datetime.date(2026, 9, 30)
PAGE_SIZE = 200
DEFAULT_SORT = "permanent_building_identifier"
LOCAL_NAMES = 5_000
BUILDINGS_PER_NAME = 100
HOLDER_BUSINESS_ID = business_id("9820001")
NAME_KINDS = ("Koulu", "Päiväkoti", "Kirjasto", "Terveysasema", "Varikko")
NAME_PLACES = ("Keskusta", "Mäntylä", "Åkerö", "Kirkonkylä", "Ranta", "Länsi", "Itä", "Öljymäki",
               "Kettula", "Ahola")  # fmt: skip


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: list[float]
    matches: int
    reference: list[float] | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def maximum(self) -> float:
        return max(self.seconds)


def _first_buildings(count: int) -> Iterator[tuple[str, ...]]:
    """Yield the rows of the first ``count`` buildings of the synthetic rows."""
    seen = 0
    previous = None
    for row in synthetic_rows(
        count * 2, seed=SEED, extraction_date=EXTRACTION_DATE.strftime("%Y%m%d")
    ):
        if row[0] != previous:
            seen += 1
            previous = row[0]
        if seen > count:
            return
        yield row


def build_database(folder: Path, buildings: int) -> Path:
    """Build the benchmark database in ``folder`` through the import and edit services."""
    path = folder / "register.sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    opt = write_opt(folder / f"Suomi_osoitteet_{EXTRACTION_DATE}.OPT", _first_buildings(buildings))
    started = time.perf_counter()
    import_files(path, [opt], ImportOptions(extraction_date=EXTRACTION_DATE))
    log.info("Imported %s in %.1f s", opt.name, time.perf_counter() - started)

    database = open_database(path)
    stack = UndoStack()
    portfolio = PortfolioService(database, os_user="benchmark", undo_stack=stack)
    edits = EditService(database, os_user="benchmark", undo_stack=stack)
    with database.read_session() as session:
        ids = list(session.scalars(Building.__table__.select().with_only_columns(Building.id)))

    started = time.perf_counter()
    holder = portfolio.add_holder_entity(
        "Vertailukunta", HOLDER_BUSINESS_ID, HolderKind.MUNICIPALITY
    )
    portfolio.add_to_portfolio(ids, holder.id, Tenure.OWNED)
    log.info(
        "Added %d buildings to the portfolio in %.1f s", len(ids), time.perf_counter() - started
    )

    started = time.perf_counter()
    names = (f"{kind} {place}" for kind, place in itertools.product(NAME_KINDS, NAME_PLACES))
    named = ids[:: len(ids) // LOCAL_NAMES][:LOCAL_NAMES]
    for start, name in zip(range(0, len(named), BUILDINGS_PER_NAME), names, strict=False):
        edits.set_value_for_many(named[start : start + BUILDINGS_PER_NAME], "local_name", name)
    log.info("Set %d local names in %.1f s", len(named), time.perf_counter() - started)
    database.close()
    return path


def cached_database(buildings: int, *, rebuild: bool) -> Path:
    folder = OUTPUT / f"register-list-{buildings}-v{DATABASE_VERSION}"
    path = folder / "register.sqlite"
    if rebuild and folder.exists():
        shutil.rmtree(folder)
    if not path.exists():
        log.info("Building %s", path)
        partial = folder.with_name(folder.name + "-partial")
        shutil.rmtree(partial, ignore_errors=True)
        build_database(partial, buildings)
        partial.rename(folder)
    return path


def _timed(step: Callable[[], int], repeat: int) -> tuple[list[float], int]:
    seconds = []
    result = 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = step()
        seconds.append(time.perf_counter() - started)
    return seconds, result


def measure_open(path: Path, repeat: int) -> Timing:
    def step() -> int:
        database = open_database(path, create=False)
        with database.read_session() as session:
            count_listed(session)
            ids = list_ids(session)
            list_rows(session, ids[:PAGE_SIZE])
        database.close()
        return len(ids)

    seconds, matches = _timed(step, repeat)
    return Timing("open: count, ids, first page", seconds, matches)


def typed_prefixes(words: str) -> list[str]:
    """Return the text after each keystroke of typing ``words``."""
    return [words[:end] for end in range(1, len(words) + 1) if not words[:end].endswith(" ")]


def measure_typing(
    path: Path, words: str, repeat: int, *, sort_column: str = DEFAULT_SORT, keystrokes: int = 0
) -> list[Timing]:
    """Time each keystroke of typing ``words``, or of its first ``keystrokes`` if not 0."""
    database = open_database(path, create=False)
    connection = sqlite3.connect(path)
    timings = []
    prefixes = typed_prefixes(words)
    sorted_by = "" if sort_column == DEFAULT_SORT else f", sorted by {sort_column}"
    for text in prefixes[:keystrokes] if keystrokes else prefixes:
        with database.read_session() as session:

            def step(text: str = text) -> int:
                ids = list_ids(session, text=text, sort_column=sort_column)
                list_rows(session, ids[:PAGE_SIZE])
                return len(ids)

            seconds, matches = _timed(step, repeat)
        last_word = text.split()[-1]

        def reference(term: str = last_word) -> int:
            rows = connection.execute(
                "SELECT building_id FROM building_address WHERE street_name_fi LIKE ?",
                (f"%{term}%",),
            ).fetchall()
            return len(rows)

        reference_seconds, _ = _timed(reference, repeat)
        label = f"type {text!r}{sorted_by}"
        timings.append(Timing(label, seconds, matches, reference_seconds))
    connection.close()
    database.close()
    return timings


def measure_sort(path: Path, repeat: int) -> list[Timing]:
    database = open_database(path, create=False)
    timings = []
    for column, descending in (("address", False), ("address", True), ("local_name", False)):
        with database.read_session() as session:

            def step(column: str = column, descending: bool = descending) -> int:
                ids = list_ids(session, sort_column=column, descending=descending)
                list_rows(session, ids[:PAGE_SIZE])
                return len(ids)

            seconds, matches = _timed(step, repeat)
        order = "descending" if descending else "ascending"
        timings.append(Timing(f"sort by {column}, {order}", seconds, matches))
    database.close()
    return timings


def sample_words(path: Path) -> list[str]:
    """Return typed texts: a word, a street and number, an identifier and a postal code."""
    with sqlite3.connect(path) as connection:
        (count,) = connection.execute("SELECT count(*) FROM building_list").fetchone()
        identifier, property_identifier = connection.execute(
            "SELECT permanent_building_identifier, property_identifier FROM building_list "
            "ORDER BY building_id LIMIT 1 OFFSET ?",
            (count // 20,),
        ).fetchone()
        (postal_code,) = connection.execute(
            "SELECT postal_code FROM building_address ORDER BY id LIMIT 1 OFFSET ?",
            (count // 14,),
        ).fetchone()
    return ["koulutie 1", identifier, property_identifier[:8], postal_code, "vägen"]


def search_text_length(path: Path) -> float:
    with sqlite3.connect(path) as connection:
        (average,) = connection.execute(
            "SELECT avg(length(search_text)) FROM building_list"
        ).fetchone()
    return float(average)


def _milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def print_table(timings: Sequence[Timing]) -> None:
    print(
        "| Step | Matches | Median (ms) | Max (ms) | Reference median (ms) | Median / reference |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for timing in timings:
        reference = ratio = ""
        if timing.reference is not None:
            reference_median = statistics.median(timing.reference)
            reference = _milliseconds(reference_median)
            ratio = f"{timing.median / reference_median:.1f}" if reference_median > 0 else ""
        print(
            f"| {timing.label} | {timing.matches:,} | {_milliseconds(timing.median)} | "
            f"{_milliseconds(timing.maximum)} | {reference} | {ratio} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--buildings",
        type=int,
        default=DEFAULT_BUILDINGS,
        help="buildings in the database (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=DEFAULT_REPEAT,
        help="runs of each step; the median and maximum are printed (default: %(default)s)",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="build the database again even if a cached one exists",
    )
    args = parser.parse_args(argv)  # fmt: skip
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("tilaapp").setLevel(logging.WARNING)

    path = cached_database(args.buildings, rebuild=args.rebuild)
    print(f"Database: {path.relative_to(REPOSITORY)}, {path.stat().st_size / 1e6:.0f} MB")
    print(f"Average search text: {search_text_length(path):.0f} characters")
    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(platform.platform())
    print()

    timings = [measure_open(path, args.repeat)]
    for words in sample_words(path):
        timings.extend(measure_typing(path, words, args.repeat))
    timings.extend(
        measure_typing(path, "koulutie", args.repeat, sort_column="address", keystrokes=3)
    )
    timings.extend(measure_sort(path, args.repeat))
    print_table(timings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
