"""Reading the register list straight from SQLite, without SQLAlchemy.

The ``building_list`` table (kept by ``tilaapp.services.listing``) contains each building's
listed values in use, so that the list can be filtered and sorted by SQLite. These
functions take a cursor of Python's ``sqlite3`` module, so that the desktop application
can show the list before SQLAlchemy has been imported, and ``ListReader`` opens such a
connection on a database file.

Filtering splits the query on white space and keeps the buildings whose ``search_text``
contains every term, case-folded. SQLite's ``LIKE`` folds only ASCII letters, so the
terms are matched with ``instr`` against text folded in Python.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from tilaapp.domain.collation import sort_key
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.identifiers import normalise_property_identifier
from tilaapp.storage.files import HEAD_REVISION

log = logging.getLogger(__name__)

LIST_COLUMNS: tuple[str, ...] = (
    "permanent_building_identifier",
    "address",
    "local_name",
    "property_identifier",
    "old_building_identifier",
    "municipality_number",
    "building_class_2018",
    "use_class_1994",
    "gross_floor_area",
    "completion_date",
    "tenure",
    "holder_entity",
)
"""Column ids of the register list, in the default display order."""

# Ids per IN (...) list, well below SQLite's limit of bound parameters.
ID_CHUNK = 500
# Areas are stored as integers in thousandths, as ``tilaapp.storage.types.ScaledDecimal``
# writes them.
_AREA_FACTOR = Decimal(1000)


class ListRow(NamedTuple):
    """One building of the register list, with its values in use."""

    id: int
    permanent_building_identifier: str | None
    address: str | None
    """The first address, as ``Koulutie 2 A, 15100 Lahti``."""
    local_name: str | None
    property_identifier: str | None
    """The long form (``39800100010001``); format it for display."""
    old_building_identifier: str | None
    municipality_number: str | None
    building_class_2018: str | None
    use_class_1994: str | None
    gross_floor_area: Decimal | None
    completion_date: PartialDate | None
    tenure: str | None
    """A ``Tenure`` value, or None outside the portfolio."""
    holder_entity: str | None
    """The holder entity's name, or its business ID when it has no name."""
    building_class_origin: str
    """``register``, ``crosswalk`` (from the 1994 use class) or ``unknown``."""
    in_portfolio: bool
    has_local_values: bool


# The stored column that each list column sorts by. The holder entity sorts by its
# display name, whose order is computed when asked (``_holder_order``).
_SORT_COLUMNS = {
    "permanent_building_identifier": "permanent_building_identifier",
    "address": "address_sort_key",
    "local_name": "local_name_sort_key",
    "property_identifier": "property_identifier",
    "old_building_identifier": "old_building_identifier",
    "municipality_number": "municipality_number",
    "building_class_2018": "building_class_2018",
    "use_class_1994": "use_class_1994",
    "gross_floor_area": "gross_floor_area",
    "completion_date": "completion_date",
    "tenure": "tenure",
}
HOLDER_COLUMN = "holder_entity"


def list_ids(
    cursor: sqlite3.Cursor,
    *,
    text: str = "",
    all_buildings: bool = False,
    sort_column: str = "permanent_building_identifier",
    descending: bool = False,
) -> list[int]:
    """Return the ids of the portfolio's buildings, or every building, that match ``text``.

    ``text`` is split on white space, and a building matches when its search text
    contains every term, case-folded. The ids come sorted by ``sort_column`` (one of
    ``LIST_COLUMNS``), empty values last in both directions and ties by id. Raises
    ValueError for another column.
    """
    order = _order_expression(cursor, sort_column)
    conditions: list[str] = []
    parameters: list[str] = []
    if not all_buildings:
        conditions.append("in_portfolio = 1")
    for term in search_terms(text):
        conditions.append("instr(search_text, ?) > 0")
        parameters.append(term)

    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    direction = "DESC" if descending else "ASC"
    statement = (
        f"SELECT building_id FROM building_list {where} "
        f"ORDER BY {order} {direction} NULLS LAST, building_id"
    )
    cursor.execute(statement, parameters)
    return [row[0] for row in cursor.fetchall()]


def search_terms(text: str) -> list[str]:
    """Return the distinct terms of a filter text, folded as the search text is.

    A whole hyphenated property identifier is searched in its long form, so that
    ``081-401-14-29`` and ``81-401-0014-0029`` find the same property.
    """
    return list(dict.fromkeys(fold(_property_long_form(term) or term) for term in text.split()))


_HYPHENATED_PROPERTY = re.compile(r"[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,4}-[0-9]{1,4}(-[Mm][0-9]{1,4})?")


def _property_long_form(term: str) -> str | None:
    if not _HYPHENATED_PROPERTY.fullmatch(term):
        return None
    try:
        return normalise_property_identifier(term)
    except ValueError:
        return None


def count_listed(cursor: sqlite3.Cursor, *, all_buildings: bool = False) -> int:
    """Return how many buildings the unfiltered list has: the portfolio or every building."""
    where = "" if all_buildings else " WHERE in_portfolio = 1"
    cursor.execute(f"SELECT count(*) FROM building_list{where}")
    return int(cursor.fetchone()[0])


_ROW_COLUMNS = (
    "l.building_id",
    "l.permanent_building_identifier",
    "l.address",
    "l.local_name",
    "l.property_identifier",
    "l.old_building_identifier",
    "l.municipality_number",
    "l.building_class_2018",
    "l.use_class_1994",
    "l.gross_floor_area",
    "l.completion_date",
    "l.tenure",
    "coalesce(h.name, h.business_id)",
    "l.building_class_origin",
    "l.in_portfolio",
    "l.has_local_values",
)


