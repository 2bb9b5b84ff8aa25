"""The column-mapping wizard on a real CSV file and a copy of the demo database."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from devtools.dvv_workbook import valid_prt
from tilaapp.services.mapping import list_mappings, load_mapping
from tilaapp.storage.models import Building, LocalValue
from tilaapp.ui.editor import ADDRESSES
from tilaapp.ui.inventory_dialog import InventoryImportDialog
from tilaapp.ui.main_window import MainWindow
from tilaapp.ui.settings import Settings
from tilaapp.ui.workspace import Workspace

TIMEOUT_MS = 30_000
# Set to a folder to keep the screenshots for a look.
SCREENSHOT_FOLDER = os.environ.get("TILAAPP_SCREENSHOTS")


def identifiers(workspace: Workspace, count: int) -> list[str]:
    with workspace.read_session() as session:
        query = (
            select(Building.permanent_building_identifier)
            .where(Building.permanent_building_identifier.is_not(None))
            .order_by(Building.id)
            .limit(count)
        )
        return [identifier for identifier in session.scalars(query) if identifier]


def local_value(workspace: Workspace, identifier: str, field: str) -> object:
    with workspace.read_session() as session:
        building_id = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == identifier)
        )
        row = session.get(LocalValue, building_id)
        return None if row is None else getattr(row, field)


@pytest.fixture
def inventory(tmp_path: Path, workspace: Workspace) -> Path:
    first, second = identifiers(workspace, 2)
    lines = [
        "sep=;",
        "Pysyvä rakennustunnus;Kerrosala;Kuntoluokka;Huomautus",
        f"{first};1\u00a0234,5;3;Kattoremontti 2027",
        f"{second};-5;9;",
        "100000099X;100;2;Ei rekisterissä",
    ]
    path = tmp_path / "tilat.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252") + b"\r\n")
    return path


def open_dialog(qtbot: QtBot, workspace: Workspace, path: Path) -> InventoryImportDialog:
    dialog = InventoryImportDialog(workspace, path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.table is not None, timeout=TIMEOUT_MS)
    return dialog


def save_screenshot(dialog: QWidget, name: str) -> None:
    if SCREENSHOT_FOLDER:
        dialog.show()
        dialog.grab().save(str(Path(SCREENSHOT_FOLDER) / name))


def test_reading_shows_detected_encoding(
    qtbot: QtBot, workspace: Workspace, inventory: Path
) -> None:
    dialog = open_dialog(qtbot, workspace, inventory)

    assert dialog.table is not None
    assert dialog.table.separator == ";"
    assert "cp1252" in dialog.reading_label.text()
    assert "sep= line" in dialog.reading_label.text()
    assert dialog.preview_table.rowCount() == 3
    # Headers named as a field's label in Finnish are suggested.
    mapping = dialog.current_mapping()
    assert mapping.columns["Pysyvä rakennustunnus"] == "permanent_building_identifier"
    assert mapping.columns["Kerrosala"] == "gross_floor_area"
    assert mapping.columns["Kuntoluokka"] == "condition_class"
    save_screenshot(dialog, "inventory_read.png")


def test_encoding_changed_by_user(qtbot: QtBot, workspace: Workspace, inventory: Path) -> None:
    dialog = open_dialog(qtbot, workspace, inventory)

    dialog.encoding_combo.setCurrentIndex(dialog.encoding_combo.findData("utf-8"))
    with qtbot.waitSignal(dialog.table_read, timeout=TIMEOUT_MS):
        dialog.read_file()

    assert dialog.table is not None
    assert dialog.table.encoding is not None
    assert dialog.table.encoding.name == "utf-8"
    assert "chosen" in dialog.reading_label.text()


def test_match_save_and_apply(qtbot: QtBot, workspace: Workspace, inventory: Path) -> None:
    first, second = identifiers(workspace, 2)
    dialog = open_dialog(qtbot, workspace, inventory)
    dialog.set_target("Huomautus", "notes")
    dialog.name_edit.setText("tilaluettelo")

    with qtbot.waitSignal(dialog.matched, timeout=TIMEOUT_MS):
        dialog.match()
    assert dialog.import_result is not None
    assert len(dialog.import_result.matched) == 2
    # One unmatched row and two invalid values of row 3.
    assert dialog.unmatched_table.rowCount() == 3
    save_screenshot(dialog, "inventory_matched.png")

    dialog.save_current_mapping()
    qtbot.waitUntil(lambda: "Saved the mapping" in dialog.status_label.text(), timeout=TIMEOUT_MS)
    assert list_mappings(workspace.database) == ["tilaluettelo"]
    assert load_mapping(workspace.database, "tilaluettelo").columns["Huomautus"] == "notes"

    with qtbot.waitSignal(workspace.buildings_changed, timeout=TIMEOUT_MS):
        dialog.apply()
    assert local_value(workspace, first, "gross_floor_area") == Decimal("1234.5")
    assert local_value(workspace, first, "notes") == "Kattoremontti 2027"
    # -5 m² and condition class 9 are invalid, so the second building got nothing.
    assert local_value(workspace, second, "condition_class") is None
    assert "Undo" in dialog.status_label.text()
    save_screenshot(dialog, "inventory_applied.png")

    with qtbot.waitSignal(workspace.buildings_changed, timeout=TIMEOUT_MS):
        workspace.undo()
    assert local_value(workspace, first, "gross_floor_area") is None


def test_unmatched_rows_exported(
    qtbot: QtBot, workspace: Workspace, inventory: Path, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, workspace, inventory)
    with qtbot.waitSignal(dialog.matched, timeout=TIMEOUT_MS):
        dialog.match()
    path = tmp_path / "puuttuvat.xlsx"

    dialog.export_unmatched(path)
    qtbot.waitUntil(path.exists, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: "Wrote 1 unmatched row" in dialog.status_label.text())

    rows = list(openpyxl.load_workbook(path).active.values)
    assert rows[1][2] == "100000099X"


def test_mapping_without_key_reported(qtbot: QtBot, workspace: Workspace, inventory: Path) -> None:
    dialog = open_dialog(qtbot, workspace, inventory)
    dialog.set_target("Pysyvä rakennustunnus", "")

    dialog.match()

    assert "no column to find buildings" in dialog.status_label.text()
    assert dialog.import_result is None


def wait_for_status(qtbot: QtBot, dialog: InventoryImportDialog) -> str:
    qtbot.waitUntil(lambda: dialog.status_label.text() != "", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not dialog.workspace.worker.busy, timeout=TIMEOUT_MS)
    return dialog.status_label.text()


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("tyhja.csv", b"", "The file tyhja.csv is empty."),
        ("puuttuu.csv", None, "puuttuu.csv was not found."),
        ("teksti.xlsx", b"Nimi;Osoite\nKoulu;Kuja 1\n", "is not an Excel workbook"),
    ],
)
def test_rejected_file_described(
    qtbot: QtBot,
    workspace: Workspace,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    expected: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    dialog = InventoryImportDialog(workspace, path)
    qtbot.addWidget(dialog)

    status = wait_for_status(qtbot, dialog)

    assert expected in status
    assert "unexpectedly" not in status
    assert dialog.table is None


def test_formula_cells_listed(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    first = identifiers(workspace, 1)[0]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Pysyvä rakennustunnus", "Kerrosala"])
    sheet.append([first, "=100*2"])
    path = tmp_path / "kaavat.xlsx"
    workbook.save(path)

    dialog = open_dialog(qtbot, workspace, path)

    listed = [
        dialog.cell_problems_list.item(row).text()
        for row in range(dialog.cell_problems_list.count())
    ]
    assert len(listed) == 1
    assert listed[0].startswith("row 2, column Kerrosala: ")
    assert "formula" in listed[0]
    assert not dialog.cell_problems_list.isHidden()
    save_screenshot(dialog, "inventory_formula.png")


def test_numbers_shown_as_in_file(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    first = identifiers(workspace, 1)[0]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Pysyvä rakennustunnus", "Postinumero", "Kerrosala"])
    sheet.append([first, 19600, 1234.5])
    path = tmp_path / "numerot.xlsx"
    workbook.save(path)

    dialog = open_dialog(qtbot, workspace, path)

    preview = [dialog.preview_table.item(0, column).text() for column in (1, 2)]
    assert preview == ["19600", "1234.5"]
    assert dialog.columns_table.item(1, 1).text() == "19600"
    assert dialog.columns_table.item(2, 1).text() == "1234.5"
    save_screenshot(dialog, "inventory_numbers.png")


def test_added_building_listed_then_undone(
    qtbot: QtBot, workspace: Workspace, settings: Settings, tmp_path: Path
) -> None:
    lines = [
        "Pysyvä rakennustunnus;Osoite;Postinumero;Nimi",
        f"{valid_prt(990)};Halliniementie 4;15100;Uusi halli",
    ]
    path = tmp_path / "uudet.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")
    window = MainWindow(workspace, settings)
    qtbot.addWidget(window)
    window.show()
    window.all_buildings_action.trigger()
    everything = window.register_view.model.rowCount()
    dialog = open_dialog(qtbot, workspace, path)
    with qtbot.waitSignal(dialog.matched, timeout=TIMEOUT_MS):
        dialog.match()
    dialog.add_unmatched_check.setChecked(True)

    with qtbot.waitSignal(workspace.buildings_changed, timeout=TIMEOUT_MS):
        dialog.apply()
    dialog.close()
    qtbot.waitUntil(lambda: window.register_view.model.rowCount() == everything + 1)
    window.register_view.filter_edit.setText("halliniementie")
    qtbot.waitUntil(lambda: window.register_view.model.rowCount() == 1)
    building_id = window.register_view.model.building_id(0)
    window.open_building(building_id)
    save_screenshot(window, "inventory_added_building.png")
    assert window.editor is not None
    addresses = window.editor._info_labels[ADDRESSES].text()
    assert addresses == "Halliniementie 4, 15100"
    window.splitter.setSizes([300, 900])
    save_screenshot(window, "inventory_added_building_editor.png")

    with qtbot.waitSignal(workspace.buildings_changed, timeout=TIMEOUT_MS):
        window.undo_action.trigger()

    qtbot.waitUntil(lambda: window.register_view.model.rowCount() == 0)
    with workspace.read_session() as session:
        assert session.get(Building, building_id) is None
    window.register_view.filter_edit.setText("")
    qtbot.waitUntil(lambda: window.register_view.model.rowCount() == everything)
    assert window.redo_action.isEnabled()
