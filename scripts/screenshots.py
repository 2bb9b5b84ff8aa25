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
from typing import Any

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
    dialog("18-cost-index", lambda: _cost_index_dialog(workspace, window))
    comparison_screens(workspace, window, folder)
    coarse_comparison_screens(window, folder, work)
    exchange_screens(workspace, settings, window, folder, work)

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
    save(comparison, folder, "09-comparison-all-buildings")
    comparison.close()
    comparison.deleteLater()


DEMO_REFERENCE_SOURCE = "Invented demo figures for screenshots, not real data"
DEMO_REFERENCE_SOURCE_FI = "Keksittyjä esimerkkilukuja kuvakaappauksia varten, ei oikeaa dataa"
DEMO_REFERENCE_SOURCE_SV = "Påhittade exempeltal för skärmbilder, inte riktiga data"


def write_demo_reference(path: Path) -> None:
    """Write a small reference file of invented figures in Ryhti's coarse main-purpose
    list (basis all_buildings) for Hartola, two municipalities of its region and the
    whole country, with invented national counts by completion decade."""
    import datetime
    from decimal import Decimal

    from tilaapp.services.reference import Figure, ReferenceData, write_reference

    def figure(indicator: str, area: str, value: str, **grouping: object) -> Figure:
        return Figure(
            indicator=indicator,
            municipality=area,
            value=Decimal(value),
            unit="m²" if indicator == "gross_floor_area" else "buildings",
            basis="all_buildings",
            year=2026,
            source=DEMO_REFERENCE_SOURCE,
            source_fi=DEMO_REFERENCE_SOURCE_FI,
            source_sv=DEMO_REFERENCE_SOURCE_SV,
            licence="invented",
            **grouping,  # type: ignore[arg-type]
        )

    counts = {
        "national": ("210000", "420000", "700000", "380000", "650000", "90000", "60000"),
        "016": ("1900", "700", "2600", "1500", "2300", "60", "120"),
        "098": ("900", "1600", "4100", "1700", "5200", "420", "210"),
    }
    areas = {
        "national": ("14000000", "160000000", "9000000", "4000000", "95000000",
                     "120000000", "70000000"),
        "016": ("110000", "260000", "30000", "9000", "330000", "40000", "90000"),
        "098": ("60000", "610000", "50000", "12000", "760000", "280000", "190000"),
    }  # fmt: skip
    classes = ("01", "02", "03", "04", "05", "06", "07")
    scheme = "ryhti_main_purpose_open"
    figures = [
        figure("building_count", area, value, class_scheme=scheme, class_code=code)
        for area, values in counts.items()
        for code, value in zip(classes, values, strict=True)
    ]
    figures += [
        figure("gross_floor_area", area, value, class_scheme=scheme, class_code=code)
        for area, values in areas.items()
        for code, value in zip(classes, values, strict=True)
    ]
    decades = range(1900, 2030, 10)
    national_by_decade = (40, 35, 60, 55, 90, 120, 210, 260, 230, 150, 130, 110, 40)
    figures += [
        figure("building_count", "national", str(count * 1000), completion_decade=decade)
        for decade, count in zip(decades, national_by_decade, strict=True)
    ]
    created = datetime.datetime(2026, 12, 5, tzinfo=datetime.UTC)
    description = DEMO_REFERENCE_SOURCE
    write_reference(path, ReferenceData(created, figures, description=description))


def coarse_comparison_screens(window: QWidget, folder: Path, work: Path) -> None:
    """Save the class and age tabs against a reference of invented coarse-class figures."""
    from tilaapp.services.reference_store import import_reference
    from tilaapp.storage.database import open_database
    from tilaapp.ui.app import copy_demo_database
    from tilaapp.ui.comparison_view import ComparisonDialog
    from tilaapp.ui.workspace import Workspace

    path = copy_demo_database()
    reference = work / "demo-reference.json"
    write_demo_reference(reference)
    database = open_database(path, create=False)
    try:
        import_reference(database, reference)
    finally:
        database.close()

    workspace = Workspace(path, is_demo=True)
    comparison = ComparisonDialog(workspace, window)
    comparison.resize(*WINDOW_SIZE)
    comparison.show()
    wait_until_ready(comparison)
    comparison.peer_combo.setCurrentIndex(1)
    wait_until_ready(comparison)
    for index, chart_id in enumerate(
        ("building_count_by_class", "gross_floor_area_by_class", "building_count_by_decade")
    ):
        comparison.tabs.setCurrentWidget(comparison.pages[chart_id])
        save(comparison, folder, f"14-comparison-open-data-{index + 1}")
    comparison.close()
    comparison.deleteLater()
    workspace.close()


