"""Typed errors as translated messages for the user, for the command line and the GUI."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable
from typing import Any

from tilaapp.domain.fields import Source
from tilaapp.domain.formatting import format_decimal, format_timestamp
from tilaapp.domain.validation import ValidationError
from tilaapp.i18n import N_, ngettext
from tilaapp.i18n import gettext as _
from tilaapp.services.aggregation import (
    NotANationalDatabase,
    PackageAlreadyReceived,
    PackageNotNewer,
)
from tilaapp.services.cost_index import InvalidCostIndexFile
from tilaapp.services.editing import EditConflict
from tilaapp.services.importing import ImportCancelled, ImportRejected
from tilaapp.services.inventory_import import MappedColumnMissing
from tilaapp.services.list_export_errors import ListExportError
from tilaapp.services.list_reimport import (
    EditedListOutdated,
    EditedListUnreadable,
    EditedListWithoutKey,
)
from tilaapp.services.mapping import InvalidMapping, MappingNotFound
from tilaapp.services.open_load import ReaderProcessFailed
from tilaapp.services.package_content import PackageCancelled
from tilaapp.services.package_export import (
    EmptyPortfolio,
    ExportBlocked,
    NoHomeMunicipality,
    PackageExists,
)
from tilaapp.services.package_verify import PackageRejected
from tilaapp.services.portfolio import HomeMunicipalityConflict, UnknownMunicipality
from tilaapp.services.portfolio_edit import PortfolioError
from tilaapp.services.queries import BuildingNotFound, InvalidBuildingReference
from tilaapp.services.reference import InvalidReference, OutputNotReplaceable
from tilaapp.sources.records import FileRejected
from tilaapp.storage.database import (
    DatabaseNotFound,
    NotADatabaseError,
    SchemaTooNewError,
    StorageError,
)

log = logging.getLogger(__name__)


def _own_message(error: ValidationError | EditConflict | PortfolioError) -> list[str]:
    return [error.message]


def _cost_index_rejected(error: InvalidCostIndexFile) -> list[str]:
    heading = _("The index file {path} was rejected; nothing was stored.").format(path=error.path)
    return [heading, *(problem.message for problem in error.problems)]


def skipped_member_sentence(member: str) -> str:
    """Return the sentence that the file ``member`` of an archive was not read."""
    return _(
        "The file {member} of the archive was not read: tilaapp reads one file of an "
        "archive, the largest of the file's format."
    ).format(member=member)


def filtered_out_sentence(source: str, count: int) -> str:
    """Return the sentence on what a municipality filter left out of a file of ``source``.

    The filter passes over the open address file's rows without reading them, so it
    counts rows there: a building can have several. Other sources count buildings.
    """
    if source == Source.DVV_OPEN.value:
        template = ngettext(
            "{count} row of buildings outside the chosen municipalities was left out.",
            "{count} rows of buildings outside the chosen municipalities were left out.",
            count,
        )
    else:
        template = ngettext(
            "{count} building outside the chosen municipalities was left out.",
            "{count} buildings outside the chosen municipalities were left out.",
            count,
        )
    return template.format(count=format_decimal(count))


def absence_not_judged_sentence(count: int) -> str:
    """Return the sentence on the buildings missing from a file whose absence an import of
    another scope judges."""
    return ngettext(
        "{count} building is missing from the file, but it was imported with another choice "
        "of municipalities (or from the whole file), so it was not marked as no longer in "
        "the source.",
        "{count} buildings are missing from the file, but they were imported with another "
        "choice of municipalities (or from the whole file), so they were not marked as no "
        "longer in the source.",
        count,
    ).format(count=format_decimal(count))


def _list_export(error: ListExportError) -> list[str]:
    return [error.message()]


def _edited_list_unreadable(error: EditedListUnreadable) -> list[str]:
    return [
        error.rejection.message(),
        _("The database was not changed."),
    ]


def _edited_list_without_key(error: EditedListWithoutKey) -> list[str]:
    return [
        _(
            "The file {path} has no tilaapp-id column, so its rows cannot be matched to "
            "buildings. The database was not changed. Import a list that tilaapp exported, "
            "with its first column kept."
        ).format(path=error.path)
    ]


def _edited_list_outdated(error: EditedListOutdated) -> list[str]:
    return [
        _(
            "Building {building} has been changed since the file was read, so nothing was "
            "changed. Import the file again to see its changes against the current values."
        ).format(building=error.building)
    ]


def _file_rejected(error: FileRejected) -> list[str]:
    return [error.message()]


def _rejected(error: ImportRejected) -> list[str]:
    return [rejection.message() for rejection in error.rejections]


def _cancelled(_error: ImportCancelled) -> list[str]:
    return [_("The import was cancelled. The database was not changed.")]


def _schema_too_new(error: SchemaTooNewError) -> list[str]:
    return [
        _(
            "The database {path} was made with a newer version of tilaapp. Install the "
            "newest version of tilaapp to open it."
        ).format(path=error.path)
    ]


def _not_a_database(error: NotADatabaseError) -> list[str]:
    return [_("The file {path} is not a tilaapp database.").format(path=error.path)]


def _storage(error: StorageError) -> list[str]:
    return [_("The database could not be opened: {detail}").format(detail=str(error))]


def _home_conflict(error: HomeMunicipalityConflict) -> list[str]:
    return [
        _(
            "The database already has home municipality {stored}; it cannot be changed "
            "to {requested} by an import."
        ).format(stored=error.stored, requested=error.requested)
    ]


def _unknown_municipality(error: UnknownMunicipality) -> list[str]:
    return [
        _("Municipality code {code} is not in the list of municipalities.").format(code=error.code)
    ]


def _building_not_found(error: BuildingNotFound) -> list[str]:
    return [_("No building {reference} in the database.").format(reference=error.reference)]


def _invalid_reference(error: InvalidBuildingReference) -> list[str]:
    return [
        _(
            "{reference} is not a building identifier. Give a permanent building "
            "identifier (such as 1234567892), a database id (id:123) or an old "
            "identifier (14-digit property identifier, a hyphen and the building "
            "number, such as 09100100010001-001)."
        ).format(reference=error.reference)
    ]


def _invalid_reference_file(error: InvalidReference) -> list[str]:
    return [
        _("The reference file {path} is not valid: {problems}").format(
            path=error.path, problems="; ".join(error.problems)
        )
    ]


# Sentences for the operating system's common errors, because its own text (strerror) is
# in English whatever the user's language. ``{path}`` is the file or folder it names.
_ERRNO_MESSAGES: dict[int, str] = {
    errno.ENOENT: N_("The file or folder {path} was not found."),
    errno.EACCES: N_(
        "You have no permission to use {path}. Check the file's permissions or choose "
        "another file or folder."
    ),
    errno.EPERM: N_(
        "You have no permission to use {path}. Check the file's permissions or choose "
        "another file or folder."
    ),
    errno.ENOSPC: N_(
        "The disk is full, so {path} could not be written. Free some space or choose "
        "another disk, and try again."
    ),
    errno.EROFS: N_(
        "{path} is on a read-only disk, so it could not be written. Choose another folder."
    ),
    errno.EISDIR: N_("{path} is a folder, not a file."),
    errno.ENOTDIR: N_("A part of the path {path} is a file, not a folder."),
}


def _file_error(error: OSError) -> list[str]:
    log.info("File error %s (errno %s) on %s", error.strerror, error.errno, error.filename)
    path = error.filename if error.filename is not None else ""
    if isinstance(error, IsADirectoryError):
        return [_(_ERRNO_MESSAGES[errno.EISDIR]).format(path=path)]
    template = _ERRNO_MESSAGES.get(error.errno) if error.errno is not None else None
    if template is not None:
        return [_(template).format(path=path)]
    return [
        _("The file {path} could not be read or written: {reason}").format(
            path=path, reason=error.strerror
        )
    ]


def _reader_failed(error: ReaderProcessFailed) -> list[str]:
    return [
        _(
            "Reading the file {path} failed: {detail}. The database was not changed. "
            "The log file tells more."
        ).format(path=error.path, detail=error.detail)
    ]


def _output_not_replaceable(error: OutputNotReplaceable) -> list[str]:
    if error.is_folder:
        return [
            _("{path} is a folder. Give the name of the reference file to write.").format(
                path=error.path
            )
        ]
    return [
        _(
            "{path} exists and is not a reference file, so it was not overwritten. Give "
            "another file name."
        ).format(path=error.path)
    ]


def _database_not_found(error: DatabaseNotFound) -> list[str]:
    return [
        _(
            "The database {path} does not exist. Create it by importing a register file: "
            "tilaapp import FILE --db {path}"
        ).format(path=error.path)
    ]


def _export_blocked(error: ExportBlocked) -> list[str]:
    errors = sum(1 for finding in error.findings if finding.is_error)
    return [
        ngettext(
            "{count} error in the portfolio blocks the update package; nothing was written. "
            "Correct the value and export again.",
            "{count} errors in the portfolio block the update package; nothing was written. "
            "Correct the values and export again.",
            errors,
        ).format(count=errors)
    ]


def _no_home_municipality(_error: NoHomeMunicipality) -> list[str]:
    return [
        _(
            "The database has no home municipality, which names the update package. Import "
            "a register file with --home CODE to set it."
        )
    ]


def _invalid_mapping(error: InvalidMapping) -> list[str]:
    heading = _("The column mapping {name} is not valid; nothing was saved or imported.").format(
        name=error.name
    )
    return [heading, *error.problems]


def _mapping_not_found(error: MappingNotFound) -> list[str]:
    if not error.available:
        return [
            _(
                "No column mapping named {name} is saved in the database. Save one first: "
                'tilaapp mapping save {name} --column "COLUMN=FIELD"'
            ).format(name=error.name)
        ]
    return [
        _(
            "No column mapping named {name} is saved in the database. Saved mappings: {names}."
        ).format(name=error.name, names=", ".join(error.available))
    ]


def _mapped_column_missing(error: MappedColumnMissing) -> list[str]:
    return [
        ngettext(
            "The file {file} has no column {columns}, which the mapping {mapping} names. "
            "The file's columns: {available}. Nothing was imported.",
            "The file {file} has no columns {columns}, which the mapping {mapping} names. "
            "The file's columns: {available}. Nothing was imported.",
            len(error.missing),
        ).format(
            file=error.path.name,
            columns=", ".join(error.missing),
            mapping=error.mapping,
            available=", ".join(error.available),
        )
    ]


def _empty_portfolio(_error: EmptyPortfolio) -> list[str]:
    return [
        _(
            "The portfolio has no buildings, so there is nothing to send in an update "
            "package. Add the group's buildings to the portfolio first."
        )
    ]


def _package_exists(error: PackageExists) -> list[str]:
    return [
        _(
            "{path} already exists, so the update package was not written. Move the file "
            "away or give another folder."
        ).format(path=error.path)
    ]


def _package_cancelled(_error: PackageCancelled) -> list[str]:
    return [_("The export was cancelled. No update package was written.")]


def _package_rejected(error: PackageRejected) -> list[str]:
    result = error.result
    heading = _("The package {path} was rejected.").format(path=result.path)
    return [*result.messages(), heading]


def _not_a_national_database(error: NotANationalDatabase) -> list[str]:
    return [
        _(
            "{path} is a municipality's database, so no packages were merged into it. Give "
            "the national database with --db; a new file becomes one."
        ).format(path=error.path)
    ]


def _already_received(error: PackageAlreadyReceived) -> list[str]:
    return [
        _(
            "The package {path} was rejected: the national database received the same "
            "package on {date}."
        ).format(path=error.path, date=format_timestamp(error.received_at))
    ]


def _not_newer(error: PackageNotNewer) -> list[str]:
    return [
        _(
            "The package {path} was rejected: it is package number {sequence} of municipality "
            "{code}, but package number {newest} of the same database was already received."
        ).format(
            path=error.path,
            sequence=error.sequence,
            code=error.municipality_code,
            newest=error.newest,
        )
    ]


# Checked in order, so a subclass comes before its base class.
_DESCRIBERS: tuple[tuple[type[Exception], Callable[[Any], list[str]]], ...] = (
    (ValidationError, _own_message),
    (EditConflict, _own_message),
    (PortfolioError, _own_message),
    (ImportRejected, _rejected),
    (FileRejected, _file_rejected),
    (InvalidMapping, _invalid_mapping),
    (MappingNotFound, _mapping_not_found),
    (MappedColumnMissing, _mapped_column_missing),
    (InvalidCostIndexFile, _cost_index_rejected),
    (ListExportError, _list_export),
    (EditedListUnreadable, _edited_list_unreadable),
    (EditedListWithoutKey, _edited_list_without_key),
    (EditedListOutdated, _edited_list_outdated),
    (ImportCancelled, _cancelled),
    (SchemaTooNewError, _schema_too_new),
    (NotADatabaseError, _not_a_database),
    (DatabaseNotFound, _database_not_found),
    (StorageError, _storage),
    (HomeMunicipalityConflict, _home_conflict),
    (UnknownMunicipality, _unknown_municipality),
    (BuildingNotFound, _building_not_found),
    (InvalidBuildingReference, _invalid_reference),
    (InvalidReference, _invalid_reference_file),
    (OutputNotReplaceable, _output_not_replaceable),
    (ReaderProcessFailed, _reader_failed),
    (ExportBlocked, _export_blocked),
    (NoHomeMunicipality, _no_home_municipality),
    (EmptyPortfolio, _empty_portfolio),
    (PackageExists, _package_exists),
    (PackageCancelled, _package_cancelled),
    (PackageRejected, _package_rejected),
    (NotANationalDatabase, _not_a_national_database),
    (PackageAlreadyReceived, _already_received),
    (PackageNotNewer, _not_newer),
    (OSError, _file_error),
)


def describe_error(error: Exception) -> list[str]:
    """Return the user's messages for ``error``, one line each; re-raise unknown errors."""
    for error_type, describe in _DESCRIBERS:
        if isinstance(error, error_type):
            return describe(error)
    raise error
