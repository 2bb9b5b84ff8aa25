"""Sort keys of Finnish and Swedish text: alphabet, case, accents and numbers."""

from __future__ import annotations

import random

import pytest

from tilaapp.domain.collation import sort_key


def _sorted(texts: list[str]) -> list[str]:
    return sorted(texts, key=sort_key)


def test_nordic_letters_after_z() -> None:
    streets = ["Öljytie", "Ängestie", "Åkerikuja", "Zetorinkatu", "Ylätie", "Aapiskuja"]
    assert _sorted(streets) == [
        "Aapiskuja",
        "Ylätie",
        "Zetorinkatu",
        "Åkerikuja",
        "Ängestie",
        "Öljytie",
    ]


def test_swedish_place_names() -> None:
    places = ["Östermalm", "Åbo", "Ängelholm", "Zürich", "Vasa", "Wasa"]
    assert _sorted(places) == ["Vasa", "Wasa", "Zürich", "Åbo", "Ängelholm", "Östermalm"]


def test_numbers_in_natural_order() -> None:
    addresses = ["Koulutie 10", "Koulutie 2", "Koulutie 1 B", "Koulutie 1 A", "Koulutie 100"]
    assert _sorted(addresses) == [
        "Koulutie 1 A",
        "Koulutie 1 B",
        "Koulutie 2",
        "Koulutie 10",
        "Koulutie 100",
    ]


def test_house_number_before_postal_code() -> None:
    addresses = ["Koulutie 10, 15100 Lahti", "Koulutie 9, 15900 Lahti"]
    assert _sorted(addresses) == ["Koulutie 9, 15900 Lahti", "Koulutie 10, 15100 Lahti"]


def test_street_before_its_numbers() -> None:
    assert sort_key("Koulutie") < sort_key("Koulutie 1")


def test_numbers_before_letters() -> None:
    assert sort_key("Talo 9") < sort_key("Talo A")


def test_case_ignored() -> None:
    assert sort_key("KOULUMÄKI") == sort_key("koulumäki")


def test_upper_case_nordic_letters() -> None:
    assert sort_key("ÅÄÖ") == sort_key("åäö")


@pytest.mark.parametrize(
    ("variant", "equivalent"),
    [("Æble", "Äble"), ("Ørsted", "Örsted"), ("Müller", "Myller"), ("Émile", "Emile")],
)
def test_letter_equivalents(variant: str, equivalent: str) -> None:
    assert sort_key(variant) == sort_key(equivalent)


def test_decomposed_ring_sorts_as_a_ring() -> None:
    assert sort_key("A\u030abo") == sort_key("Åbo")


def test_v_and_w_separate() -> None:
    assert sort_key("Wahlroos") > sort_key("Vuorinen")


def test_leading_zeros_ignored() -> None:
    assert sort_key("Tie 007") == sort_key("Tie 7")


def test_long_numbers_in_order() -> None:
    assert sort_key("39840100010001") < sort_key("398401000100010")


def test_braces_do_not_sort_as_nordic_letters() -> None:
    assert sort_key("{a}") != sort_key("åa")


def test_stable_for_equal_keys() -> None:
    names = ["koulu", "KOULU", "Koulu", "kOULU"]
    shuffled = names[:]
    random.Random(1).shuffle(shuffled)
    assert _sorted(shuffled) == shuffled
