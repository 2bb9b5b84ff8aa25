"""The main window: register view on the left, the building editor on the right."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

# Dialogs and the Qt namespace are reached through their modules: PySide6 builds a
# class, with its enums, when it is first looked up, and the first window needs neither.
from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import QByteArray, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QGridLayout, QLabel, QMainWindow, QMenu, QSplitter, QWidget

from tilaapp.i18n import LANGUAGES, current_language, ngettext
from tilaapp.i18n import gettext as _
from tilaapp.services.list_query import ListReader
from tilaapp.ui.errors import show_error
from tilaapp.ui.register_view import RegisterView
from tilaapp.ui.settings import Settings

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QPaintEvent

    # The workspace, the editor and the services bring in SQLAlchemy. The window can be
    # shown without them and gets them with ``attach``.
    from tilaapp.services.editing import EditStep
    from tilaapp.services.list_reimport import ReimportPreview
    from tilaapp.services.package_export import PackageStatus
    from tilaapp.ui.editor import BuildingEditor
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


class OpenedFile(NamedTuple):
    """A database file whose register list can be shown before its workspace loads."""

    path: Path
    is_demo: bool
    reader: ListReader


class MainWindow(QMainWindow):
    """The application's main window over one workspace.

    The window can be shown with the register list alone (``opened``) and get the
    workspace, with the editor and the commands that write, from ``attach``, because
    loading the services takes longer than showing the list. Until then a "Loading…"
    label is in the editor's place and the commands that need the workspace are disabled.

    Signals:
        language_requested(code): the user chose another language; the application
            builds the window again in it.
        first_painted(): the window has been painted once.
        attached(): the workspace has been attached, so every command is available.
    """

    language_requested = Signal(str)
    first_painted = Signal()
    attached = Signal()

    def __init__(
        self,
        workspace: Workspace | None,
        settings: Settings,
        parent: QWidget | None = None,
        *,
        opened: OpenedFile | None = None,
    ) -> None:
        super().__init__(parent)
        if workspace is not None:
            opened = OpenedFile(workspace.database_path, workspace.is_demo, workspace.list_reader)
        if opened is None:
            raise ValueError("MainWindow needs a workspace or an opened file")
        self.workspace: Workspace | None = None
        self.opened = opened
        self.settings = settings
        self.editor: BuildingEditor | None = None
        self._painted = False
        self._dialogs: list[QWidget] = []
        self._set_up_central_widgets()
        self._set_up_actions()
        self._set_up_menus()
        self._disable_until_attached()
        self._set_up_status_bar()
        self._update_title()
        self._restore_window_state()
        if workspace is not None:
            self.attach(workspace)

    def attach(self, workspace: Workspace) -> None:
        """Add the editor and the commands that need the loaded workspace."""
        from tilaapp.ui.editor import BuildingEditor

        self.workspace = workspace
        self.editor = BuildingEditor(workspace, self)
        shown_sizes = self.splitter.sizes() if self.splitter.isVisible() else None
        placeholder = self.splitter.replaceWidget(1, self.editor)
        if placeholder is not None:
            placeholder.deleteLater()
        if shown_sizes is None:
            # A window built with its workspace has not been laid out yet, so its
            # splitter's sizes are not real ones.
            self._restore_splitter()
        else:
            self.splitter.setSizes(shown_sizes)

        self.register_view.model.follow(workspace)
        self.register_view.show_sort_indicator()
        workspace.undo_changed.connect(self._update_undo_actions)
        workspace.buildings_changed.connect(self.update_package_status)
        self.register_view.building_activated.connect(self.open_building)
        for action in self._workspace_actions:
            action.setEnabled(True)
        self._update_undo_actions()
        self._on_selection_changed(len(self.register_view.selected_building_ids()))
        self._on_current_building_changed(self.register_view.current_building_id)
        self.update_package_status()
        log.info("Main window attached to the workspace on %s", workspace.database_path)
        self.attached.emit()

    @property
    def attached_workspace(self) -> Workspace:
        """The workspace, for the commands that ``attach`` enables."""
        if self.workspace is None:
            raise RuntimeError("the main window has no workspace attached yet")
        return self.workspace

    # Set-up.

    def _set_up_central_widgets(self) -> None:
        self.register_view = RegisterView(self.opened.reader, self.settings, self)
        # By keyword: a positional parent makes PySide6 try the overload that takes a
        # Qt.Orientation first, which builds the Qt namespace.
        self.splitter = QSplitter(parent=self)
        self.splitter.addWidget(self.register_view)
        self.splitter.addWidget(_loading_placeholder(self))
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)
        self.register_view.current_building_changed.connect(self._on_current_building_changed)
        self.register_view.selection_changed.connect(self._on_selection_changed)

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence.StandardKey | str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        # setShortcuts: resolving the overloads of setShortcut builds PySide6's Qt namespace.
        if isinstance(shortcut, QKeySequence.StandardKey):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcuts([QKeySequence(shortcut)])
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
        self.reimport_action = self._action(_("Import an edited &list…"), self.import_edited_list)
        self.package_action = self._action(
            _("Export an &update package…"), self.export_update_package
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
        self.cost_index_action = self._action(_("Building-cost index…"), self.edit_cost_index)
        self.find_action = self._action(_("&Find a building"), self.focus_filter, "Ctrl+F")

        self.building_history_action = self._action(
            _("Change history of the building"), self.show_building_history, "Ctrl+H"
        )
        self.database_history_action = self._action(
            _("Change history of the database"), self.show_database_history
        )
        self.comparison_action = self._action(
            _("&Comparison with reference figures…"), self.show_comparison, "Ctrl+K"
        )

        self.all_buildings_action = QAction(_("Show all imported buildings"), self)
        self.all_buildings_action.setCheckable(True)
        self.all_buildings_action.toggled.connect(self.register_view.all_check.setChecked)
        self.register_view.all_check.toggled.connect(self.all_buildings_action.setChecked)

        self.about_action = self._action(_("About tilaapp"), self.show_about)

    def _set_up_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(_("&File"))
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.inventory_action)
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.reimport_action)
        file_menu.addSeparator()
        file_menu.addAction(self.package_action)
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
        edit_menu.addAction(self.cost_index_action)

        view_menu = bar.addMenu(_("&View"))
        view_menu.addAction(self.all_buildings_action)
        self.columns_menu = view_menu.addMenu(_("Columns"))
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        view_menu.addSeparator()
        view_menu.addAction(self.building_history_action)
        view_menu.addAction(self.database_history_action)
        view_menu.addSeparator()
        view_menu.addAction(self.comparison_action)

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

    def _disable_until_attached(self) -> None:
        # Switching the language builds the window again over the workspace, so it waits
        # for the workspace too.
        self._workspace_actions = (
            self.import_action,
            self.export_action,
            self.reimport_action,
            self.package_action,
            self.inventory_action,
            self.comparison_action,
            self.holders_action,
            self.cost_index_action,
            self.database_history_action,
            *self.language_actions.values(),
        )
        for action in (
            *self._workspace_actions,
            self.undo_action,
            self.redo_action,
            self.bulk_edit_action,
            self.portfolio_action,
            self.building_history_action,
        ):
            action.setEnabled(False)

    def _set_up_status_bar(self) -> None:
        self.package_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.package_label)
        self.count_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.count_label)
        self.register_view.model.reloaded.connect(self._on_register_reloaded)
        self._on_register_reloaded(
            self.register_view.model.rowCount(), self.register_view.model.total
        )

    def _restore_splitter(self) -> None:
        splitter = self.settings.bytes_value(SPLITTER_KEY)
        if splitter is None or not self.splitter.restoreState(splitter):
            # Three fifths for the list and two for the editor. Without this the splitter
            # would size the editor's place by the narrow "Loading…" label shown there first.
            self.splitter.setSizes([self.width() * 3 // 5, self.width() * 2 // 5])

    def _restore_window_state(self) -> None:
        geometry = self.settings.bytes_value(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        self._restore_splitter()
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
        home = self.opened.reader.home_municipality_name(current_language())
        name = home or self.opened.path.stem
        if self.opened.is_demo:
            title = _("{municipality} – DEMO data, invented values – tilaapp").format(
                municipality=name
            )
        else:
            title = _("{municipality} – {file} – tilaapp").format(
                municipality=name, file=self.opened.path.name
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
        loaded = self.workspace is not None
        self.bulk_edit_action.setEnabled(loaded and count > 0)
        self.portfolio_action.setEnabled(loaded and count > 0)
        if count > 1:
            self.statusBar().showMessage(
                ngettext("{count} building selected", "{count} buildings selected", count).format(
                    count=count
                )
            )
        else:
            self.statusBar().clearMessage()

    def _on_current_building_changed(self, building_id: int) -> None:
        if building_id >= 0:
            self.settings.set_text(CURRENT_BUILDING_KEY, str(building_id))
        if self.editor is None:
            return
        self.editor.show_building(building_id if building_id >= 0 else None)
        self.building_history_action.setEnabled(building_id >= 0)

    # Undo and redo.

    def _update_undo_actions(self) -> None:
        from tilaapp.services.editing import describe_step

        stack = self.attached_workspace.undo_stack
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
        if self.attached_workspace.undo_stack.can_undo:
            self.attached_workspace.undo(failed=self._on_write_failed)

    def redo(self) -> None:
        if self.attached_workspace.undo_stack.can_redo:
            self.attached_workspace.redo(failed=self._on_write_failed)

    def _on_write_failed(self, error: BaseException) -> None:
        show_error(self, error)

    # Commands.

    def focus_filter(self) -> None:
        self.register_view.filter_edit.setFocus()
        self.register_view.filter_edit.selectAll()

    def open_building(self, building_id: int) -> None:
        """Select the building in the list and show it in the editor.

        Before the workspace is attached only the list selection changes; the editor shows
        the selected building when it arrives.
        """
        selected = self.register_view.select_building(building_id)
        if self.editor is None:
            return
        if not selected:
            self.editor.show_building(building_id)
        self.editor.setFocus()

    def bulk_edit(self) -> None:
        from tilaapp.ui.bulk_edit import BulkEditDialog

        ids = self.register_view.selected_building_ids()
        if ids:
            BulkEditDialog(self.attached_workspace, ids, self).exec()

    def edit_portfolio(self) -> None:
        from tilaapp.ui.portfolio_dialogs import PortfolioDialog

        ids = self.register_view.selected_building_ids()
        if ids:
            PortfolioDialog(self.attached_workspace, ids, self).exec()

    def edit_holders(self) -> None:
        from tilaapp.ui.portfolio_dialogs import HolderEntitiesDialog

        HolderEntitiesDialog(self.attached_workspace, self).exec()

    def edit_cost_index(self) -> None:
        from tilaapp.ui.cost_index_dialog import CostIndexDialog

        CostIndexDialog(self.attached_workspace, self).exec()

    def show_building_history(self) -> None:
        building_id = self.editor.building_id if self.editor is not None else None
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

        dialog = HistoryDialog(self.attached_workspace, building_id, self)
        dialog.resize(dialog.size().expandedTo(self.size() * 0.8))
        dialog.building_activated.connect(self.open_building)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def show_comparison(self) -> None:
        from tilaapp.ui.comparison_view import ComparisonDialog

        dialog = ComparisonDialog(self.attached_workspace, self)
        dialog.resize(dialog.size().expandedTo(self.size() * 0.85))
        dialog.building_activated.connect(self.open_building)
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def export_update_package(self) -> None:
        from tilaapp.ui.package_dialog import PackageExportDialog

        dialog = PackageExportDialog(self.attached_workspace, self.settings, self)
        dialog.building_activated.connect(self.open_building)
        dialog.exported.connect(lambda _result: self.update_package_status())
        dialog.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def update_package_status(self) -> None:
        """Show in the status bar when the last package was written and what changed since."""
        from tilaapp.services.package_export import package_status

        database = self.attached_workspace.database

        def job(_context: TaskContext) -> PackageStatus:
            with database.read_session() as session:
                return package_status(session)

        self.attached_workspace.worker.submit(
            "package status", job, done=self._show_package_status, failed=self._on_read_failed
        )

    def _show_package_status(self, status: PackageStatus) -> None:
        self.package_label.setText(package_status_text(status))

    def import_register_file(self) -> None:
        from tilaapp.ui.import_dialog import ImportDialog

        if self.opened.is_demo:
            QtWidgets.QMessageBox.information(
                self,
                _("tilaapp"),
                _(
                    "This is the demo database with invented values. Files imported here "
                    "go into the demo database, which is deleted when you quit."
                ),
            )
        path, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self,
            _("Choose a register file"),
            str(Path.home()),
            ";;".join((_("Register files ({patterns})").format(patterns=REGISTER_PATTERNS),
                       _("All files (*)"))),
        )  # fmt: skip
        if path:
            ImportDialog(self.attached_workspace, [Path(path)], self).exec()

    def import_inventory_file(self) -> None:
        """Choose a workbook or CSV file of the municipality's own and open the mapping wizard."""
        from tilaapp.ui.inventory_dialog import InventoryImportDialog

        path, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self,
            _("Choose your own inventory file"),
            str(Path.home()),
            ";;".join((_("Excel or CSV files ({patterns})").format(patterns=INVENTORY_PATTERNS),
                       _("All files (*)"))),
        )  # fmt: skip
        if path:
            InventoryImportDialog(self.attached_workspace, Path(path), self).exec()

    def export_list(self) -> None:
        """Export the buildings and columns the list shows, as it is filtered and sorted."""
        path, _filter = QtWidgets.QFileDialog.getSaveFileName(
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
        database = self.attached_workspace.database

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

        def failed(error: BaseException) -> None:
            self._on_export_failed(path, error)

        self.attached_workspace.worker.submit("export list", job, done=done, failed=failed)

    def _on_export_failed(self, path: Path, error: BaseException) -> None:
        from tilaapp.services.list_export_errors import ListExportTargetLocked

        if isinstance(error, ListExportTargetLocked):
            log.info("Export target %s is locked; asking whether to retry", path)
            if self.ask_retry(error.message()):
                self.export_list_to(path)
            return
        show_error(self, error)

    def ask_retry(self, message: str) -> bool:
        """Show ``message`` with Retry and Cancel, and return whether the user chose Retry."""
        buttons = QtWidgets.QMessageBox.StandardButton
        box = QtWidgets.QMessageBox(
            QtWidgets.QMessageBox.Icon.Warning, _("tilaapp"), message, parent=self
        )
        box.setStandardButtons(buttons.Retry | buttons.Cancel)
        box.setDefaultButton(buttons.Retry)
        box.button(buttons.Retry).setText(_("Retry"))
        box.button(buttons.Cancel).setText(_("Cancel"))
        return bool(box.exec() == buttons.Retry)

    def import_edited_list(self) -> None:
        """Read an edited list export chosen by the user and show its changes."""
        path, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self,
            _("Import an edited list"),
            str(Path.home()),
            ";;".join(
                (
                    _("Exported lists (*.xlsx *.csv)"),
                    _("All files (*)"),
                )
            ),
        )
        if path:
            self.import_edited_list_from(Path(path))

    def import_edited_list_from(self, path: Path) -> None:
        """Read ``path`` on the worker, then show the preview dialog."""
        from tilaapp.services.list_reimport import read_edited_list

        database = self.attached_workspace.database

        def job(_context: TaskContext) -> ReimportPreview:
            with database.read_session() as session:
                return read_edited_list(session, path)

        self.statusBar().showMessage(_("Reading {path}…").format(path=path))
        self.attached_workspace.worker.submit(
            "read edited list", job, done=self.show_reimport_preview, failed=self._on_read_failed
        )

    def show_reimport_preview(self, preview: ReimportPreview) -> None:
        from tilaapp.ui.list_reimport_dialog import ListReimportDialog

        self.statusBar().clearMessage()
        dialog = ListReimportDialog(self.attached_workspace, preview, self)
        dialog.resize(dialog.size().expandedTo(self.size() * 0.7))
        dialog.applied.connect(lambda step: self._on_reimport_applied(preview, step))
        self._dialogs.append(dialog)
        dialog.finished.connect(lambda _result: self._dialogs.remove(dialog))
        dialog.open()

    def _on_reimport_applied(self, preview: ReimportPreview, step: EditStep | None) -> None:
        count = len(step.changes) if step is not None else 0
        message = ngettext(
            "{count} change from {file} applied.", "{count} changes from {file} applied.", count
        )
        self.statusBar().showMessage(message.format(count=count, file=preview.path.name))

    def _on_read_failed(self, error: BaseException) -> None:
        self.statusBar().clearMessage()
        show_error(self, error)

    def show_about(self) -> None:
        from tilaapp import __version__

        QtWidgets.QMessageBox.about(
            self,
            _("About tilaapp"),
            _(
                "tilaapp {version}: the inventory of the buildings a municipality owns.\n\n"
                "Database: {path}"
            ).format(version=__version__, path=self.opened.path),
        )

    def _fill_columns_menu(self) -> None:
        self.columns_menu.clear()
        for action in self.register_view.column_menu().actions():
            action.setParent(self.columns_menu)
            self.columns_menu.addAction(action)

    def _on_language_chosen(self, language: str) -> None:
        if language != current_language():
            self.language_requested.emit(language)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # Emitted once the children have been painted in this same pass.
            QTimer.singleShot(0, self.first_painted.emit)

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


def _loading_placeholder(parent: QWidget) -> QWidget:
    """Return a widget with "Loading…" in its middle, for the editor's place."""
    label = QLabel(_("Loading…"))
    label.setEnabled(False)
    placeholder = QWidget(parent)
    # Centred by stretches, since an alignment flag would build PySide6's Qt namespace.
    layout = QGridLayout(placeholder)
    layout.addWidget(label, 1, 1)
    for edge in (0, 2):
        layout.setRowStretch(edge, 1)
        layout.setColumnStretch(edge, 1)
    return placeholder


def package_status_text(status: PackageStatus) -> str:
    """Return the status bar's text about update packages."""
    from tilaapp.domain.formatting import format_timestamp

    changed = status.buildings_changed_since
    if status.last_created_at is None:
        return ngettext(
            "No update package yet; {count} building changed",
            "No update package yet; {count} buildings changed",
            changed,
        ).format(count=changed)
    return ngettext(
        "Last update package {time}; {count} building changed since",
        "Last update package {time}; {count} buildings changed since",
        changed,
    ).format(time=format_timestamp(status.last_created_at), count=changed)
