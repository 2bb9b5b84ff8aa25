"""Generate a synthetic whole-country DVV open address file for benchmarks.

DVV publishes "Rakennukset ja osoitteet" (CC BY 4.0) as ``Suomi_osoitteet_YYYY-MM-DD.OPT``:
ISO-8859-1 text, ``;``-separated, no header, LF line ends, 16 columns, one row per
building address. This script writes a file of that layout in which every value is
invented, except the municipality and region codes, which are the real ones bundled with
tilaapp. The default size, 3.9 million buildings, is an estimate of the national file's.

Usage::

    python benchmarks/generate_opt.py --out PATH [--buildings N] [--seed S]

The same arguments give the same bytes with the same Python version and municipality
list. Next to ``PATH`` the script writes ``PATH.json`` with its parameters and the counts
it wrote.

Shape of the data:

- Buildings per municipality are proportional to max(population, 1,500), using the
  population on 31 December 2020, so each municipality gets at least about a thousand
  buildings in a file of 3.9 million.
- Identifiers are unique and rows are sorted by identifier. Each municipality receives
  runs of 1-100 consecutive identifiers, as DVV hands out identifier ranges, and the
  runs of all municipalities are shuffled together.
- A building has 1-4 addresses (87, 10, 2 and 1 % of the buildings with a street), on
  consecutive rows numbered 1..n. A building without a street address has one row with
  empty street names and house number. About 10 % of rows are such rows: 3 % of
  buildings in a municipality's centre, 15 % in its villages, 35 % in the scattered
  countryside.
- Swedish street and voting district names are written only in bilingual and
  Swedish-speaking municipalities, listed below from the author's knowledge and not
  checked against the government decree on municipal languages. In the Swedish-speaking
  ones the Swedish name fills both name columns.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import hashlib
import itertools
import json
import logging
import math
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tilaapp.domain.municipalities import Municipality, municipalities, population

log = logging.getLogger("generate_opt")

DEFAULT_BUILDINGS = 3_900_000
DEFAULT_SEED = 20260930
DEFAULT_EXTRACTION_DATE = datetime.date(2026, 9, 30)
MAX_BUILDINGS = 50_000_000
ENCODING = "iso-8859-1"

# Buildings are allocated as if every municipality had at least this many inhabitants.
POPULATION_FLOOR = 1_500
MAX_RUN_LENGTH = 100
# Identifier runs per block of text written at once: about 2,000 runs of 50 buildings on
# average, some 12 MB of text.
BLOCK_RUNS = 2_000

ADDRESS_COUNTS = (1, 2, 3, 4)
ADDRESS_COUNT_WEIGHTS = (87, 10, 2, 1)
USE_CLASSES = ("1", "2", "0")
USE_CLASS_WEIGHTS = (56, 42, 2)
# Share of buildings that sit on the same property as the previous building of the run.
SHARED_PROPERTY_SHARE = 0.3

# Coordinate ranges of ETRS-TM35FIN (EPSG:3067) that cover Finland, in metres.
NORTH_RANGE = (6_600_000, 7_780_000)
EAST_RANGE = (60_000, 740_000)

PRT_CHECK_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"
PRT_FIRST_BODY = 100_000_000
PRT_BODY_SPAN = 100_000_000

# Approximate centre (north, east) of each region in ETRS-TM35FIN, and the standard
# deviation of its municipalities' centres around it, in metres. Estimates for
# synthetic data only.
REGION_CENTRES: dict[str, tuple[int, int, int]] = {
    "01": (6_695_000, 385_000, 35_000),
    "02": (6_720_000, 250_000, 35_000),
    "04": (6_820_000, 230_000, 30_000),
    "05": (6_760_000, 350_000, 20_000),
    "06": (6_830_000, 330_000, 40_000),
    "07": (6_780_000, 430_000, 20_000),
    "08": (6_730_000, 490_000, 20_000),
    "09": (6_780_000, 560_000, 25_000),
    "10": (6_850_000, 540_000, 40_000),
    "11": (6_960_000, 530_000, 45_000),
    "12": (6_960_000, 640_000, 45_000),
    "13": (6_920_000, 430_000, 45_000),
    "14": (6_960_000, 290_000, 35_000),
    "15": (7_000_000, 230_000, 35_000),
    "16": (7_080_000, 340_000, 25_000),
    "17": (7_200_000, 450_000, 60_000),
    "18": (7_140_000, 580_000, 40_000),
    "19": (7_500_000, 450_000, 120_000),
    "21": (6_690_000, 110_000, 20_000),
}
ALAND_REGION = "21"
BILINGUAL_MUNICIPALITIES = frozenset({
    "049", "078", "091", "092", "149", "231", "235", "257", "272", "287", "288", "322",
    "407", "434", "444", "445", "475", "499", "598", "599", "624", "638", "710", "753",
    "755", "853", "893", "905", "946",
})  # fmt: skip
SWEDISH_SPEAKING_MAINLAND_MUNICIPALITIES = frozenset({"280", "440", "545"})

# Finnish and Swedish name parts in the form they take at the start of a compound.
NAME_STEMS: tuple[tuple[str, str], ...] = (
    ("Koivu", "Björk"), ("Kuusi", "Gran"), ("Mänty", "Tall"), ("Tammi", "Ek"),
    ("Lehmus", "Lind"), ("Haapa", "Asp"), ("Leppä", "Al"), ("Pihlaja", "Rönn"),
    ("Pähkinä", "Hassel"), ("Kivi", "Sten"), ("Kallio", "Berg"), ("Hiekka", "Sand"),
    ("Myllyn", "Kvarn"), ("Kirkko", "Kyrk"), ("Pappilan", "Prästgårds"), ("Koulu", "Skol"),
    ("Aseman", "Stations"), ("Sataman", "Hamn"), ("Ranta", "Strand"), ("Järven", "Sjö"),
    ("Mäki", "Back"), ("Niemen", "Näs"), ("Kosken", "Fors"), ("Lahden", "Vik"),
    ("Saaren", "Holm"), ("Kylä", "By"), ("Harjun", "Ås"), ("Salmen", "Sund"),
    ("Pelto", "Åker"), ("Niitty", "Ängs"), ("Metsä", "Skogs"), ("Tähti", "Stjärn"),
    ("Aurinko", "Sol"), ("Kuu", "Mån"), ("Tuuli", "Vind"), ("Kesä", "Sommar"),
    ("Kevät", "Vår"), ("Syys", "Höst"), ("Joutsen", "Svan"), ("Kettu", "Räv"),
    ("Karhu", "Björn"), ("Hirvi", "Älg"), ("Lähde", "Käll"), ("Sillan", "Bro"),
    ("Torpan", "Torp"), ("Kartanon", "Gårds"), ("Sauna", "Bastu"), ("Vene", "Båt"),
    ("Kala", "Fisk"), ("Törmä", "Brink"), ("Männikkö", "Tallmo"), ("Linnun", "Fågel"),
)  # fmt: skip
TOWN_STREET_ENDINGS: tuple[tuple[str, str], ...] = (
    ("katu", "gatan"), ("tie", "vägen"), ("kuja", "gränden"), ("polku", "stigen"),
    ("rinne", "backen"), ("kaari", "bågen"), ("ranta", "stranden"), ("väylä", "leden"),
    ("tanhua", "gården"),
)  # fmt: skip
RURAL_STREET_ENDINGS: tuple[tuple[str, str], ...] = (
    ("tie", "vägen"), ("polku", "stigen"), ("kuja", "gränden"), ("rinne", "backen"),
)  # fmt: skip
STREET_ADJECTIVES: tuple[tuple[str, str], ...] = (
    ("Vanha", "Gamla"), ("Uusi", "Nya"), ("Pikku", "Lilla"), ("Iso", "Stora"),
    ("Itäinen", "Östra"), ("Läntinen", "Västra"), ("Pohjoinen", "Norra"),
    ("Eteläinen", "Södra"),
)  # fmt: skip
ADJECTIVE_SHARE = 0.15
PLACE_ENDINGS: tuple[tuple[str, str], ...] = (
    ("niemi", "näs"), ("mäki", "backa"), ("järvi", "träsk"), ("koski", "fors"),
    ("lahti", "vik"), ("saari", "ö"), ("kylä", "by"), ("harju", "ås"), ("salmi", "sund"),
    ("lampi", "tjärn"), ("nummi", "hed"), ("kangas", "mo"),
)  # fmt: skip
CENTRE_DISTRICT_NAMES = ("Keskusta", "Centrum")
HOUSE_LETTERS = "ABCDEFGH"


class Language:
    """Languages in which a municipality writes street and voting district names here."""

    FINNISH = "fi"
    BILINGUAL = "fi+sv"
    SWEDISH = "sv"


@dataclass
class Area:
    """A part of a municipality: its centre, a village or the scattered countryside."""

    north: float
    east: float
    spread: float
    """Standard deviation of building positions around the centre, in metres."""
    streetless_share: float
    streets: list[tuple[str, str]]
    postal_codes: list[str]
    districts: list[tuple[str, str, str]]
    """Voting districts as (number, Finnish name, Swedish name)."""
    town: bool


@dataclass
class Profile:
    """Everything the rows of one municipality are drawn from."""

    code: str
    region: str
    buildings: int
    areas: list[Area]
    area_weights: list[float]
    villages: int
    """Number of land register villages (kylä), the second part of property identifiers."""
    rows: int = 0


@dataclass(frozen=True)
class Parameters:
    buildings: int
    seed: int
    extraction_date: datetime.date


def allocate_buildings(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` buildings in proportion to ``weights`` (largest remainder method)."""
    weight_sum = sum(weights.values())
    exact = {code: total * weight / weight_sum for code, weight in weights.items()}
    counts = {code: math.floor(value) for code, value in exact.items()}
    missing = total - sum(counts.values())
    by_remainder = sorted(exact, key=lambda code: (counts[code] - exact[code], code))
    for code in by_remainder[:missing]:
        counts[code] += 1
    return counts


