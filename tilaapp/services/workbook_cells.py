"""Cells of exported Excel workbooks that keep user text as text."""

from __future__ import annotations

import re
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from tilaapp.domain.textcells import FORMULA_PREFIXES

# Excel's limit on the length of the text in one cell.
MAX_CELL_TEXT = 32_767
# XML 1.0 cannot contain these control characters, so openpyxl rejects them.
_ILLEGAL_XML_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text_cell(sheet: Any, text: str, *, font: Font | None = None) -> Any:
    """Return a write-only cell that contains ``text`` as a string, whatever it starts with.

    openpyxl would store text that starts with ``=`` as a formula; the explicit string
    type prevents that. A text that Excel would read as a formula when typed also gets
    the quote prefix, Excel's own mark for such text, so editing the cell keeps it text.
    Control characters that XML cannot contain become U+FFFD, and text beyond Excel's
    cell limit is cut.
    """
    cleaned = _ILLEGAL_XML_CHARACTERS.sub("\ufffd", text)[:MAX_CELL_TEXT]
    cell = WriteOnlyCell(sheet, value=cleaned)
    cell.data_type = "s"
    if cleaned.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell
