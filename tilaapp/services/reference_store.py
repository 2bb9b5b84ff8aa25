"""Reference files stored in a database, so that comparisons use them without a path."""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.services.importing import file_sha256
from tilaapp.services.reference import (
    InvalidReference,
    ReferenceData,
    read_reference,
    reference_from_document,
)
from tilaapp.storage.database import Database, backup_database, utc_now
from tilaapp.storage.models import StoredReference

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReferenceImport:
    """The outcome of ``import_reference``."""

    database: Path
    file: Path
    figures: int
    already_stored: bool
    """The newest stored reference is this same file, so nothing was written."""
    imported_at: datetime.datetime | None


def import_reference(database: Database, path: Path) -> ReferenceImport:
    """Validate the reference file ``path`` and store it as the reference in use.

    Storing the file that is already the newest changes nothing. An existing database is
    backed up before it changes. Raises ``InvalidReference`` with the database unchanged.
    """
    data = read_reference(path)
    sha256 = file_sha256(path)
    with database.read_session() as session:
        newest = _newest(session)
    if newest is not None and newest.sha256 == sha256:
        log.info("Reference %s is already stored in %s", path, database.path)
        return ReferenceImport(database.path, path, len(data.figures), True, None)

    if not database.created:
        backup_database(database.path, reason="before-reference-import")
    now = utc_now()
    text = path.read_text(encoding="utf-8-sig")
    with database.session() as session:
        session.add(
            StoredReference(imported_at=now, file_name=path.name, sha256=sha256, document=text)
        )
    log.info("Stored reference %s in %s: %d figures", path, database.path, len(data.figures))
    return ReferenceImport(database.path, path, len(data.figures), False, now)


def stored_reference(session: Session) -> ReferenceData | None:
    """Return the newest stored reference, or None when none is stored."""
    newest = _newest(session)
    if newest is None:
        return None
    return reference_from_text(newest.document, newest.file_name)


def reference_from_text(text: str, name: str) -> ReferenceData:
    """Validate and read a reference document kept as text, as ``read_reference`` does."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidReference(Path(name), [str(error)]) from error
    return reference_from_document(Path(name), document)


def _newest(session: Session) -> StoredReference | None:
    query = select(StoredReference).order_by(StoredReference.id.desc()).limit(1)
    return session.scalar(query)
