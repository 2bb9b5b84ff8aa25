"""The register list: every building with its values in use, for lists that open at once.

Choosing each value in use (``tilaapp.services.values``) for 100,000 buildings takes
seconds, too long for a list that must open in under a second and filter as the user
types. So the services keep a copy of each building's listed values in use in the
``building_list`` table, one row per building (``ListEntry``):

- ``write_changes`` refreshes the buildings of every edit, portfolio change, undo and
  redo; the import refreshes the buildings it touched (``refresh_imported``).
- A database upgraded from before the list existed has no rows: ``ensure_list`` builds
  the missing ones.

Rows are computed in chunks of buildings with one query per table and written with
multi-row ``INSERT`` statements, through the session's own connection and transaction.

Reading, filtering and sorting the list is in ``tilaapp.services.list_query``.
"""

from __future__ import annotations

import datetime
import functools
import logging
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from tilaapp.domain.codelists import (
    BUILDING_CLASS_2018,
    USE_CLASS_1994,
    ClassOrigin,
    building_class_2018_for,
    lookup_code,
)
from tilaapp.domain.collation import sort_key
from tilaapp.domain.fields import SOURCE_PRIORITY
from tilaapp.domain.identifiers import format_property_identifier
from tilaapp.services import list_query
from tilaapp.services.list_query import ID_CHUNK, chunks, fold, placeholders

# The list's columns and rows are defined with the reading functions. They are named
# here too for the callers that write and read the list through a session.
from tilaapp.services.list_query import LIST_COLUMNS as LIST_COLUMNS
from tilaapp.services.list_query import ListRow as ListRow
from tilaapp.services.list_query import search_terms as search_terms
from tilaapp.storage.models import LocalValue
from tilaapp.storage.types import UTCDateTime

log = logging.getLogger(__name__)


# Buildings per round of queries and writes: bounds memory however many are refreshed.
REFRESH_CHUNK = 2_000
# Rows per INSERT statement: 19 columns each, far below SQLite's 32,766 parameters.
ROWS_PER_STATEMENT = 100
# Sort keys kept for reuse; the cache starts again when full, which bounds its memory
# when a whole country's streets pass through it.
TEXT_CACHE_SIZE = 50_000

_SQLITE = sqlite.dialect()
_TIME_TYPE = UTCDateTime()


# Reading the list, in a session's transaction


def list_ids(
    session: Session,
    *,
    text: str = "",
    all_buildings: bool = False,
    sort_column: str = "permanent_building_identifier",
    descending: bool = False,
) -> list[int]:
    """Return the ids of the listed buildings that match ``text``: see ``list_query.list_ids``."""
    return list_query.list_ids(
        _cursor(session),
        text=text,
        all_buildings=all_buildings,
        sort_column=sort_column,
        descending=descending,
    )


def count_listed(session: Session, *, all_buildings: bool = False) -> int:
    """Return how many buildings the unfiltered list has: the portfolio or every building."""
    return list_query.count_listed(_cursor(session), all_buildings=all_buildings)


def list_rows(session: Session, ids: Sequence[int]) -> list[ListRow]:
    """Return the list rows of ``ids`` in the order given; ids without a row are left out."""
    return list_query.list_rows(_cursor(session), ids)


# Keeping the list true


def ensure_list(session: Session) -> int:
    """Build the rows of the buildings that have none, and return how many were built.

    A database upgraded from before the list existed has no rows. When the list has a row
    for every building, this costs two counts.
    """
    session.flush()
    cursor = _cursor(session)
    if _count(cursor, "building") == _count(cursor, "building_list"):
        return 0

    cursor.execute(
        "SELECT b.id FROM building b LEFT JOIN building_list l ON l.building_id = b.id "
        "WHERE l.building_id IS NULL ORDER BY b.id"
    )
    missing = [row[0] for row in cursor.fetchall()]
    refresh_list(session, missing)
    log.info("Built the register list rows of %d buildings", len(missing))
    return len(missing)


