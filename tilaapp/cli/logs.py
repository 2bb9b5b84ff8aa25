"""Log file set-up: English logs in the user log folder."""

from __future__ import annotations

import logging
from pathlib import Path

import platformdirs

APP_NAME = "tilaapp"

LOG_FILE_NAME = "tilaapp.log"
MAX_LOG_BYTES = 2_000_000
OLD_LOGS_KEPT = 3


def log_folder() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def configure_logging(level: int = logging.INFO) -> Path:
    """Send the application's logs to a file and return its path.

    A log that has grown past ``MAX_LOG_BYTES`` is renamed ``tilaapp.log.1`` when the
    program starts, and the ``OLD_LOGS_KEPT`` newest old logs are kept. Rotating at start
    rather than with ``logging.handlers.RotatingFileHandler`` spares importing that
    module, and with it ``socket`` and ``pickle``, before the first window.
    """
    folder = log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    rotate_log(path)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_tilaapp", False)]:
        root.removeHandler(old)
        old.close()
    handler._tilaapp = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path


def rotate_log(path: Path) -> None:
    """Shift ``path`` to ``path.1`` (and older logs one number up) when it is too large."""
    try:
        if path.stat().st_size <= MAX_LOG_BYTES:
            return
    except FileNotFoundError:
        return
    for number in range(OLD_LOGS_KEPT - 1, 0, -1):
        older = path.with_name(f"{path.name}.{number}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{number + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))
