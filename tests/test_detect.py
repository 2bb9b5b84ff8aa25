"""Format detection: a rejected file gets the reason that fits it best."""

from __future__ import annotations

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
