"""Checks of the municipality's own (local) values, given typed or as typed into a form.

``validate_value`` checks a typed value (``Decimal``, ``int``, ``bool``, ``PartialDate``,
``str`` or None) against the rules of its field and returns it normalised: text
trimmed, codes with their leading zeros, -0 as 0. ``parse_local_input`` first reads the
text of a form field in the number and date formats of Finnish, Swedish or English, then
checks it the same way. Every error message is translated, names the field and states
what is allowed.

The building register sets no upper limit on areas, volumes, counts or money. The upper
bounds here catch typing errors, such as a value in dm² or an extra zero, and lie well
above the values of any municipal building.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tilaapp.domain.codelists import is_known_code, list_codes, normalise_code
from tilaapp.domain.coordinates import FINLAND_TM35_BOUNDS
from tilaapp.domain.dates import DayNotInMonth, PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME, LOCAL, FieldKind, FieldSpec
from tilaapp.domain.formatting import format_decimal, format_partial_date
from tilaapp.domain.identifiers import normalise_property_identifier
from tilaapp.domain.numbers import decimal_to_text, parse_boolean, parse_decimal
from tilaapp.i18n import LANGUAGES, ngettext
from tilaapp.i18n import gettext as _

# NOTE: the upper bounds are judgement calls against typing errors, not limits of a
# register specification. An area of 500,000 m² is half a square kilometre of floor.
AREA_MAXIMUM = Decimal(500_000)
# The area bound times a storey height of 4 m.
VOLUME_MAXIMUM = Decimal(2_000_000)
MONEY_MAXIMUM = Decimal(10_000_000_000)

# A date or year before 1500 is taken for a typing error, such as 962 for 1962.
EARLIEST_YEAR = 1500
# How far ahead a strategy may set its target year.
STRATEGY_YEARS_AHEAD = 50

# The width of the text columns of ``local_value``. Notes are stored in a TEXT column.
TEXT_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 10_000
NOTES_FIELD = "notes"

# Code lists up to this size are listed in full in an error message.
LISTED_CODES_MAX = 20

# Fields that only the register sets: codes without a local code list, and the old
# building identifier, by which imports match records to buildings.
REGISTER_ONLY_FIELDS: frozenset[str] = frozenset(
    {"old_building_identifier"}
    | {
        spec.name
        for spec in FIELDS_BY_NAME.values()
        if spec.kind is FieldKind.CODE and LOCAL not in spec.code_lists
    }
)
EDITABLE_FIELDS: tuple[str, ...] = tuple(
    name for name in FIELDS_BY_NAME if name not in REGISTER_ONLY_FIELDS
)


class UnknownField(Exception):
    """The name is not a field of the catalogue (``tilaapp.domain.fields``)."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"unknown field {field!r}")


