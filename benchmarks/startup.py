"""Start-up time: launch to a usable main window, tilaapp on the demo database against a
bare PySide6 window, measured in the same run.

Each launch is a new Python process, which prints a line at two moments:

- ``window``: the main window has been painted once and the event loop has handled the
  events queued by that paint. For tilaapp the window then shows the register list, with
  its filter, sorting and scope, read with ``sqlite3`` alone.
- ``loaded``: tilaapp's workspace (SQLAlchemy, the services, the building editor) has
  loaded and been attached to the window, so every command works. The bare window has
  nothing more to load and prints it at once.

Runs alternate between the two programs so that a change of machine load affects both.
tilaapp's modules are compiled to bytecode first, as an installed application has them
(pip compiles a wheel's modules when it installs them), so that an environment with
``PYTHONDONTWRITEBYTECODE`` set does not make every launch compile them again.

    python benchmarks/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

BARE_WINDOW = """
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not hasattr(self, "seen"):
            self.seen = True
            QTimer.singleShot(0, report)
        return False

def report():
    print("window", flush=True)
    print("loaded", flush=True)
    app.quit()

app = QApplication([])
window = QMainWindow()
window.resize(1280, 800)
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""

# The real command-line entry point, with the application's window hooks extended to
# report the two moments. The hooks are added when the command line imports
# tilaapp.ui.app, so that the modules are imported in the same order as by `tilaapp`.
TILAAPP_DEMO = """
import sys
from importlib.machinery import PathFinder

def show_and_report(self, opened, original):
    window = original(self, opened)
    window.first_painted.connect(lambda: print("window", flush=True))
    window.attached.connect(lambda: (print("loaded", flush=True), self.app.quit()))
    return window

def add_hooks(app_module):
    original = app_module.Application._show_first_window
    app_module.Application._show_first_window = (
        lambda self, opened: show_and_report(self, opened, original)
    )

class HookFinder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != "tilaapp.ui.app":
            return None
        spec = PathFinder.find_spec(name, path)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            add_hooks(module)

        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, HookFinder)
from tilaapp.cli.main import main
sys.exit(main(["--demo"]))
"""


def launch(program: str, environment: dict[str, str]) -> tuple[float, float]:
    """Return the seconds from start to the ``window`` line and to the ``loaded`` line."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", program],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
        cwd=REPOSITORY,
    )
    assert process.stdout is not None
    moments: dict[str, float] = {}
    for line in process.stdout:
        moments[line.strip()] = time.perf_counter() - started
        if "loaded" in moments:
            break
    process.wait(timeout=60)
    if set(moments) != {"window", "loaded"}:
        raise RuntimeError(f"the program reported {sorted(moments)}, not window and loaded")
    return moments["window"], moments["loaded"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    environment = dict(os.environ)
    environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    environment["XDG_CONFIG_HOME"] = str(REPOSITORY / "benchmarks" / "out" / "startup-config")

    compileall.compile_dir(REPOSITORY / "tilaapp", quiet=1)
    bare: list[float] = []
    demo: list[float] = []
    demo_loaded: list[float] = []
    launch(BARE_WINDOW, environment)
    launch(TILAAPP_DEMO, environment)
    for _run in range(args.runs):
        bare.append(launch(BARE_WINDOW, environment)[0])
        window, loaded = launch(TILAAPP_DEMO, environment)
        demo.append(window)
        demo_loaded.append(loaded)

    bare_median, demo_median = statistics.median(bare), statistics.median(demo)
    loaded_median = statistics.median(demo_loaded)
    print(f"runs: {args.runs} each, platform {environment['QT_QPA_PLATFORM']}")
    print(f"bare PySide6 window        median {bare_median:.3f} s  max {max(bare):.3f} s")
    print(f"tilaapp --demo, window     median {demo_median:.3f} s  max {max(demo):.3f} s")
    print(f"tilaapp --demo, loaded     median {loaded_median:.3f} s  max {max(demo_loaded):.3f} s")
    print(f"ratio of window medians    {demo_median / bare_median:.2f}  (target at most 1.5)")
    print(f"ratio of loaded to bare    {loaded_median / bare_median:.2f}")


if __name__ == "__main__":
    main()
