"""The log file: rotated at start when it has grown too large."""

from __future__ import annotations

from pathlib import Path

import pytest

from tilaapp.cli import logs


def test_small_log_not_rotated(tmp_path: Path) -> None:
    path = tmp_path / "tilaapp.log"
    path.write_text("line\n", encoding="utf-8")

    logs.rotate_log(path)

    assert path.read_text(encoding="utf-8") == "line\n"
    assert not (tmp_path / "tilaapp.log.1").exists()


def test_large_log_shifts_old_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_LOG_BYTES", 10)
    path = tmp_path / "tilaapp.log"
    path.write_text("newest log, too long\n", encoding="utf-8")
    for number in (1, 2, 3):
        (tmp_path / f"tilaapp.log.{number}").write_text(f"old {number}\n", encoding="utf-8")

    logs.rotate_log(path)

    assert not path.exists()
    assert (tmp_path / "tilaapp.log.1").read_text(encoding="utf-8") == "newest log, too long\n"
    assert (tmp_path / "tilaapp.log.2").read_text(encoding="utf-8") == "old 1\n"
    assert (tmp_path / "tilaapp.log.3").read_text(encoding="utf-8") == "old 2\n"
    assert not (tmp_path / "tilaapp.log.4").exists()


def test_missing_log_not_rotated(tmp_path: Path) -> None:
    logs.rotate_log(tmp_path / "tilaapp.log")

    assert list(tmp_path.iterdir()) == []
