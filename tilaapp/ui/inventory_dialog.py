"""The column-mapping wizard: read an own inventory file, map its columns, match, apply.

Reading the file, matching, saving a mapping and applying run on the workspace's
worker, one at a time, so the window does not wait for them. Only the quick look-ups of
saved mappings run on the GUI thread. The
values are applied as one undo step of the main window's undo stack.
"""

from __future__ import annotations

import datetime
import logging
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.formatting import format_decimal
from tilaapp.domain.numbers import decimal_to_text
from tilaapp.domain.validation import EDITABLE_FIELDS, field_spec
from tilaapp.i18n import current_language, ngettext, pgettext
from tilaapp.i18n import gettext as _
from tilaapp.services.inventory_export import write_unmatched
from tilaapp.services.inventory_import import (
    InventoryImport,
    InventoryImportService,
    describe_unmatched,
)
from tilaapp.services.inventory_matching import MatchMethod
from tilaapp.services.mapping import (
    MATCH_KEY_LABELS,
    MATCH_KEYS,
    ColumnMapping,
    check_mapping,
    list_mappings,
    load_mapping,
    save_mapping,
    suggest_columns,
)
from tilaapp.sources.table import SeparatorBasis, Table, TableOptions
from tilaapp.sources.tabular import read_table
from tilaapp.sources.textfile import EncodingBasis
from tilaapp.ui.errors import user_message
from tilaapp.ui.tasks import TaskContext
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

PREVIEW_ROWS = 20
EXAMPLE_VALUES = 3
ENCODINGS = ("utf-8", "cp1252", "iso8859-15", "iso8859-1", "utf-16-le", "utf-16-be")
SEPARATORS = ((";", ";"), (",", ","), ("\t", "tab"))
NOT_IMPORTED = ""

# Column indexes of the mapping table.
SOURCE_COLUMN, EXAMPLES_COLUMN, TARGET_COLUMN = range(3)


