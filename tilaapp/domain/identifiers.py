"""Finnish identifiers of buildings, properties, municipalities and businesses.

The ``normalise_*`` functions accept a register cell as openpyxl or a CSV reader gives
it: text with surrounding whitespace, an ``int``, or a ``float`` with an integral value.
The business ID is accepted only as text. Each returns ``None`` for an empty cell and
the canonical text otherwise. A value that cannot be the identifier raises
``ValueError`` with a message for the user.
"""

from __future__ import annotations

import enum
import re
from decimal import Decimal

from tilaapp.domain.numbers import parse_integer
from tilaapp.i18n import gettext as _

# Check characters of the permanent building identifier (DVV): the same 31 symbols
# and modulus as the Finnish personal identity code, without G, I, O, Q and Z.
PRT_CHECK_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"

_PRT_SHAPE = re.compile(r"1[0-9]{8}[0-9A-Z]")
_DIGITS = re.compile(r"[0-9]+")
_PROPERTY_LONG_FORM = re.compile(r"([0-9]{14})(?:M([0-9]{4}))?")
_PROPERTY_DISPLAY_FORM = re.compile(
    r"([0-9]{1,3})-([0-9]{1,3})-([0-9]{1,4})-([0-9]{1,4})(?:-M([0-9]{1,4}))?"
)
_PROPERTY_PART_WIDTHS = (3, 3, 4, 4)
_OLD_BUILDING_IDENTIFIER = re.compile(r"([0-9]{14})-([0-9]{3})")
_BUSINESS_ID_SHAPE = re.compile(r"([0-9]{7})-([0-9])")
# Weights of the Y-tunnus check digit (Finnish Patent and Registration Office and
# Tax Administration), applied to the seven digits from the left.
_BUSINESS_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


class IdentifierStatus(enum.Enum):
    """Result of checking a permanent building identifier."""

    VALID = "valid"
    CHECK_FAILED = "check_failed"
    """Well formed, but the check character does not match: a warning, not a rejection."""
    MALFORMED = "malformed"


def normalise_permanent_building_identifier(value: object) -> str | None:
    """Normalise a permanent building identifier (VTJ-PRT) cell to upper-case text.

    The result is not checked: pass it to ``check_permanent_building_identifier``.
    """
    number_text = _integral_number_text(value)
    if number_text is not None:
        return number_text

    text = _stripped_text(value)
    if text is None:
        return None
    return text.upper()


def prt_check_character(nine_digits: str) -> str:
    """Return the check character for the nine digits of a permanent building identifier."""
    if len(nine_digits) != 9 or not _DIGITS.fullmatch(nine_digits):
        raise ValueError(
            _("invalid identifier body {value}: expected nine digits").format(
                value=repr(nine_digits)
            )
        )
    return PRT_CHECK_ALPHABET[int(nine_digits) % 31]


def check_permanent_building_identifier(identifier: str) -> IdentifierStatus:
    """Check a normalised permanent building identifier.

    MALFORMED: not ten characters, not nine digits starting with ``1``, or a last
    character that no check can produce. CHECK_FAILED: the last character is a possible
    check character but not the one the nine digits give.
    """
    if not _PRT_SHAPE.fullmatch(identifier) or identifier[9] not in PRT_CHECK_ALPHABET:
        return IdentifierStatus.MALFORMED

    if prt_check_character(identifier[:9]) != identifier[9]:
        return IdentifierStatus.CHECK_FAILED
    return IdentifierStatus.VALID


def normalise_municipality_code(value: object) -> str | None:
    """Normalise a municipality code to three digits with leading zeros (``98`` -> ``098``)."""
    message = _("invalid municipality code {value}: expected one to three digits")
    text = _digit_text(value, message)
    if text is None:
        return None

    if len(text) > 3:
        raise ValueError(message.format(value=repr(value)))
    return text.zfill(3)


def normalise_property_identifier(value: object) -> str | None:
    """Normalise a property identifier (kiinteistötunnus) to its 14-digit long form.

    Accepts the long form as text or number, the hyphenated display form
    (``5-401-5-1129``) and either of them with an unseparated parcel (määräala) part
    (``00540100051129M0001``, ``5-401-5-1129-M1``). The long form of a parcel is the
    14 digits, ``M`` and the parcel number in four digits.
    """
    number_text = _integral_number_text(value)
    text = number_text if number_text is not None else _stripped_text(value)
    if text is None:
        return None

    text = text.upper()
    long_form = _long_form_from_digits(text) or _long_form_from_display(text)
    if long_form is None or long_form[:3] == "000":
        raise ValueError(
            _(
                "invalid property identifier {value}: expected 14 digits such as "
                "00540100051129, or parts joined by hyphens such as 5-401-5-1129"
            ).format(value=repr(value))
        )
    return long_form


