"""The register list written to a file: an Excel workbook or a CSV file for Finnish Excel.

The export writes the buildings that the register view shows for a filter and a sort,
with the chosen list columns, in the texts the desktop list shows (``list_cell_text``).
A first key column contains each building's database id under the header
``tilaapp-id``, so each row names its building even where it has no permanent identifier.

Both formats are written next to the target as ``<name>.part`` and then renamed, so a
failed export leaves any earlier file as it was. An existing file is replaced only when
an earlier list export wrote it (a workbook's identifier property, a CSV file's first
header) or when the caller agrees to replace it.

Rows are read ``PAGE_SIZE`` buildings at a time and streamed to the file. Memory then
contains the ids of the matching buildings and one page of rows, however many there are.
"""

from __future__ import annotations

import csv
import datetime
import enum
import logging
import os
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from tilaapp.domain.dates import PartialDate
from tilaapp.domain.numbers import decimal_to_text
from tilaapp.domain.textcells import neutralise_text
from tilaapp.i18n import current_language
from tilaapp.i18n import gettext as _
from tilaapp.services.list_export_errors import (
    ListExportError,
    ListExportFolderMissing,
    ListExportNotReplaceable,
    ListExportTargetLocked,
    UnknownListColumn,
    UnsupportedExportFormat,
)
from tilaapp.services.list_texts import KEY_COLUMN_HEADER, list_cell_text, list_column_label
from tilaapp.services.listing import LIST_COLUMNS, ListRow, list_ids, list_rows
from tilaapp.services.workbook_cells import text_cell

log = logging.getLogger(__name__)

LIST_EXPORT_FORMAT = "tilaapp.building-list/1"
"""Stored as the identifier property of every exported workbook, so that a later export
may replace it without asking."""

# Buildings read per query round: bounds the rows held in memory.
PAGE_SIZE = 500

# Only the start of a workbook's core properties, or of a CSV file, is read to
# recognise an earlier export.
_MARK_READ_LIMIT = 64 * 1024
_CORE_PROPERTIES = "docProps/core.xml"
_CSV_MARK = (KEY_COLUMN_HEADER + ";").encode()
_BYTE_ORDER_MARK = "\ufeff".encode()

NUMBER_COLUMNS = frozenset({"gross_floor_area"})
DATE_COLUMNS = frozenset({"completion_date"})

# Excel number formats. Excel writes the separators of the user's locale, so the area
# format shows 1 234,5 in Finnish Excel.
AREA_NUMBER_FORMAT = "#,##0.0##"
_DATE_NUMBER_FORMATS = {"fi": "d.m.yyyy", "sv": "d.m.yyyy", "en": "dd/mm/yyyy"}

# Column widths in the workbook, in Excel's character units.
_KEY_COLUMN_WIDTH = 10
_COLUMN_WIDTHS: dict[str, int] = {
    "permanent_building_identifier": 14,
    "address": 36,
    "local_name": 28,
    "property_identifier": 18,
    "old_building_identifier": 20,
    "municipality_number": 18,
    "building_class_2018": 40,
    "use_class_1994": 40,
    "gross_floor_area": 14,
    "completion_date": 12,
    "tenure": 12,
    "holder_entity": 28,
}


class ExportFormat(enum.Enum):
    """A file format of the list export, chosen by the file's suffix."""

    XLSX = ".xlsx"
    CSV = ".csv"


# Errors


# Texts of the list


# Checks before writing


def export_format(path: Path) -> ExportFormat:
    """Return the format of ``path`` by its suffix; raise ``UnsupportedExportFormat``."""
    suffix = path.suffix.lower()
    for each in ExportFormat:
        if each.value == suffix:
            return each
    raise UnsupportedExportFormat(path)


def check_columns(columns: Sequence[str]) -> tuple[str, ...]:
    """Return ``columns`` without repeats; raise ``UnknownListColumn`` for another name."""
    for column in columns:
        if column not in LIST_COLUMNS:
            raise UnknownListColumn(column)
    return tuple(dict.fromkeys(columns))


def is_list_export(path: Path) -> bool:
    """Return whether ``path`` is a file that ``export_list`` wrote."""
    try:
        if export_format(path) is ExportFormat.XLSX:
            return LIST_EXPORT_FORMAT.encode() in _core_properties(path)
        with path.open("rb") as file:
            head = file.read(len(_BYTE_ORDER_MARK) + len(_CSV_MARK))
    except (OSError, KeyError, zipfile.BadZipFile, UnsupportedExportFormat):
        return False
    return head.removeprefix(_BYTE_ORDER_MARK).startswith(_CSV_MARK)


