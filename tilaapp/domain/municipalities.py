"""Municipalities and regions of Finland, municipal mergers and population.

The data are bundled CSV files in ``tilaapp/resources`` (origin and licence in
``tilaapp/resources/PROVENANCE.md``). Each file is read once, on first use.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from dataclasses import dataclass

from tilaapp.domain.reference_files import ReferenceDataError, read_reference_table
from tilaapp.i18n import current_language
from tilaapp.i18n import gettext as _

logger = logging.getLogger(__name__)

LIST_YEAR = 2023
"""Year of the municipal division that ``municipalities()`` describes (state on 1 January)."""

# Lower bounds of the municipality size classes 1..6, in inhabitants.
SIZE_CLASS_LOWER_BOUNDS: tuple[int, ...] = (0, 5_000, 10_000, 20_000, 40_000, 100_000)

# Finnish and Swedish alphabets both end ... x, y, z, å, ä, ö. Characters from a Unicode
# private use area sort after every letter; æ, ø and ü sort as ä, ö and y, as in both
# languages' dictionaries.
_NORDIC_COLLATION = {
    "å": "\U000f0001",
    "ä": "\U000f0002",
    "æ": "\U000f0002",
    "ö": "\U000f0003",
    "ø": "\U000f0003",
    "ü": "y",
}


@dataclass(frozen=True)
class Municipality:
    code: str
    """Three-digit municipality code of Statistics Finland, e.g. '091'."""
    name_fi: str
    name_sv: str
    """Official Swedish name, or the Finnish name where the municipality has no Swedish one."""
    region_code: str
    """Two-digit region (maakunta) code, 01-19 or 21."""
    search_names: tuple[str, ...]
    """Other spellings that only searching uses."""


@dataclass(frozen=True)
class Merger:
    old_code: str
    old_name: str
    new_code: str
    year: int
    """Year on whose 1 January the old municipality joined the new one."""


def source_translations(source_fi: str | None, source_sv: str | None) -> dict[str, str]:
    """Return the given Finnish and Swedish texts of a source by language code."""
    found = {"fi": source_fi, "sv": source_sv}
    return {language: text for language, text in found.items() if text}


@dataclass(frozen=True)
class Population:
    code: str
    population: int
    year: int
    """Year whose last day is the reference date."""
    source: str
    source_fi: str | None = None
    source_sv: str | None = None

    def source_translations(self) -> dict[str, str]:
        """Return the Finnish and Swedish texts of ``source`` by language code."""
        return source_translations(self.source_fi, self.source_sv)


@dataclass(frozen=True)
class Region:
    code: str
    name_fi: str
    name_sv: str
    name_en: str


def fold_for_search(text: str) -> str:
    """Fold ``text`` for matching: case, diacritics and runs of white space are ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(without_marks.split())


def collation_key(text: str) -> tuple[str, str]:
    """Return a sort key that orders names as Finnish and Swedish dictionaries do.

    Babel ships no collator. The key places å, ä and ö after z and compares other
    accented letters as their base letter. Case only breaks ties.
    """
    lowered = unicodedata.normalize("NFC", text.casefold())
    primary = "".join(_collation_character(char) for char in lowered)
    return primary, text


def _collation_character(char: str) -> str:
    if char in _NORDIC_COLLATION:
        return _NORDIC_COLLATION[char]
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(part for part in decomposed if not unicodedata.combining(part))


def _unknown_code_text(code: str) -> str:
    return _("code {code}, no name").format(code=code)


@functools.cache
def _search_names() -> dict[str, tuple[str, ...]]:
    names: dict[str, list[str]] = {}
    for row in read_reference_table("municipality_search_names.csv", ("code", "spelling")):
        names.setdefault(row["code"], []).append(row["spelling"])
    return {code: tuple(spellings) for code, spellings in names.items()}


@functools.cache
def _regions() -> dict[str, Region]:
    rows = read_reference_table("regions.csv", ("code", "name_fi", "name_sv", "name_en"))
    return {
        row["code"]: Region(row["code"], row["name_fi"], row["name_sv"], row["name_en"])
        for row in rows
    }


@functools.cache
def _municipalities() -> dict[str, Municipality]:
    columns = ("code", "name_fi", "name_sv", "region_code", "list_year")
    rows = read_reference_table("municipalities.csv", columns)
    search_names = _search_names()
    regions = _regions()

    result: dict[str, Municipality] = {}
    for row in rows:
        _check_municipality_row(row, regions)
        code = row["code"]
        result[code] = Municipality(
            code=code,
            name_fi=row["name_fi"],
            name_sv=row["name_sv"] or row["name_fi"],
            region_code=row["region_code"],
            search_names=search_names.get(code, ()),
        )

    logger.debug("Loaded %d municipalities of %d", len(result), LIST_YEAR)
    return result


