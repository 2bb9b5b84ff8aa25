"""Import of DVV extract workbooks into a database, through the service and the command."""

from __future__ import annotations

import dataclasses
import datetime
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    MUNICIPALITY_BUSINESS_ID,
    Address,
    Building,
    Owner,
    sample_buildings,
    valid_prt,
    write_extract,
)
from tilaapp.cli.main import main
from tilaapp.domain.formatting import format_date
from tilaapp.services.importing import (
    ImportCancelled,
    ImportOptions,
    ImportRejected,
    import_files,
)
from tilaapp.sources.records import ProblemKind
from tilaapp.storage.database import backups_folder, open_database
from tilaapp.storage.models import ChangeRecord, LocalValue

DATE_1 = datetime.date(2024, 1, 15)
DATE_2 = datetime.date(2025, 1, 15)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def show(capsys: pytest.CaptureFixture[str], db: Path, reference: str) -> dict[str, Any]:
    status, out, err = run(capsys, "show", reference, "--db", str(db), "--json")
    assert status == 0, err
    return json.loads(out)


def in_use(details: dict[str, Any], field: str) -> Any:
    return details["fields"][field]["in_use"]["value"]


def only_file(report: Any) -> Any:
    (file_report,) = report.files
    return file_report


@pytest.fixture
def extract(tmp_path: Path) -> Path:
    return write_extract(tmp_path / "extract.xlsx", sample_buildings())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "municipality.sqlite"


def _import(db: Path, *paths: Path, **options: Any) -> Any:
    options.setdefault("extraction_date", DATE_1)
    return import_files(db, list(paths), ImportOptions(**options))


# ------------------------------------------------------------------ first import


def test_sample_counts(db: Path, extract: Path) -> None:
    report = only_file(_import(db, extract))
    counts = report.counts()
    # Nine rows on the building sheet; the row with a malformed identifier is kept by its
    # old identifier.
    assert counts["buildings_in_file"] == 9
    assert counts["added"] == 9
    assert counts["updated"] == 0
    assert counts["no_longer_present"] == 0
    assert report.rows_read["R1 rakennus"] == 9
    assert counts["addresses"] == sum(
        len(b.addresses) for b in sample_buildings() if b.on_building_sheet
    )


def test_sample_owner_counts(db: Path, extract: Path) -> None:
    buildings = [b for b in sample_buildings() if b.on_building_sheet]
    persons = sum(1 for b in buildings for o in b.owners if o.is_person)
    organisations = sum(1 for b in buildings for o in b.owners if not o.is_person)
    counts = only_file(_import(db, extract)).counts()
    assert counts["person_owners"] == persons
    assert counts["organisation_owners"] == organisations


