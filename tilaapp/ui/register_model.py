"""The register list as a lazy table model: ids in memory, rows read a page at a time."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Signal,
)
from PySide6.QtGui import QFont, QStandardItem, QStandardItemModel

from tilaapp.i18n import gettext as _
from tilaapp.services.list_query import LIST_COLUMNS, ListReader, ListRow
from tilaapp.services.list_texts import list_cell_text, list_column_label

if TYPE_CHECKING:
    # The workspace brings in SQLAlchemy, which the first window does without.
    from tilaapp.ui.workspace import Workspace

log = logging.getLogger(__name__)

PAGE_SIZE = 200
PAGES_CACHED = 30

# Qt's item data roles and alignment flags (qnamespace.h) as plain ints. Roles reach
# Python as ints, and looking up PySide6's ``Qt`` namespace builds all of its enums
# (about 15 ms), which the first window is shown without.
DISPLAY_ROLE = 0
TOOL_TIP_ROLE = 3
FONT_ROLE = 6
TEXT_ALIGNMENT_ROLE = 7
USER_ROLE = 0x0100
ALIGN_LEFT = 0x0001
ALIGN_RIGHT = 0x0002
ALIGN_VCENTER = 0x0080

BUILDING_ID_ROLE = USER_ROLE + 1

NUMERIC_COLUMNS = frozenset({"gross_floor_area"})
_TEXT_ROLES = (DISPLAY_ROLE, TOOL_TIP_ROLE, FONT_ROLE)
DEFAULT_COLUMNS: tuple[str, ...] = (
    "permanent_building_identifier",
    "address",
    "local_name",
    "building_class_2018",
    "gross_floor_area",
    "completion_date",
    "holder_entity",
)


class ListQuery(NamedTuple):
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
        self._sort_column = LIST_COLUMNS[0]
        self._descending = False
        self.total = 0
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

    @property
    def sort_column(self) -> str:
        return self._sort_column

    @property
    def descending(self) -> bool:
        return self._descending

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

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY_ROLE) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == BUILDING_ID_ROLE:
            return self._ids[index.row()]
        if role == TEXT_ALIGNMENT_ROLE:
            return _alignment(column)
        if role not in _TEXT_ROLES:
            return None

        row = self._row(index.row())
        if row is None:
            return None
        derived = column == "building_class_2018" and row.building_class_origin == "crosswalk"
        if role == FONT_ROLE:
            return self._italic if derived else None

        text = list_cell_text(row, column)
        if role == TOOL_TIP_ROLE and derived and text:
            return _(
                "{value}: derived from the use class (1994), because the register gives no "
                "building class (2018)."
            ).format(value=text)
        return text

    def set_sort(self, column: str, descending: bool) -> None:
        """Sort by the column id ``column`` and show the result."""
        if column not in self._columns:
            raise ValueError(f"unknown list column {column!r}")
        self._sort_column = column
        self._descending = descending
        self.reload()

    def header_model(self, parent: QObject | None = None) -> QStandardItemModel:
        """Return a model of the column labels for the view's header.

        The header reads its labels from this model rather than from ``headerData``: Qt
        calls ``headerData`` with a ``Qt.Orientation``, whose conversion to Python builds
        PySide6's whole ``Qt`` namespace before the first window is painted.
        """
        labels = QStandardItemModel(0, len(self._columns), parent)
        for index, column in enumerate(self._columns):
            item = QStandardItem(list_column_label(column))
            if column in NUMERIC_COLUMNS:
                item.setData(ALIGN_RIGHT | ALIGN_VCENTER, TEXT_ALIGNMENT_ROLE)
            labels.setHorizontalHeaderItem(index, item)
        return labels

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
    horizontal = ALIGN_RIGHT if column in NUMERIC_COLUMNS else ALIGN_LEFT
    return horizontal | ALIGN_VCENTER
