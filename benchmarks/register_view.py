"""The register view of the desktop application on 100,000 buildings.

Measures, in one run on the database that ``benchmarks/register_list.py`` builds through
the real import and edit code:

- open: a new Workspace and a RegisterView (model reload, first page read, columns
  sized), as the main window makes them;
- each keystroke of typed words in the filter field: from ``setText`` until the view's
  model has reset and the visible rows (the first 40, every column) have been drawn
  from the model;
- the reference: a plain SQL ``LIKE`` query on the street names of the same database.

    QT_QPA_PLATFORM=offscreen python benchmarks/register_view.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from benchmarks.register_list import cached_database, typed_prefixes
from tilaapp.ui.register_view import RegisterView
from tilaapp.ui.settings import Settings
from tilaapp.ui.workspace import Workspace

VISIBLE_ROWS = 40
WORDS = ("koulu", "mäntylä 1", "åkerö", "00")


def draw_visible(view: RegisterView) -> None:
    model = view.model
    for row in range(min(VISIBLE_ROWS, model.rowCount())):
        for column in range(model.columnCount()):
            model.index(row, column).data()


def measure_open(path: Path, settings: Settings, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        workspace = Workspace(path)
        view = RegisterView(workspace.list_reader, settings)
        draw_visible(view)
        times.append(time.perf_counter() - started)
        view.deleteLater()
        workspace.close()
    return times


def measure_keystrokes(path: Path, settings: Settings, repeat: int) -> dict[str, list[float]]:
    workspace = Workspace(path)
    view = RegisterView(workspace.list_reader, settings)
    times: dict[str, list[float]] = {}
    for word in WORDS:
        for prefix in typed_prefixes(word):
            for _ in range(repeat):
                view.filter_edit.clear()
                started = time.perf_counter()
                view.filter_edit.setText(prefix)
                draw_visible(view)
                times.setdefault(prefix, []).append(time.perf_counter() - started)
    workspace.close()
    return times


def measure_reference(path: Path, repeat: int) -> dict[str, list[float]]:
    connection = sqlite3.connect(path)
    times: dict[str, list[float]] = {}
    for word in WORDS:
        for prefix in typed_prefixes(word):
            for _ in range(repeat):
                started = time.perf_counter()
                connection.execute(
                    "SELECT DISTINCT building_id FROM building_address WHERE street_name_fi LIKE ?",
                    (f"%{prefix}%",),
                ).fetchall()
                times.setdefault(prefix, []).append(time.perf_counter() - started)
    connection.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--buildings", type=int, default=100_000)
    args = parser.parse_args()
    path = cached_database(args.buildings, rebuild=False)
    app = QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(QSettings(str(Path(folder) / "s.ini"), QSettings.Format.IniFormat))
        opened = measure_open(path, settings, args.repeat)
        typed = measure_keystrokes(path, settings, args.repeat)
    reference = measure_reference(path, args.repeat)
    app.quit()

    print(f"database: {path} ({args.buildings:,} buildings), {args.repeat} repeats")
    open_median, open_max = statistics.median(opened) * 1000, max(opened) * 1000
    print(f"open view: median {open_median:.0f} ms, max {open_max:.0f} ms")
    print("| keystroke | view median ms | view max ms | LIKE median ms | ratio |")
    print("|---|---:|---:|---:|---:|")
    for prefix, times in typed.items():
        view_median = statistics.median(times) * 1000
        like_median = statistics.median(reference[prefix]) * 1000
        print(
            f"| '{prefix}' | {view_median:.1f} | {max(times) * 1000:.1f} | {like_median:.1f} "
            f"| {view_median / like_median:.1f} |"
        )


if __name__ == "__main__":
    main()
