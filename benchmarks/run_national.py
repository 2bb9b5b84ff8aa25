"""Measure tilaapp on a synthetic whole-country DVV open address file against references.

Usage::

    python benchmarks/run_national.py [--buildings N] [--keep] [--skip-pandas]

One run measures the wall time and peak memory of several commands on the same file. The
floor is ``wc -l``. The references are the sqlite3 shell's ``.import`` and pandas
``read_csv`` with ``to_sql``, each into a plain table. The tilaapp commands are the import
of one municipality, ``reference build`` and the import of the whole country.
``generate_opt.py`` writes the file when it is missing. A run of the default size writes
its results into the section "National open data (DVV open address file)" of
docs/benchmarks.md.

Every command runs as a child process of this one, with the same Python
(``sys.executable``). This process imports neither pandas nor tilaapp's storage, because
a child is charged this process's resident size until it calls exec (see measure.py).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import json
import logging
import os
import platform
import shlex
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from measure import SAMPLE_SECONDS, Measurement, run_measured

log = logging.getLogger("run_national")

REPOSITORY = Path(__file__).resolve().parent.parent
BENCHMARKS = REPOSITORY / "benchmarks"
DEFAULT_OUTPUT = BENCHMARKS / "out"
DOCS_PATH = REPOSITORY / "docs" / "benchmarks.md"
SECTION_TITLE = "National open data (DVV open address file)"

DEFAULT_BUILDINGS = 3_900_000
EXTRACTION_DATE = "2026-09-30"
OPT_FILE_NAME = f"Suomi_osoitteet_{EXTRACTION_DATE}.OPT"
# Pori, 83,684 inhabitants on 31 December 2020: a mid-sized municipality.
DEFAULT_MUNICIPALITY = "609"
DEFAULT_TIMEOUT_SECONDS = 3_600
LIST_TIMEOUT_SECONDS = 900
# Address space allowed to ``tilaapp list``, which builds its whole output in memory.
LIST_MEMORY_LIMIT_BYTES = 8 * 1024**3

COLUMN_NAMES = [f"c{number}" for number in range(1, 17)]
PANDAS_READ_CHUNK_ROWS = 100_000
PANDAS_WRITE_CHUNK_ROWS = 10_000
PANDAS_OPTIONS = (
    f'read_csv(sep=";", header=None, names=["c1", ..., "c16"], dtype=str, '
    f'encoding="latin-1", quoting=csv.QUOTE_NONE, chunksize={PANDAS_READ_CHUNK_ROWS:_}); '
    f'each chunk .to_sql("t", sqlite3 connection, if_exists="append", index=False, '
    f"chunksize={PANDAS_WRITE_CHUNK_ROWS:_})"
)

MEMORY_LIMIT_MB = 500.0
# Times each case runs. On the 2-core machine of docs/benchmarks.md, five single runs of
# case (c) took 1.78 to 1.99 times .import, moved by the machine's load.
DEFAULT_ROUNDS = 3
RATIO_LIMITS = {"a": 0.25, "b": 0.4, "c": 2.0}

# Tables of tilaapp's database that hold buildings and their addresses.
BUILDING_TABLE = "building"
ADDRESS_TABLE = "building_address"


@dataclass
class Case:
    """One measured command of the benchmark."""

    key: str
    label: str
    command: list[str]
    output: Path | None = None
    """File or database the command writes, whose size is reported."""
    stdin: Path | None = None
    skipped: str | None = None
    """Reason the case was not measured, or None."""
    result: Measurement | None = None
    """The round of median wall time, with the largest memory readings of all rounds."""
    rounds: list[Measurement] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        return self.result is not None and self.result.succeeded

    def failure(self) -> str | None:
        """Return why the case has no valid measurement, or None when it has one."""
        if self.skipped:
            return self.skipped
        if self.result is None:
            return "not run"
        if self.result.timed_out:
            return f"timed out after {self.result.wall_seconds:.0f} s"
        if self.result.exit_code != 0:
            last_line = (self.result.stderr_tail.strip().splitlines() or [""])[-1]
            return f"failed, exit status {self.result.exit_code}: {last_line}"
        return None


@dataclass
class Run:
    """Settings and results of one benchmark run."""

    buildings: int
    opt_file: Path
    summary: dict[str, object]
    work: Path
    municipality: str
    cases: list[Case] = field(default_factory=list)
    extra: list[Case] = field(default_factory=list)
    """Commands run after the measured cases to check their results."""
    memory_floor_mb: float = 0.0
    rounds: int = 1
    """Number of times each case runs."""
    started: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))

    def case(self, key: str) -> Case:
        return next(case for case in self.cases if case.key == key)


# Preparing the file.


def opt_path(output: Path, buildings: int) -> Path:
    return output / f"opt-{buildings}" / OPT_FILE_NAME


def ensure_opt_file(path: Path, buildings: int) -> dict[str, object]:
    """Generate the file unless this version of the generator wrote it for ``buildings``."""
    from generate_opt import DEFAULT_SEED, generator_digest, summary_path

    summary_file = summary_path(path)
    if path.exists() and summary_file.exists():
        summary: dict[str, object] = json.loads(summary_file.read_text(encoding="utf-8"))
        parameters = summary.get("parameters")
        if (
            isinstance(parameters, dict)
            and parameters.get("buildings") == buildings
            and parameters.get("seed") == DEFAULT_SEED
            and summary.get("generator_sha256") == generator_digest()
        ):
            log.info("Using the existing file %s", path)
            return summary

    log.info("Generating %s with %d buildings", path, buildings)
    command = [sys.executable, str(BENCHMARKS / "generate_opt.py"), "--out", str(path)]
    subprocess.run([*command, "--buildings", str(buildings)], check=True)
    loaded: dict[str, object] = json.loads(summary_file.read_text(encoding="utf-8"))
    return loaded


# The cases.


def sqlite_script_text(opt_file: Path, separator: str = " ") -> str:
    """Return the sqlite3 shell script that imports ``opt_file`` into a 16-column table.

    The table exists before ``.import``, so the shell reads the first line as data.
    """
    columns = ", ".join(f"{name} TEXT" for name in COLUMN_NAMES)
    commands = [f"CREATE TABLE t ({columns});", '.separator ";"', f".import {opt_file} t"]
    return separator.join(commands)


def sqlite_import_script(run: Run) -> Path:
    script = run.work / "import.sql"
    script.write_text(sqlite_script_text(run.opt_file, "\n") + "\n", encoding="utf-8")
    return script


def tilaapp_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "tilaapp", *arguments]


def tilaapp_import(file: str, database: Path, *options: str) -> list[str]:
    arguments = ["import", file, *options, "--db", str(database)]
    return tilaapp_command(*arguments, "--extraction-date", EXTRACTION_DATE)


def build_cases(run: Run, skip_pandas: bool) -> list[Case]:
    file = str(run.opt_file)
    work = run.work
    pandas_case = Case(
        "pandas",
        "reference 2: pandas read_csv + to_sql",
        [sys.executable, str(Path(__file__)), "--pandas-import", file, str(work / "pandas.sqlite")],
        output=work / "pandas.sqlite",
        skipped="skipped with --skip-pandas" if skip_pandas else None,
    )
    return [
        Case("floor", "floor: wc -l", ["wc", "-l", file]),
        Case(
            "sqlite",
            "reference 1: sqlite3 shell .import",
            ["sqlite3", str(work / "shell.sqlite")],
            output=work / "shell.sqlite",
            stdin=sqlite_import_script(run),
        ),
        pandas_case,
        Case(
            "a",
            f"(a) tilaapp import, one municipality ({run.municipality})",
            tilaapp_import(file, work / "one.sqlite", "--municipality", run.municipality),
            output=work / "one.sqlite",
        ),
        Case(
            "b",
            "(b) tilaapp reference build",
            tilaapp_command("reference", "build", file, "--out", str(work / "reference.json")),
            output=work / "reference.json",
        ),
        Case(
            "c",
            "(c) tilaapp import, whole country",
            tilaapp_import(file, work / "country.sqlite"),
            output=work / "country.sqlite",
        ),
    ]


def measure_cases(run: Run, timeout: float, rounds: int) -> None:
    """Run every case ``rounds`` times, the cases one after another in each round."""
    for number in range(1, rounds + 1):
        for case in run.cases:
            if case.skipped:
                log.info("Skipping %s: %s", case.label, case.skipped)
                continue
            log.info("Round %d of %d: running %s", number, rounds, case.label)
            measurement = measure_case(case, timeout)
            if measurement is not None:
                case.rounds.append(measurement)
    for case in run.cases:
        if case.rounds:
            case.result = summary_measurement(case.rounds)


def measure_case(case: Case, timeout: float) -> Measurement | None:
    """Run ``case`` once on a new output, or return None when it cannot start."""
    remove_output(case)
    # The cases before have left their output files' pages to be written back, which
    # the kernel would otherwise do while this case runs.
    os.sync()
    try:
        result = run_measured(case.command, stdin_path=case.stdin, timeout_seconds=timeout)
    except OSError as error:
        case.skipped = f"could not start {case.command[0]}: {error}"
        log.warning("%s: %s", case.label, case.skipped)
        return None
    log.info(
        "%s: %.1f s, %.0f MB, exit status %d",
        case.label,
        result.wall_seconds,
        result.peak_mb,
        result.exit_code,
    )
    if not result.succeeded:
        log.warning("%s failed, exit status %d", case.label, result.exit_code)
    return result


def remove_output(case: Case) -> None:
    """Remove what an earlier round of ``case`` wrote, so that each round starts anew."""
    if case.output is None:
        return
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{case.output}{suffix}").unlink(missing_ok=True)


def summary_measurement(rounds: list[Measurement]) -> Measurement:
    """Return the round of median wall time with the largest memory readings of all
    rounds, or the first failed round."""
    failed = [result for result in rounds if not result.succeeded]
    if failed:
        return failed[0]
    ordered = sorted(rounds, key=lambda result: result.wall_seconds)
    # With an even number of rounds, the slower of the middle two.
    median = ordered[len(ordered) // 2]
    groups = [result.group_rss_mb for result in rounds if result.group_rss_mb is not None]
    return dataclasses.replace(
        median,
        max_rss_mb=max(result.max_rss_mb for result in rounds),
        group_rss_mb=max(groups) if groups else None,
    )


# Checks of the results, outside the timing.


def table_count(database: Path, table: str) -> int | None:
    """Return the number of rows of ``table``, or None when the database has no such table."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        (count,) = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    return int(count)


