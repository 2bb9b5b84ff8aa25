"""Write the bundled demo data: an invented building register extract of Hartola.

Run from the repository root::

    python -m devtools.make_demo_extract [--output-folder FOLDER]

The script writes ``demo_extract.xlsx`` (DVV extract layout, sheets R1, R3 and R4, no
resident sheet) and ``demo.json`` (the import options of ``tilaapp demo``) to
``tilaapp/resources/demo`` or FOLDER. The output depends only on ``SEED`` and the tables
below, not on the date, so a second run writes the same cell values.

Some facts are real. These are the municipality codes and names of Hartola (081) and its
neighbours Sysmä (781) and Joutsa (172), and their postal codes 19600, 19700 and 19650
(Posti's postal code file of 2023-09-21). Every code but ``UNKNOWN_CODE`` is real, as
``check_codes`` looks each one up in tilaapp's code lists. Everything else is invented:
identifiers, names, street names, identity codes, areas, dates and coordinates.
Coordinates are ETRS-TM35FIN metres around a centre point converted from the
approximate latitude and longitude of each municipal centre.

The extract contains three deliberate data-quality issues for the demo to show.
``CHECK_FAILURE_BUILDING`` has an identifier with a wrong check character.
``UNKNOWN_CODE_BUILDING`` has the use class ``UNKNOWN_CODE``, which no list has.
``INVALID_AREA_BUILDING`` has a gross floor area that is not a number.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook

from devtools.dvv_workbook import (
    APARTMENT_COUNT,
    HEATING_ENERGY_SOURCE,
    HEATING_METHOD,
    Address,
    Building,
    Cell,
    Owner,
    business_id,
    personal_identity_code,
    prt_with_wrong_check,
    valid_prt,
    write_extract,
)
from tilaapp.domain.codelists import lookup_code

log = logging.getLogger(__name__)

SEED = 20260115
EXTRACTION_DATE = datetime.date(2026, 1, 15)
LATEST_OWNERSHIP_START = datetime.date(2025, 12, 31)
HOME_MUNICIPALITY = "081"

WORKBOOK_NAME = "demo_extract.xlsx"
SETTINGS_NAME = "demo.json"
DEFAULT_OUTPUT_FOLDER = Path(__file__).resolve().parents[1] / "tilaapp" / "resources" / "demo"

DESCRIPTION = (
    "Invented demo data (DEMO): a building register extract in the DVV layout for Hartola "
    "(081). The municipality code, the postal codes and the code lists are real; every "
    "identifier, name, address, identity code, area, date and coordinate is invented."
)
DOCUMENT_TITLE = "DEMO: invented demo data in the DVV building extract layout"
DOCUMENT_SUBJECT = (
    "Invented demo data for tilaapp, not a real register extract: every identifier, "
    "name, address, identity code and measurement is made up."
)

# NOTE: business ID bodies starting with 98 were chosen to stay far above the IDs in use.
# That no real organisation has one of them is assumed, not checked.
MUNICIPALITY_BUSINESS_ID = business_id("9810001")
HOUSING_COMPANY_BUSINESS_ID = business_id("9810002")
JOINT_AUTHORITY_BUSINESS_ID = business_id("9810003")

# The real permanent building identifiers in tests/data/prt_samples.csv start with 100 to
# 103, so the invented ones start with 19081: valid_prt(90_810_000) is "190810000" and
# its check character.
FIRST_PRT_NUMBER = 90_810_000

# The deliberate data-quality issues, each on a building given by its property name and
# building number.
CHECK_FAILURE_BUILDING = ("PALOASEMA", "2")
"""Building whose identifier gets a wrong check character."""
UNKNOWN_CODE = "932"
"""Use class that no list has (931 is saunas, 941 outbuildings)."""
UNKNOWN_CODE_BUILDING = ("UIMARANTA", "1")
INVALID_AREA = "n. 120"
"""Gross floor area that is not a number: Finnish for "about 120"."""
INVALID_AREA_BUILDING = ("VARIKKO", "3")
# Total area and volume of that building, which agree with its area of about 120 m².
INVALID_AREA_TOTAL = 120
INVALID_AREA_VOLUME = 540

Heating = tuple[str, str | None]
"""Heating method and heating energy source codes of the old DVV lists."""

DISTRICT_HEAT: Heating = ("1", "01")
OIL_BOILER: Heating = ("1", "02")
WOOD_BOILER: Heating = ("1", "07")
GROUND_HEAT: Heating = ("1", "09")
DIRECT_ELECTRIC: Heating = ("3", "04")
STOVE: Heating = ("4", "07")
UNHEATED: Heating = ("5", None)
RURAL_HEATING: tuple[Heating, ...] = (OIL_BOILER, GROUND_HEAT, WOOD_BOILER)


@dataclass(frozen=True)
class Kind:
    """A kind of building with its codes and the ranges its invented values come from."""

    use_class: str
    class_2018: str | None
    """The 2018 class written on the buildings that have one, None for never."""
    area: tuple[int, int]
    """Gross floor area range, m²."""
    storeys: tuple[int, int]
    storey_height: float
    """Metres: the volume is the gross floor area times this."""
    facades: tuple[str, ...]
    heating: tuple[Heating, ...]
    usage_status: str
    sewer: bool = True
    max_addresses: int = 1
    flat_area: int | None = None
    """Gross floor area per flat, m², for the apartment count of a residential kind."""
    basement_chance: float = 0.0


KINDS: dict[str, Kind] = {
    "office": Kind("151", "0400", (700, 1600), (2, 3), 3.5, ("2", "1"), (DISTRICT_HEAT,), "02",
                   max_addresses=2, basement_chance=0.4),
    "school": Kind("511", "0820", (1400, 3600), (1, 3), 3.8, ("2", "1"), (DISTRICT_HEAT,), "02",
                   max_addresses=3, basement_chance=0.3),
    "village_school": Kind("511", "0820", (220, 650), (1, 2), 3.3, ("5",), RURAL_HEATING, "02"),
    "day_care": Kind("231", "0810", (380, 950), (1, 1), 3.6, ("5", "2"),
                     (DISTRICT_HEAT, GROUND_HEAT), "02", max_addresses=2),
    "health_centre": Kind("214", "0610", (1200, 2900), (1, 3), 3.8, ("2", "1"),
                          (DISTRICT_HEAT,), "02", max_addresses=2, basement_chance=0.5),
    "elderly_home": Kind("221", "0620", (900, 2000), (1, 2), 3.4, ("2",), (DISTRICT_HEAT,), "02",
                         max_addresses=2),
    "library": Kind("322", "0712", (550, 1100), (1, 2), 4.0, ("2", "6"), (DISTRICT_HEAT,), "02"),
    "museum": Kind("323", "0713", (90, 260), (1, 2), 3.0, ("5",), (STOVE,), "02", sewer=False),
    "club_house": Kind("331", "0720", (180, 480), (1, 2), 3.6, ("5",),
                       (OIL_BOILER, DIRECT_ELECTRIC), "02"),
    "sports_hall": Kind("354", "0742", (1300, 2300), (1, 2), 7.0, ("3", "1"),
                        (DISTRICT_HEAT,), "02"),
    "sports_hut": Kind("359", "0749", (30, 160), (1, 1), 3.0, ("5",),
                       (DIRECT_ELECTRIC, UNHEATED), "02"),
    "fire_station": Kind("721", "1310", (650, 1400), (1, 2), 5.0, ("2", "1", "3"),
                         (DISTRICT_HEAT,), "02", max_addresses=2),
    "fire_hall": Kind("721", "1310", (200, 450), (1, 1), 4.5, ("5", "3"), (OIL_BOILER,), "02"),
    "depot": Kind("719", "1211", (400, 900), (1, 1), 5.5, ("3", "1"),
                  (DISTRICT_HEAT, OIL_BOILER), "02"),
    "warehouse": Kind("719", "1210", (80, 450), (1, 1), 4.5, ("3", "5"), (UNHEATED,), "02",
                      sewer=False),
    "garage": Kind("162", None, (40, 220), (1, 1), 3.2, ("5", "3", "2"),
                   (UNHEATED, DIRECT_ELECTRIC), "11", sewer=False),
    "carport": Kind("162", "0514", (40, 160), (1, 1), 2.7, ("5", "3"), (UNHEATED,), "11",
                    sewer=False),
    "outbuilding": Kind("941", "1911", (15, 110), (1, 1), 2.8, ("5",), (UNHEATED,), "11",
                        sewer=False),
    "sauna": Kind("931", "1910", (18, 65), (1, 1), 2.6, ("5",), (STOVE,), "11"),
    "water_plant": Kind("613", "1110", (150, 600), (1, 2), 5.0, ("1", "2"),
                        (DIRECT_ELECTRIC,), "02"),
    "water_tower": Kind("613", "1110", (60, 120), (1, 1), 24.0, ("1",), (DIRECT_ELECTRIC,), "02"),
    "pumping_station": Kind("613", "1110", (8, 40), (1, 1), 3.0, ("1", "3"),
                            (DIRECT_ELECTRIC,), "02"),
    # No 2018 class is written for sewage plants: none of the 2018 names covers them.
    "sewage_plant": Kind("613", None, (300, 900), (1, 2), 5.0, ("1",),
                         (DIRECT_ELECTRIC, OIL_BOILER), "02"),
    "industrial_hall": Kind("691", "0910", (600, 2400), (1, 1), 7.0, ("3",),
                            (OIL_BOILER, DIRECT_ELECTRIC, DISTRICT_HEAT), "02", max_addresses=2),
    "small_industry": Kind("692", "0920", (300, 900), (1, 2), 5.0, ("3", "2"),
                           (OIL_BOILER, DIRECT_ELECTRIC), "02"),
    "kiosk": Kind("119", "0319", (20, 60), (1, 1), 3.0, ("3",), (DIRECT_ELECTRIC,), "02",
                  sewer=False),
    "commercial_building": Kind("119", "0319", (300, 700), (2, 2), 3.4, ("2",),
                                (DISTRICT_HEAT,), "02", max_addresses=2),
    "supermarket": Kind("111", "0310", (900, 2200), (1, 1), 5.0, ("3", "2"),
                        (DISTRICT_HEAT,), "02", max_addresses=2),
    "shop_warehouse": Kind("712", "1214", (200, 600), (1, 1), 5.0, ("3",), (UNHEATED,), "02",
                           sewer=False),
    "camp_centre": Kind("123", "0322", (300, 700), (1, 2), 3.4, ("5",),
                        (OIL_BOILER, WOOD_BOILER), "02"),
    "hotel": Kind("121", "0320", (900, 1800), (2, 3), 3.2, ("2", "5"), (DISTRICT_HEAT,), "02",
                  max_addresses=2),
    "restaurant": Kind("141", "0330", (200, 500), (1, 1), 3.6, ("5",), (DISTRICT_HEAT,), "02"),
    "heating_plant": Kind("611", "1011", (200, 700), (1, 1), 8.0, ("3", "1"),
                          (WOOD_BOILER,), "02"),
    "vocational_school": Kind("521", "0830", (1200, 3200), (1, 2), 3.9, ("2", "1"),
                              (DISTRICT_HEAT,), "02", max_addresses=2, basement_chance=0.3),
    "training_hall": Kind("521", "0830", (600, 1400), (1, 1), 6.0, ("3",), (DISTRICT_HEAT,), "02"),
    "dormitory": Kind("131", "0130", (700, 1400), (2, 3), 3.0, ("2",), (DISTRICT_HEAT,), "04",
                      flat_area=32),
    "machine_hall": Kind("162", "0512", (300, 800), (1, 1), 6.0, ("3",),
                         (OIL_BOILER, DIRECT_ELECTRIC), "02"),
    "detached_house": Kind("011", "0110", (85, 190), (1, 2), 2.8, ("5", "2"),
                           (OIL_BOILER, DIRECT_ELECTRIC, GROUND_HEAT, WOOD_BOILER), "01",
                           flat_area=1000),
    "row_house": Kind("021", "0112", (260, 780), (1, 1), 2.9, ("5", "2"),
                      (DISTRICT_HEAT, GROUND_HEAT, DIRECT_ELECTRIC), "01", max_addresses=2,
                      flat_area=65),
    # Blocks of two or three storeys are low-rise blocks (0120) in the 2018 classification.
    "apartment_block": Kind("039", "0120", (900, 2300), (2, 3), 3.0, ("2", "1"),
                            (DISTRICT_HEAT,), "01", max_addresses=3, flat_area=62,
                            basement_chance=0.5),
    "gallery_block": Kind("032", "0120", (650, 1400), (2, 2), 3.0, ("2", "5"),
                          (DISTRICT_HEAT,), "01", max_addresses=2, flat_area=55),
    "cottage": Kind("041", "0211", (30, 95), (1, 1), 2.7, ("5",), (STOVE, DIRECT_ELECTRIC), "03",
                    sewer=False),
    "barn": Kind("811", None, (250, 700), (1, 1), 5.0, ("5", "3"), (UNHEATED,), "02", sewer=False),
    "grain_dryer": Kind("891", "1491", (60, 200), (1, 2), 6.0, ("3",), (OIL_BOILER,), "02",
                        sewer=False),
    "machine_shed": Kind("899", "1499", (120, 400), (1, 1), 5.0, ("3", "5"), (UNHEATED,), "02",
                         sewer=False),
}  # fmt: skip


@dataclass(frozen=True)
class Place:
    """A municipality of the extract and its invented centre point."""

    municipality: str
    postal_code: str
    post_office: str
    north: int
    east: int


# Centres converted from the approximate positions 61°35'N 26°01'E (Hartola), 61°30'N
# 25°41'E (Sysmä) and 61°45'N 26°07'E (Joutsa) and rounded. The building positions
# around them are invented.
PLACES: dict[str, Place] = {
    "081": Place("081", "19600", "HARTOLA", 6_828_150, 447_800),
    "781": Place("781", "19700", "SYSMÄ", 6_819_520, 429_900),
    "172": Place("172", "19650", "JOUTSA", 6_845_760, 453_150),
}
CENTRE_RADIUS_M = 1100
SITE_RADIUS_M = 60


@dataclass(frozen=True)
class Organisation:
    business_id: str
    name: str
    owner_type: str


# NOTE: the owner type codes (1 person, 2 company or association, 3 municipality or joint
# authority) follow the project's test fixtures. tilaapp has no DVV list to check them.
ORGANISATIONS: dict[str, Organisation] = {
    "municipality": Organisation(MUNICIPALITY_BUSINESS_ID, "Hartolan kunta", "3"),
    "housing": Organisation(HOUSING_COMPANY_BUSINESS_ID, "Hartolan Demovuokratalot Oy", "2"),
    "joint": Organisation(JOINT_AUTHORITY_BUSINESS_ID, "Demo-Päijänteen koulutuskuntayhtymä", "3"),
    "shop": Organisation(business_id("9810004"), "Demokauppa Oy", "2"),
    "metal": Organisation(business_id("9810006"), "Demometalli Oy", "2"),
    "heat": Organisation(business_id("9810007"), "Demolämpö Oy", "2"),
    "hotel": Organisation(business_id("9810008"), "Demomajoitus Oy", "2"),
    "property": Organisation(business_id("9810009"), "Demokiinteistöt Oy", "2"),
    "fire_brigade": Organisation(business_id("9810010"), "Demokylän VPK ry", "2"),
    "private_housing": Organisation(business_id("9810011"), "Asunto Oy Demorinne", "2"),
}
PERSON = "person"
COUPLE = "couple"
FOREIGN_PERSON = "foreign_person"
FEMALE = "female"
MALE = "male"


@dataclass(frozen=True)
class Household:
    """Surname, address and other details that the person owners of one site share."""

    surname: str
    birth: datetime.date
    home_address: str | None
    """The site's address when the owners live there, else None."""
    ownership_start: str


