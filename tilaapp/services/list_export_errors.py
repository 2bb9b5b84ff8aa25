"""Errors of the list export, apart from it so that reporting them imports no openpyxl.

openpyxl takes about 0.12 s to import, which every command would pay through the
descriptions of errors.
"""

from __future__ import annotations

from pathlib import Path

from tilaapp.i18n import gettext as _
from tilaapp.services.listing import LIST_COLUMNS


class ListExportError(Exception):
    """A list export request that cannot be written. ``message()`` returns the reason."""

    def message(self) -> str:
        raise NotImplementedError


class UnsupportedExportFormat(ListExportError):
    """The export path has a suffix other than .xlsx and .csv."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: unsupported suffix {path.suffix!r}")

    def message(self) -> str:
        return _(
            "{path}: the list can be exported only to an Excel workbook (.xlsx) or a CSV "
            "file (.csv). Give a file name that ends in .xlsx or .csv."
        ).format(path=self.path)


class UnknownListColumn(ListExportError):
    """A requested column is not a column of the register list."""

    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__(f"unknown list column {column!r}")

    def message(self) -> str:
        return _(
            "“{column}” is not a column of the building list. Give one or more of: {columns}."
        ).format(column=self.column, columns=", ".join(LIST_COLUMNS))


class ListExportTargetLocked(ListExportError):
    """The operating system rejected writing the export file.

    Windows does this while Excel, or another program, has the file open.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: permission to replace the file was denied")

    def message(self) -> str:
        return _(
            "{path} could not be written because another program has it open, or the file "
            "is read-only. Close the file in Excel or the other program, and try again."
        ).format(path=self.path)


class ListExportNotReplaceable(ListExportError):
    """The export path is a folder, or a file that the list export did not write."""

    def __init__(self, path: Path, *, is_folder: bool) -> None:
        self.path = path
        self.is_folder = is_folder
        super().__init__(f"{path}: {'a folder' if is_folder else 'not a list export'}")

    def message(self) -> str:
        if self.is_folder:
            return _("{path} is a folder. Give the name of the file to write.").format(
                path=self.path
            )
        return _(
            "{path} exists and was not written by the list export, so it was not "
            "overwritten. Give another file name."
        ).format(path=self.path)


class ListExportFolderMissing(ListExportError):
    """The folder of the export path does not exist."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: the folder {path.parent} does not exist")

    def message(self) -> str:
        return _(
            "The folder {folder} does not exist, so {file} could not be written. Choose an "
            "existing folder."
        ).format(folder=self.path.parent, file=self.path.name)
