"""Export, verify and aggregate the update packages of many synthetic municipalities.

Run from the repository root::

    python benchmarks/packages.py [--count 308] [--seed 20261205] [--out FOLDER] [--keep]

How the municipal databases are built, quickly:

1. One extract of 2,000 invented buildings (``devtools.dvv_workbook``) is imported with
   the real import code into a template database, and every building is put into the
   portfolio. Real edits (``EditService``) then set a condition class on every building
   and a replacement cost on every other one, so the packages carry local values and
   changes too.
2. For each municipality the template file is copied, and SQL gives the copy a new
   database id, the municipality as home and location, and a portfolio of the first N
   buildings. Only portfolio buildings go into a package, so the package has N
   buildings. The copy is deleted after its export.

N is drawn from a log-normal distribution (median 150, clipped to 20–2,000): most
municipalities are small, a few large. One municipality always gets exactly 1,000
buildings, for the size check, and one 2,000.

Measured, each in the same run:

- export: ``export_package`` of each database (the real export code);
- verify: ``verify_package`` of each package;
- aggregate: ``aggregate_packages`` of all packages into a new national database, which
  verifies each package again and merges it in its own transaction;
- reference: the same packages unzipped in memory with ``zipfile`` and their JSON
  members parsed with ``json.loads``.

The report is Markdown on standard output.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import math
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devtools.dvv_workbook import (
    MUNICIPALITY_BUSINESS_ID,
    Address,
    Building,
    Owner,
    valid_prt,
    write_extract,
)
from tilaapp.domain.municipalities import municipalities
from tilaapp.services.aggregation import aggregate_packages, national_summary
from tilaapp.services.editing import EditService
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.package_export import export_package
from tilaapp.services.package_verify import verify_package
from tilaapp.storage.database import open_database

TEMPLATE_BUILDINGS = 2_000
MIN_BUILDINGS = 20
MEDIAN_BUILDINGS = 150
# Spread of the log-normal distribution of portfolio sizes: with the median above,
# about one municipality in six has more than 400 buildings.
SIGMA = 1.0
SIZE_CHECK_BUILDINGS = 1_000
SIZE_LIMIT_BYTES = 1_000_000
TEMPLATE_HOME = "398"
EXTRACTION_DATE = datetime.date(2026, 9, 30)
CREATED = datetime.datetime(2026, 12, 5, 8, 0, tzinfo=datetime.UTC)
CLASS_FILE = Path(__file__).resolve().parent.parent / "tilaapp/resources/building_class_2018.csv"


@dataclass
class Timings:
    export: list[float]
    verify: list[float]
    reference: list[float]
    aggregate_total: float = 0.0


def portfolio_sizes(count: int, rng: random.Random) -> list[int]:
    sizes = [
        max(
            MIN_BUILDINGS,
            min(TEMPLATE_BUILDINGS, round(rng.lognormvariate(0, SIGMA) * MEDIAN_BUILDINGS)),
        )
        for _ in range(count)
    ]
    sizes[0] = SIZE_CHECK_BUILDINGS
    if count > 1:
        sizes[1] = TEMPLATE_BUILDINGS
    return sizes


def building_classes() -> list[str]:
    with CLASS_FILE.open(encoding="utf-8") as file:
        rows = csv.reader((line for line in file if not line.startswith("#")), delimiter=";")
        next(rows)
        return [row[0] for row in rows if row and row[0].isdigit()]


def template_buildings(rng: random.Random) -> list[Building]:
    classes = building_classes()
    owner = [Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3", type_code="3")]
    buildings = []
    for number in range(1, TEMPLATE_BUILDINGS + 1):
        area = round(rng.lognormvariate(math.log(600), 1.1), 1)
        storeys = rng.randint(1, 6)
        buildings.append(
            Building(
                prt=valid_prt(number),
                property_identifier=f"398401{number:04d}0001"[:14],
                old_property_identifier=f"398401{number:04d}0001"[:14],
                building_number=str(number % 900 + 1),
                completion_date=f"{rng.randint(1900, 2024)}{rng.randint(1, 12):02d}00",
                facade_material=str(rng.randint(1, 7)),
                gross_floor_area=area,
                total_area=round(area * 1.15, 1),
                volume=round(area * 3.4),
                number_of_storeys=storeys,
                use_class_1994="531",
                building_class_2018=rng.choice(classes),
                coordinate_north=rng.randint(6_640_000, 7_700_000),
                coordinate_east=rng.randint(200_000, 700_000),
                addresses=[
                    Address(
                        f"Testikatu {number % 97}", str(number), 1, None, "15100", "LAHTI", "LAHTIS"
                    )
                ],
                owners=owner,
            )
        )
    return buildings


def make_template(folder: Path, rng: random.Random) -> Path:
    extract = write_extract(folder / "template.xlsx", template_buildings(rng))
    database_path = folder / "template.sqlite"
    options = ImportOptions(
        home_municipality=TEMPLATE_HOME,
        owner_business_ids=(MUNICIPALITY_BUSINESS_ID,),
        extraction_date=EXTRACTION_DATE,
    )
    import_files(database_path, [extract], options)
    database = open_database(database_path, create=False)
    ids = list(range(1, TEMPLATE_BUILDINGS + 1))
    editor = EditService(database, os_user="benchmark")
    editor.set_value_for_many(ids, "condition_class", 3)
    editor.set_value_for_many(ids[::2], "replacement_cost", Decimal("1850000.50"))
    database.close()
    _checkpoint(database_path)
    return database_path


def _checkpoint(path: Path) -> None:
    """Fold the write-ahead log into the file, so that a copy of the file is complete."""
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode=DELETE")


def municipal_copy(template: Path, target: Path, code: str, buildings: int) -> None:
    shutil.copyfile(template, target)
    with sqlite3.connect(target) as connection:
        connection.execute(
            "UPDATE database_info SET database_id = ?, home_municipality_code = ?",
            (str(uuid.uuid4()), code),
        )
        connection.execute("UPDATE register_value SET municipality_number = ?", (code,))
        connection.execute("DELETE FROM portfolio_entry WHERE building_id > ?", (buildings,))
        connection.execute(
            "UPDATE building_list SET in_portfolio = 0 WHERE building_id > ?", (buildings,)
        )


def timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def reference_read(path: Path) -> int:
    """Unzip in memory and parse the JSON members with the standard library only."""
    parsed = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            if info.filename.endswith(".json"):
                json.loads(data)
                parsed += 1
    return parsed


def export_all(
    template: Path, folder: Path, codes: Sequence[str], sizes: Sequence[int], timings: Timings
) -> list[Path]:
    paths = []
    packages = folder / "packages"
    for index, (code, size) in enumerate(zip(codes, sizes, strict=True), start=1):
        copy = folder / f"municipality_{code}.sqlite"
        municipal_copy(template, copy, code, size)
        database = open_database(copy, create=False)
        seconds, result = timed(partial(export_package, database, packages, now=CREATED))
        database.close()
        copy.unlink()
        timings.export.append(seconds)
        paths.append(result.path)  # type: ignore[attr-defined]
        if index % 50 == 0:
            print(f"exported {index}/{len(codes)}", file=sys.stderr)
    return paths


def seconds_text(values: Sequence[float]) -> str:
    return (
        f"{sum(values):.1f} s total, {statistics.mean(values) * 1000:.0f} ms mean, "
        f"{statistics.median(values) * 1000:.0f} ms median, {max(values) * 1000:.0f} ms max"
    )


def commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    )
    return found.stdout.strip() or "unknown"


def report(
    args: argparse.Namespace,
    sizes: Sequence[int],
    paths: Sequence[Path],
    timings: Timings,
    build_seconds: float,
    summary_line: str,
) -> str:
    bytes_ = [path.stat().st_size for path in paths]
    total_buildings = sum(sizes)
    per_thousand = sum(bytes_) / total_buildings * 1000
    check_size = bytes_[0]
    verify_total = sum(timings.verify)
    reference_total = sum(timings.reference)
    lines = [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.processor() or platform.machine()}, {platform.platform()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        f"- tilaapp at commit {commit()}",
        f"- Command: `python benchmarks/packages.py --count {args.count} --seed {args.seed}`",
        f"- Packages: {len(paths)}, buildings: {total_buildings:,} "
        f"(median {statistics.median(sizes):.0f}, min {min(sizes)}, max {max(sizes)} per package)",
        f"- Building the template database (import of {TEMPLATE_BUILDINGS:,} buildings and edits): "
        f"{build_seconds:.1f} s, not part of the figures below",
        "",
        "| step | time |",
        "|---|---|",
        f"| export (`export_package`) | {seconds_text(timings.export)} |",
        f"| verify (`verify_package`) | {seconds_text(timings.verify)} |",
        f"| aggregate (`aggregate_packages`: verify and merge) | "
        f"{timings.aggregate_total:.1f} s total, "
        f"{timings.aggregate_total / len(paths) * 1000:.0f} ms per package |",
        f"| reference: unzip and `json.loads` | {seconds_text(timings.reference)} |",
        "",
        f"- Ratio verify / reference: {verify_total / reference_total:.1f}",
        f"- Ratio aggregate / reference: {timings.aggregate_total / reference_total:.1f}",
        f"- Package size: {sum(bytes_) / 1e6:.1f} MB in total, "
        f"{per_thousand / 1000:.0f} kB per 1,000 buildings",
        f"- Package of {SIZE_CHECK_BUILDINGS:,} buildings: {check_size:,} bytes, "
        f"{'under' if check_size < SIZE_LIMIT_BYTES else 'NOT under'} 1 MB (10^6 bytes)",
        f"- National summary: {summary_line}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=308, help="number of municipalities (max 308)")
    parser.add_argument("--seed", type=int, default=20261205)
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)

    codes = sorted(municipalities())[: args.count]
    if len(codes) < args.count:
        parser.error(f"only {len(codes)} municipalities are known")
    rng = random.Random(args.seed)
    sizes = portfolio_sizes(args.count, rng)
    folder = args.out or Path(tempfile.mkdtemp(prefix="tilaapp-packages-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        build_seconds, template = timed(lambda: make_template(folder, rng))
        timings = Timings([], [], [])
        paths = export_all(template, folder, codes, sizes, timings)  # type: ignore[arg-type]

        for path in paths:
            seconds, result = timed(partial(verify_package, path))
            assert result.ok, result.messages()  # type: ignore[attr-defined]
            timings.verify.append(seconds)
        for path in paths:
            seconds, _parsed = timed(partial(reference_read, path))
            timings.reference.append(seconds)

        national = open_database(folder / "national.sqlite")
        seconds, results = timed(lambda: aggregate_packages(national, paths, now=CREATED))
        timings.aggregate_total = seconds
        assert all(result.merged for result in results)  # type: ignore[attr-defined]
        summary = national_summary(national)
        national.close()
        assert summary.buildings == sum(sizes), (summary.buildings, sum(sizes))
        summary_line = (
            f"{summary.municipalities} municipalities, {summary.buildings:,} buildings, "
            f"{summary.gross_floor_area} m² gross floor area"
        )
        print(report(args, sizes, paths, timings, build_seconds, summary_line))
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