@dataclass(frozen=True)
class Site:
    """A property with its buildings, numbered 1, 2, … in the order given.

    Each building is a kind of ``KINDS`` with its completion year, or a completion date
    as DVV writes it ("19520000" for 1952 without month and day). ``offset_m`` is the
    north and east distance from the centre of ``place``; None puts the site at a
    random point of the centre, on the district heating network.
    """

    property_name: str
    owner: str
    """A key of ``ORGANISATIONS``, or ``PERSON``, ``COUPLE`` or ``FOREIGN_PERSON``."""
    street: str
    buildings: tuple[tuple[str, int | str], ...]
    village: str = "401"
    """Register village number, the second part of the property identifier."""
    offset_m: tuple[int, int] | None = None
    place: str = HOME_MUNICIPALITY
    tenure: str = "1"
    usage_status: tuple[str, str] | None = None
    """Usage status and its change date for every building, instead of the kind's status."""

    @property
    def central(self) -> bool:
        return self.offset_m is None


MUNICIPALITY_SITES: tuple[Site, ...] = (
    Site("KUNNANTALO", "municipality", "Keskustie", (("office", 1967), ("outbuilding", 1967))),
    Site("KOULUMÄKI", "municipality", "Koulutie",
         (("school", 1958), ("school", 1994), ("sports_hall", 1989), ("outbuilding", 1960),
          ("outbuilding", "19600000"))),
    Site("LUKIONMÄKI", "municipality", "Lukiontie", (("school", 1972), ("garage", 1973))),
    Site("KOULULA", "municipality", "Pohjoiskyläntie",
         (("village_school", 1912), ("sauna", "19300000"), ("outbuilding", 1925)),
         village="405", offset_m=(9200, 3400)),
    Site("ALAKOULU", "municipality", "Vanhan koulun tie",
         (("village_school", 1936), ("outbuilding", 1950)),
         village="409", offset_m=(-7400, -5100), usage_status=("05", "20190601")),
    Site("MÄNTYLÄ", "municipality", "Mäntyläntie", (("day_care", 1983), ("outbuilding", 1983))),
    Site("PIHLAJISTO", "municipality", "Pihlajatie", (("day_care", 2019), ("outbuilding", 2023))),
    Site("TERVEYSKESKUS", "municipality", "Terveystie",
         (("health_centre", 1976), ("health_centre", 2005), ("garage", 1977))),
    Site("RINNEKOTI", "municipality", "Rinnetie", (("elderly_home", 1969), ("outbuilding", 1970))),
    Site("KIRJASTO", "municipality", "Kirjastonkuja", (("library", 1986),)),
    Site("PALOASEMA", "municipality", "Paloasemantie",
         (("fire_station", 1974), ("garage", 1999))),
    Site("SEURALA", "municipality", "Seuratie", (("club_house", "19520000"),)),
    Site("KOTISEUTUMUSEO", "municipality", "Museotie",
         (("museum", "18900000"), ("outbuilding", "18950000"), ("sauna", 1905)),
         village="402", offset_m=(1900, 1500)),
    Site("URHEILUKENTTÄ", "municipality", "Urheilutie",
         (("sports_hut", 1978), ("sports_hut", 1998))),
    Site("UIMARANTA", "municipality", "Rantasaunantie", (("sauna", 1964), ("sports_hut", 1985)),
         village="402", offset_m=(2600, -900)),
    Site("VARIKKO", "municipality", "Varikkotie",
         (("depot", 1976), ("garage", 1981), ("warehouse", 1962), ("warehouse", 1990))),
    Site("VESILAITOS", "municipality", "Vesilaitoksentie",
         (("water_plant", 1971), ("outbuilding", 1971)), village="403", offset_m=(2200, -1800)),
    Site("PUHDISTAMO", "municipality", "Puhdistamontie",
         (("sewage_plant", 1979), ("outbuilding", 1985)), village="404", offset_m=(-1900, 2600)),
    Site("VESITORNI", "municipality", "Tornimäentie", (("water_tower", 1966),)),
    Site("PUMPPAAMO 1", "municipality", "Lahdentie", (("pumping_station", 1972),),
         village="404", offset_m=(-1400, 1700)),
    Site("PUMPPAAMO 2", "municipality", "Myllytie", (("pumping_station", 1983),),
         village="406", offset_m=(3100, 2400)),
    Site("PUMPPAAMO 3", "municipality", "Harjutie", (("pumping_station", 2011),),
         village="407", offset_m=(-2800, -2300)),
    Site("TEOLLISUUSKYLÄ", "municipality", "Teollisuustie",
         (("industrial_hall", 1979), ("industrial_hall", 1988)), village="403",
         offset_m=(-1500, -900)),
    Site("YRITYSTALO", "municipality", "Pajatie", (("small_industry", 1992), ("office", 1995))),
    Site("OPETTAJALA", "municipality", "Opettajantie",
         (("detached_house", 1938), ("outbuilding", 1938))),
    Site("TORI", "municipality", "Torikatu", (("kiosk", 1979),),
         usage_status=("07", "20211015")),
    Site("KOIVIKKO", "municipality", "Koivukuja", (("row_house", 1982),)),
    Site("KYLÄTALO", "municipality", "Itäkyläntie", (("club_house", 1928),),
         village="408", offset_m=(-3600, 8700)),
    Site("LEIRIKESKUS", "municipality", "Leirikeskuksentie", (("camp_centre", 1968),),
         village="410", offset_m=(-9000, -2500), place="172", tenure="2"),
)  # fmt: skip

