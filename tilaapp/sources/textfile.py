"""Opening of text sources: the encoding rule, binary-file rejection and archive members.

The encoding rule, the same for every text format that tilaapp reads:

1. A byte order mark decides: UTF-8, UTF-16 LE or UTF-16 BE. The mark is skipped.
2. A file with a C0 control character other than tab, line feed, carriage return and
   form feed in its first 64 KB is binary and rejected (NUL bytes among them). Text
   that came with a UTF-16 mark is checked after decoding.
3. If the first 64 KB are strict UTF-8, the file is read as UTF-8. A multi-byte sequence
   cut at the 64 KB boundary does not count against this. A later line that is not
   UTF-8 switches the rest of the file to the format's declared encoding, from that
   line on (see ``LineDecoder``).
4. Otherwise the format's declared encoding: ISO-8859-1 for DVV's open address file,
   Windows-1252 for a user's own CSV (what Excel in Finland writes).

Latin-1 decodes any byte string, so it is never detected, only chosen. A caller shows the
chosen encoding (``TextEncoding``) and lets the user give another.

A source can be a plain file, or a member of a ``.zip`` or ``.7z`` archive, recognised by
its signature bytes, never by its extension. The member is streamed: the archive is
never unpacked to disk or held in memory whole. Its SHA-256 is computed as it streams
(``TextSource.member_sha256``), so that an import can match an archive to the file in it
without decompressing the member a second time.
"""

from __future__ import annotations

import codecs
import contextlib
import enum
import functools
import hashlib
import io
import logging
import queue
import re
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from tilaapp.i18n import gettext as _
from tilaapp.sources.records import FileRejected, RejectionReason

if TYPE_CHECKING:
    import py7zr

logger = logging.getLogger(__name__)

HEAD_SIZE = 64 * 1024
"""Bytes read from the start of a source to choose its encoding and reject binary files."""

ZIP_MAGIC = b"PK\x03\x04"
SEVEN_ZIP_MAGIC = b"7z\xbc\xaf\x27\x1c"

UTF_8 = "utf-8"
UTF_16_LE = "utf-16-le"
UTF_16_BE = "utf-16-be"
ISO_8859_1 = "iso8859-1"
WINDOWS_1252 = "cp1252"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, UTF_8),
    (codecs.BOM_UTF16_LE, UTF_16_LE),
    (codecs.BOM_UTF16_BE, UTF_16_BE),
)
# C0 control characters except tab (09), line feed (0A), form feed (0C) and carriage
# return (0D).
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_ASCII_SAMPLE = "0123456789;,\t\r\n ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\"'"
_STREAM_BUFFER_SIZE = 1024 * 1024
_SEVEN_ZIP_QUEUE_CHUNKS = 4
_SEVEN_ZIP_POLL_SECONDS = 0.1


class EncodingBasis(enum.StrEnum):
    """Basis of the choice of an encoding."""

    BYTE_ORDER_MARK = "byte_order_mark"
    UTF_8_CONTENT = "utf_8_content"
    """The first 64 KB are UTF-8 with at least one non-ASCII character."""
    ASCII_CONTENT = "ascii_content"
    """The first 64 KB are ASCII, which every candidate encoding reads alike."""
    DECLARED = "declared"
    GIVEN = "given"
    """The caller, or the user, named the encoding."""


@dataclass(frozen=True)
class TextEncoding:
    """The encoding chosen for a source and the basis of the choice."""

    name: str
    """Python codec name, such as ``utf-8``, ``utf-16-le``, ``iso8859-1`` or ``cp1252``."""
    basis: EncodingBasis
    bom: bytes = b""
    """The byte order mark that starts the source, skipped when reading."""
    fallback: str | None = None
    """Encoding to switch to at the first line that is not UTF-8, when UTF-8 was chosen
    from content; None otherwise."""


class DecodeEvent(enum.Enum):
    SWITCHED = "switched"
    """A line is not UTF-8 although earlier lines had non-ASCII UTF-8 characters."""
    SWITCHED_AFTER_ASCII = "switched_after_ascii"
    """A line is not UTF-8 and every earlier line was ASCII, so nothing read differs."""
    REPLACED = "replaced"
    """Bytes of a line were not valid and were replaced with U+FFFD."""


