"""The building-cost index dialog: the stored series, typed rows, problems, CSV files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pytestqt.qtbot import QtBot

from tilaapp import i18n
from tilaapp.services.cost_index import CostIndexValue, read_cost_index, replace_cost_index
from tilaapp.ui.cost_index_dialog import INDEX_COLUMN, SOURCE_COLUMN, YEAR_COLUMN, CostIndexDialog
from tilaapp.ui.workspace import Workspace

TIMEOUT_MS = 30_000
SOURCE = "Rakennuskustannusindeksi 2015=100 (keksitty testisarja)"


def _stored(workspace: Workspace) -> dict[int, CostIndexValue]:
    with workspace.read_session() as session:
        return read_cost_index(session)


def _dialog(qtbot: QtBot, workspace: Workspace) -> CostIndexDialog:
    dialog = CostIndexDialog(workspace)
    qtbot.addWidget(dialog)
    return dialog


def _type_row(dialog: CostIndexDialog, year: str, index_value: str, source: str) -> None:
    dialog.add_row()
    row = dialog.table.rowCount() - 1
    dialog.table.item(row, YEAR_COLUMN).setText(year)
    dialog.table.item(row, INDEX_COLUMN).setText(index_value)
    dialog.table.item(row, SOURCE_COLUMN).setText(source)


def test_stored_series_shown_in_finnish(qtbot: QtBot, workspace: Workspace) -> None:
    i18n.set_language("fi")
    replace_cost_index(
        workspace.database,
        [
            CostIndexValue(2021, Decimal("1234.5"), SOURCE),
            CostIndexValue(2015, Decimal(100), SOURCE),
        ],
    )

    dialog = _dialog(qtbot, workspace)

    assert dialog.rows() == [("2015", "100", SOURCE), ("2021", "1\u00a0234,5", SOURCE)]


def test_typed_rows_saved_as_series(qtbot: QtBot, workspace: Workspace) -> None:
    i18n.set_language("fi")
    replace_cost_index(workspace.database, [CostIndexValue(2010, Decimal(90), SOURCE)])
    dialog = _dialog(qtbot, workspace)
    dialog.table.selectRow(0)
    dialog.remove_selected_rows()
    _type_row(dialog, "2024", "112,4", SOURCE)
    _type_row(dialog, "2015", "100", SOURCE)

    with qtbot.waitSignal(dialog.saved, timeout=TIMEOUT_MS):
        dialog.save()

    stored = _stored(workspace)
    assert sorted(stored) == [2015, 2024]
    assert stored[2024].index_value == Decimal("112.4")
    assert stored[2024].source == SOURCE


def test_invalid_rows_store_nothing(qtbot: QtBot, workspace: Workspace) -> None:
    replace_cost_index(workspace.database, [CostIndexValue(2010, Decimal(90), SOURCE)])
    dialog = _dialog(qtbot, workspace)
    _type_row(dialog, "2024", "-3", SOURCE)
    _type_row(dialog, "2010", "95", "")

    dialog.save()

    assert dialog.result() == 0
    assert not dialog.problems_label.isHidden()
    assert "Row 2:" in dialog.problems_label.text()
    assert "-3" in dialog.problems_label.text()
    assert "Row 3:" in dialog.problems_label.text()
    assert _stored(workspace) == {2010: CostIndexValue(2010, Decimal(90), SOURCE)}


def test_csv_file_fills_table(qtbot: QtBot, workspace: Workspace, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, workspace)
    _type_row(dialog, "2000", "", "kirjoitus kesken")
    _type_row(dialog, "2015", "99", SOURCE)
    path = tmp_path / "indeksi.csv"
    path.write_text(
        f"year;index;source\n2015;100;{SOURCE}\n2016;101,5;{SOURCE}\n", encoding="utf-8"
    )

    dialog.read_file(path)

    assert dialog.rows() == [
        ("2015", "100", SOURCE),
        ("2016", "101.5", SOURCE),
        ("2000", "", "kirjoitus kesken"),
    ]
    assert _stored(workspace) == {}