HOUSING_SITES: tuple[Site, ...] = (
    Site("KESKUSTA", "housing", "Asemantie",
         (("apartment_block", 1972), ("apartment_block", 1974), ("sauna", 1972),
          ("outbuilding", 1973))),
    Site("HARJULA", "housing", "Harjulantie",
         (("gallery_block", 1981), ("gallery_block", 1983), ("outbuilding", 1982))),
    Site("NIITTYLÄ", "housing", "Niittytie",
         (("row_house", 1978), ("row_house", 1978), ("row_house", 1979), ("sauna", 1979),
          ("carport", 1980))),
    Site("PIHLAJARINNE", "housing", "Pihlajarinne",
         (("row_house", 1991), ("row_house", 1991), ("carport", 1992))),
    Site("SENIORIKOTI", "housing", "Rinnekuja", (("apartment_block", 2012), ("carport", 2012))),
    Site("MÄNTYRINNE", "housing", "Mäntyrinne",
         (("row_house", 2022), ("row_house", 2023), ("outbuilding", 2023))),
    Site("KYLÄKESKUS", "housing", "Kylätie", (("row_house", 1986), ("outbuilding", 1986)),
         village="405", offset_m=(8700, 3900)),
)  # fmt: skip

JOINT_AUTHORITY_SITES: tuple[Site, ...] = (
    Site("AMMATTIOPISTO", "joint", "Opistontie",
         (("vocational_school", 1975), ("vocational_school", 2003), ("training_hall", 1978),
          ("dormitory", 1976), ("machine_hall", 1985))),
    Site("OPETUSTILA", "joint", "Pajakuja", (("vocational_school", 1982), ("machine_hall", 1990)),
         village="407", offset_m=(600, -400), place="781"),
)  # fmt: skip

