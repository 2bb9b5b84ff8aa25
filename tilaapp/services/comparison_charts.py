"""The figures of the comparison charts, computed from a comparison without Qt.

The desktop comparison view plots exactly these figures, and ``tilaapp compare --json``
prints them, so both show the same numbers. Each chart has one basis. A distribution
chart pairs the municipality's own figures only with reference figures of the same
indicator, unit, basis and grouping. A chart by class uses the 2018 main classes unless
the reference has figures of its indicator and basis only in a coarse open-data list.
In that case the own buildings are grouped into that list through tilaapp's own
crosswalk. A
country and a municipality differ in size by orders of magnitude, so once a reference
series exists, every series is plotted as the share of its known total in percent.
The absolute figures stay beside the shares.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from tilaapp.domain import indicators as formulas
from tilaapp.domain.codelists import (
    DVV_OPEN_USE_CLASS,
    OPEN_DATA_CLASS_SCHEMES,
    RYHTI_MAIN_PURPOSE_OPEN,
    code_name,
    main_class_name,
)
from tilaapp.domain.indicators import CONDITION_CLASS_NAMES, basis_label
from tilaapp.domain.municipalities import municipality_name, population
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext, text_in_current_language
from tilaapp.services.comparison import POPULATION, Comparison
from tilaapp.services.indicators import (
    COMPLETION_DECADE,
    CONDITION_CLASS,
    MAIN_CLASS_SCHEME,
    UNKNOWN,
    Indicator,
    IndicatorReport,
)
from tilaapp.services.reference import GROUP_OWNED, NATIONAL, Figure

log = logging.getLogger(__name__)

OWN = "own"
PEERS = "peers"
OTHER = "other"
TOTAL_GROUP = "total"
"""The one group of a chart of totals, whose bars are the compared areas."""

SHARE_UNIT = "%"
PER_RESIDENT = "gross_floor_area_per_resident"
CONDITION_CLASSES = ("1", "2", "3", "4", "5")

BAR_CHARTS = (
    # chart id, indicator, grouping
    ("building_count_by_class", "building_count", MAIN_CLASS_SCHEME),
    ("gross_floor_area_by_class", "gross_floor_area", MAIN_CLASS_SCHEME),
    ("building_count_by_decade", "building_count", COMPLETION_DECADE),
    ("condition_class_floor_area", "condition_class_floor_area", CONDITION_CLASS),
)
CLASS_SCHEMES = (MAIN_CLASS_SCHEME, RYHTI_MAIN_PURPOSE_OPEN, DVV_OPEN_USE_CLASS)
"""The class schemes of the charts by class, in order of preference: the 2018 main
classes need no crosswalk, and Ryhti's open list has more classes than DVV's."""
PER_RESIDENT_CHART = "gross_floor_area_per_resident"
SCATTER_CHART = "gross_floor_area_per_resident_by_population"


@dataclass(frozen=True)
class BarSeries:
    """The bars of one compared area: the municipality's own figures or a reference."""

    role: str
    """``own``, ``national`` or ``peers``."""
    area: str
    """The home municipality's code, ``national``, or ``peers``."""
    found: bool
    """False when the reference has no figure of this chart's indicator and basis."""
    values: Mapping[str, Decimal] = field(default_factory=dict)
    """The plotted value of each group: a share in percent or the figure itself."""
    figures: Mapping[str, Decimal] = field(default_factory=dict)
    """The figure of each group, in the chart's ``figure_unit``."""
    year: int | None = None
    source: str | None = None
    peers_found: int = 0
    """Peers whose figures the peer series adds up (peer series only)."""
    source_translations: Mapping[str, str] = field(default_factory=dict)
    """``source`` in other languages by language code, where the reference gives them."""


