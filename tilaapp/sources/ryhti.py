"""Reader of SYKE's Ryhti open building data: GeoJSON of ``open_building`` and ``open_address``.

SYKE (Finnish Environment Institute) publishes the open part of the Ryhti building register
under CC BY 4.0 through OGC API Features and WFS. The collection ``open_building`` has one
point feature per building, and ``open_address`` one feature per address, linked to its
building by ``building_key``. A download comes as several files: the two collections
apart, and one file per page when the server pages the result. ``RyhtiReader``
reads all files of one import together and links the addresses to their buildings.

Coded values arrive as uri.suomi.fi code-list URIs whose last path segment is the code, for
example ``http://uri.suomi.fi/codelist/rytj/lammitystapa/code/03``. Coordinates arrive in
WGS 84 longitude/latitude or in ETRS-TM35FIN and are stored in ETRS-TM35FIN metres.

Every file is parsed as a stream: the ``features`` array is decoded one feature at a time,
so a file of a whole country needs no more memory than one block of text and one feature.
Addresses are kept in memory until the buildings are read.
"""

from __future__ import annotations

import datetime
import enum
import json
import logging
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any, TextIO

from tilaapp.domain.codelists import is_known_code, normalise_code, ryhti_list_for_uri
from tilaapp.domain.coordinates import (
    in_finland_tm35,
    in_finland_wgs84,
    wgs84_to_tm35fin,
)
from tilaapp.domain.dates import PartialDate, parse_register_date
from tilaapp.domain.fields import FIELDS_BY_NAME, FieldKind, FieldSpec, Source
from tilaapp.domain.identifiers import (
    IdentifierStatus,
    check_permanent_building_identifier,
    normalise_municipality_code,
    normalise_permanent_building_identifier,
    normalise_property_identifier,
    prt_check_character,
)
from tilaapp.domain.municipalities import merger, municipality
from tilaapp.domain.numbers import parse_boolean, parse_decimal, parse_integer
from tilaapp.i18n import gettext as _
from tilaapp.sources.records import (
    AddressRecord,
    BuildingRecord,
    FileRejected,
    ProblemKind,
    RejectionReason,
    RowProblem,
    Severity,
    reports_not_read,
)

logger = logging.getLogger(__name__)

# Characters read from a file at a time.
BLOCK_CHARS = 1 << 20
# A single feature or top-level member larger than this is taken for a damaged file.
MAX_VALUE_CHARS = 64 << 20
# Features that sniffing and checking look at to tell buildings from addresses: the first
# one with properties decides.
SNIFF_FEATURES = 20
# Bytes at the end of a file that the check of a complete JSON object reads.
TAIL_BYTES = 4096
# Text in problem reports is cut to this many characters.
MAX_PROBLEM_VALUE_CHARS = 200

IDENTIFIER_PROPERTY = "permanent_building_identifier"
BUILDING_KEY_PROPERTY = "building_key"
TIMESTAMP_PROPERTY = "modified_timestamp_utc"
ADDRESS_KEY_PROPERTY = "address_key"
GEOMETRY_COLUMN = "geometry"

# Properties of open_building and the register field each one is stored in.
BUILDING_PROPERTY_FIELDS: dict[str, str] = {
    "property_identifier": "property_identifier",
    "municipality_number": "municipality_number",
    "completion_date": "completion_date",
    "demolition_date": "demolition_date",
    "main_purpose": "main_purpose_open",
    "usage_status": "usage_status",
    "heating_method": "heating_method",
    "heating_energy_source": "heating_energy_source",
    "facade_material": "facade_material",
    "material_of_load_bearing_structures": "material_of_load_bearing_structures",
    "construction_method": "construction_method",
    "volume": "volume",
    "number_of_storeys": "number_of_storeys",
    "gross_floor_area": "gross_floor_area",
    "total_area": "total_area",
    "floor_area": "floor_area",
    "apartment_count": "apartment_count",
    "is_accessible": "is_accessible",
    "is_protected": "is_protected",
}
# Properties of open_building that are read without becoming a field, or known and not kept.
OTHER_BUILDING_PROPERTIES = frozenset(
    {IDENTIFIER_PROPERTY, BUILDING_KEY_PROPERTY, TIMESTAMP_PROPERTY, "voting_district_number"}
)
KNOWN_BUILDING_PROPERTIES = OTHER_BUILDING_PROPERTIES | frozenset(BUILDING_PROPERTY_FIELDS)
ADDRESS_PROPERTIES = frozenset(
    {BUILDING_KEY_PROPERTY, ADDRESS_KEY_PROPERTY, "address_fin", "postal_code", "postal_office_fin"}
)

_WHITESPACE = re.compile(r"[ \t\n\r]*")
# A decoding error this close to the end of the text read so far may be cured by the next block.
_INCOMPLETE_TAIL = 8
_POSTAL_CODE = re.compile(r"[0-9]{5}")
# The code part of a EPSG CRS name: "EPSG:3067", "urn:ogc:def:crs:EPSG::3067",
# "urn:ogc:def:crs:EPSG:6.3:3067" or "http://www.opengis.net/def/crs/EPSG/0/3067".
_EPSG_CODE = re.compile(r"epsg(?::[0-9.]*:|:|/[0-9.]+/)([0-9]+)$", re.IGNORECASE)
_MUNICIPALITY_LIST_PREFIX = "jhs/kunta"
_URI_PREFIXES = ("http://uri.suomi.fi/codelist/", "https://uri.suomi.fi/codelist/")
_MILLIMETRE = Decimal("0.001")