def format_property_identifier(long_form: str) -> str:
    """Format a long-form property identifier for display (``5-401-5-1129``, ``…-M1``)."""
    match = _PROPERTY_LONG_FORM.fullmatch(long_form)
    if match is None:
        raise ValueError(
            _("invalid property identifier {value}: expected the 14-digit long form").format(
                value=repr(long_form)
            )
        )

    digits, parcel = match.groups()
    parts = [digits[0:3], digits[3:6], digits[6:10], digits[10:14]]
    display = "-".join(str(int(part)) for part in parts)
    if parcel is not None:
        display += f"-M{int(parcel)}"
    return display


def normalise_building_number(value: object) -> str | None:
    """Normalise the building number of an old building identifier to three digits."""
    message = _("invalid building number {value}: expected one to three digits")
    text = _digit_text(value, message)
    if text is None:
        return None

    if len(text) > 3:
        raise ValueError(message.format(value=repr(value)))
    return text.zfill(3)


def format_old_building_identifier(property_identifier: str, building_number: str) -> str:
    """Join a 14-digit property identifier and a 3-digit building number with a hyphen.

    The register's form puts a check mark between the two parts. This form omits it.
    """
    text = f"{property_identifier}-{building_number}"
    if _OLD_BUILDING_IDENTIFIER.fullmatch(text) is None:
        raise ValueError(
            _(
                "invalid old building identifier {value}: expected a 14-digit property "
                "identifier and a 3-digit building number"
            ).format(value=repr(text))
        )
    return text


def parse_old_building_identifier(text: str) -> tuple[str, str] | None:
    """Split ``39800100010001-001`` into property identifier and building number.

    Returns None when the text, stripped of surrounding whitespace, has another form.
    """
    match = _OLD_BUILDING_IDENTIFIER.fullmatch(text.strip())
    if match is None:
        return None
    return match.group(1), match.group(2)


def normalise_business_id(value: object) -> str | None:
    """Normalise a business ID (Y-tunnus) to ``NNNNNNN-C`` without checking the check digit.

    The body always has seven digits, and older IDs are written with a leading zero
    (Kielikello, "Y-tunnus LY-tunnuksen tilalle"). So a six-digit body is rejected as
    mistyped rather than padded.
    """
    text = _stripped_text(value)
    if text is None:
        return None

    if _BUSINESS_ID_SHAPE.fullmatch(text) is None:
        raise ValueError(
            _(
                "invalid business ID {value}: expected seven digits, a hyphen and a check "
                "digit, such as 1234567-1"
            ).format(value=repr(value))
        )
    return text


def check_business_id(business_id: str) -> bool:
    """Return whether a normalised business ID has the right check digit."""
    match = _BUSINESS_ID_SHAPE.fullmatch(business_id)
    if match is None:
        return False

    body, check_digit = match.groups()
    weighted_sum = sum(
        int(digit) * weight for digit, weight in zip(body, _BUSINESS_ID_WEIGHTS, strict=True)
    )
    remainder = weighted_sum % 11
    if remainder == 1:
        # No business ID is given a body whose remainder is 1.
        return False

    expected = 0 if remainder == 0 else 11 - remainder
    return int(check_digit) == expected


def _stripped_text(value: object) -> str | None:
    """Return text stripped of surrounding whitespace, or None when nothing remains."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(
            _("invalid identifier {value}: expected text or a whole number").format(
                value=repr(value)
            )
        )

    text = value.strip()
    return text or None


def _integral_number_text(value: object) -> str | None:
    """Return the digits of a number cell, or None when the value is not a number.

    Raises ValueError for a bool and for a number without an exact integer value.
    """
    if not isinstance(value, int | float | Decimal):
        return None
    return str(parse_integer(value))


def _digit_text(value: object, message: str) -> str | None:
    """Return the digits of a code cell given as text or number, or None when empty.

    ``message`` is the error to raise, with a ``{value}`` placeholder.
    """
    number_text = _integral_number_text(value)
    text = number_text if number_text is not None else _stripped_text(value)
    if text is None:
        return None

    if _DIGITS.fullmatch(text) is None:
        raise ValueError(message.format(value=repr(value)))
    return text


def _long_form_from_digits(text: str) -> str | None:
    """Return the long form of ``text`` given as digits, with an optional parcel part.

    A 14-digit number cell loses its leading zeros. Municipality code 000 does not exist,
    so at most two leading zeros can be missing and 12 or 13 digits are padded.
    """
    digits, separator, parcel = text.partition("M")
    if not _DIGITS.fullmatch(digits) or not 12 <= len(digits) <= 14:
        return None

    long_form = digits.zfill(14)
    if not separator:
        return long_form
    if len(digits) != 14 or len(parcel) != 4 or not _DIGITS.fullmatch(parcel):
        return None
    return f"{long_form}M{parcel}"


def _long_form_from_display(text: str) -> str | None:
    """Return the long form of a hyphenated identifier, or None for another form."""
    match = _PROPERTY_DISPLAY_FORM.fullmatch(text)
    if match is None:
        return None

    *parts, parcel = match.groups()
    long_form = "".join(
        part.zfill(width) for part, width in zip(parts, _PROPERTY_PART_WIDTHS, strict=True)
    )
    if parcel is not None:
        long_form += f"M{parcel.zfill(4)}"
    return long_form
