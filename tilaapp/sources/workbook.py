"""Safe opening of Excel workbooks (.xlsx): file checks, read-only loading, row streaming.

Every failure becomes a ``FileRejected`` with a reason the user can act on. XML parts are
parsed with openpyxl's parser, which uses defusedxml when that is installed, as it is for
tilaapp. ``open_workbook`` checks that it does, and rejects a workbook whose XML
declares entities as UNSAFE_XML.
"""

from __future__ import annotations

import logging
import zipfile
import zlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree.ElementTree import ParseError

from tilaapp.sources.records import FileRejected, RejectionReason

logger = logging.getLogger(__name__)

# Compound File Binary (OLE2) signature: Excel stores an encrypted (password-protected)
# .xlsx, and every legacy .xls, in this container instead of a zip.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_MEGABYTE = 1024 * 1024
_CHUNK_SIZE = 1024 * 1024
_CONTENT_TYPES = "[Content_Types].xml"
_PACKAGE_RELATIONSHIPS = "_rels/.rels"
_DEFAULT_WORKBOOK_PART = "xl/workbook.xml"
_OFFICE_DOCUMENT_TYPE_SUFFIX = "/officeDocument"
_RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SPREADSHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

# Exceptions of openpyxl and of the zip and XML layers under it on a damaged part.
# defusedxml's exceptions (entity expansion, external references) are ValueErrors.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    TypeError,
    ParseError,
)


def check_safe_xml_parsing() -> None:
    """Raise RuntimeError unless openpyxl parses workbook XML with defusedxml.

    openpyxl 3.1 uses defusedxml when it is installed and the environment variable
    ``OPENPYXL_DEFUSEDXML`` is not ``False``. defusedxml rejects entity declarations
    (the "billion laughs" expansion) and references to external files.
    """
    import openpyxl
    from defusedxml import ElementTree as defused_tree
    from openpyxl.xml import functions

    if not openpyxl.DEFUSEDXML or functions.iterparse is not defused_tree.iterparse:
        raise RuntimeError(
            "openpyxl does not parse with defusedxml; install defusedxml and do not set "
            "OPENPYXL_DEFUSEDXML=False"
        )


def _is_unsafe_xml(error: BaseException) -> bool:
    """Return whether defusedxml raised ``error`` or an error that openpyxl wrapped it in."""
    from defusedxml import DefusedXmlException

    current: BaseException | None = error
    while current is not None:
        if isinstance(current, DefusedXmlException):
            return True
        current = current.__cause__ or current.__context__
    return False


def _unsafe_xml(path: Path, error: BaseException) -> FileRejected:
    logger.warning("Rejected %s: unsafe XML (%s)", path.name, type(error).__name__)
    return FileRejected(path, RejectionReason.UNSAFE_XML)


def _parse_xml(data: bytes) -> Any:
    # openpyxl is imported on first use: it takes a tenth of a second to import, and
    # commands that read no workbook should not wait for it.
    from openpyxl.xml.functions import fromstring

    return fromstring(data)


def check_workbook_file(path: Path, *, max_size: int) -> None:
    """Check that ``path`` is a readable .xlsx workbook of at most ``max_size`` bytes.

    Raises ``FileRejected``: NOT_FOUND, TOO_LARGE (checked before the file is opened),
    EMPTY, PASSWORD_PROTECTED (an OLE2 file or an encrypted zip member), NOT_A_WORKBOOK
    (no zip or no workbook part) or UNREADABLE (a zip member fails its CRC check).
    """
    size = _file_size(path)
    if size > max_size:
        raise FileRejected(
            path,
            RejectionReason.TOO_LARGE,
            size=f"{size / _MEGABYTE:.0f}",
            limit=f"{max_size / _MEGABYTE:.0f}",
        )
    if size == 0:
        raise FileRejected(path, RejectionReason.EMPTY)

    _check_signature(path)
    with _open_zip(path) as archive:
        if find_workbook_part(archive) is None:
            raise FileRejected(path, RejectionReason.NOT_A_WORKBOOK)
        _check_members(path, archive)


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """Open a checked workbook read-only, with cached formula results instead of formulas.

    openpyxl gets a file object, not the path, because it rejects a path by its extension.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_safe_xml_parsing()
    with _open_binary(path) as file:
        try:
            workbook = load_workbook(file, read_only=True, data_only=True)
        except (*_READ_ERRORS, InvalidFileException) as error:
            if _is_unsafe_xml(error):
                raise _unsafe_xml(path, error) from error
            raise FileRejected(
                path, RejectionReason.UNREADABLE, detail=f"{type(error).__name__}: {error}"
            ) from error

        try:
            yield workbook
        finally:
            workbook.close()


def iter_sheet_rows(
    path: Path, worksheet: Any, *, redact: bool = False
) -> Generator[tuple[int, tuple[object, ...]], None, None]:
    """Yield ``(row number as Excel shows it, cell values)`` of a read-only worksheet.

    Rows have different lengths, because a row ends at its last non-empty cell. A damaged
    sheet raises ``FileRejected`` (UNREADABLE). With ``redact``, the detail and the
    exception chain leave out the error text, which may quote a cell of personal data.
    """
    # The dimension a producer writes can be wrong, and openpyxl would cut rows off at it.
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(values_only=True)
    row_number = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except _READ_ERRORS as error:
            if _is_unsafe_xml(error):
                raise _unsafe_xml(path, error) from (None if redact else error)
            raise _unreadable_sheet(path, worksheet.title, row_number + 1, error, redact) from (
                None if redact else error
            )

        row_number += 1
        yield row_number, tuple(cells)


def workbook_sheet_names(path: Path) -> list[str] | None:
    """Return the sheet names of an .xlsx file from its workbook part, loading no sheet.

    Returns None when the file is not a readable zip with a workbook part.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = find_workbook_part(archive)
            if part is None:
                return None
            root = _parse_xml(archive.read(part))
    except (*_READ_ERRORS, RuntimeError, NotImplementedError):
        # zipfile raises RuntimeError for an encrypted member and NotImplementedError for
        # an unknown compression method.
        return None

    return [sheet.get("name", "") for sheet in root.iter(f"{_SPREADSHEET_NS}sheet")]


