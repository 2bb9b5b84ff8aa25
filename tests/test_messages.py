"""Typed errors described for the user: file rejections and the operating system's errors."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from tilaapp import i18n
from tilaapp.services.messages import describe_error
from tilaapp.sources.records import FileRejected, RejectionReason

# Every placeholder that a rejection message of tilaapp.sources.records may use.
REJECTION_PARAMS = {
    "detail": "detail",
    "size": "30",
    "limit": "20",
    "formats": ".xlsx, .csv",
    "crs": "EPSG:2393",
    "character": "NUL",
    "offset": "3",
    "workbook": "tilat.xlsx",
    "sheet": "Tilat",
    "sheets": "Taul1",
    "members": "lueminut.txt",
}
ENGLISH_STRERROR = "No such file or directory"


@pytest.fixture
def finnish() -> Iterator[None]:
    i18n.set_language("fi")
    yield
    i18n.set_language("en")


@pytest.mark.parametrize("reason", list(RejectionReason))
def test_every_rejection_described(reason: RejectionReason) -> None:
    rejection = FileRejected(Path("/tmp/tilat.csv"), reason, **REJECTION_PARAMS)

    lines = describe_error(rejection)

    assert lines == [rejection.message()]
    assert "tilat.csv" in lines[0]


def test_empty_file_in_finnish(finnish: None) -> None:
    rejection = FileRejected(Path("tyhja.csv"), RejectionReason.EMPTY)

    assert describe_error(rejection) == ["Tiedosto tyhja.csv on tyhjä."]


@pytest.mark.parametrize(
    "number", [errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EROFS, errno.ENOTDIR]
)
def test_common_errno_without_strerror(number: int, finnish: None) -> None:
    error = OSError(number, ENGLISH_STRERROR, "/data/tilat.xlsx")

    lines = describe_error(error)

    assert len(lines) == 1
    assert "/data/tilat.xlsx" in lines[0]
    assert ENGLISH_STRERROR not in lines[0]
    assert lines[0] != describe_error(OSError(errno.EIO, ENGLISH_STRERROR, "x"))[0]


def test_folder_error_translated(finnish: None) -> None:
    lines = describe_error(IsADirectoryError(errno.EISDIR, "Is a directory", "/data"))

    assert lines == ["/data on kansio eikä tiedosto."]


def test_uncommon_errno_keeps_reason() -> None:
    lines = describe_error(OSError(errno.EIO, "Input/output error", "/data/tilat.xlsx"))

    assert "Input/output error" in lines[0]
