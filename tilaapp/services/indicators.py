"""Premises-management indicators of a set of buildings, from the values in use.

Every indicator carries an id and a unit from ``docs/indicators.md``, the basis of its
building set, and the number of buildings that lack the data it needs. Such buildings
are counted and left out of the sums and ratios, never counted as zero.

Class, gross floor area, completion date and tenure come from the register list
(``building_list``), the local-only fields from ``local_value``, and the heating energy
source is chosen per building as ``tilaapp.services.values`` chooses values in use.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.domain import indicators as formulas
from tilaapp.domain.codelists import (
    DVV_OPEN_USE_CLASS,
    RYHTI_MAIN_PURPOSE_OPEN,
    main_class_2018,
    map_dvv_to_ryhti,
    open_data_class,
)
from tilaapp.domain.fields import FIELDS_BY_NAME, LOCAL
from tilaapp.domain.municipalities import Population, population
from tilaapp.services.cost_index import CostIndexValue, read_cost_index
from tilaapp.services.listing import ensure_list
from tilaapp.services.values import RegisterEntry, choose_register_entry
from tilaapp.storage.database import Database
from tilaapp.storage.models import DatabaseInfo, ListEntry, LocalValue, RegisterValue, Tenure

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
"""Group key of buildings whose class, decade, condition or energy source is unknown."""

MAIN_CLASS_SCHEME = "building_main_class_2018"
COMPLETION_DECADE = "completion_decade"
CONDITION_CLASS = "condition_class"
HEATING_ENERGY_SOURCE = "ryhti_heating_energy_source"

BUILDINGS = "buildings"
SQUARE_METRES = "m²"
SQUARE_METRES_PER_RESIDENT = "m²/resident"
EUROS = "€"
EUROS_PER_SQUARE_METRE = "€/m²"
EUROS_PER_SQUARE_METRE_MONTH = "€/m²/month"
PERCENT = "%"


class BuildingSet(enum.StrEnum):
    """The buildings an indicator covers; its value is the figure's basis."""

    PORTFOLIO = "portfolio"
    """Every building of the portfolio, owned or leased in."""
    GROUP_OWNED = "group_owned"
    """Buildings of the portfolio that the municipal group owns; leased-in space excluded."""
    ALL_BUILDINGS = "all_buildings"
    """Every stored building located in the home municipality (every stored building
    when the database has no home municipality)."""


@dataclass(frozen=True)
class BuildingFacts:
    """The values in use of one building that the indicators need."""

    building_id: int
    gross_floor_area: Decimal | None = None
    main_class: str | None = None
    """Two-digit main class of the 2018 classification, or None."""
    building_class: str | None = None
    """Four-digit class of the 2018 classification (from the register or the 1994
    crosswalk), or None."""
    completion_year: int | None = None
    condition_class: int | None = None
    utilisation_rate: Decimal | None = None
    """Percent of the space in use."""
    indoor_air_problems: bool | None = None
    replacement_cost: Decimal | None = None
    acquisition_cost: Decimal | None = None
    acquisition_year: int | None = None
    maintenance_cost_per_year: Decimal | None = None
    heating_energy_source: str | None = None
    """A code of Ryhti's heating energy source list."""
    in_portfolio: bool = False
    tenure: str | None = None
    municipality_number: str | None = None


@dataclass(frozen=True)
class Indicator:
    """One indicator over a set of buildings."""

    indicator: str
    unit: str
    basis: str
    value: Decimal | None
    """The total or ratio; None when no building has the data it needs."""
    missing_count: int
    """Buildings of the set without the data this indicator needs."""
    grouping: str | None = None
    """``building_main_class_2018``, a coarse open-data list (``ryhti_main_purpose_open``,
    ``dvv_open_use_class``), ``completion_decade``, ``condition_class``,
    ``ryhti_heating_energy_source``, or None for an ungrouped figure."""
    groups: Mapping[str, Decimal] = field(default_factory=dict)
    """Values by group key; the group ``unknown`` contains the buildings without one."""
    year: int | None = None
    """The population year of per-resident figures, the valuation year of values."""
    source: str | None = None
    """The source of the population figure or of the index values used."""
    source_translations: Mapping[str, str] = field(default_factory=dict)
    """``source`` in other languages by language code, where the source gives them."""


