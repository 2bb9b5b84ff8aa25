"""The catalogue of building fields: name, type, code lists and where each field lives.

Field names follow the English names of SYKE's Ryhti building model where one exists,
such as ``gross_floor_area``, ``number_of_storeys`` and ``heating_energy_source``. The
Finnish register term is given beside each field. Register fields are stored per source in
``register_value`` and may be overridden in ``local_value``. Local-only fields exist only
in ``local_value``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from tilaapp.i18n import N_


class FieldKind(enum.Enum):
    TEXT = "text"
    CODE = "code"
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"
    BOOLEAN = "boolean"
    MONEY = "money"


class Source(enum.StrEnum):
    """Register source of a value. The order of the members is the tie-break order."""

    DVV_EXTRACT = "dvv_extract"
    RYHTI = "ryhti"
    DVV_OPEN = "dvv_open"


# With equal extraction dates, the value of the first source in this tuple is in use.
SOURCE_PRIORITY: tuple[Source, ...] = (Source.DVV_EXTRACT, Source.RYHTI, Source.DVV_OPEN)

# Code list of local values of coded fields: local entries use the newer Ryhti lists.
LOCAL = "local"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    label: str
    """English label, marked for translation (translate with ``tilaapp.i18n.gettext``)."""
    register: bool = True
    """Stored per register source; else a local-only field."""
    code_lists: dict[str, str] = field(default_factory=dict)
    """Code list id per source (``Source`` value or ``LOCAL``), for CODE fields."""
    personal: bool = False
    """Names a person: never leaves the municipality's database."""


def _code(name: str, label: str, **lists: str) -> FieldSpec:
    return FieldSpec(name, FieldKind.CODE, label, code_lists=dict(lists))


REGISTER_FIELDS: tuple[FieldSpec, ...] = (
    # sijaintikunta
    _code(
        "municipality_number",
        N_("Municipality"),
        dvv_extract="municipality",
        ryhti="municipality",
        dvv_open="municipality",
        local="municipality",
    ),
    # rakennuksen tila (DVV extract; code list not published)
    _code("building_status", N_("Building status"), dvv_extract="dvv_building_status"),
    # sijaintikiinteistön tunnus, 14-digit long form
    FieldSpec("property_identifier", FieldKind.TEXT, N_("Property identifier")),
    # kiinteistöyksikön nimi: the property's name in the land register, not a building name
    FieldSpec("property_name", FieldKind.TEXT, N_("Property name")),
    # muuttuva rakennustunnus: property identifier, hyphen, 3-digit building number
    FieldSpec("old_building_identifier", FieldKind.TEXT, N_("Old building identifier")),
    # kiinteistöyksikön määräalan tunnus
    FieldSpec("unseparated_parcel_identifier", FieldKind.TEXT, N_("Unseparated parcel")),
    FieldSpec("postal_code", FieldKind.TEXT, N_("Postal code")),
    # valmistumispäivä, partial dates allowed
    FieldSpec("completion_date", FieldKind.DATE, N_("Completion date")),
    FieldSpec("demolition_date", FieldKind.DATE, N_("Demolition date")),
    # rakennuspaikan hallintaperuste
    _code("site_tenure", N_("Site tenure"), dvv_extract="dvv_site_tenure"),
    _code(
        "facade_material",
        N_("Facade material"),
        dvv_extract="dvv_facade_material",
        ryhti="ryhti_facade_material",
        local="ryhti_facade_material",
    ),
    _code(
        "material_of_load_bearing_structures",
        N_("Load-bearing material"),
        dvv_extract="dvv_load_bearing_material",
        ryhti="ryhti_load_bearing_material",
        local="ryhti_load_bearing_material",
    ),
    _code(
        "construction_method",
        N_("Construction method"),
        dvv_extract="dvv_construction_method",
        ryhti="ryhti_construction_method",
        local="ryhti_construction_method",
    ),
    # kerrosala, m²
    FieldSpec("gross_floor_area", FieldKind.DECIMAL, N_("Gross floor area")),
    # kokonaisala, m²
    FieldSpec("total_area", FieldKind.DECIMAL, N_("Total area")),
    # huoneistoala, m²
    FieldSpec("floor_area", FieldKind.DECIMAL, N_("Floor area")),
    # kellariala, m²
    FieldSpec("basement_area", FieldKind.DECIMAL, N_("Basement area")),
    # tilavuus, m³
    FieldSpec("volume", FieldKind.DECIMAL, N_("Volume")),
    FieldSpec("number_of_storeys", FieldKind.INTEGER, N_("Number of storeys")),
    FieldSpec("apartment_count", FieldKind.INTEGER, N_("Number of apartments")),
    _code(
        "usage_status",
        N_("Usage status"),
        dvv_extract="dvv_usage_status",
        ryhti="ryhti_usage_status",
        local="ryhti_usage_status",
    ),
    FieldSpec("usage_status_date", FieldKind.DATE, N_("Usage status date")),
    # käyttötarkoitus, 1994 classification
    _code(
        "use_class_1994",
        N_("Use class (1994)"),
        dvv_extract="use_class_1994",
        ryhti="use_class_1994",
        local="use_class_1994",
    ),
    # rakennusluokka, 2018 classification
    _code(
        "building_class_2018",
        N_("Building class (2018)"),
        dvv_extract="building_class_2018",
        ryhti="building_class_2018",
        local="building_class_2018",
    ),
    # Ryhti open data's coarse main purpose list
    _code("main_purpose_open", N_("Main purpose (open data)"), ryhti="ryhti_main_purpose_open"),
    # käyttötarkoitus of the DVV open address file: 1 residential or office, 2 other
    _code("open_use_class", N_("Use class (open address file)"), dvv_open="dvv_open_use_class"),
    _code(
        "heating_method",
        N_("Heating method"),
        dvv_extract="dvv_heating_method",
        ryhti="ryhti_heating_method",
        local="ryhti_heating_method",
    ),
    _code(
        "heating_energy_source",
        N_("Heating energy source"),
        dvv_extract="dvv_heating_energy_source",
        ryhti="ryhti_heating_energy_source",
        local="ryhti_heating_energy_source",
    ),
    FieldSpec("has_sewer", FieldKind.BOOLEAN, N_("Sewer")),
    FieldSpec("has_sewer_connection", FieldKind.BOOLEAN, N_("Sewer connection")),
    FieldSpec("has_electricity", FieldKind.BOOLEAN, N_("Electricity")),
    FieldSpec("has_gas", FieldKind.BOOLEAN, N_("Gas")),
    FieldSpec("has_water_supply", FieldKind.BOOLEAN, N_("Water supply")),
    FieldSpec("has_hot_water", FieldKind.BOOLEAN, N_("Hot water")),
    FieldSpec("has_elevator", FieldKind.BOOLEAN, N_("Elevator")),
    FieldSpec("has_air_conditioning", FieldKind.BOOLEAN, N_("Air conditioning")),
    FieldSpec("has_solar_panel", FieldKind.BOOLEAN, N_("Solar panel")),
    FieldSpec("sauna_count", FieldKind.INTEGER, N_("Number of saunas")),
    # väestönsuojan koko, m²
    FieldSpec("civil_defence_shelter_size", FieldKind.DECIMAL, N_("Civil defence shelter size")),
    FieldSpec("is_accessible", FieldKind.BOOLEAN, N_("Accessible")),
    FieldSpec("is_protected", FieldKind.BOOLEAN, N_("Protected")),
    # ETRS-TM35FIN (EPSG:3067), metres
    FieldSpec("coordinate_north", FieldKind.DECIMAL, N_("North coordinate")),
    FieldSpec("coordinate_east", FieldKind.DECIMAL, N_("East coordinate")),
    _code("coordinate_accuracy", N_("Coordinate accuracy"), dvv_extract="dvv_coordinate_accuracy"),
)