OTHER_SITES: tuple[Site, ...] = (
    Site("RANTALA", COUPLE, "Rantatie", (("detached_house", 1956), ("sauna", 1956))),
    Site("KOIVULA", PERSON, "Koivukuja", (("detached_house", 1978),)),
    Site("PELTOLA", PERSON, "Peltotie", (("detached_house", 1994), ("garage", 1995))),
    Site("VANHALA", PERSON, "Kirkkotie", (("detached_house", "19350000"), ("outbuilding", 1935))),
    Site("UUSITALO", PERSON, "Kuusitie", (("detached_house", 2008),)),
    Site("NIEMELÄ", PERSON, "Niementie", (("cottage", 1972), ("sauna", 1972)),
         village="406", offset_m=(4200, 5600)),
    Site("KALLIOLA", FOREIGN_PERSON, "Kalliorannantie", (("cottage", 1988),),
         village="408", offset_m=(-5200, 7400)),
    Site("MÄKELÄ", COUPLE, "Mäkeläntie",
         (("detached_house", 1921), ("barn", 1950), ("machine_shed", 1979),
          ("grain_dryer", 1968)), village="409", offset_m=(-6200, -4300)),
    Site("KAUPPALA", "shop", "Kauppakuja", (("supermarket", 1996), ("shop_warehouse", 1996))),
    Site("PAJALA", "metal", "Teollisuustie",
         (("industrial_hall", 1984), ("industrial_hall", 2001), ("office", 1986)),
         village="403", offset_m=(-1700, -1200)),
    Site("LÄMPÖLAITOS", "heat", "Lämpölaitoksentie", (("heating_plant", 1983), ("warehouse", 1983)),
         village="403", offset_m=(-1200, -1500)),
    Site("HOTELLI", "hotel", "Keskustie",
         (("hotel", 1965), ("restaurant", 1998), ("sauna", 1966))),
    Site("LIIKETALO", "property", "Torikatu", (("commercial_building", 1961),)),
    Site("VPK", "fire_brigade", "Itäkyläntie", (("fire_hall", 1949),), village="408",
         offset_m=(-3400, 8900), tenure="2"),
    Site("DEMORINNE", "private_housing", "Rinnetie", (("row_house", 1989), ("sauna", 1989))),
)  # fmt: skip

