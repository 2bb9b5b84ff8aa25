"""Verification of an update package without extracting it.

``verify_package`` reads the zip's end record and central directory first, and rejects
unsafe names, too many members, declared sizes past the limits and encrypted or oddly
compressed members before it reads any member data. It then streams each member through
SHA-256 in memory. While streaming, it counts the bytes and stops early at the limits,
whatever the zip declared. Nothing is written to disk. Last, it checks the manifest:
format version, JSON Schema, and the hash and size of every member it lists. It also
rejects listed members that are missing and members that are not listed.

The result lists one problem per reason, each naming its member, so the command line,
the GUI and the national aggregation can show or act on them.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import re
import struct
import zipfile
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tilaapp.i18n import N_
from tilaapp.i18n import gettext as _
from tilaapp.services.package_format import (
    BUILDINGS,
    CHANGES,
    JSON_MEMBER_FORMATS,
    MANIFEST,
    MAX_COMPRESSION_RATIO,
    MAX_JSON_MEMBER_BYTES,
    MAX_MEMBERS,
    MAX_PACKAGE_BYTES,
    MAX_TOTAL_UNCOMPRESSED_BYTES,
    PACKAGE_FORMAT,
    PROBLEMS,
    load_json,
    schema_errors,
)

log = logging.getLogger(__name__)

_CHUNK_BYTES = 64 * 1024
# The end of central directory record: signature, then fixed fields, then a comment of
# up to 65,535 bytes (PKWARE APPNOTE 6.3.10, section 4.3.16).
_END_RECORD_SIGNATURE = b"PK\x05\x06"
_END_RECORD = struct.Struct("<4s4H2LH")
_END_RECORD_SEARCH_BYTES = _END_RECORD.size + 0xFFFF
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
# General purpose flag bits (APPNOTE section 4.4.4).
_FLAG_ENCRYPTED = 0x1
_FLAG_UTF8 = 0x800
_FILE_TYPE_MASK = 0o170000
_SYMBOLIC_LINK = 0o120000
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class VerifyLimits:
    """The limits a package must keep; the defaults are those of the format."""

    max_package_bytes: int = MAX_PACKAGE_BYTES
    max_members: int = MAX_MEMBERS
    max_total_bytes: int = MAX_TOTAL_UNCOMPRESSED_BYTES
    max_ratio: int = MAX_COMPRESSION_RATIO
    max_json_bytes: int = MAX_JSON_MEMBER_BYTES


class Check(enum.StrEnum):
    """The check that a verification problem failed."""

    NOT_A_ZIP = "not_a_zip"
    PACKAGE_TOO_LARGE = "package_too_large"
    ZIP64 = "zip64"
    TOO_MANY_MEMBERS = "too_many_members"
    ABSOLUTE_NAME = "absolute_name"
    PARENT_NAME = "parent_name"
    BACKSLASH_NAME = "backslash_name"
    CONTROL_NAME = "control_name"
    NAME_ENCODING = "name_encoding"
    SYMBOLIC_LINK = "symbolic_link"
    DUPLICATE_MEMBER = "duplicate_member"
    ENCRYPTED = "encrypted"
    COMPRESSION_METHOD = "compression_method"
    TOTAL_TOO_LARGE = "total_too_large"
    RATIO_TOO_HIGH = "ratio_too_high"
    LONGER_THAN_DECLARED = "longer_than_declared"
    DAMAGED = "damaged"
    MANIFEST_MISSING = "manifest_missing"
    INVALID_JSON = "invalid_json"
    JSON_TOO_LARGE = "json_too_large"
    FORMAT_VERSION = "format_version"
    SCHEMA = "schema"
    LISTED_TWICE = "listed_twice"
    MEMBER_MISSING = "member_missing"
    MEMBER_UNLISTED = "member_unlisted"
    SIZE_MISMATCH = "size_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    COUNT_MISMATCH = "count_mismatch"
    MUNICIPALITY_MISMATCH = "municipality_mismatch"


# Checks after which no member data is read: reading could exhaust memory or time.
_STOP_BEFORE_READING = frozenset(
    {
        Check.TOO_MANY_MEMBERS,
        Check.TOTAL_TOO_LARGE,
        Check.RATIO_TOO_HIGH,
        Check.ENCRYPTED,
        Check.COMPRESSION_METHOD,
    }
)

_MESSAGES: Mapping[Check, str] = {
    # zipfile's own reason is English, so it goes only to the log (``detail``).
    Check.NOT_A_ZIP: N_(
        "{path} is not a zip file, or it is cut short, so it is not an update package."
    ),
    Check.PACKAGE_TOO_LARGE: N_(
        "{path} has {size} bytes; an update package may have at most {limit} bytes."
    ),
    Check.ZIP64: N_("{path} uses ZIP64 records, which update packages never use."),
    Check.TOO_MANY_MEMBERS: N_(
        "{path} has {count} members; an update package may have at most {limit}."
    ),
    Check.ABSOLUTE_NAME: N_("Member {member}: the name is an absolute path."),
    Check.PARENT_NAME: N_("Member {member}: the name refers to a parent folder (..)."),
    Check.BACKSLASH_NAME: N_("Member {member}: the name contains a backslash."),
    Check.CONTROL_NAME: N_("Member {member}: the name contains control characters."),
    Check.NAME_ENCODING: N_(
        "Member {member}: the name is neither UTF-8 nor marked as UTF-8 in the zip."
    ),
    Check.SYMBOLIC_LINK: N_("Member {member} is a symbolic link."),
    Check.DUPLICATE_MEMBER: N_("Member {member} appears {count} times in the zip."),
    Check.ENCRYPTED: N_("Member {member} is encrypted; update packages are never encrypted."),
    Check.COMPRESSION_METHOD: N_(
        "Member {member} uses compression method {method}; only stored and deflated "
        "members are accepted."
    ),
    Check.TOTAL_TOO_LARGE: N_(
        "Member {member}: the members would unpack to more than {limit} bytes in total, "
        "the limit of an update package."
    ),
    Check.RATIO_TOO_HIGH: N_(
        "Member {member} would unpack to {ratio} times its compressed size; at most "
        "{limit} times is accepted."
    ),
    Check.LONGER_THAN_DECLARED: N_(
        "Member {member} unpacks to more bytes than the zip declares, so reading stopped."
    ),
    Check.DAMAGED: N_("Member {member} is damaged and cannot be read ({detail})."),
    Check.MANIFEST_MISSING: N_("Member {member} is missing, so nothing can be verified."),
    Check.INVALID_JSON: N_("Member {member} is not valid JSON ({detail})."),
    Check.JSON_TOO_LARGE: N_(
        "Member {member} has {size} bytes; a JSON member may have at most {limit}."
    ),
    Check.FORMAT_VERSION: N_(
        "Member {member} has the format {found}; this version of tilaapp reads {expected}."
    ),
    Check.SCHEMA: N_(
        "Member {member} does not match its schema. The validator's detail, in English: {detail}"
    ),
    Check.LISTED_TWICE: N_("Member {member} is listed more than once in manifest.json."),
    Check.MEMBER_MISSING: N_(
        "Member {member} is listed in manifest.json but missing from the package."
    ),
    Check.MEMBER_UNLISTED: N_("Member {member} is in the package but not in manifest.json."),
    Check.SIZE_MISMATCH: N_("Member {member} has {size} bytes; manifest.json lists {expected}."),
    Check.HASH_MISMATCH: N_(
        "Member {member} does not match its SHA-256 in manifest.json: it was changed or "
        "damaged after the package was made."
    ),
    Check.COUNT_MISMATCH: N_(
        "The number of entries in member {member} is {found}, but manifest.json gives {expected}."
    ),
    Check.MUNICIPALITY_MISMATCH: N_(
        "Member {member} is for municipality {found}, but manifest.json names {expected}."
    ),
}


@dataclass(frozen=True)
class VerificationProblem:
    """One reason to reject a package."""

    check: Check
    member: str | None
    """The member concerned; None for a problem of the whole file."""
    params: Mapping[str, str | int] = field(default_factory=dict)

    def message(self, path: Path) -> str:
        """Return the reason in the current language; ``path`` is the package file."""
        member = self.member if self.member is not None else ""
        return _(_MESSAGES[self.check]).format(path=path, member=member, **self.params)


@dataclass
class VerificationResult:
    """The outcome of ``verify_package``: valid when ``problems`` is empty."""

    path: Path
    problems: list[VerificationProblem] = field(default_factory=list)
    manifest_sha256: str | None = None
    """The package's identity: the SHA-256 of manifest.json, when the member was read."""
    manifest: dict[str, Any] | None = None
    """The parsed manifest, when it is valid JSON of the right format."""
    documents: dict[str, Any] = field(default_factory=dict)
    """The parsed JSON members that match their schema, by member name."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self) -> list[str]:
        return [problem.message(self.path) for problem in self.problems]

    def add_problem(self, check: Check, member: str | None, **params: str | int) -> None:
        self.problems.append(VerificationProblem(check, member, params))


class PackageRejected(Exception):
    """A package failed verification; ``result`` lists the reasons."""

    def __init__(self, result: VerificationResult) -> None:
        self.result = result
        super().__init__(f"{result.path}: {len(result.problems)} verification problems")


@dataclass
class _ReadMember:
    size: int
    sha256: str
    content: bytes | None
    """The bytes of a JSON member or the manifest, kept for parsing."""


def verify_package(path: Path, *, limits: VerifyLimits | None = None) -> VerificationResult:
    """Verify the update package at ``path`` and return the result.

    Problems of the file's content are listed in the result. Raises ``OSError`` when
    the file cannot be read.
    """
    limits = limits or VerifyLimits()
    result = VerificationResult(path)
    with path.open("rb") as file:
        if not _check_file(file, path, limits, result):
            return result
        try:
            archive = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, ValueError, EOFError) as error:
            log.warning("Package %s is not a readable zip: %s", path, error)
            result.add_problem(Check.NOT_A_ZIP, None, detail=str(error))
            return result
        with archive:
            names_in_zip = {info.filename for info in archive.infolist()}
            members = _check_directory(archive, limits, result)
            if members is None:
                return result
            read = _read_members(archive, members, limits, result)

    _check_manifest(read, names_in_zip, limits, result)
    log.info("Verified package %s: %d problems", path, len(result.problems))
    return result


# The file and its end record


def _check_file(
    file: IO[bytes], path: Path, limits: VerifyLimits, result: VerificationResult
) -> bool:
    """Check the file size and the end record's member count before zipfile reads more."""
    size = file.seek(0, 2)
    if size > limits.max_package_bytes:
        result.add_problem(Check.PACKAGE_TOO_LARGE, None, size=size, limit=limits.max_package_bytes)
        return False

    tail_start = max(0, size - _END_RECORD_SEARCH_BYTES)
    file.seek(tail_start)
    tail = file.read()
    offset = tail.rfind(_END_RECORD_SIGNATURE)
    if offset < 0 or len(tail) - offset < _END_RECORD.size:
        log.warning("Package %s has no end of central directory record", path)
        result.add_problem(Check.NOT_A_ZIP, None, detail="no end of central directory record")
        return False

    fields = _END_RECORD.unpack_from(tail, offset)
    member_count = fields[4]
    locator = offset - _ZIP64_LOCATOR_SIZE
    if locator >= 0 and tail[locator : locator + 4] == _ZIP64_LOCATOR_SIGNATURE:
        result.add_problem(Check.ZIP64, None)
        return False
    if member_count > limits.max_members:
        result.add_problem(
            Check.TOO_MANY_MEMBERS, None, count=member_count, limit=limits.max_members
        )
        return False
    file.seek(0)
    return True