@dataclass(frozen=True)
class IndicatorReport:
    building_set: BuildingSet
    building_count: int
    valuation_year: int
    indicators: tuple[Indicator, ...]

    def find(self, indicator: str, grouping: str | None = None) -> Indicator:
        """Return the indicator of id ``indicator`` and ``grouping``; raise KeyError if none."""
        for each in self.indicators:
            if each.indicator == indicator and each.grouping == grouping:
                return each
        raise KeyError(f"no indicator {indicator!r} grouped by {grouping!r}")


# Computing from facts


def select_buildings(
    facts: Iterable[BuildingFacts], building_set: BuildingSet, home_municipality: str | None
) -> list[BuildingFacts]:
    """Return the buildings of ``building_set``."""
    if building_set is BuildingSet.PORTFOLIO:
        return [each for each in facts if each.in_portfolio]
    if building_set is BuildingSet.GROUP_OWNED:
        return [each for each in facts if each.in_portfolio and each.tenure == Tenure.OWNED]
    if home_municipality is None:
        return list(facts)
    return [each for each in facts if each.municipality_number == home_municipality]


def compute_indicators(
    facts: Sequence[BuildingFacts],
    *,
    building_set: BuildingSet,
    home_municipality: str | None,
    valuation_year: int,
    resident_population: Population | None,
    cost_index: Mapping[int, CostIndexValue],
) -> IndicatorReport:
    """Compute every indicator over the buildings of ``building_set`` among ``facts``.

    Gross floor area per resident always covers the group-owned buildings, because the
    national figure it is compared with has that basis.
    """
    chosen = select_buildings(facts, building_set, home_municipality)
    basis = building_set.value
    owned = select_buildings(facts, BuildingSet.GROUP_OWNED, home_municipality)
    values = _BuildingValues(valuation_year, cost_index)

    indicators = (
        _count_by(chosen, basis, MAIN_CLASS_SCHEME, _class_key),
        _area_by(chosen, basis, "gross_floor_area", MAIN_CLASS_SCHEME, _class_key),
        _area_per_resident(owned, resident_population),
        _count_by(chosen, basis, RYHTI_MAIN_PURPOSE_OPEN, _ryhti_open_key),
        _area_by(chosen, basis, "gross_floor_area", RYHTI_MAIN_PURPOSE_OPEN, _ryhti_open_key),
        _count_by(chosen, basis, DVV_OPEN_USE_CLASS, _dvv_open_key),
        _count_by(chosen, basis, COMPLETION_DECADE, _decade_key),
        _area_by(chosen, basis, "gross_floor_area", COMPLETION_DECADE, _decade_key),
        _area_by(chosen, basis, "condition_class_floor_area", CONDITION_CLASS, _condition_key),
        values.technical_value(chosen, basis),
        values.repair_figure(chosen, basis, "repair_liability", formulas.repair_liability),
        values.repair_figure(chosen, basis, "repair_debt", formulas.repair_debt),
        values.repair_debt_per_area(chosen, basis),
        _maintenance_cost(chosen, basis),
        _utilisation_rate(chosen, basis),
        _vacant_area(chosen, basis),
        _indoor_air_share(chosen, basis),
        _area_by(
            chosen,
            basis,
            "heating_energy_source_floor_area",
            HEATING_ENERGY_SOURCE,
            _energy_key,
        ),
    )
    return IndicatorReport(building_set, len(chosen), valuation_year, indicators)


def _class_key(facts: BuildingFacts) -> str | None:
    return facts.main_class


def _ryhti_open_key(facts: BuildingFacts) -> str | None:
    # Own buildings are grouped through tilaapp's crosswalk even where Ryhti gave the
    # building a coarse class of its own, so that every building is grouped one way.
    if facts.building_class is None:
        return None
    return open_data_class(RYHTI_MAIN_PURPOSE_OPEN, facts.building_class)


