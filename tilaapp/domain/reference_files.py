"""Reading the reference tables bundled in ``tilaapp/resources``: code lists, municipalities.

Kept apart from the modules that use the tables, so that reading one list imports no
other.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

# Found next to the code rather than through importlib.resources, whose readers take a
# few milliseconds to import before the first window.
RESOURCE_FOLDER = Path(__file__).resolve().parent.parent / "resources"


class ReferenceDataError(Exception):
    """A bundled reference file is missing, lacks a column or holds an invalid row."""


def read_reference_table(name: str, columns: Iterable[str]) -> list[dict[str, str]]:
    """Read the bundled CSV file ``name`` into one dict per row.

    The files are UTF-8 and ``;``-separated, and comment lines starting with ``#`` precede
    the header row. Raises ReferenceDataError when the file or a column is missing.
    """
    try:
        text = (RESOURCE_FOLDER / name).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ReferenceDataError(f"reference file {name} is missing from the package") from error

    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)

    reader = csv.DictReader(lines, delimiter=";")
    missing = [column for column in columns if column not in (reader.fieldnames or ())]
    if missing:
        raise ReferenceDataError(f"reference file {name} has no column {', '.join(missing)}")
    return list(reader)