@dataclass(frozen=True)
class BarChart:
    chart: str
    indicator: str
    grouping: str | None
    """The grouping of ``Indicator.groups``, or None for a chart of totals."""
    basis: str
    unit: str
    """The unit of the plotted values: ``%`` for shares, else ``figure_unit``."""
    figure_unit: str
    groups: tuple[str, ...]
    """Group keys in plot order; ``total`` alone in a chart of totals."""
    series: tuple[BarSeries, ...]
    """The own series first, then the national and the peer series."""
    missing_count: int
    """Buildings of the basis that lack the data this chart needs."""

    @property
    def is_share(self) -> bool:
        return self.unit == SHARE_UNIT and self.figure_unit != SHARE_UNIT


@dataclass(frozen=True)
class ScatterPoint:
    municipality: str
    population: int
    value: Decimal
    role: str
    """``own``, ``peers`` or ``other``."""


@dataclass(frozen=True)
class ScatterChart:
    chart: str
    indicator: str
    basis: str
    unit: str
    points: tuple[ScatterPoint, ...]
    """Every municipality with a figure and a population; empty when no other
    municipality than the home one has a figure."""
    population_year: int | None
    """The newest year of the populations of the points, or None without points."""


@dataclass(frozen=True)
class ComparisonCharts:
    home_municipality: str | None
    peers: tuple[str, ...]
    bar_charts: tuple[BarChart, ...]
    scatter: ScatterChart

    def find(self, chart: str, basis: str) -> BarChart:
        """Return the bar chart ``chart`` of ``basis``; raise KeyError if there is none."""
        for each in self.bar_charts:
            if each.chart == chart and each.basis == basis:
                return each
        raise KeyError(f"no chart {chart!r} with basis {basis!r}")


def comparison_charts(comparison: Comparison) -> ComparisonCharts:
    """Compute every chart of ``comparison``: the distributions for each compared basis,
    then gross floor area per resident and its scatter against population."""
    figures = comparison.reference.figures
    home = comparison.home_municipality
    bar_charts = [
        _distribution_chart(report, chart, indicator, grouping, figures, home, comparison.peers)
        for report in comparison.reports
        for chart, indicator, grouping in BAR_CHARTS
    ]
    per_resident = _own_per_resident(comparison.reports)
    populations = _populations(figures)
    bar_charts.append(
        _per_resident_chart(per_resident, figures, home, comparison.peers, populations)
    )
    scatter = _scatter_chart(per_resident, figures, home, comparison.peers, populations)
    log.info(
        "Computed %d comparison charts and a scatter of %d municipalities",
        len(bar_charts),
        len(scatter.points),
    )
    return ComparisonCharts(home, comparison.peers, tuple(bar_charts), scatter)


# Distributions


def _distribution_chart(
    report: IndicatorReport,
    chart: str,
    indicator: str,
    grouping: str,
    figures: Sequence[Figure],
    home: str | None,
    peers: Sequence[str],
) -> BarChart:
    if grouping == MAIN_CLASS_SCHEME:
        grouping = _class_scheme(report, indicator, figures, [NATIONAL, *peers])
    own = report.find(indicator, grouping)
    basis = own.basis
    own_figures = {key: value for key, value in own.groups.items() if key != UNKNOWN}
    references = [
        _reference_series(NATIONAL, [NATIONAL], own, grouping, figures),
    ]
    if peers:
        references.append(_reference_series(PEERS, list(peers), own, grouping, figures))

    groups = _group_order(grouping, [own_figures, *(each.figures for each in references)])
    found = [each for each in references if each.found]
    own_series = BarSeries(OWN, home or OWN, True, figures=_filled(own_figures, groups))
    series = [own_series, *references]
    if found:
        series = [_with_shares(each, groups) for each in series]
        unit = SHARE_UNIT
    else:
        series = [_with_values(each) for each in series]
        unit = own.unit
    return BarChart(
        chart, indicator, grouping, basis, unit, own.unit, groups, tuple(series), own.missing_count
    )


