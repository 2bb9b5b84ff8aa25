"""Dates of the building register, which may be known only to the year or the month.

The register writes dates as ``YYYYMMDD`` and puts ``00`` in an unknown month or day:
``19250000`` is the year 1925 and ``19620800`` is August 1962. Such a date is kept as a
``PartialDate`` and written in the reduced precision of ISO 8601 (``1925``, ``1962-08``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal

from tilaapp.domain.numbers import parse_integer
from tilaapp.i18n import gettext as _

_ISO_PARTIAL_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_REGISTER_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_FINNISH_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_EMPTY_REGISTER_DATE = "00000000"


class DayNotInMonth(ValueError):
    """A day that the month does not have, such as 31 February."""

    def __init__(self, year: int, month: int, day: int) -> None:
        from tilaapp.domain.formatting import format_partial_date

        self.year = year
        self.month = month
        self.day = day
        self.month_text = format_partial_date(PartialDate(year, month))
        """The month as the UI language writes it: fi ``2.2020``."""
        super().__init__(
            _("day {day} does not exist in the month {month}").format(
                day=day, month=self.month_text
            )
        )


def _days_in_month(year: int, month: int) -> int:
    # With datetime rather than the calendar module, which the first window does without.
    if month == 12:
        return 31
    return (datetime.date(year, month + 1, 1) - datetime.date(year, month, 1)).days


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date whose month, or day, may be unknown.

    A day needs a month. Dates sort by year, then month, then day, and a date known only
    to the year or month sorts before the more precise dates within it.
    """

    year: int = field(compare=False)
    month: int | None = field(default=None, compare=False)
    day: int | None = field(default=None, compare=False)
    _sort_key: tuple[int, int, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._validate()
        object.__setattr__(self, "_sort_key", (self.year, self.month or 0, self.day or 0))

    def _validate(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(_("year {year} is outside 1 to 9999").format(year=self.year))
        if self.month is None:
            if self.day is not None:
                raise ValueError(_("a day is given without a month"))
            return

        if not 1 <= self.month <= 12:
            raise ValueError(_("month {month} is outside 1 to 12").format(month=self.month))
        if self.day is None:
            return

        if not 1 <= self.day <= _days_in_month(self.year, self.month):
            raise DayNotInMonth(self.year, self.month, self.day)

    def isoformat(self) -> str:
        """Return the ISO 8601 form in this date's precision: ``1962``, ``1962-08``, …"""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @classmethod
    def from_iso(cls, text: str) -> PartialDate:
        """Parse the output of ``isoformat``. Raises ValueError for any other text."""
        match = _ISO_PARTIAL_DATE.fullmatch(text)
        if match is None:
            raise ValueError(
                _("invalid date {value}: expected YYYY, YYYY-MM or YYYY-MM-DD").format(
                    value=repr(text)
                )
            )

        year, month, day = match.groups()
        return cls(
            int(year),
            None if month is None else int(month),
            None if day is None else int(day),
        )

    @property
    def precision(self) -> str:
        """Precision of the date: ``'year'``, ``'month'`` or ``'day'``."""
        if self.month is None:
            return "year"
        if self.day is None:
            return "month"
        return "day"

    def to_date(self) -> datetime.date | None:
        """Return the full date, or None when the month or day is unknown."""
        if self.month is None or self.day is None:
            return None
        return datetime.date(self.year, self.month, self.day)


def parse_register_date(value: object) -> PartialDate | None:
    """Parse a date cell of a register file.

    Accepts ``YYYYMMDD`` as text or number with ``00`` for an unknown month or day,
    ``D.M.YYYY`` (leading zeros allowed), ISO ``YYYY-MM-DD``, ``YYYY-MM`` and ``YYYY``,
    and ``datetime.date`` or ``datetime.datetime`` objects (whose time is ignored).
    Returns None for an empty cell (``None``, blank text, ``00000000`` or the number 0).
    Raises ValueError for anything else and for dates that do not exist.
    """
    if isinstance(value, datetime.datetime):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, datetime.date):
        return PartialDate(value.year, value.month, value.day)

    text = _date_text(value)
    if text is None or text == _EMPTY_REGISTER_DATE:
        return None

    try:
        return _parse_date_text(text)
    except ValueError as error:
        raise ValueError(
            _("invalid date {value}: {reason}").format(value=repr(value), reason=error)
        ) from error


def parse_iso_date(text: str) -> datetime.date:
    """Parse a full date in the strict form ``YYYY-MM-DD``, as a command-line option gives it."""
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        raise ValueError(
            _("invalid date {value}: expected YYYY-MM-DD, for example 2024-03-31").format(
                value=repr(text)
            )
        )

    year, month, day = (int(part) for part in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError as error:
        raise ValueError(
            _("invalid date {value}: no such day in the calendar").format(value=repr(text))
        ) from error


def _date_text(value: object) -> str | None:
    """Return a date cell as stripped text, or None when the cell is empty."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if not isinstance(value, int | float | Decimal):
        raise ValueError(
            _("invalid date {value}: expected text, a number or a date").format(value=repr(value))
        )

    try:
        number = parse_integer(value)
    except ValueError as error:
        raise ValueError(
            _("invalid date {value}: expected a whole number such as 19620805").format(
                value=repr(value)
            )
        ) from error

    # A cell of 00000000 stored as a number arrives as 0.
    return str(number) if number else None


def _parse_date_text(text: str) -> PartialDate:
    """Parse a non-empty date text in any of the accepted forms."""
    register_match = _REGISTER_DATE.fullmatch(text)
    if register_match is not None:
        year, month, day = (int(part) for part in register_match.groups())
        return _partial_date_with_zero_parts(year, month, day)

    finnish_match = _FINNISH_DATE.fullmatch(text)
    if finnish_match is not None:
        day, month, year = (int(part) for part in finnish_match.groups())
        return PartialDate(year, month, day)

    if _ISO_PARTIAL_DATE.fullmatch(text) is not None:
        return PartialDate.from_iso(text)

    raise ValueError(_("expected YYYYMMDD, D.M.YYYY, YYYY-MM-DD, YYYY-MM or YYYY"))


def _partial_date_with_zero_parts(year: int, month: int, day: int) -> PartialDate:
    """Build a date of the register's ``YYYYMMDD`` form, where ``00`` means unknown."""
    if month == 0 and day != 0:
        raise ValueError(_("a day is given without a month"))
    if month == 0:
        return PartialDate(year)
    if day == 0:
        return PartialDate(year, month)
    return PartialDate(year, month, day)