class SourceReadError(Exception):
    """Reading a source failed after it was opened: a damaged archive or invalid text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BinaryContentError(ValueError):
    """The start of a source contains a control character that text does not have."""

    def __init__(self, offset: int, character: int) -> None:
        super().__init__(f"control character 0x{character:02X} at offset {offset}")
        self.offset = offset
        self.character = character


def is_ascii_compatible(encoding: str) -> bool:
    """Return whether ``encoding`` writes the separators, digits and letters of ASCII as ASCII."""
    try:
        return _ASCII_SAMPLE.encode(encoding) == _ASCII_SAMPLE.encode("ascii")
    except UnicodeError:
        return False


def detect_encoding(
    head: bytes, *, declared: str, complete: bool, given: str | None = None
) -> TextEncoding:
    """Choose the encoding of a source from its first bytes by the rule of this module.

    ``head`` is the first ``HEAD_SIZE`` bytes, and ``complete`` is true when it is the
    whole source. ``given`` is an encoding the caller names: it skips detection,
    but a matching byte order mark is still skipped and binary content still rejected.
    Raises ``BinaryContentError`` for binary content and ``LookupError`` for an unknown
    ``given`` or ``declared`` encoding.
    """
    declared = codecs.lookup(declared).name
    if given is not None:
        encoding = _given_encoding(head, codecs.lookup(given).name)
    else:
        encoding = _bom_encoding(head) or _content_encoding(head, declared, complete)
    _check_not_binary(head[len(encoding.bom) :], encoding.name, complete)
    return encoding


def _given_encoding(head: bytes, name: str) -> TextEncoding:
    if name == "utf-8-sig":
        name = UTF_8
    if name == "utf-16":
        # Without a mark, UTF-16 is read as little-endian, the order Windows writes.
        mark = _bom_encoding(head)
        name = mark.name if mark is not None and mark.name != UTF_8 else UTF_16_LE

    for bom, encoding in _BOMS:
        if encoding == name and head.startswith(bom):
            return TextEncoding(name, EncodingBasis.GIVEN, bom)
    return TextEncoding(name, EncodingBasis.GIVEN)


def _bom_encoding(head: bytes) -> TextEncoding | None:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return TextEncoding(encoding, EncodingBasis.BYTE_ORDER_MARK, bom)
    return None


def _content_encoding(head: bytes, declared: str, complete: bool) -> TextEncoding:
    # The binary check comes first, because NUL and the other control bytes are valid UTF-8.
    _check_not_binary(head, UTF_8, complete)
    fallback = None if declared == UTF_8 else declared
    if head.isascii():
        return TextEncoding(UTF_8, EncodingBasis.ASCII_CONTENT, fallback=fallback)

    decoder = codecs.getincrementaldecoder(UTF_8)("strict")
    try:
        # Unless the head is the whole source, a sequence cut at its end stays in the
        # decoder's buffer instead of failing.
        decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        return TextEncoding(declared, EncodingBasis.DECLARED)
    return TextEncoding(UTF_8, EncodingBasis.UTF_8_CONTENT, fallback=fallback)


def _check_not_binary(content: bytes, encoding: str, complete: bool) -> None:
    if is_ascii_compatible(encoding):
        match = _CONTROL_BYTES.search(content)
        if match is not None:
            raise BinaryContentError(match.start(), content[match.start()])
        return

    text = codecs.getincrementaldecoder(encoding)("replace").decode(content, final=complete)
    text_match = _CONTROL_CHARACTERS.search(text)
    if text_match is not None:
        offset = len(text[: text_match.start()].encode(encoding))
        raise BinaryContentError(offset, ord(text_match.group()))


# Stateless codecs in which a line feed byte is always a line feed: a text decodes to its
# lines' decodings joined by line feeds.
_LINE_WISE_ENCODINGS = frozenset({"ascii", UTF_8, ISO_8859_1, "iso8859-15", "cp1252"})

DecodeReport = Callable[[int, DecodeEvent, str], None]
"""Called with the line number, the event and the encoding read from then on."""


class LineDecoder:
    """Decodes lines by the encoding rule, switching away from UTF-8 where a line needs it.

    While the encoding is UTF-8 chosen from content, a line that is not UTF-8 switches
    this and every later line to the fallback encoding. Earlier lines are not read again:
    they were valid UTF-8. In any other case invalid bytes are replaced with U+FFFD.
    ``report`` hears of each switch and each replacement.
    """

    def __init__(self, encoding: str, fallback: str | None, report: DecodeReport) -> None:
        self.encoding = encoding
        """The encoding of the lines decoded now."""
        self.switched_at: int | None = None
        """Number of the line that switched the encoding, if one did."""
        self._fallback = fallback
        self._report = report
        self._saw_non_ascii = False

    def is_fixed(self) -> bool:
        """Return whether the encoding can no longer switch, so that each line decodes alone."""
        return self._fallback is None

    def decode(self, raw: bytes, line_number: int) -> str:
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError:
            return self._decode_invalid(raw, line_number)

        if self._fallback is not None and not self._saw_non_ascii:
            self._saw_non_ascii = not raw.isascii()
        return text

    def decodes_lines(self, raw: bytes) -> bool:
        """Return whether ``raw``, lines joined by line feeds, decodes without the handling
        of invalid bytes and as ``decode`` decodes each line. Nothing changes when it does
        not. When it does, the lines count as decoded for the switch away from UTF-8.

        ASCII, and ISO-8859-1 with a character for every byte, decode without a check.
        """
        if self.encoding not in _LINE_WISE_ENCODINGS:
            return False
        if raw.isascii():
            return True
        if self.encoding != ISO_8859_1:
            try:
                raw.decode(self.encoding)
            except UnicodeDecodeError:
                return False
        if self._fallback is not None:
            self._saw_non_ascii = True
        return True

    def _decode_invalid(self, raw: bytes, line_number: int) -> str:
        if self._fallback is None:
            self._report(line_number, DecodeEvent.REPLACED, self.encoding)
            return raw.decode(self.encoding, "replace")

        event = DecodeEvent.SWITCHED if self._saw_non_ascii else DecodeEvent.SWITCHED_AFTER_ASCII
        logger.info(
            "Line %d is not %s, so it and the lines after it are read as %s",
            line_number,
            self.encoding,
            self._fallback,
        )
        self.encoding = self._fallback
        self.switched_at = line_number
        self._fallback = None
        self._report(line_number, event, self.encoding)
        return self.decode(raw, line_number)


@dataclass
class TextSource:
    """An opened text source: a stream of its bytes after the byte order mark."""

    path: Path
    encoding: TextEncoding
    stream: IO[bytes]
    """The text as bytes in ``stream_encoding``, starting after the byte order mark."""
    stream_encoding: str
    """``encoding.name``, or UTF-8 for an encoding that is not ASCII-compatible (UTF-16),
    whose text is re-encoded so that separators and line ends are ASCII bytes."""
    member: str | None = None
    """Name of the archive member read, or None for a plain file."""
    skipped_members: list[str] = field(default_factory=list)
    """Other file members of the archive, which were not read."""
    head: bytes = b""
    """The first bytes of ``stream`` (at most ``HEAD_SIZE``), already decoded from
    UTF-16 if needed, for a format check that reads the first lines."""
    member_hash: _HashingRaw | None = None
    """The hash of the archive member's bytes read so far, or None for a plain file."""

    def member_sha256(self) -> str | None:
        """Return the SHA-256 of the archive member's bytes once ``stream`` was read to its
        end, else None, as for a plain file."""
        return None if self.member_hash is None else self.member_hash.sha256()

    def line_decoder(self, report: DecodeReport) -> LineDecoder:
        """Return a decoder for the lines of ``stream``."""
        # Re-encoded text is valid UTF-8 by construction, so it needs no fallback.
        fallback = self.encoding.fallback if self.stream_encoding == self.encoding.name else None
        return LineDecoder(self.stream_encoding, fallback, report)


