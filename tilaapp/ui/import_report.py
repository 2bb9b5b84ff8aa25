"""The report of one import: counts per file in sentences and a table of every problem.

``ProblemTableModel`` keeps the problems as the import returned them and builds the
texts of a row only when the view shows it, so a report with tens of thousands of
problems opens at once.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCollator,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.formatting import format_date, format_decimal, format_timestamp
from tilaapp.domain.municipalities import municipality_name
from tilaapp.i18n import current_language, ngettext
from tilaapp.i18n import gettext as _
from tilaapp.services.importing import FileReport, ImportReport
from tilaapp.services.messages import (
    absence_not_judged_sentence,
    filtered_out_sentence,
    skipped_member_sentence,
)
from tilaapp.services.problem_export import (
    ExportNotReplaceable,
    ProblemCells,
    ProblemColumn,
    all_problems,
    export_problems,
    problem_cells,
    problem_headers,
)
from tilaapp.sources.records import RowProblem, Severity
from tilaapp.ui.app import qt_locale
from tilaapp.ui.errors import show_error
from tilaapp.ui.tasks import TaskContext, Worker

log = logging.getLogger(__name__)

Index = QModelIndex | QPersistentModelIndex

# Rows that the view measures to size its columns. More would slow opening a long report.
COLUMN_SIZING_ROWS = 200


# ---------------------------------------------------------------- report sentences


@dataclass
class ReportSection:
    """A heading and the sentences under it."""

    heading: str
    sentences: list[str] = field(default_factory=list)


def _count(count: int) -> str:
    return format_decimal(count)


def _source_name(source: str) -> str:
    names = {
        "dvv_extract": _("DVV building extract"),
        "ryhti": _("Ryhti open data"),
        "dvv_open": _("DVV open address file"),
    }
    return names.get(source, source)


def _extraction_date_sentence(report: FileReport) -> str:
    date = format_date(report.extraction_date)
    if report.extraction_date_origin == "file":
        return _("The extraction date {date} is from the file.").format(date=date)
    if report.extraction_date_origin == "option":
        return _("The extraction date {date} was given for the import.").format(date=date)
    return _("The file gives no extraction date, so the import date {date} was used.").format(
        date=date
    )


def _rows_read_sentences(report: FileReport) -> list[str]:
    sentences = []
    for name, count in report.rows_read.items():
        if name == "rows":
            text = ngettext("{count} row was read.", "{count} rows were read.", count)
        else:
            text = ngettext(
                "{count} row was read from {name}.", "{count} rows were read from {name}.", count
            )
        sentences.append(text.format(count=_count(count), name=name))
    return sentences


def _building_count_sentences(report: FileReport) -> list[str]:
    """Return one sentence for the buildings in the file and one for each non-zero count."""
    templates: list[tuple[int, Callable[[int], str]]] = [
        (
            report.added,
            lambda n: ngettext("{count} building was added.", "{count} buildings were added.", n),
        ),
        (
            report.updated,
            lambda n: ngettext(
                "{count} building was updated.", "{count} buildings were updated.", n
            ),
        ),
        (
            report.unchanged,
            lambda n: ngettext(
                "{count} building was unchanged.", "{count} buildings were unchanged.", n
            ),
        ),
        (
            report.no_longer_present,
            lambda n: ngettext(
                "{count} building stored earlier is no longer in the source.",
                "{count} buildings stored earlier are no longer in the source.",
                n,
            ),
        ),
        (
            report.present_again,
            lambda n: ngettext(
                "{count} building is in the source again.",
                "{count} buildings are in the source again.",
                n,
            ),
        ),
        (
            report.older_than_stored,
            lambda n: ngettext(
                "{count} building has newer data stored already and was not changed.",
                "{count} buildings have newer data stored already and were not changed.",
                n,
            ),
        ),
    ]
    sentences = [
        ngettext(
            "The file contains {count} building.",
            "The file contains {count} buildings.",
            report.buildings_in_file,
        ).format(count=_count(report.buildings_in_file))
    ]
    sentences.extend(
        template(count).format(count=_count(count)) for count, template in templates if count
    )
    if report.filtered_out:
        sentences.append(filtered_out_sentence(report.source, report.filtered_out))
    if report.absence_not_judged:
        sentences.append(absence_not_judged_sentence(report.absence_not_judged))
    return sentences


def _owner_sentences(report: FileReport) -> list[str]:
    sentences = []
    if report.addresses:
        sentences.append(
            ngettext(
                "{count} address was read.", "{count} addresses were read.", report.addresses
            ).format(count=_count(report.addresses))
        )
    if report.organisation_owners:
        sentences.append(
            ngettext(
                "{count} owner is an organisation.",
                "{count} owners are organisations.",
                report.organisation_owners,
            ).format(count=_count(report.organisation_owners))
        )
    if report.person_owners:
        sentences.append(
            ngettext(
                "{count} owner is a private person, whose name and identity code were not stored.",
                "{count} owners are private persons, whose names and identity codes were not "
                "stored.",
                report.person_owners,
            ).format(count=_count(report.person_owners))
        )
    return sentences


def _problem_sentences(report: FileReport) -> list[str]:
    errors = sum(1 for problem in report.problems if problem.severity is Severity.ERROR)
    warnings = len(report.problems) - errors
    sentences = []
    if errors:
        sentences.append(
            ngettext(
                "There is {count} error: a value or a row that was not stored.",
                "There are {count} errors: values or rows that were not stored.",
                errors,
            ).format(count=_count(errors))
        )
    if warnings:
        sentences.append(
            ngettext(
                "There is {count} warning: a value that was stored as it came but should "
                "be checked.",
                "There are {count} warnings: values that were stored as they came but "
                "should be checked.",
                warnings,
            ).format(count=_count(warnings))
        )
    if not report.problems:
        sentences.append(_("No problems were found in the file."))
    return sentences


def file_section(report: FileReport) -> ReportSection:
    """Return the heading and sentences that describe the import of one file."""
    section = ReportSection(
        _("{file} ({source})").format(file=report.file_name, source=_source_name(report.source))
    )
    if report.already_imported:
        section.sentences.append(_imported_before_sentence(report))
        return section

    section.sentences.append(_extraction_date_sentence(report))
    section.sentences.extend(_building_count_sentences(report))
    section.sentences.extend(_owner_sentences(report))
    section.sentences.extend(_rows_read_sentences(report))
    section.sentences.extend(
        _("Sheet {sheet} was skipped: tilaapp does not read it.").format(sheet=sheet)
        for sheet in report.skipped_sheets
    )
    section.sentences.extend(map(skipped_member_sentence, report.skipped_members))
    section.sentences.extend(_problem_sentences(report))
    return section


def _imported_before_sentence(report: FileReport) -> str:
    if report.imported_before_at is None:
        return _("The same file was imported before, so it was not read again.")
    return _(
        "The same file was imported before, on {imported}, with extraction date {date}, so "
        "it was not read again."
    ).format(
        imported=format_timestamp(report.imported_before_at),
        date=format_date(report.extraction_date),
    )


def database_section(report: ImportReport) -> ReportSection:
    """Return the sentences about the database: home municipality, portfolio and backup."""
    section = ReportSection(_("Database"))
    if report.database_created:
        section.sentences.append(_("The database {path} was created.").format(path=report.database))
    else:
        section.sentences.append(_("The database {path} was updated.").format(path=report.database))
    if report.home_municipality:
        section.sentences.append(
            _("Home municipality: {name} ({code}).").format(
                name=municipality_name(report.home_municipality), code=report.home_municipality
            )
        )
    section.sentences.append(
        ngettext(
            "{count} building joined the portfolio by its owner.",
            "{count} buildings joined the portfolio by their owner.",
            report.portfolio_added,
        ).format(count=_count(report.portfolio_added))
    )
    if report.backup is not None:
        section.sentences.append(
            _("A backup copy of the database from before the import was saved as {path}.").format(
                path=report.backup
            )
        )
    elif report.database_created:
        section.sentences.append(_("No backup copy was needed because the database is new."))
    return section


def report_sections(report: ImportReport) -> list[ReportSection]:
    """Return the summary of ``report``: one section per file, then the database."""
    return [*(file_section(file) for file in report.files), database_section(report)]


def sections_html(sections: Sequence[ReportSection]) -> str:
    parts = []
    for section in sections:
        parts.append(f"<h3>{html.escape(section.heading)}</h3>")
        items = "".join(f"<li>{html.escape(sentence)}</li>" for sentence in section.sentences)
        parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


# ---------------------------------------------------------------- problem table


class ProblemTableModel(QAbstractTableModel):
    """Every problem row of an import, one table row each, in the columns of the export."""

    def __init__(self, problems: Sequence[RowProblem], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._problems = list(problems)
        self._cells: list[ProblemCells | None] = [None] * len(self._problems)
        # Positions in _problems, in the order of the table rows.
        self._order = list(range(len(self._problems)))
        self._headers = problem_headers()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._problems)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(ProblemColumn)

    def cells(self, row: int) -> ProblemCells:
        """Return the texts of table row ``row``."""
        return self._cells_at(self._order[row])

    def _cells_at(self, position: int) -> ProblemCells:
        cached = self._cells[position]
        if cached is None:
            cached = problem_cells(self._problems[position])
            self._cells[position] = cached
        return cached

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = ProblemColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.cells(index.row()).cell(column)
            return value.replace("\n", " ") if isinstance(value, str) else value
        if role == Qt.ItemDataRole.ToolTipRole and column in _LONG_COLUMNS:
            return self.cells(index.row()).cell(column) or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column is ProblemColumn.ROW:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section]
        return section + 1

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``. A negative column restores the order of the import."""
        self.layoutAboutToBeChanged.emit()
        positions = list(range(len(self._problems)))
        if column >= 0:
            key = self._sort_key(ProblemColumn(column))
            positions.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self._order = positions
        self.layoutChanged.emit()

    def _sort_key(self, column: ProblemColumn) -> Callable[[int], Any]:
        if column is ProblemColumn.ROW:
            return lambda position: self._cells_at(position).row or 0

        collator = QCollator(qt_locale(current_language()))
        collator.setNumericMode(True)

        def text_key(position: int) -> Any:
            value = self._cells_at(position).cell(column)
            return collator.sortKey(value if isinstance(value, str) else "")

        return text_key


