"""Tests of Finnish number, yes/no and money parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tilaapp.domain.numbers import (
    cents_to_money,
    decimal_to_text,
    money_to_cents,
    parse_boolean,
    parse_decimal,
    parse_integer,
)

# parse_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234,5", "1234.5"),
        ("1234.5", "1234.5"),
        ("1 234,5", "1234.5"),
        ("1\u00a0234,5", "1234.5"),
        ("1\u202f234,5", "1234.5"),
        ("12 345 678,25", "12345678.25"),
        ("-12,5", "-12.5"),
        ("\u221212,5", "-12.5"),
        ("\u22121\u00a0234,5", "-1234.5"),
        (" 280 ", "280"),
        ("0,1", "0.1"),
        ("1,50", "1.50"),
        ("007", "7"),
        ("1234", "1234"),
        (280, "280"),
        (-3, "-3"),
    ],
)
def test_decimal_parse_text_and_int(value: object, expected: str) -> None:
    result = parse_decimal(value)

    assert result == Decimal(expected)
    assert str(result) == expected


def test_decimal_parse_keeps_written_digits() -> None:
    assert str(parse_decimal("1450,50")) == "1450.50"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (280.0, "280"),
        (0.1, "0.1"),
        (1450.5, "1450.5"),
        (-12.5, "-12.5"),
        (0.3, "0.3"),
        (1e20, "100000000000000000000"),
        (1e-7, "1E-7"),
        (-0.0, "0"),
        (123456.789, "123456.789"),
    ],
)
def test_decimal_parse_float_shortest(value: float, expected: str) -> None:
    assert str(parse_decimal(value)) == expected


def test_decimal_parse_float_not_binary_expansion() -> None:
    assert parse_decimal(0.1) != Decimal.from_float(0.1)


def test_decimal_parse_decimal_unchanged() -> None:
    assert str(parse_decimal(Decimal("2.50"))) == "2.50"


@pytest.mark.parametrize("value", ["-0", "-0,00", "\u22120"])
def test_decimal_parse_negative_zero_is_zero(value: str) -> None:
    result = parse_decimal(value)

    assert result is not None
    assert result == 0
    assert not result.is_signed()


@pytest.mark.parametrize("value", [None, "", "   ", "\u00a0"])
def test_decimal_parse_empty(value: object) -> None:
    assert parse_decimal(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "12,3,4",
        "1.234,5",
        "abc",
        "1 23,4",  # group of two digits
        "1  234",
        "1234 567",
        ",5",
        "5,",
        "1e5",
        "+5",
        "--5",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "12 m²",
        "١٢",
        float("nan"),
        float("inf"),
        float("-inf"),
        Decimal("NaN"),
        Decimal("Infinity"),
        True,
        False,
        [1],
    ],
)
def test_decimal_parse_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_decimal(value)


# parse_integer


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4", 4),
        (4, 4),
        (4.0, 4),
        ("1 200", 1200),
        ("1\u00a0200", 1200),
        ("-3", -3),
        ("4,0", 4),
        (Decimal("4.00"), 4),
        (0, 0),
    ],
)
def test_integer_parse(value: object, expected: int) -> None:
    result = parse_integer(value)

    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("value", [None, "", " "])
def test_integer_parse_empty(value: object) -> None:
    assert parse_integer(value) is None


@pytest.mark.parametrize("value", [4.5, "4,5", Decimal("0.1"), "abc", True, float("nan")])
def test_integer_parse_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_integer(value)


# decimal_to_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1450.50"), "1450.5"),
        (Decimal("2.8E+2"), "280"),
        (Decimal("0"), "0"),
        (Decimal("0.000"), "0"),
        (Decimal("-0"), "0"),
        (Decimal("-0.00"), "0"),
        (Decimal("280.00"), "280"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("-12.50"), "-12.5"),
        (Decimal("100"), "100"),
        (
            Decimal("12345678901234567890123456789.123456789"),
            "12345678901234567890123456789.123456789",
        ),
    ],
)
def test_decimal_to_text(value: Decimal, expected: str) -> None:
    assert decimal_to_text(value) == expected


@pytest.mark.parametrize("text", ["1450.5", "280", "0.0000001", "-12.5"])
def test_decimal_to_text_round_trip(text: str) -> None:
    number = parse_decimal(text)

    assert number is not None
    assert decimal_to_text(number) == text


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_decimal_to_text_rejects_non_finite(value: Decimal) -> None:
    with pytest.raises(ValueError):
        decimal_to_text(value)


# parse_boolean


@pytest.mark.parametrize(
    "value",
    [
        True,
        1,
        1.0,
        "1",
        "K",
        "k",
        "kyllä",
        "Kyllä",
        "KYLLÄ",
        "ja",
        "Ja",
        "true",
        "True",
        "yes",
        " K ",
    ],
)
def test_boolean_true(value: object) -> None:
    assert parse_boolean(value) is True


@pytest.mark.parametrize(
    "value",
    [False, 0, 0.0, "0", "E", "e", "ei", "Ei", "nej", "Nej", "false", "FALSE", "no", " e "],
)
def test_boolean_false(value: object) -> None:
    assert parse_boolean(value) is False


@pytest.mark.parametrize("value", [None, "", "  "])
def test_boolean_empty(value: object) -> None:
    assert parse_boolean(value) is None


@pytest.mark.parametrize("value", [2, -1, 0.5, "2", "x", "kylla", "joo", "J", "N", "Y", [1]])
def test_boolean_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_boolean(value)


# Money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.50"), 123450),
        (Decimal("1234.5"), 123450),
        (Decimal("1234"), 123400),
        (Decimal("0.01"), 1),
        (Decimal("-0.01"), -1),
        (Decimal("-1234.56"), -123456),
        (Decimal("0"), 0),
        (Decimal("1.230"), 123),
        (Decimal("2.8E+2"), 28000),
        (Decimal("12345678901234567890123456789.12"), 1234567890123456789012345678912),
    ],
)
def test_money_to_cents(value: Decimal, expected: int) -> None:
    assert money_to_cents(value) == expected


@pytest.mark.parametrize("value", [Decimal("0.001"), Decimal("1.235"), Decimal("-0.005")])
def test_money_to_cents_rejects_fraction_of_cent(value: Decimal) -> None:
    with pytest.raises(ValueError):
        money_to_cents(value)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity")])
def test_money_to_cents_rejects_non_finite(value: Decimal) -> None:
    with pytest.raises(ValueError):
        money_to_cents(value)


@pytest.mark.parametrize(
    ("cents", "expected"),
    [(123450, "1234.50"), (1, "0.01"), (-1, "-0.01"), (0, "0.00"), (-123456, "-1234.56")],
)
def test_cents_to_money(cents: int, expected: str) -> None:
    assert str(cents_to_money(cents)) == expected


@pytest.mark.parametrize("cents", [0, 1, -1, 99, 100, 123450, -987654321, 10**30 + 7])
def test_money_round_trip(cents: int) -> None:
    assert money_to_cents(cents_to_money(cents)) == cents
