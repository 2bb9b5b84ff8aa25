"""Comparison of a municipality's indicators with reference figures.

Each total indicator of the home municipality is paired with the reference figures of
the same indicator id, unit and basis for the home municipality, the whole country and
the peer municipalities. Figures of another basis are never paired.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from tilaapp.domain.municipalities import municipalities, municipality, population, size_class
from tilaapp.services.indicators import BuildingSet, Indicator, IndicatorReport, IndicatorService
from tilaapp.services.reference import NATIONAL, Figure, ReferenceData, read_reference
from tilaapp.services.reference_store import stored_reference
from tilaapp.storage.database import Database
from tilaapp.storage.models import DatabaseInfo

log = logging.getLogger(__name__)

BUNDLED_REFERENCE = "national.json"
POPULATION = "population"

# Reference figures have these two bases only, so the portfolio is not compared.
COMPARED_SETS = (BuildingSet.ALL_BUILDINGS, BuildingSet.GROUP_OWNED)


class PeerGroup(enum.StrEnum):
    """A peer group that tilaapp finds from the bundled municipality data."""

    REGION = "region"
    """The other municipalities of the home municipality's region (maakunta)."""
    SIZE_CLASS = "size-class"
    """The other municipalities of the home municipality's population size class."""


@dataclass(frozen=True)
class ReferenceValue:
    """The reference figure of one area, or None when the reference has none."""

    municipality: str
    """A 3-digit municipality code, or ``national``."""
    figure: Figure | None


@dataclass(frozen=True)
class ComparedIndicator:
    indicator: Indicator
    references: tuple[ReferenceValue, ...]
    """One per compared area: home municipality, ``national``, then the peers."""


@dataclass(frozen=True)
class Comparison:
    home_municipality: str | None
    peers: tuple[str, ...]
    valuation_year: int
    indicators: tuple[ComparedIndicator, ...]
    populations: tuple[ReferenceValue, ...]
    """The reference population of the home municipality and of each peer."""
    reference: ReferenceData
    reports: tuple[IndicatorReport, ...] = ()
    """The full indicator reports, one per set of ``COMPARED_SETS``, for the charts."""
    peer_group: PeerGroup | None = None
    """The peer group that ``peers`` came from, or None for peers chosen by code."""


def peer_group_codes(home: str, group: PeerGroup) -> list[str]:
    """Return the codes of the municipalities in ``home``'s peer group, ``home`` excluded.

    Regions come from ``municipalities.csv`` and size classes from the population of
    31 December 2020 (``population.csv``). A home municipality that is not in those
    files has no peers.
    """
    if group is PeerGroup.REGION:
        found = municipality(home)
        if found is None:
            return []
        return sorted(
            code
            for code, other in municipalities().items()
            if other.region_code == found.region_code and code != home
        )

    own = population(home)
    if own is None:
        return []
    own_size_class = size_class(own.population)
    return sorted(
        code
        for code in municipalities()
        if code != home
        and (peer := population(code)) is not None
        and size_class(peer.population) == own_size_class
    )


def bundled_reference() -> ReferenceData:
    """Read the reference file bundled with tilaapp (published figures only)."""
    resource = resources.files("tilaapp.resources") / "reference" / BUNDLED_REFERENCE
    with resources.as_file(resource) as path:
        return read_reference(path)


def reference_in_use(database: Database) -> ReferenceData:
    """Return the newest stored reference, or the bundled one when none is stored."""
    with database.read_session() as session:
        stored = stored_reference(session)
    return stored if stored is not None else bundled_reference()


def compare(
    database: Database,
    *,
    reference: ReferenceData | None = None,
    peers: Sequence[str] = (),
    peer_group: PeerGroup | None = None,
    valuation_year: int | None = None,
) -> Comparison:
    """Compute the indicators of ``database`` and pair them with reference figures.

    ``reference`` defaults to the newest reference stored with ``tilaapp reference
    import``, else the bundled reference file. Only total figures (without
    class or completion decade) are paired, because the indicators compared are totals.
    ``peer_group`` adds the home municipality's region or size class to ``peers``; a
    database without a home municipality has no such peers.
    """
    data = reference if reference is not None else reference_in_use(database)
    home = _home_municipality(database)
    if peer_group is not None and home is not None:
        peers = [*peers, *peer_group_codes(home, peer_group)]
    areas = _compared_areas(home, peers)

    service = IndicatorService(database)
    reports = [service.compute(each, valuation_year=valuation_year) for each in COMPARED_SETS]
    totals = _total_indicators(indicator for report in reports for indicator in report.indicators)
    index = _total_figures(data.figures)

    compared = tuple(
        ComparedIndicator(each, _references(index, each.indicator, each.unit, each.basis, areas))
        for each in totals
    )
    population_areas = tuple(area for area in areas if area != NATIONAL)
    populations = tuple(
        ReferenceValue(area, _find_population(data.figures, area)) for area in population_areas
    )
    log.info(
        "Compared %d indicators with %d reference figures (home %s, %d peers)",
        len(compared),
        len(data.figures),
        home,
        len(areas) - (2 if home else 1),
    )
    return Comparison(
        home_municipality=home,
        peers=tuple(area for area in areas if area not in (home, NATIONAL)),
        peer_group=peer_group,
        valuation_year=reports[0].valuation_year,
        indicators=compared,
        populations=populations,
        reference=data,
        reports=tuple(reports),
    )


def _home_municipality(database: Database) -> str | None:
    with database.read_session() as session:
        info = session.get(DatabaseInfo, 1)
        return info.home_municipality_code if info is not None else None


def _compared_areas(home: str | None, peers: Sequence[str]) -> tuple[str, ...]:
    """Return home, ``national`` and the peers, each once and in that order."""
    areas: list[str] = [home] if home is not None else []
    for area in (NATIONAL, *peers):
        if area not in areas:
            areas.append(area)
    return tuple(areas)


def _total_indicators(indicators: Iterable[Indicator]) -> list[Indicator]:
    """Return one indicator per (id, unit, basis), its first occurrence.

    The same total appears once per grouping (by class, by decade), and gross floor
    area per resident appears in every report with basis ``group_owned``.
    """
    seen: set[tuple[str, str, str]] = set()
    chosen: list[Indicator] = []
    for each in indicators:
        key = (each.indicator, each.unit, each.basis)
        if key in seen:
            continue
        seen.add(key)
        chosen.append(each)
    return chosen


FigureKey = tuple[str, str, str | None, str]


def _total_figures(figures: Sequence[Figure]) -> dict[FigureKey, Figure]:
    """Index the total figures by (indicator, unit, basis, municipality).

    A later figure with the same key replaces an earlier one unless it is older.
    """
    index: dict[FigureKey, Figure] = {}
    for figure in figures:
        if figure.class_code is not None or figure.completion_decade is not None:
            continue
        key = (figure.indicator, figure.unit, figure.basis, figure.municipality)
        earlier = index.get(key)
        if earlier is None or figure.year >= earlier.year:
            index[key] = figure
    return index


def _references(
    index: dict[FigureKey, Figure], indicator: str, unit: str, basis: str, areas: Sequence[str]
) -> tuple[ReferenceValue, ...]:
    return tuple(ReferenceValue(area, index.get((indicator, unit, basis, area))) for area in areas)


def _find_population(figures: Sequence[Figure], area: str) -> Figure | None:
    found = [
        figure
        for figure in figures
        if figure.indicator == POPULATION
        and figure.municipality == area
        and figure.basis is None
        and figure.class_code is None
    ]
    return max(found, key=lambda figure: figure.year) if found else None
