"""Save PNG screenshots of the main screens in Finnish and Swedish to docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--scale 1.5] [--out FOLDER]

Every screen is built on a copy of the bundled demo database, with private settings,
and drawn with ``QWidget.grab()``. The wizard imports the bundled demo extract into a
temporary database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget

REPOSITORY = Path(__file__).resolve().parent.parent
DEMO = REPOSITORY / "tilaapp" / "resources" / "demo"
WINDOW_SIZE = (1280, 800)
DIALOG_SIZE = (1000, 640)


def save(widget: QWidget, folder: Path, name: str) -> None:
    QApplication.processEvents()
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    print(path)


def run_until(signal: object, action: Callable[[], object], timeout_ms: int = 60_000) -> None:
    """Do ``action``, then run the event loop until ``signal`` fires."""
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    action()
    loop.exec()


def main_screens(language: str, folder: Path, work: Path) -> None:
    from tilaapp.ui.app import copy_demo_database
    from tilaapp.ui.bulk_edit import BulkEditDialog
    from tilaapp.ui.history_view import HistoryDialog
    from tilaapp.ui.main_window import MainWindow
    from tilaapp.ui.portfolio_dialogs import HolderEntitiesDialog, PortfolioDialog
    from tilaapp.ui.settings import Settings
    from tilaapp.ui.workspace import Workspace

    workspace = Workspace(copy_demo_database(), is_demo=True)
    settings = Settings(QSettings(str(work / f"{language}.ini"), QSettings.Format.IniFormat))
    window = MainWindow(workspace, settings)
    window.resize(*WINDOW_SIZE)
    window.show()
    view = window.register_view
    school = _first_building_with(view, "koulu")
    save(window, folder, "01-main-window")

    for index in range(window.editor.tabs.count()):
        window.editor.tabs.setCurrentIndex(index)
        save(window, folder, f"02-editor-tab-{index + 1}")
    window.editor.tabs.setCurrentIndex(0)

    view.filter_edit.setText("koulu")
    save(window, folder, "03-filter")
    view.filter_edit.clear()

    def dialog(name: str, make: Callable[[], QWidget]) -> None:
        shown = make()
        shown.resize(*DIALOG_SIZE)
        shown.show()
        save(shown, folder, name)
        shown.close()
        shown.deleteLater()

    dialog("04-history-building", lambda: HistoryDialog(workspace, school, window))
    dialog("05-history-database", lambda: HistoryDialog(workspace, None, window))
    ids = [view.model.building_id(row) for row in range(min(5, view.model.rowCount()))]
    dialog("06-bulk-edit", lambda: _bulk_dialog(BulkEditDialog(workspace, ids, window)))
    portfolio = PortfolioDialog(workspace, ids, window)
    wait_until_ready(portfolio)
    dialog("07-portfolio", lambda: portfolio)
    holders = HolderEntitiesDialog(workspace, window)
    wait_until_ready(holders)
    dialog("08-holder-entities", lambda: holders)
    comparison_screens(workspace, window, folder)

    window.close()
    workspace.close()


def comparison_screens(workspace: object, window: QWidget, folder: Path) -> None:
    """Save every tab of the comparison view, with the home region as the peer group."""
    from tilaapp.ui.comparison_view import ComparisonDialog

    comparison = ComparisonDialog(workspace, window)  # type: ignore[arg-type]
    comparison.resize(*WINDOW_SIZE)
    comparison.show()
    wait_until_ready(comparison)
    comparison.peer_combo.setCurrentIndex(1)
    wait_until_ready(comparison)
    for index in range(comparison.tabs.count()):
        comparison.tabs.setCurrentIndex(index)
        save(comparison, folder, f"09-comparison-{index + 1}")
    comparison.basis_combo.setCurrentIndex(1)
    comparison.tabs.setCurrentIndex(0)
    save(comparison, folder, "09-comparison-group-owned")
    comparison.close()
    comparison.deleteLater()


def wait_until_ready(dialog: QWidget) -> None:
    """Let a dialog that reads on the worker finish its first read."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if getattr(dialog, "is_ready", True) else None)
    timer.start(20)
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    timer.stop()


def _bulk_dialog(dialog: QWidget) -> QWidget:
    dialog.set_field("condition_class")  # type: ignore[attr-defined]
    return dialog


def _first_building_with(view: object, text: str) -> int:
    view.filter_edit.setText(text)  # type: ignore[attr-defined]
    building_id = int(view.model.building_id(0))  # type: ignore[attr-defined]
    view.filter_edit.clear()  # type: ignore[attr-defined]
    view.select_building(building_id)  # type: ignore[attr-defined]
    return building_id


def wizard_screens(folder: Path, work: Path) -> None:
    from tilaapp.ui.tasks import Worker
    from tilaapp.ui.wizard import FirstRunWizard

    settings = json.loads((DEMO / "demo.json").read_text(encoding="utf-8"))
    workbook = work / "demo_extract.xlsx"
    shutil.copyfile(DEMO / "demo_extract.xlsx", workbook)
    worker = Worker()
    wizard = FirstRunWizard(work / f"wizard-{len(list(work.iterdir()))}.sqlite", worker)
    wizard.resize(*DIALOG_SIZE)
    wizard.show()

    wizard.municipality_page.search.setText("hart")  # type: ignore[attr-defined]
    wizard.municipality_page.select_code(settings["home_municipality"])
    save(wizard, folder, "10-wizard-municipality")
    wizard.next()
    wizard.entity_page.rows[0].business_id.setText(settings["owner_business_ids"][0])
    wizard.entity_page.add_row(settings["owner_business_ids"][1], "Hartolan Vuokratalot Oy")
    save(wizard, folder, "11-wizard-entities")
    wizard.next()
    run_until(wizard.file_page.file_checked, lambda: wizard.file_page.set_file(workbook))
    save(wizard, folder, "12-wizard-file")
    run_until(wizard.import_page.import_finished, wizard.next)
    wizard.next()
    save(wizard, folder, "13-wizard-report")
    wizard.close()
    worker.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPOSITORY / "docs" / "screenshots")
    parser.add_argument("--languages", nargs="+", default=["fi", "sv"])
    args = parser.parse_args()

    app = QApplication([])
    from tilaapp.ui.app import Translations
    from tilaapp.ui.memory import GarbageCollector

    GarbageCollector(app)

    translations = Translations(app)
    with tempfile.TemporaryDirectory(prefix="tilaapp-screens-") as temporary:
        work = Path(temporary)
        for language in args.languages:
            translations.apply(language)
            folder = args.out / language
            folder.mkdir(parents=True, exist_ok=True)
            main_screens(language, folder, work)
            wizard_screens(folder, work)


if __name__ == "__main__":
    main()
