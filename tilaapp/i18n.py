"""Translation of user-visible text through the project's gettext catalogues.

Every layer, the command line and the GUI alike, translates through this module, so one
set of catalogues (``tilaapp/locale/<lang>/LC_MESSAGES/tilaapp.mo``) serves them all.
Source strings are English; Finnish is the default language.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "tilaapp"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


@functools.cache
def load_translations(language: str) -> _gettext.NullTranslations:
    """Load the compiled catalogue of ``language``; English needs none."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}, expected one of {LANGUAGES}")
    if language == "en":
        return _gettext.NullTranslations()
    # Opened by its path: gettext.translation's search imports the locale module, which
    # the start-up does without.
    with (LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as catalogue:
        return _gettext.GNUTranslations(catalogue)


def set_language(language: str) -> None:
    """Make ``language`` the language of every message translated from now on."""
    global _translations, _language
    _translations = load_translations(language)
    _language = language


def current_language() -> str:
    return _language


def gettext(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _translations.ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return _translations.pgettext(context, message)


def gettext_in(language: str, message: str) -> str:
    """Translate ``message`` into ``language`` whatever the current language is."""
    return load_translations(language).gettext(message)


def text_in_current_language(english: str, translations: Mapping[str, str]) -> str:
    """Return the text of the current language from ``translations`` (language code to
    text), else ``english``. For texts that data files carry with their translations."""
    return translations.get(_language) or english


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet."""
    return message


_ = gettext
