"""Writer of test GeoJSON files in the shape of SYKE's Ryhti open building data.

SYKE publishes the open part of the Ryhti building register as the OGC API Features and
WFS collections ``open_building`` (point features with building properties) and
``open_address`` (features without geometry, linked to buildings by ``building_key``).
This module writes FeatureCollections of that shape:

- ``building_properties``, ``address_properties``, ``feature`` and ``write_collection``
  build files from invented values, one call per file;
- ``read_helsinki_rows`` and ``write_helsinki_collections`` turn the rows of
  ``tests/data/ryhti_helsinki_sample.csv`` (real Ryhti rows collected by a third party,
  with labels in place of codes) back into an open_building and an open_address file.

Typical use in a test::

    rows = read_helsinki_rows(HELSINKI_CSV)
    buildings, addresses = write_helsinki_collections(rows, tmp_path)
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tilaapp.domain.coordinates import wgs84_to_tm35fin

CRS84_NAME = "urn:ogc:def:crs:OGC:1.3:CRS84"
TM35FIN_NAME = "urn:ogc:def:crs:EPSG::3067"
TM35FIN_URI = "http://www.opengis.net/def/crs/EPSG/0/3067"

CODE_URI = "http://uri.suomi.fi/codelist/{list_path}/code/{code}"
HEATING_METHOD_LIST = "rytj/lammitystapa"
HEATING_ENERGY_SOURCE_LIST = "rytj/lammitysenergianlahde"
FACADE_MATERIAL_LIST = "rytj/julkisivunrakennusaine"
LOAD_BEARING_MATERIAL_LIST = "rytj/kantavanrakenteenrakennusaine"
USAGE_STATUS_LIST = "vtj/Rake_kaytossaolotilanne"
MAIN_PURPOSE_LIST = "rytj/avoin_rakennusluokitus"

# Check characters of the permanent building identifier: the character at the remainder
# of the nine digits modulo 31. Computed here, not imported, so the fixtures do not depend
# on the code they test.
CHECK_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"

# Labels of the Helsinki file that are, word for word, the Finnish names of codes in
# Ryhti's code lists. Labels of other lists, and labels that differ in any word from the
# list's name, are left out. For example, the usage status label "Käytetään vakinaiseen
# asumiseen" is not the list's "Käytetään vakituiseen asumiseen". The construction method
# names are unconfirmed, and the main purpose labels are of a coarser third-party grouping.
HELSINKI_LABEL_CODES: dict[str, tuple[str, dict[str, str]]] = {
    "heating_method_fi": (
        "heating_method",
        {"Vesikeskuslämmitys": "01", "Ilmakeskuslämmitys": "02", "Sähkölämmitys": "03"},
    ),
    "heating_energy_source_fi": (
        "heating_energy_source",
        {
            "Kauko- tai aluelämpö": "01",
            "Maalämpö tms.": "09",
            "Maalämpöpumppu": "1101",
            "Muu": "99",
        },
    ),
    "facade_material_fi": (
        "facade_material",
        {
            "Betoni": "01",
            "Tiili": "02",
            "Metallilevy": "03",
            "Kivi": "04",
            "Puu": "05",
            "Lasi": "06",
            "Muu": "99",
        },
    ),
    "load_bearing_material_fi": (
        "material_of_load_bearing_structures",
        {"Betoni": "01", "Tiili": "02", "Teräs": "03", "Puu": "04", "Muu": "99"},
    ),
}
_LIST_OF_PROPERTY = {
    "heating_method": HEATING_METHOD_LIST,
    "heating_energy_source": HEATING_ENERGY_SOURCE_LIST,
    "facade_material": FACADE_MATERIAL_LIST,
    "material_of_load_bearing_structures": LOAD_BEARING_MATERIAL_LIST,
}
# The Helsinki file joins the addresses of a building with this separator.
HELSINKI_ADDRESS_SEPARATOR = " | "
# Namespace of the invented address keys, so that the same row always gets the same keys.
_ADDRESS_KEY_NAMESPACE = uuid.UUID("6f1c3c52-5a43-4c1e-9d36-2f0c0e9a7b10")


def code_uri(list_path: str, code: str) -> str:
    """Return the uri.suomi.fi URI of ``code`` in the list ``list_path`` ('rytj/lammitystapa')."""
    return CODE_URI.format(list_path=list_path, code=code)


def valid_prt(body: int) -> str:
    """Return the permanent building identifier with the nine digits ``body`` (100000000..)."""
    digits = f"{body:09d}"
    return digits + CHECK_ALPHABET[body % 31]


def prt_with_wrong_check(body: int) -> str:
    """Return an identifier whose check character is a valid symbol but the wrong one."""
    digits = f"{body:09d}"
    wrong = CHECK_ALPHABET[(body + 1) % 31]
    return digits + wrong


def building_properties(
    identifier: str | None, building_key: str, /, **overrides: object
) -> dict[str, object]:
    """Return the properties of an open_building feature with invented values.

    ``overrides`` replace or add properties; an override of None writes a JSON null.
    """
    properties: dict[str, object] = {
        "permanent_building_identifier": identifier,
        "property_identifier": "09100400070006",
        "municipality_number": "091",
        "completion_date": "1975-12-31",
        "demolition_date": None,
        "main_purpose": code_uri(MAIN_PURPOSE_LIST, "06"),
        "usage_status": code_uri(USAGE_STATUS_LIST, "01"),
        "heating_method": code_uri(HEATING_METHOD_LIST, "01"),
        "heating_energy_source": code_uri(HEATING_ENERGY_SOURCE_LIST, "01"),
        "facade_material": code_uri(FACADE_MATERIAL_LIST, "02"),
        "material_of_load_bearing_structures": code_uri(LOAD_BEARING_MATERIAL_LIST, "01"),
        "construction_method": None,
        "volume": 12500,
        "number_of_storeys": 5,
        "gross_floor_area": Decimal("3450.5"),
        "total_area": 3600,
        "floor_area": Decimal("2980.25"),
        "apartment_count": 40,
        "is_accessible": True,
        "is_protected": False,
        "building_key": building_key,
        "modified_timestamp_utc": "2024-05-02T08:15:30Z",
        "voting_district_number": "091012A",
    }
    properties.update(overrides)
    return properties


def address_properties(
    building_key: str, address_key: str, address: str | None, /, **overrides: object
) -> dict[str, object]:
    """Return the properties of an open_address feature; ``overrides`` as for buildings."""
    properties: dict[str, object] = {
        "building_key": building_key,
        "address_key": address_key,
        "address_fin": address,
        "postal_code": "00100",
        "postal_office_fin": "HELSINKI",
    }
    properties.update(overrides)
    return properties


def feature(
    properties: Mapping[str, object] | None, point: Sequence[float | Decimal] | None = None
) -> dict[str, object]:
    """Return a GeoJSON feature with a point geometry, or a null geometry without ``point``."""
    geometry = None if point is None else {"type": "Point", "coordinates": list(point)}
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": None if properties is None else dict(properties),
    }


def crs_member(name: str) -> dict[str, object]:
    """Return a GeoJSON 2008 named ``crs`` member, as WFS servers write it."""
    return {"type": "name", "properties": {"name": name}}


def feature_collection(
    features: Iterable[Mapping[str, object]],
    *,
    crs: object = None,
    members_before: Mapping[str, object] | None = None,
    members_after: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """Return a FeatureCollection; the member order of the dict is the order written.

    ``members_after`` follow the features array, where OGC API Features servers put
    ``numberMatched``, ``numberReturned`` and ``links``.
    """
    collection: dict[str, object] = {"type": "FeatureCollection"}
    if crs is not None:
        collection["crs"] = crs
    collection.update(members_before or {})
    collection["features"] = [dict(item) for item in features]
    collection.update(members_after or {})
    return collection


def write_collection(
    path: Path,
    collection: Mapping[str, object],
    *,
    indent: int | None = None,
    byte_order_mark: bool = False,
) -> Path:
    """Write ``collection`` as UTF-8 JSON, Decimal values as JSON numbers."""
    text = json.dumps(collection, ensure_ascii=False, indent=indent, default=_json_default)
    prefix = "\ufeff" if byte_order_mark else ""
    path.write_text(prefix + text, encoding="utf-8")
    return path


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        # The shortest float text of the fixture's decimals has the same digits.
        return float(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# The Helsinki sample


@dataclass(frozen=True)
class HelsinkiRow:
    """One row of the Helsinki sample, with its numbers as the file writes them."""

    rank: int
    permanent_building_identifier: str
    property_identifier: str
    building_key: str
    gross_floor_area: int
    volume: int
    number_of_storeys: int | None
    apartment_count: int | None
    completion_date: str | None
    longitude: str
    latitude: str
    addresses: tuple[str, ...]
    postal_code: str | None
    post_office: str | None
    labels: dict[str, str]
    """The label columns (``*_fi``) as the third party wrote them; not ground truth."""


def read_helsinki_rows(path: Path) -> list[HelsinkiRow]:
    """Read the Helsinki sample CSV (comma-separated, header row, UTF-8)."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [_helsinki_row(row) for row in csv.DictReader(handle)]