def expected_counts(run: Run, municipality: str | None) -> tuple[int, int]:
    """Return (buildings, rows) of the file, or of one municipality in it."""
    if municipality is None:
        counts = run.summary["counts"]
        assert isinstance(counts, dict)
        return int(counts["buildings"]), int(counts["rows"])
    by_municipality = run.summary["by_municipality"]
    assert isinstance(by_municipality, dict)
    entry = by_municipality[municipality]
    return int(entry["buildings"]), int(entry["rows"])


def check_tilaapp_database(run: Run, case: Case, municipality: str | None) -> None:
    assert case.output is not None
    buildings, rows = expected_counts(run, municipality)
    stored_buildings = table_count(case.output, BUILDING_TABLE)
    stored_addresses = table_count(case.output, ADDRESS_TABLE)
    verdict = "match" if (stored_buildings, stored_addresses) == (buildings, rows) else "MISMATCH"
    case.checks.append(
        f"{BUILDING_TABLE}: {stored_buildings} rows, {ADDRESS_TABLE}: {stored_addresses} rows; "
        f"the file has {buildings} buildings on {rows} rows: {verdict}"
    )


def check_reference_file(run: Run, case: Case) -> None:
    assert case.output is not None
    try:
        data = json.loads(case.output.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        case.checks.append(f"{case.output.name} is not readable JSON: {error}")
        return
    if not isinstance(data, dict):
        case.checks.append(f"{case.output.name} is JSON but not an object")
        return

    figures = data.get("figures")
    count = len(figures) if isinstance(figures, list) else "no"
    inputs = data.get("inputs")
    rows_read = (
        sum(entry.get("rows", 0) for entry in inputs if isinstance(entry, dict))
        if isinstance(inputs, list)
        else None
    )
    _, rows = expected_counts(run, None)
    verdict = "match" if rows_read == rows else "MISMATCH"
    case.checks.append(
        f"{case.output.name}: format {data.get('format')!r}, {count} figures, "
        f"{rows_read} input rows, the file has {rows}: {verdict}"
    )


def check_shell_import(run: Run, case: Case) -> None:
    assert case.output is not None
    _, rows = expected_counts(run, None)
    stored = table_count(case.output, "t")
    verdict = "match" if stored == rows else "MISMATCH"
    case.checks.append(f"table t: {stored} rows, the file has {rows}: {verdict}")


def run_checks(run: Run) -> None:
    for case in run.cases:
        if not case.measured:
            continue
        if case.key in ("sqlite", "pandas"):
            check_shell_import(run, case)
        elif case.key == "a":
            check_tilaapp_database(run, case, run.municipality)
            run.extra.append(list_all(run, case, "one municipality"))
        elif case.key == "b":
            check_reference_file(run, case)
        elif case.key == "c":
            check_tilaapp_database(run, case, None)
            run.extra.append(show_first_building(run, case))
            run.extra.append(list_country(run, case))


def show_first_building(run: Run, case: Case) -> Case:
    """Run ``tilaapp show`` for the first building of the file on the database of ``case``."""
    assert case.output is not None
    first_prt = str(run.summary["first_prt"])
    output = run.work / "show.txt"
    show = Case(
        "show",
        f"tilaapp show {first_prt}, whole country",
        tilaapp_command("show", first_prt, "--db", str(case.output)),
        output=output,
    )
    show.result = run_measured(
        show.command, stdout_path=output, timeout_seconds=DEFAULT_TIMEOUT_SECONDS
    )
    if show.measured:
        found = first_prt in output.read_text(encoding="utf-8", errors="replace")
        show.checks.append("the output names the building" if found else "the output lacks the PRT")
    return show


def list_all(run: Run, case: Case, scope: str) -> Case:
    """Run ``tilaapp list --all --json`` on the database of ``case``."""
    assert case.output is not None
    output = run.work / f"list-{case.key}.json"
    listing = Case(
        f"list-{case.key}",
        f"tilaapp list --all --json, {scope}",
        tilaapp_command("list", "--db", str(case.output), "--all", "--json"),
        output=output,
    )
    listing.result = run_measured(
        listing.command,
        stdout_path=output,
        timeout_seconds=LIST_TIMEOUT_SECONDS,
        memory_limit_bytes=LIST_MEMORY_LIMIT_BYTES,
    )
    if listing.measured:
        listing.checks.append(listing_shape(output))
    return listing


def list_country(run: Run, case: Case) -> Case:
    """List the whole country unless the one-municipality listing projects it too large."""
    projection = list_projection(run)
    if projection is None:
        return list_all(run, case, "whole country")

    seconds, megabytes = projection
    if seconds < LIST_TIMEOUT_SECONDS and megabytes * 1e6 < LIST_MEMORY_LIMIT_BYTES:
        return list_all(run, case, "whole country")
    skipped = Case(
        "list-c",
        "tilaapp list --all --json, whole country",
        tilaapp_command("list", "--db", str(case.output), "--all", "--json"),
    )
    skipped.skipped = (
        f"not run: scaled from the one-municipality listing, an estimated "
        f"{seconds:,.0f} s and {megabytes:,.0f} MB (limits {LIST_TIMEOUT_SECONDS} s, "
        f"{LIST_MEMORY_LIMIT_BYTES / 1e6:,.0f} MB)"
    )
    return skipped


def list_projection(run: Run) -> tuple[float, float] | None:
    """Scale the one-municipality listing to the whole country: (seconds, MB), or None.

    The estimate grows linearly with the number of buildings above the time and memory
    of ``tilaapp show``, which stand for starting the program and opening the database.
    """
    listing = next((case for case in run.extra if case.key == "list-a"), None)
    show = next((case for case in run.extra if case.key == "show"), None)
    if listing is None or listing.result is None or not listing.measured:
        return None
    base_seconds, base_mb = 0.0, 0.0
    if show is not None and show.result is not None and show.measured:
        base_seconds, base_mb = show.result.wall_seconds, show.result.peak_mb

    local, _ = expected_counts(run, run.municipality)
    country, _ = expected_counts(run, None)
    factor = country / max(local, 1)
    seconds = base_seconds + max(0.0, listing.result.wall_seconds - base_seconds) * factor
    megabytes = base_mb + max(0.0, listing.result.peak_mb - base_mb) * factor
    return seconds, megabytes


def listing_shape(path: Path) -> str:
    """Describe the JSON document at ``path`` without loading it whole."""
    size = path.stat().st_size
    with path.open("rb") as file:
        head = file.read(200)
        file.seek(max(0, size - 10))
        tail = file.read()
    complete = head.lstrip().startswith(b"{") and tail.rstrip().endswith(b"}")
    shape = "a complete JSON object" if complete else "NOT a complete JSON object"
    return f"{size / 1e6:.0f} MB of output, {shape}"


# Targets.


@dataclass(frozen=True)
class Target:
    description: str
    value: str
    passed: bool | None
    """None when the target could not be evaluated."""


def ratio_targets(run: Run) -> list[Target]:
    reference = run.case("sqlite")
    targets = []
    for key, limit in RATIO_LIMITS.items():
        case = run.case(key)
        description = f"({key}) / .import ≤ {limit}"
        if not (case.measured and reference.measured):
            missing = case if not case.measured else reference
            targets.append(Target(description, f"{missing.label}: {missing.failure()}", None))
            continue
        ratio = wall(case) / wall(reference)
        targets.append(Target(description, f"{ratio:.3f}", ratio <= limit))
    return targets


def pandas_target(run: Run) -> Target:
    country, pandas = run.case("c"), run.case("pandas")
    description = "(c) faster than pandas"
    if not (country.measured and pandas.measured):
        missing = country if not country.measured else pandas
        return Target(description, f"{missing.label}: {missing.failure()}", None)
    return Target(
        description,
        f"{wall(country):.1f} s vs {wall(pandas):.1f} s",
        wall(country) < wall(pandas),
    )


def memory_targets(run: Run) -> list[Target]:
    targets = []
    for case in run.cases:
        description = f"{case.label}: peak memory < {MEMORY_LIMIT_MB:.0f} MB"
        if not case.measured or case.result is None:
            targets.append(Target(description, str(case.failure()), None))
            continue
        peak = case.result.peak_mb
        targets.append(Target(description, f"{peak:.0f} MB", peak < MEMORY_LIMIT_MB))
    return targets


def all_targets(run: Run) -> list[Target]:
    return [*ratio_targets(run), pandas_target(run), *memory_targets(run)]


def wall(case: Case) -> float:
    assert case.result is not None
    return case.result.wall_seconds


def verdict(target: Target) -> str:
    if target.passed is None:
        return "not measured"
    return "pass" if target.passed else "FAIL"


# Reporting.


def display_path(path: Path | str, work: Path | None = None) -> str:
    """Return ``path`` as $WORK/..., relative to the repository, or unchanged."""
    resolved = Path(path).resolve()
    if work is not None and resolved.is_relative_to(work.resolve()):
        return "$WORK/" + str(resolved.relative_to(work.resolve()))
    if resolved.is_relative_to(REPOSITORY):
        return str(resolved.relative_to(REPOSITORY))
    return str(path)


def display_command(case: Case, work: Path) -> str:
    parts = ["python" if part == sys.executable else part for part in case.command]
    parts = [display_path(part, work) if part.startswith("/") else part for part in parts]
    # Names inside $WORK are plain, so only the other parts need shell quoting.
    text = " ".join(part if part.startswith("$WORK/") else shlex.quote(part) for part in parts)
    if case.stdin is not None:
        text += f" < {display_path(case.stdin, work)}"
    return text


def output_size(case: Case) -> str:
    if case.output is None or not case.output.exists() or not case.measured:
        return ""
    return f"{case.output.stat().st_size / 1e6:.0f}"


def result_cells(case: Case, reference: Case) -> list[str]:
    if not case.measured or case.result is None:
        return [str(case.failure()), "", "", "", ""]
    ratio = ""
    if reference.measured:
        ratio = f"{wall(case) / wall(reference):.3f}"
    return [
        f"{case.result.wall_seconds:.1f}",
        f"{case.result.max_rss_mb:.0f}",
        _megabytes(case.result.group_rss_mb),
        ratio,
        output_size(case),
    ]


def _megabytes(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def results_table(run: Run) -> list[str]:
    reference = run.case("sqlite")
    lines = [
        "| Case | Wall time (s) | Peak RSS, largest process (MB) "
        "| Peak RSS, sum of processes (MB) | Time / .import | Output (MB) | Rounds (s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for case in [*run.cases, *run.extra]:
        cells = [case.label, *result_cells(case, reference), rounds_cell(case)]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return lines


def rounds_cell(case: Case) -> str:
    """Return the wall times of the case's rounds, in the order they ran."""
    return ", ".join(f"{result.wall_seconds:.1f}" for result in case.rounds)


def targets_table(targets: list[Target]) -> list[str]:
    lines = ["| Target | Measured | Result |", "|---|---:|---|"]
    for target in targets:
        lines.append(f"| {target.description} | {target.value} | {verdict(target)} |")
    return lines


def print_report(run: Run, targets: list[Target]) -> None:
    print()
    print("\n".join(results_table(run)))
    print()
    print("\n".join(targets_table(targets)))
    for case in [*run.cases, *run.extra]:
        for check in case.checks:
            print(f"check, {case.label}: {check}")


# Machine description.


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return platform.processor() or "unknown"
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def memory_total_gib() -> str:
    try:
        text = Path("/proc/meminfo").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def command_output(command: Sequence[str]) -> str:
    try:
        completed = subprocess.run(
            list(command), capture_output=True, text=True, check=True, cwd=REPOSITORY
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return completed.stdout.strip()


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_lines(run: Run) -> list[str]:
    commit = command_output(["git", "rev-parse", "--short", "HEAD"])
    changed = command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    state = f"{commit}, with uncommitted changes" if changed else commit
    return [
        f"- Date: {run.started:%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores",
        f"- Memory: {memory_total_gib()}",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()} (`python` below is `{sys.executable}`), "
        f"its SQLite library {sqlite3.sqlite_version}",
        f"- sqlite3 shell {command_output(['sqlite3', '--version']).split(' ')[0]}",
        f"- pandas {package_version('pandas')}",
        f"- tilaapp at commit {state}",
        f"- Floor of the largest-process readings: {run.memory_floor_mb:.0f} MB, the runner's "
        "own size, which Linux charges to a child until it calls exec (measured on `true`)",
    ]


def file_lines(run: Run) -> list[str]:
    counts = run.summary["counts"]
    assert isinstance(counts, dict)
    from tilaapp.domain.municipalities import municipality_name, population

    inhabitants = population(run.municipality)
    return [
        f"- File: `{display_path(run.opt_file)}`, written by "
        f"`python benchmarks/generate_opt.py --out {display_path(run.opt_file)} "
        f"--buildings {run.buildings}` (seed {_seed(run)})",
        f"- {counts['buildings']:,} buildings on {counts['rows']:,} rows, "
        f"{counts['bytes'] / 1e6:.0f} MB; {counts['rows_without_street']:,} rows without a "
        f"street address, {counts['rows_with_swedish_street']:,} with a Swedish street name",
        f"- Municipality of case (a): {run.municipality} "
        f"{municipality_name(run.municipality, 'en')}, "
        f"{inhabitants.population if inhabitants else 'unknown':,} inhabitants "
        f"on 31 December 2020",
    ]


def _seed(run: Run) -> object:
    parameters = run.summary["parameters"]
    assert isinstance(parameters, dict)
    return parameters["seed"]


def section_text(run: Run, targets: list[Target]) -> str:
    commands = [
        f"- {case.label}: `{display_command(case, run.work)}`" for case in [*run.cases, *run.extra]
    ]
    checks = [
        f"- {case.label}: {check}" for case in [*run.cases, *run.extra] for check in case.checks
    ]
    lines = [
        f"## {SECTION_TITLE}",
        "",
        "Written by `python benchmarks/run_national.py` (see benchmarks/README.md). All",
        "cases read the same synthetic whole-country file in one run, one after another,",
        "each as a new process writing a new output. `wc -l` reads the file first, so the",
        "later cases probably read it from the page cache. Before each case the runner calls",
        "`sync`, outside the timing, so that no case's time includes the writing back of the",
        "files that the cases before it wrote.",
        f"The cases run in {run.rounds} rounds, each round running every case once in the",
        'order of the table. "Wall time" is the median of the rounds (of an even number, the',
        'slower of the middle two), "Rounds" gives each round\'s time in order, and the',
        "memory columns give the largest reading of any round. The commands after the cases,",
        "which check their results, run once. Memory is in MB of 10^6 bytes.",
        '"Largest process" is the maximum resident set size of the process and its',
        "children (`ru_maxrss` from `wait4`), which is the peak of the largest single",
        f'process. "Sum of processes" samples /proc every {SAMPLE_SECONDS} s and keeps the',
        "largest sum over the process group, which counts worker processes running at the",
        "same time, counts shared pages once per process and can miss short peaks. The",
        "memory targets use the larger of the two.",
        "",
        *machine_lines(run),
        "",
        *file_lines(run),
        "",
        "### Commands",
        "",
        "`$WORK` is a new folder of the run, deleted at its end unless `--keep` is given.",
        "",
        *commands,
        "",
        "`$WORK/import.sql`:",
        "",
        "```",
        sqlite_script_text(Path(display_path(run.opt_file)), "\n"),
        "```",
        "",
        f"pandas: `{PANDAS_OPTIONS}`",
        "",
        "### Results",
        "",
        *results_table(run),
        "",
        *targets_table(targets),
        "",
        "### Checks of the results (outside the timing)",
        "",
        *(checks or ["- none ran"]),
        "",
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace this benchmark's section of ``path``, or append it, keeping other sections."""
    heading = f"## {SECTION_TITLE}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = (
            "# Benchmarks\n\nMeasurements of tilaapp against named references. Each section\n"
            "names the script that wrote it and the machine it ran on.\n"
        )

    start = text.find(heading)
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(heading))
        rest = text[following + 1 :] if following >= 0 else ""
        text = text[:start] + section + ("\n" + rest if rest else "")
    path.write_text(text, encoding="utf-8")


# The pandas reference, run as a child process of its own.


def pandas_import(file: Path, database: Path) -> None:
    """Load ``file`` with pandas into table ``t`` of a new SQLite database ``database``."""
    import pandas  # type: ignore[import-untyped]

    connection = sqlite3.connect(database)
    try:
        chunks = pandas.read_csv(
            file,
            sep=";",
            header=None,
            names=COLUMN_NAMES,
            dtype=str,
            encoding="latin-1",
            quoting=csv.QUOTE_NONE,
            chunksize=PANDAS_READ_CHUNK_ROWS,
        )
        for chunk in chunks:
            chunk.to_sql(
                "t",
                connection,
                if_exists="append",
                index=False,
                chunksize=PANDAS_WRITE_CHUNK_ROWS,
            )
        connection.commit()
    finally:
        connection.close()


# Command line.


def positive_integer(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--buildings",
        type=positive_integer,
        default=DEFAULT_BUILDINGS,
        help=f"buildings in the generated file (default {DEFAULT_BUILDINGS:,})",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the databases and outputs of the run (the generated file is always kept)",
    )

    parser.add_argument("--skip-pandas", action="store_true", help="do not run the pandas case")
    parser.add_argument(
        "--municipality",
        default=DEFAULT_MUNICIPALITY,
        metavar="CODE",
        help=f"municipality of case (a) (default {DEFAULT_MUNICIPALITY}, Pori)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="folder of the generated file and of the run's work files (default benchmarks/out)",
    )
    parser.add_argument(
        "--rounds",
        type=positive_integer,
        default=DEFAULT_ROUNDS,
        help=f"run each case N times and report the median (default {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help=f"seconds after which a command is killed (default {DEFAULT_TIMEOUT_SECONDS})",
    )

    docs = parser.add_mutually_exclusive_group()
    docs.add_argument(
        "--docs",
        action="store_true",
        help="write docs/benchmarks.md even for a file of another size than the default",
    )
    docs.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")

    # The pandas reference runs as a child process: python run_national.py --pandas-import.
    parser.add_argument(
        "--pandas-import", nargs=2, type=Path, metavar=("FILE", "DB"), help=argparse.SUPPRESS
    )
    return parser.parse_args(argv)


def should_write_docs(arguments: argparse.Namespace) -> bool:
    if arguments.no_docs:
        return False
    return bool(arguments.docs or arguments.buildings == DEFAULT_BUILDINGS)


def prepare_run(arguments: argparse.Namespace) -> Run:
    path = opt_path(arguments.output, arguments.buildings)
    summary = ensure_opt_file(path, arguments.buildings)
    by_municipality = summary["by_municipality"]
    assert isinstance(by_municipality, dict)
    if arguments.municipality not in by_municipality:
        raise SystemExit(
            f"invalid --municipality {arguments.municipality!r}: the file has no such "
            "municipality; give a three-digit municipality code such as 609"
        )
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    work = arguments.output / f"run-{stamp}"
    work.mkdir(parents=True)
    return Run(arguments.buildings, path, summary, work, arguments.municipality)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if arguments.pandas_import:
        pandas_import(*arguments.pandas_import)
        return 0

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    run = prepare_run(arguments)
    run.memory_floor_mb = run_measured(["true"]).max_rss_mb
    run.cases = build_cases(run, arguments.skip_pandas)
    run.rounds = arguments.rounds
    measure_cases(run, arguments.timeout, run.rounds)
    run_checks(run)

    targets = all_targets(run)
    print_report(run, targets)
    if should_write_docs(arguments):
        write_section(DOCS_PATH, section_text(run, targets))
        log.info("Wrote the results to %s", DOCS_PATH)
    else:
        log.info("Not writing %s for a file of %d buildings", DOCS_PATH, arguments.buildings)

    if not arguments.keep:
        shutil.rmtree(run.work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