# The central directory


def _check_directory(
    archive: zipfile.ZipFile, limits: VerifyLimits, result: VerificationResult
) -> list[zipfile.ZipInfo] | None:
    """Check every entry of the central directory; return the members safe to read.

    Returns None when a limit is broken, so that no member may be read.
    """
    infos = archive.infolist()
    if len(infos) > limits.max_members:
        result.add_problem(Check.TOO_MANY_MEMBERS, None, count=len(infos), limit=limits.max_members)
        return None

    counts = Counter(info.filename for info in infos)
    readable: list[zipfile.ZipInfo] = []
    for info in infos:
        name_problems = _name_problems(info)
        for check in name_problems:
            result.add_problem(check, info.filename)
        _check_storage(info, limits, result)
        if not name_problems and counts[info.filename] == 1:
            readable.append(info)
    for name, count in counts.items():
        if count > 1:
            result.add_problem(Check.DUPLICATE_MEMBER, name, count=count)

    declared_total = sum(info.file_size for info in infos)
    if declared_total > limits.max_total_bytes:
        largest = max(infos, key=lambda info: info.file_size)
        result.add_problem(Check.TOTAL_TOO_LARGE, largest.filename, limit=limits.max_total_bytes)
    if any(problem.check in _STOP_BEFORE_READING for problem in result.problems):
        return None
    return readable


