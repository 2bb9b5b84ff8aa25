"""The change history of one building or of the whole database, newest first.

``HistoryModel`` reads the history a page at a time as the view scrolls, so a history of
any length opens at once. Each page is a quick indexed read on the GUI thread. Values
are shown in the chosen language through ``tilaapp.domain.formatting``, as the command
line shows them.
"""

from __future__ import annotations

import enum
import functools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCollator,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from tilaapp.domain.codelists import MUNICIPALITY, STRATEGY, code_name, lookup_code
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import ALL_FIELDS, FIELDS_BY_NAME, LOCAL, FieldKind, FieldSpec, Source
from tilaapp.domain.formatting import (
    format_decimal,
    format_money,
    format_partial_date,
    format_timestamp,
)
from tilaapp.domain.identifiers import format_property_identifier
from tilaapp.domain.validation import DECIMAL_RANGES
from tilaapp.i18n import current_language, ngettext, pgettext
from tilaapp.i18n import gettext as _
from tilaapp.services.editing import REDO_SOURCE, UNDO_SOURCE, building_reference
from tilaapp.services.history import (
    HistoryEntry,
    PortfolioHistoryValue,
    building_history,
    database_history,
    field_label,
)
from tilaapp.services.merge import ADDRESSES_FIELD, PRESENCE_FIELD
from tilaapp.services.portfolio import PORTFOLIO_FIELD, PORTFOLIO_SOURCE
from tilaapp.services.repairs import REPAIR_NEEDS_FIELD
from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

PAGE_SIZE = 250
"""History rows read at a time, as the view scrolls down."""

SPREADSHEET_SOURCE = "spreadsheet"
PACKAGE_SOURCE = "package"

BUILDING_ID_ROLE = Qt.ItemDataRole.UserRole + 1
"""Data role of every cell: the database id of the row's building, or None."""

# Text of a missing value: the field had no value before, or has none after, the change.
NO_VALUE = "–"

# Width of the value columns after the first page, in average characters.
VALUE_COLUMN_CHARACTERS = 40

# The parent of a table model's top-level rows, the default of Qt's methods.
_NO_PARENT = QModelIndex()

_QT_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}


class HistoryColumn(enum.Enum):
    WHEN = "when"
    WHO = "who"
    BUILDING = "building"
    FIELD = "field"
    OLD_VALUE = "old_value"
    NEW_VALUE = "new_value"
    SOURCE = "source"


BUILDING_COLUMNS = (
    HistoryColumn.WHEN,
    HistoryColumn.WHO,
    HistoryColumn.FIELD,
    HistoryColumn.OLD_VALUE,
    HistoryColumn.NEW_VALUE,
    HistoryColumn.SOURCE,
)
DATABASE_COLUMNS = (
    HistoryColumn.WHEN,
    HistoryColumn.WHO,
    HistoryColumn.BUILDING,
    HistoryColumn.FIELD,
    HistoryColumn.OLD_VALUE,
    HistoryColumn.NEW_VALUE,
    HistoryColumn.SOURCE,
)


def column_title(column: HistoryColumn) -> str:
    titles = {
        HistoryColumn.WHEN: _("Changed at"),
        HistoryColumn.WHO: _("User"),
        HistoryColumn.BUILDING: _("Building"),
        HistoryColumn.FIELD: _("Field"),
        HistoryColumn.OLD_VALUE: _("Old value"),
        HistoryColumn.NEW_VALUE: _("New value"),
        HistoryColumn.SOURCE: _("Source"),
    }
    return titles[column]


# Value texts


def source_label(source: str) -> str:
    """Return the translated name of a history row's source."""
    labels = {
        Source.DVV_EXTRACT.value: _("DVV building extract"),
        Source.RYHTI.value: _("Ryhti open data"),
        Source.DVV_OPEN.value: _("DVV open address file"),
        LOCAL: _("Edited by hand"),
        UNDO_SOURCE: pgettext("change source", "Undo"),
        REDO_SOURCE: pgettext("change source", "Redo"),
        PORTFOLIO_SOURCE: pgettext("change source", "Portfolio change"),
        SPREADSHEET_SOURCE: _("Spreadsheet import"),
        PACKAGE_SOURCE: _("Data package"),
    }
    return labels.get(source, source)


def tenure_label(tenure: str | None) -> str:
    """Return the translated name of a ``Tenure`` value."""
    labels = {
        "owned": pgettext("tenure", "owned"),
        "leased_in": pgettext("tenure", "leased in"),
    }
    if tenure is None:
        return pgettext("tenure", "tenure not given")
    return labels.get(tenure, tenure)