def _class_scheme(
    report: IndicatorReport, indicator: str, figures: Sequence[Figure], areas: Sequence[str]
) -> str:
    """Return the first scheme of ``CLASS_SCHEMES`` with reference figures by class.

    The figures must be of ``indicator`` for one of ``areas``, with the unit and basis of
    the report's own figures. Without such figures the scheme is the 2018 main classes.
    """
    for scheme in CLASS_SCHEMES:
        try:
            own = report.find(indicator, scheme)
        except KeyError:
            # DVV's open file gives no floor areas, so no own figure is grouped by it.
            continue
        expected_key = (own.indicator, own.unit, own.basis, scheme)
        for figure in figures:
            found = (figure.indicator, figure.unit, figure.basis, figure.class_scheme)
            if found == expected_key and figure.municipality in areas and figure.class_code:
                return scheme
    return MAIN_CLASS_SCHEME


def _reference_series(
    role: str,
    areas: Sequence[str],
    own: Indicator,
    grouping: str,
    figures: Sequence[Figure],
) -> BarSeries:
    """Add up the reference figures of ``areas`` by group; an area without any is skipped."""
    by_area: dict[str, dict[str, Figure]] = {}
    for figure in figures:
        group = _figure_group(figure, grouping)
        if group is None or figure.municipality not in areas:
            continue
        if (figure.indicator, figure.unit, figure.basis) != (own.indicator, own.unit, own.basis):
            continue
        figures_by_group = by_area.setdefault(figure.municipality, {})
        earlier = figures_by_group.get(group)
        if earlier is None or figure.year >= earlier.year:
            figures_by_group[group] = figure

    area = NATIONAL if role == NATIONAL else PEERS
    if not by_area:
        return BarSeries(role, area, False)
    totals: dict[str, Decimal] = {}
    for figures_by_group in by_area.values():
        for group, figure in figures_by_group.items():
            totals[group] = totals.get(group, Decimal(0)) + figure.value
    chosen = [
        figure for figures_by_group in by_area.values() for figure in figures_by_group.values()
    ]
    newest = max(chosen, key=lambda figure: figure.year)
    return BarSeries(
        role,
        area,
        True,
        figures=totals,
        year=newest.year,
        source=newest.source,
        peers_found=len(by_area) if role == PEERS else 0,
        source_translations=newest.source_translations(),
    )


def _figure_group(figure: Figure, grouping: str) -> str | None:
    """Return the group of a reference figure in ``grouping``, or None if it has another."""
    if grouping in CLASS_SCHEMES:
        if figure.class_scheme != grouping or figure.completion_decade is not None:
            return None
        return figure.class_code
    if grouping == COMPLETION_DECADE:
        if figure.class_code is not None or figure.completion_decade is None:
            return None
        return str(figure.completion_decade)
    # Reference files have no scheme for condition classes.
    return None


def _group_order(grouping: str, group_sets: Iterable[Mapping[str, Decimal]]) -> tuple[str, ...]:
    keys = {key for groups in group_sets for key in groups if key != UNKNOWN}
    if grouping == CONDITION_CLASS:
        return CONDITION_CLASSES
    if grouping == COMPLETION_DECADE and keys:
        decades = [int(key) for key in keys]
        # A histogram shows the empty decades between the first and the last too.
        return tuple(str(year) for year in range(min(decades), max(decades) + 10, 10))
    return tuple(sorted(keys))


def _filled(values: Mapping[str, Decimal], groups: Sequence[str]) -> dict[str, Decimal]:
    return {group: values.get(group, Decimal(0)) for group in groups}


def _with_values(series: BarSeries) -> BarSeries:
    return BarSeries(
        series.role,
        series.area,
        series.found,
        values=dict(series.figures),
        figures=series.figures,
        year=series.year,
        source=series.source,
        peers_found=series.peers_found,
        source_translations=series.source_translations,
    )