def _name_problems(info: zipfile.ZipInfo) -> list[Check]:
    name = info.filename
    problems: list[Check] = []
    if name.startswith("/") or _DRIVE_LETTER.match(name):
        problems.append(Check.ABSOLUTE_NAME)
    if "\\" in name:
        problems.append(Check.BACKSLASH_NAME)
    if ".." in name.split("/"):
        problems.append(Check.PARENT_NAME)
    if _CONTROL_CHARACTERS.search(name):
        problems.append(Check.CONTROL_NAME)
    if not _name_encoding_ok(info):
        problems.append(Check.NAME_ENCODING)
    if (info.external_attr >> 16) & _FILE_TYPE_MASK == _SYMBOLIC_LINK:
        problems.append(Check.SYMBOLIC_LINK)
    return problems


def _name_encoding_ok(info: zipfile.ZipInfo) -> bool:
    """Return whether the raw name is ASCII, flagged UTF-8, or valid UTF-8 all the same.

    zipfile decodes a name without the UTF-8 flag as code page 437, which maps every
    byte, so encoding it back gives the raw bytes.
    """
    if info.flag_bits & _FLAG_UTF8 or info.filename.isascii():
        return True
    try:
        info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _check_storage(info: zipfile.ZipInfo, limits: VerifyLimits, result: VerificationResult) -> None:
    name = info.filename
    if info.flag_bits & _FLAG_ENCRYPTED:
        result.add_problem(Check.ENCRYPTED, name)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        result.add_problem(Check.COMPRESSION_METHOD, name, method=info.compress_type)
    if info.file_size > limits.max_ratio * max(info.compress_size, 1):
        ratio = info.file_size // max(info.compress_size, 1)
        result.add_problem(Check.RATIO_TOO_HIGH, name, ratio=ratio, limit=limits.max_ratio)


