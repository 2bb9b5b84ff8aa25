"""The update package format ``tilaapp.package/1``: member names, limits and JSON Schemas.

An update package is a zip file that a municipality sends to the national premises
centre. ``docs/package-format.md`` describes it in full. The writer
(``tilaapp.services.package_export``) and the verifier
(``tilaapp.services.package_verify``) share the names, limits and schemas defined here,
so a package that the writer makes always passes the verifier.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

PACKAGE_FORMAT = "tilaapp.package/1"
BUILDINGS_FORMAT = "tilaapp.package.buildings/1"
CHANGES_FORMAT = "tilaapp.package.changes/1"
PROBLEMS_FORMAT = "tilaapp.package.problems/1"

MANIFEST = "manifest.json"
BUILDINGS = "buildings.json"
CHANGES = "changes.json"
SUMMARY = "summary.xlsx"
PROBLEMS = "problems.json"

# Every member other than the manifest, in the order the writer stores them.
DATA_MEMBERS: tuple[str, ...] = (BUILDINGS, CHANGES, SUMMARY, PROBLEMS)
MEMBERS: tuple[str, ...] = (MANIFEST, *DATA_MEMBERS)
JSON_MEMBER_FORMATS: Mapping[str, str] = {
    BUILDINGS: BUILDINGS_FORMAT,
    CHANGES: CHANGES_FORMAT,
    PROBLEMS: PROBLEMS_FORMAT,
}

# Limits that the verifier enforces before and while it reads members. A package of
# 1,000 buildings is well below 1 MB, so they leave room for the largest municipalities
# and still stop a zip bomb early.
MAX_MEMBERS = 100
MAX_TOTAL_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
# A JSON member is parsed in memory, so it has a bound of its own.
MAX_JSON_MEMBER_BYTES = 64 * 1024 * 1024
# The package file itself: a zip larger than the uncompressed limit cannot be valid.
MAX_PACKAGE_BYTES = MAX_TOTAL_UNCOMPRESSED_BYTES

# ``<municipality code>_<sequence, 4 digits>_<UTC creation date>.zip``, such as
# ``398_0001_2026-12-06.zip``. Sequences above 9999 take more digits.
_FILE_NAME = re.compile(r"^([0-9]{3})_([0-9]{4,})_([0-9]{4}-[0-9]{2}-[0-9]{2})\.zip$")

_SCHEMA_FILES: Mapping[str, str] = {
    MANIFEST: "manifest.schema.json",
    BUILDINGS: "buildings.schema.json",
    CHANGES: "changes.schema.json",
    PROBLEMS: "problems.schema.json",
}

# Characters per group when a hash is written for reading aloud.
HASH_GROUP_LENGTH = 4


class DuplicateJsonKey(ValueError):
    """A JSON object names one key twice, which JSON parsers resolve differently."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"duplicate key {key!r}")


def package_file_name(municipality_code: str, sequence: int, created_at: datetime.datetime) -> str:
    """Return the file name of a package, such as ``398_0001_2026-12-06.zip``."""
    day = created_at.astimezone(datetime.UTC).date().isoformat()
    return f"{municipality_code}_{sequence:04d}_{day}.zip"


def parse_package_file_name(name: str) -> tuple[str, int, datetime.date] | None:
    """Return (municipality code, sequence, date) of a package file name, or None."""
    match = _FILE_NAME.match(name)
    if match is None:
        return None
    try:
        day = datetime.date.fromisoformat(match.group(3))
    except ValueError:
        return None
    return match.group(1), int(match.group(2)), day


def format_hash(sha256: str) -> str:
    """Return a hex digest in groups of four characters, as it is read over the phone.

    ``"3f2a9c01…"`` becomes ``"3f2a 9c01 …"``.
    """
    groups = (
        sha256[start : start + HASH_GROUP_LENGTH]
        for start in range(0, len(sha256), HASH_GROUP_LENGTH)
    )
    return " ".join(groups)


def utc_text(moment: datetime.datetime) -> str:
    """Return a time as UTC ISO 8601 to the second with a ``Z``: ``2026-12-06T09:30:00Z``."""
    utc = moment.astimezone(datetime.UTC).replace(microsecond=0)
    return utc.isoformat().replace("+00:00", "Z")


def parse_utc_text(text: str) -> datetime.datetime:
    """Parse a time that ``utc_text`` wrote; raise ValueError for text without a time zone."""
    moment = datetime.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"time {text!r} has no time zone: expected UTC with a Z")
    return moment.astimezone(datetime.UTC)


def json_bytes(document: Mapping[str, Any]) -> bytes:
    """Return ``document`` as the UTF-8 JSON text of a package member.

    Keys keep their order. The text is compact, without indentation: indentation
    compresses so well that a large portfolio's member could pass the compression
    ratio limit. No float ever reaches here, because decimals are strings.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateJsonKey(key)
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def load_json(data: bytes) -> Any:
    """Parse a member's JSON strictly: UTF-8, no repeated keys, no NaN or Infinity.

    Raises ``ValueError`` (``UnicodeDecodeError``, ``json.JSONDecodeError`` and
    ``DuplicateJsonKey`` are subclasses) for anything else.
    """
    text = data.decode("utf-8")
    return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)


@cache
def member_schema(member: str) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a JSON member, such as ``manifest.json``."""
    folder = resources.files("tilaapp.resources") / "package"
    text = (folder / _SCHEMA_FILES[member]).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_errors(member: str, document: Any) -> list[str]:
    """Return one English line per violation of the member's schema; empty when valid.

    Each line starts with the JSON path of the value, such as ``$.buildings[3].id``.
    """
    # Imported here: jsonschema takes a tenth of a second to import.
    import jsonschema

    validator = jsonschema.Draft202012Validator(member_schema(member))
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.path))
    return [f"{error.json_path}: {error.message}" for error in errors]
