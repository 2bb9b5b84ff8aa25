"""Checks of the portfolio before an update package is written.

An error blocks the export: the value in use is impossible or surely mistyped, and the
national premises centre would add it up with the other municipalities' figures. A
warning does not block it: a value the centre needs is missing. The checks read the
value in use of each field (local, else register), because that is what the package
sends. Register values are stored as the register gives them, so errors come mostly
from the register. Local values are already checked when they are entered.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.domain.codelists import building_class_2018_for
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME
from tilaapp.domain.formatting import format_decimal
from tilaapp.i18n import gettext as _
from tilaapp.services.building_view import BuildingView, load_building
from tilaapp.sources.records import Severity
from tilaapp.storage.models import PortfolioEntry

# The plausible gross floor area of one building, in m². The upper bound is that of the
# local value check (tilaapp.domain.validation.AREA_MAXIMUM).
GROSS_FLOOR_AREA_MINIMUM = Decimal(1)
GROSS_FLOOR_AREA_MAXIMUM = Decimal(500_000)
STOREYS_MINIMUM = 0
STOREYS_MAXIMUM = 60
# A completion year before 1500 is taken for a typing error, such as 962 for 1962.
COMPLETION_YEAR_MINIMUM = 1500
# Condition classes run from 1 (poor) to 5 (new).
CONDITION_CLASS_MINIMUM = 1
CONDITION_CLASS_MAXIMUM = 5
UTILISATION_MINIMUM = Decimal(0)
UTILISATION_MAXIMUM = Decimal(100)
MONEY_FIELDS: tuple[str, ...] = (
    "acquisition_cost",
    "replacement_cost",
    "maintenance_cost_per_year",
    "rental_income_per_year",
)

# Field name of a finding about the portfolio entry rather than a field of the catalogue.
HOLDER_FIELD = "holder_entity"
# Field name of the finding of a building with no building class of either classification.
CLASS_FIELD = "building_class_2018"


@dataclass(frozen=True)
class Finding:
    """One problem of one portfolio building that the export checks found."""

    building_id: int
    """The database id."""
    permanent_building_identifier: str | None
    field: str
    """A field of ``tilaapp.domain.fields``, or ``holder_entity``."""
    severity: Severity
    message: str
    """Translated into the language in use when the check ran."""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def validate_portfolio(
    session: Session,
    *,
    today: datetime.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Finding]:
    """Check every building of the portfolio and return the findings, errors first.

    ``progress`` is called with the number of buildings checked and their total.
    """
    query = select(PortfolioEntry.building_id).order_by(PortfolioEntry.building_id)
    ids = list(session.scalars(query))
    views = []
    for done, building_id in enumerate(ids, start=1):
        views.append(load_building(session, building_id))
        if progress is not None:
            progress(done, len(ids))
    return check_buildings(views, today=today)


def check_buildings(
    views: Iterable[BuildingView], *, today: datetime.date | None = None
) -> list[Finding]:
    """Return the findings of the given buildings, errors first, then by building."""
    latest_year = (today or datetime.date.today()).year + 1
    findings: list[Finding] = []
    for view in views:
        findings.extend(_errors(view, latest_year))
        findings.extend(_warnings(view))
    return sorted(findings, key=lambda finding: (not finding.is_error, finding.building_id))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.is_error for finding in findings)


def _finding(view: BuildingView, field: str, severity: Severity, message: str) -> Finding:
    return Finding(view.id, view.permanent_building_identifier, field, severity, message)


def _label(field: str) -> str:
    return _(FIELDS_BY_NAME[field].label)


# Errors


def _errors(view: BuildingView, latest_year: int) -> list[Finding]:
    messages = [
        _area_error(view.field("gross_floor_area").value),
        _storeys_error(view.field("number_of_storeys").value),
        _completion_error(view.field("completion_date").value, latest_year),
        _condition_error(view.field("condition_class").value),
        _utilisation_error(view.field("utilisation_rate").value),
    ]
    fields = (
        "gross_floor_area",
        "number_of_storeys",
        "completion_date",
        "condition_class",
        "utilisation_rate",
    )
    findings = [
        _finding(view, field, Severity.ERROR, message)
        for field, message in zip(fields, messages, strict=True)
        if message is not None
    ]
    for field in MONEY_FIELDS:
        message = _money_error(field, view.field(field).value)
        if message is not None:
            findings.append(_finding(view, field, Severity.ERROR, message))
    return findings


def _area_error(value: Decimal | None) -> str | None:
    if value is None or GROSS_FLOOR_AREA_MINIMUM <= value <= GROSS_FLOOR_AREA_MAXIMUM:
        return None
    return _(
        "{field} {value} m² is outside {minimum}–{maximum} m². Correct the value in use, "
        "or enter the right one as a local value."
    ).format(
        field=_label("gross_floor_area"),
        value=format_decimal(value, max_fraction_digits=3),
        minimum=format_decimal(GROSS_FLOOR_AREA_MINIMUM),
        maximum=format_decimal(GROSS_FLOOR_AREA_MAXIMUM),
    )


def _storeys_error(value: int | None) -> str | None:
    if value is None or STOREYS_MINIMUM <= value <= STOREYS_MAXIMUM:
        return None
    return _(
        "{field} {value} is outside {minimum}–{maximum}. Correct the value in use, or "
        "enter the right one as a local value."
    ).format(
        field=_label("number_of_storeys"),
        value=value,
        minimum=STOREYS_MINIMUM,
        maximum=STOREYS_MAXIMUM,
    )


def _completion_error(value: PartialDate | None, latest_year: int) -> str | None:
    if value is None or COMPLETION_YEAR_MINIMUM <= value.year <= latest_year:
        return None
    # Years are written without a thousands separator.
    return _(
        "The completion year {year} is outside {minimum}–{maximum}. Correct the value in "
        "use, or enter the right one as a local value."
    ).format(year=value.year, minimum=COMPLETION_YEAR_MINIMUM, maximum=latest_year)


def _condition_error(value: int | None) -> str | None:
    if value is None or CONDITION_CLASS_MINIMUM <= value <= CONDITION_CLASS_MAXIMUM:
        return None
    return _("{field} {value} is outside {minimum}–{maximum}. Enter a class from 1 to 5.").format(
        field=_label("condition_class"),
        value=value,
        minimum=CONDITION_CLASS_MINIMUM,
        maximum=CONDITION_CLASS_MAXIMUM,
    )


def _utilisation_error(value: Decimal | None) -> str | None:
    if value is None or UTILISATION_MINIMUM <= value <= UTILISATION_MAXIMUM:
        return None
    return _("{field} {value} % is outside 0–100 %. Enter the share of space in use.").format(
        field=_label("utilisation_rate"), value=format_decimal(value, max_fraction_digits=3)
    )


def _money_error(field: str, value: Decimal | None) -> str | None:
    if value is None or value >= 0:
        return None
    return _("{field} {value} € is negative. Enter an amount of 0 € or more.").format(
        field=_label(field), value=format_decimal(value)
    )


# Warnings


def _warnings(view: BuildingView) -> list[Finding]:
    findings = []
    for field in ("gross_floor_area", "completion_date", "condition_class"):
        if view.field(field).value is None:
            findings.append(_finding(view, field, Severity.WARNING, _missing(_label(field))))

    class_2018, _origin = building_class_2018_for(
        view.field("building_class_2018").value, view.field("use_class_1994").value
    )
    if class_2018 is None:
        label = _("Building class")
        findings.append(_finding(view, CLASS_FIELD, Severity.WARNING, _missing(label)))

    if view.portfolio is not None and view.portfolio.holder_entity_id is None:
        label = _("Holder entity")
        findings.append(_finding(view, HOLDER_FIELD, Severity.WARNING, _missing(label)))
    return findings


def _missing(label: str) -> str:
    return _("{field} is missing. The package is sent without it.").format(field=label)
