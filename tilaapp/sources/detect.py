"""Format detection by content, never by file extension."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tilaapp.domain.fields import Source
from tilaapp.i18n import N_, gettext, ngettext
from tilaapp.sources.dvv_extract import DvvExtractReader, sniff_dvv_extract
from tilaapp.sources.dvv_open import DvvOpenReader, sniff_dvv_open
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.ryhti import RyhtiReader, sniff_ryhti
from tilaapp.sources.textfile import archive_members

SUPPORTED_FORMATS: tuple[str, ...] = (
    N_("DVV building extract workbook (.xlsx)"),
    N_("DVV open address file (.OPT, also inside .zip or .7z)"),
    N_("Ryhti open building data (GeoJSON, one file or several pages)"),
)

SourceReader = DvvExtractReader | DvvOpenReader | RyhtiReader


@dataclass(frozen=True)
class ReaderGroup:
    """One reader over one file, or over every Ryhti page given in one call."""

    paths: tuple[Path, ...]
    source: Source
    reader: SourceReader


def supported_formats_text() -> str:
    return ", ".join(gettext(name) for name in SUPPORTED_FORMATS)


def detect_source(path: Path) -> Source:
    """Return the format of ``path`` by its content; raise ``FileRejected`` when none fits."""
    if path.is_dir():
        raise FileRejected(path, RejectionReason.IS_A_FOLDER)
    if not path.is_file():
        raise FileRejected(path, RejectionReason.NOT_FOUND)
    if sniff_dvv_extract(path):
        return Source.DVV_EXTRACT
    if sniff_dvv_open(path):
        return Source.DVV_OPEN
    if sniff_ryhti(path):
        return Source.RYHTI

    # The extract reader's own checks name the reason best for anything that looks like
    # an Excel file (empty, too large, password-protected, no building sheet).
    try:
        DvvExtractReader(path).check()
    except FileRejected as rejection:
        # A file with a workbook suffix that is not a workbook is damaged, so its reason
        # is more useful than "unknown format".
        if rejection.reason is not RejectionReason.NOT_A_WORKBOOK or _named(
            path, WORKBOOK_SUFFIXES
        ):
            raise
    else:
        return Source.DVV_EXTRACT

    # Likewise the GeoJSON reader names what is wrong with a file named as GeoJSON.
    if _named(path, GEOJSON_SUFFIXES):
        RyhtiReader([path]).check()
    _reject_archive(path)
    raise FileRejected(path, RejectionReason.UNSUPPORTED_FORMAT, formats=supported_formats_text())


# Members of an archive named in its rejection; the others are counted.
NAMED_MEMBERS = 5


def _reject_archive(path: Path) -> None:
    """Reject an archive in which no file is of a supported format, naming its files."""
    members = archive_members(path)
    if members is None:
        return
    if not members:
        raise FileRejected(path, RejectionReason.NO_ARCHIVE_MEMBER)

    named = ", ".join(members[:NAMED_MEMBERS])
    if len(members) > NAMED_MEMBERS:
        named += " " + ngettext(
            "and {count} other file", "and {count} other files", len(members) - NAMED_MEMBERS
        ).format(count=len(members) - NAMED_MEMBERS)
    raise FileRejected(
        path,
        RejectionReason.NO_SUPPORTED_MEMBER,
        members=named,
        formats=supported_formats_text(),
    )


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
GEOJSON_SUFFIXES = (".json", ".geojson")


def _named(path: Path, suffixes: tuple[str, ...]) -> bool:
    return path.suffix.lower() in suffixes


def open_readers(
    paths: Sequence[Path], *, municipalities: frozenset[str] | None
) -> tuple[list[ReaderGroup], list[FileRejected]]:
    """Detect every file's format and open its reader; Ryhti pages share one reader.

    Returns the readers and the rejections; the caller rejects the call if any.
    """
    groups: list[ReaderGroup] = []
    ryhti_pages: list[Path] = []
    rejections: list[FileRejected] = []
    for path in paths:
        try:
            source = detect_source(path)
        except FileRejected as rejection:
            rejections.append(rejection)
            continue
        if source is Source.RYHTI:
            ryhti_pages.append(path)
        elif source is Source.DVV_OPEN:
            groups.append(
                ReaderGroup((path,), source, DvvOpenReader(path, municipalities=municipalities))
            )
        else:
            groups.append(
                ReaderGroup((path,), source, DvvExtractReader(path, municipalities=municipalities))
            )
    if ryhti_pages:
        reader = RyhtiReader(ryhti_pages, municipalities=municipalities)
        groups.append(ReaderGroup(tuple(ryhti_pages), Source.RYHTI, reader))
    return groups, rejections
