"""The database file's default place and the schema revisions of this version of tilaapp.

These need no SQLAlchemy, so the desktop application can show its first window before
SQLAlchemy, which takes a fifth of a second to import, has loaded.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "tilaapp"
DATABASE_FILE_NAME = "tilaapp.sqlite"

# The revisions of tilaapp/storage/migrations/versions, oldest first; a test checks that
# they match the scripts. Listed here so that opening an up-to-date database needs no
# Alembic import, which takes a tenth of a second.
SCHEMA_REVISIONS: tuple[str, ...] = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")
HEAD_REVISION = SCHEMA_REVISIONS[-1]


def default_database_path() -> Path:
    """Return the database in the user's data folder, as the operating system names it."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / DATABASE_FILE_NAME
