"""The register list as a lazy table model: ids in memory, rows read a page at a time."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont

from tilaapp.i18n import gettext as _
from tilaapp.services.list_query import LIST_COLUMNS, ListReader, ListRow
from tilaapp.services.list_texts import list_cell_text, list_column_label

if TYPE_CHECKING:
    # The workspace brings in SQLAlchemy, which the first window does without.
    from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

PAGE_SIZE = 200
PAGES_CACHED = 30

BUILDING_ID_ROLE = Qt.ItemDataRole.UserRole + 1

NUMERIC_COLUMNS = frozenset({"gross_floor_area"})
_TEXT_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.FontRole,
)
DEFAULT_COLUMNS: tuple[str, ...] = (
    "permanent_building_identifier",
    "address",
    "local_name",
    "building_class_2018",
    "gross_floor_area",
    "completion_date",
    "holder_entity",
)


@dataclass(frozen=True)
class ListQuery:
    text: str
    all_buildings: bool
    sort_column: str
    descending: bool


class RegisterModel(QAbstractTableModel):
    """The buildings of the register view, filtered and sorted by SQLite.

    Only the ids of the matching buildings are held; the rows shown are read in pages of
    ``PAGE_SIZE`` and the newest ``PAGES_CACHED`` pages are kept. The model reads through
    a ``ListReader``, without SQLAlchemy, so that it can show the list before the workspace
    has loaded; ``follow`` then keeps it current with the workspace's edits.

    Signals:
        reloaded(shown, total): the filter, sort or data changed; ``shown`` buildings
            match out of ``total`` in the current scope.
    """

    reloaded = Signal(int, int)

    def __init__(self, reader: ListReader, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._reader = reader
        self._columns: list[str] = list(LIST_COLUMNS)
        self._ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, ListRow]] = OrderedDict()
        self._text = ""
        self._all_buildings = False
        self._sort_column = "permanent_building_identifier"
        self._descending = False
        self.total = 0
        self._loaded = False
        self.last_query_seconds = 0.0
        self._italic = QFont()
        self._italic.setItalic(True)

    def follow(self, workspace: Workspace) -> None:
        """Read the list again whenever the workspace changes buildings."""
        workspace.buildings_changed.connect(self._on_buildings_changed)

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    @property
    def all_buildings(self) -> bool:
        return self._all_buildings

    def query(self) -> ListQuery:
        """Return the filter, scope and sort the view shows, to export the same list."""
        return ListQuery(self._text, self._all_buildings, self._sort_column, self._descending)

    def building_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, building_id: int) -> int | None:
        try:
            return self._ids.index(building_id)
        except ValueError:
            return None

    def reload(self) -> None:
        """Run the filter and sort again and show the result."""
        started = time.perf_counter()
        ids = self._reader.ids(
            text=self._text,
            all_buildings=self._all_buildings,
            sort_column=self._sort_column,
            descending=self._descending,
        )
        total = self._reader.count(all_buildings=self._all_buildings)

        self.beginResetModel()
        self._loaded = True
        self._ids = ids
        self._pages.clear()
        self.total = total
        self.endResetModel()

        self.last_query_seconds = time.perf_counter() - started
        log.debug("Register list: %d of %d in %.3f s", len(ids), total, self.last_query_seconds)
        self.reloaded.emit(len(ids), total)

    def set_filter_text(self, text: str) -> None:
        if text != self._text:
            self._text = text
            self.reload()

    def set_all_buildings(self, all_buildings: bool) -> None:
        if all_buildings != self._all_buildings:
            self._all_buildings = all_buildings
            self.reload()

    # Qt's model interface.

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return list_column_label(column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == BUILDING_ID_ROLE:
            return self._ids[index.row()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(column)
        if role not in _TEXT_ROLES:
            return None

        row = self._row(index.row())
        if row is None:
            return None
        derived = column == "building_class_2018" and row.building_class_origin == "crosswalk"
        if role == Qt.ItemDataRole.FontRole:
            return self._italic if derived else None

        text = list_cell_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and derived and text:
            return _(
                "{value}: derived from the use class (1994), because the register gives no "
                "building class (2018)."
            ).format(value=text)
        return text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        sort_column = self._columns[column]
        descending = order == Qt.SortOrder.DescendingOrder
        if self._loaded and (sort_column, descending) == (self._sort_column, self._descending):
            # The view requests the same order again while it sets up its header.
            return
        self._sort_column = sort_column
        self._descending = descending
        self.reload()

    # Internals.

    def _row(self, row: int) -> ListRow | None:
        page_number = row // PAGE_SIZE
        page = self._pages.get(page_number)
        if page is None:
            page = self._read_page(page_number)
        else:
            self._pages.move_to_end(page_number)
        return page.get(self._ids[row])

    def _read_page(self, page_number: int) -> dict[int, ListRow]:
        ids = self._ids[page_number * PAGE_SIZE : (page_number + 1) * PAGE_SIZE]
        rows = self._reader.rows(ids)
        page = {row.id: row for row in rows}
        self._pages[page_number] = page
        while len(self._pages) > PAGES_CACHED:
            self._pages.popitem(last=False)
        return page

    def _on_buildings_changed(self, building_ids: Sequence[int]) -> None:
        # A change can move a building in or out of the filter or the sort order, so the
        # ids are read again. The view keeps its selection by building id.
        self.reload()


def _alignment(column: str) -> int:
    horizontal = (
        Qt.AlignmentFlag.AlignRight if column in NUMERIC_COLUMNS else Qt.AlignmentFlag.AlignLeft
    )
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