def _check_municipality_row(row: dict[str, str], regions: dict[str, Region]) -> None:
    code = row["code"]
    if len(code) != 3 or not code.isdigit():
        raise ReferenceDataError(f"municipalities.csv: invalid municipality code {code!r}")
    if row["region_code"] not in regions:
        raise ReferenceDataError(
            f"municipalities.csv: municipality {code} has unknown region {row['region_code']!r}"
        )
    if row["list_year"] != str(LIST_YEAR):
        raise ReferenceDataError(
            f"municipalities.csv: municipality {code} is of year {row['list_year']}, "
            f"expected {LIST_YEAR}"
        )


@functools.cache
def _mergers() -> dict[str, Merger]:
    rows = read_reference_table(
        "municipality_mergers.csv", ("old_code", "old_name", "new_code", "year")
    )
    return {
        row["old_code"]: Merger(row["old_code"], row["old_name"], row["new_code"], int(row["year"]))
        for row in rows
    }


@functools.cache
def _population() -> dict[str, Population]:
    rows = read_reference_table("population.csv", ("code", "population", "year", "source"))
    return {
        row["code"]: Population(
            row["code"],
            int(row["population"]),
            int(row["year"]),
            row["source"],
            row.get("source_fi") or None,
            row.get("source_sv") or None,
        )
        for row in rows
    }


@functools.cache
def _folded_names() -> dict[str, tuple[str, ...]]:
    return {
        code: tuple(fold_for_search(name) for name in (m.name_fi, m.name_sv, *m.search_names))
        for code, m in _municipalities().items()
    }


def municipalities() -> dict[str, Municipality]:
    """Return the municipalities of ``LIST_YEAR`` by code (a new dict on every call)."""
    return dict(_municipalities())


def municipality(code: str) -> Municipality | None:
    """Return the current municipality ``code``, or None for merged and unknown codes."""
    return _municipalities().get(code)


def merger(code: str) -> Merger | None:
    """Return the merger that ended municipality ``code``, or None."""
    return _mergers().get(code)


def municipality_name(code: str, language: str | None = None) -> str:
    """Return the name of municipality ``code`` in ``language`` (default: the UI language).

    Swedish gives the official Swedish name, other languages the Finnish one. A merged
    municipality gets its former name, and an unknown code a translated placeholder.
    """
    language = language or current_language()
    found = municipality(code)
    if found is not None:
        return found.name_sv if language == "sv" else found.name_fi

    ended = merger(code)
    if ended is not None:
        return ended.old_name
    return _unknown_code_text(code)


def search_municipalities(text: str, language: str | None = None) -> list[Municipality]:
    """Find municipalities by code prefix or by any of their names.

    Digits match the start of the code, and the result is in code order. Other text
    matches Finnish, Swedish and other spellings ignoring case and diacritics
    ('hameen' finds Hämeenlinna). Names that start with the text come before names that
    only contain it, each group in the alphabetical order of ``language``. Empty text
    returns every municipality.
    """
    language = language or current_language()
    query = fold_for_search(text)
    candidates = list(_municipalities().values())

    if query.isascii() and query.isdigit():
        return sorted((m for m in candidates if m.code.startswith(query)), key=lambda m: m.code)

    folded = _folded_names()
    starts = [m for m in candidates if any(n.startswith(query) for n in folded[m.code])]
    starting_codes = {m.code for m in starts}
    contains = [
        m
        for m in candidates
        if m.code not in starting_codes and any(query in n for n in folded[m.code])
    ]
    return _sorted_by_name(starts, language) + _sorted_by_name(contains, language)


def _sorted_by_name(found: list[Municipality], language: str) -> list[Municipality]:
    def key(item: Municipality) -> tuple[str, str]:
        return collation_key(item.name_sv if language == "sv" else item.name_fi)

    return sorted(found, key=key)


def population(code: str) -> Population | None:
    """Return the population of municipality ``code`` on 31 December 2020, or None."""
    return _population().get(code)


def size_class(population: int) -> int:
    """Return the size class 1..6 of a municipality of ``population`` inhabitants.

    The classes are: under 5,000; 5,000-9,999; 10,000-19,999; 20,000-39,999;
    40,000-99,999; 100,000 and over.
    """
    if population < 0:
        raise ValueError(f"population must not be negative, got {population}")
    return sum(1 for bound in SIZE_CLASS_LOWER_BOUNDS if population >= bound)


def region_name(region_code: str, language: str | None = None) -> str:
    """Return the name of region ``region_code`` in ``language`` (default: the UI language)."""
    language = language or current_language()
    region = _regions().get(region_code)
    if region is None:
        return _unknown_code_text(region_code)
    if language == "sv":
        return region.name_sv
    if language == "en":
        return region.name_en
    return region.name_fi


def mergers() -> list[Merger]:
    """Return every known merger of municipalities, oldest code first."""
    return sorted(_mergers().values(), key=lambda item: item.old_code)