def _core_properties(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive, archive.open(_CORE_PROPERTIES) as properties:
        return properties.read(_MARK_READ_LIMIT)


def check_export_path(path: Path, *, replace: bool = False) -> None:
    """Raise ``ListExportNotReplaceable`` or ``ListExportFolderMissing`` unless ``path``
    may be written.

    A folder is never replaced. An existing file is replaced when an earlier list export
    wrote it, or when ``replace`` is True because the user agreed to overwrite it.
    """
    if path.is_dir():
        raise ListExportNotReplaceable(path, is_folder=True)
    if not path.parent.is_dir():
        raise ListExportFolderMissing(path)
    if path.exists() and not replace and not is_list_export(path):
        raise ListExportNotReplaceable(path, is_folder=False)


# Writing


def export_list(
    session: Session,
    path: Path,
    *,
    columns: Sequence[str],
    text: str = "",
    all_buildings: bool = False,
    sort_column: str = "permanent_building_identifier",
    descending: bool = False,
    replace: bool = False,
) -> int:
    """Write the buildings of the register view to ``path`` and return how many.

    The buildings and their order are those of ``listing.list_ids`` for ``text``,
    ``all_buildings``, ``sort_column`` and ``descending``, so the register list must be
    complete (``listing.ensure_list``). The format follows the suffix: .xlsx or .csv.
    Raises ``UnsupportedExportFormat``, ``UnknownListColumn``,
    ``ListExportNotReplaceable`` and ``ListExportFolderMissing`` (see
    ``check_export_path``), ``ListExportTargetLocked`` when the operating system does not
    let the file be replaced, and ``OSError`` that names ``path``, never the temporary file.
    """
    file_format = export_format(path)
    chosen = check_columns(columns)
    check_columns([sort_column])
    check_export_path(path, replace=replace)

    ids = list_ids(
        session,
        text=text,
        all_buildings=all_buildings,
        sort_column=sort_column,
        descending=descending,
    )
    rows = _pages(session, ids)
    temporary = path.with_name(path.name + ".part")
    try:
        if file_format is ExportFormat.XLSX:
            count = _write_workbook(temporary, chosen, rows)
        else:
            count = _write_csv(temporary, chosen, rows)
        _move_into_place(temporary, path)
    except ListExportError:
        raise
    except OSError as error:
        # The user chose ``path``, so the temporary file's name would only confuse them.
        log.warning("Could not write %s: %s", error.filename, error)
        raise OSError(error.errno, error.strerror, str(path)) from error
    finally:
        temporary.unlink(missing_ok=True)

    log.info("Exported %d buildings to %s", count, path)
    return count


def _move_into_place(temporary: Path, path: Path) -> None:
    try:
        replace_file(temporary, path)
    except PermissionError as error:
        log.warning("Could not replace %s: %s", path, error)
        raise ListExportTargetLocked(path) from error


def replace_file(source: Path, target: Path) -> None:
    """Move ``source`` over ``target``. On Windows this raises PermissionError while
    another program has ``target`` open."""
    os.replace(source, target)


def _pages(session: Session, ids: Sequence[int]) -> Iterator[ListRow]:
    for start in range(0, len(ids), PAGE_SIZE):
        yield from list_rows(session, ids[start : start + PAGE_SIZE])


def _headers(columns: Sequence[str]) -> list[str]:
    return [KEY_COLUMN_HEADER, *(list_column_label(column) for column in columns)]


# Excel workbook


def _write_workbook(path: Path, columns: Sequence[str], rows: Iterator[ListRow]) -> int:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "tilaapp"
    workbook.properties.identifier = LIST_EXPORT_FORMAT
    workbook.properties.title = _("Building list")
    sheet = workbook.create_sheet(_("Building list"))
    _set_column_widths(sheet, columns)
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    sheet.append([text_cell(sheet, header, font=bold) for header in _headers(columns)])
    cells = _CellMaker(sheet)
    count = 0
    for row in rows:
        sheet.append([cells.key(row.id), *(cells.cell(row, column) for column in columns)])
        count += 1

    last_column = get_column_letter(len(columns) + 1)
    sheet.auto_filter.ref = f"A1:{last_column}{count + 1}"
    workbook.save(path)
    return count


def _set_column_widths(sheet: Any, columns: Sequence[str]) -> None:
    sheet.column_dimensions["A"].width = _KEY_COLUMN_WIDTH
    for index, column in enumerate(columns, start=2):
        sheet.column_dimensions[get_column_letter(index)].width = _COLUMN_WIDTHS[column]


class _CellMaker:
    """Makes the cells of one worksheet: numbers, dates and explicit string cells."""

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet
        self._date_format = _DATE_NUMBER_FORMATS.get(current_language(), "yyyy-mm-dd")

    def key(self, building_id: int) -> Any:
        return WriteOnlyCell(self._sheet, value=building_id)

    def cell(self, row: ListRow, column: str) -> Any:
        value = getattr(row, column)
        if value is None:
            return None
        if column in NUMBER_COLUMNS and isinstance(value, Decimal):
            return self._number(value)
        if column in DATE_COLUMNS and isinstance(value, PartialDate):
            full_date = value.to_date()
            if full_date is not None:
                return self._date(full_date)
        text = list_cell_text(row, column)
        return text_cell(self._sheet, text) if text is not None else None

    def _number(self, value: Decimal) -> Any:
        # Plain notation: openpyxl writes a Decimal with str(), which may use an exponent.
        cell = WriteOnlyCell(self._sheet, value=Decimal(decimal_to_text(value)))
        cell.number_format = AREA_NUMBER_FORMAT
        return cell

    def _date(self, value: datetime.date) -> Any:
        cell = WriteOnlyCell(self._sheet, value=value)
        cell.number_format = self._date_format
        return cell


# CSV for Finnish Excel


def _write_csv(path: Path, columns: Sequence[str], rows: Iterator[ListRow]) -> int:
    """Write UTF-8 with a byte-order mark, ``;`` separators and CRLF, as Finnish Excel reads."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";", lineterminator="\r\n")
        writer.writerow(_headers(columns))
        for row in rows:
            writer.writerow([row.id, *(_csv_cell(row, column) for column in columns)])
            count += 1
    return count


def _csv_cell(row: ListRow, column: str) -> str:
    value = getattr(row, column)
    if column in NUMBER_COLUMNS and isinstance(value, Decimal):
        # A number is never neutralised: a negative one stays a number in Excel.
        return decimal_to_text(value).replace(".", ",")
    text = list_cell_text(row, column)
    return neutralise_text(text) if text is not None else ""
