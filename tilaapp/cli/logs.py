"""Log file set-up: English logs in the user log folder."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

APP_NAME = "tilaapp"

LOG_FILE_NAME = "tilaapp.log"


def log_folder() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def configure_logging(level: int = logging.INFO) -> Path:
    """Send the application's logs to a rotating file and return its path."""
    folder = log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_tilaapp", False)]:
        root.removeHandler(old)
        old.close()
    handler._tilaapp = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path
