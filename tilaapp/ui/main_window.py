"""The main window: register view on the left, the building editor on the right."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QWidget,
)

from tilaapp.domain.codelists import code_name
from tilaapp.i18n import LANGUAGES, current_language, ngettext
from tilaapp.i18n import gettext as _
from tilaapp.services.editing import describe_step
from tilaapp.storage.models import DatabaseInfo
from tilaapp.ui.errors import show_error
from tilaapp.ui.register_view import RegisterView
from tilaapp.ui.settings import Settings
from tilaapp.ui.tasks import TaskContext
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

GEOMETRY_KEY = "window/geometry"
SPLITTER_KEY = "window/splitter"
CURRENT_BUILDING_KEY = "window/building"

REGISTER_PATTERNS = "*.xlsx *.OPT *.opt *.zip *.7z *.json *.geojson"
INVENTORY_PATTERNS = "*.xlsx *.xlsm *.csv *.txt *.tsv"

# Language names are written in the language itself, so that anyone finds their own.
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


class MainWindow(QMainWindow):
    """The application's main window over one workspace.

    Signals:
        language_requested(code): the user chose another language; the application
            builds the window again in it.
    """

    language_requested = Signal(str)

    def __init__(
        self, workspace: Workspace, settings: Settings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings
        self._dialogs: list[QWidget] = []
        self._set_up_central_widgets()
        self._set_up_actions()
        self._set_up_menus()
        self._set_up_status_bar()
        self._connect_workspace()
        self._update_title()
        self._update_undo_actions()
        self._restore_window_state()

    # Set-up.

    def _set_up_central_widgets(self) -> None:
        from tilaapp.ui.editor import BuildingEditor

        self.register_view = RegisterView(self.workspace, self.settings, self)
        self.editor = BuildingEditor(self.workspace, self)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.register_view)
        self.splitter.addWidget(self.editor)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)
        self.register_view.current_building_changed.connect(self._on_current_building_changed)
        self.register_view.selection_changed.connect(self._on_selection_changed)

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _set_up_actions(self) -> None:
        self.import_action = self._action(
            _("&Import a register file…"), self.import_register_file, "Ctrl+I"
        )
        self.inventory_action = self._action(
            _("Import your own &inventory (Excel or CSV)…"), self.import_inventory_file
        )
        self.export_action = self._action(
            _("&Export the list to Excel or CSV…"), self.export_list, "Ctrl+E"
        )
        self.quit_action = self._action(_("&Quit"), self.close, QKeySequence.StandardKey.Quit)

        self.undo_action = self._action(_("&Undo"), self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(_("&Redo"), self.redo, "Ctrl+Y")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Y"), QKeySequence("Ctrl+Shift+Z")])

        self.bulk_edit_action = self._action(
            _("Set a field for the selected buildings…"), self.bulk_edit, "Ctrl+B"
        )
        self.portfolio_action = self._action(
            _("Portfolio of the selected buildings…"), self.edit_portfolio
        )
        self.holders_action = self._action(_("Municipal group entities…"), self.edit_holders)
        self.find_action = self._action(_("&Find a building"), self.focus_filter, "Ctrl+F")

        self.building_history_action = self._action(
            _("Change history of the building"), self.show_building_history, "Ctrl+H"
        )
        self.database_history_action = self._action(
            _("Change history of the database"), self.show_database_history
        )

        self.all_buildings_action = QAction(_("Show all imported buildings"), self)
        self.all_buildings_action.setCheckable(True)
        self.all_buildings_action.toggled.connect(self.register_view.all_check.setChecked)
        self.register_view.all_check.toggled.connect(self.all_buildings_action.setChecked)

        self.about_action = self._action(_("About tilaapp"), self.show_about)
        self._on_selection_changed(0)

    def _set_up_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.inventory_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(_("&Edit"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.bulk_edit_action)
        edit_menu.addAction(self.portfolio_action)
        edit_menu.addAction(self.holders_action)

        view_menu = bar.addMenu(_("&View"))
        view_menu.addAction(self.all_buildings_action)
        self.columns_menu = view_menu.addMenu(_("Columns"))
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        view_menu.addSeparator()
        view_menu.addAction(self.building_history_action)
        view_menu.addAction(self.database_history_action)

        self.language_menu = bar.addMenu(_("&Language"))
        self._set_up_language_menu(self.language_menu)

        help_menu = bar.addMenu(_("&Help"))
        help_menu.addAction(self.about_action)

    def _set_up_language_menu(self, menu: QMenu) -> None:
        group = QActionGroup(self)
        group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        for language in LANGUAGES:
            action = menu.addAction(LANGUAGE_NAMES[language])
            action.setCheckable(True)
            action.setChecked(language == current_language())
            action.triggered.connect(
                lambda _checked=False, code=language: self._on_language_chosen(code)
            )
            group.addAction(action)
            self.language_actions[language] = action

    def _set_up_status_bar(self) -> None:
        self.count_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.count_label)
        self.register_view.model.reloaded.connect(self._on_register_reloaded)
        self._on_register_reloaded(
            self.register_view.model.rowCount(), self.register_view.model.total
        )

    def _connect_workspace(self) -> None:
        self.workspace.undo_changed.connect(self._update_undo_actions)
        self.register_view.building_activated.connect(self.open_building)

    def _restore_window_state(self) -> None:
        geometry = self.settings.bytes_value(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        splitter = self.settings.bytes_value(SPLITTER_KEY)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        last = self.settings.text(CURRENT_BUILDING_KEY)
        if last and last.isdigit() and self.register_view.select_building(int(last)):
            self._on_current_building_changed(self.register_view.current_building_id)
            return
        if self.register_view.model.rowCount() > 0:
            self.register_view.table.selectRow(0)
        # The view chose its first building before this window listened to it.
        self._on_current_building_changed(self.register_view.current_building_id)

    # Title and status.

    def _update_title(self) -> None:
        with self.workspace.read_session() as session:
            info = session.get(DatabaseInfo, 1)
        home = info.home_municipality_code if info is not None else None
        name = code_name("municipality", home) if home else self.workspace.database_path.stem
        if self.workspace.is_demo:
            title = _("{municipality} – DEMO data, invented values – tilaapp").format(
                municipality=name
            )
        else:
            title = _("{municipality} – {file} – tilaapp").format(
                municipality=name, file=self.workspace.database_path.name
            )
        self.setWindowTitle(title)

    def _on_register_reloaded(self, shown: int, total: int) -> None:
        if self.register_view.model.all_buildings:
            text = ngettext(
                "{shown} of {total} building shown",
                "{shown} of {total} buildings shown",
                total,
            )
        else:
            text = ngettext(
                "{shown} of {total} portfolio building shown",
                "{shown} of {total} portfolio buildings shown",
                total,
            )
        self.count_label.setText(text.format(shown=shown, total=total))

    def _on_selection_changed(self, count: int) -> None:
        self.bulk_edit_action.setEnabled(count > 0)
        self.portfolio_action.setEnabled(count > 0)
        if count > 1:
            self.statusBar().showMessage(
                ngettext("{count} building selected", "{count} buildings selected", count).format(
                    count=count
                )
            )
        else:
            self.statusBar().clearMessage()

    def _on_current_building_changed(self, building_id: int) -> None:
        self.editor.show_building(building_id if building_id >= 0 else None)
        self.building_history_action.setEnabled(building_id >= 0)
        if building_id >= 0:
            self.settings.set_text(CURRENT_BUILDING_KEY, str(building_id))

    # Undo and redo.

    def _update_undo_actions(self) -> None:
        stack = self.workspace.undo_stack
        undo_step, redo_step = stack.next_undo, stack.next_redo
        self.undo_action.setEnabled(undo_step is not None)
        self.redo_action.setEnabled(redo_step is not None)
        self.undo_action.setText(
            _("&Undo: {action}").format(action=describe_step(undo_step))
            if undo_step is not None
            else _("&Undo")
        )
        self.redo_action.setText(
            _("&Redo: {action}").format(action=describe_step(redo_step))
            if redo_step is not None
            else _("&Redo")
        )

    def undo(self) -> None:
        if self.workspace.undo_stack.can_undo:
            self.workspace.undo(failed=self._on_write_failed)

    def redo(self) -> None:
        if self.workspace.undo_stack.can_redo:
            self.workspace.redo(failed=self._on_write_failed)

    def _on_write_failed(self, error: BaseException) -> None:
        show_error(self, error)

    # Commands.

    def focus_filter(self) -> None:
        self.register_view.filter_edit.setFocus()
        self.register_view.filter_edit.selectAll()

    def open_building(self, building_id: int) -> None:
        if not self.register_view.select_building(building_id):
            self.editor.show_building(building_id)
        self.editor.setFocus()

    def bulk_edit(self) -> None:
        from tilaapp.ui.bulk_edit import BulkEditDialog

        ids = self.register_view.selected_building_ids()
        if ids:
            BulkEditDialog(self.workspace, ids, self).exec()

    def edit_portfolio(self) -> None:
        from tilaapp.ui.portfolio_dialogs import PortfolioDialog

        ids = self.register_view.selected_building_ids()
        if ids:
            PortfolioDialog(self.workspace, ids, self).exec()

    def edit_holders(self) -> None:
        from tilaapp.ui.portfolio_dialogs import HolderEntitiesDialog

        HolderEntitiesDialog(self.workspace, self).exec()

    def show_building_history(self) -> None:
        building_id = self.editor.building_id
        if building_id is None:
            selected = self.register_view.selected_building_ids()
            if not selected:
                return
            building_id = selected[0]
        self._show_history(building_id)

    def show_database_history(self) -> None:
        self._show_history(None)

    def _show_history(self, building_id: int | None) -> None:
        from tilaapp.ui.history_view import HistoryDialog

        dialog = HistoryDialog(self.workspace, building_id, self)
        dialog.resize(dialog.size().expandedTo(self.size() * 0.8))
        dialog.building_activated.connect(self.open_building)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def import_register_file(self) -> None:
        from tilaapp.ui.import_dialog import ImportDialog

        if self.workspace.is_demo:
            QMessageBox.information(
                self,
                _("tilaapp"),
                _(
                    "This is the demo database with invented values. Files imported here "
                    "go into the demo database, which is deleted when you quit."
                ),
            )
        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose a register file"),
            str(Path.home()),
            ";;".join((_("Register files ({patterns})").format(patterns=REGISTER_PATTERNS),
                       _("All files (*)"))),
        )  # fmt: skip
        if path:
            ImportDialog(self.workspace, [Path(path)], self).exec()

    def import_inventory_file(self) -> None:
        """Choose a workbook or CSV file of the municipality's own and open the mapping wizard."""
        from tilaapp.ui.inventory_dialog import InventoryImportDialog

        path, _filter = QFileDialog.getOpenFileName(
            self,
            _("Choose your own inventory file"),
            str(Path.home()),
            ";;".join((_("Excel or CSV files ({patterns})").format(patterns=INVENTORY_PATTERNS),
                       _("All files (*)"))),
        )  # fmt: skip
        if path:
            InventoryImportDialog(self.workspace, Path(path), self).exec()

    def export_list(self) -> None:
        """Export the buildings and columns the list shows, as it is filtered and sorted."""
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Export the list"),
            str(Path.home() / _("buildings.xlsx")),
            ";;".join((_("Excel workbook (*.xlsx)"), _("CSV file for Excel (*.csv)"))),
        )
        if path:
            self.export_list_to(Path(path))

    def export_list_to(self, path: Path) -> None:
        """Export to ``path`` on the worker; Qt's save dialog has already asked to replace."""
        from tilaapp.services.list_export import export_list

        query = self.register_view.model.query()
        columns = self.register_view.visible_columns()
        database = self.workspace.database

        def job(_context: TaskContext) -> int:
            with database.read_session() as session:
                return export_list(
                    session,
                    path,
                    columns=columns,
                    text=query.text,
                    all_buildings=query.all_buildings,
                    sort_column=query.sort_column,
                    descending=query.descending,
                    replace=True,
                )

        def done(count: int) -> None:
            message = ngettext(
                "{count} building exported to {path}.",
                "{count} buildings exported to {path}.",
                count,
            )
            self.statusBar().showMessage(message.format(count=count, path=path))

        self.workspace.worker.submit("export list", job, done=done, failed=self._on_write_failed)

    def show_about(self) -> None:
        from tilaapp import __version__

        QMessageBox.about(
            self,
            _("About tilaapp"),
            _(
                "tilaapp {version}: the inventory of the buildings a municipality owns.\n\n"
                "Database: {path}"
            ).format(version=__version__, path=self.workspace.database_path),
        )

    def _fill_columns_menu(self) -> None:
        self.columns_menu.clear()
        for action in self.register_view.column_menu().actions():
            action.setParent(self.columns_menu)
            self.columns_menu.addAction(action)

    def _on_language_chosen(self, language: str) -> None:
        if language != current_language():
            self.language_requested.emit(language)

    # Closing.

    def save_state(self) -> None:
        self.settings.set_bytes_value(GEOMETRY_KEY, QByteArray(self.saveGeometry()))
        self.settings.set_bytes_value(SPLITTER_KEY, QByteArray(self.splitter.saveState()))
        self.register_view.save_state()
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        # Every change is already stored, so closing needs no confirmation.
        self.save_state()
        event.accept()
