"""Reference files stored in the database with `tilaapp reference import`."""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.test_comparison import PER_RESIDENT, prepared  # noqa: F401 - the fixture
from tilaapp.cli.main import main
from tilaapp.services.comparison import compare, reference_in_use
from tilaapp.services.reference import Figure, InvalidReference, ReferenceData, write_reference
from tilaapp.services.reference_store import import_reference, stored_reference
from tilaapp.storage.database import Database, open_database

CREATED = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def database_path(prepared: Path, tmp_path: Path) -> Path:  # noqa: F811
    return Path(shutil.copy(prepared, tmp_path / "demo.sqlite"))


@pytest.fixture
def database(database_path: Path) -> Iterator[Database]:
    opened = open_database(database_path, create=False)
    yield opened
    opened.close()


def _reference_file(path: Path, value: str) -> Path:
    figure = Figure(
        indicator=PER_RESIDENT,
        municipality="national",
        value=Decimal(value),
        unit="m²/resident",
        basis="group_owned",
        year=2024,
        source="Test figures",
        licence="CC BY 4.0",
    )
    write_reference(path, ReferenceData(created=CREATED, figures=[figure], description="Test"))
    return path


def _national(database: Database) -> Decimal | None:
    comparison = compare(database, valuation_year=2026)
    for row in comparison.indicators:
        if row.indicator.indicator == PER_RESIDENT and row.indicator.basis == "group_owned":
            for reference in row.references:
                if reference.municipality == "national" and reference.figure is not None:
                    return reference.figure.value
    return None


def test_bundled_in_use_without_stored(database: Database) -> None:
    assert _national(database) == Decimal("8.3")


def test_stored_reference_in_use(database: Database, tmp_path: Path) -> None:
    import_reference(database, _reference_file(tmp_path / "newer.json", "9.1"))

    assert _national(database) == Decimal("9.1")


def test_newest_stored_wins(database: Database, tmp_path: Path) -> None:
    import_reference(database, _reference_file(tmp_path / "first.json", "9.1"))
    import_reference(database, _reference_file(tmp_path / "second.json", "9.4"))

    assert _national(database) == Decimal("9.4")


def test_same_file_stored_once(database: Database, tmp_path: Path) -> None:
    path = _reference_file(tmp_path / "newer.json", "9.1")
    import_reference(database, path)

    again = import_reference(database, path)

    assert again.already_stored


def test_invalid_file_stores_nothing(database: Database, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"format": "tilaapp.reference/1", "figures": "none"}), "utf-8")

    with pytest.raises(InvalidReference):
        import_reference(database, path)

    with database.read_session() as session:
        assert stored_reference(session) is None


def test_reference_in_use_reads_back(database: Database, tmp_path: Path) -> None:
    import_reference(database, _reference_file(tmp_path / "newer.json", "9.1"))

    figures = reference_in_use(database).figures

    assert [(f.indicator, f.value) for f in figures] == [(PER_RESIDENT, Decimal("9.1"))]


def test_cli_reference_import(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _reference_file(tmp_path / "newer.json", "9.1")

    status = main(["reference", "import", str(path), "--db", str(database_path), "--json"])

    printed = json.loads(capsys.readouterr().out)
    assert status == 0
    assert printed["format"] == "tilaapp.reference-import/1"
    assert printed["figures"] == 1


def test_cli_reference_import_invalid(
    database_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text("not json", encoding="utf-8")

    status = main(["reference", "import", str(path), "--db", str(database_path)])

    assert status == 1
    assert "broken.json" in capsys.readouterr().err


def test_cli_reference_import_no_database(tmp_path: Path) -> None:
    path = _reference_file(tmp_path / "newer.json", "9.1")

    status = main(["reference", "import", str(path), "--db", str(tmp_path / "none.sqlite")])

    assert status == 1
    assert not (tmp_path / "none.sqlite").exists()
