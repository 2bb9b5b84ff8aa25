"""Export of an import's problem rows to an Excel workbook."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import openpyxl
import pytest

from devtools.dvv_workbook import sample_buildings, write_extract
from tilaapp.services.importing import FileReport, ImportOptions, ImportReport, import_files
from tilaapp.services.problem_export import (
    PROBLEM_KIND_NAMES,
    ExportNotReplaceable,
    ProblemCells,
    ProblemColumn,
    export_problems,
    is_problem_export,
    problem_building_identifier,
    problem_headers,
)
from tilaapp.sources.records import ProblemKind, RowProblem, Severity

FORMULA_TEXT = '=HYPERLINK("http://127.0.0.1/","x")'


def file_report(name: str, problems: list[RowProblem]) -> FileReport:
    return FileReport(
        path=Path(name),
        file_name=name,
        source="dvv_extract",
        sha256="0" * 64,
        scope="all",
        extraction_date=datetime.date(2025, 1, 15),
        extraction_date_origin="file",
        problems=problems,
    )


def report_of(*files: FileReport) -> ImportReport:
    return ImportReport(
        database=Path("inventory.sqlite"),
        database_created=True,
        backup=None,
        home_municipality="081",
        files=list(files),
    )


@pytest.fixture
def report() -> ImportReport:
    first = file_report(
        "extract.xlsx",
        [
            RowProblem(
                file="extract.xlsx",
                kind=ProblemKind.CHECK_CHARACTER_FAILED,
                severity=Severity.WARNING,
                sheet="R1 rakennus",
                row=5,
                column="Rakennustunnus",
                value="100000001X",
                params={"expected": "7"},
            ),
            RowProblem(
                file="extract.xlsx",
                kind=ProblemKind.INVALID_VALUE,
                severity=Severity.ERROR,
                sheet="R1 rakennus",
                row=6,
                column="Kerros-luku",
                value=FORMULA_TEXT,
            ),
        ],
    )
    second = file_report(
        "Suomi_osoitteet.OPT",
        [
            RowProblem(
                file="Suomi_osoitteet.OPT",
                kind=ProblemKind.DUPLICATE_BUILDING,
                severity=Severity.ERROR,
                row=12,
                value="0123456789",
                params={"identifier": "0123456789"},
            ),
        ],
    )
    return report_of(first, second)


def export_problems_to(report: ImportReport, folder: Path) -> Path:
    path = folder / "problems.xlsx"
    export_problems(report, path)
    return path


def rows_of(path: Path) -> list[tuple[openpyxl.cell.Cell, ...]]:
    workbook = openpyxl.load_workbook(path)
    return list(workbook.active.iter_rows())


def test_export_returns_count(report: ImportReport, tmp_path: Path) -> None:
    assert export_problems(report, tmp_path / "problems.xlsx") == 3


def test_export_headers(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    header = [cell.value for cell in rows_of(path)[0]]
    assert header == problem_headers()


def test_export_one_row_per_problem(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    assert len(rows_of(path)) == 4


def test_export_values(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    first = [cell.value for cell in rows_of(path)[1]]
    assert first == [
        "extract.xlsx",
        "R1 rakennus",
        5,
        "100000001X",
        "Warning",
        "Wrong check character",
        "The check character of the permanent building identifier does not match; "
        "expected 7. The building was stored as it came.",
        "Rakennustunnus",
        "100000001X",
    ]


def test_export_formula_text_is_string(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    cell = rows_of(path)[2][ProblemColumn.VALUE]
    assert cell.value == FORMULA_TEXT
    assert cell.data_type == "s"
    assert cell.quotePrefix


def test_export_identifier_is_text(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    cell = rows_of(path)[3][ProblemColumn.BUILDING]
    assert cell.value == "0123456789"
    assert cell.data_type == "s"


def test_export_row_is_number(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    cell = rows_of(path)[3][ProblemColumn.ROW]
    assert cell.value == 12
    assert cell.data_type == "n"


def test_export_no_sheet_is_empty(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    assert rows_of(path)[3][ProblemColumn.SHEET].value is None


def test_export_frozen_header(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    assert openpyxl.load_workbook(path).active.freeze_panes == "A2"


def test_export_autofilter(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    assert openpyxl.load_workbook(path).active.auto_filter.ref == "A1:I4"


def test_export_control_character(tmp_path: Path) -> None:
    problem = RowProblem(
        file="a.OPT", kind=ProblemKind.INVALID_VALUE, severity=Severity.ERROR, value="a\x01b"
    )
    path = export_problems_to(report_of(file_report("a.OPT", [problem])), tmp_path)
    assert rows_of(path)[1][ProblemColumn.VALUE].value == "a\ufffdb"


def test_export_no_problems(tmp_path: Path) -> None:
    path = tmp_path / "problems.xlsx"
    count = export_problems(report_of(file_report("a.xlsx", [])), path)
    assert count == 0
    assert len(rows_of(path)) == 1


def test_export_real_import(tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "extract.xlsx", sample_buildings())
    report = import_files(tmp_path / "db.sqlite", [extract], ImportOptions(home_municipality="398"))
    expected = sum(len(file.problems) for file in report.files)
    path = tmp_path / "problems.xlsx"
    assert expected > 0
    assert export_problems(report, path) == expected
    assert len(rows_of(path)) == expected + 1


# ------------------------------------------------------------------ replacing files


def test_export_refuses_other_file(report: ImportReport, tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"my notes")
    with pytest.raises(ExportNotReplaceable) as raised:
        export_problems(report, path)
    assert not raised.value.is_folder
    assert path.read_bytes() == b"my notes"


def test_export_refuses_other_workbook(report: ImportReport, tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.save(path)
    with pytest.raises(ExportNotReplaceable):
        export_problems(report, path)


def test_export_replaces_confirmed(report: ImportReport, tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"my notes")
    assert export_problems(report, path, replace=True) == 3
    assert is_problem_export(path)


def test_export_replaces_own_export(report: ImportReport, tmp_path: Path) -> None:
    path = export_problems_to(report, tmp_path)
    smaller = report_of(report.files[1])
    assert export_problems(smaller, path) == 1
    assert len(rows_of(path)) == 2


def test_export_refuses_folder(report: ImportReport, tmp_path: Path) -> None:
    with pytest.raises(ExportNotReplaceable) as raised:
        export_problems(report, tmp_path, replace=True)
    assert raised.value.is_folder


def test_export_leaves_no_part_file(report: ImportReport, tmp_path: Path) -> None:
    export_problems_to(report, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["problems.xlsx"]


def test_refusal_message_names_path(tmp_path: Path) -> None:
    error = ExportNotReplaceable(tmp_path / "notes.xlsx", is_folder=False)
    assert "notes.xlsx" in error.message()


# ------------------------------------------------------------------ column texts


def test_kind_names_cover_every_kind() -> None:
    assert set(PROBLEM_KIND_NAMES) == set(ProblemKind)


def test_columns_name_cell_fields() -> None:
    fields = {field.name for field in dataclasses.fields(ProblemCells)}
    assert {column.name.lower() for column in ProblemColumn} == fields


def test_building_identifier_from_params() -> None:
    problem = RowProblem(
        file="a",
        kind=ProblemKind.UNKNOWN_BUILDING,
        severity=Severity.ERROR,
        value="x",
        params={"identifier": "1000000010"},
    )
    assert problem_building_identifier(problem) == "1000000010"


def test_building_identifier_unknown() -> None:
    problem = RowProblem(
        file="a", kind=ProblemKind.INVALID_NUMBER, severity=Severity.ERROR, value="12,x"
    )
    assert problem_building_identifier(problem) is None