def _dvv_open_key(facts: BuildingFacts) -> str | None:
    if facts.building_class is None:
        return None
    return open_data_class(DVV_OPEN_USE_CLASS, facts.building_class)


def _decade_key(facts: BuildingFacts) -> str | None:
    if facts.completion_year is None:
        return None
    return str(formulas.completion_decade(facts.completion_year))


def _condition_key(facts: BuildingFacts) -> str | None:
    return None if facts.condition_class is None else str(facts.condition_class)


def _energy_key(facts: BuildingFacts) -> str | None:
    return facts.heating_energy_source


def _count_by(
    chosen: Sequence[BuildingFacts],
    basis: str,
    grouping: str,
    key: Callable[[BuildingFacts], str | None],
) -> Indicator:
    counts = Counter(key(each) or UNKNOWN for each in chosen)
    return Indicator(
        "building_count",
        BUILDINGS,
        basis,
        Decimal(len(chosen)),
        missing_count=counts.get(UNKNOWN, 0),
        grouping=grouping,
        groups={group: Decimal(count) for group, count in sorted(counts.items())},
    )


def _area_by(
    chosen: Sequence[BuildingFacts],
    basis: str,
    indicator: str,
    grouping: str,
    key: Callable[[BuildingFacts], str | None],
) -> Indicator:
    """Sum the gross floor area by group.

    The value is the area of the buildings with a known group, except for the plain
    ``gross_floor_area``, whose value is the whole area. Missing are the buildings
    without an area, and for the other indicators also those without a group.
    """
    groups: dict[str, Decimal] = {}
    missing = 0
    for each in chosen:
        group = key(each) or UNKNOWN
        if each.gross_floor_area is None:
            missing += 1
            continue
        groups[group] = groups.get(group, Decimal(0)) + each.gross_floor_area
        if group == UNKNOWN and indicator != "gross_floor_area":
            missing += 1

    counted = [
        area
        for group, area in groups.items()
        if indicator == "gross_floor_area" or group != UNKNOWN
    ]
    value = sum(counted, Decimal(0)) if counted else None
    return Indicator(
        indicator,
        SQUARE_METRES,
        basis,
        value,
        missing_count=missing,
        grouping=grouping,
        groups=dict(sorted(groups.items())),
    )


def _area_per_resident(
    owned: Sequence[BuildingFacts], resident_population: Population | None
) -> Indicator:
    areas = [each.gross_floor_area for each in owned if each.gross_floor_area is not None]
    missing = len(owned) - len(areas)
    if resident_population is None or resident_population.population <= 0 or not areas:
        return Indicator(
            "gross_floor_area_per_resident",
            SQUARE_METRES_PER_RESIDENT,
            BuildingSet.GROUP_OWNED.value,
            None,
            missing_count=missing,
        )

    total = sum(areas, Decimal(0))
    return Indicator(
        "gross_floor_area_per_resident",
        SQUARE_METRES_PER_RESIDENT,
        BuildingSet.GROUP_OWNED.value,
        formulas.ratio(total, Decimal(resident_population.population)),
        missing_count=missing,
        year=resident_population.year,
        source=resident_population.source,
        source_translations=resident_population.source_translations(),
    )


def _maintenance_cost(chosen: Sequence[BuildingFacts], basis: str) -> Indicator:
    pairs = [
        (each.maintenance_cost_per_year, each.gross_floor_area)
        for each in chosen
        if each.maintenance_cost_per_year is not None and each.gross_floor_area
    ]
    cost = sum((pair[0] for pair in pairs), Decimal(0))
    area = sum((pair[1] for pair in pairs), Decimal(0))
    return Indicator(
        "maintenance_cost_per_floor_area",
        EUROS_PER_SQUARE_METRE_MONTH,
        basis,
        formulas.monthly_cost_per_area(cost, area) if pairs else None,
        missing_count=len(chosen) - len(pairs),
    )


def _rated(chosen: Sequence[BuildingFacts]) -> list[tuple[Decimal, Decimal]]:
    """Return (utilisation percent, area) of the buildings that have both."""
    return [
        (each.utilisation_rate, each.gross_floor_area)
        for each in chosen
        if each.utilisation_rate is not None and each.gross_floor_area is not None
    ]


