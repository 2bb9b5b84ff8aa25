"""The problem rows of an import as a table: column texts and an Excel workbook export.

The GUI's problem table and the exported workbook show the same columns with the same
texts, so both take them from here.
"""

from __future__ import annotations

import enum
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tilaapp.i18n import N_
from tilaapp.i18n import gettext as _
from tilaapp.services.importing import ImportReport
from tilaapp.services.workbook_cells import text_cell
from tilaapp.sources.records import ProblemKind, RowProblem, Severity

log = logging.getLogger(__name__)

PROBLEMS_FORMAT = "tilaapp.problems/1"
"""Stored as the identifier property of every exported workbook, so that a later export
may replace it without asking."""

# Only the start of the workbook's core properties is searched for PROBLEMS_FORMAT.
_PROPERTIES_READ_LIMIT = 64 * 1024
_CORE_PROPERTIES = "docProps/core.xml"

PROBLEM_KIND_NAMES: dict[ProblemKind, str] = {
    ProblemKind.MALFORMED_IDENTIFIER: N_("Malformed building identifier"),
    ProblemKind.CHECK_CHARACTER_FAILED: N_("Wrong check character"),
    ProblemKind.NO_IDENTIFIER: N_("No building identifier"),
    ProblemKind.DUPLICATE_IDENTIFIER: N_("Duplicate identifier"),
    ProblemKind.DUPLICATE_BUILDING: N_("Duplicate building"),
    ProblemKind.UNKNOWN_CODE: N_("Unknown code"),
    ProblemKind.INVALID_NUMBER: N_("Invalid number"),
    ProblemKind.INVALID_DATE: N_("Invalid date"),
    ProblemKind.INVALID_VALUE: N_("Invalid value"),
    ProblemKind.UNKNOWN_MUNICIPALITY: N_("Unknown municipality"),
    ProblemKind.MERGED_MUNICIPALITY: N_("Merged municipality"),
    ProblemKind.INVALID_BUSINESS_ID: N_("Invalid business ID"),
    ProblemKind.UNKNOWN_BUILDING: N_("Unknown building"),
    ProblemKind.UNKNOWN_HEADER: N_("Unknown column"),
    ProblemKind.MISSING_COLUMN: N_("Missing column"),
    ProblemKind.COORDINATES_OUTSIDE_FINLAND: N_("Coordinates outside Finland"),
    ProblemKind.NO_PROPERTIES: N_("Feature without properties"),
    ProblemKind.NO_BUILDING_KEY: N_("No building key"),
    ProblemKind.UNKNOWN_BUILDING_KEY: N_("Unknown building key"),
    ProblemKind.WRONG_COLUMN_COUNT: N_("Wrong number of columns"),
    ProblemKind.DUPLICATE_ROW: N_("Repeated row"),
    ProblemKind.NON_CONSECUTIVE_ROWS: N_("Rows of a building apart"),
    ProblemKind.ENCODING_CHANGED: N_("Character encoding changed"),
    ProblemKind.INVALID_ENCODING: N_("Invalid character encoding"),
    ProblemKind.CUT_LAST_ROW: N_("File ends in the middle of a row"),
    ProblemKind.QUOTE_REMOVED: N_("Stray quote removed"),
}

# Kinds whose value is the building identifier itself.
_IDENTIFIER_VALUE_KINDS = frozenset(
    {ProblemKind.MALFORMED_IDENTIFIER, ProblemKind.CHECK_CHARACTER_FAILED}
)


class ProblemColumn(enum.IntEnum):
    """The columns of the problem table, in their order on screen and in the workbook.

    Each member names a field of ``ProblemCells``.
    """

    FILE = 0
    SHEET = 1
    ROW = 2
    BUILDING = 3
    SEVERITY = 4
    KIND = 5
    MESSAGE = 6
    COLUMN = 7
    VALUE = 8


# Column widths in the workbook, in Excel's character units.
_COLUMN_WIDTHS: dict[ProblemColumn, int] = {
    ProblemColumn.FILE: 28,
    ProblemColumn.SHEET: 16,
    ProblemColumn.ROW: 8,
    ProblemColumn.BUILDING: 18,
    ProblemColumn.SEVERITY: 10,
    ProblemColumn.KIND: 28,
    ProblemColumn.MESSAGE: 90,
    ProblemColumn.COLUMN: 22,
    ProblemColumn.VALUE: 20,
}


class ExportNotReplaceable(Exception):
    """The export path is a folder, or a file that this export did not write."""

    def __init__(self, path: Path, *, is_folder: bool) -> None:
        self.path = path
        self.is_folder = is_folder
        super().__init__(f"{path}: {'a folder' if is_folder else 'not a problem export'}")

    def message(self) -> str:
        """Return the reason and what to do, in the current language."""
        if self.is_folder:
            return _("{path} is a folder. Give the name of the workbook to write.").format(
                path=self.path
            )
        return _(
            "{path} exists and was not written by the problem export, so it was not "
            "overwritten. Give another file name."
        ).format(path=self.path)