# Member data


def _read_members(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    limits: VerifyLimits,
    result: VerificationResult,
) -> dict[str, _ReadMember]:
    """Hash each member in memory, counting bytes; stop at the first broken limit."""
    read: dict[str, _ReadMember] = {}
    total = 0
    for info in members:
        keep = info.filename == MANIFEST or info.filename in JSON_MEMBER_FORMATS
        member = _read_member(archive, info, limits, total, keep, result)
        if member is None:
            if any(problem.check in _STOP_BEFORE_READING for problem in result.problems):
                break
            continue
        total += member.size
        read[info.filename] = member
    return read


def _read_member(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    limits: VerifyLimits,
    total_before: int,
    keep: bool,
    result: VerificationResult,
) -> _ReadMember | None:
    name = info.filename
    maximum = min(info.file_size, limits.max_ratio * max(info.compress_size, 1))
    digest = hashlib.sha256()
    content = bytearray() if keep else None
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK_BYTES):
                size += len(chunk)
                if _over_limit(name, size, maximum, total_before + size, limits, result):
                    return None
                digest.update(chunk)
                if content is not None and size <= limits.max_json_bytes:
                    content.extend(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError) as error:
        result.add_problem(Check.DAMAGED, name, detail=str(error))
        return None

    kept = bytes(content) if content is not None and size <= limits.max_json_bytes else None
    return _ReadMember(size=size, sha256=digest.hexdigest(), content=kept)


def _over_limit(
    name: str,
    size: int,
    maximum: int,
    total: int,
    limits: VerifyLimits,
    result: VerificationResult,
) -> bool:
    """Record and return whether the bytes read so far break a limit."""
    if total > limits.max_total_bytes:
        result.add_problem(Check.TOTAL_TOO_LARGE, name, limit=limits.max_total_bytes)
        return True
    if size > maximum:
        result.add_problem(Check.LONGER_THAN_DECLARED, name)
        return True
    return False


# The manifest and the members it lists