def _with_shares(series: BarSeries, groups: Sequence[str]) -> BarSeries:
    figures = _filled(series.figures, groups) if series.found else {}
    total = sum(figures.values(), Decimal(0))
    shares = {
        group: formulas.share_percent(value, total) if total else Decimal(0)
        for group, value in figures.items()
    }
    return BarSeries(
        series.role,
        series.area,
        series.found,
        values=shares,
        figures=figures,
        year=series.year,
        source=series.source,
        peers_found=series.peers_found,
        source_translations=series.source_translations,
    )


# Gross floor area per resident


def _own_per_resident(reports: Sequence[IndicatorReport]) -> Indicator | None:
    for report in reports:
        try:
            return report.find(PER_RESIDENT)
        except KeyError:
            continue
    return None


def _populations(figures: Sequence[Figure]) -> dict[str, Figure]:
    """Return the newest reference population of each municipality."""
    found: dict[str, Figure] = {}
    for figure in figures:
        if figure.indicator != POPULATION or figure.basis is not None:
            continue
        if figure.class_code is not None or figure.completion_decade is not None:
            continue
        earlier = found.get(figure.municipality)
        if earlier is None or figure.year >= earlier.year:
            found[figure.municipality] = figure
    return found


def _per_resident_figures(figures: Sequence[Figure]) -> dict[str, Figure]:
    """Return the newest total gross floor area per resident of each area, basis group_owned."""
    found: dict[str, Figure] = {}
    for figure in figures:
        if (figure.indicator, figure.basis, figure.unit) != (
            PER_RESIDENT,
            GROUP_OWNED,
            "m²/resident",
        ):
            continue
        if figure.class_code is not None or figure.completion_decade is not None:
            continue
        earlier = found.get(figure.municipality)
        if earlier is None or figure.year >= earlier.year:
            found[figure.municipality] = figure
    return found


def _population_of(code: str, populations: Mapping[str, Figure]) -> tuple[int, int] | None:
    """Return the reference population of ``code`` and its year, else the bundled ones."""
    figure = populations.get(code)
    if figure is not None:
        return int(figure.value), figure.year
    bundled = population(code)
    return (bundled.population, bundled.year) if bundled is not None else None


def _per_resident_chart(
    own: Indicator | None,
    figures: Sequence[Figure],
    home: str | None,
    peers: Sequence[str],
    populations: Mapping[str, Figure],
) -> BarChart:
    unit = "m²/resident"
    reference = _per_resident_figures(figures)
    own_found = own is not None and own.value is not None
    series = [
        BarSeries(
            OWN,
            home or OWN,
            own_found,
            values=_total(own.value if own is not None else None),
            figures=_total(own.value if own is not None else None),
            year=own.year if own is not None else None,
            source=own.source if own is not None else None,
            source_translations=own.source_translations if own is not None else {},
        ),
        _reference_total(NATIONAL, reference.get(NATIONAL)),
    ]
    if peers:
        series.append(_peer_mean(peers, reference, populations))
    return BarChart(
        PER_RESIDENT_CHART,
        PER_RESIDENT,
        None,
        GROUP_OWNED,
        unit,
        unit,
        (TOTAL_GROUP,),
        tuple(series),
        own.missing_count if own is not None else 0,
    )


def _total(value: Decimal | None) -> dict[str, Decimal]:
    return {TOTAL_GROUP: value} if value is not None else {}


def _reference_total(role: str, figure: Figure | None) -> BarSeries:
    if figure is None:
        return BarSeries(role, role, False)
    values = _total(figure.value)
    return BarSeries(
        role,
        role,
        True,
        values,
        values,
        figure.year,
        figure.source,
        source_translations=figure.source_translations(),
    )