def list_rows(cursor: sqlite3.Cursor, ids: Sequence[int]) -> list[ListRow]:
    """Return the list rows of ``ids`` in the order given; ids without a row are left out."""
    found: dict[int, ListRow] = {}
    for chunk in chunks(list(dict.fromkeys(ids)), ID_CHUNK):
        cursor.execute(
            f"SELECT {', '.join(_ROW_COLUMNS)} FROM building_list l "
            "LEFT JOIN holder_entity h ON h.id = l.holder_entity_id "
            f"WHERE l.building_id IN ({placeholders(len(chunk))})",
            chunk,
        )
        found.update((row[0], _list_row(row)) for row in cursor.fetchall())
    return [found[building_id] for building_id in ids if building_id in found]


def _list_row(row: tuple[Any, ...]) -> ListRow:
    area = scaled_decimal(row[9])
    completion = PartialDate.from_iso(row[10]) if row[10] is not None else None
    return ListRow(
        id=row[0],
        permanent_building_identifier=row[1],
        address=row[2],
        local_name=row[3],
        property_identifier=row[4],
        old_building_identifier=row[5],
        municipality_number=row[6],
        building_class_2018=row[7],
        use_class_1994=row[8],
        gross_floor_area=area,
        completion_date=completion,
        tenure=row[11],
        holder_entity=row[12],
        building_class_origin=row[13],
        in_portfolio=bool(row[14]),
        has_local_values=bool(row[15]),
    )


def _order_expression(cursor: sqlite3.Cursor, sort_column: str) -> str:
    if sort_column == HOLDER_COLUMN:
        return _holder_order(cursor)
    column = _SORT_COLUMNS.get(sort_column)
    if column is None:
        raise ValueError(
            f"unknown sort column {sort_column!r}, expected one of {', '.join(LIST_COLUMNS)}"
        )
    return column


def _holder_order(cursor: sqlite3.Cursor) -> str:
    """Return an SQL expression of each row's holder entity's place in name order.

    A municipal group has a few holder entities, so their order is computed here with the
    Finnish and Swedish collation and written into the statement as integers.
    """
    cursor.execute("SELECT id, coalesce(name, business_id) FROM holder_entity")
    entities = sorted(cursor.fetchall(), key=lambda row: (sort_key(row[1]), row[0]))
    if not entities:
        return "NULL"
    cases = " ".join(f"WHEN {int(row[0])} THEN {rank}" for rank, row in enumerate(entities))
    return f"CASE holder_entity_id {cases} END"


def scaled_decimal(stored: int | None) -> Decimal | None:
    """Return an area stored in thousandths as the decimal it stands for."""
    return None if stored is None else Decimal(int(stored)) / _AREA_FACTOR


def fold(text: str) -> str:
    """Return ``text`` case-folded as the list's search text is."""
    folded = text.casefold()
    return folded if folded.isascii() else unicodedata.normalize("NFC", folded)


def placeholders(count: int) -> str:
    return ",".join("?" * count)


def chunks(items: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ListReader:
    """A connection of its own to a database file, for reading the register list.

    Its reads see every committed write of the application's other connections. Each
    read is a statement of its own, so the reader holds no lock between reads.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # Opened for reading and writing without creating, so that a missing file is an
        # error and not a new empty database. A writer on another connection may hold the
        # file for a moment, hence the timeout in seconds.
        self._connection = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=10
        )

    @classmethod
    def open(cls, path: Path) -> ListReader | None:
        """Return a reader on ``path`` when its list can be read as it is, else None.

        None is returned for a file that is missing, is not a database, or has another
        schema revision than this version's. ``open_database`` raises the error that
        names which.
        """
        try:
            reader = cls(path)
        except sqlite3.Error as error:
            log.info("%s: not readable as a database (%s)", path, error)
            return None
        if reader.schema_is_current():
            return reader
        reader.close()
        return None

    def schema_is_current(self) -> bool:
        """Return True when the file has this version's schema, so the list can be read."""
        try:
            rows = self._connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.DatabaseError as error:
            log.info("%s: no schema version readable (%s)", self.path, error)
            return False
        return rows == [(HEAD_REVISION,)]

    def home_municipality_name(self, language: str) -> str | None:
        """Return the home municipality's Swedish name for ``sv``, else its Finnish name.

        The names come from the database's copy of the municipality list, so that the
        first window needs not read the bundled list. None when no home is set.
        """
        row = self._connection.execute(
            "SELECT m.name_fi, m.name_sv FROM database_info i "
            "JOIN municipality m ON m.code = i.home_municipality_code WHERE i.id = 1"
        ).fetchone()
        if row is None:
            return None
        return str(row[1] if language == "sv" else row[0])

    def ids(
        self, *, text: str, all_buildings: bool, sort_column: str, descending: bool
    ) -> list[int]:
        return list_ids(
            self._connection.cursor(),
            text=text,
            all_buildings=all_buildings,
            sort_column=sort_column,
            descending=descending,
        )

    def count(self, *, all_buildings: bool) -> int:
        return count_listed(self._connection.cursor(), all_buildings=all_buildings)

    def rows(self, ids: Sequence[int]) -> list[ListRow]:
        return list_rows(self._connection.cursor(), ids)

    def close(self) -> None:
        self._connection.close()
