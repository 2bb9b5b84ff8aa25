"""Numbers, money and dates written for people, in Finnish, Swedish or English.

Formats come from the CLDR data that Babel ships, never from the ``locale`` module,
because a machine may have no Finnish system locale. ``language=None`` means the
language of ``tilaapp.i18n.current_language()``.

The forms, as Babel 2.19 gives them for fi, sv and en. Where these docstrings show a
space inside a number, or between a number and its unit, the output has a no-break
space (U+00A0):

- number: ``1 234,5``, ``1 234,5``, ``1,234.5``
- money: ``1 234,50 €``, ``1 234,50 €``, ``€1,234.50``
- date: ``1.2.2020``, ``1.2.2020``, ``01/02/2020``
- month of a partial date: ``8.1962``, ``8.1962``, ``08/1962``
- year of a partial date: ``1962`` in every language

Dates use CLDR's ``yMd`` and ``yM`` skeletons, which keep the four-digit year in every
language. Numbers and dates in fi, sv and en are written from the symbols and patterns in
``_NUMBER_SYMBOLS`` and ``_DATE_PATTERNS``, copied from Babel's CLDR data, without
importing Babel: loading Babel and its locale data takes about 15 ms, which the first
window of the desktop application does without. A test compares both with Babel's
output. Money and times, and any other language, are formatted by Babel.

For a month the Finnish form is CLDR's ``8.1962`` rather than ``8/1962``,
because the Institute for the Languages of Finland does not recommend the slash in
neutral text (Kielikello 1/2018, "Miten päivämäärä merkitään?").
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import TYPE_CHECKING

from tilaapp import i18n
from tilaapp.domain.dates import PartialDate

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from babel import Locale

# Timestamps are stored in UTC and shown in the time of the municipality.
DISPLAY_TIME_ZONE_NAME = "Europe/Helsinki"

# No-break space: keeps a unit on the same line as its number.
_UNIT_SEPARATOR = "\u00a0"


def format_decimal(
    value: Decimal | int, language: str | None = None, *, max_fraction_digits: int = 2
) -> str:
    """Format a number with the language's separators (fi ``1 234,5``).

    Rounds half away from zero to ``max_fraction_digits`` and drops trailing zeros of
    the fraction. Babel itself would round half to even. Float is rejected with
    TypeError because it cannot be formatted exactly.
    """
    number = _exact_decimal(value)
    if max_fraction_digits < 0:
        raise ValueError(f"max_fraction_digits must be 0 or more, got {max_fraction_digits}")

    with _decimal_context(number, max_fraction_digits):
        rounded = _round_half_up(number, max_fraction_digits)
        symbols = _NUMBER_SYMBOLS.get(_language(language))
        if symbols is not None:
            return _format_with_symbols(rounded, *symbols)

        from babel.numbers import format_decimal as babel_format_decimal

        # Without quantization Babel writes the digits of the value as they are.
        return babel_format_decimal(rounded, locale=_locale(language), decimal_quantization=False)


def format_quantity(value: Decimal | int, unit: str, language: str | None = None) -> str:
    """Format a number and its unit, joined by a no-break space (fi ``1 234,5 m²``)."""
    return f"{format_decimal(value, language)}{_UNIT_SEPARATOR}{unit}"


def format_money(value: Decimal, language: str | None = None) -> str:
    """Format euros with two decimals as the language writes them (fi ``1 234,50 €``).

    Rounds half away from zero to whole cents.
    """
    from babel.numbers import format_currency

    number = _exact_decimal(value)

    with _decimal_context(number, 2):
        rounded = _round_half_up(number, 2)
        return format_currency(rounded, "EUR", locale=_locale(language))


def format_partial_date(value: PartialDate, language: str | None = None) -> str:
    """Format a date in its own precision: fi ``1.2.2020``, ``8.1962`` or ``1962``."""
    full_date = value.to_date()
    if full_date is not None:
        return _format_with_skeleton("yMd", full_date, language)

    first_day = datetime.date(value.year, value.month or 1, 1)
    skeleton = "y" if value.month is None else "yM"
    return _format_with_skeleton(skeleton, first_day, language)


def format_date(value: datetime.date, language: str | None = None) -> str:
    """Format the calendar date of ``value``: fi ``1.2.2020``, sv ``2020-02-01``.

    A ``datetime`` is formatted by its own date fields, without conversion between
    time zones: use ``format_timestamp`` for a moment in time.
    """
    calendar_date = datetime.date(value.year, value.month, value.day)
    return _format_with_skeleton("yMd", calendar_date, language)


def format_timestamp(value: datetime.datetime, language: str | None = None) -> str:
    """Format a time-zone-aware moment in Helsinki time: 14:05 UTC is fi ``1.2.2020 16.05``.

    The date is written as ``format_date`` writes it, the time in the language's short
    form, and the two are joined by the language's pattern. Raises ValueError for a
    naive datetime, whose moment is unknown.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamp {value.isoformat()} has no time zone: expected UTC")

    from babel.dates import format_time, get_datetime_format

    locale = _locale(language)
    local_time = value.astimezone(_display_time_zone())
    date_text = format_date(local_time.date(), language)
    time_text = format_time(local_time, "short", locale=locale)

    # CLDR joins date and time with a pattern such as "{1} {0}", where {1} is the date.
    pattern = str(get_datetime_format("short", locale=locale))
    return pattern.replace("'", "").replace("{1}", date_text).replace("{0}", time_text)


