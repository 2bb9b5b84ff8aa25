"""National aggregation: export → verify → aggregate, supersession, rejection, reference.

Municipal databases are built with the real import of extracts written by the tests
(invented buildings), then exported with the real package code.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    MUNICIPALITY_BUSINESS_ID,
    Building,
    Owner,
    valid_prt,
    write_extract,
)
from tests.package_helpers import EXTRACTION_DATE, editor, import_sample, write_zip, zip_members
from tilaapp.cli.main import main
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import ALL_FIELDS
from tilaapp.services.aggregation import (
    NotANationalDatabase,
    PackageAlreadyReceived,
    PackageNotNewer,
    aggregate_packages,
    history,
    national_reference,
    national_summary,
    received_values,
)
from tilaapp.services.comparison import compare
from tilaapp.services.comparison_charts import comparison_charts
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.package_export import export_package
from tilaapp.services.package_verify import PackageRejected
from tilaapp.services.portfolio_edit import PortfolioService
from tilaapp.services.reference import read_reference, validate_reference_document
from tilaapp.services.reference_store import stored_reference
from tilaapp.services.values import field_values
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import (
    Building as BuildingRow,
)
from tilaapp.storage.models import (
    DatabaseInfo,
    ReceivedBuilding,
    ReceivedPackage,
    Tenure,
)

NOW = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)
LATER = NOW + datetime.timedelta(days=30)
OWNER = [Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3", type_code="3")]


def municipal_database(folder: Path, home: str, buildings: list[Building]) -> Database:
    folder.mkdir(parents=True)
    extract = write_extract(folder / "extract.xlsx", buildings)
    options = ImportOptions(
        home_municipality=home,
        owner_business_ids=(MUNICIPALITY_BUSINESS_ID,),
        extraction_date=EXTRACTION_DATE,
    )
    import_files(folder / "db.sqlite", [extract], options)
    return open_database(folder / "db.sqlite", create=False)


def helsinki(folder: Path) -> Database:
    """Three owned buildings of Helsinki (091); the third is leased in after the import."""
    buildings = [
        Building(
            prt=valid_prt(101),
            municipality="091",
            postal_code="00100",
            gross_floor_area=1000.5,
            building_class_2018="0110",
            owners=OWNER,
        ),
        Building(
            prt=valid_prt(102),
            municipality="091",
            postal_code="00100",
            gross_floor_area=300,
            building_class_2018="1211",
            owners=OWNER,
        ),
        Building(
            prt=valid_prt(103),
            municipality="091",
            postal_code="00100",
            gross_floor_area=700,
            building_class_2018="0310",
            owners=OWNER,
        ),
    ]
    database = municipal_database(folder, "091", buildings)
    PortfolioService(database, os_user="Tester").set_tenure(
        [building_id(database, valid_prt(103))], Tenure.LEASED_IN
    )
    return database


def orimattila(folder: Path) -> Database:
    """One owned building of Orimattila (560) without gross floor area."""
    building = Building(
        prt=valid_prt(201),
        municipality="560",
        postal_code="16300",
        building_class_2018="0710",
        owners=OWNER,
    )
    return municipal_database(folder, "560", [building])


def building_id(database: Database, prt: str) -> int:
    with database.read_session() as session:
        found = session.scalar(
            select(BuildingRow.id).where(BuildingRow.permanent_building_identifier == prt)
        )
    assert found is not None
    return found


def values_in_use(database: Database) -> dict[int, dict[str, Any]]:
    """Return the values in use of the portfolio's buildings that a package sends."""
    result: dict[int, dict[str, Any]] = {}
    with database.read_session() as session:
        for building in session.scalars(select(BuildingRow)):
            if building.portfolio_entry is None:
                continue
            values = {
                spec.name: field_values(spec, building.register_values, building.local_value).in_use
                for spec in ALL_FIELDS
                if not spec.personal and spec.name != "lessee"
            }
            result[building.id] = {
                name: value for name, value in values.items() if value is not None
            }
    return result


