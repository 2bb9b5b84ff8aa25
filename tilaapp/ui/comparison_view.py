"""The comparison view: the municipality's own figures beside national and peer figures.

The figures are computed on the worker (``tilaapp.services.comparison_charts``) and
drawn by ``tilaapp.ui.charts``. Every chart states its basis in words, counts the
buildings without the data it needs, and states in words where a reference figure is
missing. A click on a bar of the own buildings lists the buildings behind it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.formatting import format_decimal
from tilaapp.domain.indicators import basis_label
from tilaapp.domain.municipalities import (
    SIZE_CLASS_LOWER_BOUNDS,
    municipality,
    municipality_name,
    population,
    region_name,
    search_municipalities,
    size_class,
)
from tilaapp.i18n import gettext as _
from tilaapp.i18n import ngettext
from tilaapp.services.chart_export import write_bar_chart_workbook, write_scatter_workbook
from tilaapp.services.comparison import PeerGroup, compare
from tilaapp.services.comparison_charts import (
    BAR_CHARTS,
    OWN,
    PER_RESIDENT_CHART,
    SCATTER_CHART,
    BarChart,
    ComparisonCharts,
    ScatterChart,
    bar_notes,
    basis_sentence,
    chart_heading,
    chart_title,
    group_label,
)
from tilaapp.services.indicators import BuildingSet, IndicatorService
from tilaapp.services.list_texts import list_cell_text, list_column_label
from tilaapp.services.listing import ListRow, list_rows
from tilaapp.storage.models import DatabaseInfo
from tilaapp.ui.charts import BarChartWidget, ScatterChartWidget
from tilaapp.ui.errors import show_error
from tilaapp.ui.tasks import TaskContext
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

# Charts whose group labels are long class names get horizontal bars, so that no label
# is rotated or cut.
HORIZONTAL_CHARTS = frozenset(
    {"building_count_by_class", "gross_floor_area_by_class", PER_RESIDENT_CHART}
)
# Short tab titles, so that every tab fits the window; the page shows the full title.
TAB_TITLES = {
    "building_count_by_class": lambda: _("Buildings by class"),
    "gross_floor_area_by_class": lambda: _("Floor area by class"),
    "building_count_by_decade": lambda: _("Age"),
    "condition_class_floor_area": lambda: _("Condition"),
    PER_RESIDENT_CHART: lambda: _("Per resident"),
    SCATTER_CHART: lambda: _("Per resident and population"),
}
NO_PEERS = "none"
CHOSEN_PEERS = "chosen"
LIST_COLUMNS = ("permanent_building_identifier", "address", "local_name", "gross_floor_area")


class ChartPage(QWidget):
    """One chart with its title, basis, notes and export buttons."""

    def __init__(self, chart_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart_id = chart_id
        self.figure = QWidget(self)
        """The part of the page that an exported image shows: texts and plot."""
        self.figure.setAutoFillBackground(True)
        self.title_label = QLabel(chart_title(chart_id), self.figure)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title_label.setFont(font)
        self.basis_label = QLabel(self.figure)
        self.notes_label = QLabel(self.figure)
        self.notes_label.setWordWrap(True)
        if chart_id == SCATTER_CHART:
            self.plot: BarChartWidget | ScatterChartWidget = ScatterChartWidget(self.figure)
        else:
            self.plot = BarChartWidget(horizontal=chart_id in HORIZONTAL_CHARTS, parent=self.figure)
        figure_layout = QVBoxLayout(self.figure)
        figure_layout.addWidget(self.title_label)
        figure_layout.addWidget(self.basis_label)
        figure_layout.addWidget(self.notes_label)
        figure_layout.addWidget(self.plot, 1)
        # Without a plot the texts stay at the top instead of floating mid-page.
        figure_layout.addStretch(0)
        self.figure_layout = figure_layout
        # The hint is outside the figure, so an exported image does not show it.
        self.hint_label = QLabel(_("Click a bar of the own buildings to list them."), self)
        self.hint_label.setVisible(False)

        self.image_button = QPushButton(_("Save the chart as an image…"), self)
        self.data_button = QPushButton(_("Save the data to Excel…"), self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint_label)
        buttons.addStretch(1)
        buttons.addWidget(self.image_button)
        buttons.addWidget(self.data_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figure, 1)
        layout.addLayout(buttons)

    def show_bar_chart(self, chart: BarChart, peer_count: int) -> None:
        assert isinstance(self.plot, BarChartWidget)
        self.title_label.setText(chart_heading(chart))
        self.basis_label.setText(basis_sentence(chart.basis))
        notes = bar_notes(chart, peer_count)
        self.hint_label.setVisible(chart.grouping is not None)
        self.notes_label.setText("\n".join(note for note in notes if note))
        self.plot.show_chart(chart, peer_count)

    def show_scatter(self, chart: ScatterChart) -> None:
        assert isinstance(self.plot, ScatterChartWidget)
        self.basis_label.setText(basis_sentence(chart.basis))
        if chart.points:
            notes = _(
                "Each point is a municipality of the reference. The own municipality is the "
                "large square, the peers are green. Population of {year}."
            ).format(year=chart.population_year)
        else:
            notes = _(
                "The reference has no gross floor area per resident of other municipalities, "
                "so there is nothing to compare with."
            )
        self.notes_label.setText(notes)
        # Without other municipalities the axes would frame nothing, so only words show,
        # and the stretch after the plot takes the free space below them.
        self.plot.setVisible(bool(chart.points))
        self.figure_layout.setStretch(self.figure_layout.count() - 1, 0 if chart.points else 1)
        self.plot.show_chart(chart)


class ComparisonDialog(QDialog):
    """Charts of the municipality against the whole country and a chosen peer group.

    Signals:
        building_activated(id): the user double-clicked a building in a list of the
            buildings behind a bar.
        charts_shown(): the charts of a new computation are drawn.
    """

    building_activated = Signal(int)
    charts_shown = Signal()

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.charts: ComparisonCharts | None = None
        self.chosen_peers: list[str] = []
        self.last_building_list: BuildingListDialog | None = None
        self.is_ready = False
        self.home = self._home_municipality()
        self.setWindowTitle(_("Comparison"))
        self._set_up_controls()
        self._set_up_pages()
        self._set_up_layout()
        self.recompute()

    # Set-up.

    def _home_municipality(self) -> str | None:
        with self.workspace.read_session() as session:
            info = session.get(DatabaseInfo, 1)
        return info.home_municipality_code if info is not None else None

    def _set_up_controls(self) -> None:
        self.basis_combo = QComboBox(self)
        # The group's owned buildings come first: they are the portfolio, and the
        # reference's per-resident figures have this basis.
        for building_set in (BuildingSet.GROUP_OWNED, BuildingSet.ALL_BUILDINGS):
            self.basis_combo.addItem(basis_label(building_set.value), building_set.value)
        self.basis_combo.currentIndexChanged.connect(self._on_basis_combo_changed)

        self.peer_combo = QComboBox(self)
        self.peer_combo.addItem(_("No peer group"), NO_PEERS)
        if self.home is not None:
            self._add_peer_groups()
        self.peer_combo.addItem(_("Municipalities chosen by hand"), CHOSEN_PEERS)
        self.peer_combo.currentIndexChanged.connect(self._on_peer_combo_changed)
        self.choose_button = QPushButton(_("Choose municipalities…"), self)
        self.choose_button.clicked.connect(self.choose_peers)
        self.status_label = QLabel(self)

    def _add_peer_groups(self) -> None:
        assert self.home is not None
        found = municipality(self.home)
        if found is not None:
            self.peer_combo.addItem(
                _("Same region: {region}").format(region=region_name(found.region_code)),
                PeerGroup.REGION.value,
            )
        people = population(self.home)
        if people is not None:
            self.peer_combo.addItem(
                _("Same size class: {size}").format(size=size_class_text(people.population)),
                PeerGroup.SIZE_CLASS.value,
            )

    def _set_up_pages(self) -> None:
        self.tabs = QTabWidget(self)
        self.pages: dict[str, ChartPage] = {}
        chart_ids = [chart for chart, _indicator, _grouping in BAR_CHARTS]
        for chart_id in (*chart_ids, PER_RESIDENT_CHART, SCATTER_CHART):
            page = ChartPage(chart_id, self.tabs)
            self.tabs.addTab(page, TAB_TITLES[chart_id]())
            self.tabs.setTabToolTip(self.tabs.count() - 1, chart_title(chart_id))
            self.pages[chart_id] = page
            page.image_button.clicked.connect(lambda _c=False, p=page: self._on_image_clicked(p))
            page.data_button.clicked.connect(lambda _c=False, p=page: self._on_data_clicked(p))
            if isinstance(page.plot, BarChartWidget):
                page.plot.bar_clicked.connect(
                    lambda index, group, p=page: self._on_bar_clicked(p, index, group)
                )
            else:
                page.plot.point_clicked.connect(self._on_point_clicked)

    def _set_up_layout(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(QLabel(_("Basis:"), self))
        controls.addWidget(self.basis_combo)
        controls.addSpacing(16)
        controls.addWidget(QLabel(_("Peers:"), self))
        controls.addWidget(self.peer_combo)
        controls.addWidget(self.choose_button)
        controls.addStretch(1)
        controls.addWidget(self.status_label)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        self._update_choose_button()

    # Computing.

    def peer_request(self) -> tuple[PeerGroup | None, list[str]]:
        """Return the peer group or the peer codes that the controls choose."""
        choice = self.peer_combo.currentData()
        if choice == CHOSEN_PEERS:
            return None, list(self.chosen_peers)
        if choice == NO_PEERS:
            return None, []
        return PeerGroup(choice), []

    def recompute(self) -> None:
        """Compute the comparison on the worker and draw it when it is done."""
        database = self.workspace.database
        peer_group, peers = self.peer_request()
        self.is_ready = False
        self.status_label.setText(_("Computing…"))

        def job(_context: TaskContext) -> ComparisonCharts:
            from tilaapp.services.comparison_charts import comparison_charts

            return comparison_charts(compare(database, peers=peers, peer_group=peer_group))

        self.workspace.worker.submit("compare", job, done=self._on_computed, failed=self._on_failed)

    def _on_computed(self, charts: ComparisonCharts) -> None:
        self.charts = charts
        self.status_label.setText("")
        self.show_charts()
        self.is_ready = True
        self.charts_shown.emit()

    def _on_failed(self, error: BaseException) -> None:
        self.status_label.setText("")
        self.is_ready = True
        show_error(self, error)

    def basis(self) -> str:
        return str(self.basis_combo.currentData())

    def show_charts(self) -> None:
        charts = self.charts
        if charts is None:
            return
        peer_count = len(charts.peers)
        for chart_id, _indicator, _grouping in BAR_CHARTS:
            self.pages[chart_id].show_bar_chart(charts.find(chart_id, self.basis()), peer_count)
        per_resident = charts.find(PER_RESIDENT_CHART, BuildingSet.GROUP_OWNED.value)
        self.pages[PER_RESIDENT_CHART].show_bar_chart(per_resident, peer_count)
        self.pages[SCATTER_CHART].show_scatter(charts.scatter)

    def shown_chart(self, chart_id: str) -> BarChart | ScatterChart:
        """Return the chart that the page ``chart_id`` shows now."""
        assert self.charts is not None
        if chart_id == SCATTER_CHART:
            return self.charts.scatter
        if chart_id == PER_RESIDENT_CHART:
            return self.charts.find(chart_id, BuildingSet.GROUP_OWNED.value)
        return self.charts.find(chart_id, self.basis())

    # Controls.

    def _on_basis_combo_changed(self, _index: int) -> None:
        self.show_charts()

    def _on_peer_combo_changed(self, _index: int) -> None:
        self._update_choose_button()
        if self.peer_combo.currentData() == CHOSEN_PEERS and not self.chosen_peers:
            self.choose_peers()
            return
        self.recompute()

    def _update_choose_button(self) -> None:
        self.choose_button.setEnabled(self.peer_combo.currentData() == CHOSEN_PEERS)

    def choose_peers(self) -> None:
        dialog = PeerPickerDialog(self.chosen_peers, self.home, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.chosen_peers = dialog.chosen_codes()
            self.recompute()

    # Buildings behind a bar.

    def _on_bar_clicked(self, page: ChartPage, series_index: int, group: str) -> None:
        chart = self.shown_chart(page.chart_id)
        assert isinstance(chart, BarChart)
        if chart.series[series_index].role != OWN:
            return
        self.show_buildings(chart, None if chart.grouping is None else group)

    def _on_point_clicked(self, code: str) -> None:
        if code == self.home and self.charts is not None:
            self.show_buildings(self.shown_chart(PER_RESIDENT_CHART), None)  # type: ignore[arg-type]

    def show_buildings(self, chart: BarChart, group: str | None) -> None:
        """List the buildings behind the own bar of ``group`` (all of them for None)."""
        database = self.workspace.database
        building_set = BuildingSet(chart.basis)

        def job(_context: TaskContext) -> list[ListRow]:
            ids = IndicatorService(database).building_ids(
                building_set, chart.indicator, grouping=chart.grouping, group=group
            )
            with database.read_session() as session:
                return list_rows(session, ids)

        def done(rows: list[ListRow]) -> None:
            title = chart_heading(chart)
            if group is not None:
                title = _("{chart}: {group}").format(
                    chart=title, group=group_label(chart.grouping, group)
                )
            dialog = BuildingListDialog(title, chart.basis, rows, self)
            dialog.building_activated.connect(self.building_activated)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.last_building_list = dialog
            dialog.show()

        self.workspace.worker.submit(
            "buildings behind a bar", job, done=done, failed=self._on_failed
        )

    # Export.

    def _on_image_clicked(self, page: ChartPage) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save the chart as an image"),
            str(Path.home() / (chart_title(page.chart_id) + ".png")),
            _("PNG image (*.png)"),
        )
        if path:
            self.export_image(page.chart_id, Path(path))

    def export_image(self, chart_id: str, path: Path) -> None:
        """Save the chart's title, basis, notes and plot as a PNG image."""
        page = self.pages[chart_id]
        # A page that was never shown has no size yet, so it is shown first.
        self.tabs.setCurrentWidget(page)
        saved = page.figure.grab().save(str(path), "PNG")
        if not saved:
            show_error(self, OSError(f"could not write {path}"))
            return
        log.info("Saved chart %s to %s", chart_id, path)

    def _on_data_clicked(self, page: ChartPage) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self,
            _("Save the data to Excel"),
            str(Path.home() / (chart_title(page.chart_id) + ".xlsx")),
            _("Excel workbook (*.xlsx)"),
        )
        if path:
            self.export_data(page.chart_id, Path(path))

    def export_data(self, chart_id: str, path: Path) -> None:
        """Write the data of the shown chart to an Excel workbook on the worker."""
        chart = self.shown_chart(chart_id)
        peer_count = len(self.charts.peers) if self.charts is not None else 0

        def job(_context: TaskContext) -> None:
            if isinstance(chart, ScatterChart):
                write_scatter_workbook(path, chart)
            else:
                write_bar_chart_workbook(path, chart, peer_count)

        self.workspace.worker.submit("export chart data", job, failed=self._on_failed)


