"""Tests of the encoding rule and of opening text sources, plain or inside archives."""

from __future__ import annotations

import codecs
import hashlib
import threading
import zipfile
from pathlib import Path

import pytest

from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.textfile import (
    HEAD_SIZE,
    ISO_8859_1,
    UTF_8,
    UTF_16_BE,
    UTF_16_LE,
    WINDOWS_1252,
    BinaryContentError,
    DecodeEvent,
    EncodingBasis,
    LineDecoder,
    SourceReadError,
    data_sha256,
    data_size,
    detect_encoding,
    is_ascii_compatible,
    open_text_source,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
FINNISH = "Mäkitie;Åkervägen;Öljytie\n"


def detect(head: bytes, declared: str = ISO_8859_1, complete: bool = True) -> str:
    return detect_encoding(head, declared=declared, complete=complete).name


def open_source(path: Path, **options: object) -> tuple[bytes, str, str | None]:
    """Return the stream's bytes, the chosen encoding and the member read."""
    with open_text_source(
        path,
        declared_encoding=str(options.pop("declared", ISO_8859_1)),
        member_suffixes=(".opt",),
        **options,  # type: ignore[arg-type]
    ) as source:
        return source.stream.read(), source.encoding.name, source.member


def rejection(path: Path) -> RejectionReason:
    with pytest.raises(FileRejected) as caught:
        open_source(path)
    return caught.value.reason


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# --- encoding rule -------------------------------------------------------------------


def test_detect_utf8_bom() -> None:
    encoding = detect_encoding(codecs.BOM_UTF8 + b"abc", declared=ISO_8859_1, complete=True)
    assert encoding.name == UTF_8
    assert encoding.bom == codecs.BOM_UTF8
    assert encoding.basis is EncodingBasis.BYTE_ORDER_MARK


def test_detect_utf16_boms() -> None:
    assert detect(codecs.BOM_UTF16_LE + "ä;b\n".encode(UTF_16_LE)) == UTF_16_LE
    assert detect(codecs.BOM_UTF16_BE + "ä;b\n".encode(UTF_16_BE)) == UTF_16_BE


def test_detect_ascii_is_utf8_with_fallback() -> None:
    encoding = detect_encoding(b"abc;def\n", declared=ISO_8859_1, complete=True)
    assert encoding.name == UTF_8
    assert encoding.basis is EncodingBasis.ASCII_CONTENT
    assert encoding.fallback == ISO_8859_1


def test_detect_valid_utf8() -> None:
    encoding = detect_encoding(FINNISH.encode(UTF_8), declared=WINDOWS_1252, complete=True)
    assert encoding.name == UTF_8
    assert encoding.basis is EncodingBasis.UTF_8_CONTENT
    assert encoding.fallback == WINDOWS_1252


def test_detect_latin1_is_declared() -> None:
    encoding = detect_encoding(FINNISH.encode(ISO_8859_1), declared=ISO_8859_1, complete=True)
    assert encoding.name == ISO_8859_1
    assert encoding.basis is EncodingBasis.DECLARED


def test_detect_windows_1252_declared() -> None:
    assert detect("€;x\n".encode(WINDOWS_1252), declared=WINDOWS_1252) == WINDOWS_1252


def test_detect_sequence_cut_at_head_end() -> None:
    head = (b"a" * (HEAD_SIZE - 1) + "ä".encode())[:HEAD_SIZE]
    assert detect(head, complete=False) == UTF_8


def test_detect_sequence_cut_at_file_end() -> None:
    head = b"a" * 10 + "ä".encode()[:1]
    assert detect(head, complete=True) == ISO_8859_1


@pytest.mark.parametrize(
    "head", [PNG_SIGNATURE, b"abc\x00def", b"\x01\x02\x03", b"ok;line\n\x1b[0m"]
)
def test_detect_binary_rejected(head: bytes) -> None:
    with pytest.raises(BinaryContentError):
        detect(head)


def test_detect_binary_offset() -> None:
    with pytest.raises(BinaryContentError) as caught:
        detect(b"abc\x00")
    assert caught.value.offset == 3
    assert caught.value.character == 0


def test_detect_allows_tab_form_feed_crlf() -> None:
    assert detect(b"a\tb\r\n\x0cc\n") == UTF_8


def test_detect_utf16_control_character_rejected() -> None:
    with pytest.raises(BinaryContentError):
        detect(codecs.BOM_UTF16_LE + "a\x00b".encode(UTF_16_LE))


def test_detect_given_encoding_skips_own_bom() -> None:
    head = codecs.BOM_UTF8 + b"abc"
    encoding = detect_encoding(head, declared=ISO_8859_1, complete=True, given="utf-8")
    assert encoding.bom == codecs.BOM_UTF8
    assert encoding.basis is EncodingBasis.GIVEN


def test_detect_given_encoding_keeps_other_bom() -> None:
    head = codecs.BOM_UTF8 + b"abc"
    encoding = detect_encoding(head, declared=ISO_8859_1, complete=True, given="latin-1")
    assert encoding.name == ISO_8859_1
    assert encoding.bom == b""


def test_detect_unknown_encoding() -> None:
    with pytest.raises(LookupError):
        detect_encoding(b"abc", declared=ISO_8859_1, complete=True, given="no-such-codec")


def test_ascii_compatible() -> None:
    assert is_ascii_compatible(ISO_8859_1)
    assert is_ascii_compatible(UTF_8)
    assert not is_ascii_compatible(UTF_16_LE)


# --- line decoder --------------------------------------------------------------------


class Events:
    def __init__(self) -> None:
        self.items: list[tuple[int, DecodeEvent, str]] = []

    def __call__(self, line: int, event: DecodeEvent, encoding: str) -> None:
        self.items.append((line, event, encoding))


def test_decoder_switch_after_ascii() -> None:
    events = Events()
    decoder = LineDecoder(UTF_8, ISO_8859_1, events)
    assert decoder.decode(b"abc", 1) == "abc"
    assert decoder.decode("Mäki".encode(ISO_8859_1), 2) == "Mäki"
    assert events.items == [(2, DecodeEvent.SWITCHED_AFTER_ASCII, ISO_8859_1)]
    assert decoder.switched_at == 2


def test_decoder_switch_after_utf8() -> None:
    events = Events()
    decoder = LineDecoder(UTF_8, ISO_8859_1, events)
    assert decoder.decode("Mäki".encode(UTF_8), 1) == "Mäki"
    assert decoder.decode("Öljy".encode(ISO_8859_1), 2) == "Öljy"
    assert decoder.decode("Åker".encode(ISO_8859_1), 3) == "Åker"
    assert events.items == [(2, DecodeEvent.SWITCHED, ISO_8859_1)]


def test_decoder_replaces_without_fallback() -> None:
    events = Events()
    decoder = LineDecoder(UTF_8, None, events)
    assert decoder.decode(b"M\xe4ki", 7) == "M\ufffdki"
    assert events.items == [(7, DecodeEvent.REPLACED, UTF_8)]


@pytest.mark.parametrize(
    ("encoding", "raw", "decodes"),
    [
        (UTF_8, b"abc\ndef", True),
        (UTF_8, "Mäki\nÅker".encode(UTF_8), True),
        (UTF_8, "Mäki".encode(ISO_8859_1), False),
        (ISO_8859_1, "Mäki\nÅker".encode(ISO_8859_1), True),
        (ISO_8859_1, bytes(range(32, 256)), True),
        ("cp1252", b"\x81", False),
        ("cp1252", "€".encode("cp1252"), True),
        ("utf-16-le", b"a\x00", False),
    ],
)
def test_decoder_decodes_lines(encoding: str, raw: bytes, decodes: bool) -> None:
    decoder = LineDecoder(encoding, None, Events())
    assert decoder.decodes_lines(raw) is decodes


def test_decoder_lines_count_for_switch() -> None:
    events = Events()
    decoder = LineDecoder(UTF_8, ISO_8859_1, events)
    assert decoder.decodes_lines("Mäki\nÅker".encode(UTF_8))
    assert not decoder.decodes_lines("Öljy".encode(ISO_8859_1))
    assert decoder.decode("Öljy".encode(ISO_8859_1), 3) == "Öljy"
    # After lines of UTF-8 that is not ASCII, the switch is reported as SWITCHED.
    assert events.items == [(3, DecodeEvent.SWITCHED, ISO_8859_1)]


# --- opening sources -----------------------------------------------------------------


def test_open_plain_latin1(tmp_path: Path) -> None:
    path = tmp_path / "a.OPT"
    path.write_bytes(FINNISH.encode(ISO_8859_1))
    data, encoding, member = open_source(path)
    assert data == FINNISH.encode(ISO_8859_1)
    assert encoding == ISO_8859_1
    assert member is None


def test_open_skips_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.OPT"
    path.write_bytes(codecs.BOM_UTF8 + FINNISH.encode(UTF_8))
    data, encoding, _ = open_source(path)
    assert data == FINNISH.encode(UTF_8)
    assert encoding == UTF_8


def test_open_utf16_transcoded(tmp_path: Path) -> None:
    path = tmp_path / "a.OPT"
    path.write_bytes(codecs.BOM_UTF16_BE + FINNISH.encode(UTF_16_BE))
    with open_text_source(path, declared_encoding=ISO_8859_1) as source:
        data = source.stream.read()
        assert source.stream_encoding == UTF_8
        assert source.encoding.name == UTF_16_BE
    assert data == FINNISH.encode(UTF_8)


def test_open_invalid_utf16_names_line(tmp_path: Path) -> None:
    path = tmp_path / "a.OPT"
    text = "a;b\n" * 3
    # A lone low surrogate on line 4.
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode(UTF_16_LE) + b"\x00\xdc\n\x00")
    with (
        open_text_source(path, declared_encoding=ISO_8859_1) as source,
        pytest.raises(SourceReadError) as caught,
    ):
        source.stream.read()
    assert "line 4" in caught.value.detail


