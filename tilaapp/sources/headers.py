"""Column headers of the DVV building extract workbook and the data each one holds.

DVV (Digital and Population Data Services Agency) writes the headers of its municipal
building extract with soft hyphenation and line breaks ("Valmis-tumis-⏎päivä",
"Raken-nuksen tila"). Headers are therefore compared by a key that ignores hyphens, soft
hyphens (U+00AD), whitespace, line breaks, case and a trailing unit or parenthesised note.

The extract seen in use has the columns of sheet R1 below from "Rakennustunnus" to
"Rakennusluokka". The aliases of the other register fields (heating, equipment, apartments)
are the expected Finnish names of those fields; no extract with them has been seen.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar

# Hyphen-minus, soft hyphen, hyphen and non-breaking hyphen.
_HYPHENS = str.maketrans("", "", "-\u00ad\u2010\u2011")
_PUNCTUATION = str.maketrans("", "", ".,:;")
_TRAILING_NOTE = re.compile(r"(?:\s*\([^()]*\)|(?:,\s*|\s+)m[23²³])\s*$")
_WHITESPACE = re.compile(r"\s+")

_Target = TypeVar("_Target")


class BuildingColumn(enum.Enum):
    """An R1 column that is not one register field of its own."""

    PERMANENT_IDENTIFIER = "permanent_identifier"
    OLD_PROPERTY_IDENTIFIER = "old_property_identifier"
    """Property part of the old building identifier (muuttuva rakennustunnus)."""
    OLD_CHECK_MARK = "old_check_mark"
    """Check mark of the old building identifier: a known column whose value is not stored."""
    OLD_BUILDING_NUMBER = "old_building_number"


class AddressColumn(enum.Enum):
    BUILDING = "building"
    MUNICIPALITY = "municipality"
    ADDRESS_NUMBER = "address_number"
    STREET_NAME_FI = "street_name_fi"
    STREET_NAME_SV = "street_name_sv"
    HOUSE_NUMBER = "house_number"
    POSTAL_CODE = "postal_code"
    POST_OFFICE_FI = "post_office_fi"
    POST_OFFICE_SV = "post_office_sv"


class OwnerColumn(enum.Enum):
    """An R4 column that the reader looks at. Every other R4 column is never read."""

    BUILDING = "building"
    MUNICIPALITY = "municipality"
    BUSINESS_ID = "business_id"
    OWNER_TYPE = "owner_type"
    TYPE_CODE = "type_code"
    PERSONAL_IDENTITY_CODE = "personal_identity_code"
    """Person column: only whether the cell is empty is used."""
    FOREIGN_PERSON = "foreign_person"
    """Person column: only whether the cell is empty is used."""


BuildingTarget = str | BuildingColumn
"""A field name of ``REGISTER_FIELDS`` or a special R1 column."""

_BUILDING_HEADERS: dict[BuildingTarget, tuple[str, ...]] = {
    BuildingColumn.PERMANENT_IDENTIFIER: (
        "Rakennustunnus",
        "Pysyvä rakennustunnus",
        "VTJ-PRT",
    ),
    "municipality_number": ("Sijaintikunta", "Kunta", "Kuntanumero"),
    "building_status": ("Rakennuksen tila",),
    "property_identifier": ("Sijaintikiinteistön tunnus", "Sijaintikiinteistö"),
    "property_name": ("Kiinteistöyksikön nimi", "Kiinteistön nimi"),
    BuildingColumn.OLD_PROPERTY_IDENTIFIER: (
        "Muuttuvan rak.tunnuksen kiinteistötunnus",
        "Muuttuvan rakennustunnuksen kiinteistötunnus",
    ),
    BuildingColumn.OLD_CHECK_MARK: ("Tarkistusmerkki",),
    BuildingColumn.OLD_BUILDING_NUMBER: ("Rakennusnumero",),
    "unseparated_parcel_identifier": (
        "Kiinteistöyksikön määräalan tunnus",
        "Määräalan tunnus",
    ),
    "postal_code": ("Postinumero",),
    "completion_date": ("Valmistumispäivä",),
    "demolition_date": ("Purkamispäivä",),
    "site_tenure": ("Hallintaperuste", "Rakennuspaikan hallintaperuste"),
    "facade_material": ("Julkisivumateriaali", "Julkisivun rakennusaine"),
    "gross_floor_area": ("Kerrosala",),
    "number_of_storeys": ("Kerrosluku", "Kerrosten lukumäärä"),
    "total_area": ("Kokonaisala",),
    "volume": ("Tilavuus",),
    "basement_area": ("Kellariala",),
    "usage_status": ("Käytössäolotilanne",),
    "usage_status_date": ("Käytössäolotilanteen muutospäivä",),
    "use_class_1994": ("Käyttötarkoitus",),
    "has_sewer": ("Viemäri",),
    "has_sewer_connection": ("Viemäriliittymä",),
    "coordinate_north": ("Pohjoiskoordinaatti",),
    "coordinate_east": ("Itäkoordinaatti",),
    "coordinate_accuracy": ("Koordinaattivarmuus", "Sijaintiepävarmuus"),
    "building_class_2018": ("Rakennusluokka", "Rakennusluokka 2018"),
    "heating_method": ("Lämmitystapa",),
    "heating_energy_source": ("Lämmitysaine", "Lämmitysenergian lähde", "Lämmönlähde"),
    "material_of_load_bearing_structures": (
        "Rakennusaine",
        "Kantava rakennusaine",
        "Kantavan rakenteen rakennusaine",
    ),
    "construction_method": ("Rakentamistapa", "Rakennustapa"),
    "apartment_count": ("Huoneistojen lukumäärä", "Huoneistojen lkm"),
    "floor_area": ("Huoneistoala",),
    "has_electricity": ("Sähkö", "Sähköliittymä"),
    "has_gas": ("Kaasu", "Kaasuliittymä"),
    "has_water_supply": ("Vesijohto", "Vesijohtoliittymä"),
    "has_hot_water": ("Lämmin vesi",),
    "has_elevator": ("Hissi",),
    "has_air_conditioning": ("Ilmastointi",),
    "has_solar_panel": ("Aurinkopaneeli", "Aurinkopaneelit"),
    "sauna_count": ("Saunojen lukumäärä", "Saunojen lkm"),
    "civil_defence_shelter_size": ("Väestönsuojan koko",),
}

_ADDRESS_HEADERS: dict[AddressColumn, tuple[str, ...]] = {
    AddressColumn.BUILDING: ("Rakennustunnus", "Pysyvä rakennustunnus", "VTJ-PRT"),
    AddressColumn.MUNICIPALITY: ("Sijaintikunta",),
    AddressColumn.ADDRESS_NUMBER: ("Osoitenumero",),
    AddressColumn.STREET_NAME_FI: ("Kadunnimi suomeksi", "Kadunnimi"),
    AddressColumn.STREET_NAME_SV: ("Kadunnimi ruotsiksi",),
    AddressColumn.HOUSE_NUMBER: ("Katunumero",),
    AddressColumn.POSTAL_CODE: ("Postinumero",),
    AddressColumn.POST_OFFICE_FI: ("Postitoimipaikan nimi suomeksi", "Postitoimipaikka"),
    AddressColumn.POST_OFFICE_SV: ("Postitoimipaikan nimi ruotsiksi",),
}

_OWNER_HEADERS: dict[OwnerColumn, tuple[str, ...]] = {
    OwnerColumn.BUILDING: ("Rakennustunnus", "Pysyvä rakennustunnus", "VTJ-PRT"),
    OwnerColumn.MUNICIPALITY: ("Sijaintikunta",),
    OwnerColumn.BUSINESS_ID: ("Y-tunnus", "Yritystunnus"),
    OwnerColumn.OWNER_TYPE: ("Omistajalaji",),
    OwnerColumn.TYPE_CODE: ("Lajikoodi",),
    OwnerColumn.PERSONAL_IDENTITY_CODE: ("Henkilötunnus", "Hetu"),
    OwnerColumn.FOREIGN_PERSON: ("Ulkohenkilö (uh)", "Ulkohenkilö"),
}


def header_key(header: object) -> str:
    """Return the comparison key of a header cell: "Valmis-tumis-\\npäivä" -> "valmistumispäivä".

    The key drops hyphens, soft hyphens, whitespace, line breaks, case, the punctuation
    ``.,:;`` and a trailing unit (m2, m3) or parenthesised note. Returns "" for an empty
    cell.
    """
    if header is None:
        return ""

    text = unicodedata.normalize("NFC", str(header)).casefold()
    text = _WHITESPACE.sub(" ", text.translate(_HYPHENS))
    text = _TRAILING_NOTE.sub("", text)
    return _WHITESPACE.sub("", text.translate(_PUNCTUATION))


def _by_key(aliases: Mapping[_Target, Iterable[str]]) -> dict[str, _Target]:
    keys: dict[str, _Target] = {}
    for target, headers in aliases.items():
        for header in headers:
            key = header_key(header)
            if keys.setdefault(key, target) != target:
                raise ValueError(f"header alias {header!r} names two columns")
    return keys


BUILDING_HEADER_KEYS: dict[str, BuildingTarget] = _by_key(_BUILDING_HEADERS)
ADDRESS_HEADER_KEYS: dict[str, AddressColumn] = _by_key(_ADDRESS_HEADERS)
OWNER_HEADER_KEYS: dict[str, OwnerColumn] = _by_key(_OWNER_HEADERS)
IDENTIFIER_HEADER_KEYS: frozenset[str] = frozenset(
    header_key(header) for header in _BUILDING_HEADERS[BuildingColumn.PERMANENT_IDENTIFIER]
)