def exchange_screens(
    workspace: Any, settings: Any, window: QWidget, folder: Path, work: Path
) -> None:
    """Save the edited-list preview, the inventory wizard and the update package dialog."""
    from tilaapp.services.list_export import export_list
    from tilaapp.services.list_reimport import read_edited_list
    from tilaapp.ui.inventory_dialog import InventoryImportDialog
    from tilaapp.ui.list_reimport_dialog import ListReimportDialog
    from tilaapp.ui.package_dialog import PackageExportDialog
    from tilaapp.ui.register_model import DEFAULT_COLUMNS

    edited = work / "lista.xlsx"
    with workspace.database.read_session() as session:
        export_list(session, edited, columns=DEFAULT_COLUMNS, replace=True)
    _edit_exported_list(edited)
    with workspace.database.read_session() as session:
        preview = read_edited_list(session, edited)
    _show_dialog(ListReimportDialog(workspace, preview, window), folder, "15-edited-list")

    inventory = work / "inventaario.xlsx"
    _write_inventory(workspace, inventory)
    wizard = InventoryImportDialog(workspace, inventory, window)
    wait_for(lambda: wizard.table is not None)
    _show_dialog(wizard, folder, "16-inventory-wizard")

    package = PackageExportDialog(workspace, settings, window)
    wait_for(lambda: package.checked)
    _show_dialog(package, folder, "17-update-package")


def _cost_index_dialog(workspace: Any, window: QWidget) -> QWidget:
    """Store a short invented series, so that the dialog shows how a series looks."""
    from decimal import Decimal

    from tilaapp.services.cost_index import CostIndexValue, replace_cost_index
    from tilaapp.ui.cost_index_dialog import CostIndexDialog

    source = "Rakennuskustannusindeksi 2015=100 (invented example)"
    series = [(2015, "100"), (2020, "108.4"), (2024, "121.7")]
    replace_cost_index(
        workspace.database, [CostIndexValue(year, Decimal(value), source) for year, value in series]
    )
    return CostIndexDialog(workspace, window)


def _show_dialog(shown: QWidget, folder: Path, name: str) -> None:
    shown.resize(*WINDOW_SIZE)
    shown.show()
    save(shown, folder, name)
    shown.close()
    shown.deleteLater()


def _edit_exported_list(path: Path) -> None:
    """Change a name, an area and a class of the first rows; one area is invalid."""
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    sheet.cell(row=2, column=4).value = "Virastotalo (peruskorjattu)"
    sheet.cell(row=3, column=6).value = 95.5
    sheet.cell(row=4, column=6).value = -20
    workbook.save(path)


def _write_inventory(workspace: Any, path: Path) -> None:
    """Write an inventory of the first buildings in a layout of the municipality's own."""
    import openpyxl

    from tilaapp.services.listing import list_ids, list_rows

    with workspace.database.read_session() as session:
        rows = list_rows(session, list_ids(session)[:12])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tilat 2026"
    sheet.append(["Kunnan tilainventaario 2026"])
    sheet.append(["Rakennustunnus", "Nimi", "Kerrosala", "Kuntoluokka", "Kuntoarvio pvm"])
    for index, row in enumerate(rows):
        sheet.append(
            [row.permanent_building_identifier, row.local_name, 120 + index * 35, 3, "1.9.2025"]
        )
    sheet.append(["", "Uusi varasto", 48, 4, "1.9.2025"])
    workbook.save(path)


def wait_for(condition: Callable[[], bool]) -> None:
    """Run the event loop until ``condition`` holds, at most ten seconds."""
    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: loop.quit() if condition() else None)
    timer.start(20)
    QTimer.singleShot(10_000, loop.quit)
    loop.exec()
    timer.stop()


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
