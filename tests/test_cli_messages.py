"""Command-line behaviour a user meets: refusals, translated help and errors, backups."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import tilaapp.services.importing as importing
from devtools.dvv_workbook import MUNICIPALITY_BUSINESS_ID, sample_buildings, write_extract
from devtools.opt_file import OptRow, valid_prt, write_opt
from tilaapp.cli.main import main
from tilaapp.sources.records import ProblemKind, RejectionReason
from tilaapp.storage.database import backups_folder


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def open_file(tmp_path: Path) -> Path:
    rows = [OptRow(prt=valid_prt(n)).cells() for n in range(1, 4)]
    return write_opt(tmp_path / "osoitteet.OPT", rows)


def test_reference_out_refuses_input_file(
    open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _sha(open_file)
    status, _out, err = _run(capsys, "reference", "build", str(open_file), "--out", str(open_file))
    assert status == 1
    assert open_file.name in err
    assert _sha(open_file) == before


def test_reference_out_refuses_database(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "kanta.sqlite"
    assert main(["import", str(open_file), "--db", str(db)]) == 0
    capsys.readouterr()
    before = _sha(db)
    status, _out, _err = _run(capsys, "reference", "build", str(open_file), "--out", str(db))
    assert status == 1
    assert _sha(db) == before


def test_reference_out_refuses_folder(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "kansio"
    folder.mkdir()
    status, _out, err = _run(capsys, "reference", "build", str(open_file), "--out", str(folder))
    assert status == 1
    assert "kansio" in err
    assert list(tmp_path.glob("*.part")) == []


def test_reference_out_replaces_reference(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "vertailu.json"
    assert _run(capsys, "reference", "build", str(open_file), "--out", str(out))[0] == 0
    assert _run(capsys, "reference", "build", str(open_file), "--out", str(out))[0] == 0


def test_folder_as_input_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "aineisto"
    folder.mkdir()
    status, _out, err = _run(capsys, "import", str(folder), "--db", str(tmp_path / "x.sqlite"))
    assert status == 1
    assert "aineisto" in err
    assert "kansio" in err


def test_group_change_takes_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extract = write_extract(tmp_path / "x.xlsx", sample_buildings())
    db = tmp_path / "kanta.sqlite"
    assert main(["import", str(extract), "--db", str(db)]) == 0
    status = main(
        ["import", str(extract), "--db", str(db), "--owner-business-id", MUNICIPALITY_BUSINESS_ID]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert len(list(backups_folder(db).glob("*.sqlite"))) == 1
    assert "tilasalkkuun" in out


def test_new_database_announced(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = _run(capsys, "import", str(open_file), "--db", str(tmp_path / "u.sqlite"))
    assert status == 0
    assert "Luotiin uusi tietokanta" in out


def test_missing_database_tells_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = _run(capsys, "list", "--db", str(tmp_path / "puuttuu.sqlite"))
    assert status == 1
    assert "tilaapp import" in err
    assert not (tmp_path / "puuttuu.sqlite").exists()


def test_empty_portfolio_explained(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "k.sqlite"
    main(["import", str(open_file), "--db", str(db)])
    capsys.readouterr()
    status, out, _err = _run(capsys, "list", "--db", str(db))
    assert status == 0
    assert "--owner-business-id" in out
    assert "--all" in out


def test_help_in_finnish(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("käyttö: ")
    assert "valitsimet" in out
    assert "TIEDOSTO" in out


def test_argparse_error_in_swedish(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["--lang", "sv", "import"])
    err = capsys.readouterr().err
    assert raised.value.code == 2
    assert "dessa krävs" in err
    assert "the following arguments" not in err


def test_option_named_in_municipality_error(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _out, err = _run(
        capsys, "import", str(open_file), "--db", str(tmp_path / "m.sqlite"), "--home", "999"
    )
    assert status == 2
    assert "--home 999" in err


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["--demo"],
        ["--db", "oma.sqlite"],
        ["--lang", "sv", "--demo"],
        ["--db=x.sqlite", "--lang=en"],
    ],
)
def test_application_parser_matches_full(arguments: list[str]) -> None:
    from tilaapp.cli.main import _application_parser, _only_application_options, build_parser

    assert _only_application_options(arguments)
    assert vars(_application_parser().parse_args(arguments)) == vars(
        build_parser().parse_args(arguments)
    )


@pytest.mark.parametrize(
    "arguments",
    [["list"], ["--demo", "list"], ["--lang", "xx"], ["--lang=xx"], ["--db"], ["--help"], ["-h"]],
)
def test_commands_and_errors_use_full_parser(arguments: list[str]) -> None:
    from tilaapp.cli.main import _only_application_options

    assert not _only_application_options(arguments)


def test_ctrl_c_during_import_saves_nothing(
    tmp_path: Path,
    open_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    db = tmp_path / "stopped.sqlite"
    extract = write_extract(tmp_path / "x.xlsx", sample_buildings())
    status = _run(
        capsys, "import", str(extract), "--db", str(db), "--extraction-date", "2026-09-30"
    )[0]
    assert status == 0
    before = _sha(db)
    import_file = importing._Importer.import_file

    def stopped(importer: importing._Importer, item: object) -> object:
        # Ctrl+C after the file's rows are written, before the commit.
        import_file(importer, item)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(importing._Importer, "import_file", stopped)
    status, _out, err = _run(
        capsys, "import", str(open_file), "--db", str(db), "--extraction-date", "2026-09-30"
    )
    assert status == 130
    assert "Keskeytetty Ctrl+C:llä" in err
    assert "Traceback" not in err
    assert _sha(db) == before


def test_cli_docs_list_every_problem_kind() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text("utf-8")
    assert [kind.value for kind in ProblemKind if f"`{kind.value}`" not in text] == []


def test_cli_docs_list_every_rejection_reason() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text("utf-8")
    assert [reason.value for reason in RejectionReason if f"`{reason.value}`" not in text] == []


def test_show_address_in_the_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells = OptRow(prt=valid_prt(5), street_name_sv="Kvarngatan").cells()
    path = write_opt(tmp_path / "osoitteet.OPT", [cells])
    db = tmp_path / "language.sqlite"
    assert _run(capsys, "import", str(path), "--db", str(db))[0] == 0
    finnish = _run(capsys, "show", valid_prt(5), "--db", str(db))[1]
    swedish = _run(capsys, "show", valid_prt(5), "--db", str(db), "--lang", "sv")[1]
    assert "Osoite: Mäkitie 1, 00100" in finnish
    assert "Adress: Kvarngatan 1, 00100" in swedish


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", ("1 Asuin- tai toimitilarakennus", "2 Tuotantorakennus tai muu rakennus")),
        ("sv", ("1 Bostads- eller verksamhetsbyggnad", "2 Produktionsbyggnad eller annan byggnad")),
        ("en", ("1 Residential or business premises building",
                "2 Production building or other building")),
    ],
)  # fmt: skip
def test_show_open_use_class_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str, expected: tuple[str, str]
) -> None:
    rows = [OptRow(prt=valid_prt(5)).cells(), OptRow(prt=valid_prt(6), use_class="2").cells()]
    path = write_opt(tmp_path / "classes.OPT", rows)
    db = tmp_path / "use-class.sqlite"
    assert _run(capsys, "import", str(path), "--db", str(db))[0] == 0

    for number, name in zip((5, 6), expected, strict=True):
        output = _run(capsys, "show", valid_prt(number), "--db", str(db), "--lang", language)[1]
        assert name in output


def test_file_problem_printed_without_place(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut = tmp_path / "cut.OPT"
    cut.write_bytes(open_file.read_bytes()[:-20])
    status, out, _err = _run(capsys, "import", str(cut), "--db", str(tmp_path / "db.sqlite"))
    assert status == 0
    warning = next(line for line in out.splitlines() if "kesken rivin" in line)
    assert warning.startswith("  varoitus: Tiedosto päättyy kesken rivin")


_SLOW_IMPORT = """
import pathlib, sys, time
import tilaapp.services.open_load as open_load