@contextmanager
def open_text_source(
    path: Path,
    *,
    declared_encoding: str,
    encoding: str | None = None,
    member_suffixes: tuple[str, ...] = (),
) -> Iterator[TextSource]:
    """Open a text file, or the text member of a .zip or .7z archive, as a byte stream.

    The archive member read is the largest whose name ends with one of
    ``member_suffixes`` (compared without regard to case) or, when no name does, the
    largest file member. ``encoding`` is one that the user gave, else the rule of this
    module chooses one with ``declared_encoding`` as the format's encoding.

    Raises ``FileRejected``: NOT_FOUND, EMPTY (no bytes, or only white space, after a byte
    order mark), BINARY_FILE, ENCRYPTED_ARCHIVE, NO_ARCHIVE_MEMBER or UNREADABLE (a
    damaged archive, an unsupported compression method, py7zr not installed). Raises
    ``LookupError`` for an unknown encoding name. Reading the stream later raises
    ``SourceReadError`` for a damaged archive member or invalid UTF-16, and ``OSError``.
    """
    if not path.is_file():
        raise FileRejected(path, RejectionReason.NOT_FOUND)

    with ExitStack() as stack:
        stream, member, skipped, member_hash = _open_container(path, member_suffixes, stack)
        head = _read_head(path, stream)
        text_encoding = _choose_encoding(path, head, declared_encoding, encoding)
        stream = _stream_after_bom(stream, head, len(text_encoding.bom))
        stream_encoding = text_encoding.name
        content_head = head[len(text_encoding.bom) :]
        if not is_ascii_compatible(text_encoding.name):
            stream = _transcoded(stream, text_encoding.name)
            content_head = _utf_8_head(content_head, text_encoding.name)
            stream_encoding = UTF_8
        _check_not_empty(path, content_head, len(head) < HEAD_SIZE)

        logger.info(
            "Opened %s%s as %s (%s)",
            path.name,
            f" member {member}" if member else "",
            text_encoding.name,
            text_encoding.basis.value,
        )
        yield TextSource(
            path=path,
            encoding=text_encoding,
            stream=stream,
            stream_encoding=stream_encoding,
            member=member,
            skipped_members=skipped,
            head=content_head,
            member_hash=member_hash,
        )


