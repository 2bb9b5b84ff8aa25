"""The import direction between the layers of the ``tilaapp`` package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tilaapp"

# Layers each module may import, beyond itself, the standard library and third-party
# packages other than the Qt ones. ``tilaapp.i18n`` serves every layer.
ALLOWED = {
    "domain": {"domain", "i18n"},
    "storage": {"storage", "domain", "i18n"},
    "sources": {"sources", "domain", "i18n"},
    "services": {"services", "storage", "sources", "domain", "i18n"},
    "cli": {"cli", "services", "storage", "domain", "sources", "i18n"},
    "ui": {"ui", "services", "storage", "domain", "sources", "i18n"},
    "i18n": set(),
    "__init__": set(),
    "__main__": {"cli"},
}
QT_PACKAGES = ("PySide6", "shiboken6", "pyqtgraph")


def _layer(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """Return (module, line, inside a function) for every import of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[str, int, bool]] = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    nested = {id(child) for f in functions for child in ast.walk(f) if child is not f}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno, id(node) in nested) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno, id(node) in nested))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_qt_outside_ui(path: Path) -> None:
    if _layer(path) == "ui":
        return
    qt = [
        (module, line)
        for module, line, in_function in _imports(path)
        if module.split(".")[0] in QT_PACKAGES
    ]
    assert qt == [], f"{path} imports Qt outside tilaapp.ui"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layer_imports_allowed(path: Path) -> None:
    layer = _layer(path)
    allowed = ALLOWED[layer]
    wrong = []
    for module, line, in_function in _imports(path):
        parts = module.split(".")
        if parts[0] != "tilaapp" or len(parts) < 2:
            continue
        target = parts[1]
        # The command line may start the GUI, but only by a deferred import.
        if layer == "cli" and target == "ui" and in_function:
            continue
        if target not in allowed:
            wrong.append((module, line))
    assert wrong == [], f"{path} ({layer}) imports a layer it must not"


def test_check_finds_planted_qt_import(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("import os\nfrom PySide6.QtCore import QObject\n", encoding="utf-8")
    modules = [module for module, _line, _nested in _imports(planted)]
    assert "PySide6.QtCore" in modules


def test_check_sees_deferred_import(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text("def start():\n    import tilaapp.ui.app\n", encoding="utf-8")
    assert _imports(planted) == [("tilaapp.ui.app", 2, True)]


def test_command_line_imports_no_openpyxl() -> None:
    # openpyxl takes about 0.12 s to import, so only the commands that write a workbook
    # import it.
    code = "import sys, tilaapp.cli.commands; print('openpyxl' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "False"
