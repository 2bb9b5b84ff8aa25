"""Tests that hostile workbooks are rejected safely: entity expansion, size, cell count."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.tabular import read_table
from tilaapp.sources.workbook import check_safe_xml_parsing

sys.path.insert(0, str(Path(__file__).parent))
from xlsx_parts import MAIN_NS, Sheet, text_row, write_workbook

ROOT = Path(__file__).resolve().parent.parent
MEMORY_LIMIT = 512 * 1024 * 1024
TIMEOUT_SECONDS = 30

# Ten levels of ten references: 10**9 copies of "lol" if a parser expanded them.
ENTITY_DECLARATIONS = "".join(
    [
        '<!ENTITY lol0 "lol">',
        *(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)),
    ]
)
EXPANDING_STRINGS = (
    f'<?xml version="1.0"?><!DOCTYPE sst [{ENTITY_DECLARATIONS}]>'
    f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)

READER_SCRIPT = textwrap.dedent(
    """
    import resource
    import sys
    from pathlib import Path

    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    from tilaapp.sources.records import FileRejected
    from tilaapp.sources.tabular import read_table

    try:
        read_table(Path(sys.argv[1]))
    except FileRejected as error:
        print(error.reason.value)
        sys.exit(0)
    print("read")
    sys.exit(3)
    """
)


def expanding_workbook(path: Path) -> Path:
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    return write_workbook(path, [Sheet("Tilat", rows)], shared_strings=EXPANDING_STRINGS)


def run_reader(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", READER_SCRIPT, str(path), str(MEMORY_LIMIT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS exists only on Unix")
def test_entity_expansion_rejected_under_memory_limit(tmp_path: Path) -> None:
    path = expanding_workbook(tmp_path / "laughs.xlsx")

    result = run_reader(path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unsafe_xml"


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS exists only on Unix")
def test_entity_expansion_in_sheet_rejected(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "laughs.xlsx", [Sheet("Tilat", text_row(1, "a"))])
    sheet_xml = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{ENTITY_DECLARATIONS}]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    rewrite_member(path, "xl/worksheets/sheet1.xml", sheet_xml)

    result = run_reader(path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "unsafe_xml"


def test_entity_expansion_message(tmp_path: Path) -> None:
    path = expanding_workbook(tmp_path / "laughs.xlsx")

    with pytest.raises(FileRejected) as caught:
        read_table(path)

    assert caught.value.reason is RejectionReason.UNSAFE_XML
    assert "declares entities" in caught.value.message()


def test_openpyxl_parses_with_defusedxml() -> None:
    check_safe_xml_parsing()


def test_safe_parsing_check_fails_without_defusedxml(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)

    with pytest.raises(RuntimeError, match="defusedxml"):
        check_safe_xml_parsing()


def test_real_size_check_uses_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_workbook(tmp_path / "tilat.xlsx", [Sheet("Tilat", text_row(1, "a", "b"))])
    real_stat = Path.stat

    class LargeStat:
        def __init__(self, status: object) -> None:
            self._status = status

        def __getattr__(self, name: str) -> object:
            return getattr(self._status, name)

        @property
        def st_size(self) -> int:
            return 200 * 1024 * 1024 + 1

    def large_stat(self: Path, **kwargs: object) -> object:
        status = real_stat(self, **kwargs)  # type: ignore[arg-type]
        return LargeStat(status) if self == path else status

    monkeypatch.setattr(Path, "stat", large_stat)

    with pytest.raises(FileRejected) as caught:
        read_table(path)

    assert caught.value.reason is RejectionReason.TOO_LARGE
    assert caught.value.params["size"] == "200"


def rewrite_member(path: Path, member: str, content: str) -> None:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    parts[member] = content.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
