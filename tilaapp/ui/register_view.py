"""The register view: filter-as-you-type, the scope toggle, the table and its columns."""

from __future__ import annotations

import logging

from PySide6 import QtCore
from PySide6.QtCore import QEvent, QItemSelection, QModelIndex, QObject, Signal
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tilaapp.i18n import gettext as _
from tilaapp.services.list_query import ListReader
from tilaapp.services.list_texts import list_column_label
from tilaapp.ui.register_model import (
    BUILDING_ID_ROLE,
    DEFAULT_COLUMNS,
    RegisterModel,
)
from tilaapp.ui.settings import Settings

log = logging.getLogger(__name__)

HEADER_STATE_KEY = "register/header"
SORT_KEY = "register/sort"
FIT_ROWS = 30


class ListTable(QTableView):
    """The table of the register list; the standard copy keys copy the selected rows.

    Signals:
        copy_requested(): the user pressed the copy keys (Ctrl+C) in the table.
    """

    copy_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class RegisterView(QWidget):
    """The list of buildings with its filter.

    Signals:
        current_building_changed(id): the building under the cursor; -1 for none.
        building_activated(id): the user double-clicked a building.
        selection_changed(count): the number of selected buildings changed.
    """

    current_building_changed = Signal(int)
    building_activated = Signal(int)
    selection_changed = Signal(int)

    def __init__(
        self, reader: ListReader, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self.model = RegisterModel(reader, self)
        self._current_id = -1
        self._set_up_filter_row()
        self._set_up_table()
        self._set_up_layout()
        self.model.reloaded.connect(self._on_model_reloaded)
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.set_sort(*self._saved_sort())
        self._restore_columns()

    # Set-up.

    def _set_up_filter_row(self) -> None:
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText(
            _("Find by identifier, address, property identifier, name or class")
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.model.set_filter_text)
        self.all_check = QCheckBox(_("Show all imported buildings"), self)
        self.all_check.setToolTip(
            _("Without this, the list shows the buildings of the portfolio only.")
        )
        self.all_check.toggled.connect(self.model.set_all_buildings)

    def _set_up_table(self) -> None:
        self.table = ListTable(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.copy_requested.connect(self.copy_selection)
        self._set_up_header()

    def _set_up_header(self) -> None:
        # Sorting is done here rather than by QTableView.setSortingEnabled, which calls
        # the model's ``sort`` with a ``Qt.SortOrder`` at once and so builds PySide6's
        # whole ``Qt`` namespace before the first window is painted.
        header = self.table.horizontalHeader()
        header.setModel(self.model.header_model(self))
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._on_header_clicked)
        header.setSectionsMovable(True)
        header.installEventFilter(self)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(self.table.fontMetrics().horizontalAdvance("0") * 16)

    def _set_up_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.filter_edit, 1)
        top.addWidget(self.all_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)

    # Columns.

    def visible_columns(self) -> list[str]:
        header = self.table.horizontalHeader()
        columns = self.model.columns
        visual = sorted(range(len(columns)), key=header.visualIndex)
        return [columns[i] for i in visual if not header.isSectionHidden(i)]

    def set_column_visible(self, column: str, visible: bool) -> None:
        index = self.model.columns.index(column)
        self.table.horizontalHeader().setSectionHidden(index, not visible)
        self._save_columns()

    def _restore_columns(self) -> None:
        header = self.table.horizontalHeader()
        state = self._settings.bytes_value(HEADER_STATE_KEY)
        restored = state is not None and header.restoreState(state)
        # The sort is kept under SORT_KEY, and show_sort_indicator shows it.
        header.setSortIndicatorShown(False)
        chosen = set(self._settings.columns(DEFAULT_COLUMNS, tuple(self.model.columns)))
        for index, column in enumerate(self.model.columns):
            header.setSectionHidden(index, column not in chosen)
        if not restored:
            self._fit_columns()

    def _fit_columns(self) -> None:
        """Size each shown column to its header and the first rows."""
        header = self.table.horizontalHeader()
        header.setResizeContentsPrecision(FIT_ROWS)
        limit = self.table.fontMetrics().horizontalAdvance("0") * 40
        for index in range(header.count()):
            if header.isSectionHidden(index):
                continue
            self.table.resizeColumnToContents(index)
            header.resizeSection(index, min(header.sectionSize(index) + 8, limit))

    def _save_columns(self) -> None:
        self._settings.set_columns(self.visible_columns())
        self._settings.set_bytes_value(HEADER_STATE_KEY, self.table.horizontalHeader().saveState())

    # Sorting.

    def sort_by(self, column: str, descending: bool) -> None:
        """Sort the list by the column id ``column``, remember it and show its indicator."""
        self.model.set_sort(column, descending)
        direction = "descending" if descending else "ascending"
        self._settings.set_text(SORT_KEY, f"{column} {direction}")
        self.show_sort_indicator()

    def show_sort_indicator(self) -> None:
        """Show the sort column and direction in the header."""
        order = QtCore.Qt.SortOrder
        header = self.table.horizontalHeader()
        header.setSortIndicator(
            self.model.columns.index(self.model.sort_column),
            order.DescendingOrder if self.model.descending else order.AscendingOrder,
        )
        header.setSortIndicatorShown(True)

    def _saved_sort(self) -> tuple[str, bool]:
        saved = (self._settings.text(SORT_KEY) or "").split()
        if len(saved) == 2 and saved[0] in self.model.columns:
            return saved[0], saved[1] == "descending"
        return self.model.columns[0], False

    def _on_header_clicked(self, section: int) -> None:
        column = self.model.columns[section]
        descending = column == self.model.sort_column and not self.model.descending
        self.sort_by(column, descending)

    def column_menu(self) -> QMenu:
        """Return a menu of checkable columns. The choice is remembered between runs."""
        menu = QMenu(_("Columns"), self)
        visible = set(self.visible_columns())
        for column in self.model.columns:
            action = menu.addAction(list_column_label(column))
            action.setCheckable(True)
            action.setChecked(column in visible)
            action.toggled.connect(
                lambda checked, name=column: self.set_column_visible(name, checked)
            )
        return menu

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.horizontalHeader() and isinstance(event, QContextMenuEvent):
            self.column_menu().exec(event.globalPos())
            return True
        return super().eventFilter(watched, event)

    def save_state(self) -> None:
        self._save_columns()

    # Selection.

    @property
    def current_building_id(self) -> int:
        """The building under the cursor; -1 for none."""
        return self._current_id

    def selected_building_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.building_id(row) for row in rows]

    def select_building(self, building_id: int) -> bool:
        row = self.model.row_of(building_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        return True

    def _remember_selection(self) -> None:
        self._selection_before_reload = self.selected_building_ids()
        self._current_before_reload = self._current_id

    def _on_model_reloaded(self, _matching: int, _total: int) -> None:
        selected = getattr(self, "_selection_before_reload", [])
        current = getattr(self, "_current_before_reload", -1)
        if current >= 0 and self.select_building(current):
            selection = self.table.selectionModel()
            for building_id in selected:
                row = self.model.row_of(building_id)
                if row is not None and building_id != current:
                    selection.select(
                        self.model.index(row, 0),
                        selection.SelectionFlag.Select | selection.SelectionFlag.Rows,
                    )
            return
        if self.model.rowCount() > 0:
            # The building under the cursor left the list: go to the first match, so the
            # editor shows what the filter found.
            self.table.selectRow(0)
            return
        if self._current_id != -1:
            self._current_id = -1
            self.current_building_changed.emit(-1)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        building_id = int(current.data(BUILDING_ID_ROLE)) if current.isValid() else -1
        if building_id != self._current_id:
            self._current_id = building_id
            self.current_building_changed.emit(building_id)

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self.selection_changed.emit(len(self.table.selectionModel().selectedRows()))

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.building_activated.emit(int(index.data(BUILDING_ID_ROLE)))

    # Clipboard.

    def copy_selection(self) -> None:
        """Copy the selected rows' visible columns as tab-separated text, like Excel."""
        columns = self.visible_columns()
        indexes = [self.model.columns.index(column) for column in columns]
        lines = ["\t".join(list_column_label(column) for column in columns)]
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        for row in rows:
            cells = [self.model.index(row, column).data() or "" for column in indexes]
            lines.append("\t".join(str(cell).replace("\t", " ") for cell in cells))
        QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
        log.info("Copied %d rows to the clipboard", len(rows))
