"""Writer of test files in the layout of DVV's open building and address file (.OPT).

DVV publishes "Rakennukset ja osoitteet" (CC BY 4.0) as ``Suomi_osoitteet_YYYY-MM-DD.OPT``:
ISO-8859-1 text without a header, 16 columns separated by ``;``, one row per building
address. Every value written here is invented: identifiers, streets, postal codes and
coordinates alike.

Typical use in a test::

    rows = [OptRow(prt=valid_prt(1)).cells(), OptRow(prt=valid_prt(2)).cells()]
    path = write_opt(tmp_path / "Suomi_osoitteet_2024-03-15.OPT", rows)

For a large timing file (never committed)::

    write_opt(Path("/tmp/large.OPT"), synthetic_rows(4_500_000, seed=1))

``OptRow``, ``valid_prt``, ``write_opt``, ``write_opt_zip``, ``write_opt_7z`` and
``synthetic_rows`` are meant for the tests and benchmarks of several modules, so change
them only in ways that keep those callers valid.
"""

from __future__ import annotations

import random
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple, dataclass
from pathlib import Path

from tilaapp.domain.municipalities import municipalities, population

COLUMN_COUNT = 16
DEFAULT_MEMBER = "Suomi_osoitteet_2024-03-15.OPT"

# Check characters of the permanent building identifier: the character at the remainder
# of the nine digits modulo 31. Computed here, not imported, so fixtures do not depend on
# the code they test.
CHECK_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"

_STREET_STEMS_FI = (
    "Koivu", "Mänty", "Kuusi", "Ranta", "Järvi", "Mäki", "Kallio", "Pelto", "Niitty",
    "Kirkko", "Asema", "Koulu", "Mylly", "Lähde", "Pajari", "Sepän", "Haapa", "Pihlaja",
    "Tähti", "Kivi", "Sillan", "Tuuli", "Kettu", "Örkki", "Sauna", "Hiekka", "Aho",
)  # fmt: skip
_STREET_ENDINGS_FI = ("tie", "katu", "kuja", "polku", "rinne", "raitti", "ranta", "väylä")
_STREET_STEMS_SV = ("Björk", "Tall", "Gran", "Strand", "Sjö", "Backe", "Åker", "Kyrk", "Kvarn")
_STREET_ENDINGS_SV = ("vägen", "gatan", "gränd", "stigen")
_DISTRICT_NAMES = ("Keskusta", "Kirkonkylä", "Mäntylä", "Asema", "Koulu", "Ranta", "Länsi")
_HOUSE_LETTERS = ("", "", "", "", " A", " B", "a", "-3")


def prt_check_character(nine_digits: str) -> str:
    return CHECK_ALPHABET[int(nine_digits) % 31]


def valid_prt(number: int) -> str:
    """Return a well-formed permanent building identifier with a correct check character."""
    body = f"1{number:08d}"
    return body + prt_check_character(body)


def prt_with_wrong_check(number: int) -> str:
    """Return a well-formed identifier whose check character is a wrong but possible one."""
    valid = valid_prt(number)
    wrong = CHECK_ALPHABET[(CHECK_ALPHABET.index(valid[9]) + 1) % len(CHECK_ALPHABET)]
    return valid[:9] + wrong


@dataclass
class OptRow:
    """One row of the open address file, every column as the text written to the file."""

    prt: str = "1000000010"
    municipality: str = "091"
    region: str = "01"
    use_class: str = "1"
    north: str = "6672000"
    east: str = "385000"
    address_number: str = "1"
    street_name_fi: str = "Mäkitie"
    street_name_sv: str = ""
    house_number: str = "1"
    postal_code: str = "00100"
    voting_district: str = "001"
    voting_district_name_fi: str = "Keskusta"
    voting_district_name_sv: str = ""
    property_identifier: str = "09100100010001"
    extraction_date: str = "20240315"

    def cells(self) -> tuple[str, ...]:
        cells: tuple[str, ...] = astuple(self)
        return cells


Row = Sequence[str] | str
"""A row as cells to join with ``;``, or a line of raw text written as it is."""


def row_text(row: Row) -> str:
    return row if isinstance(row, str) else ";".join(row)


def opt_bytes(
    rows: Iterable[Row],
    *,
    encoding: str = "iso-8859-1",
    newline: str = "\n",
    bom: bytes = b"",
    final_newline: bool = True,
) -> bytes:
    """Return the bytes of a file of ``rows``, for small files; ``write_opt`` streams large ones."""
    text = newline.join(row_text(row) for row in rows)
    if final_newline and text:
        text += newline
    return bom + text.encode(encoding)


def write_opt(
    path: Path,
    rows: Iterable[Row],
    *,
    encoding: str = "iso-8859-1",
    newline: str = "\n",
    bom: bytes = b"",
    final_newline: bool = True,
) -> Path:
    """Write ``rows`` to ``path`` in chunks, so millions of rows need little memory.

    ``bom`` is written before the first row as given (``codecs.BOM_UTF8`` for example).
    With ``final_newline`` False the last row ends without a line break.
    """
    chunk: list[str] = []
    first = True
    with path.open("wb") as file:
        file.write(bom)
        for row in rows:
            chunk.append(row_text(row))
            if len(chunk) == 10_000:
                file.write(_chunk_bytes(chunk, newline, encoding, first))
                first = False
                chunk = []
        file.write(_chunk_bytes(chunk, newline, encoding, first))
        if final_newline and not (first and not chunk):
            file.write(newline.encode(encoding))
    return path


def _chunk_bytes(chunk: list[str], newline: str, encoding: str, first: bool) -> bytes:
    if not chunk:
        return b""
    text = newline.join(chunk)
    if not first:
        text = newline + text
    return text.encode(encoding)


def write_opt_zip(
    path: Path,
    rows: Iterable[Row],
    *,
    member: str = DEFAULT_MEMBER,
    encoding: str = "iso-8859-1",
    extra_members: dict[str, bytes] | None = None,
) -> Path:
    """Write a deflate-compressed .zip with the rows as ``member`` and any other members."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in (extra_members or {}).items():
            archive.writestr(name, data)
        archive.writestr(member, opt_bytes(rows, encoding=encoding))
    return path


def write_opt_7z(
    path: Path,
    rows: Iterable[Row],
    *,
    member: str = DEFAULT_MEMBER,
    encoding: str = "iso-8859-1",
    extra_members: dict[str, bytes] | None = None,
    password: str | None = None,
) -> Path:
    """Write a .7z archive with py7zr (LZMA2), which must be installed."""
    import py7zr

    with py7zr.SevenZipFile(path, "w", password=password) as archive:
        for name, data in (extra_members or {}).items():
            archive.writestr(data, name)
        archive.writestr(opt_bytes(rows, encoding=encoding), member)
    return path


def synthetic_rows(
    count: int, seed: int = 0, *, extraction_date: str = "20240315"
) -> Iterator[tuple[str, ...]]:
    """Yield ``count`` invented rows of whole buildings, 1 to 4 addresses each.

    Buildings come in identifier order, each in a municipality drawn with a weight that
    grows with its population, so every municipality's rows are spread over the file.
    About 87 % of buildings have one address, which gives about 1.17 rows per building,
    near the 1.15 of the national file (about 3.9 million buildings on 4.5 million rows).
    The same ``count`` and ``seed`` give the same rows.
    """
    generator = random.Random(seed)
    codes, weights = _municipality_weights()
    regions = {code: entry.region_code for code, entry in municipalities().items()}
    produced = 0
    number = generator.randrange(1, 1_000_000)
    while produced < count:
        number += generator.randrange(1, 8)
        code = generator.choices(codes, weights)[0]
        addresses = generator.choices((1, 2, 3, 4), (87, 10, 2, 1))[0]
        rows = _building_rows(generator, number, code, regions[code], addresses, extraction_date)
        for row in rows:
            if produced == count:
                return
            yield row
            produced += 1


def _municipality_weights() -> tuple[list[str], list[float]]:
    codes = sorted(municipalities())
    weights = []
    for code in codes:
        inhabitants = population(code)
        weights.append((inhabitants.population if inhabitants else 1000) ** 0.7)
    return codes, weights


def _building_rows(
    generator: random.Random,
    number: int,
    code: str,
    region: str,
    addresses: int,
    extraction_date: str,
) -> Iterator[tuple[str, ...]]:
    prt = valid_prt(number)
    use_class = generator.choices(("1", "2", "0"), (60, 39, 1))[0]
    north = str(generator.randrange(6_650_000, 7_750_000))
    east = str(generator.randrange(80_000, 740_000))
    postal_code = f"{generator.randrange(0, 100_000):05d}"
    district = f"{generator.randrange(1, 40):03d}"
    district_name = generator.choice(_DISTRICT_NAMES)
    property_identifier = f"{code}{generator.randrange(0, 1000):03d}{number % 10_000:04d}0001"
    bilingual = generator.random() < 0.1

    for address_number in range(1, addresses + 1):
        street_fi = generator.choice(_STREET_STEMS_FI) + generator.choice(_STREET_ENDINGS_FI)
        street_sv = ""
        if bilingual:
            street_sv = generator.choice(_STREET_STEMS_SV) + generator.choice(_STREET_ENDINGS_SV)
        house = f"{generator.randrange(1, 60)}{generator.choice(_HOUSE_LETTERS)}"
        yield (
            prt, code, region, use_class, north, east, str(address_number),
            street_fi, street_sv, house, postal_code, district, district_name, "",
            property_identifier, extraction_date,
        )  # fmt: skip
