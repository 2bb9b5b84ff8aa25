"""Exit statuses of the command line, and its own usage errors."""

from __future__ import annotations

from tilaapp.services import messages
from tilaapp.services.aggregation import NotANationalDatabase
from tilaapp.services.portfolio import HomeMunicipalityConflict, UnknownMunicipality
from tilaapp.services.queries import InvalidBuildingReference

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
# The shell's status for a program that Ctrl+C (SIGINT) stopped: 128 + 2.
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A command-line option has a value the command cannot use."""


_USAGE_ERRORS = (
    UsageError,
    HomeMunicipalityConflict,
    UnknownMunicipality,
    InvalidBuildingReference,
    NotANationalDatabase,
)


def describe_error(error: Exception) -> list[str]:
    """Return the user's messages for ``error``, one line each; re-raise unknown errors."""
    if isinstance(error, UsageError):
        return [str(error)]
    return messages.describe_error(error)


def exit_status(error: Exception) -> int:
    return EXIT_USAGE if isinstance(error, _USAGE_ERRORS) else EXIT_REJECTED
