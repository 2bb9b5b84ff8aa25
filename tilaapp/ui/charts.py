"""pyqtgraph plots of the comparison charts. pyqtgraph's API is kept inside this module.

The figures come computed from ``tilaapp.services.comparison_charts``; this module only
draws them. Axis numbers and hover texts go through ``tilaapp.domain.formatting``, so
they follow the chosen language (fi ``1 234,5``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetrics
from PySide6.QtWidgets import QToolTip, QWidget

from tilaapp.domain.formatting import format_decimal
from tilaapp.i18n import gettext as _
from tilaapp.services.comparison_charts import (
    OWN,
    PEERS,
    BarChart,
    ScatterChart,
    ScatterPoint,
    area_name,
    group_label,
    series_label,
    unit_text,
)

log = logging.getLogger(__name__)

# Series colours: own buildings blue, whole country orange, peers green.
SERIES_COLOURS = {OWN: "#0072B2", "national": "#E69F00", PEERS: "#009E73"}
OTHER_POINT_COLOUR = "#999999"
BAR_SPAN = 0.8
"""The share of one group's row that its bars fill together."""
TOTAL_BAR_THICKNESS = 0.6
"""The share of its row that the bar of a chart of totals fills."""

LABELLED_LOG_DIGITS = frozenset({1, 2, 5})

# Decimals of axis numbers and hover texts; figures keep up to six decimals.
AXIS_FRACTION_DIGITS = 2


def _number(value: float | Decimal, fraction_digits: int = AXIS_FRACTION_DIGITS) -> str:
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    return format_decimal(exact, max_fraction_digits=fraction_digits)