@pytest.fixture
def lahti(tmp_path: Path) -> Iterator[Database]:
    database = import_sample(tmp_path / "lahti")
    yield database
    database.close()


@pytest.fixture
def national(tmp_path: Path) -> Iterator[Database]:
    database = open_database(tmp_path / "national.sqlite")
    yield database
    database.close()


def edit_lahti(database: Database) -> int:
    school = building_id(database, valid_prt(1))
    edit = editor(database)
    edit.set_value(school, "acquisition_cost", Decimal("1234567.05"))
    edit.set_value(school, "utilisation_rate", Decimal("87.125"))
    edit.set_value(school, "completion_date", PartialDate(1926, 8))
    edit.set_value(school, "local_name", "=Koulu 007")
    edit.set_value(school, "condition_class", 3)
    return school


# Round trip


def test_every_value_equals_the_municipality_value(
    lahti: Database, national: Database, tmp_path: Path
) -> None:
    edit_lahti(lahti)
    package = export_package(lahti, tmp_path / "out", now=NOW)

    [result] = aggregate_packages(national, [package.path])

    assert result.merged, result.error
    expected = values_in_use(lahti)
    with national.read_session() as session:
        rows = session.scalars(select(ReceivedBuilding)).all()
        received = {row.building_key: received_values(session, row.id) for row in rows}
        identifiers = {row.building_key: row.permanent_building_identifier for row in rows}
    assert received == expected
    school = building_id(lahti, valid_prt(1))
    assert received[school]["acquisition_cost"] == Decimal("1234567.05")
    assert received[school]["utilisation_rate"] == Decimal("87.125")
    assert received[school]["completion_date"] == PartialDate(1926, 8)
    assert received[school]["local_name"] == "=Koulu 007"
    assert received[school]["municipality_number"] == "398"
    assert identifiers[school] == valid_prt(1)


def test_values_stored_as_the_package_text(
    lahti: Database, national: Database, tmp_path: Path
) -> None:
    edit_lahti(lahti)
    package = export_package(lahti, tmp_path / "out", now=NOW)
    aggregate_packages(national, [package.path])

    with sqlite3.connect(national.path) as connection:
        stored = dict(
            connection.execute(
                "SELECT field, value FROM received_value JOIN received_building "
                "ON received_building.id = received_value.building_id "
                "WHERE permanent_building_identifier = ?",
                (valid_prt(1),),
            ).fetchall()
        )
    buildings = json.loads(zip_members(package.path)["buildings.json"])["buildings"]
    school = next(b for b in buildings if b["permanent_building_identifier"] == valid_prt(1))
    assert school["fields"]["acquisition_cost"]["value"] == "1234567.05"
    assert stored["acquisition_cost"] == '"1234567.05"'
    assert stored["completion_date"] == '"1926-08"'
    assert stored["use_class_1994"] == '"531"'
    assert stored["gross_floor_area"] == '"2450"'


# Three municipalities, a newer package, a replay


def three_packages(tmp_path: Path) -> tuple[Database, list[Path]]:
    lahti = import_sample(tmp_path / "lahti")
    paths = [export_package(lahti, tmp_path / "out", now=NOW).path]
    for make in (helsinki, orimattila):
        database = make(tmp_path / make.__name__)
        paths.append(export_package(database, tmp_path / "out", now=NOW).path)
        database.close()
    return lahti, paths