def municipality_weights() -> dict[str, float]:
    weights: dict[str, float] = {}
    for code in municipalities():
        inhabitants = population(code)
        count = inhabitants.population if inhabitants is not None else 0
        weights[code] = float(max(count, POPULATION_FLOOR))
    return weights


def prt(body: int) -> str:
    """Return the permanent building identifier for the nine-digit ``body``."""
    return f"{body}{PRT_CHECK_ALPHABET[body % 31]}"


def municipality_language(municipality: Municipality) -> str:
    if municipality.region_code == ALAND_REGION:
        return Language.SWEDISH
    if municipality.code in SWEDISH_SPEAKING_MAINLAND_MUNICIPALITIES:
        return Language.SWEDISH
    if municipality.code in BILINGUAL_MUNICIPALITIES:
        return Language.BILINGUAL
    return Language.FINNISH


def _named(pair: tuple[str, str], language: str) -> tuple[str, str]:
    """Return the (Finnish column, Swedish column) texts of a name pair in ``language``."""
    finnish, swedish = pair
    if language == Language.SWEDISH:
        return swedish, swedish
    if language == Language.BILINGUAL:
        return finnish, swedish
    return finnish, ""


def _street_names(
    rng: random.Random, count: int, endings: Sequence[tuple[str, str]], used: set[str]
) -> list[tuple[str, str]]:
    names: list[tuple[str, str]] = []
    attempts = 0
    while len(names) < count and attempts < count * 20:
        attempts += 1
        stem = rng.choice(NAME_STEMS)
        ending = rng.choice(endings)
        finnish, swedish = stem[0] + ending[0], stem[1] + ending[1]
        if rng.random() < ADJECTIVE_SHARE:
            adjective = rng.choice(STREET_ADJECTIVES)
            finnish, swedish = f"{adjective[0]} {finnish}", f"{adjective[1]} {swedish}"
        if finnish in used:
            continue
        used.add(finnish)
        names.append((finnish, swedish))
    return names