def _check_manifest(
    read: dict[str, _ReadMember],
    names_in_zip: set[str],
    limits: VerifyLimits,
    result: VerificationResult,
) -> None:
    manifest_member = read.get(MANIFEST)
    if manifest_member is None:
        if MANIFEST not in names_in_zip:
            result.add_problem(Check.MANIFEST_MISSING, MANIFEST)
        return
    result.manifest_sha256 = manifest_member.sha256

    manifest = _parse_json(MANIFEST, manifest_member, limits, result)
    if manifest is None or not _format_ok(MANIFEST, manifest, PACKAGE_FORMAT, result):
        return
    result.manifest = manifest
    errors = schema_errors(MANIFEST, manifest)
    for error in errors:
        result.add_problem(Check.SCHEMA, MANIFEST, detail=error)
    if errors:
        return

    _check_listed_members(manifest["members"], read, names_in_zip, result)
    _check_json_members(manifest, read, limits, result)


def _parse_json(
    name: str, member: _ReadMember, limits: VerifyLimits, result: VerificationResult
) -> Any:
    if member.content is None:
        result.add_problem(
            Check.JSON_TOO_LARGE, name, size=member.size, limit=limits.max_json_bytes
        )
        return None
    try:
        return load_json(member.content)
    except (ValueError, RecursionError) as error:
        result.add_problem(Check.INVALID_JSON, name, detail=str(error))
        return None


def _format_ok(name: str, document: Any, expected: str, result: VerificationResult) -> bool:
    found = document.get("format") if isinstance(document, dict) else None
    if found == expected:
        return True
    result.add_problem(Check.FORMAT_VERSION, name, found=repr(found), expected=expected)
    return False


def _check_listed_members(
    listed: list[dict[str, Any]],
    read: dict[str, _ReadMember],
    names_in_zip: set[str],
    result: VerificationResult,
) -> None:
    counts = Counter(entry["name"] for entry in listed)
    for name, count in counts.items():
        if count > 1:
            result.add_problem(Check.LISTED_TWICE, name)
    for name in sorted(names_in_zip - set(counts) - {MANIFEST}):
        result.add_problem(Check.MEMBER_UNLISTED, name)

    for entry in listed:
        name = entry["name"]
        if name not in names_in_zip:
            result.add_problem(Check.MEMBER_MISSING, name)
            continue
        member = read.get(name)
        if member is None:
            # Not read: a problem of its name or data is already recorded.
            continue
        if member.size != entry["size"]:
            result.add_problem(Check.SIZE_MISMATCH, name, size=member.size, expected=entry["size"])
        if member.sha256 != entry["sha256"]:
            result.add_problem(Check.HASH_MISMATCH, name)


def _check_json_members(
    manifest: dict[str, Any],
    read: dict[str, _ReadMember],
    limits: VerifyLimits,
    result: VerificationResult,
) -> None:
    listed = {entry["name"] for entry in manifest["members"]}
    for name, expected_format in JSON_MEMBER_FORMATS.items():
        member = read.get(name)
        if member is None or name not in listed:
            continue
        document = _parse_json(name, member, limits, result)
        if document is None or not _format_ok(name, document, expected_format, result):
            continue
        errors = schema_errors(name, document)
        for error in errors:
            result.add_problem(Check.SCHEMA, name, detail=error)
        if not errors:
            result.documents[name] = document
    _check_counts(manifest, result)


def _check_counts(manifest: dict[str, Any], result: VerificationResult) -> None:
    """Check that the documents agree with the manifest's municipality and counts."""
    counts = manifest["counts"]
    expected_code = manifest["municipality"]["code"]
    for name, key in ((BUILDINGS, "buildings"), (CHANGES, "changes"), (PROBLEMS, "problems")):
        document = result.documents.get(name)
        if document is None:
            continue
        found = len(document[key])
        if found != counts[key]:
            result.add_problem(Check.COUNT_MISMATCH, name, found=found, expected=counts[key])
    buildings = result.documents.get(BUILDINGS)
    if buildings is not None and buildings["municipality_code"] != expected_code:
        result.add_problem(
            Check.MUNICIPALITY_MISMATCH,
            BUILDINGS,
            found=buildings["municipality_code"],
            expected=expected_code,
        )
