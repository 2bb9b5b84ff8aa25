"""Reader of DVV's open building and address file (Rakennukset ja osoitteet, ``.OPT``).

DVV publishes the file quarterly under CC BY 4.0, for the whole country
(``Suomi_osoitteet_YYYY-MM-DD.OPT``) and per region (``NN_osoitteet_…``), inside .zip or
.7z archives. It is ISO-8859-1 text without a header: 16 columns separated by ``;``, one
row per building address, numbered 1..n by the address number column. Quoting is not
documented, so ``"`` is read as an ordinary character in text columns. Around a code,
number, identifier or date (``CODE_COLUMNS``) it is stray: it is removed before the
value is checked, with a warning.

A building is a run of consecutive rows with the same permanent building identifier.
Blank lines and rows skipped for a problem that start with the same identifier do not
end the run; any other row does. Building values come from the run's first row.

Two ways of reading, with the same records and problems:

- With a municipality filter, rows are found in large blocks of bytes by searching for
  ``;CODE;`` and checking that the hit is the second column. Only those rows are decoded
  and split. UTF-16 text is re-encoded to UTF-8 bytes first (see ``textfile``).
- Without one, every row is decoded and split. The rows are taken in chunks of whole
  buildings, and a chunk without damaged lines is decoded and split at once.
"""

from __future__ import annotations

import codecs
import concurrent.futures
import datetime
import itertools
import logging
import multiprocessing
import re
from collections import Counter
from collections.abc import Callable, Container, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, TypeVar

from tilaapp.domain.codelists import is_known_code, normalise_code
from tilaapp.domain.dates import parse_register_date
from tilaapp.domain.fields import Source
from tilaapp.domain.identifiers import (
    PRT_CHECK_ALPHABET,
    IdentifierStatus,
    check_permanent_building_identifier,
    normalise_municipality_code,
    normalise_permanent_building_identifier,
    normalise_property_identifier,
    prt_check_character,
)
from tilaapp.domain.municipalities import merger, municipality
from tilaapp.domain.numbers import parse_decimal, parse_integer
from tilaapp.sources.records import (
    NOT_READ,
    AddressRecord,
    BuildingRecord,
    FileRejected,
    NotRead,
    ProblemKind,
    RowProblem,
    Severity,
)
from tilaapp.sources.textfile import (
    ISO_8859_1,
    READ_ERRORS,
    DecodeEvent,
    LineDecoder,
    SourceReadError,
    TextSource,
    data_size,
    open_text_source,
    rejection_for,
)

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

DECLARED_ENCODING = ISO_8859_1
MEMBER_SUFFIXES = (".opt",)
COLUMN_COUNT = 16
BLOCK_SIZE = 4 * 1024 * 1024
"""Bytes read at a time, extended to the next line end."""
CHUNK_LINES = 2000
"""Minimum lines in a chunk of the unfiltered read. One damaged line slows its whole chunk."""
# Lines at the start of a file of which one must look like a row of the open address file.
SNIFF_LINES = 10

# Column names as DVV's description of the file gives them.
_COLUMN_NAMES = (
    "Rakennustunnus",
    "Sijaintikunta",
    "Maakunta",
    "Käyttötarkoitus",
    "Pohjoiskoordinaatti",
    "Itäkoordinaatti",
    "Osoitenumero",
    "Kadunnimi suomeksi",
    "Kadunnimi ruotsiksi",
    "Katunumero",
    "Postinumero",
    "Äänestysalue",
    "Äänestysalueen nimi suomeksi",
    "Äänestysalueen nimi ruotsiksi",
    "Sijaintikiinteistö",
    "Tietojen poimintapäivä",
)
# The file has no header, so a problem names a column by its number too.
COLUMNS = tuple(f"{number} {name}" for number, name in enumerate(_COLUMN_NAMES, start=1))
_PRT = 0
_MUNICIPALITY = 1
_USE_CLASS = 3
_NORTH = 4
_EAST = 5
_ADDRESS_NUMBER = 6
_STREET_NAME_FI = 7
_STREET_NAME_SV = 8
_HOUSE_NUMBER = 9
_POSTAL_CODE = 10
_PROPERTY_IDENTIFIER = 14
_EXTRACTION_DATE = 15

CODE_COLUMNS = (
    _PRT,
    _MUNICIPALITY,
    _USE_CLASS,
    _NORTH,
    _EAST,
    _ADDRESS_NUMBER,
    _POSTAL_CODE,
    _PROPERTY_IDENTIFIER,
    _EXTRACTION_DATE,
)
"""The columns that tilaapp reads as codes, numbers, identifiers or dates. The region
and voting district columns are codes too, but they are not read."""
_QUOTE = b'"'
# Looking for the byte by its value took 17 ns in a line of 139 bytes, a bytes needle 145 ns
# (CPython 3.11), and the reading checks every line.
_QUOTE_BYTE = _QUOTE[0]

USE_CLASS_LIST = "dvv_open_use_class"
# Use class 0 appears in the file and means that the class is not known.
_UNKNOWN_USE_CLASS = "0"

# ETRS-TM35FIN (EPSG:3067) bounds of Finland in metres. The extreme points of its land
# area are Bogskär (59.50° N), Nuorgam (70.09° N), Märket (19.13° E) and Ilomantsi
# (31.59° E). Projected with the TM35FIN parameters (GRS80, central meridian 27° E, scale
# 0.9996, false easting 500 000 m), they lie at about N 6 614 900, N 7 776 400, E 65 800
# and E 732 900. The bounds add a margin of at least 14 km to each.
NORTH_MIN = 6_600_000
NORTH_MAX = 7_800_000
EAST_MIN = 50_000
EAST_MAX = 760_000

# Permanent building identifiers are nine digits starting with 1 and a check character,
# so the nine digits index a bit set of 10**8 bits (12.5 MB).
_PRT_BODY_BASE = 100_000_000
_PRT_BODY_COUNT = 100_000_000
_CHECK_BYTES = PRT_CHECK_ALPHABET.encode("ascii")

# A line with the wrong number of columns is quoted in its problem up to this length.
_MAX_PROBLEM_VALUE_LENGTH = 200
_PRT_LIKE = re.compile(r"[0-9A-Za-z]{10}")
# Distinct texts kept by a fast read. A test file of one million buildings had about 11,000.
_SHARED_TEXTS_LIMIT = 200_000
_THREE_DIGITS = re.compile(r"[0-9]{3}")


def open_file_size(path: Path) -> int:
    """Return the bytes of the open address file that reading ``path`` would read: its
    size, or the uncompressed size of the file in the archive. Returns 0 where it cannot
    tell."""
    return data_size(path, MEMBER_SUFFIXES)


def sniff_dvv_open(path: Path) -> bool:
    """Return whether ``path``, or the text member of an archive, is an open address file.

    One of the first ``SNIFF_LINES`` non-blank lines must have 16 ``;``-separated columns,
    a first column that is empty or ten letters and digits, and a three-digit second
    column. So a file whose first row is damaged is read, and the row is reported.
    """
    try:
        with open_text_source(
            path, declared_encoding=DECLARED_ENCODING, member_suffixes=MEMBER_SUFFIXES
        ) as source:
            lines = _first_lines(source, SNIFF_LINES)
    except (FileRejected, SourceReadError, OSError):
        return False
    return any(map(_looks_like_row, lines))


def _looks_like_row(line: str) -> bool:
    cells = _split_cells(line)
    if cells is None:
        return False
    identifier, code = (cells[column].strip().strip('"') for column in (_PRT, _MUNICIPALITY))
    return (not identifier or bool(_PRT_LIKE.fullmatch(identifier))) and bool(
        _THREE_DIGITS.fullmatch(code)
    )


def _first_lines(source: TextSource, count: int) -> list[str]:
    """Return up to ``count`` non-blank lines from the start of ``source``. The last one
    may be cut short."""
    lines = [raw for raw in source.head.split(b"\n") if raw.strip()][:count]
    return [raw.rstrip(b"\r").decode(source.stream_encoding, "replace") for raw in lines]


def _first_line(source: TextSource) -> str:
    return next(iter(_first_lines(source, 1)), "")


def _split_cells(line: str) -> list[str] | None:
    """Split a line into its 16 cells, or return None for another number of columns.

    A line that ends with a separator, which gives a 17th empty cell, is accepted.
    """
    cells = line.split(";")
    if len(cells) == COLUMN_COUNT + 1 and not cells[-1].strip():
        cells.pop()
    return cells if len(cells) == COLUMN_COUNT else None


_Line = tuple[int, bytes, bool]
"""A line number, the line's bytes without the line feed, and whether the line can continue
the building of the previous line: no row with another identifier is between them."""

