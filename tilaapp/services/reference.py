"""Reference data: the figures municipalities compare themselves with.

Reading, checking and writing the ``tilaapp.reference/1`` JSON format.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from tilaapp.domain.municipalities import source_translations
from tilaapp.domain.numbers import decimal_to_text

log = logging.getLogger(__name__)

REFERENCE_FORMAT = "tilaapp.reference/1"
NATIONAL = "national"
ALL_BUILDINGS = "all_buildings"
GROUP_OWNED = "group_owned"
OPEN_DATA_LICENCE = "CC BY 4.0"


class InvalidReference(Exception):
    """A reference file that is not valid ``tilaapp.reference/1``."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class Figure:
    indicator: str
    municipality: str
    value: Decimal
    unit: str
    basis: str | None
    year: int
    source: str
    licence: str
    class_scheme: str | None = None
    class_code: str | None = None
    completion_decade: int | None = None
    source_fi: str | None = None
    """``source`` in Finnish where the text is tilaapp's own, else None."""
    source_sv: str | None = None
    """``source`` in Swedish where the text is tilaapp's own, else None."""

    def source_translations(self) -> dict[str, str]:
        """Return the Finnish and Swedish texts of ``source`` by language code."""
        return source_translations(self.source_fi, self.source_sv)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "indicator": self.indicator,
            "municipality": self.municipality,
            "value": decimal_to_text(self.value),
            "unit": self.unit,
            "basis": self.basis,
            "class_scheme": self.class_scheme,
            "class": self.class_code,
            "completion_decade": self.completion_decade,
            "year": self.year,
            "source": self.source,
        }
        # Written only when given, so that a file without translations stays as it was.
        if self.source_fi:
            document["source_fi"] = self.source_fi
        if self.source_sv:
            document["source_sv"] = self.source_sv
        document["licence"] = self.licence
        return document

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Figure:
        return cls(
            indicator=item["indicator"],
            municipality=item["municipality"],
            value=Decimal(item["value"]),
            unit=item["unit"],
            basis=item["basis"],
            year=item["year"],
            source=item["source"],
            licence=item["licence"],
            class_scheme=item.get("class_scheme"),
            class_code=item.get("class"),
            completion_decade=item.get("completion_decade"),
            source_fi=item.get("source_fi"),
            source_sv=item.get("source_sv"),
        )


@dataclass(frozen=True)
class InputFile:
    file_name: str
    sha256: str
    source: str
    extraction_date: datetime.date | None
    rows: int

    def to_json(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "source": self.source,
            "extraction_date": self.extraction_date.isoformat() if self.extraction_date else None,
            "rows": self.rows,
        }


@dataclass
class ReferenceData:
    created: datetime.datetime
    figures: list[Figure]
    inputs: list[InputFile] = field(default_factory=list)
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "format": REFERENCE_FORMAT,
            "created": self.created.isoformat(),
        }
        if self.description:
            document["description"] = self.description
        document["inputs"] = [item.to_json() for item in self.inputs]
        document["figures"] = [figure.to_json() for figure in self.figures]
        return document


def reference_schema() -> dict[str, Any]:
    text = (resources.files("tilaapp.resources") / "schemas" / "reference.schema.json").read_text(
        encoding="utf-8"
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_reference_document(document: Any) -> list[str]:
    """Return one English line per schema violation; an empty list for a valid document."""
    # Imported here: jsonschema takes a tenth of a second to import.
    import jsonschema

    validator = jsonschema.Draft202012Validator(reference_schema())
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '(document)'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    ]


def read_reference(path: Path) -> ReferenceData:
    """Read and validate a reference file; raise ``InvalidReference`` naming every problem."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidReference(path, [str(error)]) from error
    return reference_from_document(path, document)


def reference_from_document(path: Path, document: Any) -> ReferenceData:
    """Validate a parsed reference document; ``path`` names it in ``InvalidReference``."""
    problems = validate_reference_document(document)
    if problems:
        raise InvalidReference(path, problems)
    return ReferenceData(
        created=datetime.datetime.fromisoformat(document["created"]),
        figures=[Figure.from_json(item) for item in document["figures"]],
        inputs=[
            InputFile(
                file_name=item["file_name"],
                sha256=item["sha256"],
                source=item["source"],
                extraction_date=datetime.date.fromisoformat(item["extraction_date"])
                if item.get("extraction_date")
                else None,
                rows=item.get("rows", 0),
            )
            for item in document.get("inputs", [])
        ],
        description=document.get("description"),
    )


class OutputNotReplaceable(Exception):
    """The output path is a folder or a file that is not a reference file."""

    def __init__(self, path: Path, *, is_folder: bool) -> None:
        self.path = path
        self.is_folder = is_folder
        super().__init__(f"{path}: {'a folder' if is_folder else 'not a reference file'}")


def is_reference_file(path: Path) -> bool:
    """Return True when the first 4 KiB of ``path`` name the ``tilaapp.reference`` format.

    The document need not be valid: an earlier reference file may be replaced whatever
    its content.
    """
    try:
        with path.open("rb") as file:
            head = file.read(4096)
    except OSError:
        return False
    return b'"tilaapp.reference/' in head


def check_output_path(path: Path) -> None:
    """Refuse to write over a folder or any existing file other than a reference file.

    Nothing else may be lost to a mistyped ``--out``: a database, an input file, a note.
    """
    if path.is_dir():
        raise OutputNotReplaceable(path, is_folder=True)
    if path.exists() and not is_reference_file(path):
        raise OutputNotReplaceable(path, is_folder=False)


def write_reference(path: Path, data: ReferenceData) -> None:
    """Write ``data`` after checking it against the schema, replacing ``path`` atomically.

    Raises ``OutputNotReplaceable`` for a folder or an existing file that is not a
    reference file, and ``InvalidReference`` when ``data`` breaks the schema.
    """
    check_output_path(path)
    document = data.to_json()
    problems = validate_reference_document(document)
    if problems:
        raise InvalidReference(path, problems)
    temporary = path.with_name(path.name + ".part")
    try:
        temporary.write_text(
            json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
