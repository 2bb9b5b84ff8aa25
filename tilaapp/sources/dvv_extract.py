"""Reader of the DVV municipal building extract workbook (rakennusrekisterin kuntaote).

DVV (Digital and Population Data Services Agency) delivers the extract as an .xlsx
workbook with one sheet per record type, named by a leading record code: ``R1 rakennus``
(buildings), ``R3 osoite`` (addresses, one row per address) and ``R4 omistaja`` (owners).
Those three are read. Every other sheet, ``R9 huon asukk`` with the residents among them,
is reported in ``skipped_sheets`` and its rows are never read.

R4 contains personal data of private owners. Of an R4 row only the building, the owner type
and, for an organisation, the business ID (Y-tunnus) are kept. No other R4 cell of a
person's row reaches a record, a problem or a log.

NOTE: openpyxl still loads the shared-string table of the whole workbook, which contains
the text cells of skipped sheets too, and parses the start of every sheet up to its
dimension element. That text stays in memory until the workbook is closed and is never
copied out.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, TypeVar

from tilaapp.domain.codelists import code_list_ids, is_known_code, normalise_code
from tilaapp.domain.dates import parse_register_date
from tilaapp.domain.fields import FIELDS_BY_NAME, FieldKind, FieldSpec, Source
from tilaapp.domain.identifiers import (
    IdentifierStatus,
    check_business_id,
    check_permanent_building_identifier,
    format_old_building_identifier,
    normalise_building_number,
    normalise_business_id,
    normalise_municipality_code,
    normalise_permanent_building_identifier,
    normalise_property_identifier,
    prt_check_character,
)
from tilaapp.domain.municipalities import merger, municipality
from tilaapp.domain.numbers import parse_boolean, parse_decimal, parse_integer
from tilaapp.sources.headers import (
    ADDRESS_HEADER_KEYS,
    BUILDING_HEADER_KEYS,
    OWNER_HEADER_KEYS,
    AddressColumn,
    BuildingColumn,
    BuildingTarget,
    OwnerColumn,
    header_key,
)
from tilaapp.sources.records import (
    AddressRecord,
    BuildingRecord,
    FileRejected,
    OwnerRecord,
    ProblemKind,
    RejectionReason,
    RowProblem,
    Severity,
    reports_not_read,
)
from tilaapp.sources.workbook import (
    check_workbook_file,
    iter_sheet_rows,
    open_workbook,
    workbook_sheet_names,
)

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 200 * 1024 * 1024
# The header is the first of these rows that has a building identifier column, so a
# title row above the header is passed over.
HEADER_SEARCH_ROWS = 10

BUILDING_SHEET = "R1"
ADDRESS_SHEET = "R3"
OWNER_SHEET = "R4"
IDENTIFIER_HEADER = "Rakennustunnus"

_RECORD_CODE = re.compile(r"\s*r([0-9]+)(?![0-9])", re.IGNORECASE)
# The register writes an empty code as zeros: municipality 000, postal code 00000.
_ZERO_CODE = re.compile(r"0{3,}")
_POSTAL_CODE = re.compile(r"[0-9]{5}")

_Target = TypeVar("_Target")
_Record = TypeVar("_Record")
Cells = tuple[object, ...]


def sheet_record_code(title: str) -> str | None:
    """Return the record code that starts a sheet name ("r1_rakennus" -> "R1"), or None."""
    match = _RECORD_CODE.match(title)
    if match is None:
        return None
    return f"R{int(match.group(1))}"


def sniff_dvv_extract(path: Path) -> bool:
    """Return whether ``path`` is an .xlsx workbook with an R1 sheet, whatever its name.

    Only the zip directory and the workbook part are read. Returns False for an empty
    file and for a file over ``MAX_FILE_SIZE``, which ``DvvExtractReader.check`` rejects
    with the reason.
    """
    try:
        size = path.stat().st_size
    except OSError:
        return False
    if not 0 < size <= MAX_FILE_SIZE:
        return False

    names = workbook_sheet_names(path)
    if names is None:
        return False
    return any(sheet_record_code(name) == BUILDING_SHEET for name in names)


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    """The header text as in the file, line breaks included."""


@dataclass
class _Header(Generic[_Target]):
    """The header row of a sheet: the column of each known header."""

    row: int
    columns: dict[_Target, _Column] = field(default_factory=dict)
    unknown: list[_Column] = field(default_factory=list)

    def cell(self, cells: Cells, target: _Target) -> object:
        column = self.columns.get(target)
        if column is None or column.index >= len(cells):
            return None
        return cells[column.index]

    def header(self, target: _Target) -> str | None:
        column = self.columns.get(target)
        return None if column is None else column.header


@dataclass
class _Layout:
    buildings: Any
    building_header: _Header[BuildingTarget]
    addresses: Any | None
    owners: Any | None


@dataclass
class _LinkedRow(Generic[_Record]):
    """An R3 or R4 row waiting for its building on R1."""

    sheet: str
    row: int
    column: str
    identifier: str
    record: _Record
    personal: bool
    problems: list[RowProblem]
    """Problems of the row, reported only when its building is read and kept."""


class _RowProblems:
    """Problems of one row, collected until the row is known to be wanted.

    On a person's row (``personal``) no problem carries a cell value.
    """

    def __init__(self, file: str, sheet: str, row: int, *, personal: bool = False) -> None:
        self.file = file
        self.sheet = sheet
        self.row = row
        self.personal = personal
        self.items: list[RowProblem] = []

    def add(
        self,
        kind: ProblemKind,
        severity: Severity,
        column: str | None,
        value: object = None,
        **params: str,
    ) -> None:
        self.items.append(
            RowProblem(
                file=self.file,
                kind=kind,
                severity=severity,
                sheet=self.sheet,
                row=self.row,
                column=column,
                value=None if self.personal else _cell_text(value),
                params=params,
            )
        )


class DvvExtractReader:
    """Reads buildings, with their addresses and owners, from a DVV extract workbook.

    ``read`` yields one ``BuildingRecord`` per R1 row and appends row problems to
    ``problems`` as it goes. R3 and R4 rows are joined to R1 rows by the permanent
    building identifier.
    """

    def __init__(self, path: Path, *, municipalities: frozenset[str] | None = None) -> None:
        """Prepare to read ``path``, keeping only buildings of ``municipalities`` if given.

        Raises ValueError for a municipality code that is not one to three digits.
        """
        self._path = path
        self._municipalities = _normalised_codes(municipalities)
        self._checked = False
        self.problems: list[RowProblem] = []
        self.skipped_sheets: list[str] = []
        self.rows_read: dict[str, int] = {}
        self.filtered_out = 0
        self.extraction_date: datetime.date | None = None
        """Always None: the workbook states no extraction date, so the caller supplies it."""
        self._building_identifiers: set[str] = set()

    def check(self) -> None:
        """Run every file-level check: size, format, sheets and the identifier column.

        Raises ``FileRejected``. No row below the R1 header is parsed.
        """
        check_workbook_file(self._path, max_size=MAX_FILE_SIZE)
        with open_workbook(self._path) as workbook:
            self._find_layout(workbook)
        self._checked = True

    def read(self) -> Iterator[BuildingRecord]:
        """Yield the buildings of R1 in file order, running ``check`` first if it has not run.

        Raises ``FileRejected`` before the first record for every file-level problem that
        ``check`` finds, and during reading for a sheet that turns out to be damaged.
        """
        if not self._checked:
            self.check()
        self._reset()

        with open_workbook(self._path) as workbook:
            layout = self._find_layout(workbook)
            addresses = self._read_addresses(layout.addresses)
            owners = self._read_owners(layout.owners)
            yield from self._read_buildings(layout, addresses, owners)
            self._report_unknown_buildings([*addresses.values(), *owners.values()])

        logger.info(
            "Read %s: rows per sheet %s, %d filtered out, %d problems, sheets skipped: %s",
            self._path.name,
            self.rows_read,
            self.filtered_out,
            len(self.problems),
            self.skipped_sheets,
        )

    def _reset(self) -> None:
        self.problems = []
        self.rows_read = {}
        self.filtered_out = 0
        self._building_identifiers = set()

    def _find_layout(self, workbook: Any) -> _Layout:
        sheets = self._classify_sheets(workbook)
        buildings = sheets.get(BUILDING_SHEET)
        if buildings is None:
            raise FileRejected(self._path, RejectionReason.NO_BUILDING_SHEET)

        rows = iter_sheet_rows(self._path, buildings)
        header = _find_header(rows, BUILDING_HEADER_KEYS, BuildingColumn.PERMANENT_IDENTIFIER)
        rows.close()
        if header is None:
            raise FileRejected(self._path, RejectionReason.NO_IDENTIFIER_COLUMN)

        return _Layout(
            buildings=buildings,
            building_header=header,
            addresses=sheets.get(ADDRESS_SHEET),
            owners=sheets.get(OWNER_SHEET),
        )

    def _classify_sheets(self, workbook: Any) -> dict[str, Any]:
        """Return the worksheets to read by record code and list the others as skipped."""
        worksheet_titles = {sheet.title for sheet in workbook.worksheets}
        sheets: dict[str, Any] = {}
        self.skipped_sheets = []

        for title in workbook.sheetnames:
            code = sheet_record_code(title)
            is_read = code in (BUILDING_SHEET, ADDRESS_SHEET, OWNER_SHEET)
            if is_read and code not in sheets and title in worksheet_titles:
                sheets[str(code)] = workbook[title]
            else:
                self.skipped_sheets.append(title)
                logger.info("Skipping sheet %r of %s", title, self._path.name)
        return sheets

    def _read_addresses(self, worksheet: Any | None) -> dict[str, list[_LinkedRow[Any]]]:
        if worksheet is None:
            return {}
        return self._read_linked_sheet(
            worksheet, ADDRESS_HEADER_KEYS, AddressColumn.BUILDING, _address_row
        )

    def _read_owners(self, worksheet: Any | None) -> dict[str, list[_LinkedRow[Any]]]:
        if worksheet is None:
            return {}
        return self._read_linked_sheet(
            worksheet, OWNER_HEADER_KEYS, OwnerColumn.BUILDING, _owner_row, personal_sheet=True
        )

    def _read_linked_sheet(
        self,
        worksheet: Any,
        keys: Mapping[str, _Target],
        building: _Target,
        parse_row: Callable[[_Header[_Target], Cells, str, int, str], tuple[Any, _RowProblems]],
        *,
        personal_sheet: bool = False,
    ) -> dict[str, list[_LinkedRow[Any]]]:
        """Read an R3 or R4 sheet into rows grouped by building identifier.

        A row without a valid identifier cannot be joined: R3 and R4 have no old
        building identifier, so their rows never reach an R1 row that lacks a valid one.
        """
        title = str(worksheet.title)
        rows = iter_sheet_rows(self._path, worksheet, redact=personal_sheet)
        header = _find_header(rows, keys, building)
        if header is None:
            self._report_missing_identifier_column(title)
            return {}
        if not personal_sheet:
            self._report_unknown_headers(title, header)

        linked: dict[str, list[_LinkedRow[Any]]] = {}
        self.rows_read[title] = 0
        for row_number, cells in rows:
            if _is_blank(cells):
                continue
            self.rows_read[title] += 1

            record, problems = parse_row(header, cells, self._path.name, row_number, title)
            column = str(header.header(building))
            identifier = _linked_identifier(header.cell(cells, building), column, problems)
            if identifier is None:
                self.problems.extend(problems.items)
                continue

            linked.setdefault(identifier, []).append(
                _LinkedRow(
                    title, row_number, column, identifier, record, problems.personal, problems.items
                )
            )
        return linked

    def _read_buildings(
        self,
        layout: _Layout,
        addresses: dict[str, list[_LinkedRow[Any]]],
        owners: dict[str, list[_LinkedRow[Any]]],
    ) -> Iterator[BuildingRecord]:
        title = str(layout.buildings.title)
        header = layout.building_header
        self._report_unknown_headers(title, header)
        first_rows: dict[tuple[str, str], int] = {}
        self.rows_read[title] = 0

        for row_number, cells in iter_sheet_rows(self._path, layout.buildings):
            if row_number <= header.row or _is_blank(cells):
                continue
            self.rows_read[title] += 1

            problems = _RowProblems(self._path.name, title, row_number)
            record = _building_record(header, cells, row_number, problems)
            if record.permanent_building_identifier is not None:
                self._building_identifiers.add(record.permanent_building_identifier)
            if not self._passes_filter(record.municipality_number):
                self.filtered_out += 1
                continue

            kept = _check_identity(record, header, first_rows, problems)
            self.problems.extend(problems.items)
            if kept:
                self._attach_linked_rows(record, addresses, owners)
                yield record

    def _attach_linked_rows(
        self,
        record: BuildingRecord,
        addresses: dict[str, list[_LinkedRow[Any]]],
        owners: dict[str, list[_LinkedRow[Any]]],
    ) -> None:
        identifier = record.permanent_building_identifier
        if identifier is None:
            return

        linked_addresses = addresses.pop(identifier, [])
        linked_owners = owners.pop(identifier, [])
        record.addresses = [linked.record for linked in linked_addresses]
        record.owners = [linked.record for linked in linked_owners]
        for linked in (*linked_addresses, *linked_owners):
            self.problems.extend(linked.problems)

    def _passes_filter(self, municipality_number: str | None) -> bool:
        return self._municipalities is None or municipality_number in self._municipalities

    def _report_unknown_headers(self, title: str, header: _Header[Any]) -> None:
        for column in header.unknown:
            logger.info(
                "Unknown column %r on sheet %r of %s", column.header, title, self._path.name
            )
            self.problems.append(
                RowProblem(
                    file=self._path.name,
                    kind=ProblemKind.UNKNOWN_HEADER,
                    severity=Severity.WARNING,
                    sheet=title,
                    row=header.row,
                    column=column.header,
                )
            )

    def _report_missing_identifier_column(self, title: str) -> None:
        logger.warning("Sheet %r of %s has no identifier column", title, self._path.name)
        self.problems.append(
            RowProblem(
                file=self._path.name,
                kind=ProblemKind.MISSING_COLUMN,
                severity=Severity.ERROR,
                sheet=title,
                params={"field": IDENTIFIER_HEADER},
            )
        )

    def _report_unknown_buildings(self, groups: list[list[_LinkedRow[Any]]]) -> None:
        """Report R3 and R4 rows whose building is not on R1 (rows filtered out excepted).

        Only the missing building is reported, not the other problems of such a row.
        """
        for group in groups:
            for linked in group:
                if linked.identifier in self._building_identifiers:
                    continue
                problems = _RowProblems(
                    self._path.name, linked.sheet, linked.row, personal=linked.personal
                )
                problems.add(
                    ProblemKind.UNKNOWN_BUILDING,
                    Severity.WARNING,
                    linked.column,
                    linked.identifier,
                    identifier=linked.identifier,
                )
                self.problems.extend(problems.items)


def _normalised_codes(codes: frozenset[str] | None) -> frozenset[str] | None:
    if codes is None:
        return None
    normalised = (normalise_municipality_code(code) for code in codes)
    return frozenset(code for code in normalised if code is not None)


def _find_header(
    rows: Iterator[tuple[int, Cells]], keys: Mapping[str, _Target], identifier: _Target
) -> _Header[_Target] | None:
    """Consume rows up to the header: the first row with an identifier column."""
    for row_number, cells in rows:
        header = _header_of(row_number, cells, keys)
        if identifier in header.columns:
            return header
        if row_number >= HEADER_SEARCH_ROWS:
            return None
    return None


def _header_of(row_number: int, cells: Cells, keys: Mapping[str, _Target]) -> _Header[_Target]:
    header: _Header[_Target] = _Header(row_number)
    for index, cell in enumerate(cells):
        key = header_key(cell)
        if not key:
            continue

        column = _Column(index, str(cell))
        target = keys.get(key)
        # A second column with a known header is reported as unknown and not read.
        if target is None or target in header.columns:
            header.unknown.append(column)
        else:
            header.columns[target] = column
    return header


def _is_blank(cells: Cells) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def _building_record(
    header: _Header[BuildingTarget], cells: Cells, row_number: int, problems: _RowProblems
) -> BuildingRecord:
    identifier = _permanent_identifier(
        header.cell(cells, BuildingColumn.PERMANENT_IDENTIFIER),
        header.header(BuildingColumn.PERMANENT_IDENTIFIER),
        problems,
    )
    values: dict[str, Any] = {}
    for target, column in header.columns.items():
        if isinstance(target, str):
            spec = FIELDS_BY_NAME[target]
            since = len(problems.items)
            value = _convert(spec, header.cell(cells, target), column.header, problems)
            if not reports_not_read(problems.items, since):
                values[target] = value

    if BuildingColumn.OLD_PROPERTY_IDENTIFIER in header.columns:
        since = len(problems.items)
        old_identifier = _old_building_identifier(header, cells, problems)
        if not reports_not_read(problems.items, since):
            values["old_building_identifier"] = old_identifier

    return BuildingRecord(
        source=Source.DVV_EXTRACT,
        row=row_number,
        permanent_building_identifier=identifier,
        values=values,
    )


def _check_identity(
    record: BuildingRecord,
    header: _Header[BuildingTarget],
    first_rows: dict[tuple[str, str], int],
    problems: _RowProblems,
) -> bool:
    """Return whether the row is kept: it has an identifier not seen on an earlier row."""
    column = header.header(BuildingColumn.PERMANENT_IDENTIFIER)
    if record.permanent_building_identifier is not None:
        key = ("permanent", record.permanent_building_identifier)
    elif record.old_building_identifier is not None:
        key = ("old", record.old_building_identifier)
        column = header.header(BuildingColumn.OLD_PROPERTY_IDENTIFIER)
    else:
        problems.add(ProblemKind.NO_IDENTIFIER, Severity.ERROR, column)
        return False

    first_row = first_rows.setdefault(key, record.row)
    if first_row != record.row:
        problems.add(
            ProblemKind.DUPLICATE_IDENTIFIER,
            Severity.ERROR,
            column,
            key[1],
            identifier=key[1],
            first_row=str(first_row),
        )
        return False
    return True


def _address_row(
    header: _Header[AddressColumn], cells: Cells, file: str, row_number: int, sheet: str
) -> tuple[AddressRecord, _RowProblems]:
    problems = _RowProblems(file, sheet, row_number)

    def text(target: AddressColumn) -> str | None:
        return _text(header.cell(cells, target))

    address = AddressRecord(
        address_number=_integer(
            header.cell(cells, AddressColumn.ADDRESS_NUMBER),
            header.header(AddressColumn.ADDRESS_NUMBER),
            problems,
        ),
        street_name_fi=text(AddressColumn.STREET_NAME_FI),
        street_name_sv=text(AddressColumn.STREET_NAME_SV),
        house_number=text(AddressColumn.HOUSE_NUMBER),
        postal_code=_postal_code(
            header.cell(cells, AddressColumn.POSTAL_CODE),
            header.header(AddressColumn.POSTAL_CODE),
            problems,
        ),
        post_office_fi=text(AddressColumn.POST_OFFICE_FI),
        post_office_sv=text(AddressColumn.POST_OFFICE_SV),
    )
    return address, problems


def _owner_row(
    header: _Header[OwnerColumn], cells: Cells, file: str, row_number: int, sheet: str
) -> tuple[OwnerRecord, _RowProblems]:
    """Parse an R4 row into the owner type and, for an organisation, the business ID.

    A row is a person's when it has a personal identity code, a foreign-person mark or no
    business ID. Those two person cells are tested for emptiness and never copied.
    """
    business_id_cell = header.cell(cells, OwnerColumn.BUSINESS_ID)
    is_person = (
        _has_value(header.cell(cells, OwnerColumn.PERSONAL_IDENTITY_CODE))
        or _has_value(header.cell(cells, OwnerColumn.FOREIGN_PERSON))
        or not _has_value(business_id_cell)
    )
    problems = _RowProblems(file, sheet, row_number, personal=is_person)
    owner_type = _text(header.cell(cells, OwnerColumn.OWNER_TYPE)) or _text(
        header.cell(cells, OwnerColumn.TYPE_CODE)
    )
    if is_person:
        return OwnerRecord(is_person=True, owner_type=owner_type), problems

    business_id = _business_id(business_id_cell, header.header(OwnerColumn.BUSINESS_ID), problems)
    return OwnerRecord(is_person=False, owner_type=owner_type, business_id=business_id), problems


def _linked_identifier(cell: object, column: str, problems: _RowProblems) -> str | None:
    """Return the normalised identifier of an R3 or R4 row, or None when it has none.

    A failed check character is reported once, on R1, so it is not reported here.
    """
    try:
        identifier = normalise_permanent_building_identifier(cell)
    except ValueError:
        problems.add(ProblemKind.MALFORMED_IDENTIFIER, Severity.ERROR, column, cell)
        return None

    if identifier is None:
        problems.add(ProblemKind.NO_IDENTIFIER, Severity.ERROR, column)
        return None
    if check_permanent_building_identifier(identifier) is IdentifierStatus.MALFORMED:
        problems.add(ProblemKind.MALFORMED_IDENTIFIER, Severity.ERROR, column, cell)
        return None
    return identifier


def _permanent_identifier(cell: object, column: str | None, problems: _RowProblems) -> str | None:
    """Return the normalised identifier of an R1 row: None when empty or malformed."""
    try:
        identifier = normalise_permanent_building_identifier(cell)
    except ValueError:
        problems.add(ProblemKind.MALFORMED_IDENTIFIER, Severity.ERROR, column, cell)
        return None
    if identifier is None:
        return None

    status = check_permanent_building_identifier(identifier)
    if status is IdentifierStatus.MALFORMED:
        problems.add(ProblemKind.MALFORMED_IDENTIFIER, Severity.ERROR, column, cell)
        return None
    if status is IdentifierStatus.CHECK_FAILED:
        expected = prt_check_character(identifier[:9])
        problems.add(
            ProblemKind.CHECK_CHARACTER_FAILED, Severity.WARNING, column, cell, expected=expected
        )
    return identifier


def _old_building_identifier(
    header: _Header[BuildingTarget], cells: Cells, problems: _RowProblems
) -> str | None:
    """Join the property identifier and building number of the old identifier, if both are valid."""
    property_column = header.header(BuildingColumn.OLD_PROPERTY_IDENTIFIER)
    number_column = header.header(BuildingColumn.OLD_BUILDING_NUMBER)
    property_cell = header.cell(cells, BuildingColumn.OLD_PROPERTY_IDENTIFIER)
    number_cell = header.cell(cells, BuildingColumn.OLD_BUILDING_NUMBER)

    property_identifier = _normalised_or_invalid(
        normalise_property_identifier, property_cell, property_column, problems
    )
    number = _normalised_or_invalid(normalise_building_number, number_cell, number_column, problems)
    if property_identifier is None or number is None:
        return None

    try:
        return format_old_building_identifier(property_identifier, number)
    except ValueError:
        # A property identifier with an unseparated parcel part cannot be one.
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, property_column, property_cell)
        return None


def _normalised_or_invalid(
    normalise: Callable[[object], str | None],
    cell: object,
    column: str | None,
    problems: _RowProblems,
) -> str | None:
    try:
        return normalise(cell)
    except ValueError:
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, cell)
        return None


_Converter = Callable[[FieldSpec, object, str, _RowProblems], object]


def _convert(spec: FieldSpec, cell: object, column: str, problems: _RowProblems) -> object:
    """Convert an R1 cell to the typed value of its field, reporting what is wrong."""
    converter = _FIELD_CONVERTERS.get(spec.name) or _KIND_CONVERTERS[spec.kind]
    return converter(spec, cell, column, problems)


def _convert_text(spec: FieldSpec, cell: object, column: str, problems: _RowProblems) -> object:
    return _text(cell)


def _convert_code(spec: FieldSpec, cell: object, column: str, problems: _RowProblems) -> object:
    """Return a code as text with its leading zeros. An unknown code is kept and reported."""
    text = _text(cell)
    if text is None or _ZERO_CODE.fullmatch(text):
        return None

    list_id = spec.code_lists.get(Source.DVV_EXTRACT)
    # Lists without published codes (the building status) are kept as they come.
    if list_id is None or list_id not in code_list_ids():
        return text

    try:
        code = normalise_code(list_id, text)
    except ValueError:
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, cell)
        return None
    if code is None or _ZERO_CODE.fullmatch(code):
        return None

    if not is_known_code(list_id, code):
        problems.add(
            ProblemKind.UNKNOWN_CODE, Severity.WARNING, column, cell, code=code, code_list=list_id
        )
    return code


def _convert_municipality(
    spec: FieldSpec, cell: object, column: str, problems: _RowProblems
) -> object:
    """Return a three-digit municipality code. An unknown or merged one is kept and reported."""
    code = _normalised_or_invalid(normalise_municipality_code, cell, column, problems)
    if code is None or _ZERO_CODE.fullmatch(code):
        return None

    merged = merger(code)
    if merged is not None:
        successor = municipality(merged.new_code)
        problems.add(
            ProblemKind.MERGED_MUNICIPALITY,
            Severity.WARNING,
            column,
            cell,
            code=code,
            new_code=merged.new_code,
            new_name=successor.name_fi if successor is not None else merged.new_code,
            year=str(merged.year),
        )
    elif municipality(code) is None:
        problems.add(ProblemKind.UNKNOWN_MUNICIPALITY, Severity.WARNING, column, cell, code=code)
    return code


def _convert_property_identifier(
    spec: FieldSpec, cell: object, column: str, problems: _RowProblems
) -> object:
    return _normalised_or_invalid(normalise_property_identifier, cell, column, problems)


def _convert_postal_code(
    spec: FieldSpec, cell: object, column: str, problems: _RowProblems
) -> object:
    return _postal_code(cell, column, problems)


def _convert_decimal(spec: FieldSpec, cell: object, column: str, problems: _RowProblems) -> object:
    try:
        return parse_decimal(cell)
    except ValueError:
        problems.add(ProblemKind.INVALID_NUMBER, Severity.ERROR, column, cell)
        return None


def _convert_integer(spec: FieldSpec, cell: object, column: str, problems: _RowProblems) -> object:
    return _integer(cell, column, problems)


def _convert_date(spec: FieldSpec, cell: object, column: str, problems: _RowProblems) -> object:
    try:
        return parse_register_date(cell)
    except ValueError:
        problems.add(ProblemKind.INVALID_DATE, Severity.ERROR, column, cell)
        return None


def _convert_boolean(spec: FieldSpec, cell: object, column: str, problems: _RowProblems) -> object:
    try:
        return parse_boolean(cell)
    except ValueError:
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, cell)
        return None


_FIELD_CONVERTERS: dict[str, _Converter] = {
    "municipality_number": _convert_municipality,
    "property_identifier": _convert_property_identifier,
    "unseparated_parcel_identifier": _convert_property_identifier,
    "postal_code": _convert_postal_code,
}

_KIND_CONVERTERS: dict[FieldKind, _Converter] = {
    FieldKind.TEXT: _convert_text,
    FieldKind.CODE: _convert_code,
    FieldKind.DECIMAL: _convert_decimal,
    FieldKind.MONEY: _convert_decimal,
    FieldKind.INTEGER: _convert_integer,
    FieldKind.DATE: _convert_date,
    FieldKind.BOOLEAN: _convert_boolean,
}


def _integer(cell: object, column: str | None, problems: _RowProblems) -> int | None:
    try:
        return parse_integer(cell)
    except ValueError:
        problems.add(ProblemKind.INVALID_NUMBER, Severity.ERROR, column, cell)
        return None


def _postal_code(cell: object, column: str | None, problems: _RowProblems) -> str | None:
    """Return a five-digit postal code. 00000 is empty, and a number gets its leading zeros."""
    text = _text(cell)
    if text is None or set(text) == {"0"}:
        return None

    if isinstance(cell, int | float) and text.isascii() and text.isdigit():
        text = text.zfill(5)
    if not _POSTAL_CODE.fullmatch(text):
        problems.add(ProblemKind.INVALID_VALUE, Severity.ERROR, column, cell)
        return None
    return text


def _business_id(cell: object, column: str | None, problems: _RowProblems) -> str | None:
    try:
        business_id = normalise_business_id(_text(cell))
    except ValueError:
        business_id = None
        valid = False
    else:
        valid = business_id is not None and check_business_id(business_id)

    if not valid:
        problems.add(ProblemKind.INVALID_BUSINESS_ID, Severity.WARNING, column, cell)
        return None
    return business_id


def _text(cell: object) -> str | None:
    """Return a cell as stripped text, a whole number without ".0", or None when empty."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell.strip() or None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, Decimal) and cell == cell.to_integral_value():
        return str(int(cell))
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    return str(cell)


def _cell_text(cell: object) -> str | None:
    """Return a cell value for a problem report as it came, without a float's ".0"."""
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell
    return _text(cell)


def _has_value(cell: object) -> bool:
    return _text(cell) is not None