class CoordinateUnits(enum.Enum):
    DEGREES = "degrees"
    """WGS 84 or ETRS89 longitude and latitude."""
    METRES = "metres"
    """ETRS-TM35FIN east and north."""


# EPSG codes of the coordinate systems that the reader converts: WGS 84, ETRS89 and
# EUREF-FIN geographic, and ETRS-TM35FIN in east-north and north-east axis order.
_EPSG_UNITS: dict[str, CoordinateUnits] = {
    "4326": CoordinateUnits.DEGREES,
    "4258": CoordinateUnits.DEGREES,
    "10690": CoordinateUnits.DEGREES,
    "3067": CoordinateUnits.METRES,
    "5048": CoordinateUnits.METRES,
}


class CollectionKind(enum.Enum):
    BUILDINGS = "open_building"
    ADDRESSES = "open_address"


# JSON streaming


class _JsonFailure(enum.Enum):
    EMPTY = "empty"
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    TRUNCATED = "truncated"
    SYNTAX = "syntax"
    TOO_LARGE = "too_large"
    ENCODING = "encoding"


class _JsonError(Exception):
    def __init__(self, failure: _JsonFailure, position: int) -> None:
        super().__init__(f"{failure.value} at character {position}")
        self.failure = failure
        self.position = position


class _CollectionStream:
    """The top-level members of a JSON object, with the ``features`` array read lazily.

    ``features`` yields the elements of the array one at a time. The other members are
    decoded whole into ``members`` as the text reaches them, so members after the array
    are known only when ``features`` is exhausted. Numbers with a fraction or an exponent
    are decoded as ``Decimal``. Errors raise ``_JsonError``.
    """

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._decoder = json.JSONDecoder(parse_float=Decimal)
        self._buffer = ""
        self._pos = 0
        self._offset = 0
        """Characters of the file dropped from the front of the buffer."""
        self._eof = False
        self._decoded_any = False
        self.members: dict[str, Any] = {}
        self.has_features_array = False

    def features(self) -> Generator[Any, None, None]:
        """Yield every element of the ``features`` array and check the rest of the text."""
        self._expect_object_start()
        if self._peek() == "}":
            self._pos += 1
        else:
            yield from self._members()
        if self._peek() != "":
            raise self._failure(_JsonFailure.SYNTAX)

    def _members(self) -> Iterator[Any]:
        while True:
            key = self._decode_key()
            self._expect(":")
            if key == "features" and self._peek() == "[":
                self._pos += 1
                self.has_features_array = True
                yield from self._array_elements()
            else:
                self.members[key] = self._decode_value()
            if self._expect_one_of(",}") == "}":
                return

    def _array_elements(self) -> Iterator[Any]:
        if self._peek() == "]":
            self._pos += 1
            return
        while True:
            yield self._decode_value()
            if self._expect_one_of(",]") == "]":
                return

    def _expect_object_start(self) -> None:
        first = self._peek()
        if first == "":
            raise _JsonError(_JsonFailure.EMPTY, 0)
        if first == "{":
            self._pos += 1
            return

        # Valid JSON of another shape gets another reason than text that is not JSON.
        try:
            self._decode_value()
        except _JsonError as error:
            raise _JsonError(_JsonFailure.NOT_JSON, error.position) from error
        failure = _JsonFailure.NOT_OBJECT if self._peek() == "" else _JsonFailure.NOT_JSON
        raise _JsonError(failure, self._position())

    def _decode_key(self) -> str:
        if self._peek() != '"':
            raise self._failure(_JsonFailure.SYNTAX)
        key = self._decode_value()
        assert isinstance(key, str)
        return key

    def _decode_value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError as error:
                if not self._may_complete(error):
                    raise self._decode_failure(error) from error
                self._grow()
                continue

            # A number that ends with the text read so far may go on in the next block.
            if end >= len(self._buffer) and not self._eof:
                self._grow()
                continue
            self._pos = end
            self._decoded_any = True
            return value

    def _may_complete(self, error: json.JSONDecodeError) -> bool:
        if self._eof:
            return False
        near_end = error.pos >= len(self._buffer) - _INCOMPLETE_TAIL
        return near_end or error.msg.startswith("Unterminated string")

    def _decode_failure(self, error: json.JSONDecodeError) -> _JsonError:
        cut_off = error.pos >= len(self._buffer) - _INCOMPLETE_TAIL or error.msg.startswith(
            "Unterminated string"
        )
        failure = _JsonFailure.TRUNCATED if self._eof and cut_off else _JsonFailure.SYNTAX
        return self._failure(failure, error.pos)

    def _failure(self, failure: _JsonFailure, pos: int | None = None) -> _JsonError:
        if failure is _JsonFailure.SYNTAX and self._eof and self._pos >= len(self._buffer):
            failure = _JsonFailure.TRUNCATED
        if failure is _JsonFailure.SYNTAX and not self._decoded_any:
            failure = _JsonFailure.NOT_JSON
        position = self._offset + (self._pos if pos is None else pos)
        return _JsonError(failure, position)

    def _peek(self) -> str:
        """Skip whitespace and return the next character, or "" at the end of the file."""
        while True:
            self._pos = _skip_whitespace(self._buffer, self._pos)
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if not self._fill():
                return ""

    def _expect(self, character: str) -> None:
        if self._peek() != character:
            raise self._failure(_JsonFailure.SYNTAX)
        self._pos += 1

    def _expect_one_of(self, characters: str) -> str:
        found = self._peek()
        if found == "" or found not in characters:
            raise self._failure(_JsonFailure.SYNTAX)
        self._pos += 1
        return found

    def _grow(self) -> None:
        if len(self._buffer) - self._pos > MAX_VALUE_CHARS:
            raise _JsonError(_JsonFailure.TOO_LARGE, self._position())
        self._fill()

    def _fill(self) -> bool:
        """Append the next block to the buffer, dropping what was consumed.

        Returns False at the end of the file.
        """
        if self._eof:
            return False
        if self._pos:
            self._offset += self._pos
            self._buffer = self._buffer[self._pos :]
            self._pos = 0

        try:
            block = self._handle.read(BLOCK_CHARS)
        except UnicodeDecodeError as error:
            failure = _JsonFailure.ENCODING if self._decoded_any else _JsonFailure.NOT_JSON
            raise _JsonError(failure, self._offset + len(self._buffer)) from error
        if not block:
            self._eof = True
            return False
        self._buffer += block
        return True

    def _position(self) -> int:
        return self._offset + self._pos


