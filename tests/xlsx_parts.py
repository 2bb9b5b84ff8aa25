"""Minimal .xlsx workbooks written part by part, for cases openpyxl cannot write.

openpyxl writes no cached formula results, always writes a correct dimension and never
writes entity declarations, so the tests that need those write the XML themselves.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


@dataclass
class Sheet:
    name: str
    rows_xml: str
    """The content of <sheetData>."""
    state: str = "visible"
    dimension: str | None = None
    after_data: str = ""
    """XML after </sheetData>, such as <mergeCells>."""


def text_row(number: int, *values: object) -> str:
    """Return a <row> of inline-string and number cells; None leaves a cell out."""
    cells = []
    for index, value in enumerate(values):
        if value is None:
            continue
        reference = f"{chr(ord('A') + index)}{number}"
        if isinstance(value, str):
            cells.append(f'<c r="{reference}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        else:
            cells.append(f'<c r="{reference}"><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def write_workbook(
    path: Path,
    sheets: list[Sheet],
    *,
    date1904: bool = False,
    shared_strings: str | None = None,
) -> Path:
    """Write a workbook of ``sheets``; ``shared_strings`` is the raw sharedStrings.xml."""
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{WORKBOOK_TYPE}"/>']
    relationships = []
    sheet_entries = []
    for index, sheet in enumerate(sheets, start=1):
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{index}.xml" ContentType="{SHEET_TYPE}"/>'
        )
        relationships.append(
            f'<Relationship Id="rId{index}" Type="{REL_NS}/worksheet" '
            f'Target="worksheets/sheet{index}.xml"/>'
        )
        sheet_entries.append(
            f'<sheet name="{escape(sheet.name)}" sheetId="{index}" state="{sheet.state}" '
            f'r:id="rId{index}"/>'
        )
    if shared_strings is not None:
        overrides.append(
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/>'
        )
        relationships.append(
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL_NS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f"{''.join(overrides)}</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        workbook_properties = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}">{workbook_properties}<sheets>{"".join(sheet_entries)}'
            "</sheets></workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL_NS}">'
            f"{''.join(relationships)}</Relationships>",
        )
        for index, sheet in enumerate(sheets, start=1):
            dimension = f'<dimension ref="{sheet.dimension}"/>' if sheet.dimension else ""
            archive.writestr(
                f"xl/worksheets/sheet{index}.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}" '
                f'xmlns:r="{REL_NS}">{dimension}<sheetData>{sheet.rows_xml}</sheetData>'
                f"{sheet.after_data}</worksheet>",
            )
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
    return path
