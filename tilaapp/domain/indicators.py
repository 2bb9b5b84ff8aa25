"""Formulas of the premises-management indicators, on exact Decimal values.

Technical value (tekninen arvo) follows Government Decree 272/2022: the cost at today's
price level minus wear of 1.75 % a year from commissioning, the wear capped at 70 %.
Repair liability (korjausvastuu) and repair debt (korjausvelka) follow Kuntaliitto's
Kunkor model: liability is replacement cost minus technical value, and debt is 75 % of
replacement cost minus technical value, never below zero.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from tilaapp.i18n import N_, gettext

# Government Decree 272/2022: yearly wear and its cap, as shares of the cost.
WEAR_PER_YEAR = Decimal("0.0175")
WEAR_CAP = Decimal("0.70")
# Kunkor: a building whose technical value is below this share of its replacement cost
# carries repair debt.
REPAIR_DEBT_THRESHOLD = Decimal("0.75")
# The fixed conversion rate of the markka, set by the Council of the European Union.
MARKKA_PER_EURO = Decimal("5.94573")
MONTHS_PER_YEAR = 12
PERCENT = Decimal(100)

# Ratios (per resident, per m², shares) are rounded half to even to this many decimals,
# because most quotients have no finite decimal expansion. Sums stay exact.
RATIO_PLACES = 6
_RATIO_QUANTUM = Decimal(1).scaleb(-RATIO_PLACES)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Divide and round to ``RATIO_PLACES`` decimals. Raises ZeroDivisionError for 0."""
    if denominator == 0:
        raise ZeroDivisionError("ratio with a zero denominator")
    return (numerator / denominator).quantize(_RATIO_QUANTUM, rounding=ROUND_HALF_EVEN)


def completion_decade(year: int) -> int:
    """Return the first year of the decade of ``year``: 1960 for 1960-1969."""
    return year - year % 10


def wear_share(completion_year: int, valuation_year: int) -> Decimal:
    """Return the worn share of the cost: 1.75 % a year since completion, at most 70 %.

    A building completed in the valuation year or later has no wear.
    """
    age = max(0, valuation_year - completion_year)
    return min(WEAR_PER_YEAR * age, WEAR_CAP)


def technical_value(cost: Decimal, completion_year: int, valuation_year: int) -> Decimal:
    """Return the technical value of a building whose cost at today's price level is ``cost``."""
    return cost * (1 - wear_share(completion_year, valuation_year))


def indexed_cost(acquisition_cost: Decimal, acquisition_index: Decimal, index: Decimal) -> Decimal:
    """Return the acquisition cost at the price level of ``index``.

    Both index values are points of one building-cost index series. Raises ValueError
    when ``acquisition_index`` is not positive.
    """
    if acquisition_index <= 0:
        raise ValueError(f"index value must be positive, got {acquisition_index}")
    return acquisition_cost * index / acquisition_index


def markka_to_euro(markka: Decimal) -> Decimal:
    """Convert markka to euros at the fixed rate, rounded half to even to cents."""
    return (markka / MARKKA_PER_EURO).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def repair_liability(replacement_cost: Decimal, value: Decimal) -> Decimal:
    """Return the Kunkor repair liability: replacement cost minus technical value."""
    return replacement_cost - value


def repair_debt(replacement_cost: Decimal, value: Decimal) -> Decimal:
    """Return the Kunkor repair debt: 75 % of replacement cost minus technical value, at least 0."""
    return max(Decimal(0), REPAIR_DEBT_THRESHOLD * replacement_cost - value)


def monthly_cost_per_area(cost_per_year: Decimal, area: Decimal) -> Decimal:
    """Return a yearly cost as euros per m² per month."""
    return ratio(cost_per_year, area * MONTHS_PER_YEAR)


def share_percent(part: Decimal, whole: Decimal) -> Decimal:
    """Return ``part`` as a percentage of ``whole``."""
    return ratio(part * PERCENT, whole)


# Names of the indicators and their bases for people; the ids stay in files and JSON.
INDICATOR_LABELS: dict[str, str] = {
    "building_count": N_("Number of buildings"),
    "gross_floor_area": N_("Gross floor area"),
    "gross_floor_area_per_resident": N_("Gross floor area per resident"),
    "condition_class_floor_area": N_("Gross floor area by condition class"),
    "technical_value": N_("Technical value"),
    "repair_liability": N_("Repair liability"),
    "repair_debt": N_("Repair debt"),
    "repair_debt_per_floor_area": N_("Repair debt per square metre"),
    "maintenance_cost_per_floor_area": N_("Maintenance cost per square metre and month"),
    "utilisation_rate": N_("Utilisation rate"),
    "vacant_floor_area": N_("Vacant floor area"),
    "indoor_air_problem_share": N_("Share of floor area with indoor-air problems"),
    "heating_energy_source_floor_area": N_("Gross floor area by heating energy source"),
}
# The five-step scale of Finnish building condition assessments (kuntoarvio), best last.
CONDITION_CLASS_NAMES: dict[int, str] = {
    1: N_("poor"),
    2: N_("passable"),
    3: N_("satisfactory"),
    4: N_("good"),
    5: N_("excellent"),
}
BASIS_LABELS: dict[str, str] = {
    "all_buildings": N_("all buildings"),
    "group_owned": N_("owned by the municipal group, leased space excluded"),
    "portfolio": N_("portfolio"),
}


def indicator_label(indicator: str) -> str:
    """Return the translated name of an indicator id, or the id when it has none."""
    label = INDICATOR_LABELS.get(indicator)
    return gettext(label) if label is not None else indicator


def basis_label(basis: str | None) -> str:
    label = BASIS_LABELS.get(basis or "")
    return gettext(label) if label is not None else (basis or "")
