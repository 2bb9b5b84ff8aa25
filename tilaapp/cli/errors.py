"""Turning typed errors into messages for the user, in one place."""

from __future__ import annotations

from tilaapp.i18n import gettext as _
from tilaapp.services.importing import ImportCancelled, ImportRejected
from tilaapp.services.portfolio import HomeMunicipalityConflict, UnknownMunicipality
from tilaapp.services.queries import BuildingNotFound, InvalidBuildingReference
from tilaapp.storage.database import NotADatabaseError, SchemaTooNewError, StorageError

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A command-line option has a value the command cannot use."""


def describe_error(error: Exception) -> list[str]:
    """Return the user's messages for ``error``, one line each."""
    if isinstance(error, ImportRejected):
        return [rejection.message() for rejection in error.rejections]
    if isinstance(error, ImportCancelled):
        return [_("The import was cancelled. The database was not changed.")]
    if isinstance(error, SchemaTooNewError):
        return [
            _(
                "The database {path} was made with a newer version of tilaapp. Install the "
                "newest version of tilaapp to open it."
            ).format(path=error.path)
        ]
    if isinstance(error, NotADatabaseError):
        return [_("The file {path} is not a tilaapp database.").format(path=error.path)]
    if isinstance(error, StorageError):
        return [_("The database could not be opened: {detail}").format(detail=str(error))]
    if isinstance(error, HomeMunicipalityConflict):
        return [
            _(
                "The database already has home municipality {stored}; it cannot be changed "
                "to {requested} by an import."
            ).format(stored=error.stored, requested=error.requested)
        ]
    if isinstance(error, UnknownMunicipality):
        return [
            _("Municipality code {code} is not in the list of municipalities.").format(
                code=error.code
            )
        ]
    if isinstance(error, BuildingNotFound):
        return [_("No building {reference} in the database.").format(reference=error.reference)]
    if isinstance(error, InvalidBuildingReference):
        return [
            _(
                "{reference} is not a building identifier. Give a permanent building "
                "identifier (such as 1234567892), a database id (id:123) or an old "
                "identifier (14-digit property identifier, a hyphen and the building "
                "number, such as 09100100010001-001)."
            ).format(reference=error.reference)
        ]
    if isinstance(error, UsageError):
        return [str(error)]
    raise error


def exit_status(error: Exception) -> int:
    if isinstance(
        error,
        UsageError | HomeMunicipalityConflict | UnknownMunicipality | InvalidBuildingReference,
    ):
        return EXIT_USAGE
    return EXIT_REJECTED
