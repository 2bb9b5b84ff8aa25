"""Starting the desktop application: language, translations, database, first window."""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QWidget

from tilaapp.i18n import current_language, set_language
from tilaapp.services.list_query import ListReader
from tilaapp.storage.files import default_database_path
from tilaapp.ui.errors import install_excepthook, show_error
from tilaapp.ui.memory import GarbageCollector
from tilaapp.ui.settings import APPLICATION, ORGANISATION, Settings

if TYPE_CHECKING:
    # Imported when first needed: the workspace brings in SQLAlchemy.
    from tilaapp.ui.main_window import MainWindow, OpenedFile
    from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

DEMO_DATABASE = "demo.sqlite"
# Found next to the code rather than through importlib.resources, whose readers take a
# few milliseconds to import.
DEMO_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "demo"
SIGNAL_POLL_MS = 250

QT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


def qt_locale(language: str) -> QLocale:
    return QLocale(QT_LOCALES[language])


def application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("tilaapp")
    return app


class Translations:
    """The language of the project's catalogues and of Qt's own dialogs, switched together."""

    def __init__(self, app: QApplication) -> None:
        self._app = app
        self._qt = QTranslator(app)
        self._installed = False

    def apply(self, language: str) -> None:
        set_language(language)
        QLocale.setDefault(qt_locale(language))
        if self._installed:
            self._app.removeTranslator(self._qt)
            self._installed = False
        if language == "en":
            return
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        if self._qt.load(f"qtbase_{language}", folder):
            self._app.installTranslator(self._qt)
            self._installed = True
        else:
            log.warning("Qt's catalogue qtbase_%s not found in %s", language, folder)


def copy_demo_database() -> Path:
    """Copy the bundled demo database to a new temporary folder and return the copy."""
    folder = Path(tempfile.mkdtemp(prefix="tilaapp-demo-"))
    target = folder / DEMO_DATABASE
    shutil.copyfile(DEMO_FOLDER / DEMO_DATABASE, target)
    log.info("Demo database copied to %s", target)
    return target


class Application(QObject):
    """Owns the workspace and the main window, and rebuilds the window for a new language."""

    def __init__(self, app: QApplication, settings: Settings, *, is_demo: bool) -> None:
        super().__init__(app)
        self.app = app
        self.settings = settings
        self.is_demo = is_demo
        self.translations = Translations(app)
        self.workspace: Workspace | None = None
        self.window: QWidget | None = None

    def open(self, database_path: Path) -> None:
        """Show the main window on ``database_path``.

        A database with this version's schema shows its register list first, read with
        ``sqlite3`` alone, and loads the workspace once the window has been painted. One
        that needs migrating, or is not a tilaapp database, opens the workspace first,
        which migrates it or raises an error the user can read.
        """
        reader = ListReader.open(database_path)
        if reader is None:
            self._open_workspace(database_path, None)
            self._show_main_window()
            return

        from tilaapp.ui.main_window import OpenedFile

        window = self._show_first_window(OpenedFile(database_path, self.is_demo, reader))
        window.first_painted.connect(lambda: self._load_workspace(database_path, reader))

    def _show_first_window(self, opened: OpenedFile) -> MainWindow:
        from tilaapp.ui.main_window import MainWindow

        window = MainWindow(None, self.settings, opened=opened)
        window.language_requested.connect(self.switch_language)
        self.window = window
        window.show()
        return window

    def _load_workspace(self, database_path: Path, reader: ListReader) -> None:
        from tilaapp.ui.main_window import MainWindow

        try:
            self._open_workspace(database_path, reader)
        except Exception as error:
            show_error(self.window, error)
            self.app.exit(1)
            return
        assert isinstance(self.window, MainWindow) and self.workspace is not None
        self.window.attach(self.workspace)

    def _open_workspace(self, database_path: Path, reader: ListReader | None) -> None:
        from tilaapp.ui.workspace import Workspace

        self.workspace = Workspace(
            database_path, is_demo=self.is_demo, list_reader=reader, parent=self
        )

    def first_run(self, database_path: Path) -> None:
        """Show the first-run wizard; open the database it made when it finishes."""
        from tilaapp.ui.tasks import Worker
        from tilaapp.ui.wizard import FirstRunWizard

        made_folder = not database_path.parent.exists()
        database_path.parent.mkdir(parents=True, exist_ok=True)
        worker = Worker(self)
        wizard = FirstRunWizard(database_path, worker)
        self.window = wizard

        def on_finished(result: int) -> None:
            worker.shutdown()
            if result and database_path.exists():
                self.open(database_path)
                wizard.deleteLater()
                return
            if made_folder and not any(database_path.parent.iterdir()):
                database_path.parent.rmdir()
            self.app.quit()

        wizard.finished.connect(on_finished)
        wizard.show()

    def switch_language(self, language: str) -> None:
        """Remember the language and build the main window again in it."""
        log.info("Language changed to %s", language)
        self.settings.language = language
        self.translations.apply(language)
        self._show_main_window()

    def _show_main_window(self) -> None:
        from tilaapp.ui.main_window import MainWindow

        assert self.workspace is not None
        old = self.window
        window = MainWindow(self.workspace, self.settings)
        window.language_requested.connect(self.switch_language)
        if isinstance(old, MainWindow):
            window.register_view.all_check.setChecked(old.register_view.all_check.isChecked())
            window.register_view.filter_edit.setText(old.register_view.filter_edit.text())
            if old.editor is not None and old.editor.building_id is not None:
                window.register_view.select_building(old.editor.building_id)
            old.save_state()
            old.language_requested.disconnect(self.switch_language)
            old.hide()
            old.deleteLater()
        self.window = window
        window.show()

    def close(self) -> None:
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None


def quit_on_signals(app: QApplication) -> None:
    """Quit normally, with the demo folder removed, on Ctrl+C or a logout's SIGTERM.

    Python runs signal handlers only between bytecodes, so a timer wakes it up now and
    then while Qt's event loop waits.
    """
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda _number, _frame: app.quit())
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(SIGNAL_POLL_MS)


def run_gui(
    database_path: Path | None,
    *,
    demo: bool = False,
    language: str | None = None,
    log_path: Path | None = None,
) -> int:
    """Start the desktop application and return its exit status.

    ``language`` given on the command line wins over the remembered one. Without a
    database at ``database_path`` the first-run wizard opens.
    """
    app = application()
    collector = GarbageCollector(app)
    settings = Settings()
    controller = Application(app, settings, is_demo=demo)
    controller.translations.apply(language or settings.language)
    install_excepthook(log_path)
    quit_on_signals(app)
    log.info("GUI starting in %s", current_language())

    demo_path: Path | None = None
    try:
        if demo:
            demo_path = copy_demo_database()
            controller.open(demo_path)
        else:
            path = database_path or default_database_path()
            if path.is_file() and path.stat().st_size > 0:
                controller.open(path)
            else:
                controller.first_run(path)
    except Exception as error:
        show_error(None, error)
        return 1

    status = app.exec()
    controller.close()
    collector.stop()
    if demo_path is not None:
        shutil.rmtree(demo_path.parent, ignore_errors=True)
        log.info("Demo folder %s removed", demo_path.parent)
    log.info("GUI closed with status %d", status)
    return status
