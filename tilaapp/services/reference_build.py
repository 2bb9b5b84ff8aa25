"""Building per-municipality reference figures from national open data files."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tilaapp.domain.fields import Source
from tilaapp.domain.formatting import format_date
from tilaapp.i18n import N_, gettext, gettext_in
from tilaapp.services.importing import ImportRejected, file_sha256
from tilaapp.services.reference import (
    ALL_BUILDINGS,
    NATIONAL,
    OPEN_DATA_LICENCE,
    Figure,
    InputFile,
    ReferenceData,
)
from tilaapp.sources.dvv_open import count_open_file, sniff_dvv_open
from tilaapp.sources.records import FileRejected, RejectionReason
from tilaapp.sources.ryhti import RyhtiReader, sniff_ryhti

log = logging.getLogger(__name__)

SUPPORTED_BUILD_FORMATS: tuple[str, ...] = (
    N_("DVV open address file (.OPT, also inside .zip or .7z)"),
    N_("Ryhti open building data (GeoJSON)"),
)

OPEN_FILE_SOURCE = N_("DVV, Rakennukset ja osoitteet (open data)")
OPEN_FILE_SOURCE_DATED = N_("DVV, Rakennukset ja osoitteet (open data), extracted {date}")
RYHTI_SOURCE = N_("SYKE, Ryhti open building data")
RYHTI_SOURCE_DATED = N_("SYKE, Ryhti open building data, modified up to {date}")
TRANSLATED_LANGUAGES = ("fi", "sv")


@dataclass(frozen=True)
class SourceTexts:
    """The source of built figures in English, and in Finnish and Swedish where the
    catalogues translate it (else None)."""

    english: str
    fi: str | None
    sv: str | None


def source_texts(message: str, dated_message: str, date: datetime.date | None) -> SourceTexts:
    """Return the source text of built figures in English, Finnish and Swedish.

    The source names third-party data sets by their published titles, which the
    translations keep. Dates are ISO 8601 in English and in each language's form in
    the translations.
    """
    chosen = message if date is None else dated_message
    translated: dict[str, str | None] = {}
    for language in TRANSLATED_LANGUAGES:
        text = gettext_in(language, chosen)
        # A message that the catalogue lacks comes back in English and is not stored.
        if text == chosen:
            translated[language] = None
        else:
            translated[language] = text.format(date=format_date(date, language)) if date else text
    english = chosen.format(date=date.isoformat()) if date else chosen
    return SourceTexts(english, translated["fi"], translated["sv"])


FigureKey = tuple[str, str, str | None, int | None]
"""(indicator, municipality, class, completion decade)."""

UNITS = {
    "building_count": "buildings",
    "address_count": "addresses",
    "gross_floor_area": "m²",
    "gross_floor_area_known_count": "buildings",
}


class FigureSums:
    """Sums per indicator, municipality, class and decade, with national sums alongside."""

    def __init__(self) -> None:
        self.values: defaultdict[FigureKey, Decimal] = defaultdict(Decimal)

    def add(
        self,
        indicator: str,
        municipality: str,
        value: int | Decimal,
        *,
        class_code: str | None = None,
        decade: int | None = None,
    ) -> None:
        """Add ``value`` to the municipality's total and, where given, its class and decade."""
        value = Decimal(value)
        for place in (municipality, NATIONAL):
            self.values[(indicator, place, None, None)] += value
            if class_code is not None:
                self.values[(indicator, place, class_code, None)] += value
            if decade is not None:
                self.values[(indicator, place, None, decade)] += value

    def figures(
        self,
        *,
        class_scheme: str,
        year: int,
        source: SourceTexts,
        basis: str = ALL_BUILDINGS,
        licence: str = OPEN_DATA_LICENCE,
    ) -> list[Figure]:
        return [
            Figure(
                indicator=indicator,
                municipality=municipality,
                value=Decimal(value),
                unit=UNITS[indicator],
                basis=basis,
                year=year,
                source=source.english,
                source_fi=source.fi,
                source_sv=source.sv,
                licence=licence,
                class_scheme=class_scheme if class_code is not None else None,
                class_code=class_code,
                completion_decade=decade,
            )
            for (indicator, municipality, class_code, decade), value in sorted(
                self.values.items(), key=_figure_order
            )
        ]


