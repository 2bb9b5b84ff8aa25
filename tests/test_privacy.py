"""No personal data of owners or residents in any file the application writes."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest

from devtools.dvv_workbook import (
    Building,
    Owner,
    person_values,
    personal_identity_code,
    resident_rows,
    sample_buildings,
    valid_prt,
    write_extract,
)
from tilaapp.cli.logs import log_folder
from tilaapp.cli.main import main

# A value in a column the application keeps (the property name). Finding it shows that
# the search reads every file and every encoding it should.
CONTROL_VALUE = "KONTROLLI-Ämpäri-4711"

# Resident columns of the R9 sheet that identify a person.
RESIDENT_COLUMNS = (6, 7, 8, 9)


def _buildings() -> list[Building]:
    buildings = sample_buildings()
    buildings[0] = dataclasses.replace(buildings[0], property_name=CONTROL_VALUE)
    # An owner row of a person whose building is not on the building sheet produces a row
    # problem on a person's row.
    buildings.append(
        Building(
            prt=valid_prt(77),
            on_building_sheet=False,
            owners=[
                Owner(
                    personal_identity_code=personal_identity_code("311299", 987),
                    name="Orpo Olli Keksitty",
                    home_address="Salaisuudenpolku 3",
                )
            ],
        )
    )
    # A person's row with an invalid identity code and a broken ownership date.
    buildings[1].owners.append(
        Owner(
            personal_identity_code="999999-999X",
            name="Virheellinen Ville",
            home_address="Huonotie 13",
            ownership_start="ei päivä",
        )
    )
    return buildings


def _secrets(buildings: list[Building]) -> set[str]:
    residents = {
        str(row[column])
        for row in resident_rows()[1:]
        for column in RESIDENT_COLUMNS
        if row[column]
    }
    return person_values(buildings) | residents


def _encodings(value: str) -> Iterator[bytes]:
    for text in {value, value.upper(), value.lower(), value.casefold()}:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
            try:
                yield text.encode(encoding)
            except UnicodeEncodeError:
                continue


def _written_files(*folders: Path) -> list[Path]:
    return sorted(path for folder in folders for path in folder.rglob("*") if path.is_file())


def _files_containing(files: list[Path], value: str) -> list[str]:
    found = []
    for path in files:
        content = path.read_bytes()
        if any(encoded in content for encoded in _encodings(value)):
            found.append(path.name)
    return found


def _import(db: Path, extract: Path, day: str, capsys: pytest.CaptureFixture[str]) -> str:
    status = main(["import", str(extract), "--db", str(db), "--extraction-date", day])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    return captured.out + captured.err


@pytest.fixture
def written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[list[Path], str]:
    """Import twice (so a backup exists), list and show, and return the files written."""
    buildings = _buildings()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    extract = write_extract(
        inputs / "extract.xlsx", buildings, extra_sheets={"R9 huon asukk": resident_rows()}
    )
    newer = write_extract(
        inputs / "newer.xlsx",
        [dataclasses.replace(buildings[0], gross_floor_area=2600), *buildings[1:]],
        extra_sheets={"R9 huon asukk": resident_rows()},
    )
    output = tmp_path / "database"
    db = output / "municipality.sqlite"
    printed = _import(db, extract, "2024-01-15", capsys)
    printed += _import(db, newer, "2025-01-15", capsys)
    for argv in (["list", "--all"], ["show", valid_prt(1)], ["list", "--csv", "--all"]):
        main([*argv, "--db", str(db)])
        captured = capsys.readouterr()
        printed += captured.out + captured.err
    main(["import", str(extract), "--db", str(db), "--json"])
    printed += capsys.readouterr().out
    return _written_files(output, log_folder()), printed


def test_backup_and_log_exist(written: tuple[list[Path], str]) -> None:
    names = [path.name for path in written[0]]
    assert "municipality.sqlite" in names
    assert any(name.endswith("before-import.sqlite") for name in names)
    assert "tilaapp.log" in names


def test_search_finds_control_value(written: tuple[list[Path], str]) -> None:
    files, printed = written
    found = _files_containing(files, CONTROL_VALUE)
    assert "municipality.sqlite" in found
    assert any(name.endswith("before-import.sqlite") for name in found)
    assert CONTROL_VALUE in printed


def test_no_person_data_in_written_files(written: tuple[list[Path], str]) -> None:
    files, _printed = written
    leaks = {
        secret: _files_containing(files, secret)
        for secret in sorted(_secrets(_buildings()))
        if _files_containing(files, secret)
    }
    assert leaks == {}


def test_no_person_data_in_output(written: tuple[list[Path], str]) -> None:
    _files, printed = written
    leaks = [secret for secret in _secrets(_buildings()) if secret.casefold() in printed.casefold()]
    assert leaks == []


def test_secrets_cover_owners_and_residents() -> None:
    secrets = _secrets(_buildings())
    assert "Aino Kuvitelma" in secrets
    assert "Orpo Olli Keksitty" in secrets
    assert "999999-999X" in secrets
    assert len(secrets) >= 12


def test_today_is_not_a_secret() -> None:
    # The search would be meaningless if a secret were a common substring such as a date.
    assert datetime.date.today().isoformat() not in _secrets(_buildings())