def refresh_list(session: Session, building_ids: Collection[int] | None = None) -> None:
    """Write the list rows of ``building_ids`` from their stored values; None means all.

    Runs in the caller's transaction, after flushing the session's pending changes.
    """
    session.flush()
    cursor = _cursor(session)
    builder = _RowBuilder()
    count = 0
    for selection in _selections(cursor, building_ids):
        rows = builder.rows(cursor, selection)
        _write_rows(cursor, rows)
        count += len(rows)
    log.debug("Refreshed %d register list rows", count)


def refresh_imported(
    session: Session, batch_ids: Collection[int], imported_at: datetime.datetime
) -> None:
    """Refresh the list rows of the buildings that an import changed.

    Those are the buildings that the batches ``batch_ids`` delivered or marked absent,
    and the buildings that joined the portfolio at ``imported_at``. The new buildings of
    a bulk load of the open address file are left without rows: ``ensure_list`` builds
    them when the list is first needed, so that a filtered load does not pay for them.
    """
    session.flush()
    cursor = _cursor(session)
    added_at = _TIME_TYPE.process_bind_param(imported_at, _SQLITE)
    refresh_list(session, _touched_by_import(cursor, batch_ids, added_at))


def _touched_by_import(
    cursor: sqlite3.Cursor, batch_ids: Collection[int], portfolio_added_at: str | None
) -> list[int]:
    batches = [int(batch_id) for batch_id in batch_ids]
    touched: set[int] = set()
    for chunk in chunks(batches, ID_CHUNK):
        marks = placeholders(len(chunk))
        cursor.execute(
            "SELECT building_id FROM register_value "
            f"WHERE batch_id IN ({marks}) OR absent_since_batch_id IN ({marks})",
            [*chunk, *chunk],
        )
        touched.update(row[0] for row in cursor.fetchall())
    cursor.execute(
        "SELECT building_id FROM portfolio_entry WHERE added_at = ?", (portfolio_added_at,)
    )
    touched.update(row[0] for row in cursor.fetchall())
    return sorted(touched)


# Which buildings one round reads


# A round reads a whole id range and skips the buildings not requested when at least one
# in this many buildings of the range is requested. Otherwise it names the requested ids.
RANGE_DENSITY = 4


@dataclass(frozen=True)
class _Selection:
    """The buildings of one round: an id range, and the ids requested within it."""

    first: int
    last: int
    requested: frozenset[int] | None
    """None when every building of the range is requested."""

    def condition(self, column: str) -> str:
        """Return SQL that selects the round's buildings by ``column``, or more of them."""
        if self.requested is None or self.last - self.first < RANGE_DENSITY * len(self.requested):
            return f"{column} BETWEEN {self.first} AND {self.last}"
        return f"{column} IN ({','.join(str(i) for i in sorted(self.requested))})"

    def includes(self, building_id: int) -> bool:
        return self.requested is None or building_id in self.requested


def _selections(
    cursor: sqlite3.Cursor, building_ids: Collection[int] | None
) -> Iterator[_Selection]:
    if building_ids is None:
        yield from _all_buildings(cursor)
        return
    ordered = sorted({int(building_id) for building_id in building_ids})
    for chunk in chunks(ordered, REFRESH_CHUNK):
        yield _Selection(chunk[0], chunk[-1], frozenset(chunk))


def _all_buildings(cursor: sqlite3.Cursor) -> Iterator[_Selection]:
    """Yield every building in ranges of ``REFRESH_CHUNK`` ids, without listing them all."""
    last = 0
    while True:
        cursor.execute(
            "SELECT max(id), count(*) FROM "
            "(SELECT id FROM building WHERE id > ? ORDER BY id LIMIT ?)",
            (last, REFRESH_CHUNK),
        )
        highest, count = cursor.fetchone()
        if not count:
            return
        yield _Selection(last + 1, highest, None)
        last = highest


# Computing the rows