def data_sha256(path: Path, member_suffixes: tuple[str, ...] = ()) -> str:
    """Return the SHA-256 of the bytes that ``open_text_source`` reads from ``path``: the
    whole file, or the member of an archive that it chooses, byte order mark included.

    Raises ``FileRejected`` as ``open_text_source`` does for an archive that cannot be
    opened, and UNREADABLE for a damaged member.
    """
    if not path.is_file():
        raise FileRejected(path, RejectionReason.NOT_FOUND)
    digest = hashlib.sha256()
    with ExitStack() as stack:
        stream = _open_container(path, member_suffixes, stack)[0]
        try:
            while chunk := stream.read(_STREAM_BUFFER_SIZE):
                digest.update(chunk)
        except READ_ERRORS as error:
            raise rejection_for(path, error) from error
    return digest.hexdigest()


def data_size(path: Path, member_suffixes: tuple[str, ...] = ()) -> int:
    """Return the size in bytes of what ``open_text_source`` reads from ``path``: the
    file's size, or the uncompressed size that an archive states for the member it
    chooses. Returns 0 where ``open_text_source`` would reject the file or archive."""
    try:
        members = _listed_members(path)
        if members is None:
            return path.stat().st_size
    except (FileRejected, *_ZIP_ERRORS):
        return 0

    chosen = _chosen_member(members, member_suffixes)
    return 0 if chosen is None else chosen[1]


def archive_members(path: Path) -> list[str] | None:
    """Return the names of the file members of a .zip or .7z archive, or None for a file
    that is not such an archive or cannot be listed."""
    try:
        members = _listed_members(path)
    except (FileRejected, *_ZIP_ERRORS):
        return None
    return None if members is None else [name for name, _size in members]


def _listed_members(path: Path) -> list[tuple[str, int]] | None:
    """Return the names and uncompressed sizes of the file members of a .zip or .7z
    archive, or None for another file. Raises ``FileRejected`` or a zip error when the
    archive cannot be listed."""
    with path.open("rb") as file:
        signature = file.read(len(SEVEN_ZIP_MAGIC))
        file.seek(0)
        if signature.startswith(ZIP_MAGIC):
            with zipfile.ZipFile(file) as archive:
                infos = [info for info in archive.infolist() if not info.is_dir()]
            return [(info.filename, info.file_size) for info in infos]
    if signature == SEVEN_ZIP_MAGIC:
        return _seven_zip_members(path)
    return None


