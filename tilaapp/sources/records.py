"""Plain records and problems that every source reader produces."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tilaapp.domain.fields import ALL_FIELDS, Source
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
    COORDINATES_OUTSIDE_FINLAND = "coordinates_outside_finland"
    NO_PROPERTIES = "no_properties"
    NO_BUILDING_KEY = "no_building_key"
    UNKNOWN_BUILDING_KEY = "unknown_building_key"
    WRONG_COLUMN_COUNT = "wrong_column_count"
    DUPLICATE_ROW = "duplicate_row"
    NON_CONSECUTIVE_ROWS = "non_consecutive_rows"
    ENCODING_CHANGED = "encoding_changed"
    INVALID_ENCODING = "invalid_encoding"
    CUT_LAST_ROW = "cut_last_row"
    QUOTE_REMOVED = "quote_removed"


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
        "Code {code} is not in the code list of the field {field}; it was stored as it came."
    ),
    ProblemKind.INVALID_NUMBER: N_("The value is not a number, so it was not read."),
    ProblemKind.INVALID_DATE: N_(
        "The value is not a date (YYYYMMDD, D.M.YYYY or YYYY-MM-DD), so it was not read."
    ),
    ProblemKind.INVALID_VALUE: N_("The value is not valid here, so it was not read."),
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
    ProblemKind.COORDINATES_OUTSIDE_FINLAND: N_(
        "The coordinates north {y}, east {x} lie outside Finland, so they were not read."
    ),
    ProblemKind.NO_PROPERTIES: N_("The feature has no properties, so it was skipped."),
    ProblemKind.NO_BUILDING_KEY: N_(
        "The address has no building key, so it cannot be linked to a building and was skipped."
    ),
    ProblemKind.UNKNOWN_BUILDING_KEY: N_(
        "The address refers to building key {key}, which no building file of this import "
        "contains; the address was skipped."
    ),
    ProblemKind.WRONG_COLUMN_COUNT: N_(
        "The row has {count} columns instead of {expected}, so it was skipped."
    ),
    ProblemKind.DUPLICATE_ROW: N_("The row repeats the row before it exactly, so it was skipped."),
    ProblemKind.NON_CONSECUTIVE_ROWS: N_(
        "Building {identifier} already appeared on earlier rows, and other rows stand between "
        "them and this one, so this row was skipped."
    ),
    ProblemKind.ENCODING_CHANGED: N_(
        "The row is not valid UTF-8 although earlier rows are, so it and the rows after it "
        "were read as {encoding}."
    ),
    ProblemKind.INVALID_ENCODING: N_(
        "The row contains bytes that are not valid {encoding}, so they were replaced with "
        "the replacement character U+FFFD."
    ),
    ProblemKind.CUT_LAST_ROW: N_(
        "The file ends in the middle of a row, so it may be incomplete, for example from an "
        "interrupted download. No building was marked as no longer in the source."
    ),
    ProblemKind.QUOTE_REMOVED: N_(
        'The value has a stray quote character (") around it, which was removed before the '
        "value was checked."
    ),
}


NOT_READ_KINDS = frozenset(
    {
        ProblemKind.INVALID_NUMBER,
        ProblemKind.INVALID_DATE,
        ProblemKind.INVALID_VALUE,
        ProblemKind.COORDINATES_OUTSIDE_FINLAND,
    }
)
"""Problems of a cell whose value was not read. A reader leaves such a field out of its
``BuildingRecord``, so that an import keeps the value stored from an earlier file."""


class NotRead(enum.Enum):
    """Marker put where a value was expected but its cell was not read."""

    VALUE = "not read"


NOT_READ = NotRead.VALUE
"""A register value of a ``CompactBuilding`` whose cell was not read (see
``NOT_READ_KINDS``): an import keeps the stored value, and a new row gets none."""


def reports_not_read(problems: list[RowProblem], since: int) -> bool:
    """Return whether a problem from index ``since`` of ``problems`` on reports a cell
    that was not read."""
    return any(problem.kind in NOT_READ_KINDS for problem in problems[since:])


@dataclass(frozen=True)
class RowProblem:
    """One problem on one row of an input file.

    ``value`` is None when the cell belongs to a column of personal data, because such
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
        params = dict(self.params)
        if "code_list" in params:
            params["field"] = code_list_label(str(params["code_list"]))
        return gettext(PROBLEM_MESSAGES[self.kind]).format(**params)


