"""The bundled demo extract imported with the real import code, for test fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import tilaapp
from tilaapp.domain.dates import parse_iso_date
from tilaapp.services.importing import ImportOptions, import_files

DEMO_FOLDER = Path(tilaapp.__file__).parent / "resources" / "demo"


def import_demo_extract(path: Path) -> Path:
    """Import the demo extract into a new database at ``path`` and return ``path``.

    The home municipality, the group's business IDs and the extraction date come from
    ``demo.json``, as the demo database uses them.
    """
    settings = json.loads((DEMO_FOLDER / "demo.json").read_text(encoding="utf-8"))
    options = ImportOptions(
        home_municipality=settings["home_municipality"],
        owner_business_ids=tuple(settings["owner_business_ids"]),
        extraction_date=parse_iso_date(settings["extraction_date"]),
    )
    import_files(path, [DEMO_FOLDER / "demo_extract.xlsx"], options)
    return path