def _skip_whitespace(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    assert match is not None  # the pattern also matches the empty string
    return match.end()


def _open_text(path: Path) -> TextIO:
    """Open a GeoJSON file as UTF-8 text, skipping a byte order mark."""
    return path.open(encoding="utf-8-sig", newline="")


# File inspection


@dataclass
class _Inspection:
    kind: CollectionKind | None
    """None when the first feature with properties is neither a building nor an address."""
    members: dict[str, Any]
    """Members before the features array."""
    has_features_array: bool
    feature_seen: bool


def _feature_properties(feature: object) -> dict[str, Any] | None:
    """Return the properties of a feature, or None when it has none."""
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict) or not properties:
        return None
    return properties


def _properties_kind(properties: dict[str, Any]) -> CollectionKind | None:
    """Return whether the properties are a building's or an address's, or None for other data."""
    if IDENTIFIER_PROPERTY in properties:
        return CollectionKind.BUILDINGS
    if ADDRESS_KEY_PROPERTY in properties or "address_fin" in properties:
        return CollectionKind.ADDRESSES
    return None


def _inspect(path: Path) -> _Inspection:
    """Read the start of a file up to the first feature that identifies its kind.

    Raises ``_JsonError`` and ``OSError``.
    """
    with _open_text(path) as handle:
        stream = _CollectionStream(handle)
        features = stream.features()
        kind: CollectionKind | None = None
        seen = 0
        for feature in features:
            seen += 1
            properties = _feature_properties(feature)
            if properties is not None:
                kind = _properties_kind(properties)
                break
            if seen >= SNIFF_FEATURES:
                break
        features.close()
        return _Inspection(kind, dict(stream.members), stream.has_features_array, seen > 0)


def sniff_ryhti(path: Path) -> bool:
    """Return whether ``path`` contains a GeoJSON FeatureCollection of Ryhti data.

    The first feature with properties among the first ``SNIFF_FEATURES`` features must
    be a building or an address. Returns False for anything unreadable, and
    ``RyhtiReader.check`` names the reason.
    """
    try:
        inspection = _inspect(path)
    except (OSError, _JsonError):
        return False
    return inspection.kind is not None and inspection.members.get("type") in (
        None,
        "FeatureCollection",
    )


def _ends_as_object(path: Path) -> bool:
    """Return whether the last character of the file other than whitespace is "}"."""
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        handle.seek(max(0, size - TAIL_BYTES))
        tail = handle.read()
    return tail.rstrip(b" \t\r\n").endswith(b"}")


def declared_units(crs: object) -> CoordinateUnits | None:
    """Return the units of a GeoJSON ``crs`` member, or None when the member is absent.

    Accepts ``{"type": "name", "properties": {"name": ...}}``, ``{"type": "EPSG",
    "properties": {"code": ...}}`` and a bare name string. Raises ValueError, with the
    name as the message, for a coordinate system that the reader does not convert.
    """
    if crs is None:
        return None
    name = _crs_name(crs)
    if name is None:
        raise ValueError(json.dumps(crs, default=str)[:MAX_PROBLEM_VALUE_CHARS])

    if name.casefold().endswith("crs84"):
        return CoordinateUnits.DEGREES
    match = _EPSG_CODE.search(name)
    units = _EPSG_UNITS.get(match.group(1)) if match is not None else None
    if units is None:
        raise ValueError(name)
    return units


def _crs_name(crs: object) -> str | None:
    if isinstance(crs, str):
        return crs.strip()
    if not isinstance(crs, dict):
        return None

    properties = crs.get("properties")
    if not isinstance(properties, dict):
        return None
    name = properties.get("name")
    if isinstance(name, str):
        return name.strip()
    code = properties.get("code")
    if isinstance(code, int | str) and not isinstance(code, bool):
        return f"EPSG:{code}"
    return None


# Reader


@dataclass
class _FileInfo:
    path: Path
    kind: CollectionKind
    units: CoordinateUnits | None


@dataclass
class _Page:
    """The paging members of a file: its share of the whole result."""

    matched: int | None
    returned: int | None
    has_next: bool
    features_read: int | None
    """None while the features are not yet counted."""

    @property
    def is_partial(self) -> bool:
        if self.has_next:
            return True
        returned = self.returned if self.returned is not None else self.features_read
        return self.matched is not None and returned is not None and self.matched > returned