def _open_container(
    path: Path, member_suffixes: tuple[str, ...], stack: ExitStack
) -> tuple[IO[bytes], str | None, list[str], _HashingRaw | None]:
    """Open ``path`` or its archive member.

    Returns the stream, the member and the skipped members. For a member it also returns
    the hash of the bytes read from it, else None.
    """
    file = stack.enter_context(path.open("rb"))
    signature = file.read(len(SEVEN_ZIP_MAGIC))
    file.seek(0)
    if signature.startswith(ZIP_MAGIC):
        stream, member, skipped = _open_zip_member(path, file, member_suffixes, stack)
    elif signature == SEVEN_ZIP_MAGIC:
        stream, member, skipped = _open_seven_zip_member(path, member_suffixes, stack)
    else:
        return file, None, [], None
    member_hash = _HashingRaw(stream)
    return io.BufferedReader(member_hash, _STREAM_BUFFER_SIZE), member, skipped, member_hash


READ_ERRORS: tuple[type[Exception], ...] = (SourceReadError, OSError)
"""Exceptions that reading a ``TextSource.stream`` can raise."""


def rejection_for(path: Path, error: Exception) -> FileRejected:
    """Return the rejection of ``path`` for an error of ``READ_ERRORS``."""
    detail = error.detail if isinstance(error, SourceReadError) else str(error)
    return FileRejected(path, RejectionReason.UNREADABLE, detail=detail)


def _read_head(path: Path, stream: IO[bytes]) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        while size < HEAD_SIZE:
            chunk = stream.read(HEAD_SIZE - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except READ_ERRORS as error:
        raise rejection_for(path, error) from error

    if size == 0:
        raise FileRejected(path, RejectionReason.EMPTY)
    return b"".join(chunks)


def _choose_encoding(path: Path, head: bytes, declared: str, given: str | None) -> TextEncoding:
    try:
        return detect_encoding(head, declared=declared, complete=len(head) < HEAD_SIZE, given=given)
    except BinaryContentError as error:
        logger.info("Rejected %s as binary: %s", path.name, error)
        raise FileRejected(
            path,
            RejectionReason.BINARY_FILE,
            character=f"0x{error.character:02X}",
            offset=str(error.offset),
        ) from error


def _check_not_empty(path: Path, content_head: bytes, complete: bool) -> None:
    if complete and not content_head.strip():
        raise FileRejected(path, RejectionReason.EMPTY)


def _utf_8_head(head: bytes, encoding: str) -> bytes:
    text = codecs.getincrementaldecoder(encoding)("replace").decode(head, final=False)
    return text.encode(UTF_8)


def _stream_after_bom(stream: IO[bytes], head: bytes, bom_length: int) -> IO[bytes]:
    """Return ``stream`` positioned after the byte order mark, given the head read from it."""
    if stream.seekable():
        stream.seek(bom_length)
        return stream
    raw = _PrefixedRaw(head[bom_length:], stream)
    return io.BufferedReader(raw, _STREAM_BUFFER_SIZE)


def _transcoded(stream: IO[bytes], encoding: str) -> IO[bytes]:
    return io.BufferedReader(_TranscodingRaw(stream, encoding), _STREAM_BUFFER_SIZE)


def _chosen_member(
    members: list[tuple[str, int]], suffixes: tuple[str, ...]
) -> tuple[str, int] | None:
    """Return the name and size of the member to read, or None for an empty archive."""
    folded = tuple(suffix.casefold() for suffix in suffixes)
    preferred = [member for member in members if member[0].casefold().endswith(folded)]
    candidates = preferred or members
    return max(candidates, key=lambda member: member[1]) if candidates else None


def _choose_member(
    path: Path, members: list[tuple[str, int]], suffixes: tuple[str, ...]
) -> tuple[str, list[str]]:
    """Return the member to read and the names of the other file members."""
    chosen = _chosen_member(members, suffixes)
    if chosen is None:
        raise FileRejected(path, RejectionReason.NO_ARCHIVE_MEMBER)

    name = chosen[0]
    skipped = [member_name for member_name, _size in members if member_name != name]
    if skipped:
        logger.warning("Reading %s from %s; not reading %s", name, path.name, skipped)
    return name, skipped


# Exceptions of zipfile and zlib on a damaged archive or member.
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError)


