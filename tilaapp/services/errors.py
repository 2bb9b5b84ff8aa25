"""Errors of the import use cases, shared by the modules that run an import."""

from __future__ import annotations

from tilaapp.sources.records import FileRejected


class ImportRejected(Exception):
    """One or more files cannot be read; the database was not changed."""

    def __init__(self, rejections: list[FileRejected]) -> None:
        self.rejections = rejections
        super().__init__("; ".join(str(rejection) for rejection in rejections))


class ImportCancelled(Exception):
    """The user cancelled; the database was not changed."""
