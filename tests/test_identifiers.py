"""Tests of building, property, municipality and business identifiers."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from tilaapp.domain.identifiers import (
    PRT_CHECK_ALPHABET,
    IdentifierStatus,
    check_business_id,
    check_permanent_building_identifier,
    format_old_building_identifier,
    format_property_identifier,
    normalise_building_number,
    normalise_business_id,
    normalise_municipality_code,
    normalise_permanent_building_identifier,
    normalise_property_identifier,
    parse_old_building_identifier,
    prt_check_character,
)

PRT_SAMPLES = Path(__file__).parent / "data" / "prt_samples.csv"


def read_sample_identifiers() -> list[str]:
    with PRT_SAMPLES.open(encoding="utf-8", newline="") as sample_file:
        return [row[0] for row in csv.reader(sample_file, delimiter=";")]


# Permanent building identifier (VTJ-PRT)


def test_prt_alphabet_has_31_characters() -> None:
    assert len(PRT_CHECK_ALPHABET) == 31
    assert len(set(PRT_CHECK_ALPHABET)) == 31


def test_prt_samples_all_valid() -> None:
    identifiers = read_sample_identifiers()

    assert len(identifiers) == 57
    failing = [
        identifier
        for identifier in identifiers
        if check_permanent_building_identifier(identifier) is not IdentifierStatus.VALID
    ]
    assert failing == []


def test_prt_samples_cover_digits_and_letters() -> None:
    check_characters = {identifier[9] for identifier in read_sample_identifiers()}

    assert check_characters & set("0123456789")
    assert check_characters & set("ABCDEFHJKLMNPRSTUVWXY")


def test_prt_check_character_of_sample() -> None:
    assert prt_check_character("100170070") == "K"


def test_prt_check_character_digit_result() -> None:
    assert prt_check_character("100788507") == "5"


@pytest.mark.parametrize("body", ["10017007", "1001700700", "10017007A", "", "１００１７００７０"])
def test_prt_check_character_rejects_bad_body(body: str) -> None:
    with pytest.raises(ValueError):
        prt_check_character(body)


def test_prt_dvv_illustration_fails_check() -> None:
    assert check_permanent_building_identifier("100012345A") is IdentifierStatus.CHECK_FAILED


def test_prt_wrong_check_character_fails_check() -> None:
    assert check_permanent_building_identifier("100170070L") is IdentifierStatus.CHECK_FAILED


def test_prt_all_digits_check_failed() -> None:
    # Ten digits starting with 1 are well formed: check characters include the digits.
    # 123456789 % 31 == 2, so the check character would be "2".
    assert check_permanent_building_identifier("1234567890") is IdentifierStatus.CHECK_FAILED
    assert check_permanent_building_identifier("1234567892") is IdentifierStatus.VALID


@pytest.mark.parametrize(
    "identifier",
    [
        "200000000A",  # does not start with 1
        "12345678A",  # nine characters
        "10001234A5",  # letter among the digits
        "100170070KK",  # eleven characters
        "",
        "100170070G",  # G is no check character
        "100170070O",  # O is no check character
        "100170070k",  # not normalised to upper case
        " 100170070K",  # not stripped
    ],
)
def test_prt_malformed(identifier: str) -> None:
    assert check_permanent_building_identifier(identifier) is IdentifierStatus.MALFORMED


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" 100170070k ", "100170070K"),
        ("100170070K", "100170070K"),
        (1007885075, "1007885075"),
        (1007885075.0, "1007885075"),
        (Decimal("1007885075"), "1007885075"),
        ("\u00a0100170070K\t", "100170070K"),
    ],
)
def test_prt_normalise(value: object, expected: str) -> None:
    assert normalise_permanent_building_identifier(value) == expected


@pytest.mark.parametrize("value", [None, "", " ", "\t\n"])
def test_prt_normalise_empty(value: object) -> None:
    assert normalise_permanent_building_identifier(value) is None


@pytest.mark.parametrize("value", [1007885075.5, float("nan"), True, [1]])
def test_prt_normalise_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        normalise_permanent_building_identifier(value)


# Municipality code


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (98, "098"),
        ("98", "098"),
        (" 098 ", "098"),
        (98.0, "098"),
        (5, "005"),
        ("5", "005"),
        (398, "398"),
        ("091", "091"),
    ],
)
def test_municipality_code_normalise(value: object, expected: str) -> None:
    assert normalise_municipality_code(value) == expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_municipality_code_empty(value: object) -> None:
    assert normalise_municipality_code(value) is None


@pytest.mark.parametrize(
    "value", ["abc", "09a", "-98", -98, 1000, "1000", "0098", 98.5, True, "9 8", "٩٨"]
)
def test_municipality_code_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        normalise_municipality_code(value)


# Property identifier (kiinteistötunnus)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00540100051129", "00540100051129"),
        (" 00540100051129 ", "00540100051129"),
        ("5-401-5-1129", "00540100051129"),
        ("005-401-0005-1129", "00540100051129"),
        (540100051129, "00540100051129"),
        (540100051129.0, "00540100051129"),
        ("540100051129", "00540100051129"),
        (9100600760006, "09100600760006"),
        (39800100010001, "39800100010001"),
        ("00540100051129M0001", "00540100051129M0001"),
        ("00540100051129m0001", "00540100051129M0001"),
        ("5-401-5-1129-M1", "00540100051129M0001"),
        ("5-401-5-1129-m601", "00540100051129M0601"),
    ],
)
def test_property_identifier_normalise(value: object, expected: str) -> None:
    assert normalise_property_identifier(value) == expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_property_identifier_empty(value: object) -> None:
    assert normalise_property_identifier(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "05401000511",  # 11 digits: more than two leading zeros would be missing
        54010005112,
        "0054010005112",  # 13 digits padded to municipality 000
        "005401000511290",  # 15 digits
        "5-401-5",  # three parts
        "5-401-5-1129-1",  # fifth part without M
        "5-4011-5-1129",  # village part of four digits
        "5-401-5-11290",  # unit part of five digits
        "0-401-5-1129",  # municipality 000
        "00040100051129",
        "00540100051129M1",  # parcel number not four digits in the long form
        "540100051129M0001",  # parcel after a long form without its leading zeros
        "5 401 5 1129",
        "abc",
        540100051129.5,
        True,
    ],
)
def test_property_identifier_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        normalise_property_identifier(value)


@pytest.mark.parametrize(
    ("long_form", "expected"),
    [
        ("00540100051129", "5-401-5-1129"),
        ("39800100010001", "398-1-1-1"),
        ("09100600760006", "91-6-76-6"),
        ("00540100051129M0001", "5-401-5-1129-M1"),
        ("00540100051129M0601", "5-401-5-1129-M601"),
        ("12300000000000", "123-0-0-0"),
    ],
)
def test_property_identifier_format(long_form: str, expected: str) -> None:
    assert format_property_identifier(long_form) == expected


@pytest.mark.parametrize("long_form", ["5-401-5-1129", "540100051129", "00540100051129M1", ""])
def test_property_identifier_format_rejects(long_form: str) -> None:
    with pytest.raises(ValueError):
        format_property_identifier(long_form)


@pytest.mark.parametrize("long_form", ["00540100051129", "00540100051129M0001", "99912345678901"])
def test_property_identifier_round_trip(long_form: str) -> None:
    assert normalise_property_identifier(format_property_identifier(long_form)) == long_form


# Building number and old building identifier


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", "001"), (1, "001"), (1.0, "001"), (" 12 ", "012"), ("001", "001"), (999, "999")],
)
def test_building_number_normalise(value: object, expected: str) -> None:
    assert normalise_building_number(value) == expected


@pytest.mark.parametrize("value", [None, "", " "])
def test_building_number_empty(value: object) -> None:
    assert normalise_building_number(value) is None


@pytest.mark.parametrize("value", ["1000", 1000, "0001", "A1", "-1", -1, 1.5, False])
def test_building_number_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        normalise_building_number(value)


def test_old_identifier_format() -> None:
    assert format_old_building_identifier("39800100010001", "001") == "39800100010001-001"


@pytest.mark.parametrize(
    ("property_identifier", "building_number"),
    [
        ("398-1-1-1", "001"),
        ("39800100010001", "1"),
        ("3980010001000", "001"),
        ("00540100051129M0001", "001"),
    ],
)
def test_old_identifier_format_rejects(property_identifier: str, building_number: str) -> None:
    with pytest.raises(ValueError):
        format_old_building_identifier(property_identifier, building_number)


def test_old_identifier_parse() -> None:
    assert parse_old_building_identifier("39800100010001-001") == ("39800100010001", "001")


def test_old_identifier_parse_strips() -> None:
    assert parse_old_building_identifier(" 39800100010001-001\n") == ("39800100010001", "001")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "100170070K",
        "39800100010001001",
        "39800100010001-01",
        "398-1-1-1-001",
        "39800100010001-0011",
        "39800100010001 001",
    ],
)
def test_old_identifier_parse_other_forms(text: str) -> None:
    assert parse_old_building_identifier(text) is None


def test_old_identifier_round_trip() -> None:
    parts = parse_old_building_identifier("09100600760006-012")

    assert parts is not None
    assert format_old_building_identifier(*parts) == "09100600760006-012"


# Business ID (Y-tunnus)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1234567-1", "1234567-1"), (" 0000001-9 ", "0000001-9"), ("1234567-2", "1234567-2")],
)
def test_business_id_normalise(value: object, expected: str) -> None:
    assert normalise_business_id(value) == expected


@pytest.mark.parametrize("value", [None, "", "  "])
def test_business_id_empty(value: object) -> None:
    assert normalise_business_id(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "123456-7",  # six digits: the leading zero is missing
        "12345671",
        "1234567 1",
        "1234567-12",
        "FI12345671",
        "abcdefg-h",
        12345671,
    ],
)
def test_business_id_normalise_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        normalise_business_id(value)


@pytest.mark.parametrize(
    "business_id",
    [
        "1234567-1",  # weighted sum 153, remainder 10, check 1
        "0000000-0",  # remainder 0, check 0
        "0000001-9",  # remainder 2, check 9
    ],
)
def test_business_id_check_valid(business_id: str) -> None:
    assert check_business_id(business_id) is True


@pytest.mark.parametrize("business_id", ["1234567-2", "0000001-0", "0000000-1"])
def test_business_id_check_wrong_digit(business_id: str) -> None:
    assert check_business_id(business_id) is False


@pytest.mark.parametrize("check_digit", "0123456789")
def test_business_id_remainder_one_never_valid(check_digit: str) -> None:
    # Weighted sum of 0000006 is 6 * 2 = 12, remainder 1.
    assert check_business_id(f"0000006-{check_digit}") is False


@pytest.mark.parametrize("business_id", ["123456-7", "", "12345671"])
def test_business_id_check_bad_shape(business_id: str) -> None:
    assert check_business_id(business_id) is False