def _open_zip_member(
    path: Path, file: IO[bytes], suffixes: tuple[str, ...], stack: ExitStack
) -> tuple[IO[bytes], str, list[str]]:
    try:
        archive = stack.enter_context(zipfile.ZipFile(file))
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except _ZIP_ERRORS as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error

    name, skipped = _choose_member(
        path, [(info.filename, info.file_size) for info in infos], suffixes
    )
    info = archive.getinfo(name)
    if info.flag_bits & 0x1:
        raise FileRejected(path, RejectionReason.ENCRYPTED_ARCHIVE)
    try:
        member = stack.enter_context(archive.open(info))
    except NotImplementedError as error:
        # zipfile reads stored, deflate, bzip2 and LZMA members; Deflate64 is not among them.
        detail = _("the compression method of {member} is not supported: {error}").format(
            member=name, error=error
        )
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=detail) from error
    except _ZIP_ERRORS as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error
    return _guarded(member, _ZIP_ERRORS), name, skipped


def _seven_zip_members(path: Path) -> list[tuple[str, int]]:
    """Return the names and uncompressed sizes of the file members of a .7z archive."""
    try:
        import py7zr
        from py7zr.exceptions import ArchiveError
    except ImportError as error:
        detail = _("reading .7z archives needs the Python package py7zr, which is not installed")
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=detail) from error

    try:
        with py7zr.SevenZipFile(path) as archive:
            if archive.needs_password():
                raise FileRejected(path, RejectionReason.ENCRYPTED_ARCHIVE)
            infos = [info for info in archive.list() if not info.is_directory]
    except py7zr.PasswordRequired as error:
        raise FileRejected(path, RejectionReason.ENCRYPTED_ARCHIVE) from error
    except (ArchiveError, EOFError, OSError) as error:
        raise FileRejected(path, RejectionReason.UNREADABLE, detail=str(error)) from error
    return [(info.filename, info.uncompressed) for info in infos]


def _guarded(stream: IO[bytes], errors: tuple[type[BaseException], ...]) -> IO[bytes]:
    return io.BufferedReader(_GuardedRaw(stream, errors), _STREAM_BUFFER_SIZE)


def _open_seven_zip_member(
    path: Path, suffixes: tuple[str, ...], stack: ExitStack
) -> tuple[IO[bytes], str, list[str]]:
    name, skipped = _choose_member(path, _seven_zip_members(path), suffixes)
    raw = stack.enter_context(_SevenZipRaw(path, name))
    return io.BufferedReader(raw, _STREAM_BUFFER_SIZE), name, skipped


class _GuardedRaw(io.RawIOBase):
    """Passes reads through, turning the listed exceptions into ``SourceReadError``."""

    def __init__(self, stream: IO[bytes], errors: tuple[type[BaseException], ...]) -> None:
        self._stream = stream
        self._errors = errors

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._stream.read(len(buffer))
        except self._errors as error:
            raise SourceReadError(str(error)) from error
        buffer[: len(data)] = data
        return len(data)


class _HashingRaw(io.RawIOBase):
    """Passes reads through and computes the SHA-256 of the bytes read.

    The stream is read only forward, so every byte is hashed once and in order.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._digest = hashlib.sha256()
        self._at_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        self._digest.update(data)
        if not data and len(buffer):
            self._at_end = True
        buffer[: len(data)] = data
        return len(data)

    def sha256(self) -> str | None:
        """Return the SHA-256 of the whole stream once it was read to its end, else None."""
        return self._digest.hexdigest() if self._at_end else None


class _PrefixedRaw(io.RawIOBase):
    """Replays bytes already read from a stream that cannot seek, then reads on."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix = memoryview(prefix)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            count = min(len(buffer), len(self._prefix))
            buffer[:count] = self._prefix[:count]
            self._prefix = self._prefix[count:]
            return count

        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _TranscodingRaw(io.RawIOBase):
    """Decodes a stream of an encoding that is not ASCII-compatible and re-encodes it as UTF-8.

    Invalid text raises ``SourceReadError`` naming the line.
    """

    def __init__(self, stream: IO[bytes], encoding: str) -> None:
        self._stream = stream
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._pending = memoryview(b"")
        self._lines_done = 0
        self._at_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._at_end:
            self._fill()
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count

    def _fill(self) -> None:
        chunk = self._stream.read(_STREAM_BUFFER_SIZE)
        self._at_end = not chunk
        try:
            text = self._decoder.decode(chunk, final=self._at_end)
        except UnicodeDecodeError as error:
            valid = chunk[: max(error.start, 0)].decode(self._encoding, "replace")
            line = self._lines_done + valid.count("\n") + 1
            detail = _("line {line} is not valid {encoding}").format(
                line=line, encoding=self._encoding
            )
            raise SourceReadError(detail) from error

        self._lines_done += text.count("\n")
        self._pending = memoryview(text.encode(UTF_8))


class _Cancelled(Exception):
    """Stops an extraction whose reader closed the stream."""


class _SevenZipRaw(io.RawIOBase):
    """Streams one member of a .7z archive, decompressed by py7zr in a background thread.

    py7zr pushes decompressed data into a writer (its ``WriterFactory`` and ``Py7zIO``
    interface, py7zr 1.0 and later). Here that writer feeds a queue of at most
    ``_SEVEN_ZIP_QUEUE_CHUNKS`` chunks, which this stream reads from. Memory use is those
    chunks (each one py7zr decompression step: about its input block of compressed data
    times the compression ratio) plus py7zr's decoder state, mostly the LZMA dictionary.
    Closing the stream early stops the extraction.
    """

    def __init__(self, path: Path, member: str) -> None:
        self._path = path
        self._member = member
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(
            _SEVEN_ZIP_QUEUE_CHUNKS
        )
        self._cancelled = threading.Event()
        self._current = memoryview(b"")
        self._finished = False
        self._thread = threading.Thread(target=self._extract, name="7z-extract", daemon=True)
        self._thread.start()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._current and not self._finished:
            self._take()
        count = min(len(buffer), len(self._current))
        buffer[:count] = self._current[:count]
        self._current = self._current[count:]
        return count

    def close(self) -> None:
        if not self.closed:
            self._cancelled.set()
            self._drain()
            self._thread.join()
        super().close()

    def put(self, item: bytes | BaseException | None) -> None:
        """Queue decompressed data, an error or the end (None), waiting while the queue is full.

        Runs in the extraction thread. Raises ``_Cancelled`` once the stream is closed.
        """
        while True:
            if self._cancelled.is_set():
                raise _Cancelled
            try:
                self._queue.put(item, timeout=_SEVEN_ZIP_POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _take(self) -> None:
        item = self._queue.get()
        if item is None:
            self._finished = True
        elif isinstance(item, BaseException):
            self._finished = True
            raise SourceReadError(str(item) or type(item).__name__) from item
        else:
            self._current = memoryview(item)

    def _drain(self) -> None:
        while self._thread.is_alive():
            try:
                self._queue.get(timeout=_SEVEN_ZIP_POLL_SECONDS)
            except queue.Empty:
                continue

    def _extract(self) -> None:
        import py7zr

        factory = _queue_writer_factory_class()(self)
        try:
            with py7zr.SevenZipFile(self._path) as archive:
                archive.extract(targets=[self._member], factory=factory)
            self.put(None)
        except _Cancelled:
            return
        except Exception as error:  # every failure goes to the reading thread
            with contextlib.suppress(_Cancelled):
                self.put(error)


@functools.cache
def _queue_writer_factory_class() -> Callable[[_SevenZipRaw], py7zr.WriterFactory]:
    """Define py7zr's writer classes on first use, so py7zr is imported only for .7z files."""
    import py7zr

    class QueueWriter(py7zr.Py7zIO):
        def __init__(self, stream: _SevenZipRaw) -> None:
            self._stream = stream
            self._size = 0

        def write(self, s: bytes | bytearray) -> int:
            self._stream.put(bytes(s))
            self._size += len(s)
            return len(s)

        def read(self, size: int | None = None) -> bytes:
            return b""

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return self._size

    class QueueWriterFactory(py7zr.WriterFactory):
        def __init__(self, stream: _SevenZipRaw) -> None:
            self._stream = stream

        def create(self, filename: str) -> py7zr.Py7zIO:
            return QueueWriter(self._stream)

    return QueueWriterFactory