@dataclass(frozen=True)
class ProblemCells:
    """The cells of one problem row, as the table and the workbook show them.

    Each field is named as its ``ProblemColumn`` member, in lower case.
    """

    file: str
    sheet: str
    row: int | None
    building: str
    severity: str
    kind: str
    message: str
    column: str
    value: str

    def cell(self, column: ProblemColumn) -> str | int | None:
        value: str | int | None = getattr(self, column.name.lower())
        return value


def problem_headers() -> list[str]:
    """Return the translated column headers, in ``ProblemColumn`` order."""
    return [
        _("File"),
        _("Sheet"),
        _("Row"),
        _("Building identifier"),
        _("Severity"),
        _("Problem"),
        _("Description"),
        _("Column"),
        _("Value"),
    ]


def all_problems(report: ImportReport) -> list[RowProblem]:
    """Return the problems of every file of ``report``, file by file in reading order."""
    return [problem for file_report in report.files for problem in file_report.problems]


def problem_kind_name(kind: ProblemKind) -> str:
    return _(PROBLEM_KIND_NAMES[kind])


def severity_name(severity: Severity) -> str:
    return _("Error") if severity is Severity.ERROR else _("Warning")


def problem_building_identifier(problem: RowProblem) -> str | None:
    """Return the building identifier that ``problem`` names, or None.

    NOTE: a RowProblem stores the row, not the building, so only the kinds whose message
    or value names the building give one. These are identifier checks, duplicates and
    unknown buildings.
    """
    identifier = problem.params.get("identifier")
    if identifier:
        return identifier
    if problem.kind in _IDENTIFIER_VALUE_KINDS:
        return problem.value
    return None


def problem_cells(problem: RowProblem) -> ProblemCells:
    """Return the texts of ``problem`` in the current language."""
    return ProblemCells(
        file=problem.file,
        sheet=problem.sheet or "",
        row=problem.row,
        building=problem_building_identifier(problem) or "",
        severity=severity_name(problem.severity),
        kind=problem_kind_name(problem.kind),
        message=problem.message(),
        column=problem.column or "",
        value=problem.value or "",
    )


def is_problem_export(path: Path) -> bool:
    """Return whether ``path`` is a workbook that ``export_problems`` wrote."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(_CORE_PROPERTIES) as properties:
            head = properties.read(_PROPERTIES_READ_LIMIT)
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return PROBLEMS_FORMAT.encode() in head


def check_export_path(path: Path, *, replace: bool = False) -> None:
    """Raise ``ExportNotReplaceable`` unless ``path`` may be written.

    A folder is never replaced. An existing file is replaced when an earlier export
    wrote it or when ``replace`` is True because the user agreed to overwrite it.
    """
    if path.is_dir():
        raise ExportNotReplaceable(path, is_folder=True)
    if path.exists() and not replace and not is_problem_export(path):
        raise ExportNotReplaceable(path, is_folder=False)


def export_problems(report: ImportReport, path: Path, *, replace: bool = False) -> int:
    """Write every problem of ``report`` to the Excel workbook ``path`` and return their count.

    Every text is a string cell, so no value becomes a formula. The header row is frozen
    and has an autofilter. The file is written next to ``path`` and then renamed, so a
    failed export leaves any earlier file as it was. Raises ``ExportNotReplaceable``
    (see ``check_export_path``) and ``OSError``.
    """
    check_export_path(path, replace=replace)
    problems = all_problems(report)
    temporary = path.with_name(path.name + ".part")
    try:
        _write_workbook(temporary, problems)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)

    log.info("Exported %d import problems to %s", len(problems), path)
    return len(problems)


def _write_workbook(path: Path, problems: list[RowProblem]) -> None:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "tilaapp"
    workbook.properties.identifier = PROBLEMS_FORMAT
    workbook.properties.title = _("Problems of the import")
    sheet = workbook.create_sheet(_("Problems"))
    _set_column_widths(sheet)
    sheet.freeze_panes = "A2"

    bold = Font(bold=True)
    sheet.append([text_cell(sheet, header, font=bold) for header in problem_headers()])
    for row in _problem_rows(sheet, problems):
        sheet.append(row)

    last_column = get_column_letter(len(ProblemColumn))
    sheet.auto_filter.ref = f"A1:{last_column}{len(problems) + 1}"
    workbook.save(path)


def _set_column_widths(sheet: Any) -> None:
    for column, width in _COLUMN_WIDTHS.items():
        sheet.column_dimensions[get_column_letter(column + 1)].width = width


def _problem_rows(sheet: Any, problems: list[RowProblem]) -> Iterator[list[Any]]:
    for problem in problems:
        cells = problem_cells(problem)
        yield [_cell(sheet, cells.cell(column)) for column in ProblemColumn]


def _cell(sheet: Any, value: str | int | None) -> Any:
    # The row number is the only number. Identifiers and codes stay text.
    if isinstance(value, str):
        return text_cell(sheet, value)
    return value
