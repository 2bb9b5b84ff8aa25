"""Re-import of the DVV open address file: the batch merge against the record merger."""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

import tilaapp.services.importing as importing
import tilaapp.services.open_read as open_read
from devtools.dvv_workbook import sample_buildings, write_extract
from devtools.opt_file import (
    OptRow,
    Row,
    prt_with_wrong_check,
    synthetic_rows,
    valid_prt,
    write_opt,
)
from tilaapp.services.importing import ImportCancelled, ImportOptions, import_files
from tilaapp.services.open_merge import VALUE_COLUMNS
from tilaapp.sources.dvv_open import building_record

EXTRACT_DAY = datetime.date(2024, 1, 10)
# One fixed import time per step, so that both ways of merging write the same times.
TIMES = [datetime.datetime(2026, 10, 1, 8, step, tzinfo=datetime.UTC) for step in range(10)]
STREETS = ("Koivutie", "Rantakatu", "Myllykuja", "Åkerbyntie")


def _rows(number: int, *, municipality: str = "091", addresses: int = 1, **cells: str) -> list[Row]:
    """Return the rows of building ``number``: ``addresses`` rows, numbered from 1."""
    prt = cells.pop("prt", valid_prt(number))
    first = OptRow(
        prt=prt,
        municipality=municipality,
        north=str(6_670_000 + number),
        east=str(380_000 + number),
        property_identifier=f"{municipality}0010001{number:04d}",
        house_number=str(number),
    )
    return [
        replace(
            first, **{"address_number": str(index), "street_name_fi": STREETS[index - 1], **cells}
        ).cells()
        for index in range(1, addresses + 1)
    ]


def _file_a(date: str = "20240315") -> list[Row]:
    """Twelve buildings: 1 to 8 in Helsinki (091), 9 to 12 in Espoo (049)."""
    counts = {6: 1, 7: 2, 8: 2, 10: 3}
    rows: list[Row] = []
    for number in range(1, 13):
        municipality = "091" if number <= 8 else "049"
        rows += _rows(
            number, municipality=municipality, addresses=counts.get(number, 1), extraction_date=date
        )
    return rows


def _file_b(date: str = "20250101") -> list[Row]:
    """File A changed in each field and address, without building 9, with new building 13.

    Building 11's coordinates lie outside Finland, so they are not read.
    """
    rows: list[Row] = _rows(13, addresses=2, extraction_date=date)
    rows += _rows(1, municipality="092", extraction_date=date)
    rows += _rows(2, use_class="2", extraction_date=date)
    rows += _rows(3, north="6700000", east="400000", extraction_date=date)
    rows += _rows(4, property_identifier="09100200030004", extraction_date=date)
    rows += _rows(5, postal_code="00200", extraction_date=date)
    rows += _rows(6, addresses=2, extraction_date=date)
    rows += _rows(7, addresses=1, extraction_date=date)
    eight = _rows(8, addresses=2, extraction_date=date)
    eight[1] = replace(OptRow(*eight[1]), street_name_sv="Björkvägen").cells()
    rows += eight
    rows += _rows(10, municipality="049", addresses=3, extraction_date=date)
    rows += _rows(11, municipality="049", north="1000", extraction_date=date)
    rows += _rows(12, municipality="049", use_class="0", extraction_date=date)
    return rows


def _with_cells_not_read(rows: list[Row]) -> list[Row]:
    """Return ``rows`` with cells that are not read: building 2's municipality code,
    3's coordinates, 4's property identifier, 5's postal code and 11's coordinates, which
    lie outside Finland."""
    damage = {
        valid_prt(2): {"municipality": "9X1"},
        valid_prt(3): {"north": "66720OO"},
        valid_prt(4): {"property_identifier": "91-1-x"},
        valid_prt(5): {"postal_code": "0010A"},
        valid_prt(11): {"north": "1000"},
    }
    return [replace(OptRow(*row), **damage.get(row[0], {})).cells() for row in rows]