def size_class_text(people: int) -> str:
    """Return the population range of the size class of a municipality of ``people``."""
    index = size_class(people) - 1
    lower = SIZE_CLASS_LOWER_BOUNDS[index]
    if index == 0:
        upper = SIZE_CLASS_LOWER_BOUNDS[1]
        return _("under {upper} residents").format(upper=format_decimal(upper))
    if index + 1 == len(SIZE_CLASS_LOWER_BOUNDS):
        return _("{lower} residents or more").format(lower=format_decimal(lower))
    upper = SIZE_CLASS_LOWER_BOUNDS[index + 1] - 1
    return _("{lower}–{upper} residents").format(
        lower=format_decimal(lower), upper=format_decimal(upper)
    )


class PeerPickerDialog(QDialog):
    """A list of every municipality with check boxes and a search field."""

    def __init__(
        self, chosen: Sequence[str], home: str | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Choose the peer municipalities"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(_("Search by name or code"))
        self.search.textChanged.connect(self._on_search_text_changed)
        self.list = QListWidget(self)
        self.items: dict[str, QListWidgetItem] = {}
        for found in search_municipalities(""):
            if found.code == home:
                continue
            item = QListWidgetItem(f"{municipality_name(found.code)} ({found.code})")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if found.code in chosen else Qt.CheckState.Unchecked
            )
            item.setData(Qt.ItemDataRole.UserRole, found.code)
            self.list.addItem(item)
            self.items[found.code] = item
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def chosen_codes(self) -> list[str]:
        return sorted(
            code for code, item in self.items.items() if item.checkState() == Qt.CheckState.Checked
        )

    def _on_search_text_changed(self, text: str) -> None:
        shown = {found.code for found in search_municipalities(text)}
        for code, item in self.items.items():
            item.setHidden(code not in shown)