def _utilisation_rate(chosen: Sequence[BuildingFacts], basis: str) -> Indicator:
    rated = _rated(chosen)
    used = sum((rate * area for rate, area in rated), Decimal(0))
    area = sum((pair[1] for pair in rated), Decimal(0))
    return Indicator(
        "utilisation_rate",
        PERCENT,
        basis,
        formulas.ratio(used, area) if area else None,
        missing_count=len(chosen) - len(rated),
    )


def _vacant_area(chosen: Sequence[BuildingFacts], basis: str) -> Indicator:
    rated = _rated(chosen)
    vacant = sum(
        (area * (formulas.PERCENT - rate) / formulas.PERCENT for rate, area in rated), Decimal(0)
    )
    return Indicator(
        "vacant_floor_area",
        SQUARE_METRES,
        basis,
        vacant if rated else None,
        missing_count=len(chosen) - len(rated),
    )


def _indoor_air_share(chosen: Sequence[BuildingFacts], basis: str) -> Indicator:
    known = [
        each
        for each in chosen
        if each.indoor_air_problems is not None and each.gross_floor_area is not None
    ]
    area = sum((each.gross_floor_area or Decimal(0) for each in known), Decimal(0))
    affected = sum(
        (each.gross_floor_area or Decimal(0) for each in known if each.indoor_air_problems),
        Decimal(0),
    )
    return Indicator(
        "indoor_air_problem_share",
        PERCENT,
        basis,
        formulas.share_percent(affected, area) if area else None,
        missing_count=len(chosen) - len(known),
    )


class _BuildingValues:
    """Technical values and the Kunkor repair figures of buildings in one valuation year."""

    def __init__(self, valuation_year: int, cost_index: Mapping[int, CostIndexValue]) -> None:
        self.valuation_year = valuation_year
        self.cost_index = cost_index
        earlier = [year for year in cost_index if year <= valuation_year]
        self.index_year = max(earlier) if earlier else None

    def building_value(self, facts: BuildingFacts) -> Decimal | None:
        """Return the technical value from the replacement cost, else from the indexed
        acquisition cost, or None when neither can be computed."""
        if facts.completion_year is None:
            return None
        cost = facts.replacement_cost
        if cost is None:
            cost = self._indexed_acquisition_cost(facts)
        if cost is None:
            return None
        return formulas.technical_value(cost, facts.completion_year, self.valuation_year)

    def _indexed_acquisition_cost(self, facts: BuildingFacts) -> Decimal | None:
        if facts.acquisition_cost is None or facts.acquisition_year is None:
            return None
        acquired = self.cost_index.get(facts.acquisition_year)
        if acquired is None or self.index_year is None:
            return None
        current = self.cost_index[self.index_year]
        return formulas.indexed_cost(
            facts.acquisition_cost, acquired.index_value, current.index_value
        )

    def technical_value(self, chosen: Sequence[BuildingFacts], basis: str) -> Indicator:
        values = [value for value in map(self.building_value, chosen) if value is not None]
        used_index = any(
            each.replacement_cost is None and self.building_value(each) is not None
            for each in chosen
        )
        source = None
        if used_index and self.index_year is not None:
            source = self.cost_index[self.index_year].source
        return Indicator(
            "technical_value",
            EUROS,
            basis,
            sum(values, Decimal(0)) if values else None,
            missing_count=len(chosen) - len(values),
            year=self.valuation_year,
            source=source,
        )

    def _repair_values(
        self, chosen: Sequence[BuildingFacts], formula: Callable[[Decimal, Decimal], Decimal]
    ) -> list[tuple[BuildingFacts, Decimal]]:
        """Return each building with a replacement cost and completion year, with its figure.

        The Kunkor model compares the technical value with the replacement cost, so a
        building known only by its acquisition cost has no repair figures.
        """
        found: list[tuple[BuildingFacts, Decimal]] = []
        for each in chosen:
            if each.replacement_cost is None or each.completion_year is None:
                continue
            value = formulas.technical_value(
                each.replacement_cost, each.completion_year, self.valuation_year
            )
            found.append((each, formula(each.replacement_cost, value)))
        return found

    def repair_figure(
        self,
        chosen: Sequence[BuildingFacts],
        basis: str,
        indicator: str,
        formula: Callable[[Decimal, Decimal], Decimal],
    ) -> Indicator:
        found = self._repair_values(chosen, formula)
        return Indicator(
            indicator,
            EUROS,
            basis,
            sum((figure for _, figure in found), Decimal(0)) if found else None,
            missing_count=len(chosen) - len(found),
            year=self.valuation_year,
        )

    def repair_debt_per_area(self, chosen: Sequence[BuildingFacts], basis: str) -> Indicator:
        found = [
            (figure, each.gross_floor_area)
            for each, figure in self._repair_values(chosen, formulas.repair_debt)
            if each.gross_floor_area
        ]
        debt = sum((pair[0] for pair in found), Decimal(0))
        area = sum((pair[1] for pair in found), Decimal(0))
        return Indicator(
            "repair_debt_per_floor_area",
            EUROS_PER_SQUARE_METRE,
            basis,
            formulas.ratio(debt, area) if found else None,
            missing_count=len(chosen) - len(found),
            year=self.valuation_year,
        )


# The buildings behind a figure

GROUP_KEYS: dict[str, Callable[[BuildingFacts], str | None]] = {
    MAIN_CLASS_SCHEME: _class_key,
    RYHTI_MAIN_PURPOSE_OPEN: _ryhti_open_key,
    DVV_OPEN_USE_CLASS: _dvv_open_key,
    COMPLETION_DECADE: _decade_key,
    CONDITION_CLASS: _condition_key,
    HEATING_ENERGY_SOURCE: _energy_key,
}
"""The group key of a building for each grouping of ``compute_indicators``."""

COUNTED_INDICATORS = frozenset({"building_count"})
"""Indicators that count every building of a group; the others sum gross floor area."""


def buildings_behind(
    facts: Iterable[BuildingFacts],
    *,
    building_set: BuildingSet,
    home_municipality: str | None,
    indicator: str,
    grouping: str | None = None,
    group: str | None = None,
) -> list[int]:
    """Return the ids of the buildings that an indicator counts in one group, in id order.

    ``group`` is a key of ``Indicator.groups`` (``unknown`` included) and needs
    ``grouping``; without a group, every building the indicator counts is returned.
    Area indicators count only buildings with a gross floor area, so the areas of the
    returned buildings add up to the group's value. Gross floor area per resident
    always covers the group-owned buildings, as ``compute_indicators`` computes it.
    """
    if indicator == "gross_floor_area_per_resident":
        building_set = BuildingSet.GROUP_OWNED
    chosen = select_buildings(facts, building_set, home_municipality)
    if indicator not in COUNTED_INDICATORS:
        chosen = [each for each in chosen if each.gross_floor_area is not None]
    if group is None:
        return [each.building_id for each in chosen]
    if grouping is None:
        raise ValueError(f"group {group!r} needs a grouping")

    key = GROUP_KEYS[grouping]
    return [each.building_id for each in chosen if (key(each) or UNKNOWN) == group]


# Reading the database


def read_building_facts(session: Session) -> list[BuildingFacts]:
    """Return the facts of every stored building. The register list must be complete."""
    local = {row.building_id: row for row in session.scalars(select(LocalValue))}
    energy = _heating_energy_sources(session)
    facts: list[BuildingFacts] = []
    for entry in session.scalars(select(ListEntry).order_by(ListEntry.building_id)):
        own = local.get(entry.building_id)
        own_energy = own.heating_energy_source if own is not None else None
        facts.append(
            BuildingFacts(
                building_id=entry.building_id,
                gross_floor_area=entry.gross_floor_area,
                main_class=main_class_2018(entry.building_class_2018)
                if entry.building_class_2018
                else None,
                building_class=entry.building_class_2018 or None,
                completion_year=entry.completion_date.year if entry.completion_date else None,
                condition_class=own.condition_class if own else None,
                utilisation_rate=own.utilisation_rate if own else None,
                indoor_air_problems=own.indoor_air_problems if own else None,
                replacement_cost=own.replacement_cost if own else None,
                acquisition_cost=own.acquisition_cost if own else None,
                acquisition_year=own.acquisition_year if own else None,
                maintenance_cost_per_year=own.maintenance_cost_per_year if own else None,
                heating_energy_source=own_energy or energy.get(entry.building_id),
                in_portfolio=entry.in_portfolio,
                tenure=entry.tenure,
                municipality_number=entry.municipality_number,
            )
        )
    return facts