_LONG_COLUMNS = frozenset({ProblemColumn.VALUE, ProblemColumn.COLUMN, ProblemColumn.MESSAGE})


# ---------------------------------------------------------------- widgets


class ImportReportWidget(QWidget):
    """The summary of an import and the table of its problems, with an Excel export.

    The export runs on ``worker``. Signals, on the GUI thread:
        export_finished(count, path): ``count`` problems were written to ``path``.
        export_failed(error): the export raised ``error``, which the widget has shown.
    """

    export_finished = Signal(int, object)
    export_failed = Signal(object)

    def __init__(self, report: ImportReport, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self._worker = worker
        self._export_path: Path | None = None
        self.model = ProblemTableModel(all_problems(report), self)

        self.summary = self._create_summary()
        self.problems_label = QLabel(self._problems_heading(), self)
        self.export_button = QPushButton(_("Export to Excel…"), self)
        self.export_button.setEnabled(self.model.rowCount() > 0)
        self.export_button.clicked.connect(self.choose_export_file)
        self.export_status = QLabel(self)
        self.export_status.setWordWrap(True)
        self.export_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = self._create_table()
        self._lay_out()

    def _create_summary(self) -> QTextBrowser:
        summary = QTextBrowser(self)
        summary.setOpenLinks(False)
        summary.setHtml(sections_html(report_sections(self.report)))
        return summary

    def _problems_heading(self) -> str:
        count = self.model.rowCount()
        if not count:
            return _("No problems were found.")
        return ngettext(
            "The import found {count} problem row.",
            "The import found {count} problem rows.",
            count,
        ).format(count=_count(count))

    def _create_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setWordWrap(False)
        table.setAlternatingRowColors(True)
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().lineSpacing() * 3 // 2)
        header = table.horizontalHeader()
        header.setResizeContentsPrecision(COLUMN_SIZING_ROWS)
        header.setStretchLastSection(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.resizeColumnsToContents()
        for column in ProblemColumn:
            widest = _max_column_width(table, column)
            table.setColumnWidth(column, min(table.columnWidth(column), widest))
        table.selectionModel().currentRowChanged.connect(self._show_detail)
        if self.model.rowCount():
            table.setCurrentIndex(self.model.index(0, 0))
        return table

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        cells = self.model.cells(current.row())
        lines = [cells.message]
        if cells.value:
            lines.append(_("Value in the file: {value}").format(value=cells.value))
        self.detail.setText("\n".join(lines))

    def _lay_out(self) -> None:
        bar = QHBoxLayout()
        bar.addWidget(self.problems_label, 1)
        bar.addWidget(self.export_button)

        problems = QWidget(self)
        problems_layout = QVBoxLayout(problems)
        problems_layout.setContentsMargins(0, 0, 0, 0)
        problems_layout.addLayout(bar)
        problems_layout.addWidget(self.table, 1)
        problems_layout.addWidget(self.detail)
        problems_layout.addWidget(self.export_status)
        self.table.setVisible(self.model.rowCount() > 0)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.summary)
        splitter.addWidget(problems)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    # Export.

    def default_export_path(self) -> Path:
        """Return the suggested workbook: next to the first file read, named after it."""
        first = self.report.files[0].path if self.report.files else self.report.database
        name = _("{name} problems").format(name=first.stem)
        return first.with_name(f"{name}.xlsx")

    def choose_export_file(self) -> None:
        """Ask for the workbook with Qt's save dialog, which confirms overwriting, and export."""
        dialog = QFileDialog(self, _("Export problems to Excel"), str(self.default_export_path()))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(_("Excel workbook (*.xlsx)"))
        dialog.setDefaultSuffix("xlsx")
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return
        self.export_to(Path(dialog.selectedFiles()[0]), replace=True)

    def export_to(self, path: Path, *, replace: bool = False) -> None:
        """Write the problems to ``path`` on the worker. ``replace`` allows overwriting any file."""
        self.export_button.setEnabled(False)
        self.export_status.setText(_("Writing {path}…").format(path=path))
        self._export_path = path

        def job(_context: TaskContext) -> int:
            return export_problems(self.report, path, replace=replace)

        self._worker.submit(
            "export problems", job, done=self._on_exported, failed=self._on_export_failed
        )

    def _on_exported(self, count: int) -> None:
        self.export_button.setEnabled(True)
        self.export_status.setText(
            ngettext(
                "{count} problem row was written to {path}.",
                "{count} problem rows were written to {path}.",
                count,
            ).format(count=_count(count), path=self._export_path)
        )
        self.export_finished.emit(count, self._export_path)

    def _on_export_failed(self, error: BaseException) -> None:
        self.export_button.setEnabled(True)
        self.export_status.setText(_("The problems were not exported."))
        if isinstance(error, ExportNotReplaceable):
            log.info("Export rejected: %s", error)
            QMessageBox.warning(self, _("tilaapp"), error.message())
        else:
            show_error(self, error)
        self.export_failed.emit(error)


def _max_column_width(table: QTableView, column: ProblemColumn) -> int:
    """Return the widest a column starts: 60 average characters for the description, else 20.

    Longer texts are elided, and the tooltip and the line under the table show them whole.
    """
    characters = 60 if column is ProblemColumn.MESSAGE else 20
    return table.fontMetrics().averageCharWidth() * characters


class ImportReportDialog(QDialog):
    """A window with the ``ImportReportWidget`` of one import and a Close button."""

    def __init__(self, report: ImportReport, worker: Worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Import report"))
        self.report_widget = ImportReportWidget(report, worker, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.report_widget, 1)
        layout.addWidget(buttons)
        self.resize(self.sizeHint().expandedTo(comfortable_size(self, 140, 40)))


def comfortable_size(widget: QWidget, columns: int, lines: int) -> QSize:
    """Return the size of ``columns`` average characters by ``lines`` lines of text.

    The size is cut to 90 % of the screen the widget is on.
    """
    metrics = widget.fontMetrics()
    size = QSize(metrics.averageCharWidth() * columns, metrics.lineSpacing() * lines)
    screen = widget.screen()
    if screen is None:
        return size
    available = screen.availableGeometry().size()
    return size.boundedTo(QSize(available.width() * 9 // 10, available.height() * 9 // 10))
