"""The import report: sentences per file, the problem table and the Excel export."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import datetime
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from devtools.dvv_workbook import sample_buildings, write_extract
from tilaapp import i18n
from tilaapp.services.importing import FileReport, ImportOptions, ImportReport, import_files
from tilaapp.services.problem_export import ExportNotReplaceable, ProblemColumn
from tilaapp.sources.records import ProblemKind, RowProblem, Severity
from tilaapp.ui.import_report import (
    ImportReportDialog,
    ImportReportWidget,
    ProblemTableModel,
    database_section,
    file_section,
)
from tilaapp.ui.tasks import Worker

PROBLEM_COUNT = 5_000
TIMEOUT_MS = 30_000


@pytest.fixture
def worker(qtbot: QtBot) -> Iterator[Worker]:
    """A worker that outlives its tasks: it is deleted only after every callback ran."""
    worker = Worker()
    yield worker
    qtbot.waitUntil(lambda: not worker.busy, timeout=TIMEOUT_MS)
    worker.shutdown()


def file_report(name: str, problems: list[RowProblem], **counts: int) -> FileReport:
    report = FileReport(
        path=Path("/data") / name,
        file_name=name,
        source="dvv_open",
        sha256="0" * 64,
        scope="all",
        extraction_date=datetime.date(2024, 3, 15),
        extraction_date_origin="file",
        problems=problems,
    )
    for count_name, count in counts.items():
        setattr(report, count_name, count)
    return report


def many_problems(file: str, count: int) -> list[RowProblem]:
    """Return ``count`` problems on rows 1..count, every third a warning."""
    return [
        RowProblem(
            file=file,
            kind=ProblemKind.WRONG_COLUMN_COUNT,
            severity=Severity.WARNING if row % 3 == 0 else Severity.ERROR,
            row=row,
            value=f"row {row}",
            params={"count": str(row % 20), "expected": "16"},
        )
        for row in range(1, count + 1)
    ]


def report_of(*files: FileReport, created: bool = True) -> ImportReport:
    return ImportReport(
        database=Path("/data/inventory.sqlite"),
        database_created=created,
        backup=None if created else Path("/data/inventory-backups/copy.sqlite"),
        home_municipality="081",
        files=list(files),
        portfolio_added=1,
    )


@pytest.fixture
def large_report() -> ImportReport:
    first = file_report("first.OPT", many_problems("first.OPT", PROBLEM_COUNT - 2))
    second = file_report("second.OPT", many_problems("second.OPT", 2))
    return report_of(first, second)


@pytest.fixture
def imported(tmp_path: Path) -> ImportReport:
    extract = write_extract(tmp_path / "extract.xlsx", sample_buildings())
    return import_files(tmp_path / "db.sqlite", [extract], ImportOptions(home_municipality="398"))


@pytest.fixture
def widget(qtbot: QtBot, imported: ImportReport, worker: Worker) -> ImportReportWidget:
    widget = ImportReportWidget(imported, worker)
    qtbot.addWidget(widget)
    return widget


# ------------------------------------------------------------------ sentences


def test_section_heading_names_file() -> None:
    section = file_section(file_report("Suomi.OPT", []))
    assert section.heading == "Suomi.OPT (DVV open address file)"


def test_section_plural_counts() -> None:
    section = file_section(file_report("a.OPT", [], buildings_in_file=12, added=10, updated=2))
    assert "The file contains 12 buildings." in section.sentences
    assert "10 buildings were added." in section.sentences
    assert "2 buildings were updated." in section.sentences


def test_section_names_archive_member_not_read() -> None:
    report = file_report("osoitteet.zip", [])
    report.skipped_members = ["extra.OPT"]
    sentence = (
        "The file extra.OPT of the archive was not read: tilaapp reads one file of an "
        "archive, the largest of the file's format."
    )
    assert sentence in file_section(report).sentences


def test_section_singular_counts() -> None:
    section = file_section(file_report("a.OPT", [], buildings_in_file=1, added=1))
    assert "The file contains 1 building." in section.sentences
    assert "1 building was added." in section.sentences


def test_section_skips_zero_counts() -> None:
    section = file_section(file_report("a.OPT", [], buildings_in_file=3, added=3))
    assert not any("updated" in sentence for sentence in section.sentences)


def test_section_absent_buildings() -> None:
    section = file_section(file_report("a.OPT", [], no_longer_present=4))
    assert "4 buildings stored earlier are no longer in the source." in section.sentences


def test_section_problem_counts() -> None:
    section = file_section(file_report("a.OPT", many_problems("a.OPT", 6)))
    assert "There are 4 errors: values or rows that were not stored." in section.sentences
    assert (
        "There are 2 warnings: values that were stored as they came but should be checked."
        in section.sentences
    )


def test_section_no_problems() -> None:
    section = file_section(file_report("a.OPT", []))
    assert "No problems were found in the file." in section.sentences


def test_section_already_imported() -> None:
    report = file_report("a.OPT", [], added=5)
    report.already_imported = True
    section = file_section(report)
    assert section.sentences == ["The same file was imported before, so it was not read again."]


def test_section_finnish_number_format() -> None:
    i18n.set_language("fi")
    section = file_section(file_report("a.OPT", [], added=1234))
    assert any(sentence.startswith("1\u00a0234 ") for sentence in section.sentences)


def test_database_created_sentences() -> None:
    sentences = database_section(report_of()).sentences
    assert "The database /data/inventory.sqlite was created." in sentences
    assert "Home municipality: Hartola (081)." in sentences
    assert "1 building joined the portfolio by its owner." in sentences
    assert "No backup copy was needed because the database is new." in sentences


def test_database_backup_sentence() -> None:
    sentences = database_section(report_of(created=False)).sentences
    assert (
        "A backup copy of the database from before the import was saved as "
        "/data/inventory-backups/copy.sqlite." in sentences
    )


def test_widget_shows_real_counts(widget: ImportReportWidget) -> None:
    text = widget.summary.toPlainText()
    assert "The file contains 9 buildings." in text
    assert "9 buildings were added." in text


# ------------------------------------------------------------------ problem table


def test_table_lists_every_problem(
    qtbot: QtBot, large_report: ImportReport, worker: Worker
) -> None:
    widget = ImportReportWidget(large_report, worker)
    qtbot.addWidget(widget)
    model = widget.model
    problems = [problem for file in large_report.files for problem in file.problems]
    assert model.rowCount() == PROBLEM_COUNT
    shown = [
        (
            model.index(row, ProblemColumn.FILE).data(),
            model.index(row, ProblemColumn.ROW).data(),
            model.index(row, ProblemColumn.MESSAGE).data(),
        )
        for row in range(model.rowCount())
    ]
    assert shown == [(problem.file, problem.row, problem.message()) for problem in problems]


def test_table_heading_counts_rows(
    qtbot: QtBot, large_report: ImportReport, worker: Worker
) -> None:
    widget = ImportReportWidget(large_report, worker)
    qtbot.addWidget(widget)
    assert widget.problems_label.text() == "The import found 5,000 problem rows."


def test_table_real_problems(widget: ImportReportWidget, imported: ImportReport) -> None:
    expected = sum(len(file.problems) for file in imported.files)
    assert widget.model.rowCount() == expected


def test_table_columns_translated(widget: ImportReportWidget) -> None:
    header = widget.model.headerData(
        ProblemColumn.BUILDING, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole
    )
    assert header == "Building identifier"


def test_table_kind_and_severity() -> None:
    model = ProblemTableModel(many_problems("a.OPT", 3))
    assert model.index(0, ProblemColumn.KIND).data() == "Wrong number of columns"
    assert model.index(0, ProblemColumn.SEVERITY).data() == "Error"
    assert model.index(2, ProblemColumn.SEVERITY).data() == "Warning"


def test_table_multiline_header_one_line() -> None:
    problem = RowProblem(
        file="a.xlsx",
        kind=ProblemKind.INVALID_DATE,
        severity=Severity.ERROR,
        column="Valmis-tumis-\npäivä",
    )
    model = ProblemTableModel([problem])
    assert model.index(0, ProblemColumn.COLUMN).data() == "Valmis-tumis- päivä"


def test_table_sort_by_row_descending() -> None:
    model = ProblemTableModel(many_problems("a.OPT", 50))
    model.sort(ProblemColumn.ROW, Qt.SortOrder.DescendingOrder)
    assert model.index(0, ProblemColumn.ROW).data() == 50


def test_table_sort_restores_order() -> None:
    model = ProblemTableModel(many_problems("a.OPT", 50))
    model.sort(ProblemColumn.SEVERITY, Qt.SortOrder.AscendingOrder)
    model.sort(-1)
    rows = [model.index(row, ProblemColumn.ROW).data() for row in range(50)]
    assert rows == list(range(1, 51))


def test_table_sort_text_column() -> None:
    model = ProblemTableModel(many_problems("a.OPT", 6))
    model.sort(ProblemColumn.SEVERITY, Qt.SortOrder.AscendingOrder)
    severities = [model.index(row, ProblemColumn.SEVERITY).data() for row in range(6)]
    assert severities == ["Error"] * 4 + ["Warning"] * 2


def test_no_problems_disables_export(qtbot: QtBot, worker: Worker) -> None:
    widget = ImportReportWidget(report_of(file_report("a.OPT", [])), worker)
    qtbot.addWidget(widget)
    assert not widget.export_button.isEnabled()
    assert widget.problems_label.text() == "No problems were found."


# ------------------------------------------------------------------ export


def test_export_writes_every_row(
    qtbot: QtBot, large_report: ImportReport, worker: Worker, tmp_path: Path
) -> None:
    widget = ImportReportWidget(large_report, worker)
    qtbot.addWidget(widget)
    path = tmp_path / "problems.xlsx"
    with qtbot.waitSignal(widget.export_finished, timeout=TIMEOUT_MS) as finished:
        widget.export_to(path)
    assert finished.args == [PROBLEM_COUNT, path]
    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sum(1 for _row in sheet.iter_rows()) == PROBLEM_COUNT + 1


def test_export_status_sentence(
    qtbot: QtBot, widget: ImportReportWidget, imported: ImportReport, tmp_path: Path
) -> None:
    path = tmp_path / "problems.xlsx"
    with qtbot.waitSignal(widget.export_finished, timeout=TIMEOUT_MS):
        widget.export_to(path)
    count = sum(len(file.problems) for file in imported.files)
    assert widget.export_status.text() == f"{count} problem rows were written to {path}."
    assert widget.export_button.isEnabled()


def test_export_refusal_shown(
    qtbot: QtBot, widget: ImportReportWidget, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(
        "PySide6.QtWidgets.QMessageBox.warning",
        lambda _parent, _title, text: shown.append(text),
    )
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"my notes")
    with qtbot.waitSignal(widget.export_failed, timeout=TIMEOUT_MS) as failed:
        widget.export_to(path)
    assert isinstance(failed.args[0], ExportNotReplaceable)
    assert shown == [failed.args[0].message()]
    assert path.read_bytes() == b"my notes"


def test_export_default_path(widget: ImportReportWidget, imported: ImportReport) -> None:
    expected = imported.files[0].path.with_name("extract problems.xlsx")
    assert widget.default_export_path() == expected


# ------------------------------------------------------------------ dialog


def test_dialog_shows_report(qtbot: QtBot, imported: ImportReport, worker: Worker) -> None:
    dialog = ImportReportDialog(imported, worker)
    qtbot.addWidget(dialog)
    assert dialog.report_widget.report is imported
    assert dialog.windowTitle() == "Import report"