_REGISTER_COLUMNS = (
    "municipality_number",
    "property_identifier",
    "property_name",
    "old_building_identifier",
    "gross_floor_area",
    "completion_date",
    "use_class_1994",
    "building_class_2018",
)
_LOCAL_COLUMNS = (*_REGISTER_COLUMNS, "local_name")
_MUNICIPALITY, _PROPERTY, _PROPERTY_NAME, _OLD_IDENTIFIER, _AREA, _COMPLETION = range(6)
_USE_CLASS, _CLASS_2018, _LOCAL_NAME = 6, 7, 8

_SOURCE_RANK = {
    source.value: len(SOURCE_PRIORITY) - index for index, source in enumerate(SOURCE_PRIORITY)
}
_ADDRESS_SOURCE_ORDER = {source.value: index for index, source in enumerate(SOURCE_PRIORITY)}

_WRITTEN_COLUMNS = (
    "building_id",
    "permanent_building_identifier",
    "old_building_identifier",
    "property_identifier",
    "address",
    "address_sort_key",
    "local_name",
    "local_name_sort_key",
    "municipality_number",
    "building_class_2018",
    "building_class_origin",
    "use_class_1994",
    "gross_floor_area",
    "completion_date",
    "in_portfolio",
    "tenure",
    "holder_entity_id",
    "has_local_values",
    "search_text",
)

_Address = tuple[Any, ...]
"""Source, address number, id, street names in Finnish and Swedish, house number, postal
code, post office names in Finnish and Swedish."""
_STREET_FI, _HOUSE, _POSTAL, _OFFICE_FI = 3, 5, 6, 7
_SEARCHED_ADDRESS_PARTS = slice(3, 9)


class _Texts:
    """The text columns of list rows, with caches for what repeats between buildings.

    Street names, house numbers, places and codes repeat across a municipality, so their
    keys and classes are computed once per refresh. The
    general refresh and the bulk load of the open address file share these functions, so
    both write the same rows.
    """

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}
        self._classes: dict[tuple[str | None, str | None], tuple[str | None, ClassOrigin]] = {}

    def address(
        self, street: str | None, house: str | None, postal: str | None, office: str | None
    ) -> tuple[str | None, str | None]:
        """Return an address formatted as ``queries.format_address`` does, and its sort key.

        The key of a text is the keys of its parts joined, as long as no part boundary
        splits a run of digits. The separators " " and ", " between the parts ensure that.
        """
        place = f"{postal} {office}" if postal and office else (postal or office)
        if street and house:
            text = f"{street} {house}"
            key = self._key(street) + self._key(f" {house}")
        else:
            text = street or house or ""
            key = self._key(text) if text else ""
        if not place:
            return (text, key) if text else (None, None)
        if not text:
            return place, self._key(place)
        return f"{text}, {place}", key + self._key(f", {place}")

    def _key(self, text: str) -> str:
        found = self._keys.get(text)
        if found is None:
            if len(self._keys) >= TEXT_CACHE_SIZE:
                self._keys.clear()
            found = self._keys[text] = sort_key(text)
        return found

    @staticmethod
    def short_property_identifier(long_form: str | None) -> str | None:
        """Return the hyphenated form of a property identifier (``398-1-1-1``), or None.

        The same as ``format_property_identifier``, written out for the common 14-digit
        form because the bulk load calls it for every building.
        """
        if long_form is None:
            return None
        if len(long_form) == 14 and long_form.isdigit():
            return (
                f"{int(long_form[0:3])}-{int(long_form[3:6])}-"
                f"{int(long_form[6:10])}-{int(long_form[10:14])}"
            )
        try:
            return format_property_identifier(long_form)
        except ValueError:
            return None

    def class_2018(
        self, registered: str | None, use_class: str | None
    ) -> tuple[str | None, ClassOrigin]:
        key = (registered, use_class)
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = building_class_2018_for(registered, use_class)
        return found


@functools.cache
def _class_names(list_id: str, code: str | None) -> str | None:
    """Return a code and its names as the search text has them."""
    if code is None:
        return None
    entry = lookup_code(list_id, code)
    if entry is None:
        return code
    names = dict.fromkeys(name for name in (entry.name_fi, entry.name_sv) if name)
    return " ".join((code, *names))


