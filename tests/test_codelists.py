"""Tests of the bundled code lists, the 1994-2018 crosswalk and the DVV-Ryhti mapping."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from importlib import resources

import pytest

from tilaapp.domain import codelists as cl
from tilaapp.domain.reference_files import read_reference_table
from tilaapp.i18n import current_language, set_language

RESOURCES = resources.files("tilaapp") / "resources"

# DVV lists whose every code must have a row in the mapping (a target or a note).
MAPPED_DVV_LISTS = (
    "dvv_heating_method",
    "dvv_heating_energy_source",
    "dvv_facade_material",
    "dvv_load_bearing_material",
    "dvv_usage_status",
    "dvv_construction_method",
)


@pytest.fixture(autouse=True)
def english_ui() -> Iterator[None]:
    """Run each test with the English UI, which needs no catalogue."""
    previous = current_language()
    set_language("en")
    yield
    set_language(previous)


def codes_of(list_id: str) -> list[str]:
    return [entry.code for entry in cl.list_codes(list_id)]


def test_list_ids_include_required() -> None:
    required = {
        "municipality",
        "strategy",
        "use_class_1994",
        "building_class_2018",
        "dvv_facade_material",
        "dvv_load_bearing_material",
        "dvv_heating_method",
        "dvv_heating_energy_source",
        "dvv_usage_status",
        "dvv_site_tenure",
        "dvv_construction_method",
        "dvv_coordinate_accuracy",
        "dvv_open_use_class",
        "ryhti_heating_method",
        "ryhti_heating_energy_source",
        "ryhti_facade_material",
        "ryhti_load_bearing_material",
        "ryhti_main_purpose_open",
    }
    assert required - set(cl.code_list_ids()) == set()


def test_class_2018_count() -> None:
    assert len(codes_of("building_class_2018")) == 98


def test_class_1994_count() -> None:
    assert len(codes_of("use_class_1994")) == 77


def test_main_class_count() -> None:
    main_classes = {cl.main_class_2018(code) for code in codes_of("building_class_2018")}
    assert len(main_classes) == 15


def test_list_ids_exclude_lists_without_codes() -> None:
    assert "dvv_building_status" not in cl.code_list_ids()


def test_list_codes_municipality_count() -> None:
    assert len(cl.list_codes("municipality")) == 309


def test_list_codes_file_order() -> None:
    codes = [entry.code for entry in cl.list_codes("strategy")]
    assert codes == ["keep", "develop", "dispose"]


def test_list_codes_without_published_codes() -> None:
    assert cl.list_codes("dvv_building_status") == ()


def test_lookup_code_entry() -> None:
    entry = cl.lookup_code("use_class_1994", "011")
    assert entry == cl.Code("use_class_1994", "011", "Yhden asunnon talo", "Hus med en bostad")


def test_lookup_code_missing() -> None:
    assert cl.lookup_code("use_class_1994", "012X") is None


def test_lookup_code_municipality() -> None:
    entry = cl.lookup_code("municipality", "091")
    assert entry is not None
    assert entry.name_sv == "Helsingfors"


def test_is_known_code_merged_municipality() -> None:
    assert not cl.is_known_code("municipality", "099")


def test_is_known_code_strategy() -> None:
    assert cl.is_known_code("strategy", "dispose")


def test_is_known_code_list_without_codes() -> None:
    assert not cl.is_known_code("dvv_building_status", "20")


@pytest.mark.parametrize(
    "call",
    [
        lambda: cl.lookup_code("no_such_list", "1"),
        lambda: cl.is_known_code("no_such_list", "1"),
        lambda: cl.code_name("no_such_list", "1"),
        lambda: cl.normalise_code("no_such_list", "1"),
        lambda: cl.map_dvv_to_ryhti("no_such_list", "1"),
    ],
)
def test_unknown_list_raises(call: object) -> None:
    with pytest.raises(KeyError, match="no_such_list"):
        call()  # type: ignore[operator]


def test_code_name_unknown_code() -> None:
    assert cl.code_name("dvv_heating_method", "8") == "code 8, no name"


def test_code_name_swedish() -> None:
    assert cl.code_name("use_class_1994", "931", "sv") == "Bastubyggnader"


def test_code_name_finnish_where_no_swedish() -> None:
    assert cl.code_name("building_class_2018", "0110", "sv") == "Omakotitalot"


def test_code_name_english_is_finnish() -> None:
    assert cl.code_name("dvv_site_tenure", "2", "en") == "Vuokrattu"


@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("fi", ("Asuin- tai toimitilarakennus", "Tuotantorakennus tai muu rakennus")),
        ("sv", ("Bostads- eller verksamhetsbyggnad", "Produktionsbyggnad eller annan byggnad")),
        ("en", ("Residential or business premises building",
                "Production building or other building")),
    ],
)  # fmt: skip
def test_open_use_class_names(language: str, names: tuple[str, str]) -> None:
    assert cl.code_name("dvv_open_use_class", "1", language) == names[0]
    assert cl.code_name("dvv_open_use_class", "2", language) == names[1]


def test_code_name_in_ui_language() -> None:
    set_language("sv")
    assert cl.code_name("dvv_open_use_class", "2") == "Produktionsbyggnad eller annan byggnad"


def test_open_use_class_translations_marked() -> None:
    provenance = (RESOURCES / "PROVENANCE.md").read_text(encoding="utf-8")
    start = provenance.index("**Translated by the tilaapp project:**")
    section = provenance[start : provenance.index("\n\n##", start)]
    entries = cl.list_codes("dvv_open_use_class")
    own = [entry.name_sv for entry in entries] + [entry.name_en for entry in entries]
    assert [name for name in own if name is None or name not in section] == []


def test_code_name_unconfirmed_marked() -> None:
    assert cl.code_name("ryhti_main_purpose_open", "03", "fi") == "Talousrakennus (unconfirmed)"


def test_code_name_municipality() -> None:
    assert cl.code_name("municipality", "853", "sv") == "Åbo"


def test_code_name_merged_municipality() -> None:
    assert cl.code_name("municipality", "099") == "Honkajoki"


def test_code_name_strategy() -> None:
    assert cl.code_name("strategy", "keep", "sv") == "Upprätthålls"


@pytest.mark.parametrize(
    ("list_id", "correct"),
    [
        ("dvv_load_bearing_material", ("4", "Trä")),
        ("dvv_heating_energy_source", ("07", "Trä")),
        ("dvv_heating_method", ("1", "Vattencentralvärme")),
        ("dvv_usage_status", ("01", "Används för varaktigt boende")),
        ("dvv_usage_status", ("04", "Används för annat tillfälligt boende")),
        ("dvv_usage_status", ("06", "Riven på grund av nybyggnad")),
    ],
)
def test_dvv_swedish_typos_fixed(list_id: str, correct: tuple[str, str]) -> None:
    code, name_sv = correct
    assert cl.code_name(list_id, code, "sv") == name_sv


def test_dvv_facade_metal_sheet_in_finnish() -> None:
    assert cl.code_name("dvv_facade_material", "3", "sv") == "Metallilevy"


@pytest.mark.parametrize(
    ("list_id", "value", "expected"),
    [
        ("use_class_1994", 98, "098"),
        ("use_class_1994", "11", "011"),
        ("building_class_2018", 110, "0110"),
        ("building_class_2018", 110.0, "0110"),
        ("building_class_2018", Decimal("110"), "0110"),
        ("building_class_2018", " 0110 ", "0110"),
        ("dvv_heating_energy_source", 1, "01"),
        ("dvv_usage_status", 1, "01"),
        ("dvv_heating_method", 3, "3"),
        ("dvv_coordinate_accuracy", "A", "A"),
        ("dvv_coordinate_accuracy", 4, "4"),
        ("ryhti_heating_energy_source", 1101, "1101"),
        ("ryhti_heating_energy_source", "9", "09"),
        ("municipality", 91, "091"),
        ("strategy", " keep ", "keep"),
        ("building_class_2018", "abc", "abc"),
        ("building_class_2018", 110.5, "110.5"),
        ("dvv_building_status", 20, "20"),
    ],
)
def test_normalise_code(list_id: str, value: object, expected: str) -> None:
    assert cl.normalise_code(list_id, value) == expected


@pytest.mark.parametrize("value", [None, "", " ", float("nan")])
def test_normalise_code_empty(value: object) -> None:
    assert cl.normalise_code("use_class_1994", value) is None


def test_main_class_2018() -> None:
    assert cl.main_class_2018("0110") == "01"


def test_main_class_2018_of_padded_number() -> None:
    assert cl.main_class_2018("110") == "01"


@pytest.mark.parametrize("code", ["01", "9999", "abcd", ""])
def test_main_class_2018_invalid(code: str) -> None:
    assert cl.main_class_2018(code) is None


def test_main_class_name_finnish() -> None:
    assert cl.main_class_name("14", "fi") == "Maatalousrakennukset ja eläinsuojat"


def test_main_class_name_swedish() -> None:
    assert cl.main_class_name("01", "sv") == "Bostadsbyggnader"


def test_main_class_every_class_has_main_class() -> None:
    missing = [code for code in codes_of("building_class_2018") if cl.main_class_2018(code) is None]
    assert missing == []


def test_crosswalk_every_1994_code_valid_target() -> None:
    invalid = {
        code: cl.crosswalk_1994_to_2018(code)
        for code in codes_of("use_class_1994")
        if not cl.is_known_code("building_class_2018", cl.crosswalk_1994_to_2018(code) or "")
    }
    assert invalid == {}


def test_crosswalk_covers_every_1994_code() -> None:
    rows = read_reference_table("crosswalk_1994_to_2018.csv", ("code_1994",))
    assert sorted(row["code_1994"] for row in rows) == sorted(codes_of("use_class_1994"))


@pytest.mark.parametrize(
    ("code_1994", "code_2018"),
    [("011", "0110"), ("021", "0112"), ("231", "0810"), ("931", "1910"), ("999", "1919")],
)
def test_crosswalk_by_meaning(code_1994: str, code_2018: str) -> None:
    assert cl.crosswalk_1994_to_2018(code_1994) == code_2018


def test_crosswalk_unknown_code() -> None:
    assert cl.crosswalk_1994_to_2018("000") is None


def test_building_class_register_wins() -> None:
    assert cl.building_class_2018_for("0400", "011") == ("0400", "register")


def test_building_class_register_padded() -> None:
    assert cl.building_class_2018_for("110", None) == ("0110", "register")


def test_building_class_from_crosswalk() -> None:
    assert cl.building_class_2018_for(None, "151") == ("0400", "crosswalk")


def test_building_class_empty_register_uses_crosswalk() -> None:
    assert cl.building_class_2018_for(" ", "941") == ("1911", "crosswalk")


def test_building_class_unknown() -> None:
    assert cl.building_class_2018_for(None, "000") == (None, "unknown")


def test_building_class_nothing() -> None:
    assert cl.building_class_2018_for(None, None) == (None, "unknown")


def test_mapping_rows_refer_to_existing_codes() -> None:
    columns = ("dvv_list_id", "dvv_code", "ryhti_list_id", "ryhti_code")
    invalid = [
        row
        for row in read_reference_table("mapping_dvv_to_ryhti.csv", columns)
        if not cl.is_known_code(row["dvv_list_id"], row["dvv_code"])
        or (row["ryhti_code"] and not cl.is_known_code(row["ryhti_list_id"], row["ryhti_code"]))
    ]
    assert invalid == []


def test_mapping_rows_without_target_have_note() -> None:
    columns = ("dvv_code", "ryhti_code", "note")
    rows = read_reference_table("mapping_dvv_to_ryhti.csv", columns)
    silent = [row for row in rows if not row["ryhti_code"] and not row["note"]]
    assert silent == []


@pytest.mark.parametrize("list_id", MAPPED_DVV_LISTS)
def test_mapping_covers_every_dvv_code(list_id: str) -> None:
    rows = read_reference_table("mapping_dvv_to_ryhti.csv", ("dvv_list_id", "dvv_code"))
    mapped = sorted(row["dvv_code"] for row in rows if row["dvv_list_id"] == list_id)
    assert mapped == sorted(codes_of(list_id))


def test_mapping_energy_source_other_is_99() -> None:
    target = cl.map_dvv_to_ryhti("dvv_heating_energy_source", "10")
    assert target == ("ryhti_heating_energy_source", "99")


def test_mapping_energy_source_10_not_solar() -> None:
    target = cl.map_dvv_to_ryhti("dvv_heating_energy_source", "10")
    assert target != ("ryhti_heating_energy_source", "10")


@pytest.mark.parametrize(
    ("list_id", "code", "target"),
    [
        ("dvv_heating_method", "3", ("ryhti_heating_method", "03")),
        ("dvv_heating_method", "4", ("ryhti_heating_method", "04")),
        ("dvv_heating_method", "5", ("ryhti_heating_method", "07")),
        ("dvv_facade_material", "7", ("ryhti_facade_material", "99")),
        ("dvv_load_bearing_material", "3", ("ryhti_load_bearing_material", "03")),
        ("dvv_load_bearing_material", "5", ("ryhti_load_bearing_material", "99")),
        ("dvv_heating_energy_source", 4, ("ryhti_heating_energy_source", "04")),
        ("dvv_usage_status", "02", ("ryhti_usage_status", "02")),
    ],
)
def test_mapping_by_meaning(list_id: str, code: str, target: tuple[str, str]) -> None:
    assert cl.map_dvv_to_ryhti(list_id, code) == target


def test_mapping_no_counterpart() -> None:
    assert cl.map_dvv_to_ryhti("dvv_usage_status", "12") is None


def test_mapping_list_without_ryhti_list() -> None:
    assert cl.map_dvv_to_ryhti("dvv_coordinate_accuracy", "A") is None


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "http://uri.suomi.fi/codelist/rytj/lammitystapa/code/03",
            ("ryhti_heating_method", "03"),
        ),
        (
            "https://uri.suomi.fi/codelist/rytj/lammitysenergianlahde/code/1101",
            ("ryhti_heating_energy_source", "1101"),
        ),
        (
            "http://uri.suomi.fi/codelist/vtj/rake_kaytossaolotilanne/code/05",
            ("ryhti_usage_status", "05"),
        ),
        (
            "http://uri.suomi.fi/codelist/jhs/rakennus_1_20180712/code/0110",
            ("building_class_2018", "0110"),
        ),
    ],
)
def test_ryhti_list_for_uri(uri: str, expected: tuple[str, str]) -> None:
    assert cl.ryhti_list_for_uri(uri) == expected


@pytest.mark.parametrize(
    "uri",
    [
        "http://uri.suomi.fi/codelist/rytj/Omistajalaji/code/1",
        "http://uri.suomi.fi/codelist/rytj/lammitystapa",
        "http://uri.suomi.fi/codelist/rytj/lammitystapa/code/",
        "http://example.org/codelist/rytj/lammitystapa/code/03",
        "03",
    ],
)
def test_ryhti_list_for_uri_none(uri: str) -> None:
    assert cl.ryhti_list_for_uri(uri) is None


def test_resources_have_version_and_source() -> None:
    lacking = []
    for resource in RESOURCES.iterdir():
        if not resource.name.endswith(".csv"):
            continue
        header = [
            line for line in resource.read_text(encoding="utf-8").splitlines() if line[:1] == "#"
        ]
        if not any(line.startswith("# version:") for line in header) or not any(
            line.startswith("# source:") for line in header
        ):
            lacking.append(resource.name)
    assert lacking == []


def test_provenance_describes_every_resource() -> None:
    provenance = (RESOURCES / "PROVENANCE.md").read_text(encoding="utf-8")
    undocumented = [
        resource.name
        for resource in RESOURCES.iterdir()
        if resource.name.endswith(".csv") and resource.name not in provenance
    ]
    assert undocumented == []


OPEN_DATA_CROSSWALK = "crosswalk_2018_to_open_data_classes.csv"


def test_open_data_crosswalk_covers_every_2018_class() -> None:
    rows = read_reference_table(OPEN_DATA_CROSSWALK, ("code_2018",))
    mapped = [row["code_2018"] for row in rows]

    assert len(mapped) == len(set(mapped))
    assert sorted(mapped) == sorted(codes_of("building_class_2018"))


@pytest.mark.parametrize("scheme", cl.OPEN_DATA_CLASS_SCHEMES)
def test_open_data_crosswalk_one_class_or_reason(scheme: str) -> None:
    rows = read_reference_table(OPEN_DATA_CROSSWALK, ("code_2018", scheme, "note"))
    for row in rows:
        target = row[scheme]
        if target:
            assert cl.is_known_code(scheme, target), (row["code_2018"], target)
            assert cl.open_data_class(scheme, row["code_2018"]) == target
        else:
            assert row["note"].strip(), row["code_2018"]
            assert cl.open_data_class(scheme, row["code_2018"]) is None


@pytest.mark.parametrize(
    ("code_2018", "ryhti", "dvv"),
    [("0110", "05", "1"), ("0121", "06", "1"), ("0211", "01", "1"), ("0400", "02", "1"),
     ("0810", "07", "1"), ("0910", "02", "2"), ("1910", "04", "2"), ("1911", "03", "2")],
)  # fmt: skip
def test_open_data_crosswalk_by_meaning(code_2018: str, ryhti: str, dvv: str) -> None:
    assert cl.open_data_class(cl.RYHTI_MAIN_PURPOSE_OPEN, code_2018) == ryhti
    assert cl.open_data_class(cl.DVV_OPEN_USE_CLASS, code_2018) == dvv


def test_open_data_class_padded_and_unknown() -> None:
    assert cl.open_data_class(cl.RYHTI_MAIN_PURPOSE_OPEN, "110") == "05"
    assert cl.open_data_class(cl.RYHTI_MAIN_PURPOSE_OPEN, "0615") is None
    with pytest.raises(KeyError):
        cl.open_data_class(cl.BUILDING_MAIN_CLASS_2018, "0110")


def test_open_data_crosswalk_rows_have_four_fields() -> None:
    text = (RESOURCES / OPEN_DATA_CROSSWALK).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]

    assert len(rows) == 99
    for line in rows:
        assert line.count(";") == 3, line
