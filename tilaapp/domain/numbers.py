"""Numbers, booleans and money as Finnish register files and spreadsheets write them.

Quantities are ``Decimal`` from start to end, so an area read as ``1450,5`` is stored and
exported as exactly ``1450.5``. Money is stored as integer cents.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from tilaapp.i18n import gettext as _

# Digits, either ungrouped or grouped by thousands with a space, no-break space (U+00A0)
# or narrow no-break space (U+202F), and an optional fraction after a decimal comma or
# point. A comma or point is always a decimal separator, never a group separator.
_DECIMAL_TEXT = re.compile(
    r"(?P<sign>[-\u2212]?)"
    r"(?P<integer>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)"
    r"(?:[,.](?P<fraction>[0-9]+))?"
)
_GROUP_SEPARATORS = str.maketrans("", "", " \u00a0\u202f")

_TRUE_WORDS = frozenset({"1", "k", "kyllä", "ja", "true", "yes"})
_FALSE_WORDS = frozenset({"0", "e", "ei", "nej", "false", "no"})


def parse_decimal(value: object) -> Decimal | None:
    """Parse a number cell given as Finnish or English text, ``int``, ``float`` or ``Decimal``.

    Text keeps the digits it was written with (``"1,50"`` -> ``Decimal("1.50")``). A
    float becomes the shortest decimal that reads back as the same float, so ``0.1``
    gives ``Decimal("0.1")`` and ``280.0`` gives ``Decimal("280")``.
    Returns None for None and blank text. Raises ValueError for any other value that is
    not a finite number, including bool, NaN and infinity.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(
            _("invalid number {value}: expected a number, not a truth value").format(
                value=repr(value)
            )
        )

    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _decimal_from_float(value)
    if isinstance(value, Decimal):
        return _finite_decimal(value)
    if isinstance(value, str):
        return _decimal_from_text(value)

    raise ValueError(
        _("invalid number {value}: expected text or a number").format(value=repr(value))
    )


def parse_integer(value: object) -> int | None:
    """Parse a whole-number cell: ``'4'``, ``4``, ``4.0`` and ``'1 200'`` are accepted.

    Returns None for an empty cell. Raises ValueError for a number with a fraction.
    """
    number = parse_decimal(value)
    if number is None:
        return None

    if number != number.to_integral_value():
        raise ValueError(
            _("invalid whole number {value}: it has a fractional part").format(value=repr(value))
        )
    return int(number)


def decimal_to_text(value: Decimal) -> str:
    """Write a decimal in plain notation, without exponent or trailing zeros (``1450.5``)."""
    number = _finite_decimal(value)

    # Formatting without a precision writes every digit, so no rounding happens here.
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def parse_boolean(value: object) -> bool | None:
    """Parse a yes/no cell.

    True: ``True``, ``1``, ``'1'``, ``'K'``/``'kyllä'``, ``'ja'``, ``'true'``, ``'yes'``.
    False: ``False``, ``0``, ``'0'``, ``'E'``/``'ei'``, ``'nej'``, ``'false'``, ``'no'``.
    Text is compared without regard to case. Returns None for None and blank text and
    raises ValueError for anything else.
    """
    if value is None or isinstance(value, bool):
        return value

    text = _boolean_text(value)
    if text is None:
        return None

    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    raise ValueError(
        _("invalid yes/no value {value}: expected K or E, 1 or 0").format(value=repr(value))
    )


def money_to_cents(value: Decimal) -> int:
    """Convert euros to integer cents exactly. Raises ValueError for a fraction of a cent."""
    number = _finite_decimal(value)
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # a finite Decimal has an integer exponent
    coefficient = int("".join(str(digit) for digit in digits))

    shift = exponent + 2
    if shift >= 0:
        multiplier: int = 10**shift
        cents = coefficient * multiplier
    else:
        divisor: int = 10**-shift
        if coefficient % divisor:
            raise ValueError(
                _("invalid amount {value}: more than two decimals").format(value=value)
            )
        cents = coefficient // divisor

    return -cents if sign else cents


def cents_to_money(cents: int) -> Decimal:
    """Convert integer cents to euros with exactly two decimals (``123450`` -> ``1234.50``)."""
    digits = tuple(int(digit) for digit in str(abs(cents)))
    return Decimal((1 if cents < 0 else 0, digits, -2))


def _decimal_from_float(value: float) -> Decimal:
    if not math.isfinite(value):
        raise ValueError(
            _("invalid number {value}: expected a finite number").format(value=repr(value))
        )

    # repr() gives the shortest text that reads back as the same float.
    number = Decimal(repr(value))
    if number == number.to_integral_value():
        return Decimal(int(number))
    return number


def _finite_decimal(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(
            _("invalid number {value}: expected a finite number").format(value=repr(value))
        )
    return value


def _decimal_from_text(value: str) -> Decimal | None:
    text = value.strip()
    if not text:
        return None

    match = _DECIMAL_TEXT.fullmatch(text)
    if match is None:
        raise ValueError(
            _(
                "invalid number {value}: expected digits with a decimal comma or point, "
                "such as 1 234,5"
            ).format(value=repr(value))
        )

    integer = match["integer"].translate(_GROUP_SEPARATORS)
    fraction = match["fraction"]
    number = Decimal(integer if fraction is None else f"{integer}.{fraction}")
    # A minus sign before zero gives plain zero, not Decimal("-0").
    return -number if match["sign"] and number else number


def _boolean_text(value: object) -> str | None:
    """Return a yes/no cell as stripped lower-case text, or None when blank."""
    if isinstance(value, int | float | Decimal):
        return _boolean_number_text(value)
    if isinstance(value, str):
        return value.strip().lower() or None
    raise ValueError(
        _("invalid yes/no value {value}: expected K or E, 1 or 0").format(value=repr(value))
    )


def _boolean_number_text(value: int | float | Decimal) -> str:
    if value in (0, 1):
        return str(int(value))
    raise ValueError(
        _("invalid yes/no value {value}: expected K or E, 1 or 0").format(value=repr(value))
    )
