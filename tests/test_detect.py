"""Format detection: a rejected file gets the reason that fits it best."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tilaapp.sources.detect import detect_source
from tilaapp.sources.records import FileRejected, RejectionReason


def _reason(path: Path) -> RejectionReason:
    with pytest.raises(FileRejected) as rejected:
        detect_source(path)
    return rejected.value.reason


def test_damaged_workbook_reason(tmp_path: Path) -> None:
    path = tmp_path / "rakennukset.xlsx"
    path.write_bytes(b"PK\x03\x04 damaged")

    assert _reason(path) is RejectionReason.NOT_A_WORKBOOK


def test_empty_geojson_reason(tmp_path: Path) -> None:
    path = tmp_path / "rakennukset.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")

    assert _reason(path) is RejectionReason.NO_FEATURES


def test_json_text_reason(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text("not json at all", encoding="utf-8")

    assert _reason(path) is RejectionReason.NOT_JSON


def test_plain_text_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "muistio.txt"
    path.write_text("Hartolan koulut", encoding="utf-8")

    assert _reason(path) is RejectionReason.UNSUPPORTED_FORMAT


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_archive_without_supported_file_named(tmp_path: Path) -> None:
    path = _zip(tmp_path / "osoitteet.zip", {"lueminut.txt": b"Hartola", "kartta.pdf": b"%PDF-1.4"})

    with pytest.raises(FileRejected) as rejected:
        detect_source(path)

    assert rejected.value.reason is RejectionReason.NO_SUPPORTED_MEMBER
    message = rejected.value.message()
    assert "lueminut.txt, kartta.pdf" in message
    assert ".OPT" in message


def test_archive_members_counted_past_five(tmp_path: Path) -> None:
    members = {f"liite{number}.txt": b"x" for number in range(1, 9)}
    path = _zip(tmp_path / "liitteet.zip", members)

    with pytest.raises(FileRejected) as rejected:
        detect_source(path)

    message = rejected.value.message()
    assert "liite5.txt" in message
    assert "liite6.txt" not in message
    assert "3" in message.split("liite5.txt")[1]


def test_archive_of_folders_has_no_member(tmp_path: Path) -> None:
    path = _zip(tmp_path / "kansiot.zip", {"kansio/": b""})

    assert _reason(path) is RejectionReason.NO_ARCHIVE_MEMBER