def _helsinki_row(row: dict[str, str]) -> HelsinkiRow:
    return HelsinkiRow(
        rank=int(row["rank_gfa"]),
        permanent_building_identifier=row["permanent_building_identifier"],
        property_identifier=row["property_identifier"],
        building_key=row["building_key"],
        gross_floor_area=int(row["gross_floor_area"]),
        volume=int(row["volume"]),
        number_of_storeys=_optional_int(row["number_of_storeys"]),
        apartment_count=_optional_int(row["apartment_count"]),
        completion_date=row["completion_date"] or None,
        longitude=row["lon"],
        latitude=row["lat"],
        addresses=tuple(
            address.strip()
            for address in row["address_fin"].split(HELSINKI_ADDRESS_SEPARATOR)
            if address.strip()
        ),
        postal_code=row["postal_code"] or None,
        post_office=row["postal_office_fin"] or None,
        labels={name: value for name, value in row.items() if name.endswith("_fi") and value},
    )


def _optional_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def helsinki_address_key(row: HelsinkiRow, index: int) -> str:
    """Return the invented address key of the ``index``-th address (from 0) of ``row``."""
    return str(uuid.uuid5(_ADDRESS_KEY_NAMESPACE, f"{row.building_key}/{index}"))


def helsinki_building_feature(row: HelsinkiRow, *, tm35: bool = False) -> dict[str, object]:
    """Return the open_building feature of a row, at its point in WGS 84 or ETRS-TM35FIN.

    The municipality is the first three digits of the property identifier. Coded
    properties are written only for the labels of ``HELSINKI_LABEL_CODES``.
    """
    properties: dict[str, object] = {
        "permanent_building_identifier": row.permanent_building_identifier,
        "property_identifier": row.property_identifier,
        "municipality_number": row.property_identifier[:3],
        "completion_date": row.completion_date,
        "volume": row.volume,
        "number_of_storeys": row.number_of_storeys,
        "gross_floor_area": row.gross_floor_area,
        "apartment_count": row.apartment_count,
        "building_key": row.building_key,
    }
    properties.update(_coded_properties(row))

    longitude, latitude = Decimal(row.longitude), Decimal(row.latitude)
    point: tuple[float | Decimal, float | Decimal] = (longitude, latitude)
    if tm35:
        east, north = wgs84_to_tm35fin(float(longitude), float(latitude))
        point = (round(east, 3), round(north, 3))
    return feature(properties, point)


