"""The building editor: every value of one building in tabs, saved as soon as an edit ends.

There is no Save button. A finished edit (Enter, leaving the field, a choice from a
list) is written at once through ``Workspace.write_step`` as one undoable step. The
editor reads the building again, with a quick read on the GUI thread, whenever the
workspace reports that the building changed, so undo, redo and edits made elsewhere
show at once.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.fields import FIELDS_BY_NAME
from tilaapp.domain.formatting import format_money
from tilaapp.domain.numbers import parse_decimal
from tilaapp.domain.validation import NOTES_FIELD, ValidationError
from tilaapp.i18n import N_, current_language, ngettext, pgettext
from tilaapp.i18n import gettext as _
from tilaapp.services.building_view import BuildingView, load_building
from tilaapp.services.editing import EditStep
from tilaapp.services.queries import BuildingNotFound
from tilaapp.services.repairs import (
    InvalidRepairNeed,
    RepairNeed,
    RepairService,
    checked_repair_needs,
)
from tilaapp.storage.models import Tenure
from tilaapp.ui.errors import user_message
from tilaapp.ui.field_widgets import (
    EMPTY_TEXT,
    GRID_COLUMNS,
    FieldRow,
    marker_width,
    message_line,
    money_number_text,
)
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

# Items of a tab that are not fields of the catalogue.
PERMANENT_IDENTIFIER = "@permanent_building_identifier"
ADDRESSES = "@addresses"
TENURE = "@tenure"
HOLDER = "@holder"
REPAIR_NEEDS = "@repair_needs"

# Fields that the editor shows but does not edit, although they take a local value:
# they identify the building's property, which the land register keeps.
READ_ONLY_FIELDS = frozenset(
    {"property_identifier", "property_name", "unseparated_parcel_identifier"}
)
# Room for labels of about this many characters before they wrap.
LABEL_COLUMN_CHARACTERS = 24


@dataclass(frozen=True)
class Section:
    heading: str | None
    """English heading, marked for translation; None for a section without one."""
    items: tuple[str, ...]
    """Field names and the ``@`` items above."""


@dataclass(frozen=True)
class Tab:
    title: str
    """Short English title, marked for translation, so that the tabs fit a narrow editor."""
    description: str
    """English tooltip of the tab, marked for translation."""
    sections: tuple[Section, ...]

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(item for section in self.sections for item in section.items)


TABS: tuple[Tab, ...] = (
    Tab(
        N_("Identification"),
        N_("Identifiers, addresses and location of the building"),
        (
            Section(
                None,
                (
                    PERMANENT_IDENTIFIER,
                    "old_building_identifier",
                    "property_identifier",
                    "unseparated_parcel_identifier",
                    "property_name",
                    ADDRESSES,
                    "local_name",
                ),
            ),
            Section(
                N_("Location"),
                (
                    "municipality_number",
                    "postal_code",
                    "coordinate_north",
                    "coordinate_east",
                    "coordinate_accuracy",
                ),
            ),
        ),
    ),
    Tab(
        N_("Dimensions"),
        N_("Areas, volume, storeys and apartments"),
        (
            Section(
                None,
                (
                    "gross_floor_area",
                    "total_area",
                    "floor_area",
                    "basement_area",
                    "volume",
                    "number_of_storeys",
                    "apartment_count",
                ),
            ),
        ),
    ),
    Tab(
        N_("Structure"),
        N_("Structure, heating, connections and equipment"),
        (
            Section(
                None,
                (
                    "completion_date",
                    "facade_material",
                    "material_of_load_bearing_structures",
                    "construction_method",
                    "heating_method",
                    "heating_energy_source",
                ),
            ),
            Section(
                N_("Connections"),
                (
                    "has_sewer",
                    "has_sewer_connection",
                    "has_water_supply",
                    "has_electricity",
                    "has_gas",
                ),
            ),
            Section(
                N_("Equipment"),
                (
                    "has_hot_water",
                    "has_elevator",
                    "has_air_conditioning",
                    "has_solar_panel",
                    "sauna_count",
                    "civil_defence_shelter_size",
                    "is_accessible",
                    "is_protected",
                ),
            ),
        ),
    ),
    Tab(
        N_("Use"),
        N_("Use, users, tenure and lease"),
        (
            Section(
                None,
                (
                    "building_class_2018",
                    "use_class_1994",
                    "main_purpose_open",
                    "open_use_class",
                    "usage_status",
                    "usage_status_date",
                    "building_status",
                    "demolition_date",
                    "municipal_service",
                    "number_of_users",
                    "utilisation_rate",
                ),
            ),
            Section(
                N_("Tenure and lease"),
                (TENURE, HOLDER, "site_tenure", "leased_out", "lessee", "lessee_is_person"),
            ),
        ),
    ),
    Tab(
        N_("Condition"),
        N_("Condition assessment and repair needs"),
        (
            Section(
                None,
                ("condition_class", "condition_date", "condition_assessor", "indoor_air_problems"),
            ),
            Section(N_("Repair needs"), (REPAIR_NEEDS,)),
        ),
    ),
    Tab(
        N_("Economy"),
        N_("Costs and income"),
        (
            Section(
                None,
                (
                    "acquisition_cost",
                    "acquisition_year",
                    "replacement_cost",
                    "maintenance_cost_per_year",
                    "rental_income_per_year",
                ),
            ),
        ),
    ),
    Tab(
        N_("Strategy"),
        N_("Property strategy: keep, develop or dispose"),
        (Section(None, ("strategy", "strategy_target_year")),),
    ),
    Tab(N_("Notes"), N_("Free-form notes on the building"), (Section(None, ("notes",)),)),
)


class BuildingEditor(QWidget):
    """Every value of one building, grouped in tabs, each edit saved when it ends.

    Signals:
        building_edited(building_id): an edit of this editor changed the building.
        save_failed(building_id, field, message): an edit was not saved; the translated
            message is shown next to the field or above the tabs.
    """

    building_edited = Signal(int)
    save_failed = Signal(int, str, str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self._building_id: int | None = None
        self._view: BuildingView | None = None
        self.rows: dict[str, FieldRow] = {}
        self._info_labels: dict[str, QLabel] = {}
        self._repair_editor: RepairNeedsEditor | None = None
        self._scrolls: list[QScrollArea] = []
        self._built_pages: set[int] = set()

        self._build()
        workspace.buildings_changed.connect(self._on_buildings_changed)
        self.show_building(None)

    # Construction

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack)

        self.placeholder = QLabel(self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.stack.addWidget(self.placeholder)

        content = QWidget(self)
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        self.title_label = QLabel(content)
        self.title_label.setWordWrap(True)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title_label.setFont(font)
        self.subtitle_label = QLabel(content)
        self.subtitle_label.setWordWrap(True)
        self.subtitle_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_widget, self.error_label = message_line(content)
        content_layout.addWidget(self.title_label)
        content_layout.addWidget(self.subtitle_label)
        content_layout.addWidget(self.error_widget)

        self.tabs = QTabWidget(content)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setDocumentMode(True)
        for index, tab in enumerate(TABS):
            scroll = self._make_scroll()
            self._scrolls.append(scroll)
            self.tabs.addTab(scroll, _(tab.title))
            self.tabs.setTabToolTip(index, _(tab.description))
        # A page is built when it is first shown, so that start-up builds only one.
        self._ensure_page(0)
        self.tabs.currentChanged.connect(self._ensure_page)
        content_layout.addWidget(self.tabs, 1)
        self.stack.addWidget(content)
        self.setFocusProxy(self.tabs)

    def _make_scroll(self) -> QScrollArea:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # A narrow editor scrolls sideways rather than cutting labels and markers.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        return scroll

    def _ensure_page(self, index: int) -> None:
        """Build the page of tab ``index`` if it is not built yet, showing the building."""
        if index < 0 or index in self._built_pages:
            return
        self._built_pages.add(index)
        tab = TABS[index]
        self._scrolls[index].setWidget(self._make_page(tab))
        if self._view is not None:
            self._show_info(self._view)
            for item in tab.items:
                if item in self.rows:
                    self.rows[item].show_state(self._view.field(item))
            if REPAIR_NEEDS in tab.items and self._repair_editor is not None:
                self._repair_editor.show_building(self._view.id)

    def _make_page(self, tab: Tab) -> QWidget:
        page = QWidget()
        page_layout = QVBoxLayout(page)
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        grid.setColumnMinimumWidth(
            0, page.fontMetrics().averageCharWidth() * LABEL_COLUMN_CHARACTERS
        )
        grid.setVerticalSpacing(4)
        grid.setColumnMinimumWidth(2, marker_width(page))
        page_layout.addLayout(grid, 1)

        row = 0
        for section in tab.sections:
            if section.heading is not None:
                row = self._add_heading(grid, row, _(section.heading), page)
            for item in section.items:
                row = self._add_item(grid, row, item, page)

        # The notes box grows with the page; other pages keep their rows at the top.
        notes = self.rows.get(NOTES_FIELD)
        if notes is not None and NOTES_FIELD in tab.items:
            grid.setRowStretch(notes.input_row, 1)
        else:
            grid.setRowStretch(row, 1)
        return page

    def _add_heading(self, grid: QGridLayout, row: int, text: str, page: QWidget) -> int:
        heading = QLabel(text, page)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        heading.setContentsMargins(0, 12, 0, 2)
        grid.addWidget(heading, row, 0, 1, GRID_COLUMNS)
        return row + 1

    def _add_item(self, grid: QGridLayout, row: int, item: str, page: QWidget) -> int:
        if item == REPAIR_NEEDS:
            return self._add_repair_needs(grid, row, page)
        if item.startswith("@"):
            return self._add_info(grid, row, item, page)

        field_row = FieldRow(FIELDS_BY_NAME[item], page, read_only=item in READ_ONLY_FIELDS)
        field_row.commit_requested.connect(self._on_commit_requested)
        self.rows[item] = field_row
        return field_row.add_to_grid(grid, row)

    def _add_info(self, grid: QGridLayout, row: int, item: str, page: QWidget) -> int:
        labels = {
            PERMANENT_IDENTIFIER: _("Permanent building identifier"),
            ADDRESSES: _("Addresses"),
            TENURE: _("Tenure"),
            HOLDER: _("Holder entity"),
        }
        label = QLabel(labels[item], page)
        label.setWordWrap(True)
        value = QLabel(page)
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setBuddy(value)
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(value, row, 1, 1, GRID_COLUMNS - 1)
        self._info_labels[item] = value
        return row + 1

    def _add_repair_needs(self, grid: QGridLayout, row: int, page: QWidget) -> int:
        self._repair_editor = RepairNeedsEditor(self.workspace, page)
        self._repair_editor.building_edited.connect(self.building_edited)
        grid.addWidget(self._repair_editor, row, 0, 1, GRID_COLUMNS)
        return row + 1

    # Public interface

    @property
    def building_id(self) -> int | None:
        """The database id of the building shown, or None."""
        return self._building_id

    @property
    def view(self) -> BuildingView | None:
        """The snapshot shown, or None when no building is shown."""
        return self._view

    @property
    def repair_editor(self) -> RepairNeedsEditor | None:
        """The repair-needs table, built with its page when first asked for."""
        self._ensure_page_of(REPAIR_NEEDS)
        return self._repair_editor

    def row(self, field: str) -> FieldRow:
        """Return the row of ``field``. Raises KeyError for a field the editor does not show."""
        self._ensure_page_of(field)
        return self.rows[field]

    def _ensure_page_of(self, item: str) -> None:
        for index, tab in enumerate(TABS):
            if item in tab.items:
                self._ensure_page(index)
                return

    def show_building(self, building_id: int | None) -> None:
        """Show the building with this database id, or no building for None.

        What the user typed but did not commit into another building is dropped. Showing
        the building already shown reads it again and keeps the text typed into it.
        """
        same_building = building_id is not None and building_id == self._building_id
        self._building_id = building_id
        if building_id is None:
            self._hide_error()
            self._view = None
            self._show_placeholder(_("Choose a building in the list to see and edit its values."))
            return
        if not same_building:
            self._hide_error()
        self.reload(keep_input=same_building)

    def reload(self, *, keep_input: bool = True) -> None:
        """Read the building again and show it; inputs with uncommitted text keep it."""
        building_id = self._building_id
        if building_id is None:
            return
        try:
            with self.workspace.read_session() as session:
                view = load_building(session, building_id)
        except BuildingNotFound:
            log.info("Building %d is no longer in the database", building_id)
            self._view = None
            self._show_placeholder(_("The building is no longer in the database."))
            return
        self._show_view(view, keep_input=keep_input)

    # Showing a building

    def _show_placeholder(self, text: str) -> None:
        self.placeholder.setText(text)
        self.stack.setCurrentIndex(0)

    def _show_view(self, view: BuildingView, *, keep_input: bool) -> None:
        self._view = view
        self._show_header(view)
        self._show_info(view)
        for name, field_row in self.rows.items():
            if not keep_input and field_row.input is not None:
                field_row.input.discard()
                field_row.hide_error()
            field_row.show_state(view.field(name))
        if self._repair_editor is not None:
            self._repair_editor.show_building(view.id, keep_input=keep_input)
        self.stack.setCurrentIndex(1)

    def _show_header(self, view: BuildingView) -> None:
        self.title_label.setText(building_title(view))
        identifier = view.permanent_building_identifier
        identifier_text = (
            _("Permanent building identifier {identifier}").format(identifier=identifier)
            if identifier
            else _("No permanent building identifier (database id {id})").format(id=view.id)
        )
        self.subtitle_label.setText(f"{identifier_text}\n{portfolio_text(view)}")

    def _show_info(self, view: BuildingView) -> None:
        language = current_language()
        addresses = [address.text(language) for address in view.addresses]
        portfolio = view.portfolio
        texts = {
            PERMANENT_IDENTIFIER: view.permanent_building_identifier or EMPTY_TEXT,
            ADDRESSES: "\n".join(addresses) if addresses else EMPTY_TEXT,
            TENURE: tenure_text(portfolio.tenure) if portfolio else _("Not in the portfolio"),
            HOLDER: holder_text(view),
        }
        for item, label in self._info_labels.items():
            label.setText(texts[item])

    # Errors

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_widget.setVisible(True)

    def _hide_error(self) -> None:
        self.error_label.clear()
        self.error_widget.setVisible(False)

    @property
    def error(self) -> str | None:
        """The message in the line above the tabs, or None."""
        return None if self.error_widget.isHidden() else self.error_label.text()

    # Edits

    def _on_commit_requested(self, field: str, value: Any) -> None:
        building_id = self._building_id
        if building_id is None:
            return
        edits = self.workspace.edits
        self._hide_error()
        log.info("Saving field %s of building %d", field, building_id)
        self.workspace.write_step(
            f"edit {field}",
            lambda: edits.set_value(building_id, field, value),
            done=lambda step: self._on_saved(building_id, step),
            failed=lambda error: self._on_save_failed(building_id, field, error),
        )

    def _on_saved(self, building_id: int, step: EditStep | None) -> None:
        if step is not None and not step.is_empty:
            self.building_edited.emit(building_id)

    def _on_save_failed(self, building_id: int, field: str, error: BaseException) -> None:
        message = self._save_error_message(building_id, field, error)
        if building_id == self._building_id:
            self._show_save_error(field, error, message)
        self.save_failed.emit(building_id, field, message)

    def _save_error_message(self, building_id: int, field: str, error: BaseException) -> str:
        message = user_message(error)
        if message is not None:
            log.info("Saving field %s of building %d was rejected: %r", field, building_id, error)
            return message

        log.error("Saving field %s of building %d failed", field, building_id, exc_info=error)
        return _(
            "{field}: the change could not be saved. Try again; the log file tells more."
        ).format(field=_(FIELDS_BY_NAME[field].label))

    def _show_save_error(self, field: str, error: BaseException, message: str) -> None:
        field_row = self.rows.get(field)
        if isinstance(error, ValidationError) and field_row is not None:
            field_row.show_error(message)
            return
        self._show_error(message)
        self.reload()

    def _on_buildings_changed(self, building_ids: Sequence[int]) -> None:
        if self._building_id is None:
            return
        if not building_ids or self._building_id in building_ids:
            self.reload()


def building_title(view: BuildingView) -> str:
    """Return the building's name, else its first address, else its identifier."""
    if view.local_name:
        return view.local_name
    if view.addresses:
        return view.addresses[0].text(current_language())
    if view.permanent_building_identifier:
        return view.permanent_building_identifier
    return _("Building id:{id}").format(id=view.id)


