"""Verification of update packages: tampering, unsafe zips, limits, manifest checks."""

from __future__ import annotations

import datetime
import hashlib
import json
import struct
import zipfile
from pathlib import Path

import pytest

from tests.package_helpers import folder_state, import_sample, write_zip, zip_members
from tilaapp.cli.main import main
from tilaapp.domain.formatting import format_timestamp
from tilaapp.services.package_export import export_package
from tilaapp.services.package_format import (
    BUILDINGS,
    DATA_MEMBERS,
    MANIFEST,
    MAX_COMPRESSION_RATIO,
    MEMBERS,
    format_hash,
    json_bytes,
    load_json,
)
from tilaapp.services.package_verify import Check, VerifyLimits, verify_package

NOW = datetime.datetime(2026, 3, 2, 8, 30, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    database = import_sample(folder / "municipality")
    result = export_package(database, folder / "out", now=NOW)
    database.close()
    return result.path


@pytest.fixture
def members(package: Path) -> list[tuple[str, bytes]]:
    found = zip_members(package)
    return [(name, found[name]) for name in MEMBERS]


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def checks(path: Path, limits: VerifyLimits | None = None) -> list[tuple[str, str | None]]:
    result = verify_package(path, limits=limits)
    return [(str(problem.check), problem.member) for problem in result.problems]


def with_manifest(members: list[tuple[str, bytes]], manifest: dict) -> list[tuple[str, bytes]]:
    return [(MANIFEST, json_bytes(manifest)), *[m for m in members if m[0] != MANIFEST]]


def listed_manifest(members: list[tuple[str, bytes]], extra: list[tuple[str, bytes]]) -> dict:
    """Return the package's manifest with ``extra`` listed beside its own members."""
    manifest = load_json(dict(members)[MANIFEST])
    for name, data in extra:
        entry = {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        manifest["members"].append(entry)
    return manifest


# A valid package


def test_valid_package_passes(package: Path) -> None:
    result = verify_package(package)
    assert result.ok, result.messages()
    assert set(result.documents) == {"buildings.json", "changes.json", "problems.json"}


def test_repacked_package_passes(members: list[tuple[str, bytes]], work: Path) -> None:
    assert checks(write_zip(work / "repacked.zip", members)) == []


def test_cli_valid_exit_0(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["verify-package", str(package), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert status == 0
    assert printed["status"] == "valid"
    assert printed["manifest_sha256"] == hashlib.sha256(zip_members(package)[MANIFEST]).hexdigest()
    assert printed["problems"] == []


def test_cli_valid_text_names_condition(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["verify-package", str(package), "--lang", "en"])
    lines = capsys.readouterr().out.splitlines()
    digest = hashlib.sha256(zip_members(package)[MANIFEST]).hexdigest()

    assert status == 0
    assert lines[0].startswith(f"The package {package} is intact, provided that its identity")
    assert lines[1] == format_hash(digest)
    # 8.30 UTC on 2 March is 10.30 in Helsinki (EET, UTC+2).
    assert lines[2].endswith(f"made {format_timestamp(NOW, 'en')}.")
    assert "10:30" in lines[2]
    assert "UTC" not in lines[2]


# Tampering


@pytest.mark.parametrize("member", DATA_MEMBERS)
def test_changed_byte_names_member(
    members: list[tuple[str, bytes]], work: Path, member: str
) -> None:
    data = dict(members)[member]
    # One byte in the middle, with its lowest bit flipped.
    middle = len(data) // 2
    changed = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    tampered = [(name, changed if name == member else content) for name, content in members]

    found = checks(write_zip(work / "tampered.zip", tampered))

    assert ("hash_mismatch", member) in found
    assert all(name == member for _check, name in found), found


def test_every_member_tamper_checked(members: list[tuple[str, bytes]]) -> None:
    # The loop above covers every member other than the manifest.
    assert sorted(name for name, _ in members if name != MANIFEST) == sorted(DATA_MEMBERS)


def test_tampered_rejected_by_cli(
    members: list[tuple[str, bytes]], work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tampered = [(name, data + b" " if name == BUILDINGS else data) for name, data in members]
    path = write_zip(work / "tampered.zip", tampered)

    status = main(["verify-package", str(path), "--lang", "en"])
    err = capsys.readouterr().err

    assert status == 1
    assert "Member buildings.json has" in err
    assert "Member buildings.json does not match its SHA-256" in err
    assert f"The package {path} was rejected." in err


def test_missing_listed_member(members: list[tuple[str, bytes]], work: Path) -> None:
    path = write_zip(work / "missing.zip", [m for m in members if m[0] != "problems.json"])
    assert checks(path) == [("member_missing", "problems.json")]


def test_unlisted_extra_member(members: list[tuple[str, bytes]], work: Path) -> None:
    path = write_zip(work / "extra.zip", [*members, ("notes.txt", b"hello")])
    assert checks(path) == [("member_unlisted", "notes.txt")]


def test_manifest_listing_unknown_member(members: list[tuple[str, bytes]], work: Path) -> None:
    extra = [("notes.txt", b"hello")]
    manifest = listed_manifest(members, extra)
    path = write_zip(work / "listed.zip", [*with_manifest(members, manifest), *extra])
    found = checks(path)
    assert found[0][0] == "schema"
    assert found[0][1] == MANIFEST


def test_manifest_missing(members: list[tuple[str, bytes]], work: Path) -> None:
    path = write_zip(work / "nomanifest.zip", [m for m in members if m[0] != MANIFEST])
    assert checks(path) == [("manifest_missing", MANIFEST)]


def test_wrong_format_version(members: list[tuple[str, bytes]], work: Path) -> None:
    manifest = load_json(dict(members)[MANIFEST])
    manifest["format"] = "tilaapp.package/2"
    path = write_zip(work / "v2.zip", with_manifest(members, manifest))
    assert checks(path) == [("format_version", MANIFEST)]


def test_manifest_schema_violation(members: list[tuple[str, bytes]], work: Path) -> None:
    manifest = load_json(dict(members)[MANIFEST])
    manifest["sequence"] = "one"
    path = write_zip(work / "schema.zip", with_manifest(members, manifest))
    result = verify_package(path)
    assert [(p.check, p.member) for p in result.problems] == [(Check.SCHEMA, MANIFEST)]
    assert "$.sequence" in result.messages()[0]


def test_manifest_duplicate_key(members: list[tuple[str, bytes]], work: Path) -> None:
    text = dict(members)[MANIFEST].decode()
    duplicated = text.replace('"sequence":1,', '"sequence":1,"sequence":2,', 1)
    assert duplicated != text
    path = write_zip(work / "dupkey.zip", [(MANIFEST, duplicated.encode()), *members[1:]])
    assert checks(path) == [("invalid_json", MANIFEST)]


def test_member_schema_checked(members: list[tuple[str, bytes]], work: Path) -> None:
    # A member that matches its listed hash but breaks its schema: the manifest was
    # rebuilt with the new hash, as anyone can do (see the format's threat model).
    buildings = load_json(dict(members)[BUILDINGS])
    buildings["buildings"][0]["fields"]["condition_assessor"] = {
        "value": "Arvioija Aapeli",
        "source": "local",
    }
    data = json_bytes(buildings)
    manifest = load_json(dict(members)[MANIFEST])
    for entry in manifest["members"]:
        if entry["name"] == BUILDINGS:
            entry.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    rebuilt = [(name, data if name == BUILDINGS else content) for name, content in members]
    path = write_zip(work / "assessor.zip", with_manifest(rebuilt, manifest))

    assert ("schema", BUILDINGS) in checks(path)


def test_count_mismatch(members: list[tuple[str, bytes]], work: Path) -> None:
    manifest = load_json(dict(members)[MANIFEST])
    manifest["counts"]["buildings"] = 4
    path = write_zip(work / "count.zip", with_manifest(members, manifest))
    assert checks(path) == [("count_mismatch", BUILDINGS)]


# Unsafe zips


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("../x", "parent_name"),
        ("a/../../x", "parent_name"),
        ("/abs", "absolute_name"),
        ("C:/windows", "absolute_name"),
        ("dir\\file", "backslash_name"),
        ("bell\x07", "control_name"),
    ],
)
def test_unsafe_names_rejected(
    members: list[tuple[str, bytes]], work: Path, name: str, check: str
) -> None:
    path = write_zip(work / "unsafe.zip", [*members, (name, b"x")])
    before = folder_state(work)

    found = checks(path)

    assert (check, name) in found
    assert ("member_unlisted", name) in found
    assert folder_state(work) == before


def test_symbolic_link_rejected(members: list[tuple[str, bytes]], work: Path) -> None:
    path = work / "link.zip"
    write_zip(path, members)
    with zipfile.ZipFile(path, "a") as archive:
        link = zipfile.ZipInfo("link")
        link.external_attr = (0o120777) << 16
        archive.writestr(link, "/etc/passwd")
    assert ("symbolic_link", "link") in checks(path)


def test_duplicate_member_rejected(members: list[tuple[str, bytes]], work: Path) -> None:
    path = work / "duplicate.zip"
    with pytest.warns(UserWarning, match="Duplicate name"):
        write_zip(path, [*members, (BUILDINGS, b"{}")])
    found = checks(path)
    assert ("duplicate_member", BUILDINGS) in found


def test_name_not_utf8_rejected(members: list[tuple[str, bytes]], work: Path) -> None:
    path = work / "latin1.zip"
    write_zip(path, members)
    # Write a name in Latin-1 bytes without the UTF-8 flag: zipfile encodes names
    # that fit in ASCII as they are, so the raw bytes are patched in afterwards.
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("M-xx.txt", b"x")
    raw = path.read_bytes().replace(b"M-xx.txt", "Mäxx.txt".encode("latin-1"))
    path.write_bytes(raw)
    found = checks(path)
    assert any(check == "name_encoding" for check, _name in found), found


def test_utf8_flagged_name_accepted_as_name(members: list[tuple[str, bytes]], work: Path) -> None:
    path = write_zip(work / "utf8.zip", [*members, ("Mäxx.txt", b"x")])
    assert checks(path) == [("member_unlisted", "Mäxx.txt")]


def test_too_many_members(members: list[tuple[str, bytes]], work: Path) -> None:
    extra = [(f"extra{i}.txt", b"x") for i in range(100)]
    path = write_zip(work / "many.zip", [*members, *extra])
    assert checks(path) == [("too_many_members", None)]


def test_not_a_zip(work: Path) -> None:
    path = work / "plain.zip"
    path.write_bytes(b"this is no zip file")
    assert checks(path) == [("not_a_zip", None)]


def test_truncated_zip_reason_worded(
    package: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = work / "cut.zip"
    path.write_bytes(package.read_bytes()[:-30])

    status = main(["verify-package", str(path), "--lang", "en"])
    err = capsys.readouterr().err

    assert status == 1
    assert "is not a zip file, or it is cut short" in err
    assert "central directory" not in err


def test_schema_problem_names_member_first(
    members: list[tuple[str, bytes]], work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = load_json(dict(members)[MANIFEST])
    manifest["sequence"] = "one"
    path = write_zip(work / "schema.zip", with_manifest(members, manifest))

    main(["verify-package", str(path), "--lang", "en"])
    first = capsys.readouterr().err.splitlines()[0]

    assert first.startswith(f"Member {MANIFEST} does not match its schema. ")
    assert "$.sequence" in first


def test_zip64_rejected(members: list[tuple[str, bytes]], work: Path) -> None:
    # zipfile writes ZIP64 end records only for huge archives, so a ZIP64 end locator
    # is put in front of the end record of a small one.
    raw = write_zip(work / "plain.zip", members).read_bytes()
    end = raw.rfind(b"PK\x05\x06")
    locator = b"PK\x06\x07" + bytes(16)
    path = work / "zip64.zip"
    path.write_bytes(raw[:end] + locator + raw[end:])
    assert checks(path) == [("zip64", None)]


# Zip bombs


def bomb_members(members: list[tuple[str, bytes]], size: int) -> list[tuple[str, bytes]]:
    """Return the package with a highly compressible member listed in the manifest."""
    bomb = ("bomb.bin", b"\0" * size)
    return [*members, bomb]


def test_real_ratio_limit(members: list[tuple[str, bytes]], work: Path) -> None:
    # 2 MB of zeros deflates to about 2 kB, a ratio near 1,000.
    path = write_zip(work / "bomb.zip", bomb_members(members, 2 * 1024 * 1024))
    before = folder_state(work)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("bomb.bin")
        assert info.file_size > MAX_COMPRESSION_RATIO * info.compress_size

    found = checks(path)

    assert found == [("ratio_too_high", "bomb.bin")]
    assert folder_state(work) == before


def test_total_limit(members: list[tuple[str, bytes]], work: Path) -> None:
    limits = VerifyLimits(max_total_bytes=200_000, max_ratio=10_000)
    path = write_zip(work / "large.zip", bomb_members(members, 300_000))
    assert checks(path, limits) == [("total_too_large", "bomb.bin")]


def test_small_ratio_limit(members: list[tuple[str, bytes]], work: Path) -> None:
    limits = VerifyLimits(max_ratio=2)
    path = write_zip(work / "ratio.zip", members)
    found = checks(path, limits)
    assert found
    assert {check for check, _name in found} == {"ratio_too_high"}


def test_package_file_limit(members: list[tuple[str, bytes]], work: Path) -> None:
    path = write_zip(work / "big.zip", members)
    limits = VerifyLimits(max_package_bytes=path.stat().st_size - 1)
    assert checks(path, limits) == [("package_too_large", None)]


def test_json_member_limit(members: list[tuple[str, bytes]], work: Path) -> None:
    size = len(dict(members)[BUILDINGS])
    limits = VerifyLimits(max_json_bytes=size - 1)
    assert checks(write_zip(work / "json.zip", members), limits) == [("json_too_large", BUILDINGS)]


def directory_entry(raw: bytes, name: str) -> int:
    """Return the offset of the central directory entry of member ``name``."""
    entry = raw.find(b"PK\x01\x02")
    while entry >= 0:
        name_length = struct.unpack_from("<H", raw, entry + 28)[0]
        if raw[entry + 46 : entry + 46 + name_length] == name.encode():
            return entry
        entry = raw.find(b"PK\x01\x02", entry + 4)
    raise AssertionError(f"no directory entry for {name}")


def test_size_understated_in_directory(members: list[tuple[str, bytes]], work: Path) -> None:
    # The central directory claims fewer bytes than the member inflates to; reading
    # stops at the claimed size and the member is rejected.
    path = write_zip(work / "liar.zip", members)
    raw = bytearray(path.read_bytes())
    entry = directory_entry(bytes(raw), BUILDINGS)
    declared = struct.unpack_from("<L", raw, entry + 24)[0]
    struct.pack_into("<L", raw, entry + 24, declared // 2)
    path.write_bytes(bytes(raw))

    found = checks(path)

    assert ("damaged", BUILDINGS) in found


def test_nothing_written_while_verifying(package: Path, work: Path) -> None:
    copy = work / package.name
    copy.write_bytes(package.read_bytes())
    before = folder_state(work)
    verify_package(copy)
    assert folder_state(work) == before