@functools.cache
def _display_time_zone() -> ZoneInfo:
    # NOTE: Windows has no system time-zone database, so there zoneinfo needs the
    # tzdata package. Without it this raises ZoneInfoNotFoundError.
    from zoneinfo import ZoneInfo

    return ZoneInfo(DISPLAY_TIME_ZONE_NAME)


# Swedish as written in Finland (CLDR sv_FI: 1.2.2020), English in British order
# (en_GB: 01/02/2020), never the month-first order of US English.
_REGIONAL_LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}

# Decimal and group symbols of fi_FI, sv_FI and en_GB in CLDR, as Babel 2.19 gives them.
# Their number pattern is #,##0.### in all three: groups of three digits, and a minus
# sign written as the ASCII hyphen.
_NUMBER_SYMBOLS = {"fi": (",", "\u00a0"), "sv": (",", "\u00a0"), "en": (".", ",")}

# CLDR's patterns for the yMd, yM and y skeletons in the same locales, as str.format
# templates. Finnish and Swedish write d.M.y and L.y, British English dd/MM/y and MM/y.
_DATE_PATTERNS = {
    "fi": {"yMd": "{day}.{month}.{year}", "yM": "{month}.{year}", "y": "{year}"},
    "sv": {"yMd": "{day}.{month}.{year}", "yM": "{month}.{year}", "y": "{year}"},
    "en": {"yMd": "{day:02}/{month:02}/{year}", "yM": "{month:02}/{year}", "y": "{year}"},
}


def _language(language: str | None) -> str:
    return language if language is not None else i18n.current_language()


def _locale(language: str | None) -> Locale:
    from babel import Locale

    chosen = _language(language)
    return Locale.parse(_REGIONAL_LOCALES.get(chosen, chosen))


def _format_with_symbols(number: Decimal, decimal_symbol: str, group_symbol: str) -> str:
    """Write ``number`` in groups of three digits, without trailing zeros of the fraction."""
    sign, digits, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)  # the callers pass finite numbers
    text = "".join(map(str, digits))
    if exponent >= 0:
        whole, fraction = text + "0" * exponent, ""
    else:
        text = text.rjust(-exponent + 1, "0")
        whole, fraction = text[:exponent], text[exponent:]

    groups = [whole[max(end - 3, 0) : end] for end in range(len(whole), 0, -3)]
    written = group_symbol.join(reversed(groups))
    if fraction:
        written += decimal_symbol + fraction
    return ("-" if sign else "") + written


def _format_with_skeleton(skeleton: str, value: datetime.date, language: str | None) -> str:
    patterns = _DATE_PATTERNS.get(_language(language))
    if patterns is not None:
        return patterns[skeleton].format(day=value.day, month=value.month, year=value.year)

    from babel.dates import format_skeleton

    return format_skeleton(skeleton, value, locale=_locale(language))


def _exact_decimal(value: Decimal | int) -> Decimal:
    """Return ``value`` as a finite Decimal. Raises TypeError for float and bool."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"expected Decimal or int, got {type(value).__name__}: {value!r}")

    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"cannot format {number}: expected a finite number")
    return number


@contextmanager
def _decimal_context(number: Decimal, fraction_digits: int) -> Iterator[None]:
    """Make arithmetic exact for ``number`` with ``fraction_digits`` decimals, rounding half up.

    Babel rounds and normalises in the current decimal context, whose default precision
    of 28 digits would round long numbers.
    """
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite Decimal has an integer exponent

    with localcontext() as context:
        digit_count = len(number.as_tuple().digits) + abs(exponent) + fraction_digits
        context.prec = max(28, digit_count + 2)
        context.rounding = ROUND_HALF_UP
        yield


def _round_half_up(number: Decimal, fraction_digits: int) -> Decimal:
    """Round to ``fraction_digits`` decimals in the current context, turning -0 into 0."""
    rounded = number.quantize(Decimal(1).scaleb(-fraction_digits))
    return rounded.copy_abs() if rounded.is_zero() else rounded