class InventoryImportDialog(QDialog):
    """Maps the columns of one file and imports its values into the workspace's database.

    Signals:
        table_read(): the file was read (again) with the current options.
        matched(): matching finished and its results are shown.
        applied(): the values were written.
    """

    table_read = Signal()
    matched = Signal()
    applied = Signal()

    def __init__(self, workspace: Workspace, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.path = path
        self.table: Table | None = None
        self.import_result: InventoryImport | None = None
        self.service = InventoryImportService(
            workspace.database, os_user=workspace.edits.os_user, undo_stack=workspace.undo_stack
        )
        self._loading = False
        self.setWindowTitle(_("Import your own inventory"))
        self._set_up_reading_widgets()
        self._set_up_mapping_widgets()
        self._set_up_result_widgets()
        self._set_up_layout()
        self._fill_saved_mappings()
        self.read_file()

    # Set-up

    def _set_up_reading_widgets(self) -> None:
        self.file_label = QLabel(_("File: {name}").format(name=self.path.name), self)
        self.mapping_combo = QComboBox(self)
        self.mapping_combo.activated.connect(self._on_mapping_combo_activated)
        self.sheet_combo = QComboBox(self)
        self.sheet_combo.activated.connect(lambda _index: self.read_file())
        self.header_spin = QSpinBox(self)
        self.header_spin.setRange(0, 1_048_576)
        self.header_spin.setSpecialValueText(_("detect"))
        self.header_spin.editingFinished.connect(self.read_file)
        self.encoding_combo = QComboBox(self)
        self.encoding_combo.addItem(_("detect"), None)
        for encoding in ENCODINGS:
            self.encoding_combo.addItem(encoding, encoding)
        self.encoding_combo.activated.connect(lambda _index: self.read_file())
        self.separator_combo = QComboBox(self)
        self.separator_combo.addItem(_("detect"), None)
        for separator, label in SEPARATORS:
            self.separator_combo.addItem(pgettext("separator", label), separator)
        self.separator_combo.activated.connect(lambda _index: self.read_file())
        self.reading_label = QLabel(self)
        self.reading_label.setWordWrap(True)
        self.cell_problems_list = QListWidget(self)
        self.cell_problems_list.setWordWrap(True)
        self.cell_problems_list.setVisible(False)

    def _set_up_mapping_widgets(self) -> None:
        self.columns_table = QTableWidget(0, 3, self)
        self.columns_table.setHorizontalHeaderLabels(
            [_("Column in the file"), _("First values"), _("Imported as")]
        )
        self.columns_table.verticalHeader().hide()
        self.columns_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.columns_table.horizontalHeader()
        header.setSectionResizeMode(EXAMPLES_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.preview_table = QTableWidget(0, 0, self)
        self.preview_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(_("Name of the mapping, such as Tilaluettelo"))
        self.save_button = QPushButton(_("Save the mapping"), self)
        self.save_button.clicked.connect(self.save_current_mapping)

    def _set_up_result_widgets(self) -> None:
        self.match_button = QPushButton(_("Match the rows to buildings"), self)
        self.match_button.clicked.connect(self.match)
        self.result_label = QLabel(self)
        self.result_label.setWordWrap(True)
        self.unmatched_table = QTableWidget(0, 2, self)
        self.unmatched_table.setHorizontalHeaderLabels([_("Row"), _("Problem")])
        self.unmatched_table.setWordWrap(True)
        self.unmatched_table.verticalHeader().hide()
        self.unmatched_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.unmatched_table.horizontalHeader().setStretchLastSection(True)
        self.export_button = QPushButton(_("Export the unmatched rows…"), self)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.add_unmatched_check = QCheckBox(
            _("Add the rows whose identifier or address is not found as local buildings"), self
        )
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)
        self.apply_button = QPushButton(pgettext("button", "Import"), self)
        self.apply_button.clicked.connect(self.apply)
        self.close_button = QPushButton(_("Close"), self)
        self.close_button.clicked.connect(self.reject)
        self._set_result_enabled(False)

    def _set_up_layout(self) -> None:
        reading = QFormLayout()
        reading.addRow(_("Saved mapping:"), self.mapping_combo)
        reading.addRow(_("Sheet:"), self.sheet_combo)
        reading.addRow(_("Header row:"), self.header_spin)
        reading.addRow(_("Encoding:"), self.encoding_combo)
        reading.addRow(_("Separator:"), self.separator_combo)
        reading_box = QGroupBox(_("Reading the file"), self)
        reading_layout = QVBoxLayout(reading_box)
        reading_layout.addWidget(self.file_label)
        reading_layout.addLayout(reading)
        reading_layout.addWidget(self.reading_label)
        reading_layout.addWidget(self.cell_problems_list)

        save_row = QHBoxLayout()
        save_row.addWidget(QLabel(_("Mapping name:"), self))
        save_row.addWidget(self.name_edit, 1)
        save_row.addWidget(self.save_button)
        mapping_box = QGroupBox(_("Columns"), self)
        mapping_layout = QVBoxLayout(mapping_box)
        mapping_layout.addWidget(self.columns_table, 2)
        mapping_layout.addWidget(QLabel(_("First rows of the file:"), self))
        mapping_layout.addWidget(self.preview_table, 1)
        mapping_layout.addLayout(save_row)

        result_box = QGroupBox(_("Matching"), self)
        result_layout = QVBoxLayout(result_box)
        result_layout.addWidget(self.match_button, 0, Qt.AlignmentFlag.AlignLeft)
        result_layout.addWidget(self.result_label)
        result_layout.addWidget(self.unmatched_table, 1)
        result_layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeft)
        result_layout.addWidget(self.add_unmatched_check)

        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(reading_box)
        left.addWidget(result_box, 1)
        columns.addLayout(left, 2)
        columns.addWidget(mapping_box, 3)

        buttons = QHBoxLayout()
        buttons.addWidget(self.status_label, 1)
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        width = self.fontMetrics().horizontalAdvance("0") * 150
        self.resize(width, width * 9 // 16)

    def _fill_saved_mappings(self) -> None:
        self.mapping_combo.clear()
        self.mapping_combo.addItem(_("New mapping"), None)
        for name in list_mappings(self.workspace.database):
            self.mapping_combo.addItem(name, name)

    # Reading

    def options(self) -> TableOptions:
        """Return the reading options the widgets show, with None for each "detect"."""
        sheet = self.sheet_combo.currentData() if self.sheet_combo.count() else None
        return TableOptions(
            sheet=sheet,
            header_row=self.header_spin.value() or None,
            encoding=self.encoding_combo.currentData(),
            separator=self.separator_combo.currentData(),
        )

    def read_file(self) -> None:
        """Read the file with the current options on the worker, then show it."""
        if self._loading:
            return
        path = self.path
        options = self.options()
        self._set_busy(_("Reading {name}…").format(name=path.name))

        def job(_context: TaskContext) -> Table:
            return read_table(path, options)

        self.workspace.worker.submit(
            "read an inventory file", job, done=self._on_table_read, failed=self._on_failed
        )

    def _on_table_read(self, table: Table) -> None:
        previous = self.current_mapping().columns if self.table is not None else {}
        self.table = table
        self.import_result = None
        self._loading = True
        try:
            self._show_sheets(table)
            self._show_reading(table)
            self._show_columns(table, previous or suggest_columns(table.columns))
            self._show_preview(table)
        finally:
            self._loading = False
        self._show_result(None)
        self._set_idle("")
        self.table_read.emit()

    def _show_sheets(self, table: Table) -> None:
        self.sheet_combo.clear()
        for sheet in table.sheets:
            label = sheet.name if not sheet.hidden else _("{name} (hidden)").format(name=sheet.name)
            self.sheet_combo.addItem(label, sheet.name)
        if table.sheet is not None:
            self.sheet_combo.setCurrentIndex(self.sheet_combo.findData(table.sheet))
        self.sheet_combo.setEnabled(bool(table.sheets))
        is_csv = table.encoding is not None
        self.encoding_combo.setEnabled(is_csv)
        self.separator_combo.setEnabled(is_csv)

    def _show_reading(self, table: Table) -> None:
        parts = [
            ngettext(
                "Header on row {row}; {count} row of data.",
                "Header on row {row}; {count} rows of data.",
                len(table.rows),
            ).format(row=table.header_row, count=format_decimal(len(table.rows)))
        ]
        if table.encoding is not None:
            parts.append(
                _("Encoding {encoding} ({basis}).").format(
                    encoding=table.encoding.name, basis=_encoding_basis_text(table.encoding.basis)
                )
            )
        if table.separator is not None and table.separator_basis is not None:
            parts.append(
                _("Separator {separator} ({basis}).").format(
                    separator=_separator_text(table.separator),
                    basis=_separator_basis_text(table.separator_basis),
                )
            )
        if table.hidden_sheets:
            parts.append(
                _("Hidden sheets: {sheets}.").format(sheets=", ".join(table.hidden_sheets))
            )
        if table.problems:
            parts.append(
                ngettext(
                    "{count} cell has a problem, such as a formula without a saved result.",
                    "{count} cells have a problem, such as a formula without a saved result.",
                    len(table.problems),
                ).format(count=len(table.problems))
            )
        self.reading_label.setText(" ".join(parts))
        self.cell_problems_list.clear()
        self.cell_problems_list.addItems(cell_problem_lines(table))
        self.cell_problems_list.setVisible(bool(table.problems))

    def _show_columns(self, table: Table, targets: dict[str, str]) -> None:
        self.columns_table.setRowCount(len(table.columns))
        for row, column in enumerate(table.columns):
            self.columns_table.setItem(row, SOURCE_COLUMN, QTableWidgetItem(column))
            examples = [
                _cell_text(data_row.values[row])
                for data_row in table.rows[:EXAMPLE_VALUES]
                if data_row.values[row] is not None
            ]
            self.columns_table.setItem(row, EXAMPLES_COLUMN, QTableWidgetItem(", ".join(examples)))
            combo = _target_combo(self.columns_table)
            combo.setCurrentIndex(max(combo.findData(targets.get(column, NOT_IMPORTED)), 0))
            combo.currentIndexChanged.connect(lambda _index: self._on_mapping_changed())
            self.columns_table.setCellWidget(row, TARGET_COLUMN, combo)
        self.columns_table.resizeColumnToContents(SOURCE_COLUMN)
        self.columns_table.resizeColumnToContents(TARGET_COLUMN)

    def _show_preview(self, table: Table) -> None:
        self.preview_table.clear()
        self.preview_table.setColumnCount(len(table.columns))
        self.preview_table.setHorizontalHeaderLabels(table.columns)
        rows = table.rows[:PREVIEW_ROWS]
        self.preview_table.setRowCount(len(rows))
        self.preview_table.setVerticalHeaderLabels([str(row.number) for row in rows])
        for row_index, row in enumerate(rows):
            for column_index, value in enumerate(row.values):
                item = QTableWidgetItem(_cell_text(value))
                if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.preview_table.setItem(row_index, column_index, item)
        self.preview_table.resizeColumnsToContents()

    # Mapping

    def current_mapping(self) -> ColumnMapping:
        """Return the mapping the widgets show, with the name from the name field."""
        columns: dict[str, str] = {}
        for row in range(self.columns_table.rowCount()):
            combo = self.columns_table.cellWidget(row, TARGET_COLUMN)
            source = self.columns_table.item(row, SOURCE_COLUMN)
            if isinstance(combo, QComboBox) and source is not None and combo.currentData():
                columns[source.text()] = combo.currentData()
        options = self.options()
        return ColumnMapping(
            name=self.name_edit.text().strip(),
            columns=columns,
            sheet=options.sheet,
            header_row=options.header_row,
            encoding=options.encoding,
            separator=options.separator,
        )

    def set_target(self, column: str, target: str) -> None:
        """Choose the field or key that ``column`` is imported as."""
        for row in range(self.columns_table.rowCount()):
            source = self.columns_table.item(row, SOURCE_COLUMN)
            combo = self.columns_table.cellWidget(row, TARGET_COLUMN)
            if source is not None and source.text() == column and isinstance(combo, QComboBox):
                combo.setCurrentIndex(combo.findData(target))
                return
        raise KeyError(column)

    def _on_mapping_changed(self) -> None:
        if not self._loading:
            self._show_result(None)

    def _on_mapping_combo_activated(self, _index: int) -> None:
        name = self.mapping_combo.currentData()
        if name is None:
            return
        try:
            mapping = load_mapping(self.workspace.database, name)
        except Exception as error:
            self._on_failed(error)
            return
        self.name_edit.setText(mapping.name)
        self._apply_options(mapping)
        path, options = self.path, mapping.table_options()
        self._set_busy(_("Reading {name}…").format(name=path.name))

        def job(_context: TaskContext) -> Table:
            return read_table(path, options)

        def done(table: Table) -> None:
            self.table = None
            self._on_table_read(table)
            self._loading = True
            try:
                self._show_columns(table, mapping.columns)
            finally:
                self._loading = False

        self.workspace.worker.submit(
            "read an inventory file", job, done=done, failed=self._on_failed
        )

    def _apply_options(self, mapping: ColumnMapping) -> None:
        self.header_spin.setValue(mapping.header_row or 0)
        self.encoding_combo.setCurrentIndex(max(self.encoding_combo.findData(mapping.encoding), 0))
        self.separator_combo.setCurrentIndex(
            max(self.separator_combo.findData(mapping.separator), 0)
        )
        if mapping.sheet is not None:
            self.sheet_combo.clear()
            self.sheet_combo.addItem(mapping.sheet, mapping.sheet)

    def save_current_mapping(self) -> None:
        mapping = self.current_mapping()
        try:
            check_mapping(mapping)
        except Exception as error:
            self._on_failed(error)
            return
        database = self.workspace.database
        self._set_busy(_("Saving the mapping…"))

        def done(replaced: bool) -> None:
            self._fill_saved_mappings()
            self.mapping_combo.setCurrentIndex(self.mapping_combo.findData(mapping.name))
            text = _("Replaced the mapping {name}.") if replaced else _("Saved the mapping {name}.")
            self._set_idle(text.format(name=mapping.name))

        self.workspace.worker.submit(
            "save a column mapping",
            lambda _context: save_mapping(database, mapping),
            done=done,
            failed=self._on_failed,
        )

    # Matching and applying

    def match(self) -> None:
        """Match the rows with the current mapping on the worker; write nothing."""
        table = self.table
        if table is None:
            return
        mapping = self._checked_mapping()
        if mapping is None:
            return
        self._set_busy(_("Matching the rows…"))
        service = self.service

        def done(result: InventoryImport) -> None:
            self._show_result(result)
            self._set_idle("")
            self.matched.emit()

        self.workspace.worker.submit(
            "match an inventory",
            lambda _context: service.preview(table, mapping),
            done=done,
            failed=self._on_failed,
        )

    def apply(self) -> None:
        """Write the values as local values, one undo step, on the worker."""
        table = self.table
        mapping = self._checked_mapping()
        if table is None or mapping is None:
            return
        add_unmatched = self.add_unmatched_check.isChecked()
        service = self.service
        self._set_busy(_("Importing…"))

        def done(result: InventoryImport) -> None:
            self._show_result(result)
            self._set_idle(_applied_text(result))
            self.applied.emit()

        self.workspace.write(
            "import an inventory",
            lambda _context: service.apply(table, mapping, add_unmatched=add_unmatched),
            changed=_changed_buildings,
            done=done,
            failed=self._on_failed,
        )

    def _checked_mapping(self) -> ColumnMapping | None:
        # A mapping that is not saved still needs a name for the checks and the logs.
        mapping = self.current_mapping()
        if not mapping.name:
            mapping = ColumnMapping(
                _("unsaved"),
                mapping.columns,
                mapping.sheet,
                mapping.header_row,
                mapping.encoding,
                mapping.separator,
            )
        try:
            check_mapping(mapping)
        except Exception as error:
            self._on_failed(error)
            return None
        return mapping

    def _show_result(self, result: InventoryImport | None) -> None:
        self.import_result = result
        self._set_result_enabled(result is not None)
        if result is None:
            self.result_label.setText(_("Choose the columns, then match the rows to buildings."))
            self.unmatched_table.setRowCount(0)
            return

        self.result_label.setText(_match_text(result))
        problems = [(match.row, describe_unmatched(match)) for match in result.unmatched]
        problems.extend(
            (
                problem.row,
                _("Column {column}: {message} The value is not imported.").format(
                    column=problem.column_text, message=problem.message
                ),
            )
            for problem in result.value_problems
        )
        problems.sort(key=lambda problem: problem[0])
        self.unmatched_table.setRowCount(len(problems))
        for index, (row, text) in enumerate(problems):
            number = QTableWidgetItem(str(row))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.unmatched_table.setItem(index, 0, number)
            self.unmatched_table.setItem(index, 1, QTableWidgetItem(text))
        self.unmatched_table.resizeColumnToContents(0)
        self.unmatched_table.resizeRowsToContents()

    def _on_export_button_clicked(self) -> None:
        result = self.import_result
        if result is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Export the unmatched rows"),
            str(self.path.with_name(_("unmatched.xlsx"))),
            _("Excel workbook (*.xlsx)"),
        )
        if path:
            self.export_unmatched(Path(path))

    def export_unmatched(self, path: Path) -> None:
        result = self.import_result
        if result is None:
            return

        def done(count: int) -> None:
            text = ngettext(
                "Wrote {count} unmatched row to {name}.",
                "Wrote {count} unmatched rows to {name}.",
                count,
            )
            self._set_idle(text.format(count=count, name=path.name))

        self.workspace.worker.submit(
            "export unmatched rows",
            lambda _context: write_unmatched(path, result),
            done=done,
            failed=self._on_failed,
        )

    # State

    def _set_result_enabled(self, enabled: bool) -> None:
        has_unmatched = (
            enabled and self.import_result is not None and bool(self.import_result.unmatched)
        )
        self.export_button.setEnabled(has_unmatched)
        self.unmatched_table.setEnabled(enabled)

    def _set_busy(self, text: str) -> None:
        self.status_label.setText(text)
        for widget in (self.match_button, self.apply_button, self.save_button):
            widget.setEnabled(False)

    def _set_idle(self, text: str) -> None:
        self.status_label.setText(text)
        for widget in (self.match_button, self.apply_button, self.save_button):
            widget.setEnabled(self.table is not None)

    def _on_failed(self, error: object) -> None:
        message = user_message(error) if isinstance(error, BaseException) else None
        if message is None:
            log.error("Inventory dialog task failed: %r", error)
            message = _("The task failed unexpectedly. The log file tells more.")
        self._set_idle(message)