def test_three_municipalities_then_a_newer_package(national: Database, tmp_path: Path) -> None:
    lahti, paths = three_packages(tmp_path)
    first = aggregate_packages(national, paths)
    summary = national_summary(national)

    assert [result.merged for result in first] == [True, True, True]
    assert summary.municipalities == 3
    assert summary.buildings == 3 + 3 + 1
    assert summary.owned_buildings == 3 + 2 + 1
    # Lahti 2450 + 1450.5 + 980, Helsinki 1000.5 + 300 (the leased-in 700 excluded).
    assert summary.gross_floor_area == Decimal("6181")
    by_class = {total.main_class: total for total in summary.classes}
    assert by_class["01"].gross_floor_area == Decimal("3450.5")
    assert by_class["01"].buildings == 2
    assert by_class["07"].buildings == 1
    assert by_class["07"].gross_floor_area_known == 0

    editor(lahti).set_value(building_id(lahti, valid_prt(1)), "gross_floor_area", Decimal(2500))
    newer = export_package(lahti, tmp_path / "out", now=LATER)
    [second] = aggregate_packages(national, [newer.path])
    summary = national_summary(national)
    database_id = lahti.info().database_id
    lahti.close()

    assert second.merged and second.superseded_sequence == 1
    assert summary.buildings == 7
    assert summary.gross_floor_area == Decimal("6231")
    assert history(national, database_id) == [(1, False), (2, True)]
    with national.read_session() as session:
        old = session.scalar(
            select(ReceivedPackage).where(
                ReceivedPackage.sequence == 1, ReceivedPackage.database_id == database_id
            )
        )
        assert old is not None
        old_buildings = session.scalars(
            select(ReceivedBuilding).where(ReceivedBuilding.package_id == old.id)
        ).all()
    assert len(old_buildings) == 3


def test_replaying_the_older_package_is_rejected(national: Database, tmp_path: Path) -> None:
    lahti, paths = three_packages(tmp_path)
    newer = export_package(lahti, tmp_path / "out", now=LATER)
    lahti.close()
    aggregate_packages(national, [*paths, newer.path])

    [replayed] = aggregate_packages(national, [paths[0]])

    assert isinstance(replayed.error, PackageAlreadyReceived)
    assert national_summary(national).buildings == 7


def test_older_sequence_is_rejected(national: Database, tmp_path: Path) -> None:
    lahti = import_sample(tmp_path / "lahti")
    older = export_package(lahti, tmp_path / "out", now=NOW)
    newer = export_package(lahti, tmp_path / "out", now=LATER)
    lahti.close()

    results = aggregate_packages(national, [newer.path, older.path])

    assert results[0].merged
    assert isinstance(results[1].error, PackageNotNewer)
    assert results[1].error.newest == 2
    with national.read_session() as session:
        assert session.scalars(select(ReceivedPackage.sequence)).all() == [2]


def test_package_failing_verification_writes_nothing(
    lahti: Database, national: Database, tmp_path: Path
) -> None:
    package = export_package(lahti, tmp_path / "out", now=NOW)
    members = zip_members(package.path)
    members["buildings.json"] = members["buildings.json"].replace(b'"2450"', b'"2451"')
    damaged = write_zip(tmp_path / "damaged.zip", list(members.items()))

    [result] = aggregate_packages(national, [damaged])

    assert isinstance(result.error, PackageRejected)
    with sqlite3.connect(national.path) as connection:
        counts = [
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("received_package", "received_building", "received_value")
        ]
    assert counts == [0, 0, 0]


def test_municipal_database_refused(lahti: Database, tmp_path: Path) -> None:
    package = export_package(lahti, tmp_path / "out", now=NOW)
    with pytest.raises(NotANationalDatabase):
        aggregate_packages(lahti, [package.path])


# Reference file


def test_reference_figures(national: Database, tmp_path: Path) -> None:
    lahti, paths = three_packages(tmp_path)
    lahti.close()
    aggregate_packages(national, paths)

    reference = national_reference(national, now=LATER)
    document = reference.to_json()
    figures = {(f["indicator"], f["municipality"], f["class"]): f for f in document["figures"]}

    assert validate_reference_document(document) == []
    assert {f["basis"] for f in document["figures"]} == {"group_owned"}
    assert figures[("gross_floor_area", "national", None)]["value"] == "6181"
    assert figures[("gross_floor_area", "091", "01")]["value"] == "1000.5"
    assert figures[("building_count", "091", None)]["value"] == "2"
    assert figures[("building_count", "national", "07")]["class_scheme"] == (
        "building_main_class_2018"
    )
    assert ("gross_floor_area", "560", "07") not in figures
    assert [item["rows"] for item in document["inputs"]] == [3, 3, 1]


