"""Tests of number, money and date formatting through Babel.

Expected texts spell out the no-break space (U+00A0) and the narrow no-break space
(U+202F) that Babel puts in, so a plain space in the output fails the test.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tilaapp import i18n
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.formatting import (
    format_date,
    format_decimal,
    format_money,
    format_partial_date,
    format_quantity,
    format_timestamp,
)

NBSP = "\u00a0"
NNBSP = "\u202f"
UTC = datetime.UTC

# format_decimal


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("1234.5"), "fi", f"1{NBSP}234,5"),
        (Decimal("1234.5"), "sv", f"1{NBSP}234,5"),
        (Decimal("1234.5"), "en", "1,234.5"),
        (Decimal("-1234.5"), "fi", f"-1{NBSP}234,5"),
        (Decimal("1234.50"), "fi", f"1{NBSP}234,5"),
        (1234, "fi", f"1{NBSP}234"),
        (Decimal("2.8E+2"), "fi", "280"),
        (Decimal("1234567.25"), "fi", f"1{NBSP}234{NBSP}567,25"),
        (Decimal("1234567.25"), "sv", f"1{NBSP}234{NBSP}567,25"),
        (Decimal("0.5"), "fi", "0,5"),
        (Decimal("0"), "fi", "0"),
        (Decimal("999"), "fi", "999"),
    ],
)
def test_decimal_format(value: Decimal | int, language: str, expected: str) -> None:
    assert format_decimal(value, language) == expected


def test_decimal_format_characters_fi() -> None:
    assert list(format_decimal(Decimal("1234.5"), "fi")) == ["1", "\u00a0", "2", "3", "4", ",", "5"]


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (Decimal("2.345"), 2, "2,35"),
        (Decimal("2.335"), 2, "2,34"),
        (Decimal("-2.345"), 2, "-2,35"),
        (Decimal("2.5"), 0, "3"),
        (Decimal("3.5"), 0, "4"),
        (Decimal("0.1234"), 3, "0,123"),
        (Decimal("0.1235"), 3, "0,124"),
        (Decimal("1.999"), 2, "2"),
    ],
)
def test_decimal_format_rounds_half_up(value: Decimal, digits: int, expected: str) -> None:
    assert format_decimal(value, "fi", max_fraction_digits=digits) == expected


@pytest.mark.parametrize("value", [Decimal("-0.004"), Decimal("-0"), Decimal("-0.00")])
def test_decimal_format_no_negative_zero(value: Decimal) -> None:
    assert format_decimal(value, "fi") == "0"


def test_decimal_format_exact_for_long_numbers() -> None:
    value = Decimal("12345678901234567890123456789.25")

    assert format_decimal(value, "en") == "12,345,678,901,234,567,890,123,456,789.25"


def test_decimal_format_large_int() -> None:
    expected = "1" + ",000" * 10

    assert format_decimal(10**30, "en", max_fraction_digits=10) == expected


def test_decimal_format_uses_current_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "current_language", lambda: "en")
    assert format_decimal(Decimal("1234.5")) == "1,234.5"

    monkeypatch.setattr(i18n, "current_language", lambda: "fi")
    assert format_decimal(Decimal("1234.5")) == f"1{NBSP}234,5"


@pytest.mark.parametrize("value", [1234.5, True])
def test_decimal_format_rejects_float_and_bool(value: object) -> None:
    with pytest.raises(TypeError):
        format_decimal(value, "fi")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity")])
def test_decimal_format_rejects_non_finite(value: Decimal) -> None:
    with pytest.raises(ValueError):
        format_decimal(value, "fi")


def test_decimal_format_rejects_negative_digits() -> None:
    with pytest.raises(ValueError):
        format_decimal(Decimal("1"), "fi", max_fraction_digits=-1)


# format_quantity


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", f"1{NBSP}234,5{NBSP}m²"),
        ("sv", f"1{NBSP}234,5{NBSP}m²"),
        ("en", f"1,234.5{NBSP}m²"),
    ],
)
def test_quantity_format(language: str, expected: str) -> None:
    assert format_quantity(Decimal("1234.5"), "m²", language) == expected


def test_quantity_format_volume_int() -> None:
    assert format_quantity(15000, "m³", "fi") == f"15{NBSP}000{NBSP}m³"


# format_money


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (Decimal("1234.5"), "fi", f"1{NBSP}234,50{NBSP}€"),
        (Decimal("1234.5"), "sv", f"1{NBSP}234,50{NBSP}€"),
        (Decimal("1234.5"), "en", "€1,234.50"),
        (Decimal("-1234.5"), "fi", f"-1{NBSP}234,50{NBSP}€"),
        (Decimal("0"), "fi", f"0,00{NBSP}€"),
        (Decimal("0.125"), "fi", f"0,13{NBSP}€"),
        (Decimal("0.135"), "fi", f"0,14{NBSP}€"),
        (Decimal("-0.001"), "fi", f"0,00{NBSP}€"),
        (Decimal("1000000"), "fi", f"1{NBSP}000{NBSP}000,00{NBSP}€"),
    ],
)
def test_money_format(value: Decimal, language: str, expected: str) -> None:
    assert format_money(value, language) == expected


def test_money_format_rejects_float() -> None:
    with pytest.raises(TypeError):
        format_money(12.5, "fi")  # type: ignore[arg-type]


# format_partial_date and format_date


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (PartialDate(2020, 2, 1), "fi", "1.2.2020"),
        (PartialDate(1962, 8), "fi", "8.1962"),
        (PartialDate(1962), "fi", "1962"),
        (PartialDate(2020, 2, 1), "sv", "1.2.2020"),
        (PartialDate(1962, 8), "sv", "8.1962"),
        (PartialDate(1962), "sv", "1962"),
        (PartialDate(2020, 2, 1), "en", "01/02/2020"),
        (PartialDate(1962, 8), "en", "08/1962"),
        (PartialDate(1962), "en", "1962"),
        (PartialDate(1962, 12, 31), "fi", "31.12.1962"),
    ],
)
def test_partial_date_format(value: PartialDate, language: str, expected: str) -> None:
    assert format_partial_date(value, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fi", "1.2.2020"), ("sv", "1.2.2020"), ("en", "01/02/2020")],
)
def test_date_format(language: str, expected: str) -> None:
    assert format_date(datetime.date(2020, 2, 1), language) == expected


def test_date_format_keeps_four_digit_year() -> None:
    assert format_date(datetime.date(1925, 11, 30), "fi") == "30.11.1925"


def test_date_format_of_datetime_uses_its_date() -> None:
    value = datetime.datetime(2020, 2, 1, 23, 30, tzinfo=UTC)

    assert format_date(value, "fi") == "1.2.2020"


def test_date_format_uses_current_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "current_language", lambda: "sv")

    assert format_date(datetime.date(2020, 2, 1)) == "1.2.2020"


# format_timestamp


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "1.2.2020 16.05"),
        ("sv", "1.2.2020 16.05"),
        ("en", "01/02/2020, 16:05"),
    ],
)
def test_timestamp_format_winter(language: str, expected: str) -> None:
    # Helsinki is UTC+2 in February.
    value = datetime.datetime(2020, 2, 1, 14, 5, tzinfo=UTC)

    assert format_timestamp(value, language) == expected


def test_timestamp_format_summer_time() -> None:
    # Helsinki is UTC+3 in July.
    value = datetime.datetime(2020, 7, 1, 12, 0, tzinfo=UTC)

    assert format_timestamp(value, "fi") == "1.7.2020 15.00"


def test_timestamp_format_crosses_midnight() -> None:
    value = datetime.datetime(2020, 12, 31, 22, 30, tzinfo=UTC)

    assert format_timestamp(value, "fi") == "1.1.2021 0.30"


def test_timestamp_format_other_offset() -> None:
    value = datetime.datetime(
        2020, 2, 1, 19, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=5))
    )

    assert format_timestamp(value, "fi") == "1.2.2020 16.05"


def test_timestamp_format_rejects_naive() -> None:
    with pytest.raises(ValueError):
        format_timestamp(datetime.datetime(2020, 2, 1, 14, 5), "fi")


# The forms written without Babel, against Babel's own output

BABEL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
NUMBERS = [
    "0", "0.5", "-0.5", "7", "12.000", "999", "1000", "1234.50", "-1234.5", "99999.99",
    "100000", "1234567.891", "-1000000", "5E+3", "0.001", "12345678901234567890.25",
]  # fmt: skip


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("text", NUMBERS)
def test_number_forms_match_babel(language: str, text: str) -> None:
    from babel.numbers import format_decimal as babel_format_decimal

    value = Decimal(text)
    rounded = value.quantize(Decimal("0.001"))
    expected = babel_format_decimal(
        rounded, locale=BABEL_LOCALES[language], decimal_quantization=False
    )

    assert format_decimal(value, language, max_fraction_digits=3) == expected


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize(
    "day", [datetime.date(2020, 2, 1), datetime.date(1962, 8, 21), datetime.date(1899, 12, 31)]
)
def test_date_forms_match_babel(language: str, day: datetime.date) -> None:
    from babel.dates import format_skeleton

    locale = BABEL_LOCALES[language]

    assert format_date(day, language) == format_skeleton("yMd", day, locale=locale)
    assert format_partial_date(PartialDate(day.year, day.month), language) == format_skeleton(
        "yM", day, locale=locale
    )
    assert format_partial_date(PartialDate(day.year), language) == format_skeleton(
        "y", day, locale=locale
    )
