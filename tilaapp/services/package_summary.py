"""``summary.xlsx`` of an update package: one row per building, for people to read.

The national premises centre works in Finnish, so the headers and words of the summary
are Finnish whatever language the user has chosen. Identifiers and codes are text cells,
so leading zeros stay. Every text is written with an explicit string type
(``workbook_cells.text_cell``), so a name such as ``=HYPERLINK(...)`` is never a formula.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tilaapp.domain.dates import PartialDate
from tilaapp.domain.formatting import format_partial_date
from tilaapp.domain.numbers import decimal_to_text
from tilaapp.services.building_view import BuildingView
from tilaapp.services.workbook_cells import text_cell

SUMMARY_SHEET = "Rakennukset"
INFO_SHEET = "Paketti"

# (header, field or key of _row_values, Excel column width in characters)
_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("Tietokannan tunnus", "id", 12),
    ("Pysyvä rakennustunnus", "permanent_building_identifier", 16),
    ("Kiinteistötunnus", "property_identifier", 18),
    ("Rakennuksen nimi", "local_name", 30),
    ("Osoite", "address", 34),
    ("Sijaintikunta", "municipality_number", 10),
    ("Rakennusluokka 2018", "building_class_2018", 12),
    ("Käyttötarkoitus 1994", "use_class_1994", 12),
    ("Kerrosala (m²)", "gross_floor_area", 12),
    ("Kokonaisala (m²)", "total_area", 12),
    ("Tilavuus (m³)", "volume", 12),
    ("Kerrosluku", "number_of_storeys", 10),
    ("Valmistumispäivä", "completion_date", 14),
    ("Kuntoluokka", "condition_class", 10),
    ("Käyttöaste (%)", "utilisation_rate", 10),
    ("Hallinta", "tenure", 12),
    ("Haltija", "holder_name", 28),
    ("Haltijan Y-tunnus", "holder_business_id", 12),
)
HEADERS: tuple[str, ...] = tuple(header for header, _, _ in _COLUMNS)

_TENURE_WORDS = {"owned": "omistettu", "leased_in": "vuokrattu"}
# Excel shows 1 234,5 in Finnish Excel: it writes the separators of the user's locale.
NUMBER_FORMAT = "#,##0.0##"


@dataclass(frozen=True)
class SummaryInfo:
    """The package facts shown on the second sheet."""

    municipality_code: str
    municipality_name: str
    sequence: int
    created_at: datetime.datetime
    changes: int
    problems: int


def summary_bytes(views: Sequence[BuildingView], info: SummaryInfo) -> bytes:
    """Return the ``summary.xlsx`` workbook of the buildings, as file content."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "tilaapp"
    workbook.properties.title = "Päivityspaketin yhteenveto"
    _write_buildings(workbook.create_sheet(SUMMARY_SHEET), views)
    _write_info(workbook.create_sheet(INFO_SHEET), info, len(views))

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _write_buildings(sheet: Any, views: Sequence[BuildingView]) -> None:
    for index, (_header, _key, width) in enumerate(_COLUMNS):
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([text_cell(sheet, header, font=bold) for header in HEADERS])
    for view in views:
        values = _row_values(view)
        sheet.append([_cell(sheet, values[key]) for _header, key, _width in _COLUMNS])


def _row_values(view: BuildingView) -> dict[str, Any]:
    values: dict[str, Any] = {name: state.value for name, state in view.fields.items()}
    portfolio = view.portfolio
    values["id"] = view.id
    values["permanent_building_identifier"] = view.permanent_building_identifier
    values["address"] = view.addresses[0].text("fi") if view.addresses else None
    values["tenure"] = _TENURE_WORDS.get(str(portfolio.tenure)) if portfolio else None
    values["holder_name"] = portfolio.holder_name if portfolio else None
    values["holder_business_id"] = portfolio.holder_business_id if portfolio else None
    return values


def _cell(sheet: Any, value: Any) -> Any:
    """Return the cell of a value: numbers as numbers, everything else as text."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        # Plain notation: openpyxl writes a Decimal with str(), which may use an exponent.
        cell = WriteOnlyCell(sheet, value=Decimal(decimal_to_text(value)))
        cell.number_format = NUMBER_FORMAT
        return cell
    if isinstance(value, int) and not isinstance(value, bool):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, PartialDate):
        return text_cell(sheet, format_partial_date(value, "fi"))
    return text_cell(sheet, str(value))


def _write_info(sheet: Any, info: SummaryInfo, building_count: int) -> None:
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 28
    created = info.created_at.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    rows: tuple[tuple[str, Any], ...] = (
        ("Kunta", info.municipality_name),
        ("Kuntakoodi", info.municipality_code),
        ("Paketin järjestysnumero", info.sequence),
        ("Luotu", created),
        ("Rakennuksia", building_count),
        ("Muutoksia edellisen paketin jälkeen", info.changes),
        ("Avoimia tuontiongelmia", info.problems),
    )
    for label, value in rows:
        sheet.append([text_cell(sheet, label), _cell(sheet, value)])