def _search_text(parts: Iterable[str | None]) -> str:
    return fold(" ".join([part for part in parts if part]))


def _has_local_values_expression() -> str:
    """Return SQL that is 1 when a ``local_value`` row has any value set."""
    columns = [c.name for c in LocalValue.__table__.columns if c.name != "building_id"]
    return " OR ".join(f"{name} IS NOT NULL" for name in columns)


class _RowBuilder:
    """Computes list rows of any buildings from their stored values."""

    def __init__(self) -> None:
        self._has_local_values = _has_local_values_expression()
        self._texts = _Texts()

    def rows(self, cursor: sqlite3.Cursor, selection: _Selection) -> list[tuple[Any, ...]]:
        register = self._register_values(cursor, selection)
        local = self._local_values(cursor, selection)
        addresses = self._addresses(cursor, selection)
        cursor.execute(
            "SELECT b.id, b.permanent_building_identifier, p.building_id IS NOT NULL, "
            "p.tenure, p.holder_entity_id FROM building b "
            "LEFT JOIN portfolio_entry p ON p.building_id = b.id "
            f"WHERE {selection.condition('b.id')}"
        )
        rows: list[tuple[Any, ...]] = []
        for building_id, identifier, in_portfolio, tenure, holder in cursor.fetchall():
            if not selection.includes(building_id):
                continue
            local_row = local.get(building_id)
            rows.append(
                self._row(
                    (building_id, identifier),
                    _values_in_use(register.get(building_id), local_row),
                    addresses.get(building_id, []),
                    (bool(in_portfolio), tenure, holder),
                    has_local_values=local_row is not None and bool(local_row[-1]),
                )
            )
        return rows

    def _register_values(
        self, cursor: sqlite3.Cursor, selection: _Selection
    ) -> dict[int, list[tuple[Any, ...]]]:
        """Return each building's register rows, the most preferred first."""
        cursor.execute(
            f"SELECT building_id, is_present, extraction_date, source, "
            f"{', '.join(_REGISTER_COLUMNS)} FROM register_value "
            f"WHERE {selection.condition('building_id')}"
        )
        grouped: dict[int, list[tuple[Any, ...]]] = {}
        for row in cursor.fetchall():
            grouped.setdefault(row[0], []).append(row)
        for rows in grouped.values():
            if len(rows) > 1:
                rows.sort(key=_preference, reverse=True)
        return grouped

    def _local_values(
        self, cursor: sqlite3.Cursor, selection: _Selection
    ) -> dict[int, tuple[Any, ...]]:
        cursor.execute(
            f"SELECT building_id, {', '.join(_LOCAL_COLUMNS)}, {self._has_local_values} "
            f"FROM local_value WHERE {selection.condition('building_id')}"
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}

    def _addresses(
        self, cursor: sqlite3.Cursor, selection: _Selection
    ) -> dict[int, list[_Address]]:
        """Return each building's addresses in id order, the order they were stored in."""
        cursor.execute(
            "SELECT building_id, source, address_number, id, street_name_fi, street_name_sv, "
            "house_number, postal_code, post_office_fi, post_office_sv FROM building_address "
            f"WHERE {selection.condition('building_id')} ORDER BY building_id, id"
        )
        grouped: dict[int, list[_Address]] = {}
        for row in cursor.fetchall():
            grouped.setdefault(row[0], []).append(row[1:])
        return grouped

    def _row(
        self,
        building: tuple[int, str | None],
        values: Sequence[Any],
        addresses: Sequence[_Address],
        portfolio: tuple[bool, str | None, int | None],
        *,
        has_local_values: bool,
    ) -> tuple[Any, ...]:
        building_id, identifier = building
        texts = self._texts
        class_2018, origin = texts.class_2018(values[_CLASS_2018], values[_USE_CLASS])
        address, address_key = None, None
        if addresses:
            first = min(addresses, key=_address_order)
            address, address_key = texts.address(
                first[_STREET_FI], first[_HOUSE], first[_POSTAL], first[_OFFICE_FI]
            )
        local_name = values[_LOCAL_NAME]
        in_portfolio, tenure, holder = portfolio

        searched = [
            identifier,
            values[_OLD_IDENTIFIER],
            values[_PROPERTY],
            texts.short_property_identifier(values[_PROPERTY]),
            local_name,
            values[_PROPERTY_NAME],
            _class_names(BUILDING_CLASS_2018, class_2018),
            _class_names(USE_CLASS_1994, values[_USE_CLASS]),
        ]
        for each in addresses:
            searched.extend(each[_SEARCHED_ADDRESS_PARTS])

        return (
            building_id,
            identifier,
            values[_OLD_IDENTIFIER],
            values[_PROPERTY],
            address,
            address_key,
            local_name,
            sort_key(local_name) if local_name is not None else None,
            values[_MUNICIPALITY],
            class_2018,
            origin,
            values[_USE_CLASS],
            values[_AREA],
            values[_COMPLETION],
            in_portfolio,
            tenure,
            holder,
            has_local_values,
            _search_text(searched),
        )