def format_history_value(
    field: str,
    value: Any,
    source: str,
    holder_names: Mapping[str, str | None] | None = None,
) -> str:
    """Return a history value as the user reads it in the current language.

    ``value`` is typed as ``tilaapp.services.history.history_value`` returns it. The
    code list of a code is the one of the row's register source, else the local one.
    ``holder_names`` maps the business IDs of holder entities to their names, for
    portfolio values. Texts may span lines. ``single_line`` joins them for a table cell.
    """
    if value is None:
        return _portfolio_absent_text() if field == PORTFOLIO_FIELD else NO_VALUE
    if isinstance(value, PortfolioHistoryValue):
        return _portfolio_text(value, holder_names or {})
    if field == REPAIR_NEEDS_FIELD:
        return _repair_needs_text(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")

    spec = FIELDS_BY_NAME.get(field)
    if spec is None:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return _field_value_text(spec, value, source)


def single_line(text: str) -> str:
    """Return the lines of ``text`` joined by spaces, without empty lines.

    No-break spaces stay, so that a unit stays beside its number.
    """
    lines = (line.strip(" \t") for line in text.splitlines())
    return " ".join(line for line in lines if line)


def _field_value_text(spec: FieldSpec, value: Any, source: str) -> str:
    if isinstance(value, Decimal) and spec.kind is FieldKind.MONEY:
        return format_money(value)
    if isinstance(value, Decimal):
        return _decimal_text(spec.name, value)
    if isinstance(value, PartialDate):
        return format_partial_date(value)
    if spec.kind is FieldKind.CODE and isinstance(value, str):
        return _code_text(spec, value, source)
    if spec.name == "property_identifier" and isinstance(value, str):
        return _property_identifier_text(value)
    if isinstance(value, str | int):
        # Integers are counts, classes and years: a year reads wrong with grouping.
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _decimal_text(field: str, value: Decimal) -> str:
    allowed = DECIMAL_RANGES.get(field)
    if allowed is None:
        return format_decimal(value, max_fraction_digits=3)
    number = format_decimal(value, max_fraction_digits=allowed.fraction_digits)
    return f"{number}\u00a0{allowed.unit}" if allowed.unit else number


def _code_text(spec: FieldSpec, code: str, source: str) -> str:
    list_id = _code_list_id(spec, source)
    if list_id is None:
        return code
    try:
        known = lookup_code(list_id, code) is not None
        name = code_name(list_id, code)
    except KeyError:
        log.warning("Field %s names code list %s, which does not exist", spec.name, list_id)
        return code
    # Strategy codes are English words, which the name says again in the chosen language.
    if list_id == STRATEGY:
        return name
    if known or list_id == MUNICIPALITY:
        return f"{code} {name}"
    return name


def _code_list_id(spec: FieldSpec, source: str) -> str | None:
    """Return the code list of the source, else the local list, else any list of the field."""
    for key in (source, LOCAL):
        if key in spec.code_lists:
            return spec.code_lists[key]
    return next(iter(spec.code_lists.values()), None)


def _property_identifier_text(value: str) -> str:
    try:
        return format_property_identifier(value)
    except ValueError:
        return value


def _portfolio_absent_text() -> str:
    return _("not in the portfolio")


def _portfolio_text(value: PortfolioHistoryValue, holder_names: Mapping[str, str | None]) -> str:
    tenure = tenure_label(value.tenure)
    if value.holder_business_id is None:
        return _("{tenure}, holder not named").format(tenure=tenure)
    name = holder_names.get(value.holder_business_id)
    holder = (
        f"{name} ({value.holder_business_id})" if name is not None else value.holder_business_id
    )
    return _("{tenure}, holder {holder}").format(tenure=tenure, holder=holder)


def _repair_needs_text(value: Any) -> str:
    """Return one line per repair need: ``2027: Roof (12 000,00 €)``.

    The history stores repair needs as a JSON list of objects with the keys ``year``,
    ``cost`` (also read as ``estimated_cost``) and ``description``, each optional.
    """
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return json.dumps(value, ensure_ascii=False)
    if not value:
        return _("no repairs")
    return "\n".join(_repair_text(item) for item in value)


def _repair_text(item: Mapping[str, Any]) -> str:
    year = item.get("year")
    description = str(item.get("description") or "").strip()
    cost = _cost_text(item.get("cost", item.get("estimated_cost")))

    text = f"{year}: " if year is not None else ""
    text += description or NO_VALUE
    return f"{text} ({cost})" if cost else text


def _cost_text(cost: Any) -> str:
    if cost is None or isinstance(cost, bool):
        return ""
    try:
        return format_money(Decimal(str(cost)))
    except (InvalidOperation, ValueError):
        return str(cost)


# The model


@dataclass(frozen=True)
class HistoryFilter:
    """Rows of the whole-database history to keep. None keeps every field or source."""

    field: str | None = None
    source: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class _Row:
    entry: HistoryEntry
    texts: dict[HistoryColumn, str]


class HistoryModel(QAbstractTableModel):
    """The change history of one building, or of every building when ``building_id`` is None.

    Rows are read ``page_size`` at a time: the first page on ``refresh``, the next ones
    when a view calls ``fetchMore`` as it scrolls to the end.
    """

    def __init__(
        self,
        workspace: Workspace,
        building_id: int | None,
        *,
        page_size: int = PAGE_SIZE,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if page_size < 1:
            raise ValueError(f"page_size must be 1 or more, got {page_size}")
        self._workspace = workspace
        self._building_id = building_id
        self._page_size = page_size
        self._filter = HistoryFilter()
        self._columns = BUILDING_COLUMNS if building_id is not None else DATABASE_COLUMNS
        self._rows: list[_Row] = []
        self._has_more = False
        self._holder_names: dict[str, str | None] = {}
        self.refresh()

    @property
    def building_id(self) -> int | None:
        return self._building_id

    @property
    def columns(self) -> tuple[HistoryColumn, ...]:
        return self._columns

    @property
    def history_filter(self) -> HistoryFilter:
        return self._filter

    @property
    def has_more(self) -> bool:
        """Whether older rows are left to read."""
        return self._has_more

    def set_filter(self, history_filter: HistoryFilter) -> None:
        """Keep only the rows of a field or source, and read the history again.

        Only the whole-database history filters: a building's history has few rows.
        """
        if self._building_id is not None:
            raise ValueError("only the history of the whole database can be filtered")
        self._filter = history_filter
        self.refresh()

    def refresh(self) -> None:
        """Read the history again from its newest row, as after a change of the database."""
        self.beginResetModel()
        self._rows = []
        self._holder_names = self._read_holder_names()
        self._append_page()
        self.endResetModel()

    def entry(self, row: int) -> HistoryEntry:
        return self._rows[row].entry

    def column_of(self, column: HistoryColumn) -> int:
        """Return the model column of ``column``. Raises ValueError when the view lacks it."""
        return self._columns.index(column)

    # QAbstractTableModel

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _NO_PARENT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]

        if role == Qt.ItemDataRole.DisplayRole:
            return single_line(row.texts[column])
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.texts[column]
        if role == BUILDING_ID_ROLE:
            return row.entry.building_id
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(self._columns):
            return None
        return column_title(self._columns[section])

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return not parent.isValid() and self._has_more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex) -> None:
        if parent.isValid() or not self._has_more:
            return
        first = len(self._rows)
        page = self._read_page(first)
        if not page:
            self._has_more = False
            return
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    # Reading

    def _append_page(self) -> None:
        self._rows.extend(self._read_page(len(self._rows)))

    def _read_page(self, offset: int) -> list[_Row]:
        """Read the page that starts at ``offset``, and note whether more rows follow it."""
        # Reading one row more than a page shows whether another page follows, so the
        # history needs no count query, which would scan every row.
        limit = self._page_size + 1
        with self._workspace.read_session() as session:
            if self._building_id is not None:
                entries = building_history(session, self._building_id, limit=limit, offset=offset)
            else:
                entries = database_history(
                    session,
                    limit=limit,
                    offset=offset,
                    field=self._filter.field,
                    source=self._filter.source,
                    text=self._filter.text,
                )

        self._has_more = len(entries) > self._page_size
        log.debug("Read %d history rows from row %d", len(entries), offset)
        return [self._row(entry) for entry in entries[: self._page_size]]

    def _read_holder_names(self) -> dict[str, str | None]:
        entities = self._workspace.portfolio.list_holder_entities()
        return {entity.business_id: entity.name for entity in entities}

    def _row(self, entry: HistoryEntry) -> _Row:
        building = entry.permanent_building_identifier
        if building is None:
            building = f"id:{entry.building_id}" if entry.building_id is not None else ""
        texts = {
            HistoryColumn.WHEN: format_timestamp(entry.changed_at),
            HistoryColumn.WHO: entry.os_user,
            HistoryColumn.BUILDING: building,
            HistoryColumn.FIELD: entry.field_label,
            HistoryColumn.OLD_VALUE: self._value_text(entry, entry.old_value),
            HistoryColumn.NEW_VALUE: self._value_text(entry, entry.new_value),
            HistoryColumn.SOURCE: source_label(entry.source),
        }
        return _Row(entry, texts)

    def _value_text(self, entry: HistoryEntry, value: Any) -> str:
        return format_history_value(entry.field, value, entry.source, self._holder_names)


