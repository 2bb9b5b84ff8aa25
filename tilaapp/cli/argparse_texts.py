"""Translation of argparse's own texts through the project's catalogues.

argparse looks its texts up with ``gettext`` in the ``messages`` domain, which has no
Finnish or Swedish catalogue, so without this its help and errors stay English.
"""

from __future__ import annotations

import argparse
import re

from tilaapp.i18n import N_, gettext

# argparse's texts without placeholders, as Python 3.11–3.13 write them.
ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("expected one argument"),
)

# argparse's error texts with values, rewritten as whole sentences with named placeholders.
_ERRORS = (
    (
        re.compile(r"the following arguments are required: (?P<names>.+)"),
        N_("these are required: {names}"),
    ),
    (
        re.compile(r"unrecognized arguments: (?P<names>.+)"),
        N_("unknown options or arguments: {names}"),
    ),
    (
        re.compile(
            r"argument (?P<name>\S+): invalid choice: (?P<value>.+?) "
            r"\(choose from (?P<choices>.+)\)"
        ),
        N_("{name}: {value} is not allowed; choose one of {choices}"),
    ),
    (
        re.compile(r"argument (?P<name>\S+): expected one argument"),
        N_("{name} needs a value"),
    ),
)


def install() -> None:
    """Make argparse translate its texts with the project's current language."""
    argparse._ = gettext  # type: ignore[attr-defined]


def translate_error(message: str) -> str:
    """Return argparse's error ``message`` in the current language where it is known."""
    for pattern, template in _ERRORS:
        match = pattern.fullmatch(message)
        if match:
            return gettext(template).format(**match.groupdict())
    return message