def _peer_mean(
    peers: Sequence[str], reference: Mapping[str, Figure], populations: Mapping[str, Figure]
) -> BarSeries:
    """Return the peers' gross floor area per resident as one group: the area of all the
    peers with a figure and a population, divided by their residents."""
    area = Decimal(0)
    residents = 0
    counted: list[Figure] = []
    for code in peers:
        figure = reference.get(code)
        found = _population_of(code, populations)
        if figure is None or found is None or found[0] <= 0:
            continue
        area += figure.value * found[0]
        residents += found[0]
        counted.append(figure)
    if not counted:
        return BarSeries(PEERS, PEERS, False)

    values = _total(formulas.ratio(area, Decimal(residents)))
    newest = max(counted, key=lambda figure: figure.year)
    return BarSeries(
        PEERS,
        PEERS,
        True,
        values,
        values,
        newest.year,
        newest.source,
        peers_found=len(counted),
        source_translations=newest.source_translations(),
    )


def _scatter_chart(
    own: Indicator | None,
    figures: Sequence[Figure],
    home: str | None,
    peers: Sequence[str],
    populations: Mapping[str, Figure],
) -> ScatterChart:
    reference = _per_resident_figures(figures)
    peer_set = set(peers)
    points: list[ScatterPoint] = []
    years: set[int] = set()
    for code, figure in sorted(reference.items()):
        if code in (NATIONAL, home):
            continue
        found = _population_of(code, populations)
        if found is None:
            continue
        role = PEERS if code in peer_set else OTHER
        points.append(ScatterPoint(code, found[0], figure.value, role))
        years.add(found[1])

    own_found = _population_of(home, populations) if home is not None else None
    if points and own is not None and own.value is not None and home and own_found:
        points.append(ScatterPoint(home, own_found[0], own.value, OWN))
        years.add(own_found[1])
    return ScatterChart(
        SCATTER_CHART,
        PER_RESIDENT,
        GROUP_OWNED,
        "m²/resident",
        tuple(points),
        max(years) if years else None,
    )


# Texts for people, shared by the view and the workbook export

CHART_TITLES = {
    "building_count_by_class": lambda: _("Number of buildings by main class"),
    "gross_floor_area_by_class": lambda: _("Gross floor area by main class"),
    "building_count_by_decade": lambda: _("Number of buildings by completion decade"),
    "condition_class_floor_area": lambda: _("Gross floor area by condition class"),
    PER_RESIDENT_CHART: lambda: _("Gross floor area per resident"),
    SCATTER_CHART: lambda: _("Gross floor area per resident and population"),
}


COARSE_CHART_TITLES = {
    ("building_count_by_class", RYHTI_MAIN_PURPOSE_OPEN): lambda: _(
        "Number of buildings by main purpose of Ryhti open data"
    ),
    ("gross_floor_area_by_class", RYHTI_MAIN_PURPOSE_OPEN): lambda: _(
        "Gross floor area by main purpose of Ryhti open data"
    ),
    ("building_count_by_class", DVV_OPEN_USE_CLASS): lambda: _(
        "Number of buildings by use class of the DVV open address file"
    ),
}

SCHEME_NAMES = {
    RYHTI_MAIN_PURPOSE_OPEN: lambda: _(
        "the coarse main-purpose list of Ryhti open data (avoin rakennusluokitus)"
    ),
    DVV_OPEN_USE_CLASS: lambda: _("the coarse use class of the DVV open address file"),
}


def chart_title(chart: str) -> str:
    """Return the translated title of a chart id."""
    return CHART_TITLES[chart]()


def chart_heading(chart: BarChart) -> str:
    """Return the translated title of ``chart``, which names a coarse class list it uses."""
    title = COARSE_CHART_TITLES.get((chart.chart, chart.grouping or ""))
    return title() if title is not None else chart_title(chart.chart)


def class_scheme_sentence(chart: BarChart) -> str:
    """Return the sentence that names a coarse class list and the crosswalk, or ''."""
    if chart.grouping not in OPEN_DATA_CLASS_SCHEMES:
        return ""
    return _(
        "Classes: {scheme}. The own buildings are grouped into these classes by their 2018 "
        "building class through tilaapp's own crosswalk, which is not an official key."
    ).format(scheme=SCHEME_NAMES[chart.grouping]())