def _figure_order(item: tuple[FigureKey, Any]) -> tuple[bool, str, str, str, int]:
    """Order figures by municipality code with the national ones last, then indicator."""
    indicator, municipality, class_code, decade = item[0]
    return (municipality == NATIONAL, municipality, indicator, class_code or "", decade or 0)


def _open_file_figures(path: Path) -> tuple[list[Figure], InputFile]:
    counts = count_open_file(path)
    sums = FigureSums()
    for (municipality, use_class), count in counts.buildings.items():
        sums.add("building_count", municipality, count, class_code=use_class or None)
    for (municipality, use_class), count in counts.addresses.items():
        sums.add("address_count", municipality, count, class_code=use_class or None)
    date = counts.extraction_date
    year = date.year if date else datetime.datetime.now(datetime.UTC).year
    source = source_texts(OPEN_FILE_SOURCE, OPEN_FILE_SOURCE_DATED, date)
    figures = sums.figures(class_scheme="dvv_open_use_class", year=year, source=source)
    return figures, InputFile(
        path.name, file_sha256(path), Source.DVV_OPEN.value, date, counts.rows
    )


def _decade(completion_date: Any) -> int | None:
    year = getattr(completion_date, "year", None)
    return None if year is None else year - year % 10


def _ryhti_figures(paths: list[Path]) -> tuple[list[Figure], list[InputFile]]:
    reader = RyhtiReader(paths)
    reader.check()
    sums = FigureSums()
    for record in reader.read():
        municipality = record.municipality_number
        if municipality is None:
            continue
        values = record.values
        class_code = values.get("main_purpose_open")
        decade = _decade(values.get("completion_date"))
        area = values.get("gross_floor_area")
        sums.add("building_count", municipality, 1, class_code=class_code, decade=decade)
        if area is not None:
            sums.add("gross_floor_area", municipality, area, class_code=class_code, decade=decade)
            sums.add(
                "gross_floor_area_known_count",
                municipality,
                1,
                class_code=class_code,
                decade=decade,
            )
    date = reader.extraction_date
    year = date.year if date else datetime.datetime.now(datetime.UTC).year
    source = source_texts(RYHTI_SOURCE, RYHTI_SOURCE_DATED, date)
    figures = sums.figures(class_scheme="ryhti_main_purpose_open", year=year, source=source)
    inputs = [
        InputFile(p.name, file_sha256(p), Source.RYHTI.value, date, reader.rows_read.get(p.name, 0))
        for p in paths
    ]
    return figures, inputs


def _classify(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Split ``paths`` into open address files and Ryhti files; reject anything else."""
    open_files: list[Path] = []
    ryhti_files: list[Path] = []
    rejections: list[FileRejected] = []
    for path in paths:
        if path.is_dir():
            rejections.append(FileRejected(path, RejectionReason.IS_A_FOLDER))
        elif not path.is_file():
            rejections.append(FileRejected(path, RejectionReason.NOT_FOUND))
        elif sniff_dvv_open(path):
            open_files.append(path)
        elif sniff_ryhti(path):
            ryhti_files.append(path)
        else:
            formats = ", ".join(gettext(name) for name in SUPPORTED_BUILD_FORMATS)
            rejections.append(
                FileRejected(path, RejectionReason.UNSUPPORTED_FORMAT, formats=formats)
            )
    if rejections:
        raise ImportRejected(rejections)
    return open_files, ryhti_files


def build_reference(paths: list[Path], *, now: datetime.datetime | None = None) -> ReferenceData:
    """Compute per-municipality and national figures (basis ``all_buildings``) from open data.

    Nothing is written to a database. Raises ``ImportRejected`` when a file is in no
    supported format.
    """
    open_files, ryhti_files = _classify(paths)
    figures: list[Figure] = []
    inputs: list[InputFile] = []
    for path in open_files:
        file_figures, input_file = _open_file_figures(path)
        figures.extend(file_figures)
        inputs.append(input_file)
        log.info("Counted %s: %d rows, %d figures", path, input_file.rows, len(file_figures))
    if ryhti_files:
        ryhti_figures, ryhti_inputs = _ryhti_figures(ryhti_files)
        figures.extend(ryhti_figures)
        inputs.extend(ryhti_inputs)
    return ReferenceData(
        created=now or datetime.datetime.now(datetime.UTC),
        figures=figures,
        inputs=inputs,
        description="Figures computed by tilaapp reference build from national open data",
    )