class NumberAxis(pg.AxisItem):
    """An axis whose numbers are written as the chosen language writes them."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        digits = max(0, math.ceil(-math.log10(spacing * scale))) if spacing * scale > 0 else 0
        return [_number(round(value * scale, digits), digits) for value in values]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        # In log mode a tick value is the base-10 logarithm of the number it marks. Only
        # 1, 2 and 5 times a power of ten are labelled, so that neighbouring labels have room.
        strings = []
        for value in values:
            number = round(10 ** (value * scale))
            leading = int(str(number)[0]) if number > 0 else 0
            rest = str(number)[1:]
            labelled = leading in LABELLED_LOG_DIGITS and set(rest) <= {"0"}
            strings.append(_number(number) if labelled else "")
        return strings


@dataclass(frozen=True)
class Bar:
    series_index: int
    group: str


class BarChartWidget(pg.PlotWidget):
    """Grouped bars of one ``BarChart``, horizontal or vertical.

    Signals:
        bar_clicked(series_index, group): the user clicked a bar.
    """

    bar_clicked = Signal(int, str)

    def __init__(self, *, horizontal: bool, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            background="w",
            axisItems={"left": NumberAxis("left"), "bottom": NumberAxis("bottom")},
        )
        self.horizontal = horizontal
        self.chart: BarChart | None = None
        self.peer_count = 0
        self.bar_items: list[pg.BarGraphItem | None] = []
        """One item per series of the chart; None for a series without figures."""
        self.slots: list[int] = []
        """The indices of the series that have a place in each row."""
        self.note_items: list[pg.TextItem] = []
        """Words drawn where a series without reference figures would have its bar."""
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.getPlotItem().showGrid(x=horizontal, y=not horizontal, alpha=0.2)
        for name in ("left", "bottom"):
            self.getPlotItem().getAxis(name).setTextPen("#202020")
        self.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)

    def show_chart(self, chart: BarChart, peer_count: int) -> None:
        """Draw ``chart``; ``peer_count`` is the size of the peer group for its name.

        A chart of totals gets one row per series, with words in the row of a series
        without a figure. A grouped chart gets one row per group, shared by the bars of
        the series that have figures.
        """
        self.chart = chart
        self.peer_count = peer_count
        plot = self.getPlotItem()
        plot.clear()
        self.note_items = []
        if chart.grouping is None:
            self.slots = list(range(len(chart.series)))
        else:
            self.slots = [index for index, series in enumerate(chart.series) if series.found]
        self.bar_items = [self._add_series(index) for index in range(len(chart.series))]
        self._add_value_labels()
        self._set_group_axis(chart)
        self._set_value_axis(chart)
        self._add_legend(chart)

    def bar_place(self, series_index: int, group: str) -> tuple[float, float]:
        """Return the centre and thickness of a bar along the group axis."""
        assert self.chart is not None
        if self.chart.grouping is None:
            return float(series_index), TOTAL_BAR_THICKNESS
        thickness = BAR_SPAN / len(self.slots)
        slot = self.slots.index(series_index)
        centre = self.chart.groups.index(group) - BAR_SPAN / 2 + thickness * (slot + 0.5)
        return centre, thickness

    def _add_series(self, series_index: int) -> pg.BarGraphItem | None:
        assert self.chart is not None
        series = self.chart.series[series_index]
        groups = self.chart.groups
        if not series.found:
            if self.chart.grouping is None:
                self._add_not_found_words(series_index)
            return None

        places = [self.bar_place(series_index, group) for group in groups]
        positions = [centre for centre, _thickness in places]
        thickness = places[0][1]
        values = [float(series.values.get(group, Decimal(0))) for group in groups]
        colour = QColor(SERIES_COLOURS.get(series.role, OTHER_POINT_COLOUR))
        if self.horizontal:
            item = pg.BarGraphItem(x0=0, y=positions, height=thickness, width=values, brush=colour)
        else:
            item = pg.BarGraphItem(x=positions, y0=0, width=thickness, height=values, brush=colour)
        self.getPlotItem().addItem(item)
        return item

    def _add_not_found_words(self, series_index: int) -> None:
        words = pg.TextItem(_("no reference figure"), color="#202020", anchor=(0, 0.5))
        if self.horizontal:
            words.setPos(0, series_index)
        else:
            words.setPos(series_index, 0)
            words.setAnchor((0, 1))
            words.setAngle(90)
        self.getPlotItem().addItem(words)
        self.note_items.append(words)

    def _add_value_labels(self) -> None:
        """Write the value at the end of each bar when one series has bars, so that a
        printed chart keeps its exact figures."""
        chart = self.chart
        assert chart is not None
        drawn = [index for index, item in enumerate(self.bar_items) if item is not None]
        if chart.grouping is not None and len(drawn) != 1:
            return
        for index in drawn:
            for group in chart.groups:
                value = chart.series[index].values.get(group, Decimal(0))
                centre, _thickness = self.bar_place(index, group)
                anchor = (-0.05, 0.5) if self.horizontal else (0.5, 1.1)
                label = pg.TextItem(_number(value), color="#202020", anchor=anchor)
                if self.horizontal:
                    label.setPos(float(value), centre)
                else:
                    label.setPos(centre, float(value))
                self.getPlotItem().addItem(label)
                self.note_items.append(label)

    def _set_group_axis(self, chart: BarChart) -> None:
        if chart.grouping is None:
            labels = [series_label(each, self.peer_count) for each in chart.series]
        else:
            labels = [group_label(chart.grouping, group) for group in chart.groups]
        axis = self.getPlotItem().getAxis("left" if self.horizontal else "bottom")
        axis.setTicks([list(enumerate(labels))])
        axis.setLabel("")
        view = self.getPlotItem().getViewBox()
        if self.horizontal:
            view.invertY(True)
            axis.setWidth(self._label_width(labels))
            view.setYRange(-0.5, len(labels) - 0.5, padding=0)
        else:
            view.setXRange(-0.5, len(labels) - 0.5, padding=0.02)

    def _label_width(self, labels: Sequence[str]) -> int:
        metrics = QFontMetrics(self.font())
        return max((metrics.horizontalAdvance(label) for label in labels), default=0) + 16

    def _set_value_axis(self, chart: BarChart) -> None:
        axis_name = "bottom" if self.horizontal else "left"
        axis = self.getPlotItem().getAxis(axis_name)
        axis.setLabel(unit_text(chart.unit))
        values = [float(v) for series in chart.series for v in series.values.values()]
        # Room beyond the longest bar for its value label.
        top = (max(values, default=0.0) or 1.0) * 1.12
        view = self.getPlotItem().getViewBox()
        if self.horizontal:
            view.setXRange(0, top, padding=0)
        else:
            view.setYRange(0, top, padding=0)

    def _add_legend(self, chart: BarChart) -> None:
        found = [index for index, item in enumerate(self.bar_items) if item is not None]
        if chart.grouping is None or len(found) < 2:
            return
        legend = self.getPlotItem().addLegend(offset=(-10, 10), labelTextColor="#202020")
        legend.setBrush(pg.mkBrush(255, 255, 255, 220))
        for index in found:
            legend.addItem(
                self.bar_items[index], series_label(chart.series[index], self.peer_count)
            )

    # Hover and click.

    def bar_at(self, scene_position: QPointF) -> Bar | None:
        """Return the bar under a point of the scene, or None."""
        chart = self.chart
        if chart is None:
            return None
        point = self.getPlotItem().getViewBox().mapSceneToView(scene_position)
        along, value = (point.y(), point.x()) if self.horizontal else (point.x(), point.y())
        for index, item in enumerate(self.bar_items):
            if item is None:
                continue
            for group in chart.groups:
                centre, thickness = self.bar_place(index, group)
                height = float(chart.series[index].values.get(group, Decimal(0)))
                if abs(along - centre) <= thickness / 2 and 0 <= value <= height:
                    return Bar(index, group)
        return None

    def bar_position(self, series_index: int, group: str) -> QPointF:
        """Return the scene position of the middle of a bar."""
        assert self.chart is not None
        centre, _thickness = self.bar_place(series_index, group)
        value = float(self.chart.series[series_index].values.get(group, Decimal(0))) / 2
        point = QPointF(value, centre) if self.horizontal else QPointF(centre, value)
        return self.getPlotItem().getViewBox().mapViewToScene(point)

    def hover_text(self, bar: Bar) -> str:
        """Return the exact figures of a bar, as its tool tip shows them."""
        assert self.chart is not None
        chart = self.chart
        series = chart.series[bar.series_index]
        lines = [series_label(series, self.peer_count)]
        if chart.grouping is not None:
            lines.append(group_label(chart.grouping, bar.group))
        value = series.values.get(bar.group, Decimal(0))
        lines.append(_quantity(value, chart.unit))
        if chart.is_share:
            figure = series.figures.get(bar.group, Decimal(0))
            lines.append(_quantity(figure, chart.figure_unit))
        return "\n".join(lines)

    def _on_scene_mouse_moved(self, position: QPointF) -> None:
        bar = self.bar_at(position)
        if bar is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.hover_text(bar), self)

    def _on_scene_mouse_clicked(self, event: object) -> None:
        bar = self.bar_at(event.scenePos())  # type: ignore[attr-defined]
        if bar is not None:
            self.bar_clicked.emit(bar.series_index, bar.group)


def _quantity(value: Decimal, unit: str) -> str:
    return f"{_number(value, 6 if unit.endswith('resident') else 2)}\u00a0{unit_text(unit)}"


class ScatterChartWidget(pg.PlotWidget):
    """Gross floor area per resident against population, population on a log axis.

    Signals:
        point_clicked(code): the user clicked the point of a municipality.
    """

    point_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            background="w",
            axisItems={"left": NumberAxis("left"), "bottom": NumberAxis("bottom")},
        )
        self.scatter_item: pg.ScatterPlotItem | None = None
        self.setMenuEnabled(False)
        self.hideButtons()
        self.getPlotItem().showGrid(x=True, y=True, alpha=0.2)
        self.getPlotItem().getAxis("bottom").setLogMode(True)
        for name in ("left", "bottom"):
            self.getPlotItem().getAxis(name).setTextPen("#202020")

    def show_chart(self, chart: ScatterChart) -> None:
        plot = self.getPlotItem()
        plot.clear()
        self.scatter_item = None
        plot.getAxis("bottom").setLabel(_("Population"))
        plot.getAxis("left").setLabel(unit_text(chart.unit))
        if not chart.points:
            return

        self.scatter_item = self._add_points(chart)
        own = next((point for point in chart.points if point.role == OWN), None)
        if own is not None:
            self._add_own_label(own)

    def _add_points(self, chart: ScatterChart) -> pg.ScatterPlotItem:
        # Drawn last, so that the own municipality and the peers lie on top.
        order = {"other": 0, PEERS: 1, OWN: 2}
        points = sorted(chart.points, key=lambda point: order.get(point.role, 0))
        spots = [
            {
                "pos": (math.log10(point.population), float(point.value)),
                "data": point.municipality,
                "size": 14 if point.role == OWN else 8,
                "brush": pg.mkBrush(SERIES_COLOURS.get(point.role, OTHER_POINT_COLOUR)),
                "symbol": "s" if point.role == OWN else "o",
            }
            for point in points
        ]
        by_code = {point.municipality: point for point in chart.points}
        item = pg.ScatterPlotItem(
            spots=spots,
            hoverable=True,
            pen=pg.mkPen("#303030"),
            tip=lambda x, y, data: _point_text(by_code[data]),
        )
        item.sigClicked.connect(self._on_points_clicked)
        self.getPlotItem().addItem(item)
        return item

    def _add_own_label(self, own: ScatterPoint) -> None:
        label = pg.TextItem(area_name(own.municipality), color="#0072B2", anchor=(-0.1, 1))
        label.setFont(_bold(self.font()))
        label.setPos(math.log10(own.population), float(own.value))
        self.getPlotItem().addItem(label)

    def _on_points_clicked(self, _item: object, points: Sequence[object], _event: object) -> None:
        if points:
            self.point_clicked.emit(str(points[0].data()))  # type: ignore[attr-defined]


def _point_text(point: ScatterPoint) -> str:
    return _("{municipality}\nPopulation {population}\n{value} m² per resident").format(
        municipality=area_name(point.municipality),
        population=_number(point.population),
        value=_number(point.value, 6),
    )


def _bold(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold
