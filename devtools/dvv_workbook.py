"""Writer of test workbooks in the layout of the DVV municipal building extract.

The sheets and header texts follow DVV's building extract (rakennusrekisterin kuntaote),
hyphenation and line breaks included: ``R1 rakennus`` (buildings), ``R3 osoite``
(addresses), ``R4 omistaja`` (owners) and ``R9 huon asukk`` (residents). Every value
written here is invented: identifiers, names, addresses and personal identity codes alike.

Typical use in a test::

    path = write_extract(tmp_path / "extract.xlsx", sample_buildings())
    secrets = person_values(sample_buildings())

``write_extract``, ``sample_buildings``, ``person_values`` and the dataclasses are used
by the tests of several modules, so change them only in ways that keep those tests valid.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

Cell = str | int | float | Decimal | None

# Check characters of the permanent building identifier and of the personal identity code:
# the character at the remainder of the nine digits modulo 31. They are computed here, not
# imported, so the fixtures do not depend on the code they test.
CHECK_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"
# Weights of the business ID (Y-tunnus) check digit, applied to the seven digits modulo 11.
BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)

R1_IDENTIFIER = "Rakennustunnus"
R1_COMPLETION_DATE = "Valmis-tumis-\npäivä"
R1_BUILDING_CLASS = "Rakennus-\nLuokka"

# (header, attribute of Building, may be written as a number with numeric_cells)
_R1_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    (R1_IDENTIFIER, "prt", False),
    ("Sijainti-kunta", "municipality", True),
    ("Raken-nuksen tila", "status", True),
    ("Sijaintikiinteistön tunnus", "property_identifier", True),
    ("Kiinteistöyksikön nimi", "property_name", False),
    ("Muuttuvan rak.tunnuksen kiinteistötunnus", "old_property_identifier", True),
    ("Tarkis-tus-merkki", "check_mark", True),
    ("Raken-nus-numero", "building_number", True),
    ("Kiinteistöyksikön määräalan tunnus", "parcel_identifier", False),
    ("Posti-numero", "postal_code", True),
    (R1_COMPLETION_DATE, "completion_date", True),
    ("Hallinta-peruste", "site_tenure", True),
    ("Julkisivu-materi-aali", "facade_material", True),
    ("Kerros-ala", "gross_floor_area", False),
    ("Kerros-luku", "number_of_storeys", False),
    ("Koko-naisala", "total_area", False),
    ("Tilavuus", "volume", False),
    ("Kellari-ala", "basement_area", False),
    ("Käytös-säolo-tilanne", "usage_status", True),
    ("Käytössä-olotilanteen muutospäivä", "usage_status_date", True),
    ("Käyttö-tarkoitus", "use_class_1994", True),
    ("Viemäri", "sewer", True),
    ("Viemäri-liittymä", "sewer_connection", True),
    ("Pohjois-koordinaatti", "coordinate_north", False),
    ("Itä-koordinaatti", "coordinate_east", False),
    ("Koordi-naatti-varmuus", "coordinate_accuracy", True),
    (R1_BUILDING_CLASS, "building_class_2018", True),
)
R1_HEADERS: tuple[str, ...] = tuple(header for header, _, _ in _R1_COLUMNS)

R3_HEADERS: tuple[str, ...] = (
    "Rakennustunnus",
    "Sijainti-kunta",
    "Osoite-numero",
    "Kadunnimi suomeksi",
    "Kadunnimi ruotsiksi",
    "Katu-numero",
    "Posti-numero",
    "Postitoimipaikan nimi suomeksi",
    "Postitoimipaikan nimi ruotsiksi",
)

R4_HEADERS: tuple[str, ...] = (
    "Rakennustunnus",
    "Sijainti-kunta",
    "Henkilötunnus",
    "Y-tunnus",
    "Ulko-henkilö (uh)",
    "Omistuksen alkupäivä",
    "Laji-koodi",
    "Omis-taja-\nlaji",
    "Omistajan nimi",
    "Omist koti-kunta",
    "Omist äidin-kieli",
    "Omistajan kuolinpäivä",
    "Omistajan vakinainen kotimainen asuinosoite",
    "Vak os posti- numero",
    "Vakinaisen kotim osoitteen postitoimipaikka",
    "Vakin kotim osoitteen alkupäivä",
    "Omistajan postiosoite",
    "Postios posti-numero",
    "Postiosoitteen postitoimipaikka",
    "Omistajan ulkomainen lähiosoite",
    "Ulkomaisen osoitteen paikkakunta",
    "Ulkomaisen osoitteen valtion postinimi",
    "Um os valtio-koodi",
    "Valtion nimi, jos valtiokoodi 998",
)

R9_HEADERS: tuple[str, ...] = (
    "Rakennustunnus",
    "Sijainti-kunta",
    "Huo-neisto-kirjain",
    "Huo-neisto-numero",
    "Jako-kirjain",
    "Osoite-numero",
    "Huoneiston vanhin asukas (henkilötunnus)",
    "Sukunimi",
    "Etunimet",
    "Vakinainen kotimainen asuinosoite",
    "Vak os posti- numero",
    "Vakinaisen kotim osoitteen postitoimipaikka",
    "Vakin kotim osoitteen alkupäivä",
    "Vakinais-ten asukk lukumäärä",
    "Tilapäisten asukk lukumäärä",
)

DEFAULT_SHEET_TITLES: Mapping[str, str] = {
    "R1": "R1 rakennus",
    "R3": "R3 osoite",
    "R4": "R4 omistaja",
}
R9_TITLE = "R9 huon asukk"

# Extra register columns under the names the reader expects for them.
HEATING_METHOD = "Lämmitys-\ntapa"
HEATING_ENERGY_SOURCE = "Lämmitys-\naine"
APARTMENT_COUNT = "Huoneis-tojen luku-määrä"
ELEVATOR = "Hissi"
SHELTER_SIZE = "Väestön-suojan koko"

_DIGITS = re.compile(r"[0-9]+")
_TEXT_FORMAT = "@"


@dataclass
class Address:
    """An R3 row. ``address_number`` 1 is the building's main address."""

    street_name_fi: Cell
    house_number: Cell = None
    address_number: Cell = 1
    street_name_sv: Cell = None
    postal_code: Cell = None
    post_office_fi: Cell = None
    post_office_sv: Cell = None


@dataclass
class Owner:
    """An R4 row: an organisation with a business ID, or a private person.

    ``owner_type`` is the Omistajalaji column and ``type_code`` the Lajikoodi column.
    Every other field is a person column, which the reader must never keep.
    """

    business_id: str | None = None
    owner_type: Cell = None
    type_code: Cell = None
    personal_identity_code: str | None = None
    foreign_person: str | None = None
    """The Ulkohenkilö (uh) mark of an owner without a Finnish identity code."""
    name: str | None = None
    home_municipality: str | None = None
    mother_tongue: str | None = None
    home_address: str | None = None
    home_postal_code: str | None = None
    home_post_office: str | None = None
    postal_address: str | None = None
    foreign_address: str | None = None
    ownership_start: Cell = None

    @property
    def is_person(self) -> bool:
        """Whether the reader must treat the row as a person's: see ``person_values``."""
        return bool(self.personal_identity_code or self.foreign_person or not self.business_id)

    def person_values(self) -> list[str]:
        """Return the identifying person-column values of a person's row.

        Postal codes and post office names are left out: they also appear, rightly, in
        building addresses. An organisation's row has none.
        """
        if not self.is_person:
            return []
        candidates = (
            self.personal_identity_code,
            self.name,
            self.home_address,
            self.postal_address,
            self.foreign_address,
        )
        return [value for value in candidates if value]


@dataclass
class Building:
    """An R1 row with its R3 addresses and R4 owners. Every column has a default.

    Code and identifier columns contain text as DVV writes it ("098", "0110"), and
    ``write_extract(numeric_cells=True)`` writes them as numbers. ``extra`` adds
    register columns by header text. With ``on_building_sheet=False`` only the
    addresses and owners are written, for a building that R1 lacks.
    """

    prt: Cell
    municipality: Cell = "398"
    status: Cell = "20"
    property_identifier: Cell = None
    property_name: Cell = None
    old_property_identifier: Cell = None
    check_mark: Cell = "1"
    building_number: Cell = "1"
    parcel_identifier: Cell = None
    postal_code: Cell = "15100"
    completion_date: Cell = None
    site_tenure: Cell = "1"
    facade_material: Cell = None
    gross_floor_area: Cell = None
    number_of_storeys: Cell = None
    total_area: Cell = None
    volume: Cell = None
    basement_area: Cell = None
    usage_status: Cell = "02"
    usage_status_date: Cell = None
    use_class_1994: Cell = None
    sewer: Cell = "1"
    sewer_connection: Cell = "1"
    coordinate_north: Cell = None
    coordinate_east: Cell = None
    coordinate_accuracy: Cell = "A"
    building_class_2018: Cell = None
    extra: dict[str, Cell] = field(default_factory=dict)
    addresses: list[Address] = field(default_factory=list)
    owners: list[Owner] = field(default_factory=list)
    on_building_sheet: bool = True


def valid_prt(number: int) -> str:
    """Return a valid permanent building identifier made from a running number.

    The nine digits are 1 followed by ``number`` in eight digits, then the check character.
    """
    if not 0 <= number <= 99_999_999:
        raise ValueError(f"number {number} does not fit in eight digits")
    digits = f"1{number:08d}"
    return digits + CHECK_ALPHABET[int(digits) % 31]


def prt_with_wrong_check(number: int) -> str:
    """Return ``valid_prt(number)`` with a check character that does not match."""
    identifier = valid_prt(number)
    right = CHECK_ALPHABET.index(identifier[-1])
    return identifier[:-1] + CHECK_ALPHABET[(right + 1) % len(CHECK_ALPHABET)]


def personal_identity_code(birth_date: str, individual: int, *, valid: bool = True) -> str:
    """Return an invented personal identity code for ``birth_date`` (DDMMYY) in the 1900s.

    Only individual numbers 900-999 are accepted: DVV reserves them for temporary codes.
    With ``valid=False`` the check character does not match.
    """
    if not 900 <= individual <= 999:
        raise ValueError("use an individual number from 900 to 999 for invented codes")
    body = f"{birth_date}{individual:03d}"
    check_index = int(body) % 31
    if not valid:
        check_index = (check_index + 1) % 31
    return f"{birth_date}-{individual:03d}{CHECK_ALPHABET[check_index]}"


def business_id(body: str) -> str:
    """Return the business ID with the right check digit for seven digits ``body``."""
    if not re.fullmatch(r"[0-9]{7}", body):
        raise ValueError(f"business ID body {body!r} is not seven digits")
    products = (
        int(digit) * weight for digit, weight in zip(body, BUSINESS_ID_WEIGHTS, strict=True)
    )
    remainder = sum(products) % 11
    if remainder == 1:
        raise ValueError(f"no business ID has the body {body}: its remainder is 1")
    return f"{body}-{0 if remainder == 0 else 11 - remainder}"


# Invented organisations of the sample: the municipality itself and a housing company.
MUNICIPALITY_BUSINESS_ID = business_id("0123456")
COMPANY_BUSINESS_ID = business_id("7654321")
INVALID_BUSINESS_ID = "7654321-5"


def write_extract(
    path: Path,
    buildings: Sequence[Building],
    *,
    numeric_cells: bool = False,
    extra_sheets: Mapping[str, Sequence[Sequence[Cell]]] | None = None,
    extra_columns: Sequence[str] | None = None,
    omit_columns: Collection[str] = (),
    sheet_titles: Mapping[str, str] | None = None,
    include_r1: bool = True,
) -> Path:
    """Write ``buildings`` to an .xlsx workbook in the DVV extract layout and return ``path``.

    ``numeric_cells`` writes digit-only identifier, code and date text as numbers, as some
    extracts have them. ``extra_sheets`` maps sheet titles to rows (header row first),
    written after R4. ``extra_columns`` are header texts appended to R1 with values from
    ``Building.extra``; None means every key of the buildings' ``extra``. ``omit_columns``
    are R1 header texts to leave out. ``sheet_titles`` renames sheets by record code
    ("R1", "R3", "R4").
    """
    titles = {**DEFAULT_SHEET_TITLES, **(sheet_titles or {})}
    workbook = Workbook()
    workbook.remove(workbook.active)

    if include_r1:
        columns = _r1_columns(buildings, extra_columns, omit_columns)
        sheet = workbook.create_sheet(titles["R1"])
        sheet.append([header for header, _, _ in columns])
        for building in buildings:
            if building.on_building_sheet:
                _append(sheet, _r1_row(building, columns), numeric_cells)

    _write_sheet(workbook, titles["R3"], R3_HEADERS, _r3_rows(buildings), numeric_cells)
    _write_sheet(workbook, titles["R4"], R4_HEADERS, _r4_rows(buildings), numeric_cells)
    for title, rows in (extra_sheets or {}).items():
        extra = workbook.create_sheet(title)
        for row in rows:
            extra.append(list(row))

    workbook.save(path)
    return path


def sample_buildings() -> list[Building]:
    """Return an invented extract: eight buildings in Lahti (398) and one in Orimattila (560).

    It has partial completion dates (19250000, 19620800), buildings with several
    addresses, owners that are persons and organisations, an unknown use class code
    (998), a malformed identifier on a row with an old identifier, and an identifier whose
    check character fails.
    """
    return [
        _school(),
        _terraced_house(),
        _warehouse(),
        _old_sauna(),
        _garage(),
        _apartment_block(),
        _office(),
        _summer_cottage(),
        _library(),
    ]


def resident_rows() -> list[list[Cell]]:
    """Return an R9 sheet (header first) of invented residents of the sample buildings."""
    return [
        list(R9_HEADERS),
        [
            valid_prt(6),
            "398",
            "A",
            "1",
            None,
            "1",
            personal_identity_code("120490", 951),
            "Asukas",
            "Aino Kuvitelma",
            "Mallikuja 6 A 1",
            "15110",
            "LAHTI",
            "20190101",
            "2",
            "0",
        ],
    ]


def person_values(buildings: Sequence[Building]) -> set[str]:
    """Return every person-column value of the owners of ``buildings``."""
    return {
        value
        for building in buildings
        for owner in building.owners
        for value in owner.person_values()
    }


def building_attributes() -> tuple[str, ...]:
    """Return the names of the R1 attributes of ``Building``, in column order."""
    return tuple(attribute for _, attribute, _ in _R1_COLUMNS)


def _r1_columns(
    buildings: Sequence[Building],
    extra_columns: Sequence[str] | None,
    omit_columns: Collection[str],
) -> list[tuple[str, str | None, bool]]:
    """Return (header, attribute or None for an extra column, numeric) per R1 column."""
    columns: list[tuple[str, str | None, bool]] = [
        column for column in _R1_COLUMNS if column[0] not in omit_columns
    ]
    if extra_columns is None:
        extra_columns = list(dict.fromkeys(key for building in buildings for key in building.extra))
    columns.extend((header, None, True) for header in extra_columns)
    return columns


def _r1_row(
    building: Building, columns: list[tuple[str, str | None, bool]]
) -> list[tuple[Cell, bool]]:
    row: list[tuple[Cell, bool]] = []
    for header, attribute, numeric in columns:
        value = building.extra.get(header) if attribute is None else getattr(building, attribute)
        row.append((value, numeric))
    return row


def _r3_rows(buildings: Sequence[Building]) -> list[list[tuple[Cell, bool]]]:
    rows = []
    for building in buildings:
        for address in building.addresses:
            rows.append(
                [
                    (building.prt, False),
                    (building.municipality, True),
                    (address.address_number, True),
                    (address.street_name_fi, False),
                    (address.street_name_sv, False),
                    (address.house_number, True),
                    (address.postal_code, True),
                    (address.post_office_fi, False),
                    (address.post_office_sv, False),
                ]
            )
    return rows


def _r4_rows(buildings: Sequence[Building]) -> list[list[tuple[Cell, bool]]]:
    rows = []
    for building in buildings:
        for owner in building.owners:
            has_postal_address = owner.postal_address is not None
            rows.append(
                [
                    (building.prt, False),
                    (building.municipality, True),
                    (owner.personal_identity_code, False),
                    (owner.business_id, False),
                    (owner.foreign_person, False),
                    (owner.ownership_start, True),
                    (owner.type_code, True),
                    (owner.owner_type, True),
                    (owner.name, False),
                    (owner.home_municipality, True),
                    (owner.mother_tongue, False),
                    (None, False),
                    (owner.home_address, False),
                    (owner.home_postal_code, True),
                    (owner.home_post_office, False),
                    (None, False),
                    (owner.postal_address, False),
                    (owner.home_postal_code if has_postal_address else None, True),
                    (owner.home_post_office if has_postal_address else None, False),
                    (owner.foreign_address, False),
                    (None, False),
                    (None, False),
                    (None, False),
                    (None, False),
                ]
            )
    return rows


def _write_sheet(
    workbook: Workbook,
    title: str,
    headers: Sequence[str],
    rows: list[list[tuple[Cell, bool]]],
    numeric_cells: bool,
) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for row in rows:
        _append(sheet, row, numeric_cells)


def _append(sheet: Any, row: list[tuple[Cell, bool]], numeric_cells: bool) -> None:
    """Append a row; digit-only text of numeric columns becomes a number with ``numeric_cells``."""
    cells: list[Cell] = []
    for value, numeric in row:
        if numeric_cells and numeric and isinstance(value, str) and _DIGITS.fullmatch(value):
            cells.append(int(value))
        else:
            cells.append(value)
    sheet.append(cells)

    # DVV formats text cells as text ("@"), so Excel shows "098" and not 98.
    row_number = sheet.max_row
    for index, value in enumerate(cells, start=1):
        if isinstance(value, str):
            sheet.cell(row_number, index).number_format = _TEXT_FORMAT


def _school() -> Building:
    return Building(
        prt=valid_prt(1),
        property_identifier="39840100010001",
        property_name="KOULUMÄKI",
        old_property_identifier="39840100010001",
        completion_date="19250000",
        facade_material="2",
        gross_floor_area=2450,
        number_of_storeys=3,
        total_area=2810,
        volume=10450,
        basement_area=360,
        usage_status_date="19250000",
        use_class_1994="531",
        coordinate_north=6762100,
        coordinate_east=427800,
        building_class_2018="0110",
        addresses=[
            Address("Koekatu", "1", 1, "Provgatan", "15100", "LAHTI", "LAHTIS"),
            Address("Mallitie", "2", 2, None, "15100", "LAHTI", "LAHTIS"),
        ],
        owners=[Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3", type_code="3")],
    )


def _terraced_house() -> Building:
    return Building(
        prt=valid_prt(2),
        property_identifier="39840100020001",
        property_name="RIVITALO",
        old_property_identifier="39840100020001",
        completion_date="19620800",
        facade_material="5",
        gross_floor_area=410.5,
        number_of_storeys=1,
        volume="1 640",
        usage_status="01",
        usage_status_date="19620800",
        use_class_1994="021",
        coordinate_north=6762200,
        coordinate_east=427900,
        addresses=[Address("Esimerkinkuja", "3", 1, None, "15110", "LAHTI", "LAHTIS")],
        owners=[
            Owner(
                personal_identity_code=personal_identity_code("150375", 912),
                owner_type="1",
                type_code="1",
                name="Meikäläinen Matti Kuvitelma",
                home_municipality="398",
                mother_tongue="fi",
                home_address="Keksittykatu 7 B 12",
                home_postal_code="15140",
                home_post_office="LAHTI",
                postal_address="PL 999 Keksittykatu",
                ownership_start="19950601",
            ),
            Owner(business_id=COMPANY_BUSINESS_ID, owner_type="2", type_code="2"),
        ],
    )


def _warehouse() -> Building:
    return Building(
        prt=valid_prt(3),
        property_identifier="39840100030001",
        old_property_identifier="39840100030001",
        completion_date="19790315",
        gross_floor_area=820,
        number_of_storeys=1,
        use_class_1994="998",
        building_class_2018="1211",
        coordinate_accuracy="4",
        addresses=[Address("Varastotie", "10", 1, None, "15170", "LAHTI", "LAHTIS")],
        owners=[Owner(business_id=INVALID_BUSINESS_ID, owner_type="2", type_code="2")],
    )


def _old_sauna() -> Building:
    return Building(
        prt="1234X",
        property_identifier="39840100040001",
        old_property_identifier="39840100040001",
        building_number="2",
        completion_date="19480000",
        gross_floor_area=24,
        use_class_1994="941",
        usage_status="11",
    )


def _garage() -> Building:
    return Building(
        prt=prt_with_wrong_check(5),
        property_identifier="39840100050001",
        old_property_identifier="39840100050001",
        completion_date="19851024",
        gross_floor_area=60,
        use_class_1994="941",
        addresses=[Address("Tallikuja", "5", 1, None, "15100", "LAHTI", "LAHTIS")],
    )


def _apartment_block() -> Building:
    return Building(
        prt=valid_prt(6),
        property_identifier="39840100060001",
        property_name="KERROSTALO",
        old_property_identifier="39840100060001",
        completion_date="19710101",
        facade_material="1",
        gross_floor_area=3150,
        number_of_storeys=5,
        total_area=3400,
        usage_status="01",
        use_class_1994="032",
        building_class_2018="0120",
        addresses=[
            Address("Mallikuja", "6", 1, "Modellgränden", "15110", "LAHTI", "LAHTIS"),
            Address("Mallikuja", "8", 2, "Modellgränden", "15110", "LAHTI", "LAHTIS"),
            Address("Koekatu", "9", 3, "Provgatan", "15110", "LAHTI", "LAHTIS"),
        ],
        owners=[
            Owner(
                personal_identity_code=personal_identity_code("240681", 934, valid=False),
                owner_type="1",
                type_code="1",
                name="Virtanen Liisa Keksitty",
                home_address="Kuvitelmantie 14",
                home_postal_code="15150",
                home_post_office="LAHTI",
            ),
            Owner(
                foreign_person="uh",
                owner_type="1",
                type_code="1",
                name="Doe Jane Invented",
                foreign_address="12 Imaginary Road",
            ),
        ],
    )


def _office() -> Building:
    return Building(
        prt=valid_prt(7),
        property_identifier="39840100070001",
        old_property_identifier="39840100070001",
        completion_date="20010101",
        facade_material="6",
        gross_floor_area=1450.5,
        number_of_storeys=4,
        volume=5800,
        use_class_1994="151",
        building_class_2018="0310",
        owners=[Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3", type_code="3")],
    )


def _summer_cottage() -> Building:
    return Building(
        prt=valid_prt(8),
        property_identifier="39840100080001",
        old_property_identifier="39840100080001",
        postal_code="00000",
        completion_date="19580600",
        gross_floor_area=48,
        usage_status="03",
        use_class_1994="041",
        sewer="0",
        sewer_connection="0",
    )


def _library() -> Building:
    return Building(
        prt=valid_prt(9),
        municipality="560",
        property_identifier="56040100010001",
        property_name="KIRJASTO",
        old_property_identifier="56040100010001",
        postal_code="16300",
        completion_date="19881130",
        gross_floor_area=980,
        use_class_1994="711",
        addresses=[Address("Lukijantie", "4", 1, None, "16300", "ORIMATTILA", "ORIMATTILA")],
        owners=[Owner(business_id=MUNICIPALITY_BUSINESS_ID, owner_type="3", type_code="3")],
    )