SITES: tuple[Site, ...] = MUNICIPALITY_SITES + HOUSING_SITES + JOINT_AUTHORITY_SITES + OTHER_SITES

SIDE_STREETS: tuple[str, ...] = (
    "Ahonkuja", "Haapakuja", "Kanervatie", "Kivikuja", "Lehtokuja", "Männikkötie",
    "Paasikuja", "Rinnekuja", "Sammalkuja", "Tervakuja",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Heikkinen", "Hämäläinen", "Koskinen", "Laine", "Lehtonen", "Mäkinen", "Nieminen",
    "Salonen", "Turunen", "Virtanen",
)  # fmt: skip
# First names by sex: the individual number of a personal identity code is odd for men
# and even for women.
FEMALE_NAMES: tuple[str, ...] = ("Aino", "Eila", "Helena", "Liisa", "Marja", "Sari", "Tuula")
MALE_NAMES: tuple[str, ...] = ("Juhani", "Kari", "Matti", "Pekka", "Tapio", "Timo", "Veikko")

# (municipality, postal code, post office) of owners living elsewhere in Finland.
ELSEWHERE: tuple[tuple[str, str, str], ...] = (
    ("398", "15110", "LAHTI"),
    ("091", "00530", "HELSINKI"),
    ("179", "40100", "JYVÄSKYLÄ"),
)
HOME_STREETS: tuple[str, ...] = ("Keksitynkatu", "Kuvitelmantie", "Esimerkinkuja")

