"""Matching the rows of a municipality's own inventory to the buildings in the database.

A row finds its building by the first key it has, in this order:

1. the permanent building identifier (VTJ-PRT);
2. the old building identifier: property identifier and building number, from one cell
   or two, matched against register rows still present in their source;
3. the address: street name and house number, with the postal code when the row has
   one. Names are compared casefolded, in Unicode NFKC form, with runs of white space
   as one space; house numbers without spaces (``5 a`` is ``5A``). Finnish and Swedish
   street names both match.

A key that finds no building falls through to the next key. A key that finds more
than one building leaves the row unmatched as ambiguous, and so does a second row
that finds a building an earlier row found.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.domain.identifiers import (
    IdentifierStatus,
    check_permanent_building_identifier,
    format_old_building_identifier,
    normalise_building_number,
    normalise_permanent_building_identifier,
    normalise_property_identifier,
    parse_old_building_identifier,
)
from tilaapp.i18n import N_
from tilaapp.services.local_buildings import LocalAddress
from tilaapp.services.mapping import ColumnMapping, MatchKey
from tilaapp.sources.table import Table, TableRow
from tilaapp.storage.models import Building, BuildingAddress, RegisterValue

# Values per IN (...) list, well below SQLite's limit of bound parameters.
LOOKUP_CHUNK_SIZE = 500

_WHITE_SPACE = re.compile(r"\s+")
# A street address: the name, then the house number, which starts with a digit.
_STREET_ADDRESS = re.compile(r"(?P<street>.*?\D)\s*(?P<number>[0-9].*)")


class MatchMethod(enum.StrEnum):
    PERMANENT_IDENTIFIER = "permanent_identifier"
    OLD_IDENTIFIER = "old_identifier"
    ADDRESS = "address"


class UnmatchedReason(enum.StrEnum):
    NO_KEY = "no_key"
    """The row has no identifier or address to match by."""
    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    DUPLICATE = "duplicate"
    """An earlier row matched the same building."""


UNMATCHED_MESSAGES: dict[UnmatchedReason, str] = {
    UnmatchedReason.NO_KEY: N_("The row has no building identifier or address."),
    UnmatchedReason.NOT_FOUND: N_("No building in the database has this identifier or address."),
    UnmatchedReason.AMBIGUOUS: N_(
        "More than one building has this address; add the permanent building identifier."
    ),
    UnmatchedReason.DUPLICATE: N_("Row {row} already matched the same building."),
}


@dataclass(frozen=True)
class RowKeys:
    """The normalised keys of one row. A key is None where the row has none or it is malformed."""

    permanent_identifier: str | None = None
    old_identifier: str | None = None
    street: str | None = None
    house_number: str | None = None
    postal_code: str | None = None

    @property
    def has_any(self) -> bool:
        return bool(self.permanent_identifier or self.old_identifier or self.street)


@dataclass(frozen=True)
class RowMatch:
    row: int
    keys: RowKeys
    building_id: int | None = None
    method: MatchMethod | None = None
    reason: UnmatchedReason | None = None
    first_row: int | None = None
    """For DUPLICATE, the row that matched the building first."""

    @property
    def matched(self) -> bool:
        return self.building_id is not None


def row_keys(table: Table, mapping: ColumnMapping, row: TableRow) -> RowKeys:
    """Read and normalise the match keys of ``row``. A malformed key counts as missing."""
    cells = _key_cells(table, mapping, row)
    street, number = _address(cells)
    return RowKeys(
        permanent_identifier=_permanent_identifier(
            cells.get(MatchKey.PERMANENT_BUILDING_IDENTIFIER)
        ),
        old_identifier=_old_identifier(cells),
        street=street,
        house_number=number,
        postal_code=_postal_code(cells.get(MatchKey.POSTAL_CODE)),
    )


def row_address(table: Table, mapping: ColumnMapping, row: TableRow) -> LocalAddress | None:
    """Return the row's address as written, with white space runs as one space.

    None when the row has no street name. The address keys are the only address parts
    a mapping can name, so a local building's address has no post office.
    """
    cells = _key_cells(table, mapping, row)
    street, number = _written_address(cells)
    if street is None:
        return None
    return LocalAddress(
        street_name=street,
        house_number=number,
        postal_code=_postal_code(cells.get(MatchKey.POSTAL_CODE)),
    )


def match_rows(session: Session, table: Table, mapping: ColumnMapping) -> list[RowMatch]:
    """Match every data row of ``table`` to a building of the database."""
    keys = [(row.number, row_keys(table, mapping, row)) for row in table.rows]
    index = _BuildingIndex.load(session, [row_key for _number, row_key in keys])

    matches: list[RowMatch] = []
    first_rows: dict[int, int] = {}
    for number, row_key in keys:
        match = index.match(number, row_key)
        if match.building_id is not None and match.building_id in first_rows:
            match = RowMatch(
                number,
                row_key,
                reason=UnmatchedReason.DUPLICATE,
                first_row=first_rows[match.building_id],
            )
        elif match.building_id is not None:
            first_rows[match.building_id] = number
        matches.append(match)
    return matches


def normalise_street(text: str) -> str:
    return _WHITE_SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def normalise_house_number(text: str) -> str:
    return _WHITE_SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def _key_cells(table: Table, mapping: ColumnMapping, row: TableRow) -> dict[MatchKey, object]:
    cells: dict[MatchKey, object] = {}
    for key, column in mapping.key_columns().items():
        index = table.column_index(column)
        if index is not None:
            cells[key] = row.values[index]
    return cells


def _permanent_identifier(cell: object) -> str | None:
    try:
        identifier = normalise_permanent_building_identifier(cell)
    except ValueError:
        return None
    if identifier is None:
        return None
    # A failed check character is still the identifier the register may carry.
    if check_permanent_building_identifier(identifier) is IdentifierStatus.MALFORMED:
        return None
    return identifier


def _old_identifier(cells: dict[MatchKey, object]) -> str | None:
    whole = cells.get(MatchKey.OLD_BUILDING_IDENTIFIER)
    if isinstance(whole, str) and (parts := parse_old_building_identifier(whole)) is not None:
        return format_old_building_identifier(*parts)

    try:
        property_identifier = normalise_property_identifier(cells.get(MatchKey.PROPERTY_IDENTIFIER))
        number = normalise_building_number(cells.get(MatchKey.BUILDING_NUMBER))
    except ValueError:
        return None
    if property_identifier is None or number is None or "M" in property_identifier:
        return None
    return format_old_building_identifier(property_identifier, number)


def _address(cells: dict[MatchKey, object]) -> tuple[str | None, str | None]:
    whole = cells.get(MatchKey.STREET_ADDRESS)
    if isinstance(whole, str) and (match := _STREET_ADDRESS.fullmatch(whole.strip())):
        return normalise_street(match["street"]), normalise_house_number(match["number"])

    street = _text(cells.get(MatchKey.STREET_NAME))
    number = _text(cells.get(MatchKey.HOUSE_NUMBER))
    if street is None or number is None:
        return None, None
    return normalise_street(street), normalise_house_number(number)


def _written_address(cells: dict[MatchKey, object]) -> tuple[str | None, str | None]:
    whole = _text(cells.get(MatchKey.STREET_ADDRESS))
    if whole is not None:
        match = _STREET_ADDRESS.fullmatch(whole)
        if match is None:
            return _single_spaced(whole), None
        return _single_spaced(match["street"]), _single_spaced(match["number"])

    street = _text(cells.get(MatchKey.STREET_NAME))
    number = _text(cells.get(MatchKey.HOUSE_NUMBER))
    if street is None:
        return None, None
    return _single_spaced(street), None if number is None else _single_spaced(number)


def _single_spaced(text: str) -> str:
    return _WHITE_SPACE.sub(" ", text).strip()


def _postal_code(cell: object) -> str | None:
    text = _text(cell)
    if text is None:
        return None
    # A postal code stored as a number has lost its leading zeros.
    return text.zfill(5) if text.isdigit() and len(text) <= 5 else None


def _text(cell: object) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, int | float) and not isinstance(cell, bool) and cell == int(cell):
        return str(int(cell))
    text = str(cell).strip()
    return text or None


class _BuildingIndex:
    """The buildings that the rows' keys can find, loaded with a few queries."""

    def __init__(self) -> None:
        self.by_permanent: dict[str, int] = {}
        self.by_old: dict[str, set[int]] = defaultdict(set)
        self.by_address: dict[tuple[str, str], set[int]] = defaultdict(set)
        self.by_postal_address: dict[tuple[str, str, str], set[int]] = defaultdict(set)

    @classmethod
    def load(cls, session: Session, keys: Sequence[RowKeys]) -> _BuildingIndex:
        index = cls()
        index._load_permanent(session, {k.permanent_identifier for k in keys} - {None})
        index._load_old(session, {k.old_identifier for k in keys} - {None})
        if any(k.street for k in keys):
            postal_codes = {k.postal_code for k in keys if k.street}
            index._load_addresses(session, postal_codes)
        return index

    def match(self, number: int, keys: RowKeys) -> RowMatch:
        if not keys.has_any:
            return RowMatch(number, keys, reason=UnmatchedReason.NO_KEY)

        candidates_by_method = (
            (MatchMethod.PERMANENT_IDENTIFIER, self._permanent(keys)),
            (MatchMethod.OLD_IDENTIFIER, self.by_old.get(keys.old_identifier or "", set())),
            (MatchMethod.ADDRESS, self._address(keys)),
        )
        for method, candidates in candidates_by_method:
            if len(candidates) == 1:
                return RowMatch(number, keys, building_id=next(iter(candidates)), method=method)
            if len(candidates) > 1:
                return RowMatch(number, keys, reason=UnmatchedReason.AMBIGUOUS)
        return RowMatch(number, keys, reason=UnmatchedReason.NOT_FOUND)

    def _permanent(self, keys: RowKeys) -> set[int]:
        found = self.by_permanent.get(keys.permanent_identifier or "")
        return {found} if found is not None else set()

    def _address(self, keys: RowKeys) -> set[int]:
        if keys.street is None or keys.house_number is None:
            return set()
        if keys.postal_code is not None:
            return self.by_postal_address.get(
                (keys.postal_code, keys.street, keys.house_number), set()
            )
        return self.by_address.get((keys.street, keys.house_number), set())

    def _load_permanent(self, session: Session, identifiers: set[str | None]) -> None:
        for chunk in _chunks(sorted(i for i in identifiers if i)):
            query = select(Building.permanent_building_identifier, Building.id).where(
                Building.permanent_building_identifier.in_(chunk)
            )
            for identifier, building_id in session.execute(query):
                if identifier is not None:
                    self.by_permanent[identifier] = building_id

    def _load_old(self, session: Session, identifiers: set[str | None]) -> None:
        for chunk in _chunks(sorted(i for i in identifiers if i)):
            query = select(RegisterValue.old_building_identifier, RegisterValue.building_id).where(
                RegisterValue.old_building_identifier.in_(chunk),
                RegisterValue.is_present.is_(True),
            )
            for identifier, building_id in session.execute(query):
                if identifier is not None:
                    self.by_old[identifier].add(building_id)

    def _load_addresses(self, session: Session, postal_codes: set[str | None]) -> None:
        columns = (
            BuildingAddress.building_id,
            BuildingAddress.street_name_fi,
            BuildingAddress.street_name_sv,
            BuildingAddress.house_number,
            BuildingAddress.postal_code,
        )
        if None in postal_codes:
            # NOTE: a row without a postal code needs every stored address, which for a
            # database of the whole country's open address file is millions of rows.
            queries = [select(*columns)]
        else:
            codes = sorted(code for code in postal_codes if code)
            queries = [
                select(*columns).where(BuildingAddress.postal_code.in_(chunk))
                for chunk in _chunks(codes)
            ]
        for query in queries:
            for building_id, street_fi, street_sv, house_number, postal_code in session.execute(
                query
            ):
                self._add_address(building_id, (street_fi, street_sv), house_number, postal_code)

    def _add_address(
        self,
        building_id: int,
        streets: Iterable[str | None],
        house_number: str | None,
        postal_code: str | None,
    ) -> None:
        if not house_number:
            return
        number = normalise_house_number(house_number)
        for street in streets:
            if not street:
                continue
            name = normalise_street(street)
            self.by_address[(name, number)].add(building_id)
            if postal_code:
                self.by_postal_address[(postal_code, name, number)].add(building_id)


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK_SIZE):
        yield values[start : start + LOOKUP_CHUNK_SIZE]