CompactAddress = tuple[int | None, str | None, str | None, str | None, str | None]
"""Address number, street name in Finnish and Swedish, house number, postal code."""
CompactBuilding = tuple[
    int,
    str | None,
    str | NotRead | None,
    str | NotRead | None,
    int | NotRead | None,
    int | NotRead | None,
    str | NotRead | None,
    str | NotRead | None,
    tuple[CompactAddress, ...],
]
"""First row, identifier, municipality, use class, north and east in thousandths of a
metre, property identifier, postal code of address 1, and the addresses. A value whose
cell was not read is ``NOT_READ``."""
COMPACT_VALUE_COLUMNS = (
    "municipality_number",
    "open_use_class",
    "coordinate_north",
    "coordinate_east",
    "property_identifier",
    "postal_code",
)
"""The register columns of items 2 to 7 of a compact building, in their order."""


class PartialAddresses(tuple[CompactAddress, ...]):
    """The addresses of a building one of whose rows was not read. An import keeps the
    addresses stored for the building, and a new building gets these."""


class HandedOffChunk(NamedTuple):
    """Lines that end where a building ends, handed from one reader of a file to another."""

    lines: list[bytes]
    number: int
    """The number of the first line."""
    previous: tuple[bytes, int]
    """The non-blank line before the chunk and its number, to find a repeated line."""
    encoding: str
    """The encoding of the lines, which can no longer switch."""


HandOff = Callable[[HandedOffChunk], bool]
"""A function offered each chunk. It returns True when it takes the chunk to be read
elsewhere."""

# Values per building row, register value row and address row of ``FlatBuildings``.
BUILDING_WIDTH = 2
VALUE_WIDTH = 7
ADDRESS_WIDTH = 6


@dataclass
class FlatBuildings:
    """Buildings as flat lists that contain each row's values one after another.

    The form that a bulk load inserts, and the cheapest to send between processes. A
    building's id is a base given to the reader plus the line number of its first row.
    """

    buildings: list[object] = field(default_factory=list)
    """Id and identifier of each new building."""
    values: list[object] = field(default_factory=list)
    """Id, municipality, use class, north and east in thousandths of a metre, property
    identifier and postal code of address 1, of each building. A value whose cell was not
    read is ``NOT_READ``: see ``bound_values``."""
    addresses: list[object] = field(default_factory=list)
    """Building id, address number, street name in Finnish and Swedish, house number and
    postal code of each address."""
    has_not_read: bool = False
    """Whether ``values`` contains a ``NOT_READ``."""
    partial: set[int] = field(default_factory=set)
    """Ids of the buildings whose addresses are ``PartialAddresses``."""

    @property
    def building_count(self) -> int:
        return len(self.values) // VALUE_WIDTH

    @property
    def address_count(self) -> int:
        return len(self.addresses) // ADDRESS_WIDTH

    def municipalities(self) -> set[str]:
        """Return the municipality codes of the buildings."""
        return {code for code in set(self.values[1::VALUE_WIDTH]) if isinstance(code, str)}

    def bound_values(self) -> list[object]:
        """Return ``values`` as new register rows store them: a value not read as none,
        because such a row has no stored value to keep."""
        if not self.has_not_read:
            return self.values
        return [None if value is NOT_READ else value for value in self.values]

    def add(self, compact: CompactBuilding, building_id: int, *, new: bool = True) -> None:
        """Append a compact building under ``building_id``, with its building row if ``new``."""
        _, identifier, *values, addresses = compact
        if new:
            self.buildings += (building_id, identifier)
        self.values.append(building_id)
        self.values += values
        if NOT_READ in values:
            self.has_not_read = True
        if isinstance(addresses, PartialAddresses):
            self.partial.add(building_id)
        for address in addresses:
            self.addresses.append(building_id)
            self.addresses += address

    def compact_buildings(self) -> Iterator[CompactBuilding]:
        """Yield the buildings as compact tuples whose first row is their id.

        Every building must have its building row, as the reader writes them.
        """
        values, addresses = self.values, self.addresses
        identifiers = self.buildings[1::BUILDING_WIDTH]
        end = len(addresses)
        position = 0
        for index, start in enumerate(range(0, len(values), VALUE_WIDTH)):
            building_id = values[start]
            own: list[CompactAddress] = []
            while position < end and addresses[position] == building_id:
                own.append(tuple(addresses[position + 1 : position + ADDRESS_WIDTH]))  # type: ignore[arg-type]
                position += ADDRESS_WIDTH
            found = PartialAddresses(own) if building_id in self.partial else tuple(own)
            yield (building_id, identifiers[index], *values[start + 1 : start + VALUE_WIDTH],
                   found)  # type: ignore[misc]  # fmt: skip


class DvvOpenReader:
    """Reads buildings and their addresses from a DVV open address file.

    ``read`` yields one ``BuildingRecord`` per building and appends row problems to
    ``problems`` as it goes. ``rows_read["rows"]`` counts the non-blank rows read: every
    row without a filter, the rows of the chosen municipalities with one.
    """

    def __init__(
        self,
        path: Path,
        *,
        municipalities: frozenset[str] | None = None,
        encoding: str | None = None,
    ) -> None:
        """Prepare to read ``path``, keeping only buildings of ``municipalities`` if given.

        ``encoding`` overrides the encoding rule. Raises ValueError for a municipality
        code that is not one to three digits and LookupError for an unknown encoding.
        """
        self._path = path
        self._municipalities = _normalised_codes(municipalities)
        self._given_encoding = None if encoding is None else codecs.lookup(encoding).name
        self._checked = False
        self.problems: list[RowProblem] = []
        self.rows_read: dict[str, int] = {}
        self.filtered_out = 0
        """Rows left out by the municipality filter: the lines of the file other than the
        rows read, so blank and damaged lines of other municipalities count too. These are
        rows, not buildings, because counting buildings would mean splitting every line."""
        self.skipped_sheets: list[str] = []
        """Always empty: the file has no sheets."""
        self.skipped_members: list[str] = []
        """Other files of the archive, which were not read."""
        self.member: str | None = None
        """The archive member read, or None for a plain file."""
        self.member_sha256: str | None = None
        """The SHA-256 of the archive member's bytes after a read to its end, else None."""
        self.extraction_date: datetime.date | None = None
        """The newest extraction date of the rows read; ``check`` sets it from the first row."""
        self.encoding = ""
        """The encoding that the file is read in, as a Python codec name."""
        self._scan: _FilteredScan | None = None
        self.seen = bytearray()
        """After reading, one bit per identifier whose building was read, by its nine digits."""
        self.page_complete = True
        """False when the file ends in the middle of a row: it may be cut short, so the
        buildings missing from it are not marked as no longer in the source."""
        self.unread_identifiers: set[str] = set()
        """Identifiers of rows that were not read because their columns are wrong. The
        building is in the file, so it is not marked as no longer in the source."""
        self._end = _FileEnd()

    def check(self) -> None:
        """Run the file-level checks: not found, empty, binary, archive and member.

        Raises ``FileRejected``. Sets ``encoding``, ``member`` and, from the first row,
        ``extraction_date``.
        """
        with self._open() as source:
            self._describe(source)
            cells = _split_cells(_first_line(source))
        if cells is not None:
            self.extraction_date = _full_date(cells[_EXTRACTION_DATE])
        self._checked = True

    def read(self) -> Iterator[BuildingRecord]:
        """Yield the buildings in file order, running ``check`` first if it has not run.

        Raises ``FileRejected`` before the first record for every file-level problem, and
        during reading for a damaged archive or invalid UTF-16 text.
        """
        for compact in self.read_compact():
            yield building_record(compact)

    def read_compact(self, share: tuple[int, int] | None = None) -> Iterator[CompactBuilding]:
        """Yield the buildings as ``CompactBuilding`` tuples, the form bulk loading writes.

        ``read`` yields the same buildings as records. With ``share`` = (index, count), this
        reader reads only its share of the buildings (see ``building_share``), so that
        ``count`` processes can read one file together.
        """
        if self._municipalities is None and share is None:
            for flat in self.read_flat(0, 1):
                yield from flat.compact_buildings()
        elif share is None:
            yield from self._reading(lambda rows, source: rows.found_buildings(self._lines(source)))
        else:
            yield from self._reading(
                lambda rows, source: rows.buildings(self._lines(source), share)
            )

    def read_flat(
        self, id_base: int, batch_size: int, hand_off: HandOff | None = None
    ) -> Iterator[FlatBuildings]:
        """Yield every building of the file in batches of at least ``batch_size`` buildings
        (the last can be smaller), each building's id ``id_base`` plus its first line number.

        ``hand_off`` is offered each chunk of lines once the encoding cannot change any
        more, and a ``ChunkReader`` reads the chunks it takes. The municipality filter is
        not applied, so a filtered reader reads with ``read``.
        """
        if self._municipalities is not None:
            raise ValueError("read_flat cannot apply a municipality filter: read with read()")

        def read(rows: _RowReader, source: TextSource) -> Iterator[FlatBuildings]:
            offer = None
            if hand_off is not None:
                taker = hand_off

                def offer(chunk: HandedOffChunk) -> bool:
                    return rows.decoder_is_fixed() and taker(chunk)

            return rows.flat_batches(_blocks(source, end=self._end), id_base, batch_size, offer)

        yield from self._reading(read)

    def _reading(self, read: Callable[[_RowReader, TextSource], Iterator[_T]]) -> Iterator[_T]:
        """Open the file, and yield what ``read`` yields from its rows and source."""
        if not self._checked:
            self.check()
        self._reset()

        with self._open() as source:
            self._describe(source)
            decoder = source.line_decoder(self._report_decoding)
            rows = _RowReader(self._path.name, decoder, self.problems)
            try:
                yield from read(rows, source)
            except READ_ERRORS as error:
                raise rejection_for(self._path, error) from error
            finally:
                self._finish(rows)
            self.member_sha256 = source.member_sha256()

        logger.info(
            "Read %s: %d rows, %d filtered out, %d problems, encoding %s",
            self._path.name,
            self.rows_read.get("rows", 0),
            self.filtered_out,
            len(self.problems),
            self.encoding,
        )

    def _open(self) -> AbstractContextManager[TextSource]:
        return open_text_source(
            self._path,
            declared_encoding=DECLARED_ENCODING,
            encoding=self._given_encoding,
            member_suffixes=MEMBER_SUFFIXES,
        )

    def _describe(self, source: TextSource) -> None:
        self.encoding = source.encoding.name
        self.member = source.member
        self.skipped_members = list(source.skipped_members)

    def _reset(self) -> None:
        self.problems = []
        self.rows_read = {"rows": 0}
        self.filtered_out = 0
        self.member_sha256 = None
        self.unread_identifiers = set()
        self._end = _FileEnd()

    def _lines(self, source: TextSource) -> Iterator[_Line]:
        if self._municipalities is None:
            return _all_lines(source, self._end)
        self._scan = _FilteredScan(self._municipalities)
        return self._scan.lines(source, self._end)

    def _finish(self, rows: _RowReader) -> None:
        self.rows_read = {"rows": rows.row_count}
        self.extraction_date = rows.newest_date
        self.seen = rows.seen
        self.unread_identifiers = rows.unread_identifiers
        if self._scan is not None:
            self.filtered_out = self._scan.filtered_out
        self.page_complete = not self._end.cut_row
        if self._end.cut_row:
            self.problems.append(
                RowProblem(self._path.name, ProblemKind.CUT_LAST_ROW, Severity.WARNING)
            )

    def _report_decoding(self, line_number: int, event: DecodeEvent, encoding: str) -> None:
        self.encoding = encoding
        problem = _decoding_problem(self._path.name, line_number, event, encoding)
        if problem is not None:
            self.problems.append(problem)


