"""Start-up time: launch to a usable main window, tilaapp on the demo database against a
bare PySide6 window, measured in the same run.

Each launch is a new Python process. The time runs from starting the process until the
window has been shown and the event loop has handled its first events. The child then
prints a line and quits. Runs alternate between the two programs so that a change of
machine load affects both.

    python benchmarks/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

BARE_WINDOW = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
app.exec()
"""

# The real command-line entry point, with the application's window hook extended to
# report when the main window is up. Nothing else of tilaapp is changed.
TILAAPP_DEMO = """
import sys
from PySide6.QtCore import QTimer
import tilaapp.ui.app as app_module
from tilaapp.cli.main import main

original = app_module.Application._show_main_window

def show_and_report(self):
    original(self)
    QTimer.singleShot(0, lambda: (print("ready", flush=True), self.app.quit()))

app_module.Application._show_main_window = show_and_report
sys.exit(main(["--demo"]))
"""


def launch(program: str, environment: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", program],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=REPOSITORY,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    if line.strip() != "ready":
        raise RuntimeError(f"the program did not report a window: {line!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    environment = dict(os.environ)
    environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    environment["XDG_CONFIG_HOME"] = str(REPOSITORY / "benchmarks" / "out" / "startup-config")

    bare: list[float] = []
    demo: list[float] = []
    launch(BARE_WINDOW, environment)
    launch(TILAAPP_DEMO, environment)
    for _run in range(args.runs):
        bare.append(launch(BARE_WINDOW, environment))
        demo.append(launch(TILAAPP_DEMO, environment))

    bare_median, demo_median = statistics.median(bare), statistics.median(demo)
    print(f"runs: {args.runs} each, platform {environment['QT_QPA_PLATFORM']}")
    print(f"bare PySide6 window   median {bare_median:.3f} s  max {max(bare):.3f} s")
    print(f"tilaapp --demo        median {demo_median:.3f} s  max {max(demo):.3f} s")
    print(f"ratio (medians)       {demo_median / bare_median:.2f}  (target at most 1.5)")


if __name__ == "__main__":
    main()
