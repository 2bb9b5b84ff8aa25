"""Reading a user's own inventory, an Excel workbook (.xlsx) or a CSV file, as a table.

The format is recognised by content, never by the file's name. A zip with a workbook
part is a workbook. An OLE2 file is an encrypted workbook or an old .xls, which is
rejected. A file named as a workbook (``WORKBOOK_SUFFIXES``) whose content is not one is
rejected, because reading it as CSV text would show a table the user never saw in Excel.
Anything else is read as CSV text, and binary content is rejected there. Every file is
checked against ``MAX_FILE_SIZE`` before it is opened, and its cells are counted
against ``MAX_CELLS`` while its rows are streamed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tilaapp.sources import table as limits
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.table import MEGABYTE, Table, TableOptions
from tilaapp.sources.workbook import OLE_MAGIC, ZIP_MAGIC, find_workbook_part

logger = logging.getLogger(__name__)

LOCK_FILE_PREFIX = "~$"
"""Excel keeps a small lock file named ``~$`` and the workbook's name beside an open workbook."""
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
TABLE_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt", ".tsv")
"""Files that a folder's listing offers; a file given by name is read whatever its name."""


@dataclass
class TableFiles:
    """The files to read, and those skipped, from the paths a user gave."""

    files: list[Path] = field(default_factory=list)
    skipped_lock_files: list[Path] = field(default_factory=list)


def is_lock_file(path: Path) -> bool:
    return path.name.startswith(LOCK_FILE_PREFIX)


def table_files(paths: Sequence[Path]) -> TableFiles:
    """Expand folders into their table files and skip Excel's lock files.

    A folder gives its files whose names end with one of ``TABLE_SUFFIXES``, sorted by
    name. A lock file is skipped inside a folder and among several files. A lock file
    given alone is kept, so that ``read_table`` rejects it with a message.
    """
    result = TableFiles()
    for path in paths:
        if path.is_dir():
            candidates = sorted(
                child
                for child in path.iterdir()
                if child.is_file() and child.suffix.casefold() in TABLE_SUFFIXES
            )
        else:
            candidates = [path]
        for candidate in candidates:
            if is_lock_file(candidate) and (len(paths) > 1 or path.is_dir()):
                result.skipped_lock_files.append(candidate)
            else:
                result.files.append(candidate)

    for skipped in result.skipped_lock_files:
        logger.info("Skipped Excel lock file %s", skipped)
    return result


def read_table(path: Path, options: TableOptions | None = None) -> Table:
    """Read a workbook's sheet or a CSV file as a table.

    Raises ``FileRejected``: LOCK_FILE, NOT_FOUND, IS_A_FOLDER, TOO_LARGE (before the
    file is opened), TOO_MANY_CELLS, UNSAFE_XML, SHEET_NOT_FOUND, PASSWORD_PROTECTED,
    NOT_A_WORKBOOK, BINARY_FILE, EMPTY or UNREADABLE. Raises ``LookupError`` for an
    unknown encoding.
    """
    options = options or TableOptions()
    if is_lock_file(path):
        workbook = path.with_name(path.name[len(LOCK_FILE_PREFIX) :]).name
        raise FileRejected(path, RejectionReason.LOCK_FILE, workbook=workbook)

    _check_size(path, limits.MAX_FILE_SIZE)
    if _is_workbook(path):
        from tilaapp.sources.xlsx_table import read_xlsx_table

        return read_xlsx_table(
            path, options, max_size=limits.MAX_FILE_SIZE, max_cells=limits.MAX_CELLS
        )
    if path.suffix.casefold() in WORKBOOK_SUFFIXES:
        raise FileRejected(path, RejectionReason.NOT_A_WORKBOOK)

    from tilaapp.sources.csv_table import read_csv_table

    return read_csv_table(path, options, max_cells=limits.MAX_CELLS)


def _check_size(path: Path, max_size: int) -> None:
    if path.is_dir():
        raise FileRejected(path, RejectionReason.IS_A_FOLDER)
    try:
        size = path.stat().st_size
    except FileNotFoundError as error:
        raise FileRejected(path, RejectionReason.NOT_FOUND) from error
    except OSError as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error

    if size > max_size:
        raise FileRejected(
            path,
            RejectionReason.TOO_LARGE,
            size=f"{size / MEGABYTE:.0f}",
            limit=f"{max_size / MEGABYTE:.0f}",
        )


def _is_workbook(path: Path) -> bool:
    """Return whether ``path`` is a zip with a workbook part; reject an OLE2 file."""
    import zipfile

    try:
        with path.open("rb") as file:
            signature = file.read(len(OLE_MAGIC))
    except OSError as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error

    if signature == OLE_MAGIC:
        raise FileRejected(path, RejectionReason.PASSWORD_PROTECTED)
    if not signature.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return find_workbook_part(archive) is not None
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return False
