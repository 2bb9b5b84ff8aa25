"""Tests of the bundled municipality, region, merger and population data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tilaapp.domain import municipalities as mun
from tilaapp.i18n import current_language, set_language


@pytest.fixture(autouse=True)
def english_ui() -> Iterator[None]:
    """Run each test with the English UI, which needs no catalogue."""
    previous = current_language()
    set_language("en")
    yield
    set_language(previous)


def test_municipalities_count() -> None:
    assert len(mun.municipalities()) == 309


def test_municipalities_list_year() -> None:
    assert mun.LIST_YEAR == 2023


def test_municipalities_codes_three_digits() -> None:
    malformed = [code for code in mun.municipalities() if len(code) != 3 or not code.isdigit()]
    assert malformed == []


def test_municipalities_every_region_named() -> None:
    regions = {m.region_code for m in mun.municipalities().values()}
    unnamed = [code for code in regions if mun.region_name(code, "fi").startswith("code ")]
    assert unnamed == []


def test_municipalities_copy_is_independent() -> None:
    copy = mun.municipalities()
    copy.clear()
    assert len(mun.municipalities()) == 309


def test_municipality_official_swedish_name() -> None:
    found = mun.municipality("010")
    assert found is not None
    assert found.name_sv == "Alavo"


@pytest.mark.parametrize(
    ("code", "name_sv"),
    [("081", "Gustav Adolfs"), ("503", "Virmo"), ("091", "Helsingfors"), ("853", "Åbo")],
)
def test_municipality_swedish_names(code: str, name_sv: str) -> None:
    assert mun.municipality_name(code, "sv") == name_sv


def test_municipality_without_swedish_name() -> None:
    assert mun.municipality_name("005", "sv") == "Alajärvi"


def test_municipality_finnish_name_of_pedersore() -> None:
    assert mun.municipality_name("599", "fi") == "Pedersören kunta"


def test_municipality_posti_spelling_kept_for_search() -> None:
    found = mun.municipality("010")
    assert found is not None
    assert "Alavus" in found.search_names


def test_municipality_name_english_is_finnish() -> None:
    assert mun.municipality_name("091", "en") == "Helsinki"


def test_municipality_name_default_language() -> None:
    assert mun.municipality_name("091") == "Helsinki"


def test_municipality_unknown_name() -> None:
    assert mun.municipality_name("999") == "code 999, no name"


def test_merger_honkajoki() -> None:
    assert mun.merger("099") == mun.Merger("099", "Honkajoki", "214", 2021)


def test_merger_code_not_current() -> None:
    assert mun.municipality("099") is None


def test_merger_target_is_current() -> None:
    assert mun.municipality("214") is not None


def test_merger_name_of_merged_code() -> None:
    assert mun.municipality_name("099", "sv") == "Honkajoki"


def test_mergers_list() -> None:
    assert mun.mergers() == [mun.Merger("099", "Honkajoki", "214", 2021)]


def test_merger_none_for_current() -> None:
    assert mun.merger("214") is None


def test_search_swedish_name() -> None:
    codes = [m.code for m in mun.search_municipalities("alavo")]
    assert codes == ["010"]


def test_search_without_diacritics() -> None:
    names = [m.name_fi for m in mun.search_municipalities("hameen", "fi")]
    assert names == ["Hämeenkyrö", "Hämeenlinna"]


def test_search_case_insensitive() -> None:
    codes = [m.code for m in mun.search_municipalities("HELSINGFORS")]
    assert codes == ["091"]


def test_search_code_prefix() -> None:
    codes = [m.code for m in mun.search_municipalities("09")]
    assert codes == ["090", "091", "092", "097", "098"]


def test_search_full_code() -> None:
    codes = [m.code for m in mun.search_municipalities(" 853 ")]
    assert codes == ["853"]


def test_search_prefix_before_substring() -> None:
    names = [m.name_fi for m in mun.search_municipalities("joki", "fi")]
    assert names[0] == "Jokioinen"
    assert "Eurajoki" in names[1:]


def test_search_other_spelling_of_pedersore() -> None:
    codes = [m.code for m in mun.search_municipalities("Pedersore")]
    assert codes == ["599"]


def test_search_no_match() -> None:
    assert mun.search_municipalities("xyzzy") == []


def test_search_empty_returns_all() -> None:
    assert len(mun.search_municipalities("  ")) == 309


def test_search_order_finnish() -> None:
    names = [m.name_fi for m in mun.search_municipalities("", "fi")]
    assert names[-2:] == ["Ähtäri", "Äänekoski"]


def test_search_order_swedish() -> None:
    names = [m.name_sv for m in mun.search_municipalities("", "sv")]
    assert names[-4:] == ["Åbo", "Äänekoski", "Östermark", "Övertorneå"]


def test_collation_nordic_letters_after_z() -> None:
    names = ["Öja", "Ähtäri", "Åbo", "Zürich", "Aura", "Ylöjärvi", "Ypäjä"]
    ordered = sorted(names, key=mun.collation_key)
    assert ordered == ["Aura", "Ylöjärvi", "Ypäjä", "Zürich", "Åbo", "Ähtäri", "Öja"]


def test_collation_accent_sorts_as_base_letter() -> None:
    ordered = sorted(["Ekenäs", "Éclair", "Eura"], key=mun.collation_key)
    assert ordered == ["Éclair", "Ekenäs", "Eura"]


def test_collation_u_umlaut_sorts_as_y() -> None:
    ordered = sorted(["Yxpila", "Ümit", "Ypäjä"], key=mun.collation_key)
    assert ordered == ["Ümit", "Ypäjä", "Yxpila"]


def test_fold_for_search() -> None:
    assert mun.fold_for_search("  Hämeen  Linna ") == "hameen linna"


def test_population_helsinki() -> None:
    found = mun.population("091")
    assert found is not None
    assert found.population == 656_920


def test_population_year_and_source() -> None:
    found = mun.population("091")
    assert found is not None
    assert found.year == 2020
    assert "Statistics Finland" in found.source


def test_population_sum() -> None:
    total = sum(
        found.population for code in mun.municipalities() if (found := mun.population(code))
    )
    assert total == 5_533_793


def test_population_every_municipality() -> None:
    missing = [code for code in mun.municipalities() if mun.population(code) is None]
    assert missing == []


def test_population_merged_code_none() -> None:
    assert mun.population("099") is None


@pytest.mark.parametrize(
    ("population", "expected"),
    [
        (0, 1),
        (4_999, 1),
        (5_000, 2),
        (9_999, 2),
        (10_000, 3),
        (19_999, 3),
        (20_000, 4),
        (39_999, 4),
        (40_000, 5),
        (99_999, 5),
        (100_000, 6),
        (656_920, 6),
    ],
)
def test_size_class_boundaries(population: int, expected: int) -> None:
    assert mun.size_class(population) == expected


def test_size_class_negative_rejected() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        mun.size_class(-1)


@pytest.mark.parametrize(
    ("code", "language", "name"),
    [
        ("02", "fi", "Varsinais-Suomi"),
        ("02", "sv", "Egentliga Finland"),
        ("02", "en", "Southwest Finland"),
        ("21", "sv", "Åland"),
    ],
)
def test_region_name(code: str, language: str, name: str) -> None:
    assert mun.region_name(code, language) == name


def test_region_count() -> None:
    regions = {m.region_code for m in mun.municipalities().values()}
    assert len(regions) == 19


def test_region_unknown_name() -> None:
    assert mun.region_name("03") == "code 03, no name"


def test_read_reference_table_missing_column() -> None:
    with pytest.raises(mun.ReferenceDataError, match="no column nonexistent"):
        mun.read_reference_table("regions.csv", ("code", "nonexistent"))


def test_read_reference_table_missing_file() -> None:
    with pytest.raises(mun.ReferenceDataError, match="missing"):
        mun.read_reference_table("no_such_file.csv", ("code",))
