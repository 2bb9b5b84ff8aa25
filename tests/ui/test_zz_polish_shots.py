from pathlib import Path

from tests.ui.test_comparison_view import PER_RESIDENT_CHART, SCATTER_CHART, _close, _open_dialog


def test_shots(qtbot, database_path: Path) -> None:
    dialog = _open_dialog(qtbot, database_path)
    for chart in ("building_count_by_class", SCATTER_CHART, PER_RESIDENT_CHART):
        dialog.tabs.setCurrentWidget(dialog.pages[chart])
        qtbot.wait(100)
        dialog.grab().save(f"/tmp/polish_shots/{chart}.png")
    dialog.export_image("building_count_by_class", Path("/tmp/polish_shots/export.png"))
    _close(dialog)
