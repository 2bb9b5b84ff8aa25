"""No personal data in an update package, searched in every member and inside summary.xlsx."""

from __future__ import annotations

import dataclasses
import datetime
import io
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from devtools.dvv_workbook import (
    Building,
    Owner,
    person_values,
    personal_identity_code,
    resident_rows,
    sample_buildings,
    valid_prt,
)
from tests.package_helpers import USER, editor, import_sample
from tilaapp.services.package_export import export_package
from tilaapp.storage.models import Building as BuildingRow

NOW = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)
# A value in a field the package sends (the school's property name). Finding it shows
# that the search reads every member, the workbook's XML parts included.
CONTROL_VALUE = "KONTROLLI-Ämpäri-4711"
# A value typed into a local text field, which only summary.xlsx and buildings.json carry.
CONTROL_NAME = "Kontrollikoulu Öljymäki"
ASSESSOR = "Arvioija Aapeli Salainen"
PERSON_LESSEE = "Vuokralainen Veikko Yksityinen"
# Resident columns of the R9 sheet that identify a person.
RESIDENT_COLUMNS = (6, 7, 8, 9)


def buildings() -> list[Building]:
    sample = sample_buildings()
    sample[0] = dataclasses.replace(sample[0], property_name=CONTROL_VALUE)
    # The school, in the portfolio, also has a private person as a co-owner.
    sample[0].owners.append(
        Owner(
            personal_identity_code=personal_identity_code("010190", 977),
            owner_type="1",
            type_code="1",
            name="Yhteisomistaja Olga Keksitty",
            home_address="Piilopaikantie 21 C 4",
            postal_address="PL 77 Piilopaikantie",
        )
    )
    return sample


def secrets() -> set[str]:
    residents = {
        str(row[column])
        for row in resident_rows()[1:]
        for column in RESIDENT_COLUMNS
        if row[column]
    }
    return person_values(buildings()) | residents | {ASSESSOR, PERSON_LESSEE, USER}


def encodings(value: str) -> Iterator[bytes]:
    for text in {value, value.upper(), value.lower(), value.casefold()}:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "latin-1"):
            try:
                yield text.encode(encoding)
            except UnicodeEncodeError:
                continue
        # JSON written with ensure_ascii would escape non-ASCII characters.
        yield text.encode("ascii", "backslashreplace").replace(b"\\x", b"\\u00")


def unpacked(data: bytes, prefix: str = "") -> dict[str, bytes]:
    """Return every member of a zip, and of every zip inside it, by path."""
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            content = archive.read(info)
            path = prefix + info.filename
            files[path] = content
            if content.startswith(b"PK\x03\x04"):
                files.update(unpacked(content, path + "!/"))
    return files


def containing(files: dict[str, bytes], value: str) -> list[str]:
    return [
        path
        for path, content in files.items()
        if any(encoded in content for encoded in encodings(value))
    ]


@pytest.fixture(scope="module")
def package_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Import a DVV extract with person owners and residents, edit, export, unpack."""
    folder = tmp_path_factory.mktemp("privacy")
    database = import_sample(
        folder / "municipality", buildings(), extra_sheets={"R9 huon asukk": resident_rows()}
    )
    with database.read_session() as session:
        school = session.scalar(
            select(BuildingRow.id).where(BuildingRow.permanent_building_identifier == valid_prt(1))
        )
    assert school is not None
    edits = editor(database)
    edits.set_value(school, "condition_assessor", ASSESSOR)
    edits.set_value(school, "condition_class", 3)
    edits.set_value(school, "local_name", CONTROL_NAME)
    edits.set_value(school, "lessee", PERSON_LESSEE)
    edits.set_value(school, "lessee_is_person", True)
    result = export_package(database, folder / "out", now=NOW)
    database.close()
    return unpacked(result.path.read_bytes())


def test_workbook_parts_unpacked(package_files: dict[str, bytes]) -> None:
    assert any(path.startswith("summary.xlsx!/xl/worksheets/") for path in package_files)
    assert "buildings.json" in package_files


def test_search_finds_control_values(package_files: dict[str, bytes]) -> None:
    assert "buildings.json" in containing(package_files, CONTROL_VALUE)
    found = containing(package_files, CONTROL_NAME)
    assert "buildings.json" in found
    assert any(path.startswith("summary.xlsx!/xl/") for path in found), found


def test_no_personal_data_in_package(package_files: dict[str, bytes]) -> None:
    leaks = {secret: containing(package_files, secret) for secret in sorted(secrets())}
    assert {secret: paths for secret, paths in leaks.items() if paths} == {}


def test_secrets_cover_every_kind() -> None:
    found = secrets()
    assert "Yhteisomistaja Olga Keksitty" in found
    assert "Piilopaikantie 21 C 4" in found
    assert personal_identity_code("010190", 977) in found
    assert "Aino Kuvitelma" in found
    assert ASSESSOR in found
    assert PERSON_LESSEE in found
    assert USER in found


def test_school_has_person_owner_and_is_exported(package_files: dict[str, bytes]) -> None:
    # The person's row belongs to a building the package contains, so the search is
    # not passing only because the building was left out.
    assert valid_prt(1).encode() in package_files["buildings.json"]
