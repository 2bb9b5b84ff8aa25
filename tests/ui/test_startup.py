"""Opening a database: the register list first, then the workspace with the editor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

import tilaapp
from tilaapp.storage.database import alembic_config, create_sqlite_engine
from tilaapp.ui.app import Application
from tilaapp.ui.main_window import MainWindow
from tilaapp.ui.settings import Settings

TIMEOUT_MS = 30_000


def _controller(settings: Settings) -> Application:
    controller = Application(QApplication.instance(), settings, is_demo=False)  # type: ignore[arg-type]
    controller.translations.apply("en")
    return controller


def _open_until_attached(
    qtbot: QtBot, database_path: Path, settings: Settings
) -> tuple[Application, MainWindow]:
    """Open ``database_path`` and wait until the main window has its workspace."""
    controller = _controller(settings)
    controller.open(database_path)
    window = controller.window
    assert isinstance(window, MainWindow)
    with qtbot.waitSignal(window.attached, timeout=TIMEOUT_MS):
        pass
    return controller, window


def test_list_shown_before_workspace(qtbot: QtBot, database_path: Path, settings: Settings) -> None:
    controller = _controller(settings)

    controller.open(database_path)

    window = controller.window
    assert isinstance(window, MainWindow)
    assert window.workspace is None
    assert window.editor is None
    assert window.register_view.model.rowCount() > 0
    placeholder = window.splitter.widget(1).findChild(QLabel)
    assert placeholder is not None and placeholder.text() == "Loading…"
    assert not window.import_action.isEnabled()
    assert not window.undo_action.isEnabled()
    assert window.find_action.isEnabled()
    with qtbot.waitSignal(window.attached, timeout=TIMEOUT_MS):
        pass
    window.close()
    controller.close()


# Records the enums PySide6 creates until the first paint. ``AlignmentFlag`` is one of the
# enums of the Qt namespace, which PySide6 creates all at once, in about 15 ms.
FIRST_PAINT_PROGRAM = """
import enum, os, sys
created = []
original_create = enum.EnumType._create_

def recording_create(cls, class_name, *args, **kwargs):
    created.append(class_name)
    return original_create(cls, class_name, *args, **kwargs)

enum.EnumType._create_ = recording_create
import tilaapp.ui.app as app_module
from tilaapp.cli.main import main
show_first_window = app_module.Application._show_first_window

def show_and_report(self, opened):
    window = show_first_window(self, opened)

    def report():
        rows = window.register_view.model.rowCount()
        print(rows, "AlignmentFlag" in created, flush=True)
        os._exit(0)

    window.first_painted.connect(report)
    return window

app_module.Application._show_first_window = show_and_report
sys.exit(main(["--demo", "--lang", "fi"]))
"""


def test_first_window_painted_without_qt_namespace(tmp_path: Path) -> None:
    environment = {
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "TMPDIR": str(tmp_path),
        "PATH": os.environ.get("PATH", ""),
    }

    completed = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_PROGRAM],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(tilaapp.__file__).parent.parent,
        env=environment,
    )

    rows, namespace_built = completed.stdout.split()
    assert int(rows) > 0
    assert namespace_built == "False"


def test_workspace_attached_after_paint(
    qtbot: QtBot, database_path: Path, settings: Settings
) -> None:
    controller, window = _open_until_attached(qtbot, database_path, settings)

    assert window.workspace is controller.workspace
    assert window.editor is not None
    assert window.splitter.widget(1) is window.editor
    assert window.import_action.isEnabled()
    assert window.language_actions["sv"].isEnabled()
    assert window.register_view.current_building_id >= 0
    assert window.editor.building_id == window.register_view.current_building_id
    window.close()
    controller.close()


def test_editor_gets_two_fifths_at_first_start(
    qtbot: QtBot, database_path: Path, settings: Settings
) -> None:
    controller, window = _open_until_attached(qtbot, database_path, settings)

    list_width, editor_width = window.splitter.sizes()
    assert editor_width >= 0.35 * (list_width + editor_width)
    assert list_width >= 0.5 * (list_width + editor_width)
    window.close()
    controller.close()


def test_list_follows_edits_after_attach(
    qtbot: QtBot, database_path: Path, settings: Settings
) -> None:
    controller, window = _open_until_attached(qtbot, database_path, settings)
    assert controller.workspace is not None
    building_id = window.register_view.current_building_id

    with qtbot.waitSignal(window.register_view.model.reloaded, timeout=TIMEOUT_MS):
        controller.workspace.write_step(
            "rename",
            lambda: controller.workspace.edits.set_value(building_id, "local_name", "Nuorisotalo"),
        )

    window.register_view.filter_edit.setText("nuorisotalo")
    assert window.register_view.model.rowCount() == 1
    assert window.register_view.model.building_id(0) == building_id
    window.close()
    controller.close()


def test_old_schema_migrated_before_window(
    qtbot: QtBot, tmp_path: Path, settings: Settings
) -> None:
    from alembic import command

    path = tmp_path / "old.sqlite"
    engine = create_sqlite_engine(path)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    controller = _controller(settings)

    controller.open(path)

    window = controller.window
    assert isinstance(window, MainWindow)
    assert window.workspace is controller.workspace
    assert window.editor is not None
    assert window.register_view.model.rowCount() == 0
    window.close()
    controller.close()
