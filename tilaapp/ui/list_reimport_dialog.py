"""The preview of an edited list export, where the user accepts changes before applying them.

Each changed cell is a row of the table, with a check box when it can be applied. Invalid
values and read-only columns are shown with the reason and cannot be checked. Applying
writes the checked changes on the worker as one undo step of the shared stack.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.editing import EditStep
from tilaapp.services.list_reimport import ReimportPreview, ValueChange, apply_changes
from tilaapp.services.list_texts import list_column_label
from tilaapp.ui.errors import user_message
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

BUILDING, FIELD, OLD, NEW, NOTE = range(5)
# Room for about this many lines of problems before the list scrolls.
PROBLEM_LINES = 4
# Text of an empty value in the table.
NO_VALUE = "–"
# The widest that a value column starts, in average characters, so the note stays in view.
VALUE_COLUMN_CHARACTERS = 28
# Up to this many rows are fitted to their wrapped notes again when the note column
# changes width. Measuring more would make resizing the dialog slow.
ROWS_RESIZED_MAX = 2000


class ListReimportDialog(QDialog):
    """Shows the changes of an edited list and applies the checked ones as one step.

    Signals:
        applied(step): the checked changes were written as one undoable ``EditStep``.
    """

    applied = Signal(object)

    def __init__(
        self, workspace: Workspace, preview: ReimportPreview, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.preview = preview
        self._rows: list[ValueChange] = [*preview.changes, *preview.read_only]
        self._running = False
        self.setWindowTitle(_("Import an edited list"))
        self._build()
        self._fill_table()
        self._update_count()

    # Construction

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.summary_label = QLabel(self._summary_text(), self)
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)

        self.table = self._make_table()
        layout.addWidget(self.table, 1)

        selection = QHBoxLayout()
        self.select_all_button = QPushButton(_("Select &all"), self)
        self.select_none_button = QPushButton(_("Select &none"), self)
        self.select_all_button.clicked.connect(lambda: self.set_all_checked(True))
        self.select_none_button.clicked.connect(lambda: self.set_all_checked(False))
        self.count_label = QLabel(self)
        selection.addWidget(self.select_all_button)
        selection.addWidget(self.select_none_button)
        selection.addSpacing(self.fontMetrics().averageCharWidth() * 2)
        selection.addWidget(self.count_label, 1)
        layout.addLayout(selection)

        self.problems_label = QLabel(_("Skipped rows and columns:"), self)
        self.problems_list = QListWidget(self)
        self.problems_list.setWordWrap(True)
        self.problems_list.addItems([problem.message() for problem in self.preview.problems])
        line = self.problems_list.fontMetrics().lineSpacing()
        self.problems_list.setMaximumHeight(line * (PROBLEM_LINES + 1))
        has_problems = bool(self.preview.problems)
        self.problems_label.setVisible(has_problems)
        self.problems_list.setVisible(has_problems)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems_list)

        self.message_label = QLabel(self)
        self.message_label.setWordWrap(True)
        self.message_label.setVisible(False)
        layout.addWidget(self.message_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.apply_button = QPushButton(_("A&pply"), self)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _summary_text(self) -> str:
        preview = self.preview
        read = ngettext(
            "{file}: {rows} row read, {matched} building matched.",
            "{file}: {rows} rows read, {matched} buildings matched.",
            preview.rows_read,
        ).format(file=preview.path.name, rows=preview.rows_read, matched=preview.buildings_matched)
        if not self._rows:
            return read + " " + _("The file has no changes to the values in use.")
        return read + " " + _("Check the changes to apply. Undo reverts them all in one step.")

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, 5, self)
        table.setHorizontalHeaderLabels(
            [_("Building"), _("Field"), _("Old value"), _("New value"), _("Note")]
        )
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.setWordWrap(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        table.itemChanged.connect(self._on_item_changed)
        header.sectionResized.connect(self._on_section_resized)
        return table

    def _fill_table(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self._rows))
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for row, change in enumerate(self._rows):
            building = QTableWidgetItem(_building_text(change))
            if change.applicable:
                building.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                building.setCheckState(Qt.CheckState.Checked)
            else:
                building.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                building.setIcon(warning)
            self.table.setItem(row, BUILDING, building)
            self.table.setItem(row, FIELD, _item(list_column_label(change.column)))
            self.table.setItem(row, OLD, _item(change.old_text or NO_VALUE))
            self.table.setItem(row, NEW, _item(change.new_text or NO_VALUE))
            note = _item(_note(change))
            note.setToolTip(_note(change))
            self.table.setItem(row, NOTE, note)
        self._fit_columns()
        self.table.blockSignals(False)

    def _fit_columns(self) -> None:
        """Fit the columns to their texts, but leave room for the note, which wraps."""
        self.table.resizeColumnsToContents()
        widest = self.fontMetrics().averageCharWidth() * VALUE_COLUMN_CHARACTERS
        for column in (BUILDING, FIELD, OLD, NEW):
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), widest))
        self.table.resizeRowsToContents()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # After the event loop has given the stretched note column its width.
        QTimer.singleShot(0, self._fit_rows)

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if column == NOTE:
            self._fit_rows()

    def _fit_rows(self) -> None:
        """Fit the rows to their wrapped notes, which depend on the note column's width."""
        if self.table.rowCount() <= ROWS_RESIZED_MAX:
            self.table.resizeRowsToContents()

    # Checked changes

    def accepted_changes(self) -> list[ValueChange]:
        """Return the changes whose box is checked, in the table's order."""
        return [
            change
            for row, change in enumerate(self._rows)
            if change.applicable and self._is_checked(row)
        ]

    def _is_checked(self, row: int) -> bool:
        item = self.table.item(row, BUILDING)
        return item is not None and item.checkState() == Qt.CheckState.Checked

    def set_checked(self, row: int, checked: bool) -> None:
        """Check or uncheck the change of table row ``row``, if it can be applied."""
        item = self.table.item(row, BUILDING)
        if item is not None and self._rows[row].applicable:
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def set_all_checked(self, checked: bool) -> None:
        self.table.blockSignals(True)
        for row in range(len(self._rows)):
            self.set_checked(row, checked)
        self.table.blockSignals(False)
        self._update_count()

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == BUILDING:
            self._update_count()

    def _update_count(self) -> None:
        accepted = len(self.accepted_changes())
        valid = len(self.preview.valid_changes)
        self.count_label.setText(
            ngettext(
                "{accepted} of {valid} change accepted",
                "{accepted} of {valid} changes accepted",
                valid,
            ).format(accepted=accepted, valid=valid)
        )
        self.apply_button.setEnabled(accepted > 0 and not self._running)
        has_valid = valid > 0
        self.select_all_button.setEnabled(has_valid and not self._running)
        self.select_none_button.setEnabled(has_valid and not self._running)

    # Applying

    def apply(self) -> None:
        """Write the checked changes on the worker as one undo step."""
        accepted = self.accepted_changes()
        if not accepted or self._running:
            return
        edits = self.workspace.edits
        preview = self.preview
        self._set_running(True)
        log.info("Applying %d changes from %s", len(accepted), preview.path)
        self.workspace.write_step(
            "import edited list",
            lambda: apply_changes(edits, preview, accepted),
            done=self._on_written,
            failed=self._on_write_failed,
        )

    def _set_running(self, running: bool) -> None:
        self._running = running
        self.table.setEnabled(not running)
        self._update_count()
        if running:
            self._show_message(_("Saving…"))

    def _on_written(self, step: EditStep | None) -> None:
        self._set_running(False)
        self.applied.emit(step)
        self.accept()

    def _on_write_failed(self, error: BaseException) -> None:
        self._set_running(False)
        message = user_message(error)
        if message is None:
            log.error("Applying the edited list failed", exc_info=error)
            message = _("The changes could not be saved. Try again; the log file tells more.")
        self._show_message(message)

    def _show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_label.setVisible(bool(text))

    @property
    def message(self) -> str | None:
        """The message shown under the table, or None."""
        return None if self.message_label.isHidden() else self.message_label.text()


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    return item


def _building_text(change: ValueChange) -> str:
    if not change.building_name:
        return change.building
    return f"{change.building} – {change.building_name}"


def _note(change: ValueChange) -> str:
    if change.message is not None:
        return change.message
    if not change.applicable:
        return _("Read-only column: the change is not applied.")
    return ""
