"""Tests of partial register dates and strict ISO dates."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tilaapp.domain.dates import DayNotInMonth, PartialDate, parse_iso_date, parse_register_date

# PartialDate


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (PartialDate(1962), "1962"),
        (PartialDate(1962, 8), "1962-08"),
        (PartialDate(1962, 8, 5), "1962-08-05"),
        (PartialDate(800), "0800"),
        (PartialDate(2024, 2, 29), "2024-02-29"),
    ],
)
def test_partial_date_isoformat(value: PartialDate, expected: str) -> None:
    assert value.isoformat() == expected


@pytest.mark.parametrize("text", ["1962", "1962-08", "1962-08-05", "2024-02-29"])
def test_partial_date_iso_round_trip(text: str) -> None:
    assert PartialDate.from_iso(text).isoformat() == text


@pytest.mark.parametrize(
    "text",
    [
        "62",
        "1962-8",
        "1962-08-5",
        "19620805",
        "1962-08-05T00:00",
        " 1962",
        "1962-13",
        "1962-00",
        "2021-02-29",
        "1962-08-00",
        "0000",
        "",
        "١٩٦٢",
    ],
)
def test_partial_date_from_iso_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        PartialDate.from_iso(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (PartialDate(1962), "year"),
        (PartialDate(1962, 8), "month"),
        (PartialDate(1962, 8, 5), "day"),
    ],
)
def test_partial_date_precision(value: PartialDate, expected: str) -> None:
    assert value.precision == expected


@pytest.mark.parametrize(
    ("year", "month", "day"),
    [
        (0, None, None),
        (10000, None, None),
        (1962, 0, None),
        (1962, 13, None),
        (1962, None, 5),
        (1962, 8, 0),
        (1962, 8, 32),
        (2021, 2, 29),
        (2100, 2, 29),
        (1962, 4, 31),
    ],
)
def test_partial_date_rejects(year: int, month: int | None, day: int | None) -> None:
    with pytest.raises(ValueError):
        PartialDate(year, month, day)


def test_partial_date_leap_day() -> None:
    assert PartialDate(2000, 2, 29).day == 29


def test_partial_date_sorts_year_before_month() -> None:
    dates = [
        PartialDate(1962, 8, 5),
        PartialDate(1962),
        PartialDate(1961, 12, 31),
        PartialDate(1962, 8),
        PartialDate(1962, 1),
    ]

    assert sorted(dates) == [
        PartialDate(1961, 12, 31),
        PartialDate(1962),
        PartialDate(1962, 1),
        PartialDate(1962, 8),
        PartialDate(1962, 8, 5),
    ]


def test_partial_date_equality() -> None:
    assert PartialDate(1962, 8) == PartialDate(1962, 8)
    assert PartialDate(1962, 8) != PartialDate(1962)
    assert PartialDate(1962) != PartialDate(1962, 1)


def test_partial_date_hash() -> None:
    assert len({PartialDate(1962, 8), PartialDate(1962, 8), PartialDate(1962)}) == 2


def test_partial_date_frozen() -> None:
    value = PartialDate(1962)

    with pytest.raises(AttributeError):
        value.year = 1963  # type: ignore[misc]


def test_partial_date_repr() -> None:
    assert repr(PartialDate(1962, 8)) == "PartialDate(year=1962, month=8, day=None)"


def test_partial_date_to_date() -> None:
    assert PartialDate(1962, 8, 5).to_date() == datetime.date(1962, 8, 5)
    assert PartialDate(1962, 8).to_date() is None


# parse_register_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("19250000", PartialDate(1925)),
        ("19620800", PartialDate(1962, 8)),
        ("19620805", PartialDate(1962, 8, 5)),
        (19250000, PartialDate(1925)),
        (19620800, PartialDate(1962, 8)),
        (19620805, PartialDate(1962, 8, 5)),
        (19620805.0, PartialDate(1962, 8, 5)),
        (Decimal("19620805"), PartialDate(1962, 8, 5)),
        (" 19620805 ", PartialDate(1962, 8, 5)),
        ("1.2.2020", PartialDate(2020, 2, 1)),
        ("01.02.2020", PartialDate(2020, 2, 1)),
        ("31.12.1999", PartialDate(1999, 12, 31)),
        ("2020-02-01", PartialDate(2020, 2, 1)),
        ("1962-08", PartialDate(1962, 8)),
        ("1962", PartialDate(1962)),
        (1962, PartialDate(1962)),
        (datetime.date(2020, 2, 1), PartialDate(2020, 2, 1)),
        (datetime.datetime(2020, 2, 1, 0, 0), PartialDate(2020, 2, 1)),
        (datetime.datetime(2020, 2, 1, 23, 59), PartialDate(2020, 2, 1)),
        ("20240229", PartialDate(2024, 2, 29)),
    ],
)
def test_register_date_parse(value: object, expected: PartialDate) -> None:
    assert parse_register_date(value) == expected


@pytest.mark.parametrize("value", [None, "", " ", "\u00a0", "00000000", 0, 0.0])
def test_register_date_empty(value: object) -> None:
    assert parse_register_date(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "19620005",  # day without a month
        19620005,
        "20210230",  # no such day
        "20210229",
        "19621300",
        "00000800",  # year 0
        "1962080",
        "196208",
        "1.13.2020",
        "0.2.2020",
        "1.2.20",
        "1/2/2020",
        "2020-2-1",
        "2020-02-30",
        "abc",
        19620805.5,
        -19620805,
        float("nan"),
        True,
        ["19620805"],
    ],
)
def test_register_date_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_register_date(value)


def test_register_date_error_names_value() -> None:
    with pytest.raises(ValueError, match="20210230"):
        parse_register_date("20210230")


def test_register_date_number_error_message() -> None:
    with pytest.raises(ValueError, match="invalid date"):
        parse_register_date(19620805.5)


# parse_iso_date


def test_iso_date_parse() -> None:
    assert parse_iso_date("2024-03-31") == datetime.date(2024, 3, 31)


@pytest.mark.parametrize(
    "text",
    ["2024-3-31", "20240331", "31.3.2024", "2024-03", "2024-03-31T00:00", " 2024-03-31", "", "x"],
)
def test_iso_date_rejects_other_forms(text: str) -> None:
    with pytest.raises(ValueError, match="expected YYYY-MM-DD"):
        parse_iso_date(text)


@pytest.mark.parametrize("text", ["2021-02-29", "2024-04-31", "2024-13-01", "0000-01-01"])
def test_iso_date_rejects_impossible_day(text: str) -> None:
    with pytest.raises(ValueError, match="no such day"):
        parse_iso_date(text)


def test_missing_day_names_month() -> None:
    with pytest.raises(DayNotInMonth) as raised:
        PartialDate(2020, 2, 31)

    assert raised.value.month_text == "02/2020"
    assert "2020-02" not in str(raised.value)
    assert "31" in str(raised.value)