def test_open_not_found(tmp_path: Path) -> None:
    assert rejection(tmp_path / "missing.OPT") is RejectionReason.NOT_FOUND


@pytest.mark.parametrize("content", [b"", codecs.BOM_UTF8, b" \r\n\n\t"])
def test_open_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "a.OPT"
    path.write_bytes(content)
    assert rejection(path) is RejectionReason.EMPTY


def test_open_png_rejected(tmp_path: Path) -> None:
    path = tmp_path / "picture.OPT"
    path.write_bytes(PNG_SIGNATURE + bytes(range(256)))
    assert rejection(path) is RejectionReason.BINARY_FILE


def test_open_binary_message(tmp_path: Path) -> None:
    path = tmp_path / "a.OPT"
    path.write_bytes(b"abc\x00")
    with pytest.raises(FileRejected) as caught:
        open_source(path)
    assert "0x00" in caught.value.message()
    assert "byte 3" in caught.value.message()


def test_open_zip_largest_opt_member(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "a.zip",
        {
            "readme.txt": b"x" * 5000,
            "small.OPT": b"small\n",
            "dir/Suomi_osoitteet.opt": b"large;file\n" * 10,
        },
    )
    with open_text_source(path, declared_encoding=ISO_8859_1, member_suffixes=(".opt",)) as source:
        assert source.member == "dir/Suomi_osoitteet.opt"
        assert source.skipped_members == ["readme.txt", "small.OPT"]
        assert source.stream.read() == b"large;file\n" * 10


