"""Column types that store areas, money, partial dates and times exactly."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from tilaapp.domain.dates import PartialDate

# Areas, volumes, percentages and coordinates are stored as integers in thousandths, so
# that SQL can sum and sort them and no value passes through a float.
DECIMAL_SCALE = 3
_DECIMAL_FACTOR: int = 10**DECIMAL_SCALE


class ScaleError(ValueError):
    """A decimal has more fraction digits than the column stores."""


class ScaledDecimal(TypeDecorator[Decimal]):
    """A Decimal with at most three fraction digits, stored as an integer of thousandths."""

    impl = Integer
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = value * _DECIMAL_FACTOR
        if scaled != scaled.to_integral_value():
            raise ScaleError(f"{value} has more than {DECIMAL_SCALE} fraction digits")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)) / _DECIMAL_FACTOR

    def process_literal_param(self, value: Decimal | None, dialect: Dialect) -> str:
        bound = self.process_bind_param(value, dialect)
        return "NULL" if bound is None else str(bound)


class Money(TypeDecorator[Decimal]):
    """Euros as a Decimal with at most two fraction digits, stored as integer cents."""

    impl = Integer
    cache_ok = True

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        cents = value * 100
        if cents != cents.to_integral_value():
            raise ScaleError(f"{value} has more than 2 fraction digits")
        return int(cents)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)) / 100


class PartialDateType(TypeDecorator[PartialDate]):
    """A date of year, month or day precision, stored as reduced ISO 8601 text.

    Text comparison orders these correctly: ``'1962' < '1962-08' < '1962-08-05' < '1963'``.
    """

    impl = String(10)
    cache_ok = True

    @property
    def python_type(self) -> type[PartialDate]:
        return PartialDate

    def process_bind_param(self, value: PartialDate | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> PartialDate | None:
        return None if value is None else PartialDate.from_iso(str(value))


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """A timezone-aware UTC time, stored as ISO 8601 text with offset."""

    impl = String(32)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime.datetime]:
        return datetime.datetime

    def process_bind_param(self, value: datetime.datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; store times in UTC with tzinfo")
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime.datetime | None:
        return None if value is None else datetime.datetime.fromisoformat(str(value))


class ISODate(TypeDecorator[datetime.date]):
    """A full date stored as ``YYYY-MM-DD`` text."""

    impl = String(10)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime.date]:
        return datetime.date

    def process_bind_param(self, value: datetime.date | None, dialect: Dialect) -> str | None:
        return None if value is None else value.isoformat()

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime.date | None:
        return None if value is None else datetime.date.fromisoformat(str(value))