def code_list_label(list_id: str) -> str:
    """Return the translated label of the first field that uses the code list ``list_id``."""
    for spec in ALL_FIELDS:
        if list_id in spec.code_lists.values():
            return gettext(spec.label)
    return list_id


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
    ``PartialDate``. A field absent from ``values`` was not in the file or its cell was not
    read (``NOT_READ_KINDS``); a field present with None was in the file and empty.
    """

    source: Source
    row: int
    permanent_building_identifier: str | None
    values: dict[str, Any] = field(default_factory=dict)
    addresses: list[AddressRecord] = field(default_factory=list)
    owners: list[OwnerRecord] = field(default_factory=list)
    addresses_complete: bool = True
    """False when a row of the building was not read, so that ``addresses`` may lack some:
    an import then keeps the addresses stored for the building."""

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
    IS_A_FOLDER = "is_a_folder"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    NOT_A_WORKBOOK = "not_a_workbook"
    PASSWORD_PROTECTED = "password_protected"
    NO_BUILDING_SHEET = "no_building_sheet"
    NO_IDENTIFIER_COLUMN = "no_identifier_column"
    UNREADABLE = "unreadable"
    UNSUPPORTED_FORMAT = "unsupported_format"
    NOT_JSON = "not_json"
    NOT_FEATURE_COLLECTION = "not_feature_collection"
    NO_FEATURES = "no_features"
    NOT_RYHTI_DATA = "not_ryhti_data"
    UNSUPPORTED_CRS = "unsupported_crs"
    NO_BUILDING_FILE = "no_building_file"
    BINARY_FILE = "binary_file"
    NO_ARCHIVE_MEMBER = "no_archive_member"
    NO_SUPPORTED_MEMBER = "no_supported_member"
    ENCRYPTED_ARCHIVE = "encrypted_archive"
    TOO_MANY_CELLS = "too_many_cells"
    LOCK_FILE = "lock_file"
    UNSAFE_XML = "unsafe_xml"
    SHEET_NOT_FOUND = "sheet_not_found"


REJECTION_MESSAGES: dict[RejectionReason, str] = {
    RejectionReason.NOT_FOUND: N_("The file {file} was not found."),
    RejectionReason.IS_A_FOLDER: N_("{file} is a folder, not a file. Give the files to read."),
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
    RejectionReason.NOT_JSON: N_("The file {file} is not JSON text, so it cannot be GeoJSON."),
    RejectionReason.NOT_FEATURE_COLLECTION: N_(
        "The file {file} is JSON but not a GeoJSON FeatureCollection."
    ),
    RejectionReason.NO_FEATURES: N_("The GeoJSON file {file} contains no features."),
    RejectionReason.NOT_RYHTI_DATA: N_(
        "The GeoJSON file {file} is not Ryhti open building data: its features have neither "
        "the property permanent_building_identifier (buildings) nor address_key (addresses)."
    ),
    RejectionReason.UNSUPPORTED_CRS: N_(
        "The file {file} gives coordinates in {crs}, which tilaapp cannot convert. Download "
        "the data in WGS 84 (CRS84) or ETRS-TM35FIN (EPSG:3067)."
    ),
    RejectionReason.NO_BUILDING_FILE: N_(
        "The file {file} contains Ryhti addresses, but no file of Ryhti buildings was given "
        "with it. Import the open_building file together with its open_address files."
    ),
    RejectionReason.BINARY_FILE: N_(
        "The file {file} is not a text file: it contains the control character {character} "
        "at byte {offset}. Check that you chose the right file."
    ),
    RejectionReason.NO_ARCHIVE_MEMBER: N_("The archive {file} contains no file to read."),
    RejectionReason.NO_SUPPORTED_MEMBER: N_(
        "The archive {file} contains no file in a supported format; it contains {members}. "
        "Supported formats: {formats}."
    ),
    RejectionReason.ENCRYPTED_ARCHIVE: N_(
        "The archive {file} is password-protected. Extract the file from it and try again."
    ),
    RejectionReason.TOO_MANY_CELLS: N_(
        "The file {file} has more than {limit} cells, so it was not read. Remove the "
        "sheets and columns that are not needed and try again."
    ),
    RejectionReason.LOCK_FILE: N_(
        "The file {file} is a lock file that Excel writes while a workbook is open, not "
        "a workbook. Give the workbook itself: {workbook}."
    ),
    RejectionReason.UNSAFE_XML: N_(
        "The file {file} was not read because its XML declares entities or refers to "
        "other files, which a workbook saved by Excel never does and which can be used "
        "to exhaust memory. Open the file in Excel, save it as a new .xlsx workbook and "
        "try again."
    ),
    RejectionReason.SHEET_NOT_FOUND: N_(
        "The workbook {file} has no sheet named {sheet}. Its sheets: {sheets}."
    ),
}


class FileRejected(Exception):
    """The whole file cannot be read; nothing from it may be stored."""

    def __init__(self, path: Path, reason: RejectionReason, **params: str) -> None:
        self.path = path
        self.reason = reason
        # A file that is missing is named as given, so that its folder shows too.
        name = str(path) if reason is RejectionReason.NOT_FOUND else path.name
        self.params = {"file": name, **params}
        super().__init__(f"{path}: {reason.value} {params}")

    def message(self) -> str:
        """Return the reason in the current language."""
        return gettext(REJECTION_MESSAGES[self.reason]).format(**self.params)
