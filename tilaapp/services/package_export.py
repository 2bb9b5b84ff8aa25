"""Writing an update package, and what the last one was.

``export_package`` checks the portfolio, reads the package's content and writes the zip
in one database transaction, and records the package in ``package_export``. A finding
of severity error blocks the export before anything is written. The zip is written
next to its target as ``<name>.part`` and renamed when complete, so a failed or
cancelled export leaves no package behind and records none.

The package identifies itself by the SHA-256 of its ``manifest.json``. The manifest
lists the SHA-256 of every other member, so the one hash read over the phone covers the
whole package. ``docs/package-format.md`` describes the format and what it protects
against.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp import __version__
from tilaapp.services.package_content import (
    PackageCancelled,
    PackageSnapshot,
    ProgressCallback,
    batch_json,
    buildings_changed,
    buildings_document,
    changes_document,
    problems_document,
    read_snapshot,
)
from tilaapp.services.package_format import (
    BUILDINGS,
    CHANGES,
    MANIFEST,
    MAX_COMPRESSION_RATIO,
    PACKAGE_FORMAT,
    PROBLEMS,
    SUMMARY,
    json_bytes,
    package_file_name,
    utc_text,
)
from tilaapp.services.package_validation import Finding, check_buildings, has_errors
from tilaapp.storage.database import Database, utc_now
from tilaapp.storage.models import DatabaseInfo, Municipality, PackageExport

log = logging.getLogger(__name__)

APPLICATION_NAME = "tilaapp"
# Regular file, readable by all: the permissions a member would get when unpacked.
_MEMBER_MODE = stat.S_IFREG | 0o644
_COMPRESS_LEVEL = 9


class PackageExportError(Exception):
    """An update package cannot be written; nothing was written and nothing recorded."""


class ExportBlocked(PackageExportError):
    """Checks of the portfolio found errors, listed in ``findings`` with the warnings."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = tuple(findings)
        errors = sum(1 for finding in findings if finding.is_error)
        super().__init__(f"{errors} validation errors block the export")


class NoHomeMunicipality(PackageExportError):
    """The database has no home municipality, which names the package."""


class EmptyPortfolio(PackageExportError):
    """The portfolio has no buildings, so a package would contain none."""


