"""Writing update packages: members, manifest, values, changes, sequence and checks."""

from __future__ import annotations

import datetime
import hashlib
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import sample_buildings, valid_prt
from tests.package_helpers import editor, folder_state, import_sample, zip_members
from tilaapp.cli.main import main
from tilaapp.domain.dates import PartialDate
from tilaapp.services.package_content import PackageCancelled
from tilaapp.services.package_export import (
    EmptyPortfolio,
    ExportBlocked,
    NoHomeMunicipality,
    PackageExists,
    export_package,
    package_status,
)
from tilaapp.services.package_format import (
    DATA_MEMBERS,
    MANIFEST,
    MEMBERS,
    format_hash,
    load_json,
    package_file_name,
    parse_package_file_name,
)
from tilaapp.services.package_read import read_buildings
from tilaapp.services.package_validation import validate_portfolio
from tilaapp.services.package_verify import VerifyLimits, verify_package
from tilaapp.sources.records import Severity
from tilaapp.storage.database import Database, open_database
from tilaapp.storage.models import Building, DatabaseInfo, LocalValue, PackageExport

NOW = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)


@pytest.fixture
def database(tmp_path: Path) -> Database:
    opened = import_sample(tmp_path / "municipality")
    yield opened
    opened.close()


def building_id(database: Database, prt: str) -> int:
    with database.read_session() as session:
        found = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == prt)
        )
    assert found is not None
    return found


def documents(path: Path) -> dict[str, object]:
    members = zip_members(path)
    return {name: load_json(data) for name, data in members.items() if name.endswith(".json")}


# The package and its manifest


def test_export_then_verify_passes(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    verified = verify_package(result.path)
    assert verified.messages() == []
    assert verified.manifest_sha256 == result.manifest_sha256


def test_package_file_name(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    assert result.path.name == "398_0001_2026-03-02.zip"
    assert parse_package_file_name(result.path.name) == ("398", 1, datetime.date(2026, 3, 2))


def test_zip_has_exactly_the_members(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    with zipfile.ZipFile(result.path) as archive:
        assert [info.filename for info in archive.infolist()] == list(MEMBERS)


def test_manifest_lists_members_with_hash_and_size(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    members = zip_members(result.path)
    manifest = load_json(members[MANIFEST])

    listed = {entry["name"]: entry for entry in manifest["members"]}
    assert sorted(listed) == sorted(DATA_MEMBERS)
    for name in DATA_MEMBERS:
        assert listed[name]["size"] == len(members[name]), name
        assert listed[name]["sha256"] == hashlib.sha256(members[name]).hexdigest(), name


def test_manifest_hash_is_package_identity(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    manifest_bytes = zip_members(result.path)[MANIFEST]
    assert result.manifest_sha256 == hashlib.sha256(manifest_bytes).hexdigest()


def test_manifest_names_database_and_municipality(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    manifest = documents(result.path)[MANIFEST]
    with database.read_session() as session:
        info = session.get(DatabaseInfo, 1)
        assert info is not None
        database_id = info.database_id

    assert manifest["format"] == "tilaapp.package/1"
    assert manifest["municipality"] == {"code": "398", "name_fi": "Lahti", "name_sv": "Lahtis"}
    assert manifest["database_id"] == database_id
    assert manifest["sequence"] == 1
    assert manifest["created_at"] == "2026-03-02T08:30:00Z"
    assert manifest["counts"]["buildings"] == 3
    assert manifest["changes_since"] is None


def test_manifest_lists_import_batch(database: Database, tmp_path: Path) -> None:
    extract_hash = hashlib.sha256((tmp_path / "municipality" / "extract.xlsx").read_bytes())
    result = export_package(database, tmp_path / "out", now=NOW)
    batches = documents(result.path)[MANIFEST]["batches"]

    assert [batch["sha256"] for batch in batches] == [extract_hash.hexdigest()]
    assert batches[0]["source"] == "dvv_extract"
    assert batches[0]["extraction_date"] == "2024-01-15"
    assert batches[0]["counts"]["buildings_in_file"] == 9
    assert "file_name" not in batches[0]
    assert "os_user" not in batches[0]


def test_format_hash_groups_of_four() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    grouped = format_hash(digest)
    assert grouped.split(" ")[0] == digest[:4]
    assert len(grouped.split(" ")) == 16
    assert grouped.replace(" ", "") == digest


def test_package_file_name_pads_sequence() -> None:
    assert package_file_name("081", 12, NOW) == "081_0012_2026-03-02.zip"
    assert parse_package_file_name("081_0012_2026-02-30.zip") is None


# buildings.json


def test_buildings_are_the_portfolio(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    buildings = documents(result.path)["buildings.json"]["buildings"]
    identifiers = [building["permanent_building_identifier"] for building in buildings]
    assert identifiers == [valid_prt(1), valid_prt(7), valid_prt(9)]


def test_building_values_exact(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    buildings = documents(result.path)["buildings.json"]["buildings"]
    school, office, library = buildings
    fields = school["fields"]

    assert fields["gross_floor_area"] == {"value": "2450", "source": "dvv_extract", "batch": 1}
    assert fields["completion_date"]["value"] == "1925"
    assert fields["property_identifier"]["value"] == "39840100010001"
    assert fields["municipality_number"]["value"] == "398"
    assert fields["building_class_2018"]["value"] == "0110"
    assert fields["building_class_2018"]["code_list"] == "building_class_2018"
    assert fields["number_of_storeys"]["value"] == 3
    assert office["fields"]["gross_floor_area"]["value"] == "1450.5"
    assert library["fields"]["completion_date"]["value"] == "1988-11-30"


def test_local_value_source_and_time(database: Database, tmp_path: Path) -> None:
    school = building_id(database, valid_prt(1))
    editor(database).set_value(school, "replacement_cost", Decimal("1234567.50"))
    editor(database).set_value(school, "completion_date", PartialDate(1926, 8))

    result = export_package(database, tmp_path / "out", now=NOW)
    fields = documents(result.path)["buildings.json"]["buildings"][0]["fields"]

    assert fields["replacement_cost"]["value"] == "1234567.5"
    assert fields["replacement_cost"]["source"] == "local"
    assert fields["replacement_cost"]["changed_at"].endswith("Z")
    assert "batch" not in fields["replacement_cost"]
    assert fields["completion_date"] == {
        "value": "1926-08",
        "source": "local",
        "changed_at": fields["completion_date"]["changed_at"],
    }


def test_portfolio_holder_and_tenure(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    document = documents(result.path)["buildings.json"]
    school = document["buildings"][0]

    assert school["portfolio"] == {"tenure": "owned", "holder_business_id": "0123456-2"}
    assert document["holder_entities"] == [
        {"business_id": "0123456-2", "name": "Lahti", "kind": "municipality"}
    ]


def test_assessor_never_exported(database: Database, tmp_path: Path) -> None:
    school = building_id(database, valid_prt(1))
    editor(database).set_value(school, "condition_assessor", "Arvioija Aapeli")
    editor(database).set_value(school, "condition_class", 3)

    result = export_package(database, tmp_path / "out", now=NOW)
    document = documents(result.path)
    fields = document["buildings.json"]["buildings"][0]["fields"]
    changed_fields = [change["field"] for change in document["changes.json"]["changes"]]

    assert "condition_assessor" not in fields
    assert fields["condition_class"]["value"] == 3
    assert "condition_assessor" not in changed_fields
    assert "condition_class" in changed_fields


@pytest.mark.parametrize(("is_person", "exported"), [(True, False), (None, False), (False, True)])
def test_lessee_only_when_not_person(
    database: Database, tmp_path: Path, is_person: bool | None, exported: bool
) -> None:
    school = building_id(database, valid_prt(1))
    editor(database).set_value(school, "lessee", "Vuokraaja Veera")
    editor(database).set_value(school, "lessee_is_person", is_person)

    result = export_package(database, tmp_path / "out", now=NOW)
    document = documents(result.path)
    fields = document["buildings.json"]["buildings"][0]["fields"]
    lessee_changes = [c for c in document["changes.json"]["changes"] if c["field"] == "lessee"]

    assert ("lessee" in fields) is exported
    assert lessee_changes[0]["values_withheld"] is True
    assert lessee_changes[0]["new_value"] is None


def test_buildings_read_back_typed(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    buildings = read_buildings(documents(result.path)["buildings.json"])

    school = buildings[0]
    assert school.permanent_building_identifier == valid_prt(1)
    assert school.value("gross_floor_area") == Decimal(2450)
    assert school.value("completion_date") == PartialDate(1925)
    assert school.value("number_of_storeys") == 3
    assert school.fields["gross_floor_area"].batch == 1
    assert school.value("condition_class") is None


# Sequence numbers and changes


def test_sequence_numbers_increase(database: Database, tmp_path: Path) -> None:
    first = export_package(database, tmp_path / "out", now=NOW)
    second = export_package(database, tmp_path / "out", now=NOW + datetime.timedelta(days=1))
    third = export_package(
        database, tmp_path / "out", now=NOW + datetime.timedelta(days=1, hours=1)
    )

    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert third.path.name == "398_0003_2026-03-03.zip"
    assert documents(second.path)[MANIFEST]["changes_since"] == {
        "sequence": 1,
        "created_at": "2026-03-02T08:30:00Z",
        "manifest_sha256": first.manifest_sha256,
    }


def test_export_recorded(database: Database, tmp_path: Path) -> None:
    result = export_package(database, tmp_path / "out", now=NOW)
    with database.read_session() as session:
        records = list(session.scalars(select(PackageExport)))

    assert len(records) == 1
    assert records[0].sequence == 1
    assert records[0].manifest_sha256 == result.manifest_sha256
    assert records[0].file_name == result.path.name
    assert records[0].building_count == 3


def test_changes_only_after_previous_package(database: Database, tmp_path: Path) -> None:
    school = building_id(database, valid_prt(1))
    office = building_id(database, valid_prt(7))
    editor(database).set_value(school, "condition_class", 2)
    first = export_package(database, tmp_path / "out", now=NOW)
    editor(database).set_value(office, "condition_class", 4)
    editor(database).set_value(school, "condition_class", 3)
    second = export_package(database, tmp_path / "out", now=NOW + datetime.timedelta(days=1))

    first_changes = documents(first.path)["changes.json"]["changes"]
    second_document = documents(second.path)["changes.json"]
    second_changes = [
        (change["building_id"], change["field"], change["old_value"], change["new_value"])
        for change in second_document["changes"]
    ]
    assert ("condition_class", None, 2) in [
        (change["field"], change["old_value"], change["new_value"]) for change in first_changes
    ]
    assert second_changes == [
        (office, "condition_class", None, 4),
        (school, "condition_class", 2, 3),
    ]
    assert second_document["since_package"] == 1
    assert second.changes == 2


def test_changes_have_time_and_source_not_user(database: Database, tmp_path: Path) -> None:
    school = building_id(database, valid_prt(1))
    editor(database).set_value(school, "condition_class", 2)
    result = export_package(database, tmp_path / "out", now=NOW)
    changes = documents(result.path)["changes.json"]["changes"]
    edit = next(change for change in changes if change["field"] == "condition_class")

    assert edit["source"] == "local"
    assert edit["changed_at"].endswith("Z")
    assert "os_user" not in edit
    assert b"Tester Teppo" not in zip_members(result.path)["changes.json"]


def test_portfolio_removal_sent_as_change(database: Database, tmp_path: Path) -> None:
    from tilaapp.services.portfolio_edit import PortfolioService

    export_package(database, tmp_path / "out", now=NOW)
    library = building_id(database, valid_prt(9))
    PortfolioService(database, os_user="tester").remove_from_portfolio([library])
    second = export_package(database, tmp_path / "out", now=NOW + datetime.timedelta(days=1))

    document = documents(second.path)
    changes = document["changes.json"]["changes"]
    assert [(c["building_id"], c["field"], c["new_value"]) for c in changes] == [
        (library, "portfolio", None)
    ]
    assert len(document["buildings.json"]["buildings"]) == 2


def test_status_counts_changed_buildings(database: Database, tmp_path: Path) -> None:
    with database.read_session() as session:
        before = package_status(session)
    result = export_package(database, tmp_path / "out", now=NOW)
    school = building_id(database, valid_prt(1))
    office = building_id(database, valid_prt(7))
    editor(database).set_value(school, "condition_class", 2)
    editor(database).set_value(school, "condition_class", 3)
    editor(database).set_value(office, "local_name", "Virastotalo")
    with database.read_session() as session:
        after = package_status(session)

    assert before.last_sequence is None
    assert before.buildings_changed_since == 3
    assert after.last_sequence == 1
    assert after.last_created_at == NOW
    assert after.last_file_name == result.path.name
    assert after.last_manifest_sha256 == result.manifest_sha256
    assert after.buildings_changed_since == 2


# Checks before the export


def invalid_buildings() -> list:
    buildings = sample_buildings()
    buildings[0].gross_floor_area = 600_000
    buildings[0].number_of_storeys = 61
    return buildings


def test_validation_errors_and_warnings(tmp_path: Path) -> None:
    database = import_sample(tmp_path / "municipality", invalid_buildings())
    with database.read_session() as session:
        findings = validate_portfolio(session, today=NOW.date())
    database.close()

    errors = [(f.permanent_building_identifier, f.field) for f in findings if f.is_error]
    warnings = {(f.permanent_building_identifier, f.field) for f in findings if not f.is_error}
    assert errors == [
        (valid_prt(1), "gross_floor_area"),
        (valid_prt(1), "number_of_storeys"),
    ]
    assert (valid_prt(7), "condition_class") in warnings
    assert all(f.severity is Severity.WARNING for f in findings[2:])
    assert "600" in findings[0].message


@pytest.mark.parametrize(
    ("field", "value", "expected_error"),
    [
        ("gross_floor_area", Decimal("0.5"), True),
        ("gross_floor_area", Decimal(1), False),
        ("gross_floor_area", Decimal(500_000), False),
        ("gross_floor_area", Decimal("500000.001"), True),
        ("number_of_storeys", -1, True),
        ("number_of_storeys", 0, False),
        ("number_of_storeys", 60, False),
        ("completion_date", PartialDate(1499), True),
        ("completion_date", PartialDate(1500), False),
        ("completion_date", PartialDate(2027), False),
        ("completion_date", PartialDate(2028), True),
        ("condition_class", 0, True),
        ("condition_class", 6, True),
        ("condition_class", 5, False),
        ("utilisation_rate", Decimal("100.001"), True),
        ("utilisation_rate", Decimal(-1), True),
        ("utilisation_rate", Decimal(100), False),
        ("acquisition_cost", Decimal("-0.01"), True),
        ("replacement_cost", Decimal(-5), True),
        ("maintenance_cost_per_year", Decimal(-1), True),
        ("rental_income_per_year", Decimal(-1), True),
        ("rental_income_per_year", Decimal(0), False),
    ],
)
def test_validation_bounds(
    database: Database, field: str, value: object, expected_error: bool
) -> None:
    # Written past the edit service, whose own checks would reject these values.
    school = building_id(database, valid_prt(1))
    with database.session() as session:
        local = session.get(LocalValue, school) or LocalValue(building_id=school)
        setattr(local, field, value)
        session.add(local)
    with database.read_session() as session:
        findings = validate_portfolio(session, today=NOW.date())

    errors = [f.field for f in findings if f.is_error]
    assert (errors == [field]) is expected_error, errors


def test_missing_values_are_warnings(database: Database) -> None:
    with database.read_session() as session:
        findings = validate_portfolio(session, today=NOW.date())
    office_warnings = {f.field for f in findings if f.permanent_building_identifier == valid_prt(7)}
    library_warnings = {
        f.field for f in findings if f.permanent_building_identifier == valid_prt(9)
    }

    assert office_warnings == {"condition_class"}
    # The library has only a 1994 use class, which the crosswalk turns into a 2018 class.
    assert library_warnings == {"condition_class"}
    assert not any(f.is_error for f in findings)


def test_errors_block_export(tmp_path: Path) -> None:
    database = import_sample(tmp_path / "municipality", invalid_buildings())
    out = tmp_path / "out"
    with pytest.raises(ExportBlocked) as raised:
        export_package(database, out, now=NOW)
    with database.read_session() as session:
        recorded = list(session.scalars(select(PackageExport)))
    database.close()

    assert len([f for f in raised.value.findings if f.is_error]) == 2
    assert not out.exists()
    assert recorded == []


def test_cli_errors_exit_1_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import_sample(tmp_path / "municipality", invalid_buildings()).close()
    out = tmp_path / "out"
    out.mkdir()

    status = main(["export-package", "--db", str(tmp_path / "municipality" / "db.sqlite"),
                   "--out", str(out), "--lang", "en"])  # fmt: skip
    captured = capsys.readouterr()

    assert status == 1
    assert list(out.iterdir()) == []
    assert f"Error: {valid_prt(1)}: Gross floor area 600,000 m²" in captured.err
    assert "2 errors in the portfolio block the update package" in captured.err


def test_cli_prints_path_and_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_sample(tmp_path / "municipality").close()
    db = str(tmp_path / "municipality" / "db.sqlite")

    status = main(["export-package", "--db", db, "--out", str(tmp_path / "out"), "--json"])
    printed = json.loads(capsys.readouterr().out)

    assert status == 0
    assert printed["format"] == "tilaapp.export-package/1"
    assert Path(printed["path"]).is_file()
    manifest = zip_members(Path(printed["path"]))[MANIFEST]
    assert printed["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    assert printed["sequence"] == 1


def test_cli_text_shows_grouped_hash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_sample(tmp_path / "municipality").close()
    db = str(tmp_path / "municipality" / "db.sqlite")

    status = main(["export-package", "--db", db, "--out", str(tmp_path / "out"), "--lang", "en"])
    out = capsys.readouterr().out
    package = next((tmp_path / "out").glob("*.zip"))
    digest = hashlib.sha256(zip_members(package)[MANIFEST]).hexdigest()

    assert status == 0
    assert str(package) in out
    assert format_hash(digest) in out


def test_cli_warnings_counted_by_kind(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_sample(tmp_path / "municipality").close()
    db = str(tmp_path / "municipality" / "db.sqlite")

    status = main(["export-package", "--db", db, "--out", str(tmp_path / "out"), "--lang", "en"])
    err = capsys.readouterr().err.splitlines()

    assert status == 0
    summary = [line for line in err if line.startswith("Warning: ")]
    assert summary != []
    assert len(summary) == len(set(summary))
    assert all(" building: " in line or " buildings: " in line for line in summary)
    assert not any(valid_prt(1) in line for line in err)
    assert err[-1] == "Add --all-warnings to list the buildings of each warning."


def test_cli_all_warnings_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_sample(tmp_path / "municipality").close()
    db = str(tmp_path / "municipality" / "db.sqlite")

    out = str(tmp_path / "out")
    status = main(["export-package", "--db", db, "--out", out, "--lang", "en", "--all-warnings"])
    err = capsys.readouterr().err

    assert status == 0
    assert f"Warning: {valid_prt(1)}: " in err
    assert "--all-warnings" not in err


def test_cli_first_package_sentence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import_sample(tmp_path / "municipality").close()
    db = str(tmp_path / "municipality" / "db.sqlite")

    main(["export-package", "--db", db, "--out", str(tmp_path / "out"), "--lang", "en"])
    first = capsys.readouterr().out
    main(["export-package", "--db", db, "--out", str(tmp_path / "out"), "--lang", "en"])
    second = capsys.readouterr().out

    assert "Package number 1 is the first one. It lists the " in first
    assert "–" not in first
    assert "Package number 2. Changes since package 1: " in second


# Other refusals


def test_no_home_municipality_refused(database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        info = session.get(DatabaseInfo, 1)
        assert info is not None
        info.home_municipality_code = None
    with pytest.raises(NoHomeMunicipality):
        export_package(database, tmp_path / "out", now=NOW)


def test_empty_portfolio_refused(tmp_path: Path) -> None:
    database = open_database(tmp_path / "empty.sqlite")
    with database.session() as session:
        info = session.get(DatabaseInfo, 1)
        assert info is not None
        info.home_municipality_code = "398"
    with pytest.raises(EmptyPortfolio):
        export_package(database, tmp_path / "out", now=NOW)
    database.close()


def test_existing_file_not_overwritten(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "398_0001_2026-03-02.zip").write_bytes(b"someone else's file")
    with pytest.raises(PackageExists):
        export_package(database, out, now=NOW)
    assert (out / "398_0001_2026-03-02.zip").read_bytes() == b"someone else's file"


def test_cancel_writes_and_records_nothing(database: Database, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    before = folder_state(out)
    progress: list[tuple[int, int]] = []

    def cancel_after_first() -> bool:
        return len(progress) >= 1

    with pytest.raises(PackageCancelled):
        export_package(
            database,
            out,
            now=NOW,
            progress=lambda done, total: progress.append((done, total)),
            is_cancelled=cancel_after_first,
        )
    with database.read_session() as session:
        recorded = list(session.scalars(select(PackageExport)))

    assert progress == [(1, 3)]
    assert folder_state(out) == before
    assert recorded == []


def test_uniform_members_stored_to_pass_ratio(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With a ratio limit of 2 every JSON member deflates past it, so the writer stores
    # them uncompressed and the package passes a verifier with the same limit.
    monkeypatch.setattr("tilaapp.services.package_export.MAX_COMPRESSION_RATIO", 2)
    result = export_package(database, tmp_path / "out", now=NOW)
    with zipfile.ZipFile(result.path) as archive:
        methods = {info.filename: info.compress_type for info in archive.infolist()}

    assert methods["buildings.json"] == zipfile.ZIP_STORED
    assert verify_package(result.path, limits=VerifyLimits(max_ratio=2)).messages() == []