def _with_rows_not_read(rows: list[Row]) -> list[Row]:
    """Return ``rows`` with 15 columns in the second row of buildings 7 and 8, and a new
    building 14 of two rows whose second row has 15 columns."""
    cut = {valid_prt(7), valid_prt(8)}
    damaged: list[Row] = []
    for cells in rows:
        short = cells[0] in cut and cells[6] == "2"
        damaged.append(";".join(cells[:15]) if short else cells)
    fourteen = _rows(14, addresses=2, extraction_date=rows[0][15])
    return [*damaged, fourteen[0], ";".join(fourteen[1][:15])]


def _with_problems(rows: list[Row]) -> list[Row]:
    """Rows with a malformed identifier, a short row, a repeated row, an unknown
    municipality, a failing check character and rows of one building apart."""
    bad = [
        *rows[:3],
        OptRow(prt="12345", municipality="091").cells(),
        ";".join(OptRow(prt=valid_prt(40)).cells()[:10]),
        rows[3],
        rows[3],
        *_rows(41, municipality="999"),
        *_rows(42, prt=prt_with_wrong_check(42)),
        *rows[4:],
        *_rows(13, extraction_date="20250101"),
    ]
    return bad


@dataclass
class Step:
    """One import call, or SQL run on the database between imports."""

    rows: Sequence[Row] = ()
    options: dict[str, Any] = field(default_factory=dict)
    sql: str = ""
    extract: bool = False
    cut: bool = False


@dataclass
class Outcome:
    reports: list[list[dict[str, Any]]]
    tables: dict[str, list[tuple[Any, ...]]]


def _write_step_file(folder: Path, index: int, step: Step) -> Path:
    if step.extract:
        return write_extract(folder / f"step{index}.xlsx", sample_buildings())
    path = write_opt(folder / f"step{index}.OPT", step.rows)
    if step.cut:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) - 20])
    return path


def _run(
    folder: Path, steps: list[Step], files: list[Path | None], monkeypatch: pytest.MonkeyPatch
) -> Outcome:
    folder.mkdir()
    db = folder / "db.sqlite"
    reports = []
    for index, (step, path) in enumerate(zip(steps, files, strict=True)):
        if step.sql:
            with closing(sqlite3.connect(db)) as connection, connection:
                connection.execute(step.sql)
            continue
        assert path is not None
        monkeypatch.setattr(importing, "utc_now", lambda index=index: TIMES[index])
        options = {"extraction_date": EXTRACT_DAY, **step.options}
        report = import_files(db, [path], ImportOptions(**options))
        reports.append([_report_of(file) for file in report.files])
    return Outcome(reports, _tables(db))


def _report_of(file: Any) -> dict[str, Any]:
    problems = [(p.row, p.kind.value, p.column, p.value) for p in file.problems]
    return {
        "counts": file.counts(),
        "problems": problems,
        "rows": file.rows_read,
        "filtered_out": file.filtered_out,
    }


