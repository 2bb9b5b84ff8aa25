"""Plain records and problems that every source reader produces."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilaapp.domain.fields import Source
from tilaapp.i18n import N_, gettext


class Severity(enum.StrEnum):
    ERROR = "error"
    """The value or the row was not stored."""
    WARNING = "warning"
    """Stored as it came, but the user should look at it."""


class ProblemKind(enum.StrEnum):
    """Row-level problems. Each message is an English template with named placeholders."""

    MALFORMED_IDENTIFIER = "malformed_identifier"
    CHECK_CHARACTER_FAILED = "check_character_failed"
    NO_IDENTIFIER = "no_identifier"
    DUPLICATE_IDENTIFIER = "duplicate_identifier"
    DUPLICATE_BUILDING = "duplicate_building"
    UNKNOWN_CODE = "unknown_code"
    INVALID_NUMBER = "invalid_number"
    INVALID_DATE = "invalid_date"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_MUNICIPALITY = "unknown_municipality"
    MERGED_MUNICIPALITY = "merged_municipality"
    INVALID_BUSINESS_ID = "invalid_business_id"
    UNKNOWN_BUILDING = "unknown_building"
    UNKNOWN_HEADER = "unknown_header"
    MISSING_COLUMN = "missing_column"


PROBLEM_MESSAGES: dict[ProblemKind, str] = {
    ProblemKind.MALFORMED_IDENTIFIER: N_(
        "The permanent building identifier is malformed: it must be nine digits starting "
        "with 1 followed by a check character."
    ),
    ProblemKind.CHECK_CHARACTER_FAILED: N_(
        "The check character of the permanent building identifier does not match; "
        "expected {expected}. The building was stored as it came."
    ),
    ProblemKind.NO_IDENTIFIER: N_(
        "The row has neither a valid permanent building identifier nor an old building "
        "identifier, so it cannot be matched to a building and was skipped."
    ),
    ProblemKind.DUPLICATE_IDENTIFIER: N_(
        "The identifier {identifier} appears on an earlier row ({first_row}); this row was skipped."
    ),
    ProblemKind.DUPLICATE_BUILDING: N_(
        "The building {identifier} appears earlier in the file; this row was skipped."
    ),
    ProblemKind.UNKNOWN_CODE: N_(
        "Code {code} is not in the code list {code_list}; it was stored as it came."
    ),
    ProblemKind.INVALID_NUMBER: N_("The value is not a number; the field was left empty."),
    ProblemKind.INVALID_DATE: N_(
        "The value is not a date (YYYYMMDD, D.M.YYYY or YYYY-MM-DD); the field was left empty."
    ),
    ProblemKind.INVALID_VALUE: N_("The value is not valid here; the field was left empty."),
    ProblemKind.UNKNOWN_MUNICIPALITY: N_(
        "Municipality code {code} is not in the list of municipalities; it was stored as it came."
    ),
    ProblemKind.MERGED_MUNICIPALITY: N_(
        "Municipality code {code} was merged into {new_code} ({new_name}) in {year}; it was "
        "stored as it came."
    ),
    ProblemKind.INVALID_BUSINESS_ID: N_(
        "The business ID is not valid (format 1234567-8 with a check digit); the owner was "
        "stored without it."
    ),
    ProblemKind.UNKNOWN_BUILDING: N_(
        "The row refers to building {identifier}, which is not on the building sheet; "
        "the row was skipped."
    ),
    ProblemKind.UNKNOWN_HEADER: N_("The column is not known to tilaapp and was not read."),
    ProblemKind.MISSING_COLUMN: N_("The sheet has no column for {field}."),
}


@dataclass(frozen=True)
class RowProblem:
    """One problem on one row of an input file.

    ``value`` is None when the cell belongs to a column that holds personal data: such
    values are never copied into a problem list.
    """

    file: str
    kind: ProblemKind
    severity: Severity
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    params: dict[str, str] = field(default_factory=dict)

    def message(self) -> str:
        """Return the reason in the current language."""
        return gettext(PROBLEM_MESSAGES[self.kind]).format(**self.params)


@dataclass
class AddressRecord:
    address_number: int | None = None
    street_name_fi: str | None = None
    street_name_sv: str | None = None
    house_number: str | None = None
    postal_code: str | None = None
    post_office_fi: str | None = None
    post_office_sv: str | None = None


@dataclass
class OwnerRecord:
    """An owner row with only what the inventory may keep: no person's identity."""

    is_person: bool
    owner_type: str | None = None
    business_id: str | None = None
    """Y-tunnus of an organisation; always None for a person."""


@dataclass
class BuildingRecord:
    """One building as a source gives it.

    ``values`` maps field names of ``tilaapp.domain.fields.REGISTER_FIELDS`` to typed
    values: ``str`` for text and codes, ``Decimal``, ``int``, ``bool`` and
    ``PartialDate``. A field absent from ``values`` was not in the file; a field present
    with None was in the file and empty.
    """

    source: Source
    row: int
    permanent_building_identifier: str | None
    values: dict[str, Any] = field(default_factory=dict)
    addresses: list[AddressRecord] = field(default_factory=list)
    owners: list[OwnerRecord] = field(default_factory=list)

    @property
    def old_building_identifier(self) -> str | None:
        value = self.values.get("old_building_identifier")
        return value if isinstance(value, str) else None

    @property
    def municipality_number(self) -> str | None:
        value = self.values.get("municipality_number")
        return value if isinstance(value, str) else None


class RejectionReason(enum.StrEnum):
    NOT_FOUND = "not_found"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    NOT_A_WORKBOOK = "not_a_workbook"
    PASSWORD_PROTECTED = "password_protected"
    NO_BUILDING_SHEET = "no_building_sheet"
    NO_IDENTIFIER_COLUMN = "no_identifier_column"
    UNREADABLE = "unreadable"
    UNSUPPORTED_FORMAT = "unsupported_format"


REJECTION_MESSAGES: dict[RejectionReason, str] = {
    RejectionReason.NOT_FOUND: N_("The file {file} was not found."),
    RejectionReason.TOO_LARGE: N_(
        "The file {file} is {size} MB; files over {limit} MB are not read."
    ),
    RejectionReason.EMPTY: N_("The file {file} is empty."),
    RejectionReason.NOT_A_WORKBOOK: N_(
        "The file {file} is not an Excel workbook (.xlsx). Save it in Excel as an .xlsx "
        "workbook and try again."
    ),
    RejectionReason.PASSWORD_PROTECTED: N_(
        "The file {file} is password-protected or in the old .xls format. Remove the "
        "password or save it in Excel as an .xlsx workbook and try again."
    ),
    RejectionReason.NO_BUILDING_SHEET: N_(
        "The workbook {file} has no building sheet (R1 rakennus), so it is not a DVV "
        "building extract."
    ),
    RejectionReason.NO_IDENTIFIER_COLUMN: N_(
        "The building sheet of {file} has no building identifier column (Rakennustunnus)."
    ),
    RejectionReason.UNREADABLE: N_("The file {file} could not be read: {detail}"),
    RejectionReason.UNSUPPORTED_FORMAT: N_(
        "The file {file} is not in a supported format. Supported formats: {formats}."
    ),
}


class FileRejected(Exception):
    """The whole file cannot be read; nothing from it may be stored."""

    def __init__(self, path: Path, reason: RejectionReason, **params: str) -> None:
        self.path = path
        self.reason = reason
        self.params = {"file": path.name, **params}
        super().__init__(f"{path}: {reason.value} {params}")

    def message(self) -> str:
        """Return the reason in the current language."""
        return gettext(REJECTION_MESSAGES[self.reason]).format(**self.params)
