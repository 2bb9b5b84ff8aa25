"""Format detection by content, never by file extension."""

from __future__ import annotations

from pathlib import Path

from tilaapp.domain.fields import Source
from tilaapp.i18n import N_, gettext
from tilaapp.sources.dvv_extract import DvvExtractReader, sniff_dvv_extract
from tilaapp.sources.records import FileRejected, RejectionReason

SUPPORTED_FORMATS: tuple[str, ...] = (N_("DVV building extract workbook (.xlsx)"),)

SourceReader = DvvExtractReader


def open_reader(
    path: Path, *, municipalities: frozenset[str] | None
) -> tuple[Source, SourceReader]:
    """Return the reader for the format of ``path``; raise ``FileRejected`` when no format fits."""
    if not path.is_file():
        raise FileRejected(path, RejectionReason.NOT_FOUND)
    if sniff_dvv_extract(path):
        return Source.DVV_EXTRACT, DvvExtractReader(path, municipalities=municipalities)

    # The extract reader's own checks name the reason best for anything that looks like
    # an Excel file; other files get the list of supported formats.
    reader = DvvExtractReader(path, municipalities=municipalities)
    try:
        reader.check()
    except FileRejected as rejection:
        if rejection.reason is not RejectionReason.NOT_A_WORKBOOK:
            raise
    else:
        return Source.DVV_EXTRACT, reader
    formats = ", ".join(gettext(name) for name in SUPPORTED_FORMATS)
    raise FileRejected(path, RejectionReason.UNSUPPORTED_FORMAT, formats=formats)
