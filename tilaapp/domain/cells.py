"""Cells of a user's own spreadsheet or CSV file: typing text cells, reading them as field values.

A CSV file has only text, so ``typed_text_cell`` turns the text of a number or a
``D.M.YYYY`` date into a number or a date, as Excel would on opening the file. Text
that starts with a zero followed by a digit stays text, because it is an identifier or
a code (postal code ``00560``, municipality ``091``), not a number.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from tilaapp.domain.dates import PartialDate, parse_register_date
from tilaapp.domain.fields import FieldKind
from tilaapp.domain.numbers import decimal_to_text, parse_boolean, parse_decimal, parse_integer
from tilaapp.i18n import gettext as _

# Serial day numbers of Excel (ECMA-376 Part 1, 18.17.4.1): the 1900 date system counts
# 1 as 1.1.1900 and includes the non-existent day 29.2.1900 as serial 60, so serials
# from 61 on are counted from 30.12.1899. The 1904 system counts 0 as 1.1.1904.
_EPOCH_1900_BEFORE_LEAP_BUG = datetime.date(1899, 12, 31)
_EPOCH_1900 = datetime.date(1899, 12, 30)
_EPOCH_1904 = datetime.date(1904, 1, 1)
_FICTITIOUS_LEAP_DAY = 60
# 31.12.9999, the last day Excel shows, in the 1900 system.
_MAX_SERIAL = 2_958_465
# The smallest YYYYMMDD number: 1.1.1000. Every serial is below it.
_MIN_REGISTER_DATE_NUMBER = 10_000_101

_LEADING_ZERO = re.compile(r"[-\u2212]?0[0-9]")
_FINNISH_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


def typed_text_cell(text: str) -> object:
    """Return the text of a CSV cell as None, an int, a Decimal, a date or stripped text.

    ``"-12,5"`` and ``"1 234,5"`` (also with a no-break space between the thousands)
    become ``Decimal``, ``"1234"`` becomes ``int``, ``"5.3.2021"`` becomes a
    ``datetime.date``. Text with a leading zero, such as ``"00560"``, stays text.
    """
    stripped = text.strip()
    if not stripped:
        return None

    if _LEADING_ZERO.match(stripped) is None:
        number = _number_or_none(stripped)
        if number is not None:
            return number

    date = _finnish_date_or_none(stripped)
    return date if date is not None else stripped


def excel_serial_date(serial: int | float | Decimal, *, date1904: bool) -> datetime.date:
    """Return the day of an Excel serial date number; a fraction (the time) is dropped.

    Raises ValueError for a serial outside Excel's dates and for 60 in the 1900 system,
    which is the non-existent 29 February 1900.
    """
    day = int(serial)
    if date1904:
        if not 0 <= day <= _MAX_SERIAL - 1462:
            raise ValueError(_serial_message(serial))
        return _EPOCH_1904 + datetime.timedelta(days=day)

    if not 1 <= day <= _MAX_SERIAL or day == _FICTITIOUS_LEAP_DAY:
        raise ValueError(_serial_message(serial))
    if day < _FICTITIOUS_LEAP_DAY:
        return _EPOCH_1900_BEFORE_LEAP_BUG + datetime.timedelta(days=day)
    return _EPOCH_1900 + datetime.timedelta(days=day)


def cell_to_field_value(value: object, kind: FieldKind, *, date1904: bool = False) -> object:
    """Read a typed cell as a value of a field of ``kind``, before validation.

    Dates accept date cells, text (``D.M.YYYY``, ``YYYYMMDD``, ISO 8601) and numbers:
    ``YYYYMMDD`` numbers from 10000101 up, Excel serial dates below that, counted in
    the workbook's date system. Returns None for an empty cell. Raises ValueError with a
    message for the user.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None

    if kind is FieldKind.DATE:
        return _date_value(value, date1904)
    if kind in (FieldKind.DECIMAL, FieldKind.MONEY):
        return parse_decimal(value)
    if kind is FieldKind.INTEGER:
        return parse_integer(value)
    if kind is FieldKind.BOOLEAN:
        return parse_boolean(value)
    return _text_value(value)


def _number_or_none(text: str) -> int | Decimal | None:
    try:
        number = parse_decimal(text)
    except ValueError:
        return None
    if number is None:
        return None
    if "," not in text and "." not in text:
        return int(number)
    return number


def _finnish_date_or_none(text: str) -> datetime.date | None:
    match = _FINNISH_DATE.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _date_value(value: object, date1904: bool) -> PartialDate | None:
    if isinstance(value, bool):
        raise ValueError(_("invalid date {value}: expected a date").format(value=repr(value)))
    if isinstance(value, int | float | Decimal) and 0 < value < _MIN_REGISTER_DATE_NUMBER:
        day = excel_serial_date(value, date1904=date1904)
        return PartialDate(day.year, day.month, day.day)
    return parse_register_date(value)


def _text_value(value: object) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        number = parse_decimal(value)
        assert number is not None  # a number cell is never empty
        return decimal_to_text(number)
    if isinstance(value, datetime.datetime | datetime.date):
        return f"{value.day}.{value.month}.{value.year}"
    return str(value)


def _serial_message(serial: object) -> str:
    return _("invalid date {value}: not an Excel date number").format(value=repr(serial))