class FieldNotEditable(Exception):
    """The field is register-only metadata and has no local value."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"field {field!r} is set only by the register")


class ValidationError(Exception):
    """A local value breaks its field's rules. ``message`` is translated for the user.

    The exception's own text names only the field, so that logging it never writes a
    value of a personal field.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"invalid value for field {field!r}")


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of a check: the normalised value, or a translated error message."""

    field: str
    value: Any = None
    """The value to store when ``ok``. None means "not set"."""
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.message is None

    def checked_value(self) -> Any:
        """Return the normalised value, or raise ``ValidationError`` with the message."""
        if self.message is not None:
            raise ValidationError(self.field, self.message)
        return self.value


@dataclass(frozen=True)
class NumberRange:
    """The allowed values of a number field, ends included."""

    minimum: Decimal
    maximum: Decimal
    fraction_digits: int
    unit: str = ""


def _area() -> NumberRange:
    return NumberRange(Decimal(0), AREA_MAXIMUM, 3, "m²")


def _money() -> NumberRange:
    return NumberRange(Decimal(0), MONEY_MAXIMUM, 2, "€")


_min_east, _min_north, _max_east, _max_north = FINLAND_TM35_BOUNDS

DECIMAL_RANGES: dict[str, NumberRange] = {
    "gross_floor_area": _area(),
    "total_area": _area(),
    "floor_area": _area(),
    "basement_area": _area(),
    "civil_defence_shelter_size": _area(),
    "volume": NumberRange(Decimal(0), VOLUME_MAXIMUM, 3, "m³"),
    "utilisation_rate": NumberRange(Decimal(0), Decimal(100), 3, "%"),
    # ETRS-TM35FIN, within the area of use of the projection in Finland.
    "coordinate_north": NumberRange(Decimal(int(_min_north)), Decimal(int(_max_north)), 3, "m"),
    "coordinate_east": NumberRange(Decimal(int(_min_east)), Decimal(int(_max_east)), 3, "m"),
    "acquisition_cost": _money(),
    "replacement_cost": _money(),
    "maintenance_cost_per_year": _money(),
    "rental_income_per_year": _money(),
}

INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "number_of_storeys": (0, 60),
    "apartment_count": (0, 10_000),
    "sauna_count": (0, 1_000),
    "number_of_users": (0, 100_000),
    # The five-step scale of condition assessments, 1 the poorest and 5 the best.
    "condition_class": (1, 5),
}

# Years whose range depends on today: the acquisition has happened, a target lies ahead.
YEAR_FIELDS = ("acquisition_year", "strategy_target_year")

_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_MONTH_YEAR_DOTTED = re.compile(r"([0-9]{1,2})\.([0-9]{4})")
_DAY_MONTH_YEAR_SLASHED = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_MONTH_YEAR_SLASHED = re.compile(r"([0-9]{1,2})/([0-9]{4})")
_ENGLISH_GROUPED_NUMBER = re.compile(r"[-\u2212]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_UNIT_SPELLINGS = {"m²": ("m²", "m2"), "m³": ("m³", "m3"), "%": ("%",), "€": ("€", "EUR")}


def field_spec(field: str) -> FieldSpec:
    """Return the catalogue entry of ``field``. Raises ``UnknownField``."""
    spec = FIELDS_BY_NAME.get(field)
    if spec is None:
        raise UnknownField(field)
    return spec


def editable_field_spec(field: str) -> FieldSpec:
    """Return the catalogue entry of a field with a local value.

    Raises ``UnknownField`` or ``FieldNotEditable``.
    """
    spec = field_spec(field)
    if field in REGISTER_ONLY_FIELDS:
        raise FieldNotEditable(field)
    return spec


def is_editable(field: str) -> bool:
    """Return whether ``field`` is in the catalogue and has a local value."""
    return field in FIELDS_BY_NAME and field not in REGISTER_ONLY_FIELDS


def validate_value(
    field: str, value: object, *, today: datetime.date | None = None
) -> ValidationResult:
    """Check a typed local value of ``field`` and return it normalised, or an error.

    None means "not set" and is always valid, and so is blank text in a text or code
    field. ``today`` (default: the computer's date) bounds dates and years. Raises
    ``UnknownField`` and ``FieldNotEditable``.
    """
    spec = editable_field_spec(field)
    if value is None:
        return ValidationResult(field)

    check = _CHECKS[spec.kind]
    return check(spec, value, today or datetime.date.today())


def parse_local_input(
    field: str, text: str, language: str, *, today: datetime.date | None = None
) -> ValidationResult:
    """Read the text of a form field as ``language`` (``fi``, ``sv`` or ``en``) writes it.

    Numbers take a decimal comma or point and spaces between thousands (English: commas
    between thousands, ``1,234.5``), with or without the field's unit. Dates take the
    forms ``1.2.2020``, ``8.1962`` and ``1962`` and ISO 8601 (``2020-02-01``, ``1962-08``)
    in every language, and English also ``2/1/2020`` and ``8/1962`` (month first).
    Empty text means "not set". The value read is checked as ``validate_value`` checks it.
    Raises ``UnknownField``, ``FieldNotEditable``, and ValueError for another language.
    """
    spec = editable_field_spec(field)
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}, expected one of {LANGUAGES}")
    if not text.strip():
        return ValidationResult(field)

    today = today or datetime.date.today()
    parse = _PARSERS.get(spec.kind)
    if parse is None:
        return validate_value(field, text, today=today)

    parsed = parse(spec, text.strip(), language, today)
    if not parsed.ok:
        return parsed
    return validate_value(field, parsed.value, today=today)


# Checks of typed values, one per kind of field.


def _label(spec: FieldSpec) -> str:
    return _(spec.label)


def _check_text(spec: FieldSpec, value: object, today: datetime.date) -> ValidationResult:
    if not isinstance(value, str):
        return _error(spec, _("{field}: enter text.").format(field=_label(spec)))

    text = _normalised_text(spec, value)
    if not text:
        return ValidationResult(spec.name)

    problem = _text_problem(spec, text)
    if problem is not None:
        return _error(spec, problem)
    return _check_text_format(spec, text)


def _normalised_text(spec: FieldSpec, value: str) -> str:
    if spec.name == NOTES_FIELD:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.strip()


def _text_problem(spec: FieldSpec, text: str) -> str | None:
    """Return the message for text with control characters or too many characters."""
    allowed_controls = "\n\t" if spec.name == NOTES_FIELD else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed_controls for c in text):
        return _("{field}: write the text on one line, without tabs or control characters.").format(
            field=_label(spec)
        )

    maximum = NOTES_MAX_LENGTH if spec.name == NOTES_FIELD else TEXT_MAX_LENGTH
    if len(text) > maximum:
        return ngettext(
            "{field}: enter at most {count} character (the text has {length}).",
            "{field}: enter at most {count} characters (the text has {length}).",
            maximum,
        ).format(
            field=_label(spec),
            count=format_decimal(maximum),
            length=format_decimal(len(text)),
        )
    return None


def _check_text_format(spec: FieldSpec, text: str) -> ValidationResult:
    """Check the text fields whose values have a fixed form."""
    if spec.name == "postal_code" and not (len(text) == 5 and text.isascii() and text.isdigit()):
        return _error(
            spec, _("{field}: enter five digits, such as 00100.").format(field=_label(spec))
        )
    if spec.name in ("property_identifier", "unseparated_parcel_identifier"):
        return _check_property_identifier(spec, text)
    return ValidationResult(spec.name, text)


def _check_property_identifier(spec: FieldSpec, text: str) -> ValidationResult:
    try:
        long_form = normalise_property_identifier(text)
    except ValueError as error:
        return _error(spec, _("{field}: {reason}").format(field=_label(spec), reason=error))

    is_parcel = long_form is not None and "M" in long_form
    if spec.name == "property_identifier" and is_parcel:
        return _error(
            spec,
            _(
                "{field}: enter the property identifier without an unseparated parcel, "
                "such as 5-401-5-1129."
            ).format(field=_label(spec)),
        )
    if spec.name == "unseparated_parcel_identifier" and not is_parcel:
        return _error(
            spec,
            _(
                "{field}: enter the property identifier and the parcel number, "
                "such as 5-401-5-1129-M1."
            ).format(field=_label(spec)),
        )
    return ValidationResult(spec.name, long_form)


def _check_code(spec: FieldSpec, value: object, today: datetime.date) -> ValidationResult:
    list_id = spec.code_lists[LOCAL]
    if not isinstance(value, str):
        return _error(spec, _code_message(spec, list_id, repr(value)))

    code = normalise_code(list_id, value)
    if code is None:
        return ValidationResult(spec.name)
    if not is_known_code(list_id, code):
        return _error(spec, _code_message(spec, list_id, code))
    return ValidationResult(spec.name, code)


def _code_message(spec: FieldSpec, list_id: str, code: str) -> str:
    codes = list_codes(list_id)
    if len(codes) > LISTED_CODES_MAX:
        return _(
            "{field}: {code} is not in the field's code list. Choose a code from the list."
        ).format(field=_label(spec), code=code)
    return _("{field}: {code} is not in the field's code list. Allowed codes: {codes}.").format(
        field=_label(spec), code=code, codes=", ".join(entry.code for entry in codes)
    )


def _check_boolean(spec: FieldSpec, value: object, today: datetime.date) -> ValidationResult:
    if not isinstance(value, bool):
        return _error(spec, _boolean_message(spec))
    return ValidationResult(spec.name, value)


def _boolean_message(spec: FieldSpec) -> str:
    return _("{field}: choose yes or no.").format(field=_label(spec))


def _check_decimal(spec: FieldSpec, value: object, today: datetime.date) -> ValidationResult:
    allowed = DECIMAL_RANGES[spec.name]
    number = _exact_number(value)
    if number is None or not _fits(number, allowed):
        return _error(spec, _decimal_message(spec, allowed))
    return ValidationResult(spec.name, Decimal(0) if number.is_zero() else number)


def _exact_number(value: object) -> Decimal | None:
    """Return an int or finite Decimal as a Decimal, or None for any other value (float too)."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    number = Decimal(value)
    return number if number.is_finite() else None


def _fits(number: Decimal, allowed: NumberRange) -> bool:
    if not allowed.minimum <= number <= allowed.maximum:
        return False
    fraction = decimal_to_text(number).partition(".")[2]
    return len(fraction) <= allowed.fraction_digits


def _decimal_message(spec: FieldSpec, allowed: NumberRange) -> str:
    return ngettext(
        "{field}: enter a number from {minimum} to {maximum}, with at most {count} decimal.",
        "{field}: enter a number from {minimum} to {maximum}, with at most {count} decimals.",
        allowed.fraction_digits,
    ).format(
        field=_label(spec),
        minimum=format_decimal(allowed.minimum),
        # The unit follows the upper bound only: "0 to 500 000 m²".
        maximum=f"{format_decimal(allowed.maximum)} {allowed.unit}".rstrip(),
        count=allowed.fraction_digits,
    )


def _check_integer(spec: FieldSpec, value: object, today: datetime.date) -> ValidationResult:
    minimum, maximum = _integer_range(spec.name, today)
    number = _exact_number(value)
    if number is None or number != number.to_integral_value():
        return _error(spec, _integer_message(spec, minimum, maximum))

    whole = int(number)
    if not minimum <= whole <= maximum:
        return _error(spec, _integer_message(spec, minimum, maximum))
    return ValidationResult(spec.name, whole)


def _integer_range(field: str, today: datetime.date) -> tuple[int, int]:
    if field == "acquisition_year":
        return EARLIEST_YEAR, today.year
    if field == "strategy_target_year":
        return EARLIEST_YEAR, today.year + STRATEGY_YEARS_AHEAD
    return INTEGER_RANGES[field]


def _integer_message(spec: FieldSpec, minimum: int, maximum: int) -> str:
    if spec.name in YEAR_FIELDS:
        # Years are written without a thousands separator.
        return _("{field}: enter a year from {minimum} to {maximum}.").format(
            field=_label(spec), minimum=minimum, maximum=maximum
        )
    return _("{field}: enter a whole number from {minimum} to {maximum}.").format(
        field=_label(spec), minimum=format_decimal(minimum), maximum=format_decimal(maximum)
    )


def _check_date(spec: FieldSpec, value: object, today: datetime.date) -> ValidationResult:
    if isinstance(value, datetime.date):
        value = PartialDate(value.year, value.month, value.day)
    if not isinstance(value, PartialDate):
        return _error(spec, _date_range_message(spec, today))

    latest = PartialDate(today.year, today.month, today.day)
    # A date known only to the year or month sorts before its first day, so "this year"
    # and "this month" are accepted.
    if value.year < EARLIEST_YEAR or value > latest:
        return _error(spec, _date_range_message(spec, today))
    return ValidationResult(spec.name, value)


def _date_range_message(spec: FieldSpec, today: datetime.date) -> str:
    return _("{field}: enter a date from the year {minimum} up to today, {today}.").format(
        field=_label(spec),
        minimum=EARLIEST_YEAR,
        today=format_partial_date(PartialDate(today.year, today.month, today.day)),
    )


def _error(spec: FieldSpec, message: str) -> ValidationResult:
    return ValidationResult(spec.name, message=message)


_Check = Callable[[FieldSpec, object, datetime.date], ValidationResult]

_CHECKS: dict[FieldKind, _Check] = {
    FieldKind.TEXT: _check_text,
    FieldKind.CODE: _check_code,
    FieldKind.DECIMAL: _check_decimal,
    FieldKind.MONEY: _check_decimal,
    FieldKind.INTEGER: _check_integer,
    FieldKind.DATE: _check_date,
    FieldKind.BOOLEAN: _check_boolean,
}


# Readers of form text, for the kinds whose text needs converting.


def _parse_number(
    spec: FieldSpec, text: str, language: str, today: datetime.date
) -> ValidationResult:
    allowed = DECIMAL_RANGES.get(spec.name)
    unit = allowed.unit if allowed is not None else ""
    number_text = _without_unit(text, unit)
    if language == "en" and _ENGLISH_GROUPED_NUMBER.fullmatch(number_text):
        number_text = number_text.replace(",", "")

    try:
        number = parse_decimal(number_text)
    except ValueError:
        number = None

    if number is not None:
        return ValidationResult(spec.name, number)
    if allowed is not None:
        return _error(spec, _decimal_message(spec, allowed))
    return _error(spec, _integer_message(spec, *_integer_range(spec.name, today)))


def _without_unit(text: str, unit: str) -> str:
    """Return ``text`` without the unit written before or after it (``€1.50``, ``12 m2``)."""
    for spelling in _UNIT_SPELLINGS.get(unit, (unit,) if unit else ()):
        if text.endswith(spelling):
            return text.removesuffix(spelling).strip()
        if text.startswith(spelling) and unit == "€":
            return text.removeprefix(spelling).strip()
    return text


def _parse_boolean(
    spec: FieldSpec, text: str, language: str, today: datetime.date
) -> ValidationResult:
    try:
        return ValidationResult(spec.name, parse_boolean(text))
    except ValueError:
        return _error(spec, _boolean_message(spec))


def _parse_date(
    spec: FieldSpec, text: str, language: str, today: datetime.date
) -> ValidationResult:
    try:
        value = _date_from_text(text, language)
    except DayNotInMonth as error:
        return _error(
            spec,
            _("{field}: the month {month} has no day {day}.").format(
                field=_label(spec), month=error.month_text, day=error.day
            ),
        )
    except ValueError:
        value = None

    if value is None:
        return _error(spec, _date_format_message(spec, language))
    return ValidationResult(spec.name, value)


def _date_from_text(text: str, language: str) -> PartialDate | None:
    """Return the date that ``text`` names, or None for text in no accepted form.

    Raises ValueError for a day or month that does not exist.
    """
    if match := _DAY_MONTH_YEAR.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        return PartialDate(year, month, day)
    if match := _MONTH_YEAR_DOTTED.fullmatch(text):
        month, year = (int(part) for part in match.groups())
        return PartialDate(year, month)

    # English dates are day first, as British English writes them: 01/02/2020.
    if language == "en" and (match := _DAY_MONTH_YEAR_SLASHED.fullmatch(text)):
        day, month, year = (int(part) for part in match.groups())
        return PartialDate(year, month, day)
    if language == "en" and (match := _MONTH_YEAR_SLASHED.fullmatch(text)):
        month, year = (int(part) for part in match.groups())
        return PartialDate(year, month)

    return PartialDate.from_iso(text)


def _date_format_message(spec: FieldSpec, language: str) -> str:
    return _(
        "{field}: enter a date such as {day}, a month such as {month} or a year such as {year}."
    ).format(
        field=_label(spec),
        day=format_partial_date(PartialDate(2020, 2, 1), language),
        month=format_partial_date(PartialDate(1962, 8), language),
        year="1962",
    )


_Parse = Callable[[FieldSpec, str, str, datetime.date], ValidationResult]

_PARSERS: dict[FieldKind, _Parse] = {
    FieldKind.DECIMAL: _parse_number,
    FieldKind.MONEY: _parse_number,
    FieldKind.INTEGER: _parse_number,
    FieldKind.DATE: _parse_date,
    FieldKind.BOOLEAN: _parse_boolean,
}