class BuildingListDialog(QDialog):
    """The buildings behind one bar, with their gross floor area.

    Signals:
        building_activated(id): the user double-clicked a building.
    """

    building_activated = Signal(int)

    def __init__(
        self, title: str, basis: str, rows: Sequence[ListRow], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.rows = list(rows)
        self.setWindowTitle(title)
        self.table = self._make_table()
        self.table.cellDoubleClicked.connect(self._on_table_cell_double_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self._make_heading(title, basis))
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(900, 500)

    def _make_heading(self, title: str, basis: str) -> QLabel:
        area = sum((row.gross_floor_area or Decimal(0) for row in self.rows), Decimal(0))
        summary = ngettext(
            "{count} building, gross floor area {area} m² in total.",
            "{count} buildings, gross floor area {area} m² in total.",
            len(self.rows),
        ).format(count=len(self.rows), area=format_decimal(area))
        heading = QLabel(f"{title}\n{basis_sentence(basis)}\n{summary}", self)
        heading.setWordWrap(True)
        return heading

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(len(self.rows), len(LIST_COLUMNS), self)
        table.setHorizontalHeaderLabels([list_column_label(column) for column in LIST_COLUMNS])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        for row_index, row in enumerate(self.rows):
            for column_index, column in enumerate(LIST_COLUMNS):
                item = QTableWidgetItem(list_cell_text(row, column) or "")
                if column == "gross_floor_area":
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                table.setItem(row_index, column_index, item)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    def building_ids(self) -> list[int]:
        return [row.id for row in self.rows]

    def _on_table_cell_double_clicked(self, row: int, _column: int) -> None:
        self.building_activated.emit(self.rows[row].id)
