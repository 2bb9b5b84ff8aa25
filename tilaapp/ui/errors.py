"""Errors shown to the user, in one place: typed errors as sentences, others as a crash."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import TracebackType

from PySide6 import QtWidgets
from PySide6.QtWidgets import QApplication, QWidget

from tilaapp.i18n import gettext as _

log = logging.getLogger(__name__)

_log_path: Path | None = None


def user_message(error: BaseException) -> str | None:
    """Return the translated sentences for a typed error, or None for an unexpected one."""
    if not isinstance(error, Exception):
        return None
    # Imported here: the messages module imports every service, which start-up does not need.
    from tilaapp.services.messages import describe_error

    try:
        return "\n".join(describe_error(error))
    except Exception:
        return None


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """Show a typed error as a message, and anything else as an unexpected error."""
    message = user_message(error)
    if message is None:
        show_unexpected_error(parent, error)
        return
    log.info("Shown to the user: %r", error)
    QtWidgets.QMessageBox.warning(parent, _("tilaapp"), message)


def show_unexpected_error(parent: QWidget | None, error: BaseException) -> None:
    """Log the error with its traceback and show one dialog that names the log file."""
    log.error(
        "Unexpected error: %s",
        "".join(_traceback_lines(error)),
    )
    location = str(_log_path) if _log_path is not None else _("(no log file)")
    QtWidgets.QMessageBox.critical(
        parent,
        _("tilaapp"),
        _(
            "Something went wrong that tilaapp did not expect. Your saved work is safe: "
            "every change was stored when you made it. The details are in the log file "
            "{path}. Send that file to whoever supports you."
        ).format(path=location),
    )


def _excepthook(
    error_type: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(error_type, KeyboardInterrupt):
        sys.__excepthook__(error_type, error, trace)
        return
    error.__traceback__ = trace
    parent = QApplication.activeWindow()
    show_unexpected_error(parent, error)


def install_excepthook(log_path: Path | None) -> None:
    """Show uncaught errors of slots and callbacks in a dialog instead of losing them."""
    global _log_path
    _log_path = log_path
    sys.excepthook = _excepthook


def _traceback_lines(error: BaseException) -> list[str]:
    # Imported here: the first window starts faster without the traceback module.
    import traceback

    return traceback.format_exception(type(error), error, error.__traceback__)