def _coded_properties(row: HelsinkiRow) -> dict[str, object]:
    properties: dict[str, object] = {}
    for column, (property_name, codes) in HELSINKI_LABEL_CODES.items():
        code = codes.get(row.labels.get(column, ""))
        if code is not None:
            properties[property_name] = code_uri(_LIST_OF_PROPERTY[property_name], code)
    return properties


def helsinki_address_features(row: HelsinkiRow) -> list[dict[str, object]]:
    """Return the open_address features of a row, one per address in the file's order.

    The file gives one postal code per building, so only the first address has it.
    """
    features = []
    for index, address in enumerate(row.addresses):
        first = index == 0
        properties = address_properties(
            row.building_key,
            helsinki_address_key(row, index),
            address,
            postal_code=row.postal_code if first else None,
            postal_office_fin=row.post_office if first else None,
        )
        features.append(feature(properties))
    return features


def write_helsinki_collections(
    rows: Sequence[HelsinkiRow], folder: Path, *, tm35: bool = False
) -> tuple[Path, Path]:
    """Write the open_building and open_address files of ``rows`` into ``folder``.

    With ``tm35`` the building file is in ETRS-TM35FIN and names it in a ``crs`` member.
    Otherwise it is in WGS 84 without a ``crs`` member, as OGC API Features servers write it.
    """
    buildings = [helsinki_building_feature(row, tm35=tm35) for row in rows]
    addresses = [item for row in rows for item in helsinki_address_features(row)]
    crs = crs_member(TM35FIN_NAME) if tm35 else None

    suffix = "tm35" if tm35 else "wgs84"
    building_path = write_collection(
        folder / f"open_building_{suffix}.geojson", feature_collection(buildings, crs=crs)
    )
    address_path = write_collection(
        folder / f"open_address_{suffix}.geojson", feature_collection(addresses)
    )
    return building_path, address_path
