"""Errors shown to the user: typed errors as sentences, others with the log file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from tilaapp.domain.validation import ValidationError
from tilaapp.ui import errors


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    messages: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda _parent, _title, text: messages.append(text)
    )
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: messages.append(text))
    return messages


def test_typed_error_sentence(shown: list[str]) -> None:
    errors.show_error(
        None, ValidationError("gross_floor_area", "Gross floor area: enter a number.")
    )

    assert shown == ["Gross floor area: enter a number."]


def test_unexpected_error_names_log(
    shown: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_path = tmp_path / "tilaapp.log"
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors.install_excepthook(log_path)

    try:
        raise RuntimeError("broken invariant")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)

    assert str(log_path) in shown[0]


def test_unexpected_error_no_traceback(
    shown: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    errors.install_excepthook(tmp_path / "tilaapp.log")

    errors.show_error(None, KeyError("secret internal key"))

    assert "secret internal key" not in shown[0]