def find_workbook_part(archive: zipfile.ZipFile) -> str | None:
    """Return the name of the workbook part of an Office Open XML package, or None."""
    names = set(archive.namelist())
    if _CONTENT_TYPES not in names:
        return None

    target = _office_document_target(archive) if _PACKAGE_RELATIONSHIPS in names else None
    for candidate in (target, _DEFAULT_WORKBOOK_PART):
        if candidate is not None and candidate in names:
            return candidate
    return None


def _file_size(path: Path) -> int:
    try:
        status = path.stat()
    except FileNotFoundError as error:
        raise FileRejected(path, RejectionReason.NOT_FOUND) from error
    except OSError as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error

    if not path.is_file():
        raise FileRejected(path, RejectionReason.NOT_FOUND)
    return status.st_size


def _check_signature(path: Path) -> None:
    with _open_binary(path) as file:
        signature = file.read(len(OLE_MAGIC))

    if signature == OLE_MAGIC:
        raise FileRejected(path, RejectionReason.PASSWORD_PROTECTED)
    if not signature.startswith(ZIP_MAGIC):
        raise FileRejected(path, RejectionReason.NOT_A_WORKBOOK)


def _open_binary(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except FileNotFoundError as error:
        raise FileRejected(path, RejectionReason.NOT_FOUND) from error
    except OSError as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        logger.info("%s is not a zip file: %s", path.name, error)
        raise FileRejected(path, RejectionReason.NOT_A_WORKBOOK) from error
    except OSError as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error


def _check_members(path: Path, archive: zipfile.ZipFile) -> None:
    """Decompress every member once, so a damaged part is found before anything is read.

    zipfile checks each member against its CRC. No part is parsed here.
    """
    # NOTE: the work is bounded by the uncompressed sizes that the zip declares, and no
    # limit is set on them, so a small file that declares huge members takes long here.
    for member in archive.infolist():
        if member.flag_bits & 0x1:
            raise FileRejected(path, RejectionReason.PASSWORD_PROTECTED)
        try:
            with archive.open(member) as stream:
                while stream.read(_CHUNK_SIZE):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
            raise FileRejected(
                path,
                RejectionReason.UNREADABLE,
                detail=f"damaged part {member.filename}: {error}",
            ) from error


def _office_document_target(archive: zipfile.ZipFile) -> str | None:
    """Return the workbook part that the package relationships name, or None."""
    try:
        root = _parse_xml(archive.read(_PACKAGE_RELATIONSHIPS))
    except _READ_ERRORS:
        return None

    for relationship in root.iter(f"{_RELATIONSHIPS_NS}Relationship"):
        if relationship.get("Type", "").endswith(_OFFICE_DOCUMENT_TYPE_SUFFIX):
            target = relationship.get("Target", "")
            return str(PurePosixPath(target.lstrip("/")))
    return None


def _unreadable_sheet(
    path: Path, sheet: str, row_number: int, error: BaseException, redact: bool
) -> FileRejected:
    reason = type(error).__name__ if redact else f"{type(error).__name__}: {error}"
    logger.warning("Sheet %r of %s is damaged at row %d: %s", sheet, path.name, row_number, reason)
    return FileRejected(
        path,
        RejectionReason.UNREADABLE,
        detail=f"damaged sheet {sheet!r} at row {row_number}: {reason}",
    )
