"""Write the bundled demo database: the demo extract imported, with invented local values.

Run from the repository root after a schema change: ``python -m devtools.make_demo_database``.
The values come from a seeded random generator and the code lists, so every run gives
the same buildings and values. Only the timestamps of the change history differ.
"""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from tilaapp.domain.dates import PartialDate, parse_iso_date
from tilaapp.services.editing import EditService
from tilaapp.services.importing import ImportOptions, import_files
from tilaapp.services.listing import list_ids, list_rows
from tilaapp.services.repairs import RepairNeed, RepairService
from tilaapp.storage.database import open_database

log = logging.getLogger(__name__)

DEMO_FOLDER = Path(__file__).resolve().parent.parent / "tilaapp" / "resources" / "demo"
WORKBOOK = DEMO_FOLDER / "demo_extract.xlsx"
SETTINGS = DEMO_FOLDER / "demo.json"
OUTPUT = DEMO_FOLDER / "demo.sqlite"
DEMO_USER = "demo"
SEED = 81

# Building name and municipal service by building class of the 2018 classification, by
# the longest matching code prefix (invented assignments for the demo).
KINDS = {
    "0820": ("koulu", ("Perusopetus", "Lukio-opetus")),
    "0810": ("päiväkoti", ("Varhaiskasvatus",)),
    "04": ("virastotalo", ("Hallinto", "Tekninen toimi")),
    "0610": ("terveysasema", ("Terveyspalvelut",)),
    "0620": ("palvelukoti", ("Vanhuspalvelut", "Palveluasuminen")),
    "0712": ("kirjasto", ("Kirjastopalvelut",)),
    "0713": ("museo", ("Kulttuuripalvelut",)),
    "0720": ("nuorisotalo", ("Nuorisopalvelut",)),
    "074": ("urheiluhalli", ("Liikuntapalvelut",)),
    "1310": ("paloasema", ("Pelastustoimi",)),
    "0511": ("varikko", ("Tekninen toimi",)),
    "1910": ("sauna", ("Liikuntapalvelut",)),
}
NAME_PREFIXES = ["Keskustan", "Kirkonkylän", "Rantalan", "Mäkelän", "Koskenniemen", "Pappilan"]
REPAIRS = [
    "Vesikaton uusiminen",
    "Ikkunoiden kunnostus",
    "Ilmanvaihdon uusiminen",
    "Julkisivun maalaus",
    "Salaojien uusiminen",
    "Lämmönjakohuoneen uusiminen",
]


def build(output: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="tilaapp-demo-build-") as folder:
        database_path = Path(folder) / "demo.sqlite"
        _import_extract(database_path)
        _add_local_values(database_path, random.Random(SEED))
        _compact(database_path)
        output.write_bytes(database_path.read_bytes())
    log.info("Wrote %s", output)


def _import_extract(database_path: Path) -> None:
    settings: dict[str, Any] = json.loads(SETTINGS.read_text(encoding="utf-8"))
    options = ImportOptions(
        home_municipality=settings["home_municipality"],
        owner_business_ids=tuple(settings["owner_business_ids"]),
        extraction_date=parse_iso_date(settings["extraction_date"]),
    )
    import_files(database_path, [WORKBOOK], options)


def _add_local_values(database_path: Path, rng: random.Random) -> None:
    database = open_database(database_path, create=False)
    try:
        edits = EditService(database, os_user=DEMO_USER)
        repairs = RepairService(database, os_user=DEMO_USER, undo_stack=edits.undo_stack)
        with database.read_session() as session:
            rows = list_rows(session, list_ids(session))
        for row in rows:
            _complete_building(edits, repairs, row, rng)
    finally:
        database.close()


def _complete_building(
    edits: EditService, repairs: RepairService, row: Any, rng: random.Random
) -> None:
    kind = _kind(row.building_class_2018 or "")
    area = row.gross_floor_area or Decimal(100)
    completed = row.completion_date.year if row.completion_date else 1970

    if kind is not None:
        noun, services = kind
        edits.set_value(row.id, "municipal_service", rng.choice(services))
        edits.set_value(row.id, "local_name", f"{rng.choice(NAME_PREFIXES)} {noun}")
        edits.set_value(row.id, "number_of_users", rng.randint(5, 400))
        edits.set_value(row.id, "utilisation_rate", Decimal(rng.randrange(40, 101, 5)))

    condition = _condition_class(completed, rng)
    edits.set_value(row.id, "condition_class", condition)
    edits.set_value(
        row.id, "condition_date", PartialDate(rng.randint(2019, 2025), rng.randint(1, 12))
    )
    edits.set_value(row.id, "indoor_air_problems", condition <= 2 and rng.random() < 0.4)

    unit_cost = Decimal(rng.randrange(1800, 3200, 50))
    edits.set_value(row.id, "replacement_cost", (area * unit_cost).quantize(Decimal(1)))
    edits.set_value(
        row.id,
        "maintenance_cost_per_year",
        (area * Decimal(rng.randrange(25, 60))).quantize(Decimal(1)),
    )
    edits.set_value(row.id, "strategy", _strategy(condition, rng))
    if condition <= 3:
        repairs.set_repair_needs(row.id, _repair_needs(area, rng))


def _kind(building_class: str) -> tuple[str, tuple[str, ...]] | None:
    matches = [prefix for prefix in KINDS if building_class.startswith(prefix)]
    return KINDS[max(matches, key=len)] if matches else None


def _condition_class(completed: int, rng: random.Random) -> int:
    age = 2026 - completed
    if age < 10:
        base = 5
    elif age < 25:
        base = 4
    elif age < 45:
        base = 3
    else:
        base = 2
    return max(1, min(5, base + rng.choice((-1, 0, 0, 1))))


def _strategy(condition: int, rng: random.Random) -> str:
    if condition <= 1:
        return "dispose"
    return rng.choice(("keep", "keep", "develop"))


def _repair_needs(area: Decimal, rng: random.Random) -> list[RepairNeed]:
    years = sorted(rng.sample(range(2027, 2036), rng.randint(1, 3)))
    return [
        RepairNeed(
            year=year,
            estimated_cost=(area * Decimal(rng.randrange(50, 400, 10))).quantize(Decimal(1)),
            description=rng.choice(REPAIRS),
        )
        for year in years
    ]


def _compact(database_path: Path) -> None:
    connection = sqlite3.connect(database_path)
    try:
        connection.execute("VACUUM")
    finally:
        connection.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)
