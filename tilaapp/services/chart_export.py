"""The data of one comparison chart written to an Excel workbook.

The sheet repeats the chart's title, basis and notes, then one row per group (or per
municipality of the scatter) with the plotted values and the figures as numbers, so
that the workbook can be read without the chart. User text is written as explicit
string cells, so that no name becomes a formula. The workbook is written next to the
target as ``<name>.part`` and then renamed, so a failed export leaves an earlier file
as it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from tilaapp.domain.numbers import decimal_to_text
from tilaapp.domain.textcells import FORMULA_PREFIXES
from tilaapp.i18n import gettext as _
from tilaapp.services.comparison_charts import (
    OWN,
    PEERS,
    BarChart,
    ScatterChart,
    area_name,
    bar_notes,
    basis_sentence,
    chart_heading,
    chart_title,
    group_label,
    series_label,
    unit_text,
)

log = logging.getLogger(__name__)

CHART_EXPORT_FORMAT = "tilaapp.chart-data/1"
"""Stored as the identifier property of every workbook this module writes."""

NUMBER_FORMAT = "#,##0.0#####"
_GROUP_COLUMN_WIDTH = 40
_VALUE_COLUMN_WIDTH = 22


def write_bar_chart_workbook(path: Path, chart: BarChart, peer_count: int) -> None:
    """Write the groups and series of ``chart`` to the workbook ``path``, replacing it.

    ``peer_count`` is the size of the peer group, for the peer series' name.
    """
    workbook, sheet = _new_workbook(chart_heading(chart))
    _write_heading(sheet, chart_heading(chart), chart.basis, _bar_notes(chart, peer_count))

    found = [each for each in chart.series if each.found]
    headers = [_("Group")]
    headers += [
        _("{series}, {unit}").format(
            series=series_label(each, peer_count), unit=unit_text(chart.unit)
        )
        for each in found
    ]
    if chart.is_share:
        headers += [
            _("{series}, {unit}").format(
                series=series_label(each, peer_count), unit=unit_text(chart.figure_unit)
            )
            for each in found
        ]
    _append_header(sheet, headers)
    for group in chart.groups:
        label = group_label(chart.grouping, group) if chart.grouping else chart_title(chart.chart)
        row: list[Any] = [_text_cell(sheet, label)]
        row += [_number_cell(sheet, each.values.get(group)) for each in found]
        if chart.is_share:
            row += [_number_cell(sheet, each.figures.get(group)) for each in found]
        sheet.append(row)
    _save(workbook, path)


def write_scatter_workbook(path: Path, chart: ScatterChart) -> None:
    """Write every municipality of the scatter with its population and figure to ``path``."""
    workbook, sheet = _new_workbook(chart_title(chart.chart))
    notes = [] if chart.points else [_no_scatter_sentence()]
    _write_heading(sheet, chart_title(chart.chart), chart.basis, notes)
    _append_header(
        sheet,
        [
            _("Municipality"),
            _("Population"),
            _("{indicator}, {unit}").format(
                indicator=_("Gross floor area per resident"), unit=unit_text(chart.unit)
            ),
            _("Role in the comparison"),
        ],
    )
    for point in chart.points:
        sheet.append(
            [
                _text_cell(sheet, area_name(point.municipality)),
                _number_cell(sheet, Decimal(point.population)),
                _number_cell(sheet, point.value),
                _text_cell(sheet, point_role_text(point.role)),
            ]
        )
    _save(workbook, path)


def point_role_text(role: str) -> str:
    """Return the name of a scatter point's role."""
    if role == OWN:
        return _("own municipality")
    if role == PEERS:
        return _("peer municipality")
    return _("other municipality")


def _no_scatter_sentence() -> str:
    return _(
        "The reference has no gross floor area per resident of other municipalities, "
        "so there is nothing to compare with."
    )


def _bar_notes(chart: BarChart, peer_count: int) -> list[str]:
    return [note for note in bar_notes(chart, peer_count) if note]


def _new_workbook(title: str) -> tuple[Any, Any]:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "tilaapp"
    workbook.properties.identifier = CHART_EXPORT_FORMAT
    workbook.properties.title = title
    # Excel limits sheet names to 31 characters.
    sheet = workbook.create_sheet(title[:31])
    sheet.column_dimensions["A"].width = _GROUP_COLUMN_WIDTH
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = _VALUE_COLUMN_WIDTH
    return workbook, sheet


def _write_heading(sheet: Any, title: str, basis: str, notes: Sequence[str]) -> None:
    sheet.append([_text_cell(sheet, title, font=Font(bold=True, size=13))])
    sheet.append([_text_cell(sheet, basis_sentence(basis))])
    for note in notes:
        sheet.append([_text_cell(sheet, note)])
    sheet.append([])


def _append_header(sheet: Any, headers: Sequence[str]) -> None:
    bold = Font(bold=True)
    sheet.append([_text_cell(sheet, header, font=bold) for header in headers])


def _text_cell(sheet: Any, text: str, *, font: Font | None = None) -> Any:
    """Return a cell that contains ``text`` as a string, marked as text for Excel too."""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def _number_cell(sheet: Any, value: Decimal | None) -> Any:
    if value is None:
        return None
    # Plain notation: openpyxl writes a Decimal with str(), which may use an exponent.
    cell = WriteOnlyCell(sheet, value=Decimal(decimal_to_text(value)))
    cell.number_format = NUMBER_FORMAT
    return cell


def _save(workbook: Any, path: Path) -> None:
    temporary = path.with_name(path.name + ".part")
    try:
        workbook.save(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    log.info("Wrote chart data to %s", path)