def _tables(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Return the rows of every table but ``database_info``, whose id is random."""
    with closing(sqlite3.connect(db)) as connection:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            )
            if name != "database_info"
        ]
        return {
            name: sorted(connection.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
            for name in names
        }


def _step_files(tmp_path: Path, steps: list[Step]) -> list[Path | None]:
    folder = tmp_path / "files"
    folder.mkdir(parents=True)
    return [
        None if step.sql else _write_step_file(folder, index, step)
        for index, step in enumerate(steps)
    ]


def _both_ways(
    tmp_path: Path, steps: list[Step], monkeypatch: pytest.MonkeyPatch
) -> tuple[Outcome, Outcome]:
    files = _step_files(tmp_path, steps)
    monkeypatch.setattr(importing, "MERGE_OPEN_FILE_IN_BATCHES", False)
    records = _run(tmp_path / "records", steps, files, monkeypatch)
    monkeypatch.setattr(importing, "MERGE_OPEN_FILE_IN_BATCHES", True)
    batches = _run(tmp_path / "batches", steps, files, monkeypatch)
    return records, batches


def _assert_same(records: Outcome, batches: Outcome) -> None:
    assert batches.reports == records.reports
    assert batches.tables.keys() == records.tables.keys()
    for name, rows in records.tables.items():
        assert batches.tables[name] == rows, name


A, B = _file_a(), _file_b()
ONE_MUNICIPALITY = {"municipalities": frozenset({"091"})}
SCENARIOS: dict[str, list[Step]] = {
    "changes": [Step(A), Step(B)],
    "present again": [Step(A), Step(B), Step(_file_a("20250601"))],
    "same date again": [Step(A), Step(_file_a()[:-1])],
    "older file": [Step(A), Step(_file_b("20230101"))],
    "filtered": [
        Step(A),
        Step(B, ONE_MUNICIPALITY),
        Step(_file_a("20250601")[2:], ONE_MUNICIPALITY),
    ],
    "second municipality": [
        Step(A, ONE_MUNICIPALITY),
        Step(B, {"municipalities": frozenset({"049"})}),
        Step(B, ONE_MUNICIPALITY),
    ],
    "row problems": [Step(A), Step(_with_problems(B))],
    "cells not read": [Step(A), Step(_with_cells_not_read(_file_a("20250101")))],
    "rows not read": [Step(A), Step(_with_rows_not_read(_file_a("20250101")))],
    "cut last row": [Step(A), Step(B, cut=True)],
    "other source": [
        Step(extract=True),
        Step([*_rows(1, prt=str(sample_buildings()[0].prt)), *A]),
        Step(
            [
                *_rows(1, prt=str(sample_buildings()[0].prt), street_name_fi="Uusi katu"),
                *_rows(2, prt=str(sample_buildings()[1].prt)),
                *B,
            ]
        ),
    ],
    "owner rows of the source": [
        Step(A),
        Step(
            sql="INSERT INTO building_owner (building_id, source, is_person) "
            "VALUES (2, 'dvv_open', 0), (9, 'dvv_open', 1), (3, 'other', 0)"
        ),
        Step(B),
    ],
    "last building's addresses first": [
        Step(A),
        Step(
            [
                *_file_a("20250101")[:-1],
                *_rows(12, municipality="049", addresses=2, extraction_date="20250101"),
            ]
        ),
    ],
}


@pytest.mark.parametrize("batch_size", [3, 5_000])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_batch_merge_matches_record_merger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str, batch_size: int
) -> None:
    monkeypatch.setattr(open_read, "BATCH_SIZE", batch_size)
    records, batches = _both_ways(tmp_path, SCENARIOS[scenario], monkeypatch)
    _assert_same(records, batches)


def test_scenario_counts_and_history_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _records, batches = _both_ways(tmp_path, SCENARIOS["present again"], monkeypatch)
    counts = [report[0]["counts"] for report in batches.reports]
    assert [c["added"] for c in counts] == [12, 1, 0]
    assert [c["updated"] for c in counts] == [0, 9, 10]
    # Building 11's coordinates in B lie outside Finland: not read, so its stored ones stay.
    assert [c["unchanged"] for c in counts] == [0, 2, 2]
    assert [c["no_longer_present"] for c in counts] == [0, 1, 1]
    assert [c["present_again"] for c in counts] == [0, 0, 1]
    fields = {row[2] for row in batches.tables["change_history"]}
    assert fields == {*VALUE_COLUMNS, "addresses", "present_in_source"}


def _batch_merged(
    tmp_path: Path, scenario: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Outcome, Path]:
    """Run ``scenario`` with the batch merge and return its outcome and database."""
    steps = SCENARIOS[scenario]
    outcome = _run(tmp_path / "batches", steps, _step_files(tmp_path, steps), monkeypatch)
    return outcome, tmp_path / "batches" / "db.sqlite"


def test_cells_not_read_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome, db = _batch_merged(tmp_path, "cells not read", monkeypatch)
    query = f"SELECT {', '.join(VALUE_COLUMNS)} FROM register_value ORDER BY building_id"
    first = tmp_path / "first.sqlite"
    import_files(first, [write_opt(tmp_path / "a.OPT", A)], ImportOptions())

    with closing(sqlite3.connect(db)) as damaged, closing(sqlite3.connect(first)) as stored:
        assert damaged.execute(query).fetchall() == stored.execute(query).fetchall()
        # Addresses are replaced as a whole, so building 5's is stored without its code.
        history = damaged.execute("SELECT building_id, field FROM change_history").fetchall()
        assert history == [(5, "addresses")]
    kinds = {kind for _row, kind, _column, _value in outcome.reports[-1][0]["problems"]}
    assert kinds == {"invalid_value", "invalid_number", "coordinates_outside_finland"}
    assert outcome.reports[-1][0]["counts"]["unchanged"] == 11


def test_rows_not_read_keep_addresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome, db = _batch_merged(tmp_path, "rows not read", monkeypatch)
    query = (
        "SELECT permanent_building_identifier, address_number, street_name_fi "
        "FROM building_address JOIN building ON building.id = building_id "
        "WHERE permanent_building_identifier IN (?, ?, ?) ORDER BY building_id, address_number"
    )

    with closing(sqlite3.connect(db)) as connection:
        addresses = connection.execute(query, [valid_prt(n) for n in (7, 8, 14)]).fetchall()
        history = connection.execute("SELECT building_id, field FROM change_history").fetchall()
    assert addresses == [
        (valid_prt(7), 1, STREETS[0]),
        (valid_prt(7), 2, STREETS[1]),
        (valid_prt(8), 1, STREETS[0]),
        (valid_prt(8), 2, STREETS[1]),
        (valid_prt(14), 1, STREETS[0]),
    ]
    assert history == []
    counts = outcome.reports[-1][0]["counts"]
    assert (counts["added"], counts["updated"], counts["unchanged"]) == (1, 0, 12)


def _last_report(tmp_path: Path, scenario: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    steps = SCENARIOS[scenario]
    outcome = _run(tmp_path / "batches", steps, _step_files(tmp_path, steps), monkeypatch)
    return outcome.reports[-1][0]


def test_problem_scenarios_reach_their_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    problems = _last_report(tmp_path / "problems", "row problems", monkeypatch)["problems"]
    kinds = {kind for _row, kind, _column, _value in problems}
    assert kinds == {
        "malformed_identifier",
        "wrong_column_count",
        "duplicate_row",
        "unknown_municipality",
        "check_character_failed",
        "non_consecutive_rows",
        "coordinates_outside_finland",
    }
    cut = _last_report(tmp_path / "cut", "cut last row", monkeypatch)
    assert "cut_last_row" in {kind for _row, kind, _column, _value in cut["problems"]}
    assert cut["counts"]["no_longer_present"] == 0
    older = _last_report(tmp_path / "older", "older file", monkeypatch)["counts"]
    assert older["older_than_stored"] == 11
    assert older["added"] == 1


def test_synthetic_reimport_matches_record_merger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = list(synthetic_rows(4_000, seed=11))
    second = _newer_synthetic(first)
    records, batches = _both_ways(tmp_path, [Step(first), Step(second)], monkeypatch)
    _assert_same(records, batches)
    counts = batches.reports[1][0]["counts"]
    assert counts["added"] > 0
    assert counts["updated"] > 0
    assert counts["no_longer_present"] > 0


def _newer_synthetic(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Return a newer file: every 7th building removed, every 5th moved, every 11th with a
    new street on its first address, and new buildings of another synthetic file."""
    identifiers = sorted({row[0] for row in rows})
    removed = set(identifiers[::7])
    moved = set(identifiers[::5])
    renamed = set(identifiers[::11])
    newer = []
    for row in rows:
        if row[0] in removed:
            continue
        cells = list(row)
        cells[15] = "20250101"
        if row[0] in moved:
            cells[4] = str(int(cells[4]) + 10)
        if row[0] in renamed and cells[6] == "1":
            cells[7] = "Uusitie"
        newer.append(tuple(cells))
    existing = set(identifiers)
    added = [
        row
        for row in synthetic_rows(600, seed=12, extraction_date="20250101")
        if row[0] not in existing
    ]
    return newer + added


def test_counts_after_reimport_match_file(tmp_path: Path) -> None:
    first = list(synthetic_rows(3_000, seed=21))
    second = _newer_synthetic(first)
    db = tmp_path / "n.sqlite"
    import_files(db, [write_opt(tmp_path / "a.OPT", first)], ImportOptions())
    imported = import_files(db, [write_opt(tmp_path / "b.OPT", second)], ImportOptions())
    report = imported.files[0].counts()

    in_first = _rows_by_building(first)
    in_second = _rows_by_building(second)
    covered = {rows[0][1] for rows in in_second.values()}
    absent = {
        prt for prt, rows in in_first.items() if prt not in in_second and rows[0][1] in covered
    }
    # Buildings missing from the newer file keep their addresses, the others get its ones.
    addresses = sum(len(rows) for rows in in_second.values()) + sum(
        len(rows) for prt, rows in in_first.items() if prt not in in_second
    )
    assert report["buildings_in_file"] == len(in_second)
    assert report["added"] == len(in_second.keys() - in_first.keys())
    assert report["updated"] + report["unchanged"] == len(in_second.keys() & in_first.keys())
    assert len(absent) > 0
    assert report["no_longer_present"] == len(absent)
    assert report["addresses"] == len(second)
    with closing(sqlite3.connect(db)) as connection:
        assert _count(connection, "building") == len(in_first.keys() | in_second.keys())
        assert _count(connection, "building_address") == addresses
        assert _count(connection, "register_value WHERE is_present = 0") == len(absent)


def _rows_by_building(rows: list[tuple[str, ...]]) -> dict[str, list[tuple[str, ...]]]:
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _count(connection: sqlite3.Connection, table: str) -> int:
    return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_cancel_midway_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(open_read, "BATCH_SIZE", 500)
    db = tmp_path / "cancel.sqlite"
    import_files(
        db, [write_opt(tmp_path / "a.OPT", synthetic_rows(3_000, seed=31))], ImportOptions()
    )
    before = db.read_bytes()
    newer = _newer_synthetic(list(synthetic_rows(3_000, seed=31)))
    seen: list[int] = []

    def cancelled() -> bool:
        return len(seen) >= 2

    with pytest.raises(ImportCancelled):
        import_files(
            db,
            [write_opt(tmp_path / "b.OPT", newer)],
            ImportOptions(),
            progress=lambda _name, count: seen.append(count),
            is_cancelled=cancelled,
        )
    assert seen == [500, 1_000]
    assert db.read_bytes() == before


def test_reimport_skips_record_merger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "n.sqlite"
    import_files(db, [write_opt(tmp_path / "a.OPT", A)], ImportOptions())

    def no_record_merger(*args: object) -> None:
        raise AssertionError("the open file was merged record by record")

    monkeypatch.setattr(importing, "RecordMerger", no_record_merger)
    report = import_files(db, [write_opt(tmp_path / "b.OPT", B)], ImportOptions())
    assert report.files[0].counts()["updated"] == 9


def test_value_columns_follow_building_record() -> None:
    compact = (1, valid_prt(1), "091", "1", 6_670_000_000, 380_000_000, None, "00100", ())
    record = building_record(compact)
    assert tuple(record.values) == VALUE_COLUMNS
    assert list(record.values.values())[0:2] == list(compact[2:4])