def basis_sentence(basis: str) -> str:
    """Return the sentence that states a chart's basis."""
    return _("Basis: {basis}.").format(basis=basis_label(basis))


def unit_text(unit: str) -> str:
    """Return a unit of ``docs/indicators.md`` as people write it in the current language."""
    units = {
        "buildings": _("buildings"),
        "m²": "m²",
        "m²/resident": _("m²/resident"),
        SHARE_UNIT: SHARE_UNIT,
    }
    return units.get(unit, unit)


def area_name(area: str) -> str:
    """Return the name of a municipality code or of ``national``."""
    if area == NATIONAL:
        return _("whole country")
    return f"{municipality_name(area)} ({area})"


def series_label(series: BarSeries, peer_count: int) -> str:
    """Return the legend text of a series; ``peer_count`` is the size of the peer group."""
    if series.role == PEERS:
        return ngettext(
            "Peer group ({count} municipality)", "Peer group ({count} municipalities)", peer_count
        ).format(count=peer_count)
    if series.role == NATIONAL:
        return _("Whole country")
    if series.area == OWN:
        return _("Own buildings")
    return area_name(series.area)


def group_label(grouping: str | None, group: str) -> str:
    """Return the axis label of a group key."""
    if grouping == MAIN_CLASS_SCHEME:
        return f"{group} {main_class_name(group)}"
    if grouping in OPEN_DATA_CLASS_SCHEMES:
        return f"{group} {code_name(grouping, group)}"
    if grouping == COMPLETION_DECADE:
        return _("{decade}s").format(decade=group)
    if grouping == CONDITION_CLASS:
        name = CONDITION_CLASS_NAMES.get(int(group))
        return _("{number} {name}").format(number=group, name=_(name)) if name else group
    return group


def missing_sentence(chart: BarChart) -> str:
    """Return the sentence that counts the buildings a chart leaves out, or ''."""
    if chart.missing_count == 0:
        return ""
    return ngettext(
        "No data: {count} building lacks the data of this chart and is not shown.",
        "No data: {count} buildings lack the data of this chart and are not shown.",
        chart.missing_count,
    ).format(count=chart.missing_count)


def not_found_sentence(series: BarSeries, chart: BarChart, peer_count: int) -> str:
    """Return the words shown instead of the bars of a series without reference figures."""
    return _("{area}: no reference figure with the basis {basis}.").format(
        area=series_label(series, peer_count), basis=basis_label(chart.basis)
    )


def share_sentence(chart: BarChart) -> str:
    """Return the sentence that states the bars are shares, or '' for absolute figures."""
    if not chart.is_share:
        return ""
    return _(
        "Each bar is the share of its area's total in percent, so that areas of different "
        "size can be compared."
    )


def source_sentence(series: BarSeries, peer_count: int) -> str:
    """Return the sentence that names the source of a series' figures, or ''."""
    if not series.source:
        return ""
    source = text_in_current_language(series.source, series.source_translations)
    if series.role == OWN:
        # The own figures are computed here; only a per-resident figure has a source,
        # the population it divides by.
        return _("Population: {source} ({year}).").format(source=source, year=series.year)
    return _("{series}: {source} ({year}).").format(
        series=series_label(series, peer_count), source=source, year=series.year
    )


def bar_notes(chart: BarChart, peer_count: int) -> list[str]:
    """Return the sentences shown under a bar chart's basis, '' for each that does not apply.

    The view and the workbook export show the same notes.
    """
    notes = [class_scheme_sentence(chart), share_sentence(chart), missing_sentence(chart)]
    notes += [
        not_found_sentence(each, chart, peer_count) for each in chart.series if not each.found
    ]
    notes += [source_sentence(each, peer_count) for each in chart.series if each.found]
    return notes
