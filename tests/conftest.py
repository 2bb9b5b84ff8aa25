"""Shared fixtures: every test gets its own user folders and the English catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tilaapp import i18n


@pytest.fixture(autouse=True)
def user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the user data and log folders at a temporary folder, never the real ones."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("TILAAPP_LANG", raising=False)
    return home


@pytest.fixture(autouse=True)
def english_messages() -> Iterator[None]:
    """Run each test in English and restore it afterwards, whatever the test chose."""
    i18n.set_language("en")
    yield
    i18n.set_language("en")