@dataclass
class _PendingAddress:
    """An address waiting for its building."""

    file: str
    row: int
    building_key: str
    address_key: str | None
    record: AddressRecord
    problems: list[RowProblem]
    """Problems of the address, reported only when its building is read and kept."""


class _FeatureProblems:
    """Problems of one feature, collected until the feature is known to be wanted."""

    def __init__(self, file: str, row: int) -> None:
        self.file = file
        self.row = row
        self.items: list[RowProblem] = []

    def add(
        self,
        kind: ProblemKind,
        severity: Severity,
        column: str | None,
        value: object = None,
        **params: str,
    ) -> None:
        self.items.append(
            RowProblem(
                file=self.file,
                kind=kind,
                severity=severity,
                row=self.row,
                column=column,
                value=_problem_text(value),
                params=params,
            )
        )


class RyhtiReader:
    """Reads buildings, with their addresses, from the GeoJSON files of one Ryhti download.

    ``read`` reads every address file first, then yields one ``BuildingRecord`` per
    building feature, and appends row problems to ``problems`` as it goes. The row of a
    problem is the 1-based index of the feature in its file.
    """

    def __init__(
        self, paths: Sequence[Path], *, municipalities: frozenset[str] | None = None
    ) -> None:
        """Prepare to read ``paths``, keeping only buildings of ``municipalities`` if given.

        Raises ValueError for a municipality code that is not one to three digits.
        """
        self._paths = list(paths)
        self._municipalities = _normalised_codes(municipalities)
        self._files: list[_FileInfo] = []
        self._checked = False
        self.problems: list[RowProblem] = []
        self.rows_read: dict[str, int] = {}
        self.filtered_out = 0
        self.skipped_sheets: list[str] = []
        self.extraction_date: datetime.date | None = None
        """The newest ``modified_timestamp_utc`` date of the buildings read, set by ``read``."""
        self.page_complete = True
        """False when a file is one page of a larger result that the files do not complete.

        ``check`` sets it from the members before the features, and ``read`` from the
        whole files, because OGC API Features servers write ``numberMatched`` after them.
        """
        self._pages: dict[CollectionKind, list[_Page]] = {}
        self._addresses: dict[str, list[_PendingAddress]] = {}
        self._building_keys: set[str] = set()
        """Keys of every building read, kept or filtered out."""
        self._first_rows: dict[str, tuple[str, int]] = {}

    def check(self) -> None:
        """Check that every file is a readable GeoJSON FeatureCollection of Ryhti data.

        Raises ``FileRejected`` naming the first file that fails. Only the start and
        the last bytes of each file are read.
        """
        self.page_complete = True
        self._files = [self._check_file(path) for path in self._paths]
        kinds = {info.kind for info in self._files}
        if CollectionKind.ADDRESSES in kinds and CollectionKind.BUILDINGS not in kinds:
            first = next(info for info in self._files if info.kind is CollectionKind.ADDRESSES)
            raise FileRejected(first.path, RejectionReason.NO_BUILDING_FILE)
        self._checked = True

    def read(self) -> Iterator[BuildingRecord]:
        """Yield the buildings of every building file in the order of the files and features.

        Runs ``check`` first if it has not run. Raises ``FileRejected`` for a file that
        turns out to be damaged or cut off while it is read.
        """
        if not self._checked:
            self.check()
        self._reset()

        for info in self._files_of(CollectionKind.ADDRESSES):
            self._read_address_file(info)
        for info in self._files_of(CollectionKind.BUILDINGS):
            yield from self._read_building_file(info)
        self._report_unknown_building_keys()
        self.page_complete = self._pages_complete()

        logger.info(
            "Read %d Ryhti files: features per file %s, %d filtered out, %d problems, "
            "complete result: %s",
            len(self._files),
            self.rows_read,
            self.filtered_out,
            len(self.problems),
            self.page_complete,
        )

    def _reset(self) -> None:
        self.problems = []
        self.rows_read = {}
        self.filtered_out = 0
        self.extraction_date = None
        self._pages = {}
        self._addresses = {}
        self._building_keys = set()
        self._first_rows = {}

    def _files_of(self, kind: CollectionKind) -> list[_FileInfo]:
        return [info for info in self._files if info.kind is kind]

    def _check_file(self, path: Path) -> _FileInfo:
        if not path.is_file():
            raise FileRejected(path, RejectionReason.NOT_FOUND)
        try:
            size = path.stat().st_size
            if size == 0:
                raise FileRejected(path, RejectionReason.EMPTY)
            inspection = _inspect(path)
            complete = _ends_as_object(path)
        except _JsonError as error:
            raise _rejection(path, error) from error
        except OSError as error:
            raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error

        kind = _checked_kind(path, inspection)
        if not complete:
            raise _rejection(path, _JsonError(_JsonFailure.TRUNCATED, size))
        units = _checked_units(path, inspection.members.get("crs"))
        if _page_of(inspection.members, features_read=None).is_partial:
            self.page_complete = False
        return _FileInfo(path, kind, units)

    def _read_address_file(self, info: _FileInfo) -> None:
        file = info.path.name
        unknown: set[str] = set()
        with _CollectionFile(info) as collection:
            for row, feature in collection.features():
                problems = _FeatureProblems(file, row)
                properties = _properties(feature, problems)
                pending = None if properties is None else _pending_address(properties, problems)
                if properties is None or pending is None:
                    self.problems.extend(problems.items)
                    continue

                unknown.update(set(properties) - ADDRESS_PROPERTIES)
                self._addresses.setdefault(pending.building_key, []).append(pending)
        self._finish_file(info, collection, unknown)

    def _read_building_file(self, info: _FileInfo) -> Iterator[BuildingRecord]:
        file = info.path.name
        unknown: set[str] = set()
        with _CollectionFile(info) as collection:
            for row, feature in collection.features():
                problems = _FeatureProblems(file, row)
                properties = _properties(feature, problems)
                if properties is None:
                    self.problems.extend(problems.items)
                    continue

                unknown.update(set(properties) - KNOWN_BUILDING_PROPERTIES)
                record = self._building(feature, properties, info.units, problems)
                if record is not None:
                    yield record
        self._finish_file(info, collection, unknown)

    def _building(
        self,
        feature: dict[str, Any],
        properties: dict[str, Any],
        units: CoordinateUnits | None,
        problems: _FeatureProblems,
    ) -> BuildingRecord | None:
        """Convert one building feature. Returns None when it is filtered out or skipped."""
        building_key = _building_key(properties.get(BUILDING_KEY_PROPERTY))
        if building_key is not None:
            self._building_keys.add(building_key)
        self._note_timestamp(properties.get(TIMESTAMP_PROPERTY), problems)

        record = _building_record(feature, properties, units, problems)
        if not self._passes_filter(record.municipality_number):
            self.filtered_out += 1
            return None

        kept = self._check_identity(record, problems)
        self.problems.extend(problems.items)
        if not kept:
            return None
        if building_key is not None:
            self._attach_addresses(record, building_key)
        return record

    def _check_identity(self, record: BuildingRecord, problems: _FeatureProblems) -> bool:
        """Return whether the building is kept: it has an identifier not seen before.

        The open data has no old building identifier to fall back on.
        """
        identifier = record.permanent_building_identifier
        if identifier is None:
            if not any(item.kind is ProblemKind.MALFORMED_IDENTIFIER for item in problems.items):
                problems.add(ProblemKind.NO_IDENTIFIER, Severity.ERROR, IDENTIFIER_PROPERTY)
            return False

        current = (problems.file, record.row)
        first_file, first_row = self._first_rows.setdefault(identifier, current)
        if (first_file, first_row) == current:
            return True

        where = str(first_row) if first_file == problems.file else f"{first_file}: {first_row}"
        problems.add(
            ProblemKind.DUPLICATE_IDENTIFIER,
            Severity.ERROR,
            IDENTIFIER_PROPERTY,
            identifier,
            identifier=identifier,
            first_row=where,
        )
        return False

    def _attach_addresses(self, record: BuildingRecord, building_key: str) -> None:
        pending = sorted(self._addresses.pop(building_key, []), key=_address_order)
        for number, address in enumerate(pending, start=1):
            address.record.address_number = number
            record.addresses.append(address.record)
            self.problems.extend(address.problems)

    def _finish_file(
        self, info: _FileInfo, collection: _CollectionFile, unknown_properties: set[str]
    ) -> None:
        name = info.path.name
        self.rows_read[name] = self.rows_read.get(name, 0) + collection.count
        self._pages.setdefault(info.kind, []).append(
            _page_of(collection.members, features_read=collection.count)
        )
        for property_name in sorted(unknown_properties):
            logger.info("Unknown property %r in %s", property_name, name)
            self.problems.append(
                RowProblem(
                    file=name,
                    kind=ProblemKind.UNKNOWN_HEADER,
                    severity=Severity.WARNING,
                    column=property_name,
                )
            )

    def _report_unknown_building_keys(self) -> None:
        """Report the addresses whose building no file has (filtered-out buildings excepted)."""
        for building_key, pending_addresses in self._addresses.items():
            if building_key in self._building_keys:
                continue
            for pending in pending_addresses:
                problems = _FeatureProblems(pending.file, pending.row)
                problems.add(
                    ProblemKind.UNKNOWN_BUILDING_KEY,
                    Severity.WARNING,
                    BUILDING_KEY_PROPERTY,
                    building_key,
                    key=building_key,
                )
                self.problems.extend(problems.items)

    def _pages_complete(self) -> bool:
        """Return whether the files of each kind hold a whole result.

        Several pages complete a result when they all state the same ``numberMatched``
        and hold that many features together.
        """
        for pages in self._pages.values():
            if not any(page.is_partial for page in pages):
                continue
            matched = {page.matched for page in pages}
            total = sum(page.features_read or 0 for page in pages)
            if len(matched) != 1 or None in matched or total != matched.pop():
                return False
        return True

    def _passes_filter(self, municipality_number: str | None) -> bool:
        return self._municipalities is None or municipality_number in self._municipalities

    def _note_timestamp(self, value: object, problems: _FeatureProblems) -> None:
        date = _timestamp_date(value, problems)
        if date is not None and (self.extraction_date is None or date > self.extraction_date):
            self.extraction_date = date