def tenure_text(tenure: Tenure) -> str:
    names = {
        Tenure.OWNED: pgettext("tenure", "owned"),
        Tenure.LEASED_IN: pgettext("tenure", "leased in"),
    }
    return names.get(tenure, str(tenure))


def holder_text(view: BuildingView) -> str:
    portfolio = view.portfolio
    if portfolio is None:
        return EMPTY_TEXT
    if portfolio.holder_business_id is None:
        return _("not named")
    if portfolio.holder_name is None:
        return portfolio.holder_business_id
    return f"{portfolio.holder_name} ({portfolio.holder_business_id})"


def portfolio_text(view: BuildingView) -> str:
    """Return whether the building is in the portfolio, with its tenure and holder."""
    portfolio = view.portfolio
    if portfolio is None:
        return _("Not in the portfolio.")
    tenure = tenure_text(portfolio.tenure)
    if portfolio.holder_business_id is None:
        return _("In the portfolio ({tenure}), holder not named.").format(tenure=tenure)
    return _("In the portfolio ({tenure}), holder {name} ({business_id}).").format(
        tenure=tenure,
        name=portfolio.holder_name or EMPTY_TEXT,
        business_id=portfolio.holder_business_id,
    )


# Repair needs


class RepairNeedsEditor(QWidget):
    """The repair needs of one building in a small table: year, estimated cost, description.

    Each finished cell edit, added row and removed row writes the whole table as one
    undoable step through ``RepairService.set_repair_needs``. A row that breaks a rule
    keeps the user's text, and its message is shown under the table.

    Signals:
        building_edited(building_id): an edit of the table changed the building.
        save_failed(building_id, message): an edit was not saved.
    """

    building_edited = Signal(int)
    save_failed = Signal(int, str)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.service = repair_service(workspace)
        self._building_id: int | None = None
        self._pending_error = False
        self._edit_after_load: int | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.table = self._make_table()
        layout.addWidget(self.table)

        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("&Add a repair need"), self)
        self.add_button.clicked.connect(self.add_need)
        self.remove_button = QPushButton(_("Remove the selected needs"), self)
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setEnabled(False)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.total_label = QLabel(self)
        self.total_label.setWordWrap(True)
        layout.addWidget(self.total_label)
        self.message_widget, self.message_label = message_line(self)
        layout.addWidget(self.message_widget)

    def _make_table(self) -> QTableWidget:
        table = QTableWidget(0, 3, self)
        table.setHorizontalHeaderLabels(
            [_("Year"), _("Estimated cost (€)"), pgettext("repair need", "Description")]
        )
        table.setAccessibleName(_("Repair needs"))
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.verticalHeader().setVisible(False)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # One line a need: a long description ends in "…" and shows whole in its tooltip.
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.itemChanged.connect(self._on_item_changed)
        table.itemSelectionChanged.connect(self._on_selection_changed)
        return table

    # Showing a building's needs

    @property
    def message(self) -> str | None:
        """The message under the table, or None."""
        return None if self.message_widget.isHidden() else self.message_label.text()

    def show_building(self, building_id: int, *, keep_input: bool = True) -> None:
        """Show the building's repair needs; a row with a rejected edit keeps its text."""
        if building_id != self._building_id or not keep_input:
            self._pending_error = False
            self._hide_message()
        self._building_id = building_id
        if self._pending_error:
            return
        try:
            needs = self.service.read(building_id)
        except BuildingNotFound:
            needs = ()
        self._fill(needs)

    def _fill(self, needs: Sequence[RepairNeed]) -> None:
        table = self.table
        table.blockSignals(True)
        table.setRowCount(len(needs))
        for row, need in enumerate(needs):
            cost = "" if need.estimated_cost is None else money_number_text(need.estimated_cost)
            self._set_cell(row, 0, str(need.year), numeric=True)
            self._set_cell(row, 1, cost, numeric=True)
            self._set_cell(row, 2, need.description or "", numeric=False)
            description = self.table.item(row, 2)
            if description is not None:
                description.setToolTip(need.description or "")
        table.blockSignals(False)
        self._fit_height()
        self._show_total(needs)
        self._on_selection_changed()
        self._start_pending_edit(needs)

    def _set_cell(self, row: int, column: int, text: str, *, numeric: bool) -> None:
        item = QTableWidgetItem(text)
        if numeric:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, column, item)

    def _fit_height(self) -> None:
        """Make the table tall enough for its rows, so the page scrolls instead of it."""
        table = self.table
        rows = max(table.rowCount(), MIN_REPAIR_ROWS_SHOWN)
        rows_height = rows * table.verticalHeader().defaultSectionSize()
        frame = 2 * table.frameWidth()
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows_height + frame)

    def _show_total(self, needs: Sequence[RepairNeed]) -> None:
        costs = [need.estimated_cost for need in needs if need.estimated_cost is not None]
        if not needs:
            self.total_label.setText(_("No repair needs have been entered."))
            return
        total = format_money(sum(costs, Decimal(0)))
        self.total_label.setText(
            ngettext(
                "{count} repair need, estimated cost {total} in all.",
                "{count} repair needs, estimated cost {total} in all.",
                len(needs),
            ).format(count=len(needs), total=total)
        )

    def _start_pending_edit(self, needs: Sequence[RepairNeed]) -> None:
        """Open the cost of a need just added for editing."""
        year = self._edit_after_load
        self._edit_after_load = None
        if year is None:
            return
        rows = [row for row, need in enumerate(needs) if need.year == year]
        item = self.table.item(rows[-1], 1) if rows else None
        if item is not None:
            self.table.setCurrentItem(item)
            self.table.editItem(item)

    # Edits

    def add_need(self) -> None:
        """Add a need for next year and write it; the cost cell opens for editing."""
        if self._building_id is None:
            return
        year = datetime.date.today().year + 1
        needs = self._needs_in_table()
        if needs is None:
            return
        self._edit_after_load = year
        self._save([*needs, RepairNeed(year, None, None)])

    def remove_selected(self) -> None:
        """Remove the selected rows and write the needs that are left."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows or self._building_id is None:
            return
        for row in sorted(rows, reverse=True):
            self.table.removeRow(row)
        needs = self._needs_in_table()
        if needs is not None:
            self._save(needs)

    def _on_item_changed(self, _item: QTableWidgetItem) -> None:
        needs = self._needs_in_table()
        if needs is not None:
            self._save(needs)

    def _on_selection_changed(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _needs_in_table(self) -> list[RepairNeed] | None:
        """Read every row; show the first problem and return None when a row is invalid."""
        needs = [self._need_in_row(row) for row in range(self.table.rowCount())]
        try:
            checked = checked_repair_needs(needs)
        except InvalidRepairNeed as error:
            self._show_problem(error.message)
            self.table.setCurrentCell(error.row - 1, REPAIR_COLUMNS.index(error.part))
            return None
        self._pending_error = False
        self._hide_message()
        return list(checked)

    def _need_in_row(self, row: int) -> RepairNeed:
        year_text, cost_text, description = (self._text(row, column) for column in range(3))
        return RepairNeed(
            parse_year(year_text), parse_repair_cost(cost_text, current_language()), description
        )

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""

    def _save(self, needs: Sequence[RepairNeed]) -> None:
        building_id = self._building_id
        if building_id is None:
            return
        service = self.service
        self.workspace.write_step(
            "repair needs",
            lambda: service.set_repair_needs(building_id, needs),
            done=lambda step: self._on_saved(building_id, step),
            failed=lambda error: self._on_save_failed(building_id, error),
        )

    def _on_saved(self, building_id: int, step: EditStep | None) -> None:
        if step is not None and not step.is_empty:
            self.building_edited.emit(building_id)
        elif building_id == self._building_id:
            # Nothing changed, so no reload comes: show the stored needs as stored.
            self.show_building(building_id)

    def _on_save_failed(self, building_id: int, error: BaseException) -> None:
        message = user_message(error)
        if message is None:
            log.error("Saving the repair needs of building %d failed", building_id, exc_info=error)
            message = _("The repair needs could not be saved. Try again; the log file tells more.")
        if building_id == self._building_id:
            self._show_problem(message)
        self.save_failed.emit(building_id, message)

    def _show_problem(self, message: str) -> None:
        self._pending_error = True
        self.message_label.setText(message)
        self.message_widget.setVisible(True)

    def _hide_message(self) -> None:
        self.message_label.clear()
        self.message_widget.setVisible(False)


# The parts of a need that InvalidRepairNeed names, in the order of the table's columns.
REPAIR_COLUMNS = ("year", "estimated_cost", "description")
# Rows shown in an empty or short table, so that it never collapses to its header.
MIN_REPAIR_ROWS_SHOWN = 3


def repair_service(workspace: Workspace) -> RepairService:
    """Return the workspace's repair service, or one on its database and undo stack."""
    service = getattr(workspace, "repairs", None)
    if isinstance(service, RepairService):
        return service
    return RepairService(
        workspace.database, os_user=workspace.edits.os_user, undo_stack=workspace.undo_stack
    )


def parse_year(text: str) -> int:
    """Return the year typed, or 0 for text that is no year, which the check then rejects."""
    stripped = text.strip()
    return int(stripped) if stripped.isascii() and stripped.isdigit() else 0


def parse_repair_cost(text: str, language: str) -> Decimal | None:
    """Return the cost typed in the language's number format, with or without €.

    Returns None for empty text, and NaN for text that is no number, which the check of
    the repair needs then rejects with its message.
    """
    stripped = text.strip().removesuffix("€").removeprefix("€").removesuffix("EUR").strip()
    if not stripped:
        return None
    if language == "en":
        # English writes commas between thousands and a point before the decimals.
        stripped = stripped.replace(",", "")
    try:
        return parse_decimal(stripped)
    except ValueError:
        return Decimal("NaN")