def _preference(row: tuple[Any, ...]) -> tuple[int, str, int]:
    """Order register rows as ``values.choose_register_entry`` prefers their values.

    Present sources first, then the newest extraction date, then the source priority. The
    first row in this order that has a value of a field has the field's value in use.
    """
    return (row[1], row[2], _SOURCE_RANK.get(row[3], 0))


def _values_in_use(
    register: list[tuple[Any, ...]] | None, local: tuple[Any, ...] | None
) -> list[Any]:
    """Return the listed fields' values in use, in ``_LOCAL_COLUMNS`` order."""
    values: list[Any] = [None] * len(_LOCAL_COLUMNS)
    if register:
        values[: len(_REGISTER_COLUMNS)] = register[0][4:]
        for row in register[1:]:
            for index, value in enumerate(row[4:]):
                if values[index] is None:
                    values[index] = value
    if local is not None:
        for index, value in enumerate(local[: len(_LOCAL_COLUMNS)]):
            if value is not None:
                values[index] = value
    return values


def _address_order(address: _Address) -> tuple[int, int, int]:
    """Order a building's addresses as ``queries.iter_buildings`` picks the first one."""
    source, number, address_id = address[0], address[1], address[2]
    return (_ADDRESS_SOURCE_ORDER.get(source, len(_ADDRESS_SOURCE_ORDER)), number or 0, address_id)


# Writing


def _write_rows(cursor: sqlite3.Cursor, rows: list[tuple[Any, ...]]) -> None:
    """Insert or replace ``rows`` with statements of up to ``ROWS_PER_STATEMENT`` rows."""
    if not rows:
        return
    row_marks = f"({placeholders(len(_WRITTEN_COLUMNS))})"
    head = f"INSERT OR REPLACE INTO building_list ({', '.join(_WRITTEN_COLUMNS)}) VALUES "
    full = len(rows) - len(rows) % ROWS_PER_STATEMENT
    if full:
        statement = head + ",".join([row_marks] * ROWS_PER_STATEMENT)
        cursor.executemany(
            statement,
            (
                [value for row in rows[start : start + ROWS_PER_STATEMENT] for value in row]
                for start in range(0, full, ROWS_PER_STATEMENT)
            ),
        )
    rest = rows[full:]
    if rest:
        statement = head + ",".join([row_marks] * len(rest))
        cursor.execute(statement, [value for row in rest for value in row])


# Helpers


def _cursor(session: Session) -> sqlite3.Cursor:
    """Return a cursor of the session's connection, inside its transaction.

    The list is read and written through the driver directly: for 100,000 rows,
    SQLAlchemy's result processing would cost more than the queries.
    """
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, sqlite3.Connection)
    return connection.cursor()


def _count(cursor: sqlite3.Cursor, table: str) -> int:
    cursor.execute(f"SELECT count(*) FROM {table}")
    return int(cursor.fetchone()[0])
