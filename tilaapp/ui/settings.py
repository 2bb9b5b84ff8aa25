"""Settings that belong to one user's desktop: language, window layout, columns.

Settings that a headless command also needs live in the database instead.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from tilaapp.i18n import DEFAULT_LANGUAGE, LANGUAGES

ORGANISATION = "tilaapp"
APPLICATION = "tilaapp"


class Settings:
    """Typed access to the application's QSettings."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._settings = settings or QSettings(ORGANISATION, APPLICATION)

    @property
    def language(self) -> str:
        value = str(self._settings.value("language", DEFAULT_LANGUAGE))
        return value if value in LANGUAGES else DEFAULT_LANGUAGE

    @language.setter
    def language(self, value: str) -> None:
        self._settings.setValue("language", value)

    def columns(self, default: tuple[str, ...], known: tuple[str, ...]) -> list[str]:
        """Return the remembered columns that still exist, else ``default``."""
        stored = self._settings.value("register/columns")
        if not isinstance(stored, list) or not stored:
            return list(default)
        remembered = [str(column) for column in stored if column in known]
        return remembered or list(default)

    def set_columns(self, columns: list[str]) -> None:
        self._settings.setValue("register/columns", columns)

    def bytes_value(self, key: str) -> QByteArray | None:
        value: Any = self._settings.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_bytes_value(self, key: str, value: QByteArray) -> None:
        self._settings.setValue(key, value)

    def text(self, key: str) -> str | None:
        value = self._settings.value(key)
        return str(value) if value else None

    def set_text(self, key: str, value: str) -> None:
        self._settings.setValue(key, value)

    def sync(self) -> None:
        self._settings.sync()