class ChunkReader:
    """Reads the chunks of lines that a ``DvvOpenReader`` of the same file hands off.

    Together the two read the file as one reader would, with two differences that the
    caller resolves. Each marks only the buildings it read as seen (``shares_a_building``
    compares them), and each reports an invalid extraction date the first time it meets
    it (``merged_problems`` keeps the first report).
    """

    def __init__(self, file_name: str) -> None:
        self._file_name = file_name
        self.problems: list[RowProblem] = []
        self._rows: _RowReader | None = None

    @property
    def row_count(self) -> int:
        return 0 if self._rows is None else self._rows.row_count

    @property
    def newest_date(self) -> datetime.date | None:
        return None if self._rows is None else self._rows.newest_date

    def shares_a_building(self, seen: bytearray) -> bool:
        """Return whether the chunks had a building that ``seen`` (another reader's
        ``seen``) marks as read."""
        if self._rows is None:
            return False
        return bool(int.from_bytes(seen, "little") & int.from_bytes(self._rows.seen, "little"))

    def read(self, chunk: HandedOffChunk, id_base: int) -> FlatBuildings:
        if self._rows is None:
            decoder = LineDecoder(chunk.encoding, None, self._report_decoding)
            self._rows = _RowReader(self._file_name, decoder, self.problems)
        return self._rows.read_chunk(chunk, id_base)

    def _report_decoding(self, line_number: int, event: DecodeEvent, encoding: str) -> None:
        problem = _decoding_problem(self._file_name, line_number, event, encoding)
        if problem is not None:
            self.problems.append(problem)


def merged_problems(first: list[RowProblem], second: list[RowProblem]) -> list[RowProblem]:
    """Return the problems of a reader and of a ``ChunkReader`` of its handed-off chunks
    by row, as one reader reports them: each invalid extraction date only where first met.
    """
    reported: set[str | None] = set()
    merged = []
    for problem in sorted(first + second, key=lambda problem: problem.row or 0):
        if problem.kind is ProblemKind.INVALID_DATE and problem.column == COLUMNS[_EXTRACTION_DATE]:
            if problem.value in reported:
                continue
            reported.add(problem.value)
        merged.append(problem)
    return merged


def _decoding_problem(
    file_name: str, line_number: int, event: DecodeEvent, encoding: str
) -> RowProblem | None:
    if event is DecodeEvent.SWITCHED_AFTER_ASCII:
        return None
    kind = (
        ProblemKind.ENCODING_CHANGED
        if event is DecodeEvent.SWITCHED
        else ProblemKind.INVALID_ENCODING
    )
    return RowProblem(
        file=file_name,
        kind=kind,
        severity=Severity.WARNING,
        row=line_number,
        params={"encoding": encoding},
    )


def _normalised_codes(codes: frozenset[str] | None) -> frozenset[str] | None:
    if codes is None:
        return None
    normalised = (normalise_municipality_code(code) for code in codes)
    return frozenset(code for code in normalised if code is not None)


def _blocks(
    source: TextSource, size: int | None = None, end: _FileEnd | None = None
) -> Iterator[bytes]:
    """Yield the stream in blocks of about ``size`` bytes, each ending at a line end.

    ``size`` defaults to ``BLOCK_SIZE``, read at each call. ``end`` is shown each block.
    """
    stream = source.stream
    size = size or BLOCK_SIZE
    while True:
        block = stream.read(size)
        if not block:
            return
        if not block.endswith(b"\n"):
            block += stream.readline()
        if end is not None:
            end.note(block)
        yield block


class _FileEnd:
    """The end of a file being read: whether it is in the middle of a row, as in a cut file."""

    def __init__(self) -> None:
        self.cut_row = False

    def note(self, block: bytes) -> None:
        """Note a block; only the last block of a file can end without a line feed."""
        last = block[block.rfind(b"\n") + 1 :]
        self.cut_row = bool(last.strip()) and last.count(b";") < COLUMN_COUNT - 1


def _all_lines(source: TextSource, end: _FileEnd) -> Iterator[_Line]:
    number = 0
    for block in _blocks(source, end=end):
        lines = block.split(b"\n")
        if not lines[-1]:
            lines.pop()
        # zip and count iterate in C, which is faster than a loop here for millions of lines.
        yield from zip(itertools.count(number + 1), lines, itertools.repeat(True))
        number += len(lines)


class _FilteredScan:
    """Finds the rows of some municipalities by searching blocks of bytes for ``;CODE;``.

    Between two rows found with the same identifier, the lines not found decide whether
    the second row continues the first one's building: it does when every line between
    them is blank or starts with that identifier.

    NOTE: a row of the building with another municipality code is not found, so the
    filtered read assumes that all rows of a building have the same municipality code.
    """

    def __init__(self, codes: frozenset[str]) -> None:
        encoded = [code.encode("ascii") for code in sorted(codes)]
        self._needles = [b";" + code + b";" for code in encoded]
        # Codes with stray quotes around them, looked for only in a block with a quote.
        self._quoted_needles = [
            needle
            for code in encoded
            for needle in (b';"' + code + b";", b";" + code + b'";', b';"' + code + b'";')
        ]
        self.line_count = 0
        self.found_count = 0
        self._block_index = 0
        self._previous_key = b""
        self._previous_line = -1
        self._previous_end = 0
        self._previous_block_index = -1
        self._tail_clean = False

    @property
    def filtered_out(self) -> int:
        """Lines not found: the rows of other municipalities and any blank or damaged line."""
        return self.line_count - self.found_count

    def lines(self, source: TextSource, end: _FileEnd) -> Iterator[_Line]:
        for block in _blocks(source, end=end):
            self._block_index += 1
            position, number = 0, self.line_count + 1
            for start in self._row_starts(block):
                number += block.count(b"\n", position, start)
                position = start
                self.found_count += 1
                yield self._line(block, start, number)
            self.line_count = number - 1 + block.count(b"\n", position)
            if not block.endswith(b"\n"):
                self.line_count += 1
            self._close_block(block)

    def _row_starts(self, block: bytes) -> list[int]:
        """Return the start offsets of the lines whose second column is a wanted code."""
        starts: list[int] = []
        needles = self._needles + self._quoted_needles if _QUOTE_BYTE in block else self._needles
        for needle in needles:
            position = block.find(needle)
            while position >= 0:
                line_start = block.rfind(b"\n", 0, position) + 1
                # The first separator of the line ends the first column.
                if block.find(b";", line_start, position + 1) == position:
                    starts.append(line_start)
                line_end = block.find(b"\n", position)
                if line_end < 0:
                    break
                position = block.find(needle, line_end + 1)
        if len(needles) > 1:
            starts.sort()
        return starts

    def _line(self, block: bytes, start: int, number: int) -> _Line:
        end = block.find(b"\n", start)
        if end < 0:
            end = len(block)
        raw = block[start:end]

        key = raw[: raw.find(b";") + 1]
        if _QUOTE_BYTE in key:
            key = _unquoted_key(key)
        if number == self._previous_line + 1:
            continues = True
        elif key == self._previous_key:
            continues = self._gap_is_clean(block, start, key)
        else:
            continues = False
        self._previous_key, self._previous_line = key, number
        self._previous_end, self._previous_block_index = end, self._block_index
        self._tail_clean = True
        return number, raw, continues

    def _gap_is_clean(self, block: bytes, start: int, key: bytes) -> bool:
        if self._previous_block_index == self._block_index:
            return _only_run_lines(block, self._previous_end + 1, start, key)
        return self._tail_clean and _only_run_lines(block, 0, start, key)

    def _close_block(self, block: bytes) -> None:
        """Note whether the lines after the last row found could still continue its building."""
        if self._previous_line < 0 or not self._tail_clean:
            return
        same_block = self._previous_block_index == self._block_index
        start = self._previous_end + 1 if same_block else 0
        self._tail_clean = _only_run_lines(block, start, len(block), self._previous_key)