# Building attribute or extra column, and its code list.
CODED_ATTRIBUTES: dict[str, str] = {
    "municipality": "municipality",
    "site_tenure": "dvv_site_tenure",
    "facade_material": "dvv_facade_material",
    "usage_status": "dvv_usage_status",
    "use_class_1994": "use_class_1994",
    "coordinate_accuracy": "dvv_coordinate_accuracy",
    "building_class_2018": "building_class_2018",
}
CODED_EXTRA_COLUMNS: dict[str, str] = {
    HEATING_METHOD: "dvv_heating_method",
    HEATING_ENERGY_SOURCE: "dvv_heating_energy_source",
}
EXTRA_COLUMNS: tuple[str, ...] = (HEATING_METHOD, HEATING_ENERGY_SOURCE, APARTMENT_COUNT)


class _Generator:
    """Turns ``SITES`` into buildings, drawing every invented value from one seeded RNG."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.prt_number = FIRST_PRT_NUMBER
        self.property_numbers: set[str] = set()
        self.street_addresses: set[tuple[str, int]] = set()

    def buildings(self) -> list[Building]:
        buildings: list[Building] = []
        for site in SITES:
            buildings.extend(self.site_buildings(site))
        return buildings

    def site_buildings(self, site: Site) -> Iterator[Building]:
        place = PLACES[site.place]
        property_identifier = self.property_identifier(site)
        north, east = self.site_point(site, place)
        house_number = self.house_number(site.street)
        owners = self.owners(site, place, house_number)

        for number, (kind_name, completed) in enumerate(site.buildings, start=1):
            building = self.building(site, KINDS[kind_name], self.completion_date(completed))
            building.municipality = place.municipality
            building.postal_code = place.postal_code
            building.property_identifier = property_identifier
            building.old_property_identifier = property_identifier
            building.building_number = str(number)
            building.coordinate_north = north + self.rng.randint(-SITE_RADIUS_M, SITE_RADIUS_M)
            building.coordinate_east = east + self.rng.randint(-SITE_RADIUS_M, SITE_RADIUS_M)
            building.addresses = self.addresses(site, KINDS[kind_name], place, house_number)
            building.owners = owners
            yield building

    def building(self, site: Site, kind: Kind, completed: str) -> Building:
        self.prt_number += self.rng.randint(1, 40)
        area = self.rng.randint(*kind.area)
        storeys = self.rng.randint(*kind.storeys)
        basement = self.basement_area(area, kind)
        heating = self.heating(site, kind)
        usage_status, usage_date = site.usage_status or (
            kind.usage_status,
            full_date_or_none(completed),
        )
        return Building(
            prt=valid_prt(self.prt_number),
            property_name=site.property_name,
            completion_date=completed,
            site_tenure=site.tenure,
            facade_material=self.rng.choice(kind.facades) if self.chance(0.9) else None,
            gross_floor_area=area,
            number_of_storeys=storeys,
            total_area=area + (basement or 0),
            volume=self.volume(area, kind),
            basement_area=basement,
            usage_status=usage_status,
            usage_status_date=usage_date,
            use_class_1994=kind.use_class,
            sewer="1" if kind.sewer else "0",
            sewer_connection="1" if kind.sewer and site.central else "0",
            coordinate_accuracy=self.rng.choices(("A", "B", "4"), weights=(75, 15, 10))[0],
            building_class_2018=self.class_2018(kind, completed),
            extra={
                HEATING_METHOD: heating[0],
                HEATING_ENERGY_SOURCE: heating[1],
                APARTMENT_COUNT: max(1, round(area / kind.flat_area)) if kind.flat_area else None,
            },
        )

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def basement_area(self, area: int, kind: Kind) -> int | None:
        if not self.chance(kind.basement_chance):
            return None
        return round(area * self.rng.uniform(0.2, 0.4))

    def property_identifier(self, site: Site) -> str:
        """Return a new 14-digit property identifier: municipality, village, group, unit."""
        while True:
            group = self.rng.randint(1, 40)
            unit = self.rng.randint(1, 90)
            identifier = f"{site.place}{site.village}{group:04d}{unit:04d}"
            if identifier not in self.property_numbers:
                self.property_numbers.add(identifier)
                return identifier

    def house_number(self, street: str) -> int:
        """Return a house number not used on ``street`` before, so sites never share one."""
        while True:
            number = self.rng.randint(1, 45)
            if (street, number) not in self.street_addresses:
                self.street_addresses.add((street, number))
                return number

    def site_point(self, site: Site, place: Place) -> tuple[int, int]:
        if site.offset_m is not None:
            return place.north + site.offset_m[0], place.east + site.offset_m[1]
        return (
            place.north + self.rng.randint(-CENTRE_RADIUS_M, CENTRE_RADIUS_M),
            place.east + self.rng.randint(-CENTRE_RADIUS_M, CENTRE_RADIUS_M),
        )

    def completion_date(self, completed: int | str) -> str:
        """Return a DVV date text: a whole date, or a year without month and day for some."""
        if isinstance(completed, str):
            return completed
        if self.chance(0.35 if completed < 1960 else 0.06):
            return f"{completed}0000"
        month = self.rng.randint(1, 12)
        if self.chance(0.04):
            return f"{completed}{month:02d}00"
        return f"{completed}{month:02d}{self.rng.randint(1, 28):02d}"

    def heating(self, site: Site, kind: Kind) -> Heating:
        options = kind.heating
        if not site.central:
            # Only the centre has district heating.
            options = tuple(option for option in options if option != DISTRICT_HEAT)
        options = options or RURAL_HEATING
        return self.rng.choice(options)

    def volume(self, area: int, kind: Kind) -> int | None:
        if area < 100 and self.chance(0.4):
            return None
        return round(area * kind.storey_height * self.rng.uniform(0.95, 1.05))

    def class_2018(self, kind: Kind, completed: str) -> str | None:
        """Return the 2018 class for new buildings and about one old building in eight."""
        if kind.class_2018 is None:
            return None
        if int(completed[:4]) >= 2019 or self.chance(0.12):
            return kind.class_2018
        return None

    def addresses(self, site: Site, kind: Kind, place: Place, house_number: int) -> list[Address]:
        addresses = [_address(site.street, house_number, 1, place)]
        for address_number in range(2, self.rng.randint(1, kind.max_addresses) + 1):
            street = self.rng.choice(SIDE_STREETS)
            addresses.append(_address(street, self.house_number(street), address_number, place))
        return addresses

    def owners(self, site: Site, place: Place, house_number: int) -> list[Owner]:
        """Return the owners of every building of ``site``, who all became owners on one day."""
        first_kind, first_completed = site.buildings[0]
        start = self.ownership_start(int(str(first_completed)[:4]))
        organisation = ORGANISATIONS.get(site.owner)
        if organisation is not None:
            return [_organisation_owner(organisation, start)]
        if site.owner == FOREIGN_PERSON:
            return [self.foreign_owner(start)]

        # A couple shares the surname. Owners of a house live in it, of a cottage elsewhere.
        surname = self.rng.choice(SURNAMES)
        sexes = self.rng.sample((FEMALE, MALE), 2 if site.owner == COUPLE else 1)
        lives_here = KINDS[first_kind].usage_status == "01"
        address = f"{site.street} {house_number}" if lives_here else None
        household = Household(surname, self.household_birth(start), address, start)
        return [self.person_owner(place, household, sex) for sex in sexes]

    def person_owner(self, place: Place, household: Household, sex: str) -> Owner:
        home = (place.municipality, place.postal_code, place.post_office)
        home_address = household.home_address
        if home_address is None:
            home = self.rng.choice(ELSEWHERE)
            home_address = f"{self.rng.choice(HOME_STREETS)} {self.rng.randint(1, 40)}"
        municipality, postal_code, post_office = home

        # Individual numbers 900-999 are for temporary codes, so no invented code can
        # equal a permanent personal identity code.
        individual = 2 * self.rng.randint(450, 499) + (1 if sex == MALE else 0)
        identity_code = personal_identity_code(self.birth_date(household.birth), individual)
        first_names = self.rng.sample(MALE_NAMES if sex == MALE else FEMALE_NAMES, 2)
        return Owner(
            personal_identity_code=identity_code,
            owner_type="1",
            type_code="1",
            name=" ".join((household.surname, *first_names)),
            home_municipality=municipality,
            mother_tongue="fi",
            home_address=home_address,
            home_postal_code=postal_code,
            home_post_office=post_office,
            ownership_start=household.ownership_start,
        )

    def foreign_owner(self, start: str) -> Owner:
        return Owner(
            foreign_person="uh",
            owner_type="1",
            type_code="1",
            name="Lindqvist Karin Elisabet",
            mother_tongue="sv",
            foreign_address=f"Exempelvägen {self.rng.randint(1, 40)}, Uppsala",
            ownership_start=start,
        )

    def household_birth(self, ownership_start: str) -> datetime.date:
        """Return a date around which owners who were 25 to 55 at ``ownership_start`` were born.

        The date lies from 1930 to 1990.
        """
        start = datetime.datetime.strptime(ownership_start, "%Y%m%d").date()
        born = start - datetime.timedelta(days=self.rng.randint(25 * 365, 55 * 365))
        return min(max(born, datetime.date(1930, 1, 1)), datetime.date(1990, 1, 1))

    def birth_date(self, household_birth: datetime.date) -> str:
        """Return a DDMMYY birth date within about five years of ``household_birth``.

        Every date lies from 1924 to 1995, in the 1900s that the hyphen of the code stands for.
        """
        born = household_birth + datetime.timedelta(days=self.rng.randint(-2000, 2000))
        return born.strftime("%d%m%y")

    def ownership_start(self, completion_year: int) -> str:
        """Return a YYYYMMDD date from 1975, or the completion year if later, to 2025."""
        earliest = datetime.date(max(1975, completion_year), 1, 1)
        days = (LATEST_OWNERSHIP_START - earliest).days
        start = earliest + datetime.timedelta(days=self.rng.randint(0, days))
        return start.strftime("%Y%m%d")


def _organisation_owner(organisation: Organisation, start: str) -> Owner:
    return Owner(
        business_id=organisation.business_id,
        owner_type=organisation.owner_type,
        type_code=organisation.owner_type,
        name=organisation.name,
        ownership_start=start,
    )


def _address(street: str, house_number: int, address_number: int, place: Place) -> Address:
    return Address(
        street_name_fi=street,
        house_number=str(house_number),
        address_number=address_number,
        postal_code=place.postal_code,
        post_office_fi=place.post_office,
        post_office_sv=place.post_office,
    )


def full_date_or_none(date_text: str) -> str | None:
    """Return a DVV date text that has a month and a day, or None for a partial date."""
    return None if date_text.endswith("00") else date_text


def demo_buildings() -> list[Building]:
    """Return the buildings of the demo extract with the deliberate data-quality issues."""
    buildings = _Generator(SEED).buildings()
    _add_quality_issues(buildings)
    check_codes(buildings)
    return buildings


def _add_quality_issues(buildings: list[Building]) -> None:
    garage = _building_of(buildings, CHECK_FAILURE_BUILDING)
    # valid_prt puts the running number in the second to ninth character.
    garage.prt = prt_with_wrong_check(int(str(garage.prt)[1:9]))

    sauna = _building_of(buildings, UNKNOWN_CODE_BUILDING)
    sauna.use_class_1994 = UNKNOWN_CODE
    sauna.building_class_2018 = None

    warehouse = _building_of(buildings, INVALID_AREA_BUILDING)
    warehouse.gross_floor_area = INVALID_AREA
    warehouse.total_area = INVALID_AREA_TOTAL
    warehouse.volume = INVALID_AREA_VOLUME


def _building_of(buildings: list[Building], key: tuple[str, str]) -> Building:
    property_name, building_number = key
    return next(
        building
        for building in buildings
        if building.property_name == property_name and building.building_number == building_number
    )


def check_codes(buildings: Sequence[Building]) -> None:
    """Raise ValueError for a code that is not in its code list, except ``UNKNOWN_CODE``."""
    for building in buildings:
        for list_id, value in _coded_values(building):
            if value is None or (list_id == "use_class_1994" and value == UNKNOWN_CODE):
                continue
            if lookup_code(list_id, str(value)) is None:
                raise ValueError(
                    f"building {building.prt}: code {value!r} is not in code list {list_id}. "
                    "Choose a code of that list in KINDS, PLACES or SITES."
                )


def _coded_values(building: Building) -> Iterator[tuple[str, Cell]]:
    for attribute, list_id in CODED_ATTRIBUTES.items():
        yield list_id, getattr(building, attribute)
    for header, list_id in CODED_EXTRA_COLUMNS.items():
        yield list_id, building.extra.get(header)


def demo_settings() -> dict[str, object]:
    """Return the contents of demo.json: the import options of ``tilaapp demo``."""
    return {
        "description": DESCRIPTION,
        "home_municipality": HOME_MUNICIPALITY,
        "owner_business_ids": [
            MUNICIPALITY_BUSINESS_ID,
            HOUSING_COMPANY_BUSINESS_ID,
            JOINT_AUTHORITY_BUSINESS_ID,
        ],
        "extraction_date": EXTRACTION_DATE.isoformat(),
    }


def write_demo_extract(path: Path) -> Path:
    """Write the demo workbook to ``path`` with document properties marking it as demo data."""
    write_extract(path, demo_buildings(), extra_columns=EXTRA_COLUMNS)

    workbook = load_workbook(path)
    properties = workbook.properties
    properties.title = DOCUMENT_TITLE
    properties.subject = DOCUMENT_SUBJECT
    properties.keywords = "DEMO"
    properties.creator = "devtools.make_demo_extract"
    properties.created = datetime.datetime.combine(EXTRACTION_DATE, datetime.time())
    workbook.save(path)
    return path


def write_demo(folder: Path) -> tuple[Path, Path]:
    """Write the demo workbook and demo.json to ``folder`` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    workbook = write_demo_extract(folder / WORKBOOK_NAME)
    settings = folder / SETTINGS_NAME
    text = json.dumps(demo_settings(), ensure_ascii=False, indent=2)
    settings.write_text(text + "\n", encoding="utf-8")
    return workbook, settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output-folder",
        type=Path,
        default=DEFAULT_OUTPUT_FOLDER,
        help="folder for demo_extract.xlsx and demo.json (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    workbook, settings = write_demo(args.output_folder)
    log.info("Wrote %s and %s", workbook, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
