"""The rows of an inventory import that found no building, written to a workbook."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from tilaapp.domain.cells import excel_serial_date
from tilaapp.domain.textcells import neutralise_text
from tilaapp.i18n import gettext as _
from tilaapp.services.inventory_import import InventoryImport, describe_unmatched

log = logging.getLogger(__name__)

# openpyxl writes this format as Excel's built-in format 14, which Excel shows as the
# short date of the user's own regional settings, such as 1.1.2020 in Finland.
DATE_FORMAT = "mm-dd-yy"


def write_unmatched(path: Path, result: InventoryImport) -> int:
    """Write the unmatched rows of ``result`` to the workbook ``path``; return their count.

    Each row keeps its row number in the source file, the reason, and every cell of the
    source row. Text is written as text, never as a formula. A number in a column that
    the mapping reads as dates is an Excel serial date, so it is written as that date.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Unmatched rows"))
    header = [_("Row"), _("Reason"), *result.table.columns]
    sheet.append([_cell(WriteOnlyCell, sheet, name) for name in header])

    cells_by_row = {row.number: row.values for row in result.table.rows}
    date_indexes = {
        index for index, column in enumerate(result.table.columns) if column in result.date_columns
    }
    unmatched = result.unmatched
    for match in unmatched:
        cells = [
            _serial_as_date(value, result.table.date1904) if index in date_indexes else value
            for index, value in enumerate(cells_by_row[match.row])
        ]
        values = [match.row, describe_unmatched(match), *cells]
        sheet.append([_cell(WriteOnlyCell, sheet, value) for value in values])

    workbook.save(path)
    log.info("Wrote %d unmatched rows of %s to %s", len(unmatched), result.path.name, path)
    return len(unmatched)


def _serial_as_date(value: object, date1904: bool) -> object:
    """Return an Excel serial date number as its day; leave any other value as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return value
    try:
        return excel_serial_date(value, date1904=date1904)
    except ValueError:
        # Not a serial date (a YYYYMMDD number, for one): kept as the file has it.
        return value


def _cell(cell_class: Any, sheet: Any, value: object) -> Any:
    if isinstance(value, str):
        cell = cell_class(sheet, value=neutralise_text(value))
        cell.data_type = "s"
        return cell
    if isinstance(value, datetime.date):
        cell = cell_class(sheet, value=value)
        if not isinstance(value, datetime.datetime) or value.time() == datetime.time():
            cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, bool | int | float | Decimal) or value is None:
        return cell_class(sheet, value=value)
    return cell_class(sheet, value=str(value))