def _only_run_lines(block: bytes, start: int, end: int, key: bytes) -> bool:
    """Return whether every line of ``block[start:end]`` is blank or starts with ``key``."""
    position = start
    while position < end:
        line_end = block.find(b"\n", position, end)
        if line_end < 0:
            line_end = end
        if not block.startswith(key, position) and block[position:line_end].strip():
            return False
        position = line_end + 1
    return True


@dataclass
class _Run:
    """The rows of one building read so far."""

    key: bytes
    """The first column with its separator, as bytes."""
    identifier: str | None = None
    status: IdentifierStatus | None = None
    body: int = 0
    """The nine digits of the identifier, less ``_PRT_BODY_BASE``."""
    usable: bool = False
    """Whether rows of the run are kept: the identifier is well formed and new."""
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    partial: bool = False
    """Whether a row of the building was not read, so that not all its addresses are known."""


class _SharedTexts(dict[bytes, str | None]):
    """A map from a cell's bytes to its decoded, stripped text, or None when blank, as one
    object per text.

    Street names, house numbers and postal codes repeat across millions of rows. Sharing
    one object per text lets marshal send each text once per message to the importing
    process instead of once per row: 4.4 of the 5.4 million strings of a test file of
    one million buildings were such repeats. It also decodes each text once.
    """

    def __init__(self, encoding: str) -> None:
        super().__init__()
        self.encoding = encoding

    def __missing__(self, cell: bytes) -> str | None:
        text = self[cell] = cell.decode(self.encoding).strip() or None
        return text


class _KnownCells(dict[bytes, _T | None]):
    """The results that the line-by-line reading cached by a cell's text, looked up by the
    cell's bytes. A cell whose text has no result yet gives None and is not kept here,
    because the line-by-line reading may add its result later."""

    def __init__(self, results: dict[str, _T], encoding: str) -> None:
        super().__init__()
        self._results = results
        self._encoding = encoding

    def __missing__(self, cell: bytes) -> _T | None:
        result = self._results.get(cell.decode(self._encoding))
        if result is not None:
            self[cell] = result
        return result


class _SeenCells(dict[bytes, bool]):
    """Whether the line-by-line reading has seen a cell's text, looked up by its bytes."""

    def __init__(self, seen: Container[str], encoding: str) -> None:
        super().__init__()
        self._seen = seen
        self._encoding = encoding

    def __missing__(self, cell: bytes) -> bool:
        seen = cell.decode(self._encoding) in self._seen
        if seen:
            self[cell] = True
        return seen


class _FastMaps(NamedTuple):
    """The maps in which the reading of whole chunks looks up cells by their bytes."""

    encoding: str
    texts: _SharedTexts
    municipalities: _KnownCells[_CodeResult]
    use_classes: _KnownCells[_CodeResult]
    dates: _SeenCells