def test_open_zip_without_suffix_largest(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.txt": b"a\n", "b.dat": b"bbbb\n"})
    _, _, member = open_source(path)
    assert member == "b.dat"


def test_open_zip_no_member(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "a.zip", {})
    # An empty zip is only an end record, so write a folder entry to get the signature.
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("folder/", b"")
    assert rejection(path) is RejectionReason.NO_ARCHIVE_MEMBER


def test_open_zip_encrypted(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.OPT": b"a;b\n"})
    data = bytearray(path.read_bytes())
    # Set bit 0 (encrypted) of the flags in the local header and the central directory.
    data[6] |= 1
    central = data.find(b"PK\x01\x02")
    data[central + 8] |= 1
    path.write_bytes(bytes(data))
    assert rejection(path) is RejectionReason.ENCRYPTED_ARCHIVE


def test_open_zip_damaged(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert rejection(path) is RejectionReason.UNREADABLE


def test_open_zip_crc_error_on_read(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.OPT", b"row;one\n" * 400_000)
    data = bytearray(path.read_bytes())
    # Change a byte near the end of the stored member, past the 64 KB head.
    position = data.find(b"PK\x01\x02") - 10
    data[position] = ord("X")
    path.write_bytes(bytes(data))
    with (
        open_text_source(path, declared_encoding=ISO_8859_1) as source,
        pytest.raises(SourceReadError),
    ):
        source.stream.read()


def test_open_zip_binary_member(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.OPT": PNG_SIGNATURE})
    assert rejection(path) is RejectionReason.BINARY_FILE


def test_open_by_signature_not_extension(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "archive.OPT", {"inner.opt": b"inner;row\n"})
    data, _, member = open_source(path)
    assert member == "inner.opt"
    assert data == b"inner;row\n"


# --- hash of the data read ------------------------------------------------------------

# Over the 64 KB head and the 1 MB stream buffer, with a byte order mark to skip.
MEMBER = codecs.BOM_UTF8 + "Mäkitie;1\n".encode() * 150_000


def test_member_hash_after_read_to_end(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "a.zip", {"a.OPT": MEMBER, "b.txt": b"other"})
    with open_text_source(path, declared_encoding=ISO_8859_1, member_suffixes=(".opt",)) as source:
        source.stream.read(10)
        assert source.member_sha256() is None
        source.stream.read()
        assert source.member_sha256() == hashlib.sha256(MEMBER).hexdigest()


def test_member_hash_none_for_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "a.OPT"
    path.write_bytes(MEMBER)
    with open_text_source(path, declared_encoding=ISO_8859_1) as source:
        source.stream.read()
        assert source.member_sha256() is None


def test_data_hash_same_for_file_and_archive(tmp_path: Path) -> None:
    plain = tmp_path / "a.OPT"
    plain.write_bytes(MEMBER)
    archive = write_zip(tmp_path / "a.zip", {"b.txt": b"other", "a.OPT": MEMBER})
    expected = hashlib.sha256(MEMBER).hexdigest()
    assert data_sha256(plain, (".opt",)) == expected
    assert data_sha256(archive, (".opt",)) == expected


def test_data_hash_damaged_member_rejected(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.OPT", MEMBER)
    data = bytearray(path.read_bytes())
    data[data.find(b"PK\x01\x02") - 10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(FileRejected) as caught:
        data_sha256(path, (".opt",))
    assert caught.value.reason is RejectionReason.UNREADABLE


def test_seven_zip_member_hash(tmp_path: Path) -> None:
    path = write_7z(tmp_path / "a.7z", {"a.OPT": MEMBER})
    with open_text_source(path, declared_encoding=ISO_8859_1) as source:
        source.stream.read()
        assert source.member_sha256() == hashlib.sha256(MEMBER).hexdigest()


def test_data_size_of_file_and_members(tmp_path: Path) -> None:
    member = FINNISH.encode(ISO_8859_1) * 1_000
    plain = tmp_path / "a.OPT"
    plain.write_bytes(member)
    zipped = write_zip(tmp_path / "a.zip", {"readme.txt": b"x" * 50_000, "a.OPT": member})
    seven = write_7z(tmp_path / "a.7z", {"readme.txt": b"hello", "a.OPT": member})
    assert data_size(plain, (".opt",)) == len(member)
    # The member that is read: by its suffix, else the largest.
    assert data_size(zipped, (".opt",)) == len(member)
    assert data_size(zipped) == 50_000
    assert data_size(seven, (".opt",)) == len(member)


def test_data_size_unreadable_is_zero(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04" + bytes(100))
    only_folder = write_zip(tmp_path / "folder.zip", {"kansio/": b""})
    assert data_size(tmp_path / "missing.OPT") == 0
    assert data_size(damaged) == 0
    assert data_size(only_folder) == 0
    assert data_size(tmp_path) == 0


# --- 7z --------------------------------------------------------------------------------


def write_7z(path: Path, members: dict[str, bytes], password: str | None = None) -> Path:
    py7zr = pytest.importorskip("py7zr")
    with py7zr.SevenZipFile(path, "w", password=password) as archive:
        for name, data in members.items():
            archive.writestr(data, name)
    return path


def test_open_7z_member(tmp_path: Path) -> None:
    content = FINNISH.encode(ISO_8859_1) * 50_000
    path = write_7z(tmp_path / "a.7z", {"readme.txt": b"hello", "a.OPT": content})
    data, encoding, member = open_source(path)
    assert member == "a.OPT"
    assert encoding == ISO_8859_1
    assert data == content


def test_open_7z_early_close_stops_thread(tmp_path: Path) -> None:
    path = write_7z(tmp_path / "a.7z", {"a.OPT": b"row;x\n" * 2_000_000})
    with open_text_source(path, declared_encoding=ISO_8859_1) as source:
        source.stream.read(10)
    names = [thread.name for thread in threading.enumerate()]
    assert "7z-extract" not in names


def test_open_7z_encrypted(tmp_path: Path) -> None:
    path = write_7z(tmp_path / "a.7z", {"a.OPT": b"a;b\n"}, password="secret")
    assert rejection(path) is RejectionReason.ENCRYPTED_ARCHIVE


def test_open_7z_damaged(tmp_path: Path) -> None:
    path = tmp_path / "a.7z"
    path.write_bytes(b"7z\xbc\xaf\x27\x1c" + b"\x00" * 50)
    assert rejection(path) is RejectionReason.UNREADABLE