def _target_combo(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    combo.addItem(_("(not imported)"), NOT_IMPORTED)
    for key, label in MATCH_KEY_LABELS.items():
        combo.addItem(_("Find by: {label}").format(label=_(label)), key.value)
    for name in EDITABLE_FIELDS:
        if name not in MATCH_KEYS:
            combo.addItem(_(field_spec(name).label), name)
    return combo


def _cell_text(value: object) -> str:
    """Return a cell as the file has it: numbers without thousands separators or rounding.

    Postal codes, identifiers and years are numbers in many workbooks, and ``19 600``
    would hide the postal code 19600. The decimal separator is the UI language's.
    """
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return f"{value.day}.{value.month}.{value.year}"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, int | Decimal):
        text = decimal_to_text(Decimal(value))
        return text if current_language() == "en" else text.replace(".", ",")
    return str(value)


def cell_problem_lines(table: Table) -> list[str]:
    """Return each cell problem of ``table`` with its row and column name, as the CLI does."""
    lines = []
    for problem in table.problems:
        column = None
        if problem.column is not None and problem.column <= len(table.columns):
            column = table.columns[problem.column - 1]
        if column:
            place = _("row {row}, column {column}").format(row=problem.row, column=column)
        else:
            place = _("line {row}").format(row=problem.row)
        lines.append(f"{place}: {problem.message()}")
    return lines