class _RowReader:
    """Turns lines into buildings and row problems."""

    def __init__(self, file: str, decoder: LineDecoder, problems: list[RowProblem]) -> None:
        self._file = file
        self._decoder = decoder
        self._problems = problems
        # Identifiers of the buildings read, by their nine digits, to find a building's
        # rows again after other rows without holding millions of identifiers.
        self._seen = bytearray(_PRT_BODY_COUNT // 8)
        self.values = _ValueParser(file, problems)
        self.row_count = 0
        self.unread_identifiers: set[str] = set()
        self._run = _Run(b"\x00")
        self._previous_raw = b""
        self._previous_number = -2
        self._passed_over = False

    @property
    def newest_date(self) -> datetime.date | None:
        return self.values.newest_date

    def buildings(
        self, lines: Iterator[_Line], share: tuple[int, int] | None = None
    ) -> Iterator[CompactBuilding]:
        """Yield one building per run of rows.

        With ``share`` = (index, count), only the buildings that ``building_share`` gives
        to ``index`` of ``count`` readers are read; every other line is passed over
        unchecked, because another reader of the same file reads it.
        """
        yield from self._take(lines, share)
        yield from self._flush()

    def found_buildings(self, lines: Iterator[_Line]) -> Iterator[CompactBuilding]:
        """Yield the buildings of the rows that a filtered scan found, as ``buildings``
        does, reading each stretch of consecutive found lines as a chunk where it can.

        A stretch whose first line continues the building of the stretch before is read
        with it, line by line.
        """
        for group in _line_groups(lines):
            first_number = group[0][0]
            chunk = [line for _, line, _ in group]
            consecutive = group[-1][0] - first_number == len(group) - 1
            batch = FlatBuildings()
            if consecutive and self._fast_chunk(chunk, first_number, 0, batch):
                yield from batch.compact_buildings()
            else:
                yield from self._take(iter(group))
                yield from self._flush()

    def flat_batches(
        self,
        blocks: Iterator[bytes],
        id_base: int,
        batch_size: int,
        hand_off: HandOff | None = None,
    ) -> Iterator[FlatBuildings]:
        """Yield the buildings of every line of ``blocks`` as ``buildings`` reads them, in
        batches of at least ``batch_size`` buildings and faster.

        The lines are taken in chunks that end where a building ends. A chunk of lines
        that all have 16 columns and decode cleanly goes to ``_fast_chunk``; any other
        chunk is read line by line. ``hand_off`` is offered each chunk first, with its
        first line number and the previous line, and a chunk it takes is not read here.
        """
        batch = FlatBuildings()
        for lines, number in _chunks(blocks):
            previous = (self._previous_raw, self._previous_number)
            if hand_off is not None and hand_off(
                HandedOffChunk(lines, number, previous, self._decoder.encoding)
            ):
                self._previous_raw, self._previous_number = _last_line(lines, number, previous)
                continue
            if not self._fast_chunk(lines, number, id_base, batch):
                self._add_lines(lines, number, id_base, batch)
            if len(batch.values) >= batch_size * VALUE_WIDTH:
                yield batch
                batch = FlatBuildings()
        if batch.values:
            yield batch

    def read_chunk(self, chunk: HandedOffChunk, id_base: int) -> FlatBuildings:
        """Return the buildings of a chunk that another reader of the file handed off."""
        self._previous_raw, self._previous_number = chunk.previous
        batch = FlatBuildings()
        if not self._fast_chunk(chunk.lines, chunk.number, id_base, batch):
            self._add_lines(chunk.lines, chunk.number, id_base, batch)
        return batch

    @property
    def seen(self) -> bytearray:
        """One bit per identifier whose building was read, by its nine digits."""
        return self._seen

    def decoder_is_fixed(self) -> bool:
        """Return whether the lines' encoding can no longer switch, so that another
        decoder of the same encoding decodes any later line the same way."""
        return self._decoder.is_fixed()

    def _add_lines(
        self, lines: list[bytes], number: int, id_base: int, batch: FlatBuildings
    ) -> None:
        """Read ``lines``, which end where a building ends, line by line into ``batch``."""
        numbered = zip(itertools.count(number), lines, itertools.repeat(True))
        for compact in itertools.chain(self._take(numbered), self._flush()):
            batch.add(compact, id_base + compact[0])

    def _fast_chunk(
        self, lines: list[bytes], number: int, id_base: int, batch: FlatBuildings
    ) -> bool:
        """Add the buildings of well-formed ``lines`` to ``batch`` and return True, or
        return False, having added nothing, to have them read line by line.

        Well formed: no blank, repeated or carriage-return-ended line, 16 columns in each,
        and text that decodes without replacement.
        """
        data = b"\n".join(lines)
        if b"\r" in data or (
            lines[0] == self._previous_raw and number == self._previous_number + 1
        ):
            return False
        if any(map(bytes.__eq__, lines, itertools.islice(lines, 1, None))):
            return False
        # In the encodings that decodes_lines accepts, ";" is always a byte of its own, so
        # counting bytes counts columns.
        if set(map(bytes.count, lines, itertools.repeat(b";"))) != {COLUMN_COUNT - 1}:
            return False
        # A stray quote around a code is removed line by line, so that a building's rows
        # are grouped by the identifier without it, as the line-by-line reading does.
        if _QUOTE_BYTE in data and any(map(_has_quoted_code, lines)):
            return False
        if not self._decoder.decodes_lines(data):
            return False
        # One split of the whole chunk took about half the time of a split per line (0.47
        # against 0.89 µs a line), because it makes no list for each line. The bytes are
        # split rather than the decoded text, which took 0.78 against 1.16 s for a million
        # lines, and the maps decode each distinct text once.
        cells = data.replace(b"\n", b";").split(b";")
        self.row_count += len(lines)
        self._fast_buildings(lines, cells, number, id_base, batch)
        self._previous_raw, self._previous_number = lines[-1], number + len(lines) - 1
        return True

    def _fast_buildings(
        self,
        lines: list[bytes],
        cells: list[bytes],
        number: int,
        id_base: int,
        batch: FlatBuildings,
    ) -> None:
        """Add the buildings of a well-formed chunk, whose ``cells`` follow one another
        row after row, to ``batch``.

        A building is built here when none of its values needs a report and its codes and
        dates were seen before. Any other building is read line by line. The checks are
        written out in the loop because it runs once for each of millions of buildings.
        """
        building_rows, value_rows, address_rows = batch.buildings, batch.values, batch.addresses
        seen = self._seen
        values = self.values
        maps = values.fast_maps(self._decoder.encoding)
        texts, dates = maps.texts, maps.dates
        municipalities, use_classes = maps.municipalities, maps.use_classes
        check_characters, body_base = _CHECK_BYTES, _PRT_BODY_BASE
        north_min, north_max, east_min, east_max = NORTH_MIN, NORTH_MAX, EAST_MIN, EAST_MAX
        width = COLUMN_COUNT
        first_id = id_base + number
        count = len(cells)
        start = 0
        while start < count:
            end = start + width
            first = cells[start:end]
            (identifier, municipality_cell, _, use_cell, north_cell, east_cell, address_number,
             street_fi, street_sv, house, postal, _, _, _, property_id, date) = first  # fmt: skip
            while end < count and cells[end] == identifier:
                end += width
            addresses: Sequence[object] | None = None
            body_text = identifier[:9]
            municipality_code = municipalities[municipality_cell]
            use_class = use_classes[use_cell]
            if (
                len(identifier) == 10
                and body_text.isdigit()
                and body_text[0] == 49  # "1"
                and municipality_code is not None
                and not municipality_code[1]
                and use_class is not None
                and not use_class[1]
                and north_cell.isdigit()
                and east_cell.isdigit()
                and (
                    property_id == b""
                    or (
                        len(property_id) == 14
                        and property_id.isdigit()
                        and property_id[:3] != b"000"
                    )
                )
            ):
                body = int(body_text)
                north, east = int(north_cell), int(east_cell)
                bit = body - body_base
                if (
                    identifier[9] == check_characters[body % 31]
                    and north_min <= north <= north_max
                    and east_min <= east <= east_max
                    and not seen[bit >> 3] & (1 << (bit & 7))
                ):
                    building_id = first_id + start // width
                    if end > start + width:
                        main_postal, addresses = values.flat_addresses(
                            cells, start, end, building_id, maps
                        )
                    elif (
                        dates[date]
                        and address_number.isdigit()
                        and (postal == b"" or (len(postal) == 5 and postal.isdigit()))
                    ):
                        main_postal = None if postal == b"00000" else texts[postal]
                        addresses = (
                            building_id,
                            int(address_number),
                            texts[street_fi],
                            texts[street_sv],
                            texts[house],
                            main_postal,
                        )
                    if addresses is not None:
                        seen[bit >> 3] |= 1 << (bit & 7)
                        building_rows += (building_id, identifier.decode("ascii"))
                        value_rows += (
                            building_id,
                            municipality_code[0],
                            use_class[0],
                            north * 1000,
                            east * 1000,
                            property_id.decode("ascii") if property_id else None,
                            main_postal,
                        )
                        address_rows += addresses
            if addresses is None:
                for compact in self._slow_group(lines, number, start // width, end // width):
                    batch.add(compact, id_base + compact[0])
            start = end

    def _slow_group(
        self, lines: list[bytes], number: int, start: int, end: int
    ) -> Iterator[CompactBuilding]:
        """Read the lines ``start:end`` of a fast chunk, one building, line by line."""
        self.row_count -= end - start
        if start > 0:
            self._previous_raw, self._previous_number = lines[start - 1], number + start - 1
        group = zip(itertools.count(number + start), lines[start:end], itertools.repeat(True))
        yield from self._take(group)
        yield from self._flush()

    def _take(
        self, lines: Iterator[_Line], share: tuple[int, int] | None = None
    ) -> Iterator[CompactBuilding]:
        """Read ``lines`` one by one, yielding each building that a later line ends.

        The building being read and the previous line are kept between calls.
        """
        build = self.values.compact_building
        decode = self._decoder.decode
        run = self._run
        previous_raw, previous_number = self._previous_raw, self._previous_number
        passed_over = self._passed_over
        for number, line, continues in lines:
            raw = line[:-1] if line.endswith(b"\r") else line
            if not raw or raw.isspace():
                continue
            if _QUOTE_BYTE in raw:
                raw = self._unquoted(number, raw, share)
            key = raw[: raw.find(b";") + 1] or raw
            if share is not None and building_share(key, share[1]) != share[0]:
                passed_over = True
                continue
            self.row_count += 1

            if number == previous_number + 1 and raw == previous_raw:
                self._problem(number, ProblemKind.DUPLICATE_ROW, Severity.WARNING)
                previous_number = number
                continue
            previous_raw, previous_number = raw, number

            # Rows of another reader between two rows of one building split the building.
            if key != run.key or not continues or passed_over:
                passed_over = False
                if run.rows:
                    yield build(run)
                run = self._start(key)

            cells = decode(raw, number).split(";")
            if len(cells) != COLUMN_COUNT:
                checked = self._checked_cells(number, cells, run)
                if checked is None:
                    continue
                cells = checked
            if not run.usable:
                self._report_unusable(run, number, cells[_PRT])
                continue
            if not run.rows:
                self._first_row_of_building(run, number, cells[_PRT])
            run.rows.append((number, cells))
        self._run = run
        self._previous_raw, self._previous_number = previous_raw, previous_number
        self._passed_over = passed_over

    def _flush(self) -> Iterator[CompactBuilding]:
        """Yield the building being read, if it has rows, and start afresh."""
        run, self._run = self._run, _Run(b"\x00")
        if run.rows:
            yield self.values.compact_building(run)

    def _start(self, key: bytes) -> _Run:
        run = _Run(key)
        text = key[:-1] if key.endswith(b";") else key
        body = text[:9]
        # Fast path for a valid identifier: nine digits from 1 and the right check character.
        if len(text) == 10 and body.isdigit() and body.startswith(b"1"):
            number = int(body)
            if text[9] == _CHECK_BYTES[number % 31]:
                run.identifier = text.decode("ascii")
                run.status = IdentifierStatus.VALID
                run.body = number - _PRT_BODY_BASE
                run.usable = not self._was_seen(run.body)
                return run

        run.identifier = normalise_permanent_building_identifier(text.decode("ascii", "replace"))
        if run.identifier is None:
            return run
        run.status = check_permanent_building_identifier(run.identifier)
        if run.status is not IdentifierStatus.MALFORMED:
            run.body = int(run.identifier[:9]) - _PRT_BODY_BASE
            run.usable = not self._was_seen(run.body)
        return run

    def _was_seen(self, body: int) -> bool:
        return bool(self._seen[body >> 3] & (1 << (body & 7)))

    def _checked_cells(self, number: int, cells: list[str], run: _Run) -> list[str] | None:
        """Return the 16 cells of a row of ``run``, reporting a row with another number of
        columns and noting its building's identifier as unread.

        A row that ends with a separator, which gives a 17th empty cell, is accepted.
        """
        if len(cells) == COLUMN_COUNT + 1 and not cells[-1].strip():
            return cells[:COLUMN_COUNT]

        if run.identifier is not None:
            self.unread_identifiers.add(run.identifier)
        run.partial = True
        text = ";".join(cells)
        self._problem(
            number,
            ProblemKind.WRONG_COLUMN_COUNT,
            Severity.ERROR,
            value=text[:_MAX_PROBLEM_VALUE_LENGTH],
            count=str(len(cells)),
            expected=str(COLUMN_COUNT),
        )
        return None

    def _unquoted(self, number: int, raw: bytes, share: tuple[int, int] | None) -> bytes:
        """Return line ``raw`` without the quotes around its codes, reporting each cell
        changed unless the line is another reader's share."""
        raw, changed = _unquoted_codes(raw)
        key = raw[: raw.find(b";") + 1] or raw
        if share is not None and building_share(key, share[1]) != share[0]:
            return raw
        for column, cell in changed:
            value = cell.decode(self._decoder.encoding, "replace")
            self._problem(
                number, ProblemKind.QUOTE_REMOVED, Severity.WARNING, COLUMNS[column], value
            )
        return raw

    def _report_unusable(self, run: _Run, number: int, cell: str) -> None:
        column = COLUMNS[_PRT]
        if run.identifier is None:
            self._problem(number, ProblemKind.NO_IDENTIFIER, Severity.ERROR, column)
        elif run.status is IdentifierStatus.MALFORMED:
            self._problem(number, ProblemKind.MALFORMED_IDENTIFIER, Severity.ERROR, column, cell)
        else:
            self._problem(
                number,
                ProblemKind.NON_CONSECUTIVE_ROWS,
                Severity.ERROR,
                column,
                cell,
                identifier=str(run.identifier),
            )

    def _first_row_of_building(self, run: _Run, number: int, cell: str) -> None:
        self._seen[run.body >> 3] |= 1 << (run.body & 7)
        if run.status is IdentifierStatus.CHECK_FAILED:
            identifier = str(run.identifier)
            self._problem(
                number,
                ProblemKind.CHECK_CHARACTER_FAILED,
                Severity.WARNING,
                COLUMNS[_PRT],
                cell,
                expected=prt_check_character(identifier[:9]),
            )

    def _problem(
        self,
        number: int,
        kind: ProblemKind,
        severity: Severity,
        column: str | None = None,
        value: str | None = None,
        **params: str,
    ) -> None:
        self._problems.append(
            RowProblem(
                file=self._file,
                kind=kind,
                severity=severity,
                row=number,
                column=column,
                value=value,
                params=params,
            )
        )


def _has_quoted_code(line: bytes) -> bool:
    """Return whether a line of 16 columns has a quote character in a cell of
    ``CODE_COLUMNS``."""
    if _QUOTE_BYTE not in line:
        return False
    cells = line.split(b";")
    return any(_QUOTE_BYTE in cells[column] for column in CODE_COLUMNS)


def _unquoted_key(key: bytes) -> bytes:
    """Return a line's first column and separator without quotes around the identifier."""
    cell, separator = (key[:-1], key[-1:]) if key.endswith(b";") else (key, b"")
    return (_unquoted_cell(cell) or cell) + separator


def _unquoted_cell(cell: bytes) -> bytes | None:
    """Return ``cell`` without the quotes around it, or None when it has none around it."""
    inner = cell.strip().strip(_QUOTE)
    return inner if inner != cell.strip() else None


def _unquoted_codes(raw: bytes) -> tuple[bytes, list[tuple[int, bytes]]]:
    """Remove the quote characters around the cells of ``CODE_COLUMNS`` of a line.

    Returns the line and the column and original bytes of each cell changed. A quote
    inside a value stays. A line with another number of columns, which is reported as
    such, loses only the quotes around its identifier, so that it ends a building or not
    as it would without them.
    """
    cells = raw.split(b";")
    whole = len(cells) in (COLUMN_COUNT, COLUMN_COUNT + 1)
    changed = []
    for column in CODE_COLUMNS if whole else (_PRT,):
        cell = cells[column]
        inner = _unquoted_cell(cell) if _QUOTE_BYTE in cell else None
        if inner is not None:
            changed.append((column, cell))
            cells[column] = inner
    return (b";".join(cells), changed) if changed else (raw, [])


def _is_plain_property_identifier(cell: str) -> bool:
    """Return whether ``cell`` is a property identifier in its 14-digit stored form."""
    return len(cell) == 14 and cell.isdecimal() and cell.isascii() and not cell.startswith("000")


def _last_line(lines: list[bytes], number: int, previous: tuple[bytes, int]) -> tuple[bytes, int]:
    """Return the last non-blank line of ``lines`` without its CR, with its number, as the
    line-by-line reading keeps it. Return ``previous`` when every line is blank."""
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        raw = line[:-1] if line.endswith(b"\r") else line
        if raw and not raw.isspace():
            return raw, number + index
    return previous


def _line_groups(lines: Iterator[_Line]) -> Iterator[list[_Line]]:
    """Yield found ``lines`` in groups that end where a building ends.

    A group is a stretch of consecutive line numbers, joined with a stretch after it whose
    first line continues its last building. A long stretch is cut where the identifier
    changes after ``CHUNK_LINES`` lines.
    """
    group: list[_Line] = []
    for line in lines:
        number, raw, continues = line
        if group:
            previous_number, previous_raw, _ = group[-1]
            if number != previous_number + 1:
                cut = not continues
            else:
                cut = len(group) >= CHUNK_LINES and _line_key(raw) != _line_key(previous_raw)
            if cut:
                yield group
                group = []
        group.append(line)
    if group:
        yield group


def _chunks(blocks: Iterator[bytes]) -> Iterator[tuple[list[bytes], int]]:
    """Yield the lines of ``blocks`` in chunks of at least ``CHUNK_LINES`` lines that end
    where a building ends (the last chunk can be shorter), each with its first line number.
    """
    pending: list[bytes] = []
    number = 1
    for block in blocks:
        lines = block.split(b"\n")
        if not lines[-1]:
            lines.pop()
        pending += lines
        start = 0
        while len(pending) - start > CHUNK_LINES:
            stop = _chunk_end(pending, start + CHUNK_LINES)
            if stop is None:
                break
            yield pending[start:stop], number
            number += stop - start
            start = stop
        del pending[:start]
    if pending:
        yield pending, number


def _line_key(line: bytes) -> bytes | None:
    """Return the first column of a line with its separator, or None for a blank line.

    Quotes around the identifier are left out, as the line-by-line reading removes them.
    """
    raw = line[:-1] if line.endswith(b"\r") else line
    if not raw or raw.isspace():
        return None
    key = raw[: raw.find(b";") + 1] or raw
    return _unquoted_key(key) if _QUOTE_BYTE in key else key


def _chunk_end(lines: list[bytes], stop: int) -> int | None:
    """Return the first index from ``stop`` on where a building starts, or None if none does.

    A building starts at a line whose first column differs from that of the last
    non-blank line before it.
    """
    key = None
    position = stop - 1
    while key is None and position >= 0:
        key = _line_key(lines[position])
        position -= 1
    for position in range(stop, len(lines)):
        line_key = _line_key(lines[position])
        if line_key is not None and line_key != key:
            return position
    return None


def _main_postal_code(
    addresses: tuple[CompactAddress, ...], rows: list[tuple[int, list[str]]]
) -> str | NotRead | None:
    """Return the postal code of address number 1, or of the first address without one:
    ``NOT_READ`` when its cell was not read."""
    main = next((index for index, address in enumerate(addresses) if address[0] == 1), 0)
    postal_code = addresses[main][4]
    if postal_code is None and rows[main][1][_POSTAL_CODE].strip() not in ("", "00000"):
        return NOT_READ
    return postal_code


def building_share(key: bytes, count: int) -> int:
    """Return which of ``count`` readers reads the building whose first column is ``key``.

    The share follows the ninth digit of the identifier, so every row of one building
    goes to the same reader. Rows without such a digit go to the first reader.
    """
    if len(key) >= 9 and 48 <= key[8] <= 57:
        return key[8] % count
    return 0


def _thousandths(value: Decimal) -> int:
    """Return a coordinate in thousandths of a metre; finer digits are rounded away."""
    return int((value * 1000).to_integral_value())


def building_record(compact: CompactBuilding) -> BuildingRecord:
    """Return the ``BuildingRecord`` of a compact building."""
    row, identifier, municipality_code, use_class, north, east, property_id, postal, addresses = (
        compact
    )
    values: dict[str, object] = {
        "municipality_number": municipality_code,
        "open_use_class": use_class,
        "coordinate_north": _metres(north),
        "coordinate_east": _metres(east),
        "property_identifier": property_id,
        "postal_code": postal,
    }
    read = {name: value for name, value in values.items() if value is not NOT_READ}
    return BuildingRecord(
        Source.DVV_OPEN,
        row,
        identifier,
        read,
        [AddressRecord(*a) for a in addresses],
        addresses_complete=not isinstance(addresses, PartialAddresses),
    )


def _metres(thousandths: object) -> object:
    """Return a coordinate of a compact building in metres. None and ``NOT_READ`` are
    returned unchanged."""
    if isinstance(thousandths, int):
        return Decimal(thousandths) / 1000
    return thousandths


_Finding = tuple[ProblemKind, Severity, dict[str, str]]
_CodeResult = tuple[str | NotRead | None, list[_Finding]]
_Coordinates = tuple[int | None, int | None] | tuple[NotRead, NotRead]
_CodeConverter = Callable[[str], _CodeResult]


class _ValueParser:
    """Converts the cells of a building's rows to typed values, reporting what is wrong.

    Codes and dates repeat across the file, so their results are cached by cell text.
    """

    def __init__(self, file: str, problems: list[RowProblem]) -> None:
        self._file = file
        self._problems = problems
        self.newest_date: datetime.date | None = None
        self._municipalities: dict[str, _CodeResult] = {}
        self._use_classes: dict[str, _CodeResult] = {}
        self._dates: dict[str, datetime.date | None] = {}
        self._fast: _FastMaps | None = None

    def fast_maps(self, encoding: str) -> _FastMaps:
        """Return the maps for reading whole chunks of lines of ``encoding``: new ones when
        the encoding changed or the shared texts have grown too large."""
        maps = self._fast
        if maps is None or maps.encoding != encoding or len(maps.texts) > _SHARED_TEXTS_LIMIT:
            maps = self._fast = _FastMaps(
                encoding,
                _SharedTexts(encoding),
                _KnownCells(self._municipalities, encoding),
                _KnownCells(self._use_classes, encoding),
                _SeenCells(self._dates, encoding),
            )
        return maps

    def compact_building(self, run: _Run) -> CompactBuilding:
        """Return the building as plain tuples, the form bulk loading writes from.

        Coordinates are integers of thousandths of a metre, as the database stores them.
        """
        number, first = run.rows[0]
        north, east = self._coordinates(number, first[_NORTH], first[_EAST])
        # A code seen before without problems is taken from the cache without a call.
        municipality_code = self._municipalities.get(first[_MUNICIPALITY])
        if municipality_code is None or municipality_code[1]:
            municipality_code = self._cached_code(
                number, first[_MUNICIPALITY], _MUNICIPALITY, self._municipalities, _municipality
            )
        use_class = self._use_classes.get(first[_USE_CLASS])
        if use_class is None or use_class[1]:
            use_class = self._cached_code(
                number, first[_USE_CLASS], _USE_CLASS, self._use_classes, _use_class
            )
        addresses = tuple(self._address(row_number, cells) for row_number, cells in run.rows)
        if run.partial:
            addresses = PartialAddresses(addresses)
        return (
            number,
            run.identifier,
            municipality_code[0],
            use_class[0],
            north,
            east,
            self._property_identifier(number, first[_PROPERTY_IDENTIFIER]),
            _main_postal_code(addresses, run.rows),
            addresses,
        )

    def flat_addresses(
        self, cells: list[bytes], start: int, end: int, building_id: int, maps: _FastMaps
    ) -> tuple[str | None, list[object] | None]:
        """Return the postal code of address 1 and the address rows of one building, whose
        rows' cells are ``cells[start:end]``, in the form of ``FlatBuildings``.

        The rows are None where ``_address`` would report a problem or note a date not
        seen before.
        """
        dates = maps.dates
        texts = maps.texts
        rows: list[object] = []
        postal_codes: list[str | None] = []
        numbers: list[int] = []
        for position in range(start, end, COLUMN_COUNT):
            address_number = cells[position + _ADDRESS_NUMBER]
            postal_cell = cells[position + _POSTAL_CODE]
            if not dates[cells[position + _EXTRACTION_DATE]] or not address_number.isdigit():
                return None, None
            if postal_cell == b"" or postal_cell == b"00000":
                postal_code: str | None = None
            elif not (len(postal_cell) == 5 and postal_cell.isdigit()):
                return None, None
            else:
                postal_code = texts[postal_cell]
            number = int(address_number)
            rows += (
                building_id,
                number,
                texts[cells[position + _STREET_NAME_FI]],
                texts[cells[position + _STREET_NAME_SV]],
                texts[cells[position + _HOUSE_NUMBER]],
                postal_code,
            )
            numbers.append(number)
            postal_codes.append(postal_code)
        main = numbers.index(1) if 1 in numbers else 0
        return postal_codes[main], rows

    def _address(self, number: int, cells: list[str]) -> CompactAddress:
        date = cells[_EXTRACTION_DATE]
        if date not in self._dates:
            self._note_date(number, date)

        address_number = cells[_ADDRESS_NUMBER]
        postal_code = cells[_POSTAL_CODE]
        return (
            int(address_number)
            if address_number.isdecimal()
            else self._address_number(number, address_number),
            cells[_STREET_NAME_FI].strip() or None,
            cells[_STREET_NAME_SV].strip() or None,
            cells[_HOUSE_NUMBER].strip() or None,
            postal_code
            if len(postal_code) == 5
            and postal_code.isdecimal()
            and postal_code.isascii()
            and postal_code != "00000"
            else self._postal_code(number, postal_code),
        )

    def _note_date(self, number: int, cell: str) -> None:
        """Keep the newest extraction date; each distinct invalid value is reported once."""
        date = None
        if cell.strip():
            date = _full_date(cell)
            if date is None:
                self._add(number, _EXTRACTION_DATE, cell, ProblemKind.INVALID_DATE, Severity.ERROR)
        self._dates[cell] = date
        if date is not None and (self.newest_date is None or date > self.newest_date):
            self.newest_date = date

    def _cached_code(
        self,
        number: int,
        cell: str,
        column: int,
        cache: dict[str, _CodeResult],
        convert: _CodeConverter,
    ) -> _CodeResult:
        entry = cache.get(cell)
        if entry is None:
            entry = cache[cell] = convert(cell)
        for kind, severity, params in entry[1]:
            self._add(number, column, cell, kind, severity, **params)
        return entry

    def _coordinates(self, number: int, north_cell: str, east_cell: str) -> _Coordinates:
        """Return both coordinates in thousandths of a metre: None for empty cells, and
        ``NOT_READ`` when one is invalid or they lie outside Finland."""
        if north_cell.isdecimal() and east_cell.isdecimal():
            # Whole metres, as the file gives them: integers are faster than Decimal.
            north, east = int(north_cell), int(east_cell)
            if NORTH_MIN <= north <= NORTH_MAX and EAST_MIN <= east <= EAST_MAX:
                return north * 1000, east * 1000
            self._outside_finland(number, north_cell, east_cell)
            return NOT_READ, NOT_READ

        north_decimal = self._coordinate(number, north_cell, _NORTH)
        east_decimal = self._coordinate(number, east_cell, _EAST)
        if north_decimal is NOT_READ or east_decimal is NOT_READ:
            return NOT_READ, NOT_READ
        if north_decimal is None or east_decimal is None:
            return None, None
        if not (NORTH_MIN <= north_decimal <= NORTH_MAX and EAST_MIN <= east_decimal <= EAST_MAX):
            self._outside_finland(number, north_cell, east_cell)
            return NOT_READ, NOT_READ
        return _thousandths(north_decimal), _thousandths(east_decimal)

    def _outside_finland(self, number: int, north_cell: str, east_cell: str) -> None:
        self._add(
            number,
            _NORTH,
            north_cell,
            ProblemKind.COORDINATES_OUTSIDE_FINLAND,
            Severity.ERROR,
            x=east_cell.strip(),
            y=north_cell.strip(),
        )

    def _coordinate(self, number: int, cell: str, column: int) -> Decimal | NotRead | None:
        try:
            return parse_decimal(cell)
        except ValueError:
            self._add(number, column, cell, ProblemKind.INVALID_NUMBER, Severity.ERROR)
            return NOT_READ

    def _property_identifier(self, number: int, cell: str) -> str | NotRead | None:
        if _is_plain_property_identifier(cell):
            return cell
        try:
            return normalise_property_identifier(cell)
        except ValueError:
            self._add(number, _PROPERTY_IDENTIFIER, cell, ProblemKind.INVALID_VALUE, Severity.ERROR)
            return NOT_READ

    def _address_number(self, number: int, cell: str) -> int | None:
        try:
            return parse_integer(cell)
        except ValueError:
            self._add(number, _ADDRESS_NUMBER, cell, ProblemKind.INVALID_NUMBER, Severity.ERROR)
            return None

    def _postal_code(self, number: int, cell: str) -> str | None:
        """Return a five-digit postal code; 00000 and an empty cell give None."""
        text = cell.strip()
        if not text or text == "00000":
            return None
        if len(text) != 5 or not text.isdecimal() or not text.isascii():
            self._add(number, _POSTAL_CODE, cell, ProblemKind.INVALID_VALUE, Severity.ERROR)
            return None
        return text

    def _add(
        self,
        number: int,
        column: int,
        value: str,
        kind: ProblemKind,
        severity: Severity,
        **params: str,
    ) -> None:
        self._problems.append(
            RowProblem(
                file=self._file,
                kind=kind,
                severity=severity,
                row=number,
                column=COLUMNS[column],
                value=value,
                params=params,
            )
        )


def _municipality(cell: str) -> _CodeResult:
    """Return a three-digit municipality code; an unknown or merged one is kept and reported."""
    try:
        code = normalise_municipality_code(cell)
    except ValueError:
        return NOT_READ, [(ProblemKind.INVALID_VALUE, Severity.ERROR, {})]
    if code is None or code == "000":
        return None, []

    merged = merger(code)
    if merged is not None:
        successor = municipality(merged.new_code)
        params = {
            "code": code,
            "new_code": merged.new_code,
            "new_name": successor.name_fi if successor is not None else merged.new_code,
            "year": str(merged.year),
        }
        return code, [(ProblemKind.MERGED_MUNICIPALITY, Severity.WARNING, params)]
    if municipality(code) is None:
        return code, [(ProblemKind.UNKNOWN_MUNICIPALITY, Severity.WARNING, {"code": code})]
    return code, []


def _use_class(cell: str) -> tuple[str | None, list[_Finding]]:
    """Return the coarse use class; 0 (not known) gives None, an unknown code is kept."""
    code = normalise_code(USE_CLASS_LIST, cell)
    if code is None or code == _UNKNOWN_USE_CLASS:
        return None, []
    if not is_known_code(USE_CLASS_LIST, code):
        params = {"code": code, "code_list": USE_CLASS_LIST}
        return code, [(ProblemKind.UNKNOWN_CODE, Severity.WARNING, params)]
    return code, []


def _full_date(cell: str) -> datetime.date | None:
    """Return a full date in any form ``parse_register_date`` accepts, else None."""
    try:
        date = parse_register_date(cell)
    except ValueError:
        return None
    return None if date is None else date.to_date()


# The start of a row: the municipality, region and use class columns as one group, and
# a second group that is ``1;`` when the address number is 1. The columns may contain
# line feeds, which is faster to match. A match that runs into the next line takes two
# line starts, so the matches are as many as the lines only when no match did.
_ROW_START = rb"[^;]*+;([^;]*+;[^;]*+;[^;]*+;)[^;]*+;[^;]*+;(1;)?"
_COUNT_FIRST_ROW = re.compile(_ROW_START)
_COUNT_ROW = re.compile(b"\n" + _ROW_START)
# Below this size, starting worker processes costs more than it saves.
MIN_PARALLEL_BYTES = 64 * 1024 * 1024
COUNT_BLOCK_SIZE = 4 * 1024 * 1024


@dataclass
class OpenFileCounts:
    """Counts of an open address file, for checking an import against the file.

    A building is counted at its row with address number 1, so a building without that
    row is not counted, and a building whose rows are split by other rows is counted once.
    """

    rows: int = 0
    """Non-blank lines."""
    buildings: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Buildings by (municipality code, use class) as written in the file."""
    addresses: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Rows of 16 columns by (municipality code, use class)."""
    extraction_date: datetime.date | None = None
    """The newest full date in the extraction date column."""
    problems: int = 0
    """Non-blank lines that do not have 16 columns."""


@dataclass
class _PartCounts:
    """Counts of one part of a file, keyed by the bytes ``municipality;region;use class;``.

    Picklable, for worker processes.
    """

    rows: int = 0
    problems: int = 0
    addresses: Counter[bytes] = field(default_factory=Counter)
    buildings: Counter[bytes] = field(default_factory=Counter)
    dates: set[bytes] = field(default_factory=set)

    def add_block(self, block: bytes) -> None:
        """Count a block of whole lines, by regular expression where its lines all look right.

        A block is counted line by line in three cases. A line does not match
        ``_COUNT_ROW``. The block does not have 15 separators a line (16 where a line
        ends with one). The lines do not all end with the first line's extraction date.
        NOTE: so a row with a column too few and another with one too many in the same
        block are counted as two good rows.
        """
        lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
        matches = _COUNT_ROW.findall(block)
        first = _COUNT_FIRST_ROW.match(block)
        if first is not None:
            matches.append(first.groups())
        date = _last_column(block[: block.find(b"\n")])
        if (
            len(matches) != lines
            or not _has_separators_of_rows(block, lines)
            or _count_ends(block, date, lines) != lines
        ):
            self._add_lines(block)
            return

        self.rows += lines
        self.dates.add(date)
        for (key, first), rows in Counter(matches).items():
            self.addresses[key] += rows
            if first:
                self.buildings[key] += rows

    def _add_lines(self, block: bytes) -> None:
        lines = block.split(b"\n")
        if not lines[-1]:
            lines.pop()
        for line in lines:
            cells = line.rstrip(b"\r").split(b";")
            if len(cells) == COLUMN_COUNT + 1 and not cells[-1].strip():
                cells.pop()
            if len(cells) == 1 and not cells[0].strip():
                continue
            self.rows += 1
            if len(cells) != COLUMN_COUNT:
                self.problems += 1
                continue
            key = b";".join(cells[_MUNICIPALITY : _USE_CLASS + 1]) + b";"
            self.addresses[key] += 1
            if cells[_ADDRESS_NUMBER] == b"1":
                self.buildings[key] += 1
            self.dates.add(cells[_EXTRACTION_DATE])


def _last_column(line: bytes) -> bytes:
    cells = line.rstrip(b"\r").split(b";")
    if len(cells) == COLUMN_COUNT + 1 and not cells[-1]:
        cells.pop()
    return cells[-1]


def _has_separators_of_rows(block: bytes, lines: int) -> bool:
    """Return whether ``block`` has 15 separators a line, 16 on lines that end with one."""
    separators = block.count(b";")
    if separators == 15 * lines:
        return True
    return separators == 15 * lines + block.count(b";\n") + block.count(b";\r\n")


def _count_ends(block: bytes, last_column: bytes, lines: int) -> int:
    """Return how many of the ``lines`` lines of ``block`` end with ``;`` and ``last_column``.

    The most common line end is counted first, so a block of LF lines takes one pass.
    """
    ending = b";" + last_column
    count = 0
    if not block.endswith(b"\n") and block.endswith((ending, ending + b";")):
        count += 1
    for line_end in (b"\n", b"\r\n", b";\n", b";\r\n"):
        count += block.count(ending + line_end)
        if count == lines:
            break
    return count


def count_open_file(path: Path, *, workers: int = 2) -> OpenFileCounts:
    """Count the rows, buildings and addresses of an open address file, reading every row.

    A plain file of at least 64 MB in an ASCII-compatible encoding is split into
    ``workers`` byte ranges on line ends, each counted in its own process. The processes
    are started with the spawn method on every platform, which Windows needs and which
    avoids forking a process that runs Qt threads. An archive member or UTF-16 text is
    counted in this process. Raises ``FileRejected`` as ``DvvOpenReader.check`` does.
    """
    with open_text_source(
        path, declared_encoding=DECLARED_ENCODING, member_suffixes=MEMBER_SUFFIXES
    ) as source:
        size = path.stat().st_size
        parallel = (
            workers > 1
            and source.member is None
            and source.stream_encoding == source.encoding.name
            and size >= MIN_PARALLEL_BYTES
        )
        if parallel:
            parts = _count_in_processes(path, len(source.encoding.bom), size, workers)
        else:
            parts = [_count_stream(path, source)]
    return _merged(parts)


def _count_stream(path: Path, source: TextSource) -> _PartCounts:
    counts = _PartCounts()
    try:
        for block in _blocks(source, COUNT_BLOCK_SIZE):
            counts.add_block(block)
    except READ_ERRORS as error:
        raise rejection_for(path, error) from error
    return counts


def _count_in_processes(path: Path, start: int, size: int, workers: int) -> list[_PartCounts]:
    step = (size - start) // workers + 1
    bounds = [(offset, min(offset + step, size)) for offset in range(start, size, step)]
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(len(bounds), mp_context=context) as executor:
        futures = [
            executor.submit(_count_range, str(path), begin, end, begin == start)
            for begin, end in bounds
        ]
        return [future.result() for future in futures]


def _count_range(path: str, begin: int, end: int, at_text_start: bool) -> _PartCounts:
    """Count the lines that start in ``[begin, end)`` of the file at ``path``.

    Runs in a worker process. A line that starts in the range is counted whole, even
    when it ends beyond ``end``.
    """
    counts = _PartCounts()
    with open(path, "rb") as file:
        file.seek(begin if at_text_start else begin - 1)
        if not at_text_start:
            # Skip the rest of the line that started before ``begin``.
            file.readline()
        position = file.tell()
        while position < end:
            block = file.read(min(COUNT_BLOCK_SIZE, end - position))
            if not block:
                break
            if not block.endswith(b"\n"):
                block += file.readline()
            position += len(block)
            counts.add_block(block)
    return counts


def _merged(parts: list[_PartCounts]) -> OpenFileCounts:
    counts = OpenFileCounts()
    dates: set[bytes] = set()
    for part in parts:
        counts.rows += part.rows
        counts.problems += part.problems
        dates |= part.dates
        for key, rows in part.addresses.items():
            counts.addresses[_count_key(key)] += rows
        for key, rows in part.buildings.items():
            counts.buildings[_count_key(key)] += rows

    full_dates = (_full_date(date.decode("latin-1")) for date in dates)
    counts.extraction_date = max((date for date in full_dates if date is not None), default=None)
    return counts


def _count_key(key: bytes) -> tuple[str, str]:
    code, _region, use_class, _end = key.decode("latin-1").split(";")
    return code.strip(), use_class.strip()