# The widgets


def sort_key_for_language() -> Callable[[str], Any]:
    """Return a sort key that orders text as the chosen language does (å, ä, ö last in fi)."""
    locale = QLocale(_QT_LOCALES.get(current_language(), "en_GB"))
    collator = QCollator(locale)
    collator.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    return functools.cmp_to_key(collator.compare)


def history_fields() -> list[str]:
    """Return every field a history row may name, in the order of their translated labels."""
    names = [spec.name for spec in ALL_FIELDS]
    names += [PORTFOLIO_FIELD, PRESENCE_FIELD, ADDRESSES_FIELD, REPAIR_NEEDS_FIELD]
    key = sort_key_for_language()
    return sorted(names, key=lambda name: key(field_label(name)))


def history_sources() -> list[str]:
    registers = [source.value for source in Source]
    edits = [LOCAL, UNDO_SOURCE, REDO_SOURCE, PORTFOLIO_SOURCE, SPREADSHEET_SOURCE, PACKAGE_SOURCE]
    return registers + edits


class HistoryView(QWidget):
    """A table of the change history, with filters by field and source for the whole database.

    Signals:
        building_activated(id): the user double-clicked, or pressed Enter on, a row of
            the building with this database id.
    """

    building_activated = Signal(int)

    def __init__(
        self,
        workspace: Workspace,
        building_id: int | None,
        parent: QWidget | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self._model = HistoryModel(workspace, building_id, page_size=page_size, parent=self)
        self._table = self._create_table()
        self._status = QLabel(self)
        self._status.setWordWrap(True)
        self._field_filter: QComboBox | None = None
        self._source_filter: QComboBox | None = None
        self._text_filter: QLineEdit | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if building_id is None:
            layout.addLayout(self._create_filters())
        layout.addWidget(self._table, 1)
        layout.addWidget(self._status)

        self._columns_fitted = False
        self._model.modelReset.connect(self._on_model_reset)
        self._model.rowsInserted.connect(self._update_status)
        self._on_model_reset()

    @property
    def model(self) -> HistoryModel:
        return self._model

    @property
    def table(self) -> QTableView:
        return self._table

    @property
    def field_filter(self) -> QComboBox | None:
        """The field filter of the whole-database history; None for a building."""
        return self._field_filter

    @property
    def text_filter(self) -> QLineEdit | None:
        """The free-text filter of the whole-database view; None for one building."""
        return self._text_filter

    @property
    def source_filter(self) -> QComboBox | None:
        return self._source_filter

    @property
    def status_text(self) -> str:
        return self._status.text()

    def refresh(self) -> None:
        """Read the history again from its newest row."""
        self._model.refresh()

    def _create_table(self) -> QTableView:
        table = QTableView(self)
        table.setModel(self._model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.verticalHeader().hide()
        # One line of text per row, with the style's usual padding around it.
        line_height = table.fontMetrics().lineSpacing()
        table.verticalHeader().setDefaultSectionSize(line_height + line_height // 2)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.activated.connect(self._on_row_activated)
        return table

    def _create_filters(self) -> QHBoxLayout:
        self._field_filter = QComboBox(self)
        self._field_filter.addItem(_("All fields"), None)
        for name in history_fields():
            self._field_filter.addItem(field_label(name), name)
        self._field_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self._source_filter = QComboBox(self)
        self._source_filter.addItem(_("All sources"), None)
        for source in history_sources():
            self._source_filter.addItem(source_label(source), source)
        self._source_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)

        self._text_filter = QLineEdit(self)
        self._text_filter.setPlaceholderText(_("Building identifier, user or value"))
        self._text_filter.setClearButtonEnabled(True)

        self._field_filter.currentIndexChanged.connect(self._on_filter_changed)
        self._source_filter.currentIndexChanged.connect(self._on_filter_changed)
        self._text_filter.textChanged.connect(self._on_filter_changed)

        row = QHBoxLayout()
        for text, combo in (
            (_("&Field:"), self._field_filter),
            (_("&Source:"), self._source_filter),
        ):
            label = QLabel(text, self)
            label.setBuddy(combo)
            row.addWidget(label)
            row.addWidget(combo)
        find = QLabel(_("F&ind:"), self)
        find.setBuddy(self._text_filter)
        row.addWidget(find)
        row.addWidget(self._text_filter, 1)
        return row

    def _on_model_reset(self) -> None:
        # Columns fit the first rows read. Later the user's column widths stay.
        if not self._columns_fitted and self._model.rowCount() > 0:
            self._fit_columns()
            self._columns_fitted = True
        self._update_status()

    def _fit_columns(self) -> None:
        """Fit the columns to the first page, the value columns no wider than about 40 letters."""
        self._table.resizeColumnsToContents()
        widest = self._table.fontMetrics().averageCharWidth() * VALUE_COLUMN_CHARACTERS
        for column in (HistoryColumn.OLD_VALUE, HistoryColumn.NEW_VALUE):
            section = self._model.column_of(column)
            if self._table.columnWidth(section) > widest:
                self._table.setColumnWidth(section, widest)

    def _on_filter_changed(self) -> None:
        assert self._field_filter is not None and self._source_filter is not None
        assert self._text_filter is not None
        history_filter = HistoryFilter(
            field=self._field_filter.currentData(),
            source=self._source_filter.currentData(),
            text=self._text_filter.text().strip() or None,
        )
        self._model.set_filter(history_filter)

    def _on_row_activated(self, index: QModelIndex) -> None:
        building_id = self._model.entry(index.row()).building_id
        if building_id is not None:
            self.building_activated.emit(building_id)

    def _update_status(self) -> None:
        self._status.setText(self._status_sentence())

    def _status_sentence(self) -> str:
        count = self._model.rowCount()
        if count == 0 and self._model.history_filter != HistoryFilter():
            return _("No changes match the filter.")
        if count == 0 and self._model.building_id is not None:
            return _("No changes have been recorded for this building.")
        if count == 0:
            return _("No changes have been recorded in the database.")
        if self._model.has_more:
            return ngettext(
                "The newest {count} change is shown. Scroll down to see older ones.",
                "The newest {count} changes are shown. Scroll down to see older ones.",
                count,
            ).format(count=count)
        sentence = ngettext(
            "{count} change, newest first.", "{count} changes, newest first.", count
        )
        return sentence.format(count=count)


class HistoryDialog(QDialog):
    """A window with the change history of one building, or of the whole database.

    It reads the history again whenever ``workspace.buildings_changed`` names its
    building, or any building for the whole database.

    Signals:
        building_activated(id): the user double-clicked a row of this building.
    """

    building_activated = Signal(int)

    def __init__(
        self,
        workspace: Workspace,
        building_id: int | None,
        parent: QWidget | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self._building_id = building_id
        self.setWindowTitle(self._title(workspace, building_id))
        self._view = HistoryView(workspace, building_id, self, page_size=page_size)
        self._view.building_activated.connect(self.building_activated)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        buttons.rejected.connect(self.reject)
        self._layout = QVBoxLayout(self)
        self._layout.addWidget(self._view, 1)
        self._layout.addWidget(buttons)

        workspace.buildings_changed.connect(self._on_buildings_changed)
        self._resize_to_fit()

    @property
    def view(self) -> HistoryView:
        return self._view

    @property
    def building_id(self) -> int | None:
        return self._building_id

    def _title(self, workspace: Workspace, building_id: int | None) -> str:
        if building_id is None:
            return _("Change history of the database")
        with workspace.read_session() as session:
            building = building_reference(session, building_id)
        return _("Change history of building {building}").format(building=building)

    def _resize_to_fit(self) -> None:
        """Open wide enough for every column of the first page, and at most the screen."""
        table = self._view.table
        columns = range(self._view.model.columnCount())
        margins = self.contentsMargins() + self._layout.contentsMargins()
        width = sum(table.columnWidth(section) for section in columns)
        width += table.frameWidth() * 2 + table.verticalScrollBar().sizeHint().width()
        width += margins.left() + margins.right()
        height = table.fontMetrics().height() * 30

        available = self.screen().availableGeometry()
        width = min(width, available.width() * 9 // 10)
        height = min(height, available.height() * 8 // 10)
        self.resize(width, height)

    def _on_buildings_changed(self, building_ids: Sequence[int]) -> None:
        if self._building_id is None or not building_ids or self._building_id in building_ids:
            self._view.refresh()


__all__ = [
    "BUILDING_ID_ROLE",
    "PAGE_SIZE",
    "HistoryColumn",
    "HistoryDialog",
    "HistoryFilter",
    "HistoryModel",
    "HistoryView",
    "format_history_value",
    "source_label",
    "tenure_label",
]