def _separator_text(separator: str) -> str:
    return pgettext("separator", "tab") if separator == "\t" else separator


def _encoding_basis_text(basis: EncodingBasis) -> str:
    texts = {
        EncodingBasis.BYTE_ORDER_MARK: _("from the byte order mark"),
        EncodingBasis.UTF_8_CONTENT: _("the text is valid UTF-8"),
        EncodingBasis.ASCII_CONTENT: _("the text has no letters outside ASCII"),
        EncodingBasis.DECLARED: _("not UTF-8, so read as Excel's Windows encoding"),
        EncodingBasis.GIVEN: _("chosen"),
    }
    return texts[basis]


def _separator_basis_text(basis: SeparatorBasis) -> str:
    texts = {
        SeparatorBasis.SEP_LINE: _("named on the file's sep= line"),
        SeparatorBasis.DETECTED: _("detected"),
        SeparatorBasis.GIVEN: _("chosen"),
    }
    return texts[basis]


def _match_text(result: InventoryImport) -> str:
    counts = result.counts_by_method()
    total = len(result.matches)
    text = ngettext(
        "{matched} of {count} row matched a building: {by_identifier} by permanent building "
        "identifier, {by_old} by property identifier and building number, {by_address} by "
        "address.",
        "{matched} of {count} rows matched a building: {by_identifier} by permanent building "
        "identifier, {by_old} by property identifier and building number, {by_address} by "
        "address.",
        total,
    ).format(
        matched=len(result.matched),
        count=total,
        by_identifier=counts[MatchMethod.PERMANENT_IDENTIFIER],
        by_old=counts[MatchMethod.OLD_IDENTIFIER],
        by_address=counts[MatchMethod.ADDRESS],
    )
    if result.applied:
        changes = _("Values changed: {count}, in buildings: {buildings}.")
    else:
        changes = _("Values that would change: {count}, in buildings: {buildings}.")
    text += " " + changes.format(count=len(result.changes), buildings=result.buildings_changed)
    if result.value_problems:
        text += " " + ngettext(
            "{count} value is invalid and is not imported.",
            "{count} values are invalid and are not imported.",
            len(result.value_problems),
        ).format(count=len(result.value_problems))
    return text


def _applied_text(result: InventoryImport) -> str:
    if result.step is None and not result.added_buildings:
        return _("Nothing changed: the database already has these values.")
    text = _("Imported. Edit > Undo reverts the whole import.")
    if result.added_buildings:
        text += " " + ngettext(
            "{count} local building added.",
            "{count} local buildings added.",
            len(result.added_buildings),
        ).format(count=len(result.added_buildings))
    return text


def _changed_buildings(result: InventoryImport) -> list[int]:
    changed = {change.building_id for change in result.changes}
    return sorted(changed | set(result.added_buildings))