class PackageExists(PackageExportError):
    """A file of the package's name already exists in the output folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} exists")


@dataclass(frozen=True)
class PackageResult:
    """The package that ``export_package`` wrote."""

    path: Path
    sequence: int
    created_at: datetime.datetime
    manifest_sha256: str
    buildings: int
    changes: int
    problems: int
    since_sequence: int | None
    """The sequence of the previous package, after which the changes start."""
    warnings: tuple[Finding, ...]


@dataclass(frozen=True)
class PackageStatus:
    """The last package written from the database, and how much changed since."""

    last_sequence: int | None
    """None when no package was written yet."""
    last_created_at: datetime.datetime | None
    last_file_name: str | None
    last_manifest_sha256: str | None
    buildings_changed_since: int
    """Buildings with changes that the next package would send."""


def package_status(session: Session) -> PackageStatus:
    """Return the last package exported and the number of buildings changed since."""
    last = session.scalar(select(PackageExport).order_by(PackageExport.sequence.desc()))
    changed = buildings_changed(session, last.last_change_id if last is not None else 0)
    if last is None:
        return PackageStatus(None, None, None, None, changed)
    return PackageStatus(
        last_sequence=last.sequence,
        last_created_at=last.created_at,
        last_file_name=last.file_name,
        last_manifest_sha256=last.manifest_sha256,
        buildings_changed_since=changed,
    )


def export_package(
    database: Database,
    folder: Path,
    *,
    now: datetime.datetime | None = None,
    progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> PackageResult:
    """Write the next update package of the database into ``folder`` and record it.

    ``progress`` is called with the number of buildings read and their total;
    ``is_cancelled`` is asked between buildings and before writing. Raises
    ``ExportBlocked``, ``NoHomeMunicipality``, ``EmptyPortfolio``, ``PackageExists``,
    ``PackageCancelled`` and ``OSError``; in each case nothing is written or recorded.
    """
    created_at = (now or utc_now()).astimezone(datetime.UTC)
    written: Path | None = None
    try:
        with database.session() as session:
            result = _export(session, folder, created_at, progress, is_cancelled)
            written = result.path
    except BaseException:
        # The package is renamed into place before the transaction commits; a failed
        # commit must not leave a package that the database does not know.
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    log.info(
        "Exported package %s: sequence %d, %d buildings, %d changes, manifest SHA-256 %s",
        result.path,
        result.sequence,
        result.buildings,
        result.changes,
        result.manifest_sha256,
    )
    return result


def _export(
    session: Session,
    folder: Path,
    created_at: datetime.datetime,
    progress: ProgressCallback | None,
    is_cancelled: Callable[[], bool] | None,
) -> PackageResult:
    municipality = _home_municipality(session)
    snapshot = read_snapshot(session, progress=progress, is_cancelled=is_cancelled)
    if not snapshot.views:
        raise EmptyPortfolio("the portfolio has no buildings")
    findings = check_buildings(snapshot.views, today=created_at.date())
    if has_errors(findings):
        raise ExportBlocked(findings)

    sequence = snapshot.previous.sequence + 1 if snapshot.previous is not None else 1
    target = folder / package_file_name(municipality.code, sequence, created_at)
    if target.exists():
        raise PackageExists(target)

    members = _data_members(snapshot, municipality, sequence, created_at)
    counts = {
        "buildings": len(snapshot.views),
        "changes": len(snapshot.changes),
        "problems": len(snapshot.problems),
        "warnings": len(findings),
    }
    manifest = _manifest(session, snapshot, municipality, sequence, created_at, counts, members)
    manifest_bytes = json_bytes(manifest)
    manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    if is_cancelled is not None and is_cancelled():
        raise PackageCancelled()

    session.add(
        PackageExport(
            sequence=sequence,
            created_at=created_at,
            manifest_sha256=manifest_sha256,
            file_name=target.name,
            last_change_id=snapshot.last_change_id,
            building_count=len(snapshot.views),
        )
    )
    session.flush()
    _write_package(target, [(MANIFEST, manifest_bytes), *members], created_at)
    return PackageResult(
        path=target,
        sequence=sequence,
        created_at=created_at,
        manifest_sha256=manifest_sha256,
        buildings=len(snapshot.views),
        changes=len(snapshot.changes),
        problems=len(snapshot.problems),
        since_sequence=snapshot.previous.sequence if snapshot.previous is not None else None,
        warnings=tuple(findings),
    )


def _home_municipality(session: Session) -> Municipality:
    info = session.get(DatabaseInfo, 1)
    code = info.home_municipality_code if info is not None else None
    municipality = session.get(Municipality, code) if code is not None else None
    if municipality is None:
        raise NoHomeMunicipality("the database has no home municipality")
    return municipality


def _data_members(
    snapshot: PackageSnapshot,
    municipality: Municipality,
    sequence: int,
    created_at: datetime.datetime,
) -> list[tuple[str, bytes]]:
    # Imported here: openpyxl takes about 0.12 s to import, and the command line imports
    # this module for its errors.
    from tilaapp.services.package_summary import SummaryInfo, summary_bytes

    info = SummaryInfo(
        municipality_code=municipality.code,
        municipality_name=municipality.name_fi,
        sequence=sequence,
        created_at=created_at,
        changes=len(snapshot.changes),
        problems=len(snapshot.problems),
    )
    return [
        (BUILDINGS, json_bytes(buildings_document(snapshot, municipality.code))),
        (CHANGES, json_bytes(changes_document(snapshot))),
        (SUMMARY, summary_bytes(snapshot.views, info)),
        (PROBLEMS, json_bytes(problems_document(snapshot))),
    ]


def _manifest(
    session: Session,
    snapshot: PackageSnapshot,
    municipality: Municipality,
    sequence: int,
    created_at: datetime.datetime,
    counts: dict[str, int],
    members: list[tuple[str, bytes]],
) -> dict[str, Any]:
    info = session.get(DatabaseInfo, 1)
    assert info is not None, "_home_municipality has read the row"
    previous = snapshot.previous
    return {
        "format": PACKAGE_FORMAT,
        "municipality": {
            "code": municipality.code,
            "name_fi": municipality.name_fi,
            "name_sv": municipality.name_sv,
        },
        "database_id": info.database_id,
        "sequence": sequence,
        "created_at": utc_text(created_at),
        "application": {"name": APPLICATION_NAME, "version": __version__},
        "changes_since": None
        if previous is None
        else {
            "sequence": previous.sequence,
            "created_at": utc_text(previous.created_at),
            "manifest_sha256": previous.manifest_sha256,
        },
        "batches": [batch_json(batch) for batch in snapshot.batches],
        "counts": counts,
        "members": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in members
        ],
    }


def _compression(data: bytes) -> int:
    """Return deflate, or no compression when deflate would pass the verifier's ratio limit.

    A member of very uniform data, such as thousands of alike buildings, could otherwise
    deflate more than ``MAX_COMPRESSION_RATIO`` times, and the package would fail its own
    verification.
    """
    deflated = len(zlib.compress(data, _COMPRESS_LEVEL))
    if len(data) > MAX_COMPRESSION_RATIO * max(deflated, 1):
        return zipfile.ZIP_STORED
    return zipfile.ZIP_DEFLATED


def _write_package(
    target: Path, members: list[tuple[str, bytes]], created_at: datetime.datetime
) -> None:
    """Write the zip as ``<target>.part`` and rename it to ``target`` when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".part")
    # Zip times have no time zone; the package's are UTC, as in the manifest.
    date_time = created_at.timetuple()[:6]
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            for name, data in members:
                member = zipfile.ZipInfo(name, date_time=date_time)
                member.compress_type = _compression(data)
                member.external_attr = _MEMBER_MODE << 16
                archive.writestr(member, data, compresslevel=_COMPRESS_LEVEL)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
