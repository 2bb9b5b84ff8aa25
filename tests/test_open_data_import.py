"""Import of national open data: the DVV open address file and Ryhti, alone and together."""

from __future__ import annotations

import datetime
import json
import logging
import multiprocessing
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

import tilaapp.services.importing as importing
import tilaapp.services.merge as merge
import tilaapp.services.open_early as open_early
import tilaapp.services.open_load as open_load
import tilaapp.services.open_read as open_read
import tilaapp.storage.database as database_module
from devtools.dvv_workbook import Building, sample_buildings, write_extract
from devtools.opt_file import (
    OptRow,
    synthetic_rows,
    valid_prt,
    write_opt,
    write_opt_7z,
    write_opt_zip,
)
from devtools.ryhti_geojson import (
    address_properties,
    building_properties,
    feature,
    feature_collection,
    write_collection,
)
from tilaapp.cli.main import main
from tilaapp.services.importing import FileReport, ImportOptions, ImportRejected, import_files
from tilaapp.services.open_read import SqlRows
from tilaapp.services.reference import read_reference
from tilaapp.sources.dvv_open import FlatBuildings
from tilaapp.storage.database import ForeignKeyCheckFailed, open_database
from tilaapp.storage.models import ImportBatch

DAY = datetime.date(2026, 9, 30)


def _import(db: Path, *paths: Path, **options: Any) -> Any:
    options.setdefault("extraction_date", DAY)
    return import_files(db, list(paths), ImportOptions(**options))


def _table_counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as connection:
        buildings = connection.execute("SELECT count(*) FROM building").fetchone()[0]
        addresses = connection.execute("SELECT count(*) FROM building_address").fetchone()[0]
    return buildings, addresses


def _expected_counts(path: Path, municipality: str | None = None) -> tuple[int, int]:
    """Count buildings and addresses of an open file independently of tilaapp's reader."""
    identifiers: set[str] = set()
    rows = 0
    for line in path.read_text(encoding="iso-8859-1").splitlines():
        cells = line.split(";")
        if municipality is not None and cells[1] != municipality:
            continue
        identifiers.add(cells[0])
        rows += 1
    return len(identifiers), rows


@pytest.fixture
def open_file(tmp_path: Path) -> Path:
    return write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", synthetic_rows(3_000, seed=7))


def _show(capsys: pytest.CaptureFixture[str], db: Path, reference: str) -> dict[str, Any]:
    status = main(["show", reference, "--db", str(db), "--json"])
    out = capsys.readouterr().out
    assert status == 0
    return json.loads(out)


def test_open_file_counts_match_file(tmp_path: Path, open_file: Path) -> None:
    db = tmp_path / "national.sqlite"
    report = _import(db, open_file).files[0]
    buildings, addresses = _expected_counts(open_file)
    assert report.counts()["added"] == buildings
    assert report.counts()["addresses"] == addresses
    assert _table_counts(db) == (buildings, addresses)


@pytest.mark.parametrize("readers", [1, 2])
def test_reader_processes_give_same_tables(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch, readers: int
) -> None:
    in_process = tmp_path / "one.sqlite"
    _import(in_process, open_file)
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    monkeypatch.setattr(open_load, "reader_processes", lambda: readers)
    processes = tmp_path / "two.sqlite"
    _import(processes, open_file)

    with sqlite3.connect(in_process) as one, sqlite3.connect(processes) as two:
        assert one.execute(_ROWS_QUERY).fetchall() == two.execute(_ROWS_QUERY).fetchall()


_ROWS_QUERY = (
    "SELECT b.id, b.permanent_building_identifier, r.municipality_number, "
    "r.coordinate_north, r.coordinate_east, r.property_identifier, r.postal_code, "
    "(SELECT group_concat(a.address_number || ':' || ifnull(a.street_name_fi, ''), '|') "
    "FROM building_address a WHERE a.building_id = b.id) "
    "FROM building b JOIN register_value r ON r.building_id = b.id ORDER BY b.id"
)


def test_hand_off_conflict_loads_again(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = tmp_path / "plain.sqlite"
    expected = _import(plain, open_file).files[0].counts()
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    load = open_load.load_in_processes
    hand_offs: list[bool] = []

    def conflicting(path: Path, loader: open_load.CompactLoader, **options: Any) -> Any:
        # A conflict is found after everything has been written, and rolled back.
        hand_offs.append(options.get("hand_off", False))
        summary = load(path, loader, **options)
        if options.get("hand_off"):
            raise open_load.HandOffConflict()
        return summary

    monkeypatch.setattr(importing, "load_in_processes", conflicting)
    loaded = tmp_path / "again.sqlite"
    assert _import(loaded, open_file).files[0].counts() == expected
    assert hand_offs == [True, False]
    with sqlite3.connect(plain) as one, sqlite3.connect(loaded) as two:
        assert one.execute(_ROWS_QUERY).fetchall() == two.execute(_ROWS_QUERY).fetchall()


def _started_early(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    monkeypatch.setattr(open_early, "PROCESS_READ_MIN_BYTES", 0)
    monkeypatch.setattr(open_early, "reader_processes", lambda: 1)
    monkeypatch.setattr(open_load, "reader_processes", lambda: 1)


def test_early_readers_load_file(
    tmp_path: Path,
    open_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    plain = tmp_path / "plain.sqlite"
    expected = _import(plain, open_file).files[0].counts()
    _started_early(monkeypatch)
    early = tmp_path / "early.sqlite"
    arguments = ["import", str(open_file), "--db", str(early), "--json"]

    with caplog.at_level(logging.INFO, logger="tilaapp.services"):
        assert main([*arguments, "--extraction-date", DAY.isoformat()]) == 0

    assert "Started 1 reader processes early" in caplog.text
    assert "with the reader processes started early" in caplog.text
    assert multiprocessing.active_children() == []
    with sqlite3.connect(plain) as one, sqlite3.connect(early) as two:
        assert one.execute(_ROWS_QUERY).fetchall() == two.execute(_ROWS_QUERY).fetchall()
    with sqlite3.connect(early) as connection:
        (counts,) = connection.execute("SELECT counts_json FROM import_batch").fetchone()
    assert json.loads(counts) == expected


def test_early_readers_unused_stopped(
    tmp_path: Path,
    open_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The database has buildings, so the load looks them up and needs other readers.
    db = tmp_path / "stored.sqlite"
    _import(db, write_extract(tmp_path / "x.xlsx", sample_buildings()))
    _started_early(monkeypatch)
    open_early._started = open_early.ReaderProcesses.start(open_file, 0, 1, hand_off=True)

    with caplog.at_level(logging.INFO, logger="tilaapp.services"):
        _import(db, open_file)

    assert "are not used" in caplog.text
    assert open_early._started is None
    assert multiprocessing.active_children() == []
    assert _table_counts(db)[0] == len(sample_buildings()) + _expected_counts(open_file)[0]


@pytest.mark.parametrize("arguments", [["--municipality", "091"], ["other.OPT"]])
def test_no_early_readers_other_imports(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch, arguments: list[str]
) -> None:
    _started_early(monkeypatch)
    started: list[Path] = []
    monkeypatch.setattr(open_early, "start_early", lambda path, db: started.append(path))
    other = write_opt(tmp_path / "other.OPT", synthetic_rows(10, seed=3))
    arguments = [str(other) if argument == "other.OPT" else argument for argument in arguments]
    db = tmp_path / "db.sqlite"
    assert main(["import", str(open_file), *arguments, "--db", str(db), "--json"]) == 0
    assert started == []


def test_early_start_conditions(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _started_early(monkeypatch)
    db = tmp_path / "stored.sqlite"
    _import(db, write_extract(tmp_path / "x.xlsx", sample_buildings()))
    not_a_database = tmp_path / "text.sqlite"
    not_a_database.write_text("not a database")
    small = write_opt(tmp_path / "small.OPT", synthetic_rows(10, seed=3))
    monkeypatch.setattr(open_early, "PROCESS_READ_MIN_BYTES", small.stat().st_size + 1)
    try:
        open_early.start_early(open_file, db)
        assert open_early._started is None
        open_early.start_early(open_file, not_a_database)
        assert open_early._started is None
        open_early.start_early(small, tmp_path / "new.sqlite")
        assert open_early._started is None
        open_early.start_early(open_file, tmp_path / "new.sqlite")
        assert open_early._started is not None
    finally:
        open_early.stop_early()
    assert multiprocessing.active_children() == []


def test_constraint_error_after_hand_off() -> None:
    class Loader:
        def write_rows(self, rows: object) -> None:
            raise sqlite3.IntegrityError("UNIQUE constraint failed")

    class Chunks:
        used = True

    writer = open_load._Writer(Loader(), Chunks(), None)  # type: ignore[arg-type]
    with pytest.raises(open_load.HandOffConflict):
        writer.write("rows", SqlRows(FlatBuildings(), []).packed())
    Chunks.used = False
    with pytest.raises(sqlite3.IntegrityError):
        writer.write("rows", SqlRows(FlatBuildings(), []).packed())


def test_reader_processes_with_stored_buildings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = sample_buildings()
    extract = write_extract(tmp_path / "x.xlsx", stored)
    # The first building of the extract is in the open file too, so it is looked up.
    rows = [OptRow(prt=str(stored[0].prt)).cells(), *synthetic_rows(3_000, seed=7)]
    open_file = write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", rows)
    in_process = tmp_path / "one.sqlite"
    _import(in_process, extract)
    assert _import(in_process, open_file).files[0].counts()["updated"] == 1
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    processes = tmp_path / "two.sqlite"
    _import(processes, extract)
    assert _import(processes, open_file).files[0].counts()["updated"] == 1

    query = (
        "SELECT r.building_id, r.source, r.municipality_number, r.coordinate_north, "
        "(SELECT count(*) FROM building_address a WHERE a.building_id = r.building_id) "
        "FROM register_value r ORDER BY r.building_id, r.source"
    )
    with sqlite3.connect(in_process) as one, sqlite3.connect(processes) as two:
        assert one.execute(query).fetchall() == two.execute(query).fetchall()


def test_filtered_open_file_counts(tmp_path: Path, open_file: Path) -> None:
    db = tmp_path / "municipality.sqlite"
    _import(db, open_file, municipalities=frozenset({"091"}))
    assert _table_counts(db) == _expected_counts(open_file, "091")


def test_open_file_inside_zip(tmp_path: Path, open_file: Path) -> None:
    rows = open_file.read_text(encoding="iso-8859-1").splitlines()
    archive = write_opt_zip(tmp_path / "osoitteet.zip", rows)
    db = tmp_path / "zip.sqlite"
    _import(db, archive)
    assert _table_counts(db) == _expected_counts(open_file)


def test_open_file_values_exact(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prt = valid_prt(4242)
    rows = [
        OptRow(prt=prt, municipality="049", north="6675012", east="375019",
               street_name_fi="Åkerbyntie", house_number="3 B", postal_code="02100",
               property_identifier="04900100020003").cells(),
        OptRow(prt=prt, municipality="049", address_number="2", street_name_fi="Östra tie",
               street_name_sv="Östra vägen", postal_code="02100",
               property_identifier="04900100020003").cells(),
    ]  # fmt: skip
    db = tmp_path / "exact.sqlite"
    _import(db, write_opt(tmp_path / "two.OPT", rows))
    details = _show(capsys, db, prt)
    fields = details["fields"]
    assert fields["municipality_number"]["in_use"] == {"value": "049", "origin": "dvv_open"}
    assert fields["coordinate_north"]["in_use"]["value"] == "6675012"
    assert fields["coordinate_east"]["in_use"]["value"] == "375019"
    assert fields["property_identifier"]["in_use"]["value"] == "04900100020003"
    assert fields["open_use_class"]["in_use"]["value"] == "1"
    assert fields["gross_floor_area"]["register"]["dvv_open"]["extraction_date"] == "2024-03-15"
    assert [(a["address_number"], a["street_name_fi"], a["house_number"]) for a in
            details["addresses"]] == [(1, "Åkerbyntie", "3 B"), (2, "Östra tie", "1")]  # fmt: skip


def test_extraction_date_from_open_file(tmp_path: Path, open_file: Path) -> None:
    report = import_files(tmp_path / "d.sqlite", [open_file], ImportOptions()).files[0]
    assert report.extraction_date == datetime.date(2024, 3, 15)
    assert report.extraction_date_origin == "file"


def test_region_file_never_marks_others_absent(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    whole = [OptRow(prt=valid_prt(n), municipality=m).cells()
             for n, m in ((1, "091"), (2, "091"), (3, "049"))]  # fmt: skip
    _import(db, write_opt(tmp_path / "whole.OPT", whole))
    region = [OptRow(prt=valid_prt(3), municipality="049", extraction_date="20250101").cells()]
    report = _import(db, write_opt(tmp_path / "region.OPT", region)).files[0]
    assert report.counts()["no_longer_present"] == 0
    assert report.counts()["unchanged"] == 1


def test_newer_open_file_marks_absence_in_its_municipalities(tmp_path: Path) -> None:
    db = tmp_path / "n.sqlite"
    first = [OptRow(prt=valid_prt(n), municipality="091").cells() for n in (1, 2, 3)]
    _import(db, write_opt(tmp_path / "first.OPT", first))
    second = [OptRow(prt=valid_prt(n), municipality="091", extraction_date="20250101").cells()
              for n in (1, 2)]  # fmt: skip
    report = _import(db, write_opt(tmp_path / "second.OPT", second)).files[0]
    assert report.counts()["no_longer_present"] == 1


# ---------------------------------------------------------------- Ryhti and several sources


def _ryhti_files(
    folder: Path, prt: str, area: str, *, page: dict[str, object] | None = None
) -> list[Path]:
    buildings = feature_collection(
        [feature(building_properties(prt, "k1", gross_floor_area=area, municipality_number="398"),
                 (25.66, 60.98))],
        members_after=page,
    )  # fmt: skip
    addresses = feature_collection(
        [feature(address_properties("k1", "a1", "Koekatu 1", postal_code="15100",
                                    postal_office_fin="LAHTI"))]
    )  # fmt: skip
    return [
        write_collection(folder / "open_building.json", buildings),
        write_collection(folder / "open_address.json", addresses),
    ]


def test_problems_name_their_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buildings = feature_collection(
        [feature(building_properties(valid_prt(1), "k1", gross_floor_area="x"), (25.66, 60.98))]
    )
    addresses = feature_collection(
        [feature(address_properties("k1", "a1", "Koekatu 1", postal_code="1510A"))]
    )
    paths = [
        write_collection(tmp_path / "open_building.json", buildings),
        write_collection(tmp_path / "open_address.json", addresses),
    ]

    main(["--lang", "en", "import", *map(str, paths), "--db", str(tmp_path / "r.sqlite")])

    output = capsys.readouterr().out
    assert "error: file open_building.json, feature 1, column gross_floor_area" in output
    assert "error: file open_address.json, feature 1, column postal_code" in output


def test_sources_combine_and_disagree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school = sample_buildings()[0]
    db = tmp_path / "combined.sqlite"
    _import(db, write_extract(tmp_path / "extract.xlsx", [school]),
            extraction_date=datetime.date(2025, 1, 1))  # fmt: skip
    folder = tmp_path / "ryhti"
    folder.mkdir()
    _import(db, *_ryhti_files(folder, str(school.prt), "2500"),
            extraction_date=datetime.date(2026, 6, 1))  # fmt: skip

    details = _show(capsys, db, str(school.prt))
    area = details["fields"]["gross_floor_area"]
    assert {source["source"] for source in details["sources"]} == {"dvv_extract", "ryhti"}
    assert area["register"]["dvv_extract"]["value"] == "2450"
    assert area["register"]["ryhti"]["value"] == "2500"
    assert area["in_use"] == {"value": "2500", "origin": "ryhti"}
    assert area["sources_disagree"] is True
    assert _table_counts(db)[0] == 1


def test_equal_dates_prefer_dvv_extract(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    school = sample_buildings()[0]
    db = tmp_path / "tie.sqlite"
    _import(db, write_extract(tmp_path / "extract.xlsx", [school]))
    folder = tmp_path / "ryhti"
    folder.mkdir()
    _import(db, *_ryhti_files(folder, str(school.prt), "2500"))
    area = _show(capsys, db, str(school.prt))["fields"]["gross_floor_area"]
    assert area["in_use"] == {"value": "2450", "origin": "dvv_extract"}


def test_ryhti_single_page_never_marks_absence(tmp_path: Path) -> None:
    db = tmp_path / "pages.sqlite"
    first = tmp_path / "first"
    first.mkdir()
    _import(db, *_ryhti_files(first, valid_prt(11), "100"))
    other = tmp_path / "other"
    other.mkdir()
    page = {"numberMatched": 500, "numberReturned": 1}
    report = _import(db, *_ryhti_files(other, valid_prt(12), "100", page=page),
                     extraction_date=datetime.date(2026, 10, 1)).files[0]  # fmt: skip
    assert report.counts()["no_longer_present"] == 0


# ---------------------------------------------------------------- detection and bad input


def test_unsupported_file_lists_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "muistio.txt"
    text.write_text("Tämä on muistio, ei rekisteriaineisto.\n", encoding="utf-8")
    status = main(["import", str(text), "--db", str(tmp_path / "x.sqlite"), "--lang", "en"])
    err = capsys.readouterr().err
    assert status == 1
    assert "muistio.txt" in err
    assert "DVV open address file" in err
    assert "Ryhti" in err
    assert not (tmp_path / "x.sqlite").exists()


def test_extension_does_not_decide_format(tmp_path: Path, open_file: Path) -> None:
    renamed = tmp_path / "rakennukset.xlsx"
    renamed.write_bytes(open_file.read_bytes())
    db = tmp_path / "renamed.sqlite"
    _import(db, renamed)
    assert _table_counts(db) == _expected_counts(open_file)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.OPT", b""),
        ("binary.OPT", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))),
        ("truncated.json", b'{"type": "FeatureCollection", "features": [{"type": "Feat'),
    ],
)
def test_rejected_open_data_leaves_database_unchanged(
    tmp_path: Path, open_file: Path, name: str, content: bytes
) -> None:
    db = tmp_path / "keep.sqlite"
    _import(db, write_extract(tmp_path / "x.xlsx", sample_buildings()))
    before = db.read_bytes()
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(ImportRejected):
        _import(db, open_file, bad)
    assert db.read_bytes() == before


def test_row_problems_listed_with_line_and_column(tmp_path: Path) -> None:
    rows = [
        OptRow(prt=valid_prt(1)).cells(),
        OptRow(prt="12345", municipality="091").cells(),
        OptRow(prt=valid_prt(3), municipality="999").cells(),
        OptRow(prt=valid_prt(4), north="1000").cells(),
        ";".join(OptRow(prt=valid_prt(5)).cells()[:10]),
    ]
    report = _import(tmp_path / "p.sqlite", write_opt(tmp_path / "bad.OPT", rows)).files[0]
    found = {(p.row, p.kind.value) for p in report.problems}
    assert (2, "malformed_identifier") in found
    assert (3, "unknown_municipality") in found
    assert (4, "coordinates_outside_finland") in found
    assert (5, "wrong_column_count") in found
    assert all(p.column for p in report.problems if p.row in (2, 3, 4))


@pytest.mark.parametrize("first_load", [True, False])
def test_reimport_quoted_postal_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first_load: bool
) -> None:
    # The second import is a bulk load into an empty source, or a merge over a good value.
    prt = valid_prt(7)
    db = tmp_path / "quotes.sqlite"
    if not first_load:
        good = write_opt(tmp_path / "Suomi_osoitteet_2024-03-15.OPT", [OptRow(prt=prt).cells()])
        _import(db, good)
    quoted = OptRow(prt=prt, postal_code='"00100', extraction_date="20240615").cells()
    report = _import(db, write_opt(tmp_path / "Suomi_osoitteet_2024-06-15.OPT", [quoted]))
    problem = report.files[0].problems[0]
    assert len(report.files[0].problems) == 1
    assert (problem.row, problem.column, problem.value) == (1, "11 Postinumero", '"00100')
    assert (problem.kind.value, problem.severity.value) == ("quote_removed", "warning")
    details = _show(capsys, db, prt)
    assert details["fields"]["postal_code"]["in_use"]["value"] == "00100"
    assert details["addresses"][0]["postal_code"] == "00100"


# ---------------------------------------------------------------- reference build


def test_reference_build_counts(tmp_path: Path, open_file: Path) -> None:
    out = tmp_path / "reference.json"
    status = main(["reference", "build", str(open_file), "--out", str(out)])
    data = read_reference(out)
    figures = {
        (f.indicator, f.municipality, f.class_code): f.value
        for f in data.figures
        if f.completion_decade is None
    }
    buildings, addresses = _expected_counts(open_file)
    buildings_091, addresses_091 = _expected_counts(open_file, "091")
    assert status == 0
    assert figures[("building_count", "national", None)] == buildings
    assert figures[("address_count", "national", None)] == addresses
    assert figures[("building_count", "091", None)] == buildings_091
    assert figures[("address_count", "091", None)] == addresses_091
    assert {f.basis for f in data.figures} == {"all_buildings"}
    assert not (tmp_path / "reference.sqlite").exists()


def test_reference_build_from_ryhti(tmp_path: Path) -> None:
    folder = tmp_path / "ryhti"
    folder.mkdir()
    paths = _ryhti_files(folder, valid_prt(21), "1450.5")
    out = tmp_path / "reference.json"
    assert main(["reference", "build", *map(str, paths), "--out", str(out)]) == 0
    figures = {
        (f.indicator, f.municipality, f.class_code, f.completion_decade): f.value
        for f in read_reference(out).figures
    }
    assert str(figures[("gross_floor_area", "398", None, None)]) == "1450.5"
    assert figures[("building_count", "398", "06", None)] == 1
    assert figures[("building_count", "398", None, 1970)] == 1


def test_reference_build_rejects_extract(tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "x.xlsx", [Building(prt=valid_prt(1))])
    out = tmp_path / "reference.json"
    assert main(["reference", "build", str(extract), "--out", str(out)]) == 1
    assert not out.exists()


def test_reimport_over_several_batches(tmp_path: Path) -> None:
    rows = list(synthetic_rows(5_000, seed=3))
    db = tmp_path / "batches.sqlite"
    _import(db, write_opt(tmp_path / "first.OPT", rows))
    buildings, _addresses = _expected_counts(tmp_path / "first.OPT")

    # The newer file drops every building of municipality 091 and moves one date on.
    newer_rows = [(*row[:15], "20250101") for row in rows if row[1] != "091"]
    newer = write_opt(tmp_path / "newer.OPT", newer_rows)
    remaining, _ = _expected_counts(newer)
    report = _import(db, newer).files[0]
    counts = report.counts()
    assert buildings > 2_000
    assert counts["unchanged"] == remaining
    assert counts["added"] == 0
    # A whole-file batch judges only the municipalities it contains, so the buildings
    # of 091 stay present.
    assert counts["no_longer_present"] == 0
    assert _table_counts(db)[0] == buildings


def test_absence_marked_over_several_batches(tmp_path: Path) -> None:
    rows = [row for row in synthetic_rows(6_000, seed=5) if row[1] != "091"]
    keep = {row[0] for row in rows[::2]}
    db = tmp_path / "absent.sqlite"
    first = write_opt(tmp_path / "first.OPT", rows)
    buildings, _ = _expected_counts(first)
    _import(db, first)

    newer_rows = [(*row[:15], "20250101") for row in rows if row[0] in keep]
    newer = write_opt(tmp_path / "newer.OPT", newer_rows)
    # Only municipalities that the newer whole file contains are judged.
    covered = {row[1] for row in newer_rows}
    absent_identifiers = {row[0] for row in rows if row[0] not in keep and row[1] in covered}
    counts = _import(db, newer).files[0].counts()
    with sqlite3.connect(db) as connection:
        absent = connection.execute(
            "SELECT count(*) FROM register_value WHERE is_present = 0"
        ).fetchone()[0]
        history = connection.execute(
            "SELECT count(*) FROM change_history WHERE field = 'present_in_source'"
        ).fetchone()[0]
    assert len(absent_identifiers) > 2_000
    assert buildings > len(absent_identifiers)
    assert counts["no_longer_present"] == len(absent_identifiers)
    assert absent == len(absent_identifiers)
    assert history == len(absent_identifiers)


def test_cancel_with_reader_processes(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    db = tmp_path / "cancel.sqlite"
    _import(db, write_extract(tmp_path / "x.xlsx", sample_buildings()))
    before = db.read_bytes()
    with pytest.raises(importing.ImportCancelled):
        import_files(db, [open_file], ImportOptions(extraction_date=DAY), is_cancelled=lambda: True)
    assert db.read_bytes() == before


def _add_stray_address_when_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have the bulk loader write an address of a building that does not exist."""
    finish = open_load.CompactLoader.finish

    def finish_with_stray_address(loader: open_load.CompactLoader) -> None:
        # The bulk load runs without foreign key enforcement, so only the check finds this.
        loader.cursor.execute(
            "INSERT INTO building_address (building_id, source) VALUES (987654321, 'dvv_open')"
        )
        finish(loader)

    monkeypatch.setattr(open_load.CompactLoader, "finish", finish_with_stray_address)


def test_bulk_load_missing_reference_rolls_back(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    db = tmp_path / "check.sqlite"
    _import(db, write_extract(tmp_path / "x.xlsx", sample_buildings()))
    before = db.read_bytes()
    _add_stray_address_when_loaded(monkeypatch)
    with pytest.raises(ForeignKeyCheckFailed):
        _import(db, open_file)
    assert db.read_bytes() == before


def test_bulk_load_checks_own_rows(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    skipped: list[list[str]] = []
    tables_checked_by_writer = database_module._tables_checked_by_writer

    def spy(session: Any) -> list[str]:
        skipped.append(tables_checked_by_writer(session))
        return skipped[-1]

    monkeypatch.setattr(database_module, "_tables_checked_by_writer", spy)
    db = tmp_path / "own.sqlite"
    _import(db, open_file)

    assert skipped == [["building_address", "register_value"]]
    assert _table_counts(db) == _expected_counts(open_file)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


def test_bulk_load_checks_stray_row(
    tmp_path: Path, open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    _add_stray_address_when_loaded(monkeypatch)
    db = tmp_path / "stray.sqlite"
    with pytest.raises(ForeignKeyCheckFailed) as failure:
        _import(db, open_file)
    assert failure.value.tables == ["building_address"]
    assert not db.exists()


def test_loader_rows_outside_batch(tmp_path: Path) -> None:
    database = open_database(tmp_path / "outside.sqlite")
    now = datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC)
    names = {"file_name": "f.OPT", "sha256": "0" * 64, "source": "dvv_open", "scope": "all",
             "extraction_date": DAY, "extraction_date_origin": "file"}  # fmt: skip
    report = FileReport(path=tmp_path / "f.OPT", **names)
    with pytest.raises(ForeignKeyCheckFailed) as failure, database.bulk_session() as session:
        batch = ImportBatch(**names, imported_at=now, os_user="test")
        session.add(batch)
        session.flush()
        loader = open_load.CompactLoader(session, batch, report, now)
        # The values and the address refer to building 6, which the batch does not contain.
        flat = FlatBuildings(
            [5, "100000217E"],
            [6, "091", "01", 6712346000, 392472000, None, "60100"],
            [6, 1, "Katu", None, "1", "60100"],
        )
        loader.write_rows(SqlRows(flat, []))
        loader.finish()
    assert failure.value.tables == ["building_address", "register_value"]
    database.close()


def test_cut_file_marks_nothing_gone(tmp_path: Path, open_file: Path) -> None:
    db = tmp_path / "cut.sqlite"
    _import(db, open_file)
    data = open_file.read_bytes()
    cut = tmp_path / "Suomi_osoitteet_2026-12-31.OPT"
    cut.write_bytes(data[: len(data) // 2 + 7])
    report = _import(db, cut).files[0]
    assert report.counts()["no_longer_present"] == 0
    assert "cut_last_row" in [problem.kind.value for problem in report.problems]
    whole = tmp_path / "Suomi_osoitteet_2027-03-31.OPT"
    whole.write_bytes(data[: data.rindex(b"\n", 0, len(data) // 2) + 1])
    assert _import(db, whole).files[0].counts()["no_longer_present"] > 0


@pytest.mark.parametrize("in_batches", [True, False])
@pytest.mark.parametrize("columns", [15, 17])
def test_unreadable_row_marks_nothing_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_batches: bool, columns: int
) -> None:
    monkeypatch.setattr(importing, "MERGE_OPEN_FILE_IN_BATCHES", in_batches)
    rows = [OptRow(prt=valid_prt(n)).cells() for n in range(1, 6)]
    db = tmp_path / "damaged.sqlite"
    _import(db, write_opt(tmp_path / "Suomi_osoitteet_2026-06-30.OPT", rows))
    damaged = [*rows[:2], [*rows[2], "x"][:columns], *rows[3:4]]

    report = _import(db, write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", damaged))

    counts = report.files[0].counts()
    assert [problem.kind.value for problem in report.files[0].problems] == ["wrong_column_count"]
    # The damaged row's building is in the file; only the last building is gone.
    assert counts["no_longer_present"] == 1
    with sqlite3.connect(db) as connection:
        absent = connection.execute(
            "SELECT b.permanent_building_identifier FROM register_value r "
            "JOIN building b ON b.id = r.building_id WHERE r.is_present = 0"
        ).fetchall()
    assert absent == [(valid_prt(5),)]


def test_many_unreadable_rows_mark_nothing_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge, "MAX_UNREAD", 0)
    rows = [OptRow(prt=valid_prt(n)).cells() for n in range(1, 6)]
    db = tmp_path / "damaged.sqlite"
    _import(db, write_opt(tmp_path / "Suomi_osoitteet_2026-06-30.OPT", rows))
    damaged = [*rows[:2], rows[2][:15]]
    report = _import(db, write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", damaged))
    assert report.files[0].counts()["no_longer_present"] == 0


def test_archive_member_not_read_is_reported(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "osoitteet.zip"
    with zipfile.ZipFile(archive, "w") as file:
        file.write(open_file, "Suomi_osoitteet_2026-09-30.OPT")
        file.writestr("extra.OPT", open_file.read_bytes()[:500])
    db = tmp_path / "zip.sqlite"
    assert _import(db, archive).files[0].skipped_members == ["extra.OPT"]
    status = main(["import", str(archive), "--db", str(tmp_path / "zip2.sqlite")])
    assert status == 0
    assert "Arkiston tiedostoa extra.OPT ei luettu" in capsys.readouterr().out


# An open file and archives of it: the stored hash is that of the data read


def _batch_hashes(db: Path) -> list[str]:
    with sqlite3.connect(db) as connection:
        return [row[0] for row in connection.execute("SELECT sha256 FROM import_batch")]


def _rezipped(path: Path, archive: Path, **options: Any) -> Path:
    with zipfile.ZipFile(archive, "w", **options) as file:
        file.write(path, path.name)
    return archive


def _assert_imported_before(db: Path, path: Path) -> None:
    before = db.read_bytes()
    report = _import(db, path)
    assert report.files[0].already_imported
    assert report.backup is None
    assert db.read_bytes() == before


@pytest.fixture
def small_open_file(tmp_path: Path) -> Path:
    return write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", synthetic_rows(40, seed=3))


def test_zip_after_open_file_imported_before(tmp_path: Path, small_open_file: Path) -> None:
    db = tmp_path / "open.sqlite"
    _import(db, small_open_file)
    _assert_imported_before(db, _rezipped(small_open_file, tmp_path / "osoitteet.zip"))


def test_open_file_after_zip_imported_before(tmp_path: Path, small_open_file: Path) -> None:
    db = tmp_path / "zip.sqlite"
    report = _import(db, _rezipped(small_open_file, tmp_path / "osoitteet.zip"))
    assert report.files[0].sha256 == importing.file_sha256(small_open_file)
    _assert_imported_before(db, small_open_file)


def test_rezipped_copy_imported_before(tmp_path: Path, small_open_file: Path) -> None:
    db = tmp_path / "rezipped.sqlite"
    deflated = _rezipped(small_open_file, tmp_path / "a.zip", compression=zipfile.ZIP_DEFLATED)
    stored = _rezipped(small_open_file, tmp_path / "b.zip", compression=zipfile.ZIP_STORED)
    assert importing.file_sha256(deflated) != importing.file_sha256(stored)
    _import(db, deflated)
    _assert_imported_before(db, stored)


def test_seven_zip_after_zip_imported_before(tmp_path: Path, small_open_file: Path) -> None:
    pytest.importorskip("py7zr")
    rows = small_open_file.read_text(encoding="iso-8859-1").splitlines()
    db = tmp_path / "7z.sqlite"
    _import(db, write_opt_zip(tmp_path / "osoitteet.zip", rows))
    _assert_imported_before(db, write_opt_7z(tmp_path / "osoitteet.7z", rows))


def test_open_file_and_zip_in_one_call(tmp_path: Path, small_open_file: Path) -> None:
    archive = _rezipped(small_open_file, tmp_path / "osoitteet.zip")
    files = _import(tmp_path / "both.sqlite", small_open_file, archive).files
    assert not files[0].already_imported
    assert files[1].already_imported


def _assert_zip_stores_member_hash(tmp_path: Path, open_file: Path) -> None:
    """Import a zip of ``open_file`` into a new database and check that its batch has the
    hash of the file itself."""
    db = tmp_path / "zipped.sqlite"
    _import(db, _rezipped(open_file, tmp_path / "osoitteet.zip"))
    assert _batch_hashes(db) == [importing.file_sha256(open_file)]


def test_first_zip_import_decompresses_once(
    tmp_path: Path, small_open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In a database without batches the reader's hash of the member is stored, so the
    # hashing thread never decompresses it.
    def never(*_args: object) -> str:
        raise AssertionError("the member was hashed apart from its reading")

    monkeypatch.setattr(importing, "data_sha256", never)
    _assert_zip_stores_member_hash(tmp_path, small_open_file)


def test_zip_in_processes_member_hash(
    tmp_path: Path, small_open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", 0)
    _assert_zip_stores_member_hash(tmp_path, small_open_file)


def test_zip_member_size_picks_processes(
    tmp_path: Path, small_open_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The national file is published zipped: the size of its member decides.
    archive = _rezipped(
        small_open_file, tmp_path / "osoitteet.zip", compression=zipfile.ZIP_DEFLATED
    )
    member_size = small_open_file.stat().st_size
    assert archive.stat().st_size < member_size
    monkeypatch.setattr(importing, "PROCESS_READ_MIN_BYTES", member_size)
    loads: list[Path] = []
    load = importing.load_in_processes

    def recorded(path: Path, loader: open_load.CompactLoader, **options: Any) -> Any:
        loads.append(path)
        return load(path, loader, **options)

    monkeypatch.setattr(importing, "load_in_processes", recorded)
    db = tmp_path / "zipped.sqlite"
    _import(db, archive)
    assert loads == [archive]
    assert _table_counts(db) == _expected_counts(small_open_file)


@pytest.mark.parametrize("in_batches", [True, False])
def test_zip_merged_member_hash(
    tmp_path: Path, small_open_file: Path, monkeypatch: pytest.MonkeyPatch, in_batches: bool
) -> None:
    # A filtered import first, so the whole zip is merged into the stored rows.
    monkeypatch.setattr(importing, "MERGE_OPEN_FILE_IN_BATCHES", in_batches)
    db = tmp_path / "merged.sqlite"
    first_municipality = small_open_file.read_bytes().split(b";")[1].decode()
    _import(db, small_open_file, municipalities=frozenset({first_municipality}))
    assert _table_counts(db)[0] > 0
    _import(db, _rezipped(small_open_file, tmp_path / "osoitteet.zip"))
    assert _batch_hashes(db)[-1] == importing.file_sha256(small_open_file)
    _assert_imported_before(db, small_open_file)


def test_legacy_zip_batch_imported_before(tmp_path: Path, small_open_file: Path) -> None:
    # Earlier versions stored the hash of the archive file itself.
    archive = _rezipped(small_open_file, tmp_path / "osoitteet.zip")
    db = tmp_path / "legacy.sqlite"
    _import(db, archive)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE import_batch SET sha256 = ?", (importing.file_sha256(archive),))
    connection.close()
    _assert_imported_before(db, archive)


def test_reader_stops_when_importer_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    # A reader must not wait forever for room to send when the importing process is gone.
    monkeypatch.setattr(open_read, "SEND_CHECK_SECONDS", 0.05)
    receiving, sending = multiprocessing.Pipe(duplex=False)
    receiving.close()
    sender = open_read._Sender(sending)
    message = ("rows", b"x" * 100_000)
    with pytest.raises(open_read.ReceiverGone):
        for _ in range(open_read.SEND_QUEUE_SIZE + 10):
            sender.send(message)
    sender.close()
    assert sending.closed


def test_other_scope_buildings_counted_not_judged(tmp_path: Path) -> None:
    rows = [
        OptRow(prt=valid_prt(n), municipality="091" if n < 4 else "092").cells()
        for n in range(1, 6)
    ]
    db = tmp_path / "scopes.sqlite"
    _import(db, write_opt(tmp_path / "Suomi_osoitteet_2026-06-30.OPT", rows))
    # The whole file delivered building 2; a filtered file without it does not judge it.
    filtered = write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", [rows[0], rows[2], rows[3]])
    counts = _import(db, filtered, municipalities=frozenset({"091"})).files[0].counts()
    assert counts["no_longer_present"] == 0
    assert counts["absence_not_judged"] == 1
    # A whole file without building 1, which the filtered import delivered last.
    whole = write_opt(tmp_path / "Suomi_osoitteet_2026-12-31.OPT", rows[1:])
    counts = _import(db, whole).files[0].counts()
    assert counts["no_longer_present"] == 0
    assert counts["absence_not_judged"] == 1


def test_other_scope_sentence_printed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [OptRow(prt=valid_prt(n)).cells() for n in range(1, 4)]
    db = tmp_path / "scopes.sqlite"
    _import(db, write_opt(tmp_path / "Suomi_osoitteet_2026-06-30.OPT", rows))
    filtered = write_opt(tmp_path / "Suomi_osoitteet_2026-09-30.OPT", rows[:2])
    status = main(["import", str(filtered), "--db", str(db), "--municipality", "091"])
    assert status == 0
    out = capsys.readouterr().out
    assert "1 rakennus puuttuu tiedostosta, mutta se on tuotu toisella kuntien rajauksella" in out
