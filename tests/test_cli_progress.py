"""The progress line of a long import on the terminal."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

import tilaapp.cli.commands as commands
from devtools.opt_file import synthetic_rows, write_opt
from tilaapp.cli.main import main
from tilaapp.cli.progress import UPDATE_INTERVAL, ProgressLine
from tilaapp.i18n import set_language


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def finnish() -> Iterator[None]:
    set_language("fi")
    yield
    set_language("fi")


def test_progress_waits_for_interval(finnish: None) -> None:
    terminal, clock = Terminal(), Clock()
    progress = ProgressLine(terminal, clock=clock)
    progress("a.OPT", 5_000)
    assert terminal.getvalue() == ""
    clock.now += UPDATE_INTERVAL
    progress("a.OPT", 1_234_567)
    assert terminal.getvalue() == "\ra.OPT: 1\u00a0234\u00a0567 rakennusta luettu"


def test_progress_clears_longer_line(finnish: None) -> None:
    terminal, clock = Terminal(), Clock()
    progress = ProgressLine(terminal, clock=clock)
    clock.now += UPDATE_INTERVAL
    progress("pitkä_nimi.OPT", 1)
    clock.now += UPDATE_INTERVAL
    progress("a.OPT", 2)
    first, second = terminal.getvalue().split("\r")[1:]
    assert first == "pitkä_nimi.OPT: 1 rakennus luettu"
    assert second == "a.OPT: 2 rakennusta luettu" + " " * (
        len(first) - len("a.OPT: 2 rakennusta luettu")
    )
    progress.clear()
    assert terminal.getvalue().endswith("\r" + " " * len(second.rstrip()) + "\r")


def test_progress_fits_narrow_terminal(finnish: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "20")
    terminal, clock = Terminal(), Clock()
    progress = ProgressLine(terminal, clock=clock)
    clock.now += UPDATE_INTERVAL
    progress("Suomi_osoitteet_2026-09-30.OPT", 1_000)
    assert terminal.getvalue() == "\rSuomi_osoitteet_202"


def test_progress_silent_without_terminal() -> None:
    stream, clock = io.StringIO(), Clock()
    progress = ProgressLine(stream, clock=clock)
    clock.now += 10 * UPDATE_INTERVAL
    progress("a.OPT", 10)
    progress.clear()
    assert stream.getvalue() == ""


def test_import_prints_progress_on_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    open_file = write_opt(
        tmp_path / "Suomi_osoitteet_2026-09-30.OPT", synthetic_rows(3_000, seed=7)
    )
    terminal = Terminal()
    monkeypatch.setattr(commands, "ProgressLine", lambda: ProgressLine(terminal, clock=_ticking()))
    assert main(["import", str(open_file), "--db", str(tmp_path / "db.sqlite")]) == 0
    written = terminal.getvalue()
    assert f"\r{open_file.name}: " in written
    assert written.endswith("\r")
    buildings = len({row[0] for row in synthetic_rows(3_000, seed=7)})
    # The report writes counts in the Finnish way, with a no-break space between thousands.
    grouped = f"{buildings // 1000}\u00a0{buildings % 1000:03d}"
    assert f"{grouped} rakennusta tiedostossa; lisätty {grouped}," in capsys.readouterr().out


def _ticking() -> Clock:
    """A clock that moves one interval on each reading, so that every call writes."""

    class Ticking(Clock):
        def __call__(self) -> float:
            self.now += UPDATE_INTERVAL
            return self.now

    return Ticking()