LOCAL_ONLY_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("local_name", FieldKind.TEXT, N_("Building name"), register=False),
    FieldSpec("municipal_service", FieldKind.TEXT, N_("Municipal service"), register=False),
    FieldSpec("number_of_users", FieldKind.INTEGER, N_("Number of users"), register=False),
    # käyttöaste, percent of space in use
    FieldSpec("utilisation_rate", FieldKind.DECIMAL, N_("Utilisation rate"), register=False),
    FieldSpec("leased_out", FieldKind.BOOLEAN, N_("Leased out"), register=False),
    FieldSpec("lessee", FieldKind.TEXT, N_("Lessee"), register=False),
    FieldSpec("lessee_is_person", FieldKind.BOOLEAN, N_("Lessee is a person"), register=False),
    FieldSpec("condition_class", FieldKind.INTEGER, N_("Condition class"), register=False),
    FieldSpec("condition_date", FieldKind.DATE, N_("Condition assessment date"), register=False),
    FieldSpec("condition_assessor", FieldKind.TEXT, N_("Assessor"), register=False, personal=True),
    FieldSpec("indoor_air_problems", FieldKind.BOOLEAN, N_("Indoor-air problems"), register=False),
    FieldSpec("acquisition_cost", FieldKind.MONEY, N_("Acquisition cost"), register=False),
    FieldSpec("acquisition_year", FieldKind.INTEGER, N_("Acquisition year"), register=False),
    FieldSpec("replacement_cost", FieldKind.MONEY, N_("Replacement cost"), register=False),
    FieldSpec(
        "maintenance_cost_per_year",
        FieldKind.MONEY,
        N_("Maintenance cost per year"),
        register=False,
    ),
    FieldSpec(
        "rental_income_per_year", FieldKind.MONEY, N_("Rental income per year"), register=False
    ),
    FieldSpec(
        "strategy", FieldKind.CODE, N_("Strategy"), register=False, code_lists={LOCAL: "strategy"}
    ),
    FieldSpec(
        "strategy_target_year", FieldKind.INTEGER, N_("Strategy target year"), register=False
    ),
    FieldSpec("notes", FieldKind.TEXT, N_("Notes"), register=False),
)

ALL_FIELDS: tuple[FieldSpec, ...] = REGISTER_FIELDS + LOCAL_ONLY_FIELDS
FIELDS_BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in ALL_FIELDS}
REGISTER_FIELD_NAMES: tuple[str, ...] = tuple(spec.name for spec in REGISTER_FIELDS)