def test_show_gives_exact_values(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    details = show(capsys, db, valid_prt(1))
    assert in_use(details, "municipality_number") == "398"
    assert in_use(details, "property_identifier") == "39840100010001"
    assert in_use(details, "old_building_identifier") == "39840100010001-001"
    assert in_use(details, "gross_floor_area") == "2450"
    assert in_use(details, "total_area") == "2810"
    assert in_use(details, "volume") == "10450"
    assert in_use(details, "number_of_storeys") == 3
    assert in_use(details, "completion_date") == "1925"
    assert in_use(details, "use_class_1994") == "531"
    assert in_use(details, "building_class_2018") == "0110"
    assert in_use(details, "coordinate_north") == "6762100"
    assert details["fields"]["gross_floor_area"]["in_use"]["origin"] == "dvv_extract"
    register = details["fields"]["gross_floor_area"]["register"]["dvv_extract"]
    assert register["extraction_date"] == "2024-01-15"
    assert register["file_name"] == "extract.xlsx"
    assert [a["street_name_fi"] for a in details["addresses"]] == ["Koekatu", "Mallitie"]
    assert details["owners"] == [
        {
            "source": "dvv_extract",
            "is_person": False,
            "owner_type": "3",
            "business_id": MUNICIPALITY_BUSINESS_ID,
        }
    ]


def test_numeric_cells_give_same_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text_db = tmp_path / "text.sqlite"
    number_db = tmp_path / "number.sqlite"
    _import(text_db, write_extract(tmp_path / "text.xlsx", sample_buildings()))
    numbers = write_extract(tmp_path / "numbers.xlsx", sample_buildings(), numeric_cells=True)
    assert isinstance(openpyxl.load_workbook(numbers)["R1 rakennus"]["B2"].value, int)
    _import(number_db, numbers)

    references = [b.prt for b in sample_buildings() if b.prt != "1234X"]
    # The row with a malformed identifier is found by its old identifier.
    references.append("39840100040001-002")
    for reference in references:
        text_fields = show(capsys, text_db, reference)["fields"]
        number_fields = show(capsys, number_db, reference)["fields"]
        for name, item in text_fields.items():
            assert number_fields[name]["in_use"] == item["in_use"], (reference, name)


def test_partial_date_month_precision(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    building = Building(prt=valid_prt(40), completion_date="19620800", gross_floor_area="120,5")
    _import(db, write_extract(tmp_path / "one.xlsx", [building]))
    details = show(capsys, db, valid_prt(40))
    assert in_use(details, "completion_date") == "1962-08"
    assert in_use(details, "gross_floor_area") == "120.5"


def test_show_by_old_identifier_and_id(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    by_prt = show(capsys, db, valid_prt(1))
    by_old = show(capsys, db, "39840100010001-001")
    by_id = show(capsys, db, f"id:{by_prt['building']['id']}")
    assert by_old["building"] == by_prt["building"]
    assert by_id["building"] == by_prt["building"]


# ------------------------------------------------------------------ re-import


def test_same_file_again_changes_nothing(db: Path, extract: Path) -> None:
    _import(db, extract)
    before = db.read_bytes()
    report = _import(db, extract)
    assert only_file(report).already_imported
    assert report.backup is None
    assert db.read_bytes() == before


def test_same_file_again_reports_earlier_dates(db: Path, extract: Path) -> None:
    first = only_file(_import(db, extract))

    again = only_file(_import(db, extract, extraction_date=DATE_2))

    assert again.already_imported
    assert again.extraction_date == first.extraction_date
    assert again.extraction_date_origin == first.extraction_date_origin
    assert again.imported_before_at is not None
    assert again.imported_before_at.tzinfo is not None


def test_cli_same_file_again_names_earlier_import(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = ("--db", str(db), "--lang", "en", "--home", "398")
    run(capsys, "import", str(extract), *common, "--extraction-date", "2024-01-15")

    status, out, _err = run(capsys, "import", str(extract), *common)

    assert status == 0
    assert "The same file was imported before, on " in out
    assert "with extraction date 15/01/2024, so it was not read again." in out
    today = format_date(datetime.date.today(), "en")
    assert f"extraction date {today}" not in out


def test_resaved_copy_reports_zero_changes(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, extract)
    copy = tmp_path / "resaved.xlsx"
    workbook = openpyxl.load_workbook(extract)
    workbook.properties.lastModifiedBy = "Toinen Käyttäjä"
    workbook.save(copy)
    assert copy.read_bytes() != extract.read_bytes()

    report = only_file(_import(db, copy, extraction_date=DATE_2))
    counts = report.counts()
    assert not report.already_imported
    assert counts["added"] == 0
    assert counts["updated"] == 0
    assert counts["no_longer_present"] == 0
    assert counts["unchanged"] == 9


def _newer_extract() -> list[Building]:
    buildings = sample_buildings()
    changed = buildings[0]
    buildings[0] = dataclasses.replace(changed, gross_floor_area=2500, number_of_storeys=4)
    removed = buildings.pop(2)
    assert removed.prt == valid_prt(3)
    buildings.append(
        Building(
            prt=valid_prt(50),
            gross_floor_area=640,
            addresses=[Address("Uusikatu", "5", 1, None, "15100", "LAHTI", "LAHTIS")],
            owners=[Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3")],
        )
    )
    return buildings


def _set_local_area(db: Path, prt: str, area: Decimal) -> None:
    database = open_database(db)
    with database.session() as session:
        from tilaapp.storage.models import Building as BuildingRow

        building_id = session.scalar(
            select(BuildingRow.id).where(BuildingRow.permanent_building_identifier == prt)
        )
        session.add(LocalValue(building_id=building_id, gross_floor_area=area))
    database.close()


def test_newer_extract_counts(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, extract)
    newer = write_extract(tmp_path / "newer.xlsx", _newer_extract())
    counts = only_file(_import(db, newer, extraction_date=DATE_2)).counts()
    assert counts["added"] == 1
    assert counts["updated"] == 1
    assert counts["no_longer_present"] == 1
    assert counts["unchanged"] == 7


def test_newer_extract_keeps_local_value(
    db: Path, extract: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    _set_local_area(db, valid_prt(1), Decimal("2399.5"))
    _import(db, write_extract(tmp_path / "newer.xlsx", _newer_extract()), extraction_date=DATE_2)

    field = show(capsys, db, valid_prt(1))["fields"]["gross_floor_area"]
    assert field["local"]["value"] == "2399.5"
    assert field["in_use"] == {"value": "2399.5", "origin": "local"}
    assert field["register"]["dvv_extract"]["value"] == "2500"
    assert field["register"]["dvv_extract"]["extraction_date"] == "2025-01-15"


def test_newer_extract_history_keeps_old_value(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, extract)
    _import(db, write_extract(tmp_path / "newer.xlsx", _newer_extract()), extraction_date=DATE_2)
    database = open_database(db)
    with database.read_session() as session:
        changes = {
            (c.field, c.old_value, c.new_value, c.source)
            for c in session.scalars(select(ChangeRecord))
        }
    database.close()
    assert ("gross_floor_area", '"2450"', '"2500"', "dvv_extract") in changes
    assert ("number_of_storeys", "3", "4", "dvv_extract") in changes
    assert ("present_in_source", "true", "false", "dvv_extract") in changes


def test_newer_extract_invalid_cell(
    db: Path, extract: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    buildings = sample_buildings()
    buildings[0] = dataclasses.replace(buildings[0], gross_floor_area="2450 m2")
    newer = write_extract(tmp_path / "newer.xlsx", buildings)

    report = only_file(_import(db, newer, extraction_date=DATE_2))

    [invalid] = [p for p in report.problems if p.kind is ProblemKind.INVALID_NUMBER]
    assert invalid.value == "2450 m2"
    assert report.counts()["updated"] == 0
    field = show(capsys, db, valid_prt(1))["fields"]["gross_floor_area"]
    assert field["register"]["dvv_extract"]["value"] == "2450"
    assert field["register"]["dvv_extract"]["extraction_date"] == "2025-01-15"


def test_report_header_line_break(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buildings = sample_buildings()
    buildings[0] = dataclasses.replace(buildings[0], completion_date="31.13.2020")
    path = write_extract(tmp_path / "dates.xlsx", buildings)

    main(["--lang", "en", "import", str(path), "--db", str(tmp_path / "d.sqlite"),
          "--extraction-date", "2024-03-15"])  # fmt: skip

    output = capsys.readouterr().out
    [line] = [line for line in output.splitlines() if "31.13.2020" in line]
    assert "column Valmis-tumis- päivä, value “31.13.2020”" in line


def test_absent_building_is_kept(
    db: Path, extract: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    _import(db, write_extract(tmp_path / "newer.xlsx", _newer_extract()), extraction_date=DATE_2)
    details = show(capsys, db, valid_prt(3))
    assert details["sources"][0]["present"] is False
    assert in_use(details, "gross_floor_area") is not None


def test_older_extract_changes_nothing(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, write_extract(tmp_path / "newer.xlsx", _newer_extract()), extraction_date=DATE_2)
    counts = only_file(_import(db, extract, extraction_date=DATE_1)).counts()
    assert counts["updated"] == 0
    assert counts["older_than_stored"] == 8
    assert counts["no_longer_present"] == 0


def test_filtered_import_never_marks_absence(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, extract)
    lahti_only = write_extract(
        tmp_path / "lahti.xlsx", [b for b in sample_buildings() if b.municipality == "398"][:2]
    )
    report = only_file(
        _import(db, lahti_only, municipalities=frozenset({"398"}), extraction_date=DATE_2)
    )
    assert report.counts()["no_longer_present"] == 0


def test_whole_file_of_other_municipality_keeps_buildings(
    db: Path, extract: Path, tmp_path: Path
) -> None:
    _import(db, extract)
    other = write_extract(
        tmp_path / "other.xlsx", [Building(prt=valid_prt(70), municipality="091")]
    )
    report = only_file(_import(db, other, extraction_date=DATE_2))
    assert report.counts()["no_longer_present"] == 0


def test_municipality_filter_keeps_only_named(db: Path, extract: Path) -> None:
    report = only_file(_import(db, extract, municipalities=frozenset({"560"})))
    in_560 = sum(1 for b in sample_buildings() if b.municipality == "560" and b.on_building_sheet)
    assert report.counts()["added"] == in_560
    assert report.filtered_out == 9 - in_560


# ------------------------------------------------------------------ rejection and cancel


def test_rejected_file_leaves_database_unchanged(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, extract)
    before = db.read_bytes()
    backups_before = sorted(backups_folder(db).glob("*"))
    not_a_workbook = tmp_path / "notes.xlsx"
    not_a_workbook.write_text("kerrosala;tilavuus\n", encoding="utf-8")
    newer = write_extract(tmp_path / "newer.xlsx", _newer_extract())

    with pytest.raises(ImportRejected) as raised:
        _import(db, newer, not_a_workbook, extraction_date=DATE_2)
    assert [r.path for r in raised.value.rejections] == [not_a_workbook]
    assert db.read_bytes() == before
    assert sorted(backups_folder(db).glob("*")) == backups_before


def test_rejected_file_creates_no_database(db: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(ImportRejected):
        _import(db, empty)
    assert not db.exists()


def test_cancel_leaves_database_unchanged(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, extract)
    before = db.read_bytes()
    newer = write_extract(tmp_path / "newer.xlsx", _newer_extract())
    with pytest.raises(ImportCancelled):
        import_files(db, [newer], ImportOptions(extraction_date=DATE_2), is_cancelled=lambda: True)
    assert db.read_bytes() == before


def test_backup_taken_before_changes(db: Path, extract: Path, tmp_path: Path) -> None:
    _import(db, extract)
    report = _import(
        db, write_extract(tmp_path / "newer.xlsx", _newer_extract()), extraction_date=DATE_2
    )
    assert report.backup is not None
    with sqlite3.connect(report.backup) as connection:
        areas = connection.execute(
            "SELECT gross_floor_area FROM register_value ORDER BY id LIMIT 1"
        ).fetchone()
    assert areas == (2450000,)


# ------------------------------------------------------------------ portfolio and home


def test_owner_business_id_builds_portfolio(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _import(db, extract, owner_business_ids=(MUNICIPALITY_BUSINESS_ID,))
    owned = {
        b.prt
        for b in sample_buildings()
        if b.on_building_sheet and any(o.business_id == MUNICIPALITY_BUSINESS_ID for o in b.owners)
    }
    status, out, _err = run(capsys, "list", "--db", str(db), "--json")
    listed = json.loads(out)
    assert status == 0
    assert report.portfolio_added == len(owned)
    assert {b["permanent_building_identifier"] for b in listed["buildings"]} == owned
    assert {b["tenure"] for b in listed["buildings"]} == {"owned"}


def test_list_all_lists_every_building(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    status, out, _err = run(capsys, "list", "--db", str(db), "--all", "--json")
    assert status == 0
    assert json.loads(out)["count"] == 9


def test_home_taken_from_single_municipality_file(db: Path, tmp_path: Path) -> None:
    one = write_extract(tmp_path / "one.xlsx", [Building(prt=valid_prt(80), municipality="398")])
    assert _import(db, one).home_municipality == "398"


def test_home_left_empty_for_several_municipalities(db: Path, extract: Path) -> None:
    assert _import(db, extract).home_municipality is None


def test_home_option_sets_home(db: Path, extract: Path) -> None:
    assert _import(db, extract, home_municipality="398").home_municipality == "398"


# ------------------------------------------------------------------ command line


def test_cli_import_json(db: Path, extract: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(
        capsys, "import", str(extract), "--db", str(db), "--home", "398",
        "--owner-business-id", MUNICIPALITY_BUSINESS_ID, "--extraction-date", "2024-01-15",
        "--json",
    )  # fmt: skip
    report = json.loads(out)
    assert status == 0
    assert report["format"] == "tilaapp.import/1"
    assert report["home_municipality"] == "398"
    assert report["files"][0]["extraction_date"] == "2024-01-15"
    assert report["files"][0]["extraction_date_origin"] == "option"
    assert report["files"][0]["counts"]["added"] == 9


def test_cli_extraction_date_defaults_to_today(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = run(capsys, "import", str(extract), "--db", str(db), "--json")
    file_report = json.loads(out)["files"][0]
    assert status == 0
    assert file_report["extraction_date_origin"] == "import_date"
    assert file_report["extraction_date"] == datetime.datetime.now(datetime.UTC).date().isoformat()


def test_cli_rejected_exit_one(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "rakennukset.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    status, _out, err = run(capsys, "import", str(text), "--db", str(db))
    assert status == 1
    assert "rakennukset.xlsx" in err
    assert not db.exists()


def test_cli_rejection_in_finnish(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = tmp_path / "rakennukset.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    status, _out, err = run(capsys, "import", str(text), "--db", str(db), "--lang", "fi")
    assert status == 1
    assert "rakennukset.xlsx" in err
    assert "not" not in err.split()


@pytest.mark.parametrize(
    "option",
    [
        ["--home", "999"],
        ["--home", "abc"],
        ["--municipality", "1000"],
        ["--owner-business-id", "1234567-8"],
        ["--extraction-date", "15.1.2024"],
    ],
)
def test_cli_usage_errors_exit_two(
    db: Path, extract: Path, option: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = run(capsys, "import", str(extract), "--db", str(db), *option)
    assert status == 2
    assert option[1] in err
    assert not db.exists()


def test_cli_unknown_option_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["import", "--no-such-option"])
    assert raised.value.code == 2


def test_cli_home_conflict_exit_two(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract, home_municipality="398")
    before = db.read_bytes()
    status, _out, err = run(capsys, "import", str(extract), "--db", str(db), "--home", "560")
    assert status == 2
    assert "398" in err
    assert db.read_bytes() == before


def test_cli_show_unknown_building(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    assert run(capsys, "show", valid_prt(99), "--db", str(db))[0] == 1
    assert run(capsys, "show", "kouluX", "--db", str(db))[0] == 2


def test_cli_show_text_in_swedish(
    db: Path, extract: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _import(db, extract)
    status, out, _err = run(capsys, "show", valid_prt(1), "--db", str(db), "--lang", "sv")
    assert status == 0
    assert "Våningsyta" in out or "våningsyta" in out
    assert "2 450" in out.replace("\u00a0", " ")


def test_cli_list_csv_for_finnish_excel(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    building = Building(
        prt=valid_prt(60),
        gross_floor_area="1450,5",
        property_name='=HYPERLINK("http://example.invalid","x")',
        owners=[Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3")],
    )
    _import(db, write_extract(tmp_path / "one.xlsx", [building]),
            owner_business_ids=(MUNICIPALITY_BUSINESS_ID,))  # fmt: skip
    status, out, _err = run(capsys, "list", "--db", str(db), "--csv")
    header, row = out.splitlines()[:2]
    assert status == 0
    assert out.startswith("\ufeff")
    assert header.count(";") == row.count(";")
    assert ";1450,5;" in row
    assert ";" + valid_prt(60) + ";" in row


def test_cli_demo_imports_bundled_data(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _err = run(capsys, "demo", "--json")
    report = json.loads(out)
    assert status == 0
    assert report["portfolio_added"] >= 60
    assert report["files"][0]["counts"]["added"] >= 60