def test_cli_round_trip_and_reference_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lahti, paths = three_packages(tmp_path)
    lahti.close()
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"not a zip")
    out = tmp_path / "reference.json"
    national_path = tmp_path / "national.sqlite"

    status = main(
        [
            "--lang",
            "en",
            "aggregate",
            *map(str, paths),
            str(damaged),
            "--db",
            str(national_path),
            "--reference-out",
            str(out),
            "--json",
        ]
    )
    printed = json.loads(capsys.readouterr().out)

    assert status == 1
    assert printed["format"] == "tilaapp.aggregate/1"
    assert [r["status"] for r in printed["results"]] == ["merged"] * 3 + ["rejected"]
    assert printed["results"][3]["reason"] == "verification"
    assert printed["summary"]["gross_floor_area"] == "6181"
    assert validate_reference_document(json.loads(out.read_text(encoding="utf-8"))) == []

    municipal = tmp_path / "lahti" / "db.sqlite"
    assert main(["--lang", "en", "reference", "import", str(out), "--db", str(municipal)]) == 0
    database = open_database(municipal, create=False)
    try:
        with database.read_session() as session:
            assert stored_reference(session) is not None
        charts = comparison_charts(compare(database, valuation_year=2026))
    finally:
        database.close()
    chart = charts.find("gross_floor_area_by_class", "group_owned")
    assert chart is not None
    national_series = next(s for s in chart.series if s.role == "national")
    assert national_series.found
    assert national_series.figures["01"] == Decimal("3450.5")


def test_cli_text_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lahti, paths = three_packages(tmp_path)
    lahti.close()

    status = main(
        ["--lang", "en", "aggregate", *map(str, paths), "--db", str(tmp_path / "national.sqlite")]
    )
    printed = capsys.readouterr()

    assert status == 0
    assert "Merged" in printed.out
    assert "3 municipalities" in printed.out
    assert "01 " in printed.out


def test_cli_replay_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lahti, paths = three_packages(tmp_path)
    lahti.close()
    national_path = str(tmp_path / "national.sqlite")
    assert main(["--lang", "en", "aggregate", str(paths[0]), "--db", national_path]) == 0
    capsys.readouterr()

    status = main(["--lang", "en", "aggregate", str(paths[0]), "--db", national_path])

    assert status == 1
    assert "was rejected" in capsys.readouterr().err


def test_national_database_has_no_home(national: Database) -> None:
    with national.read_session() as session:
        info = session.get(DatabaseInfo, 1)
    assert info is not None and info.home_municipality_code is None


def test_reference_file_read_back(national: Database, tmp_path: Path) -> None:
    lahti, paths = three_packages(tmp_path)
    lahti.close()
    aggregate_packages(national, paths)
    out = tmp_path / "reference.json"
    from tilaapp.services.reference import write_reference

    write_reference(out, national_reference(national, now=LATER))
    figures = read_reference(out).figures

    assert any(f.municipality == "national" and f.class_code == "03" for f in figures)


def test_newest_database_of_a_municipality_counts(national: Database, tmp_path: Path) -> None:
    first = import_sample(tmp_path / "first")
    older = export_package(first, tmp_path / "out-first", now=NOW)
    first.close()
    second = import_sample(tmp_path / "second")
    editor(second).set_value(building_id(second, valid_prt(1)), "gross_floor_area", Decimal(2500))
    newer = export_package(second, tmp_path / "out-second", now=LATER)
    second.close()

    results = aggregate_packages(national, [older.path, newer.path])
    summary = national_summary(national)

    assert [result.merged for result in results] == [True, True]
    assert summary.municipalities == 1
    assert summary.buildings == 3
    assert summary.gross_floor_area == Decimal("4930.5")


def test_cli_municipal_database_is_usage_error(
    lahti: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = export_package(lahti, tmp_path / "out", now=NOW)

    status = main(["--lang", "en", "aggregate", str(package.path), "--db", str(lahti.path)])

    assert status == 2
    assert "is a municipality's database" in capsys.readouterr().err