class _CollectionFile:
    """One file opened for reading, with errors turned into ``FileRejected``.

    ``members`` and ``count`` are complete once ``features`` is exhausted.
    """

    def __init__(self, info: _FileInfo) -> None:
        self._path = info.path
        self._handle: TextIO | None = None
        self._stream: _CollectionStream | None = None
        self.count = 0

    def __enter__(self) -> _CollectionFile:
        try:
            self._handle = _open_text(self._path)
        except OSError as error:
            raise FileRejected(self._path, RejectionReason.UNREADABLE, detail=str(error)) from error
        self._stream = _CollectionStream(self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            self._handle.close()

    @property
    def members(self) -> dict[str, Any]:
        return {} if self._stream is None else self._stream.members

    def features(self) -> Iterator[tuple[int, Any]]:
        """Yield (index, feature) pairs, the index counting from 1."""
        assert self._stream is not None
        try:
            for feature in self._stream.features():
                self.count += 1
                yield self.count, feature
        except _JsonError as error:
            raise _rejection(self._path, error) from error
        except OSError as error:
            raise FileRejected(self._path, RejectionReason.UNREADABLE, detail=str(error)) from error

        # Members after the features array are known only now.
        if self.members.get("type") not in (None, "FeatureCollection"):
            raise FileRejected(self._path, RejectionReason.NOT_FEATURE_COLLECTION)
        _checked_units(self._path, self.members.get("crs"))
        logger.info("Read %d features from %s", self.count, self._path.name)


def _address_order(address: _PendingAddress) -> tuple[bool, str, str, int]:
    """Order addresses by address key; addresses without one follow, in file order."""
    return (address.address_key is None, address.address_key or "", address.file, address.row)


# File-level checks


def _rejection(path: Path, error: _JsonError) -> FileRejected:
    position = str(error.position)
    if error.failure is _JsonFailure.EMPTY:
        return FileRejected(path, RejectionReason.EMPTY)
    if error.failure is _JsonFailure.NOT_JSON:
        return FileRejected(path, RejectionReason.NOT_JSON)
    if error.failure is _JsonFailure.NOT_OBJECT:
        return FileRejected(path, RejectionReason.NOT_FEATURE_COLLECTION)

    if error.failure is _JsonFailure.TRUNCATED:
        detail = _(
            "the JSON text ends before it is complete, so the file was probably cut off "
            "while it was downloaded. Download it again."
        )
    elif error.failure is _JsonFailure.TOO_LARGE:
        detail = _("a single feature at character {position} is larger than {limit} MB.").format(
            position=position, limit=str(MAX_VALUE_CHARS >> 20)
        )
    elif error.failure is _JsonFailure.ENCODING:
        detail = _("the text is not UTF-8 after character {position}.").format(position=position)
    else:
        detail = _("invalid JSON at character {position}.").format(position=position)
    return FileRejected(path, RejectionReason.UNREADABLE, detail=detail)


def _checked_kind(path: Path, inspection: _Inspection) -> CollectionKind:
    if inspection.members.get("type") not in (None, "FeatureCollection"):
        raise FileRejected(path, RejectionReason.NOT_FEATURE_COLLECTION)
    if not inspection.has_features_array:
        raise FileRejected(path, RejectionReason.NOT_FEATURE_COLLECTION)
    if not inspection.feature_seen:
        raise FileRejected(path, RejectionReason.NO_FEATURES)
    if inspection.kind is None:
        raise FileRejected(path, RejectionReason.NOT_RYHTI_DATA)
    return inspection.kind


def _checked_units(path: Path, crs: object) -> CoordinateUnits | None:
    try:
        return declared_units(crs)
    except ValueError as error:
        raise FileRejected(path, RejectionReason.UNSUPPORTED_CRS, crs=str(error)) from error


def _page_of(members: dict[str, Any], *, features_read: int | None) -> _Page:
    links = members.get("links")
    has_next = isinstance(links, list) and any(
        isinstance(link, dict) and link.get("rel") == "next" for link in links
    )
    matched = _count(members.get("numberMatched"))
    if matched is None:
        matched = _count(members.get("totalFeatures"))
    return _Page(matched, _count(members.get("numberReturned")), has_next, features_read)


def _count(value: object) -> int | None:
    """Return a feature count member; servers write "unknown" when they do not count."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _normalised_codes(codes: frozenset[str] | None) -> frozenset[str] | None:
    if codes is None:
        return None
    normalised = (normalise_municipality_code(code) for code in codes)
    return frozenset(code for code in normalised if code is not None)


# Features


def _properties(feature: object, problems: _FeatureProblems) -> dict[str, Any] | None:
    properties = _feature_properties(feature)
    if properties is None:
        problems.add(ProblemKind.NO_PROPERTIES, Severity.ERROR, "properties")
    return properties


def _building_key(value: object) -> str | None:
    """Return a building key for matching: stripped and in lower case (keys are UUIDs)."""
    if isinstance(value, str) and value.strip():
        return value.strip().lower()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _building_record(
    feature: dict[str, Any],
    properties: dict[str, Any],
    units: CoordinateUnits | None,
    problems: _FeatureProblems,
) -> BuildingRecord:
    identifier = _permanent_identifier(properties.get(IDENTIFIER_PROPERTY), problems)
    values: dict[str, Any] = {}
    for name, field_name in BUILDING_PROPERTY_FIELDS.items():
        if name in properties:
            spec = FIELDS_BY_NAME[field_name]
            since = len(problems.items)
            value = _convert(spec, properties[name], name, problems)
            if not reports_not_read(problems.items, since):
                values[field_name] = value

    if GEOMETRY_COLUMN in feature:
        since = len(problems.items)
        east, north = _coordinates(feature[GEOMETRY_COLUMN], units, problems)
        if not reports_not_read(problems.items, since):
            values["coordinate_east"] = east
            values["coordinate_north"] = north

    return BuildingRecord(
        source=Source.RYHTI,
        row=problems.row,
        permanent_building_identifier=identifier,
        values=values,
    )


def _permanent_identifier(value: object, problems: _FeatureProblems) -> str | None:
    """Return the normalised identifier: None when empty or malformed."""
    try:
        identifier = normalise_permanent_building_identifier(value)
    except ValueError:
        problems.add(ProblemKind.MALFORMED_IDENTIFIER, Severity.ERROR, IDENTIFIER_PROPERTY, value)
        return None
    if identifier is None:
        return None

    status = check_permanent_building_identifier(identifier)
    if status is IdentifierStatus.MALFORMED:
        problems.add(ProblemKind.MALFORMED_IDENTIFIER, Severity.ERROR, IDENTIFIER_PROPERTY, value)
        return None
    if status is IdentifierStatus.CHECK_FAILED:
        problems.add(
            ProblemKind.CHECK_CHARACTER_FAILED,
            Severity.WARNING,
            IDENTIFIER_PROPERTY,
            value,
            expected=prt_check_character(identifier[:9]),
        )
    return identifier


def _pending_address(
    properties: dict[str, Any], problems: _FeatureProblems
) -> _PendingAddress | None:
    building_key = _building_key(properties.get(BUILDING_KEY_PROPERTY))
    if building_key is None:
        problems.add(
            ProblemKind.NO_BUILDING_KEY,
            Severity.ERROR,
            BUILDING_KEY_PROPERTY,
            properties.get(BUILDING_KEY_PROPERTY),
        )
        return None

    street, house_number = split_street_address(_text(properties.get("address_fin")))
    record = AddressRecord(
        street_name_fi=street,
        house_number=house_number,
        postal_code=_postal_code(properties.get("postal_code"), problems),
        post_office_fi=_text(properties.get("postal_office_fin")),
    )
    return _PendingAddress(
        file=problems.file,
        row=problems.row,
        building_key=building_key,
        address_key=_text(properties.get(ADDRESS_KEY_PROPERTY)),
        record=record,
        problems=problems.items,
    )


def split_street_address(text: str | None) -> tuple[str | None, str | None]:
    """Split an address such as "Hämeentie 135" into street name and house number.

    The house number is the last word when it starts with a digit and a street name
    precedes it ("Fredrikinkatu 63a" gives "63a"). Any other text is all street name.
    Runs of whitespace become one space.

    NOTE: a letter or staircase written apart after the number ("Hämeentie 135 A") is
    not split off, so such an address stays whole in the street name.
    """
    if text is None:
        return None, None
    words = text.split()
    if not words:
        return None, None
    if len(words) >= 2 and words[-1][0].isdigit():
        return " ".join(words[:-1]), words[-1]
    return " ".join(words), None


def _postal_code(value: object, problems: _FeatureProblems) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if isinstance(value, int) and text.isdigit():
        text = text.zfill(5)
    if not _POSTAL_CODE.fullmatch(text):
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, "postal_code", value)
        return None
    return text


def _timestamp_date(value: object, problems: _FeatureProblems) -> datetime.date | None:
    text = _text(value)
    if text is None:
        return None
    try:
        return datetime.datetime.fromisoformat(text).date()
    except ValueError:
        problems.add(ProblemKind.INVALID_DATE, Severity.ERROR, TIMESTAMP_PROPERTY, value)
        return None


# Coordinates


def _coordinates(
    geometry: object, units: CoordinateUnits | None, problems: _FeatureProblems
) -> tuple[Decimal | None, Decimal | None]:
    """Return the ETRS-TM35FIN (east, north) of a point geometry, in whole millimetres.

    A null geometry gives no coordinates and no problem: not every building has a place.
    """
    if geometry is None:
        return None, None

    pair = _point_pair(geometry)
    if pair is None:
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, GEOMETRY_COLUMN, geometry)
        return None, None

    x, y = pair
    converted = _to_tm35(x, y, units or _guess_units(x, y))
    if converted is None:
        problems.add(
            ProblemKind.COORDINATES_OUTSIDE_FINLAND,
            Severity.ERROR,
            GEOMETRY_COLUMN,
            f"{x} {y}",
            x=str(x),
            y=str(y),
        )
        return None, None
    east, north = converted
    return _millimetres(east), _millimetres(north)


def _point_pair(geometry: object) -> tuple[float, float] | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None

    x, y = coordinates[0], coordinates[1]
    if not all(
        isinstance(value, int | Decimal) and not isinstance(value, bool) for value in (x, y)
    ):
        return None
    if not all(Decimal(value).is_finite() for value in (x, y)):
        return None
    return float(x), float(y)


def _guess_units(x: float, y: float) -> CoordinateUnits:
    """Tell degrees from metres by range: ETRS-TM35FIN northings in Finland exceed 6.5 million."""
    if abs(x) <= 180 and abs(y) <= 180:
        return CoordinateUnits.DEGREES
    return CoordinateUnits.METRES


def _to_tm35(x: float, y: float, units: CoordinateUnits) -> tuple[float, float] | None:
    """Convert a point to ETRS-TM35FIN, or return None when it is outside Finland.

    The axis order is taken from the values: a pair that is outside Finland as given but
    inside with its axes swapped is read swapped, because the EPSG definitions of
    EPSG:4326 and EPSG:5048 put latitude and north first.
    """
    if units is CoordinateUnits.DEGREES:
        for longitude, latitude in ((x, y), (y, x)):
            if in_finland_wgs84(longitude, latitude):
                return wgs84_to_tm35fin(longitude, latitude)
        return None

    for east, north in ((x, y), (y, x)):
        if in_finland_tm35(east, north):
            return east, north
    return None


def _millimetres(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(_MILLIMETRE, rounding=ROUND_HALF_EVEN)


# Property values


_Converter = Callable[[FieldSpec, object, str, _FeatureProblems], object]


def _convert(spec: FieldSpec, value: object, column: str, problems: _FeatureProblems) -> object:
    """Convert a property value to the typed value of its field, reporting what is wrong."""
    converter = _FIELD_CONVERTERS.get(spec.name) or _KIND_CONVERTERS[spec.kind]
    return converter(spec, value, column, problems)


def _convert_text(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    return _text(value)


def _convert_code(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    """Return the code of a code-list URI, or of a bare code, of the field's Ryhti list.

    A URI of another list is reported and not read. An unknown code is kept and reported.
    """
    text = _text(value)
    if text is None:
        return None
    list_id = spec.code_lists[Source.RYHTI]

    if _is_uri(text):
        found = ryhti_list_for_uri(text)
        if found is None or found[0] != list_id:
            problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, value)
            return None
        code: str | None = found[1]
    else:
        code = normalise_code(list_id, text)
    if code is None:
        return None

    if not is_known_code(list_id, code):
        problems.add(
            ProblemKind.UNKNOWN_CODE, Severity.WARNING, column, value, code=code, code_list=list_id
        )
    return code


def _convert_municipality(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    """Return a three-digit municipality code from a code, number or JHS municipality-list URI.

    An unknown or merged municipality is kept and reported.
    """
    text = _text(value)
    if text is not None and _is_uri(text):
        text = _municipality_uri_code(text)
        if text is None:
            problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, value)
            return None

    try:
        code = normalise_municipality_code(text)
    except ValueError:
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, value)
        return None
    if code is None:
        return None

    _report_municipality(code, column, value, problems)
    return code


def _report_municipality(code: str, column: str, value: object, problems: _FeatureProblems) -> None:
    merged = merger(code)
    if merged is not None:
        successor = municipality(merged.new_code)
        problems.add(
            ProblemKind.MERGED_MUNICIPALITY,
            Severity.WARNING,
            column,
            value,
            code=code,
            new_code=merged.new_code,
            new_name=successor.name_fi if successor is not None else merged.new_code,
            year=str(merged.year),
        )
    elif municipality(code) is None:
        problems.add(ProblemKind.UNKNOWN_MUNICIPALITY, Severity.WARNING, column, value, code=code)


def _municipality_uri_code(uri: str) -> str | None:
    """Return the code of a URI of a JHS municipality list (``jhs/kunta_1_20240101``)."""
    rest = _uri_rest(uri)
    if rest is None:
        return None
    list_path, separator, code = rest.partition("/code/")
    if not separator or not list_path.casefold().startswith(_MUNICIPALITY_LIST_PREFIX):
        return None
    return code.strip("/") or None


def _convert_property_identifier(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    try:
        return normalise_property_identifier(value)
    except ValueError:
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, value)
        return None


def _convert_decimal(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    try:
        return parse_decimal(value)
    except ValueError:
        problems.add(ProblemKind.INVALID_NUMBER, Severity.ERROR, column, value)
        return None


def _convert_integer(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    try:
        return parse_integer(value)
    except ValueError:
        problems.add(ProblemKind.INVALID_NUMBER, Severity.ERROR, column, value)
        return None


def _convert_date(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    """Parse an ISO date, or the date part of an ISO date and time as it is written."""
    try:
        return _partial_date(value)
    except ValueError:
        problems.add(ProblemKind.INVALID_DATE, Severity.ERROR, column, value)
        return None


def _partial_date(value: object) -> PartialDate | None:
    if isinstance(value, str) and "T" in value:
        moment = datetime.datetime.fromisoformat(value.strip())
        return PartialDate(moment.year, moment.month, moment.day)
    return parse_register_date(value)


def _convert_boolean(
    spec: FieldSpec, value: object, column: str, problems: _FeatureProblems
) -> object:
    try:
        return parse_boolean(value)
    except ValueError:
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, value)
        return None


_FIELD_CONVERTERS: dict[str, _Converter] = {
    "municipality_number": _convert_municipality,
    "property_identifier": _convert_property_identifier,
}

_KIND_CONVERTERS: dict[FieldKind, _Converter] = {
    FieldKind.TEXT: _convert_text,
    FieldKind.CODE: _convert_code,
    FieldKind.DECIMAL: _convert_decimal,
    FieldKind.MONEY: _convert_decimal,
    FieldKind.INTEGER: _convert_integer,
    FieldKind.DATE: _convert_date,
    FieldKind.BOOLEAN: _convert_boolean,
}


def _is_uri(text: str) -> bool:
    return text[:8].casefold().startswith(("http://", "https://"))


def _uri_rest(uri: str) -> str | None:
    for prefix in _URI_PREFIXES:
        if uri[: len(prefix)].casefold() == prefix:
            return uri[len(prefix) :]
    return None


def _text(value: object) -> str | None:
    """Return a property value as stripped text, or None when empty."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _problem_text(value: object) -> str | None:
    """Return a value for a problem report, cut to ``MAX_PROBLEM_VALUE_CHARS``."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list):
        text = json.dumps(value, default=str, ensure_ascii=False)
    else:
        text = _text(value) or ""
    return text[:MAX_PROBLEM_VALUE_CHARS]
