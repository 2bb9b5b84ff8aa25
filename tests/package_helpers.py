"""Databases and zip files for the update package tests."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from devtools.dvv_workbook import (
    MUNICIPALITY_BUSINESS_ID,
    Building,
    Cell,
    sample_buildings,
    write_extract,
)
from tilaapp.services.editing import EditService
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.storage.database import Database, open_database

EXTRACTION_DATE = datetime.date(2024, 1, 15)
USER = "Tester Teppo"


def import_sample(
    folder: Path,
    buildings: list[Building] | None = None,
    *,
    extra_sheets: Mapping[str, Sequence[Sequence[Cell]]] | None = None,
) -> Database:
    """Import an extract of ``buildings`` (default: the sample) into ``folder/db.sqlite``.

    The municipality's business ID makes its buildings the portfolio: the school
    (``valid_prt(1)``), the office (7) and the library (9) of the sample.
    """
    folder.mkdir(parents=True, exist_ok=True)
    extract = write_extract(
        folder / "extract.xlsx", buildings or sample_buildings(), extra_sheets=extra_sheets
    )
    options = ImportOptions(
        home_municipality="398",
        owner_business_ids=(MUNICIPALITY_BUSINESS_ID,),
        extraction_date=EXTRACTION_DATE,
    )
    import_files(folder / "db.sqlite", [extract], options)
    return open_database(folder / "db.sqlite", create=False)


def editor(database: Database) -> EditService:
    return EditService(database, os_user=USER)


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """Write a valid zip (right CRCs) of ``members`` in order, deflated."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def zip_bytes(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def folder_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Return every path under ``folder`` with its size and modification time."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }
