"""The rows of an inventory import that found no building, written to a workbook."""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

from tilaapp.domain.textcells import neutralise_text
from tilaapp.i18n import gettext as _
from tilaapp.services.inventory_import import InventoryImport, describe_unmatched

log = logging.getLogger(__name__)


def write_unmatched(path: Path, result: InventoryImport) -> int:
    """Write the unmatched rows of ``result`` to the workbook ``path``; return their count.

    Each row keeps its row number in the source file, the reason, and every cell of the
    source row. Text is written as text, never as a formula.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Unmatched rows"))
    header = [_("Row"), _("Reason"), *result.table.columns]
    sheet.append([_cell(WriteOnlyCell, sheet, name) for name in header])

    cells_by_row = {row.number: row.values for row in result.table.rows}
    unmatched = result.unmatched
    for match in unmatched:
        values = [match.row, describe_unmatched(match), *cells_by_row[match.row]]
        sheet.append([_cell(WriteOnlyCell, sheet, value) for value in values])

    workbook.save(path)
    log.info("Wrote %d unmatched rows of %s to %s", len(unmatched), result.path.name, path)
    return len(unmatched)


def _cell(cell_class: Any, sheet: Any, value: object) -> Any:
    if isinstance(value, str):
        cell = cell_class(sheet, value=neutralise_text(value))
        cell.data_type = "s"
        return cell
    if isinstance(value, bool | int | float | Decimal | datetime.date) or value is None:
        return cell_class(sheet, value=value)
    return cell_class(sheet, value=str(value))