def _place_name(rng: random.Random) -> tuple[str, str]:
    stem = rng.choice(NAME_STEMS)
    ending = rng.choice(PLACE_ENDINGS)
    return stem[0] + ending[0], stem[1] + ending[1]


def _postal_codes(rng: random.Random, area_code: int, count: int) -> list[str]:
    return [f"{area_code:02d}{rng.randrange(0, 100) * 10:03d}" for _ in range(count)]


def _clamp(value: float, bounds: tuple[int, int]) -> int:
    return int(min(max(value, bounds[0]), bounds[1]))


def build_profile(
    rng: random.Random, municipality: Municipality, buildings: int, postal_area: int
) -> Profile:
    """Draw the centre, villages, streets, postal codes and voting districts of a municipality."""
    language = municipality_language(municipality)
    region_north, region_east, region_spread = REGION_CENTRES[municipality.region_code]
    north = _clamp(rng.gauss(region_north, region_spread), NORTH_RANGE)
    east = _clamp(rng.gauss(region_east, region_spread), EAST_RANGE)
    used_streets: set[str] = set()
    district_numbers = itertools.count(1)

    def districts(count: int, first_name: tuple[str, str] | None) -> list[tuple[str, str, str]]:
        result = []
        for index in range(count):
            pair = first_name if index == 0 and first_name else _place_name(rng)
            name_fi, name_sv = _named(pair, language)
            result.append((f"{next(district_numbers):03d}", name_fi, name_sv))
        return result

    centre_streets = max(3, min(2_000, buildings // 30))
    centre = Area(
        north=north,
        east=east,
        spread=1_500 + math.sqrt(buildings) * 8,
        streetless_share=0.03,
        streets=_named_streets(rng, centre_streets, TOWN_STREET_ENDINGS, used_streets, language),
        postal_codes=_postal_codes(rng, postal_area, max(1, min(40, buildings // 8_000))),
        districts=districts(max(1, min(60, buildings // 4_000)), CENTRE_DISTRICT_NAMES),
        town=True,
    )
    areas = [centre]
    weights = [0.55]

    village_count = max(2, min(30, buildings // 5_000 + 2))
    for _ in range(village_count):
        areas.append(
            Area(
                north=_clamp(rng.gauss(north, 12_000), NORTH_RANGE),
                east=_clamp(rng.gauss(east, 12_000), EAST_RANGE),
                spread=700,
                streetless_share=0.15,
                streets=_named_streets(rng, 6, RURAL_STREET_ENDINGS, used_streets, language),
                postal_codes=_postal_codes(rng, postal_area, 1),
                districts=districts(1, None),
                town=False,
            )
        )
        weights.append(0.30 / village_count)

    areas.append(
        Area(
            north=north,
            east=east,
            spread=10_000,
            streetless_share=0.35,
            streets=_named_streets(rng, 20, RURAL_STREET_ENDINGS, used_streets, language),
            postal_codes=[code for area in areas[1:] for code in area.postal_codes],
            districts=[district for area in areas[1:] for district in area.districts],
            town=False,
        )
    )
    weights.append(0.15)

    return Profile(
        code=municipality.code,
        region=municipality.region_code,
        buildings=buildings,
        areas=areas,
        area_weights=list(itertools.accumulate(weights)),
        villages=max(1, min(999, buildings // 3_000 + 1)),
    )


def _named_streets(
    rng: random.Random,
    count: int,
    endings: Sequence[tuple[str, str]],
    used: set[str],
    language: str,
) -> list[tuple[str, str]]:
    return [_named(pair, language) for pair in _street_names(rng, count, endings, used)]


def build_profiles(rng: random.Random, buildings: int) -> dict[str, Profile]:
    counts = allocate_buildings(buildings, municipality_weights())
    postal_areas = {region: rng.randrange(1, 100) for region in sorted(REGION_CENTRES)}
    profiles = {}
    for code, municipality in sorted(municipalities().items()):
        postal_area = postal_areas[municipality.region_code]
        profiles[code] = build_profile(rng, municipality, counts[code], postal_area)
    return profiles


def identifier_runs(rng: random.Random, profiles: dict[str, Profile]) -> list[tuple[str, int]]:
    """Return (municipality code, run length) pairs in file order."""
    runs: list[tuple[str, int]] = []
    for code, profile in profiles.items():
        remaining = profile.buildings
        while remaining > 0:
            length = min(remaining, rng.randint(1, MAX_RUN_LENGTH))
            runs.append((code, length))
            remaining -= length
    rng.shuffle(runs)
    return runs


def identifier_gap_limit(buildings: int) -> int:
    """Return the largest gap between consecutive identifier bodies.

    Gaps are uniform in 1..limit, so the bodies use on average (limit + 1) / 2 numbers per
    building, which this limit keeps at 90 % of the span 100000000-199999999 or less.
    """
    return max(1, min(50, int(1.8 * PRT_BODY_SPAN / buildings) - 1))


class RowWriter:
    """Writer of the text rows of buildings, with the running state they share."""

    def __init__(self, rng: random.Random, extraction_date: datetime.date) -> None:
        self.rng = rng
        self.date = extraction_date.strftime("%Y%m%d")
        self.property_identifier = ""
        self.rows_without_street = 0
        self.rows_with_swedish_street = 0

    def building_rows(self, profile: Profile, body: int, same_run: bool, out: list[str]) -> None:
        """Append the rows of one building of ``profile`` to ``out``."""
        rng = self.rng
        # The upper bound keeps a rounding error of the cumulative weights inside the list.
        last = len(profile.areas) - 1
        area = profile.areas[bisect.bisect_left(profile.area_weights, rng.random(), 0, last)]
        north = _clamp(rng.gauss(area.north, area.spread), NORTH_RANGE)
        east = _clamp(rng.gauss(area.east, area.spread), EAST_RANGE)
        use = rng.choices(USE_CLASSES, USE_CLASS_WEIGHTS)[0]
        postal_code = rng.choice(area.postal_codes)
        district, district_fi, district_sv = rng.choice(area.districts)
        property_identifier = self._property_identifier(profile, same_run)
        head = f"{prt(body)};{profile.code};{profile.region};{use};{north};{east};"
        tail = f";{postal_code};{district};{district_fi};{district_sv};{property_identifier};"
        tail += self.date + "\n"

        for number, (street_fi, street_sv, house) in enumerate(self._addresses(area), 1):
            out.append(f"{head}{number};{street_fi};{street_sv};{house}{tail}")
        profile.rows += number
        if not street_fi:
            self.rows_without_street += 1
        elif street_sv:
            self.rows_with_swedish_street += number

    def _property_identifier(self, profile: Profile, same_run: bool) -> str:
        if same_run and self.rng.random() < SHARED_PROPERTY_SHARE:
            return self.property_identifier
        rng = self.rng
        village = rng.randrange(1, profile.villages + 1)
        self.property_identifier = (
            f"{profile.code}{village:03d}{rng.randrange(1, 1_000):04d}{rng.randrange(1, 100):04d}"
        )
        return self.property_identifier

    def _addresses(self, area: Area) -> Iterator[tuple[str, str, str]]:
        rng = self.rng
        if not area.streets or rng.random() < area.streetless_share:
            yield "", "", ""
            return

        count = rng.choices(ADDRESS_COUNTS, ADDRESS_COUNT_WEIGHTS)[0]
        street_fi, street_sv = rng.choice(area.streets)
        house = self._house_number(area.town)
        yield street_fi, street_sv, self._house_text(house, area.town)
        for _ in range(count - 1):
            if rng.random() < 0.5:
                street_fi, street_sv = rng.choice(area.streets)
                house = self._house_number(area.town)
            else:
                house += 2
            yield street_fi, street_sv, self._house_text(house, area.town)

    def _house_number(self, town: bool) -> int:
        fraction = self.rng.random()
        if town:
            return 1 + int(fraction * fraction * 120)
        return 1 + int(fraction**1.5 * 400)

    def _house_text(self, house: int, town: bool) -> str:
        """Return a house number as text: in town 15 % get a staircase letter ("12 B"),
        4 % are ranges ("3-5") and 2 % get a lower-case letter ("12a")."""
        draw = self.rng.random()
        if not town or draw >= 0.21:
            return str(house)
        if draw < 0.15:
            return f"{house} {self.rng.choice(HOUSE_LETTERS)}"
        if draw < 0.19:
            return f"{house}-{house + 2}"
        return f"{house}{self.rng.choice(HOUSE_LETTERS[:3]).lower()}"


def write_file(parameters: Parameters, path: Path) -> dict[str, object]:
    """Write the file to ``path`` (through a temporary file) and return its summary."""
    started = time.perf_counter()
    rng = random.Random(parameters.seed)
    profiles = build_profiles(rng, parameters.buildings)
    runs = identifier_runs(rng, profiles)
    gap_limit = identifier_gap_limit(parameters.buildings)
    writer = RowWriter(rng, parameters.extraction_date)

    body = PRT_FIRST_BODY + rng.randrange(0, 1_000)
    first_body = 0
    rows = 0
    block: list[str] = []
    temporary = path.with_name(path.name + ".partial")
    with temporary.open("wb", buffering=4 * 1024 * 1024) as output:
        for run_index, (code, length) in enumerate(runs):
            profile = profiles[code]
            for index in range(length):
                body += 1 + int(rng.random() * gap_limit)
                first_body = first_body or body
                writer.building_rows(profile, body, index > 0, block)
            if run_index % BLOCK_RUNS == 0:
                rows += _flush(block, output)
        rows += _flush(block, output)
    if body >= PRT_FIRST_BODY + PRT_BODY_SPAN:
        raise RuntimeError(f"identifier body {body} has more than nine digits")
    os.replace(temporary, path)

    summary = _summary(parameters, path, profiles, rows, (prt(first_body), prt(body)), started)
    counts = summary["counts"]
    assert isinstance(counts, dict)
    counts["rows_without_street"] = writer.rows_without_street
    counts["rows_with_swedish_street"] = writer.rows_with_swedish_street
    return summary


def _flush(block: list[str], output: BinaryIO) -> int:
    output.write("".join(block).encode(ENCODING))
    written = len(block)
    block.clear()
    return written


def _summary(
    parameters: Parameters,
    path: Path,
    profiles: dict[str, Profile],
    rows: int,
    prt_range: tuple[str, str],
    started: float,
) -> dict[str, object]:
    return {
        "format": "tilaapp.benchmark.opt/1",
        "file": path.name,
        "generator": "benchmarks/generate_opt.py",
        "generator_sha256": generator_digest(),
        "parameters": {
            "buildings": parameters.buildings,
            "seed": parameters.seed,
            "extraction_date": parameters.extraction_date.isoformat(),
            "population_floor": POPULATION_FLOOR,
            "address_count_weights": dict(zip(ADDRESS_COUNTS, ADDRESS_COUNT_WEIGHTS, strict=True)),
            "streetless_share": {"centre": 0.03, "village": 0.15, "countryside": 0.35},
            "encoding": ENCODING,
        },
        "counts": {
            "buildings": sum(profile.buildings for profile in profiles.values()),
            "rows": rows,
            "bytes": path.stat().st_size,
            "municipalities": len(profiles),
        },
        "first_prt": prt_range[0],
        "last_prt": prt_range[1],
        "by_municipality": {
            code: {"buildings": profile.buildings, "rows": profile.rows}
            for code, profile in profiles.items()
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def generator_digest() -> str:
    """Return the SHA-256 of this script, so that files of older versions can be regenerated."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def summary_path(path: Path) -> Path:
    """Return the path of the JSON summary written next to the file ``path``."""
    return path.with_name(path.name + ".json")


def generate(parameters: Parameters, path: Path) -> dict[str, object]:
    """Write the file and its JSON summary; return the summary."""
    path.parent.mkdir(parents=True, exist_ok=True)
    summary = write_file(parameters, path)
    summary_path(path).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _positive_buildings(text: str) -> int:
    value = int(text)
    if not 1 <= value <= MAX_BUILDINGS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_BUILDINGS}, got {value}")
    return value


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="path of the .OPT file to write")
    parser.add_argument(
        "--buildings",
        type=_positive_buildings,
        default=DEFAULT_BUILDINGS,
        help=f"number of buildings (default {DEFAULT_BUILDINGS:,})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})"
    )
    parser.add_argument(
        "--date",
        type=datetime.date.fromisoformat,
        default=DEFAULT_EXTRACTION_DATE,
        help="extraction date written in column 16, YYYY-MM-DD (default 2026-09-30)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    arguments = parse_arguments(argv)
    parameters = Parameters(arguments.buildings, arguments.seed, arguments.date)
    summary = generate(parameters, arguments.out)
    counts = summary["counts"]
    assert isinstance(counts, dict)
    log.info(
        "Wrote %s: %d buildings, %d rows, %d bytes in %s s",
        arguments.out,
        counts["buildings"],
        counts["rows"],
        counts["bytes"],
        summary["seconds"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
