"""Tests of ``tilaapp mapping`` and ``tilaapp import --mapping`` on real files."""

from __future__ import annotations

import datetime
import hashlib
import json
from pathlib import Path

import openpyxl
import pytest

from devtools.dvv_workbook import Address, Building, valid_prt, write_extract
from tilaapp.cli.main import main
from tilaapp.services.importing import ImportOptions, import_files

SCHOOL = valid_prt(1)
UNKNOWN = valid_prt(77)


@pytest.fixture(autouse=True)
def english_commands(user_folders: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Print the commands' messages in English, which the checks below read.

    Depends on ``user_folders``, which clears the language variable first.
    """
    monkeypatch.setenv("TILAAPP_LANG", "en")


@pytest.fixture
def database(tmp_path: Path) -> Path:
    extract = write_extract(
        tmp_path / "rhr.xlsx",
        [Building(SCHOOL, addresses=[Address("Koulutie", "5", postal_code="15100")])],
    )
    path = tmp_path / "kunta.sqlite"
    import_files(path, [extract], ImportOptions(extraction_date=datetime.date(2025, 1, 15)))
    return path


def write_inventory(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Rakennustunnus", "Kerrosala", "Nimi"])
    sheet.append([SCHOOL, 1450.5, "Keskuskoulu"])
    sheet.append([UNKNOWN, 200, "Varasto"])
    workbook.save(path)
    return path


def save_default_mapping(database: Path) -> None:
    status = main(
        [
            "mapping",
            "save",
            "tilat",
            "--column",
            "Rakennustunnus=permanent_building_identifier",
            "--column",
            "Kerrosala=gross_floor_area",
            "--column",
            "Nimi=local_name",
            "--db",
            str(database),
        ]
    )
    assert status == 0


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_mapping_save_and_list(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_default_mapping(database)
    capsys.readouterr()

    assert main(["mapping", "list", "--db", str(database), "--json"]) == 0

    assert json.loads(capsys.readouterr().out)["mappings"] == ["tilat"]


def test_mapping_save_from_json(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "kartta.json"
    document.write_text(
        json.dumps({"columns": {"Tunnus": "permanent_building_identifier"}, "separator": ";"}),
        encoding="utf-8",
    )

    status = main(
        [
            "mapping",
            "save",
            "csv",
            "--from-json",
            str(document),
            "--column",
            "Ala=gross_floor_area",
            "--encoding",
            "cp1252",
            "--db",
            str(database),
        ]
    )
    capsys.readouterr()
    main(["mapping", "show", "csv", "--db", str(database)])

    assert status == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["columns"] == {
        "Tunnus": "permanent_building_identifier",
        "Ala": "gross_floor_area",
    }
    assert shown["separator"] == ";"
    assert shown["encoding"] == "cp1252"


def test_invalid_mapping_rejected(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["mapping", "save", "x", "--column", "Ala=pinta_ala", "--db", str(database)])

    assert status == 1
    error = capsys.readouterr().err
    assert "pinta_ala is not a field" in error
    assert "no column to find buildings" in error


def test_import_with_mapping_json(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_default_mapping(database)
    inventory = write_inventory(tmp_path / "tilat.xlsx")
    unmatched = tmp_path / "puuttuvat.xlsx"
    capsys.readouterr()

    status = main(
        [
            "import",
            str(inventory),
            "--mapping",
            "tilat",
            "--db",
            str(database),
            "--json",
            "--unmatched-out",
            str(unmatched),
        ]
    )

    assert status == 0
    report = json.loads(capsys.readouterr().out)
    assert report["format"] == "tilaapp.inventory-import/1"
    file_report = report["files"][0]
    assert file_report["matched"] == {
        "total": 1,
        "permanent_identifier": 1,
        "old_identifier": 0,
        "address": 0,
    }
    assert file_report["unmatched"] == [{"row": 3, "reason": "not_found", "first_row": None}]
    assert file_report["values_changed"] == 2
    rows = list(openpyxl.load_workbook(unmatched).active.values)
    assert rows[1][2] == UNKNOWN


def test_import_with_mapping_text_and_add(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_default_mapping(database)
    inventory = write_inventory(tmp_path / "tilat.xlsx")
    capsys.readouterr()

    status = main(
        ["import", str(inventory), "--mapping", "tilat", "--db", str(database), "--add-unmatched"]
    )

    assert status == 0
    output = capsys.readouterr().out
    assert "1 of 2 rows matched a building" in output
    assert "1 local building added." in output
    main(["show", UNKNOWN, "--db", str(database), "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["building"]["origin"] == "local"
    assert shown["fields"]["local_name"]["local"]["source"] == "spreadsheet"


def test_show_prints_address_of_added_building(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Rakennustunnus", "Osoite", "Postinumero"])
    sheet.append([UNKNOWN, "Varastotie 2", "15100"])
    inventory = tmp_path / "osoitteet.xlsx"
    workbook.save(inventory)
    columns = [
        "Rakennustunnus=permanent_building_identifier",
        "Osoite=street_address",
        "Postinumero=postal_code",
    ]
    save = ["mapping", "save", "osoitteet", "--db", str(database)]
    for column in columns:
        save += ["--column", column]
    assert main(save) == 0
    imported = ["import", str(inventory), "--mapping", "osoitteet", "--db", str(database)]
    assert main([*imported, "--add-unmatched"]) == 0
    capsys.readouterr()

    assert main(["show", UNKNOWN, "--db", str(database)]) == 0

    assert "Address: Varastotie 2, 15100" in capsys.readouterr().out


def test_dry_run_changes_nothing(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_default_mapping(database)
    inventory = write_inventory(tmp_path / "tilat.xlsx")
    before = digest(database)

    status = main(
        ["import", str(inventory), "--mapping", "tilat", "--db", str(database), "--dry-run"]
    )

    assert status == 0
    assert "Values that would change: 2" in capsys.readouterr().out
    assert digest(database) == before


def test_lock_file_skipped_in_folder(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_default_mapping(database)
    folder = tmp_path / "tilat"
    folder.mkdir()
    write_inventory(folder / "tilat.xlsx")
    (folder / "~$tilat.xlsx").write_bytes(b"\x05user")
    capsys.readouterr()

    status = main(["import", str(folder), "--mapping", "tilat", "--db", str(database)])

    assert status == 0
    assert "Skipped ~$tilat.xlsx" in capsys.readouterr().out


def test_rejected_file_exit_one_database_unchanged(
    database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    save_default_mapping(database)
    lock = tmp_path / "~$tilat.xlsx"
    lock.write_bytes(b"\x05user")
    before = digest(database)
    capsys.readouterr()

    status = main(["import", str(lock), "--mapping", "tilat", "--db", str(database), "--json"])

    assert status == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["rejections"][0]["reason"] == "lock_file"
    assert "lock file" in captured.err
    assert digest(database) == before


def test_unknown_mapping_exit_one(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["import", "x.xlsx", "--mapping", "ei-ole", "--db", str(database)])

    assert status == 1
    assert "No column mapping named ei-ole" in capsys.readouterr().err


def test_register_option_with_mapping_is_usage_error(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["import", "x.xlsx", "--mapping", "tilat", "--home", "398", "--db", str(database)]
    )

    assert status == 2
    assert "--home applies to register files" in capsys.readouterr().err