def write(loader, compact):
    pathlib.Path(sys.argv[1]).touch()
    time.sleep(60)

open_load.CompactLoader.write = write
from tilaapp.cli.main import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="the system has no SIGTERM or SIGHUP")
@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_signal_stops_import_cleanly(tmp_path: Path, open_file: Path, signal_name: str) -> None:
    db = tmp_path / "new.sqlite"
    started = tmp_path / "started"
    command = [sys.executable, "-c", _SLOW_IMPORT, str(started), "import", str(open_file)]
    process = subprocess.Popen(
        [*command, "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TILAAPP_LANG": "en"},
    )
    deadline = time.monotonic() + 60
    while not started.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert started.exists()

    number = getattr(signal, signal_name)
    process.send_signal(number)
    _out, err = process.communicate(timeout=60)

    assert process.returncode == 128 + number
    assert f"Stopped by the signal {signal_name} before the command finished." in err
    assert "Traceback" not in err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["osoitteet.OPT", "started"]


def test_filtered_open_file_counts_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two rows of one building and one row of another, outside the chosen municipality.
    rows = [
        OptRow(prt=valid_prt(1), municipality="091").cells(),
        OptRow(prt=valid_prt(2), municipality="049").cells(),
        OptRow(prt=valid_prt(2), municipality="049", address_number="2").cells(),
        OptRow(prt=valid_prt(3), municipality="092").cells(),
    ]
    path = write_opt(tmp_path / "osoitteet.OPT", rows)
    db = str(tmp_path / "db.sqlite")
    status, out, _err = _run(capsys, "import", str(path), "--db", db, "--municipality", "091")
    assert status == 0
    assert "3 riviä valittujen kuntien ulkopuolisista rakennuksista jätettiin pois." in out


def test_signal_handlers_restored(
    tmp_path: Path, open_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = signal.getsignal(signal.SIGTERM)
    status, _out, _err = _run(capsys, "import", str(open_file), "--db", str(tmp_path / "d.sqlite"))
    assert status == 0
    assert signal.getsignal(signal.SIGTERM) is before
