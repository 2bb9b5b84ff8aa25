"""The building-cost index series: a table of year, index value and source, editable."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.formatting import format_decimal
from tilaapp.i18n import gettext as _
from tilaapp.services.cost_index import (
    INDEX_PLACES,
    CostIndexValue,
    InvalidCostIndexFile,
    check_cost_index_rows,
    read_cost_index,
    read_cost_index_file,
    replace_cost_index,
)
from tilaapp.ui.errors import show_error
from tilaapp.ui.tasks import TaskContext
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

YEAR_COLUMN, INDEX_COLUMN, SOURCE_COLUMN = range(3)


class CostIndexDialog(QDialog):
    """Shows the stored series and stores the edited table as the whole series on Save.

    Nothing is stored while any row is invalid: the problems are listed under the table,
    each naming its row. Importing a CSV file fills the table, replacing the years the
    file names, and is stored with Save like typed values.

    Signals:
        saved(): the table was stored as the series.
    """

    saved = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle(_("Building-cost index"))
        self._build()
        self._load()
        self.resize(720, 480)

    def _build(self) -> None:
        intro = QLabel(
            _(
                "The technical value of a building known only by its acquisition cost is "
                "that cost times the ratio of this year's index to the acquisition year's. "
                "Give one value per year and its source. tilaapp includes no series."
            ),
            self,
        )
        intro.setWordWrap(True)

        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([_("Year"), _("Index"), _("Source")])
        self.table.verticalHeader().setVisible(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(SOURCE_COLUMN, QHeaderView.ResizeMode.Stretch)

        self.add_button = QPushButton(_("Add a year"), self)
        self.add_button.clicked.connect(self.add_row)
        self.remove_button = QPushButton(_("Remove the selected years"), self)
        self.remove_button.clicked.connect(self.remove_selected_rows)
        self.import_button = QPushButton(_("Read a CSV file…"), self)
        self.import_button.clicked.connect(self.choose_file)

        self.problems_label = QLabel(self)
        self.problems_label.setWordWrap(True)
        self.problems_label.setStyleSheet("color: #b00020;")
        self.problems_label.setVisible(False)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.buttons)

    def _load(self) -> None:
        with self.workspace.read_session() as session:
            values = list(read_cost_index(session).values())
        self.show_values(values)

    # Table

    def show_values(self, values: list[CostIndexValue]) -> None:
        """Fill the table with ``values``, sorted by year."""
        self.table.setRowCount(0)
        for value in sorted(values, key=lambda item: item.year):
            self._append_row(
                str(value.year),
                format_decimal(value.index_value, max_fraction_digits=INDEX_PLACES),
                value.source,
            )

    def add_row(self) -> None:
        self._append_row("", "", "")
        row = self.table.rowCount() - 1
        self.table.setCurrentCell(row, YEAR_COLUMN)
        item = self.table.item(row, YEAR_COLUMN)
        if item is not None:
            self.table.editItem(item)

    def remove_selected_rows(self) -> None:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        for row in reversed(rows):
            self.table.removeRow(row)

    def rows(self) -> list[tuple[str, str, str]]:
        """Return the table's texts, one ``(year, index, source)`` per row."""
        return [
            (
                self._text(row, YEAR_COLUMN),
                self._text(row, INDEX_COLUMN),
                self._text(row, SOURCE_COLUMN),
            )
            for row in range(self.table.rowCount())
        ]

    def _append_row(self, year: str, index_value: str, source: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        for column, text in (
            (YEAR_COLUMN, year),
            (INDEX_COLUMN, index_value),
            (SOURCE_COLUMN, source),
        ):
            item = QTableWidgetItem(text)
            if column == INDEX_COLUMN:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, column, item)

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    # Reading a file

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Read a building-cost index file"),
            str(Path.home()),
            ";;".join((_("CSV files (*.csv)"), _("All files (*)"))),
        )
        if path:
            self.read_file(Path(path))

    def read_file(self, path: Path) -> None:
        """Put the values of an index file into the table; years it names are replaced."""
        try:
            read = read_cost_index_file(path)
        except (InvalidCostIndexFile, OSError) as error:
            log.warning("Cost index file %s not read: %s", path, error)
            show_error(self, error)
            return
        years = {str(value.year) for value in read}
        # Rows of other years stay as typed, even invalid ones, so no input is lost.
        other_rows = [row for row in self.rows() if row[0] not in years and any(row)]
        self.show_values(list(read))
        for row in other_rows:
            self._append_row(*row)
        log.info("Read %d cost index values from %s into the table", len(read), path)

    # Saving

    def save(self) -> None:
        """Store the table as the series, or list its problems and store nothing."""
        values, problems = check_cost_index_rows(self.rows())
        if problems:
            self.problems_label.setText("\n".join(problem.message for problem in problems))
            self.problems_label.setVisible(True)
            return
        self.problems_label.setVisible(False)
        self.buttons.setEnabled(False)
        database = self.workspace.database

        def job(_context: TaskContext) -> None:
            replace_cost_index(database, values)

        def done(_result: None) -> None:
            self.saved.emit()
            self.accept()

        def failed(error: BaseException) -> None:
            log.warning("Cost index series of %d years not stored: %s", len(values), error)
            self.buttons.setEnabled(True)
            show_error(self, error)

        self.workspace.worker.submit("save cost index", job, done=done, failed=failed)