def _heating_energy_sources(session: Session) -> dict[int, str]:
    """Return each building's register value in use of the heating energy source, as a
    code of Ryhti's list. A DVV code without a Ryhti counterpart is left out."""
    rows = session.execute(
        select(
            RegisterValue.building_id,
            RegisterValue.source,
            RegisterValue.batch_id,
            RegisterValue.extraction_date,
            RegisterValue.is_present,
            RegisterValue.heating_energy_source,
        ).where(RegisterValue.heating_energy_source.is_not(None))
    )
    entries: dict[int, list[RegisterEntry]] = {}
    for building_id, source, batch_id, extraction_date, is_present, code in rows:
        entries.setdefault(building_id, []).append(
            RegisterEntry(source, code, batch_id, extraction_date, is_present)
        )

    codes: dict[int, str] = {}
    for building_id, building_entries in entries.items():
        chosen = choose_register_entry(building_entries)
        code = _ryhti_energy_code(chosen) if chosen is not None else None
        if code is not None:
            codes[building_id] = code
    return codes


def _ryhti_energy_code(entry: RegisterEntry) -> str | None:
    list_id = FIELDS_BY_NAME["heating_energy_source"].code_lists.get(entry.source)
    if list_id is None or list_id == FIELDS_BY_NAME["heating_energy_source"].code_lists[LOCAL]:
        return str(entry.value)
    mapped = map_dvv_to_ryhti(list_id, entry.value)
    return mapped[1] if mapped is not None else None


class IndicatorService:
    """Computes the indicators of a database's buildings."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def compute(
        self,
        building_set: BuildingSet = BuildingSet.PORTFOLIO,
        *,
        valuation_year: int | None = None,
        resident_population: Population | None = None,
    ) -> IndicatorReport:
        """Compute every indicator of ``building_set``.

        ``valuation_year`` defaults to the current year. ``resident_population`` defaults
        to the bundled population figure of the home municipality; without either, the
        per-resident figure has no value.
        """
        with self.database.session() as session:
            ensure_list(session)
        year = valuation_year if valuation_year is not None else datetime.date.today().year

        with self.database.read_session() as session:
            info = session.get(DatabaseInfo, 1)
            home = info.home_municipality_code if info is not None else None
            facts = read_building_facts(session)
            cost_index = read_cost_index(session)

        if resident_population is None and home is not None:
            resident_population = population(home)
        report = compute_indicators(
            facts,
            building_set=building_set,
            home_municipality=home,
            valuation_year=year,
            resident_population=resident_population,
            cost_index=cost_index,
        )
        log.info(
            "Computed %d indicators of %d buildings (%s, valuation year %d)",
            len(report.indicators),
            report.building_count,
            building_set.value,
            year,
        )
        return report

    def building_ids(
        self,
        building_set: BuildingSet,
        indicator: str,
        *,
        grouping: str | None = None,
        group: str | None = None,
    ) -> list[int]:
        """Return the ids of the buildings behind one group of an indicator.

        The arguments and the result are those of ``buildings_behind``.
        """
        with self.database.session() as session:
            ensure_list(session)
        with self.database.read_session() as session:
            info = session.get(DatabaseInfo, 1)
            home = info.home_municipality_code if info is not None else None
            facts = read_building_facts(session)
        return buildings_behind(
            facts,
            building_set=building_set,
            home_municipality=home,
            indicator=indicator,
            grouping=grouping,
            group=group,
        )
