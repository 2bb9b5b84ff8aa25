"""Column mappings of the municipality's own inventory files, saved by name in the database.

A mapping names, for columns of a workbook or CSV file, the tilaapp field each one
fills, or the key by which its rows find their buildings (``MatchKey``). It also keeps
the reading options that the file needs (sheet, header row, encoding, separator), so
that the next year's file of the same layout reads with the mapping's name alone.
"""

from __future__ import annotations

import codecs
import enum
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from tilaapp.domain.validation import EDITABLE_FIELDS, field_spec, is_editable
from tilaapp.i18n import LANGUAGES, N_, load_translations
from tilaapp.i18n import gettext as _
from tilaapp.sources.table import TableOptions
from tilaapp.storage.database import Database, utc_now
from tilaapp.storage.models import SavedColumnMapping

log = logging.getLogger(__name__)

MAPPING_FORMAT = "tilaapp.column-mapping/1"
NAME_MAX_LENGTH = 100


class MatchKey(enum.StrEnum):
    """Targets that find a row's building. Their cells are not stored as values."""

    PERMANENT_BUILDING_IDENTIFIER = "permanent_building_identifier"
    PROPERTY_IDENTIFIER = "property_identifier"
    """With BUILDING_NUMBER, the old building identifier."""
    BUILDING_NUMBER = "building_number"
    OLD_BUILDING_IDENTIFIER = "old_building_identifier"
    """14-digit property identifier, a hyphen and the 3-digit building number."""
    STREET_ADDRESS = "street_address"
    """Street name and house number in one cell, such as ``Koulutie 5 A``."""
    STREET_NAME = "street_name"
    HOUSE_NUMBER = "house_number"
    POSTAL_CODE = "postal_code"


MATCH_KEY_LABELS: dict[MatchKey, str] = {
    MatchKey.PERMANENT_BUILDING_IDENTIFIER: N_("Permanent building identifier"),
    MatchKey.PROPERTY_IDENTIFIER: N_("Property identifier"),
    MatchKey.BUILDING_NUMBER: N_("Building number on the property"),
    MatchKey.OLD_BUILDING_IDENTIFIER: N_("Old building identifier"),
    MatchKey.STREET_ADDRESS: N_("Street address (street and number)"),
    MatchKey.STREET_NAME: N_("Street name"),
    MatchKey.HOUSE_NUMBER: N_("House number"),
    MatchKey.POSTAL_CODE: N_("Postal code"),
}
MATCH_KEYS = frozenset(key.value for key in MatchKey)


class InvalidMapping(Exception):
    """A mapping cannot be used or saved. ``problems`` are translated sentences."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.name = name
        self.problems = problems
        super().__init__(f"invalid column mapping {name!r}: {len(problems)} problems")


class MappingNotFound(Exception):
    """No mapping of that name is saved in the database."""

    def __init__(self, name: str, available: list[str]) -> None:
        self.name = name
        self.available = available
        super().__init__(f"no column mapping {name!r}")


@dataclass(frozen=True)
class ColumnMapping:
    name: str
    columns: dict[str, str] = field(default_factory=dict)
    """Source column name -> field name or ``MatchKey`` value."""
    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    separator: str | None = None

    def table_options(self) -> TableOptions:
        return TableOptions(
            sheet=self.sheet,
            header_row=self.header_row,
            encoding=self.encoding,
            separator=self.separator,
        )

    def key_columns(self) -> dict[MatchKey, str]:
        """Return the source column of each match key the mapping uses."""
        return {
            MatchKey(target): source
            for source, target in self.columns.items()
            if target in MATCH_KEYS
        }

    def value_columns(self) -> dict[str, str]:
        """Return source column -> field for the columns whose cells become values."""
        return {
            source: target for source, target in self.columns.items() if target not in MATCH_KEYS
        }

    def to_document(self) -> dict[str, Any]:
        return {
            "format": MAPPING_FORMAT,
            "columns": dict(self.columns),
            "sheet": self.sheet,
            "header_row": self.header_row,
            "encoding": self.encoding,
            "separator": self.separator,
        }


def check_mapping(mapping: ColumnMapping) -> None:
    """Raise ``InvalidMapping`` listing every problem of ``mapping``."""
    problems: list[str] = []
    if not mapping.name.strip() or len(mapping.name) > NAME_MAX_LENGTH:
        problems.append(
            _("The name of a mapping must have 1 to {maximum} characters.").format(
                maximum=NAME_MAX_LENGTH
            )
        )
    problems.extend(_target_problems(mapping.columns))
    if not mapping.key_columns().keys() & _SUFFICIENT_KEYS:
        problems.append(
            _(
                "The mapping names no column to find buildings by. Map a column to "
                "{identifier}, {old_identifier} or {address}, or map two columns: {property} "
                "and {number}, or {street} and {house}."
            ).format(
                identifier=target_label(MatchKey.PERMANENT_BUILDING_IDENTIFIER),
                old_identifier=target_label(MatchKey.OLD_BUILDING_IDENTIFIER),
                property=target_label(MatchKey.PROPERTY_IDENTIFIER),
                number=target_label(MatchKey.BUILDING_NUMBER),
                address=target_label(MatchKey.STREET_ADDRESS),
                street=target_label(MatchKey.STREET_NAME),
                house=target_label(MatchKey.HOUSE_NUMBER),
            )
        )
    if mapping.header_row is not None and mapping.header_row < 1:
        problems.append(_("The header row must be 1 or more."))
    if mapping.separator is not None and len(mapping.separator) != 1:
        problems.append(_("The separator must be one character, such as ; or a tab."))
    if mapping.encoding is not None and not _is_known_encoding(mapping.encoding):
        problems.append(
            _("{encoding} is not a known encoding. Use, for example, cp1252 or utf-8.").format(
                encoding=mapping.encoding
            )
        )
    if problems:
        raise InvalidMapping(mapping.name, problems)


def target_label(target: str) -> str:
    """Return the translated label of a match key or field, or ``target`` if it is neither."""
    if target in MATCH_KEYS:
        return _(MATCH_KEY_LABELS[MatchKey(target)])
    if is_editable(target):
        return _(field_spec(target).label)
    return target


def _is_known_encoding(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


# Match keys that find a building alone. Property identifier, building number, street
# name and house number need their partner, which ``_target_problems`` checks.
_SUFFICIENT_KEYS = frozenset(
    {
        MatchKey.PERMANENT_BUILDING_IDENTIFIER,
        MatchKey.OLD_BUILDING_IDENTIFIER,
        MatchKey.PROPERTY_IDENTIFIER,
        MatchKey.STREET_ADDRESS,
        MatchKey.STREET_NAME,
    }
)
_PARTNERS = {
    MatchKey.PROPERTY_IDENTIFIER: MatchKey.BUILDING_NUMBER,
    MatchKey.BUILDING_NUMBER: MatchKey.PROPERTY_IDENTIFIER,
    MatchKey.STREET_NAME: MatchKey.HOUSE_NUMBER,
    MatchKey.HOUSE_NUMBER: MatchKey.STREET_NAME,
}


def _target_problems(columns: Mapping[str, str]) -> list[str]:
    problems: list[str] = []
    seen: dict[str, str] = {}
    for source, target in columns.items():
        if target not in MATCH_KEYS and not is_editable(target):
            problems.append(
                _(
                    "Column {column}: {target} is not a field that can be set. "
                    "The command tilaapp mapping fields lists the fields."
                ).format(column=source, target=target)
            )
        elif target in seen:
            problems.append(
                _("Columns {first} and {second} are both mapped to {target}.").format(
                    first=seen[target], second=source, target=target_label(target)
                )
            )
        seen.setdefault(target, source)

    for key, partner in _PARTNERS.items():
        if key.value in seen and partner.value not in seen:
            problems.append(
                _("Column {column} is mapped to {key}, which needs a column for {partner}.").format(
                    column=seen[key.value], key=target_label(key), partner=target_label(partner)
                )
            )
    return problems


def suggest_columns(headers: list[str]) -> dict[str, str]:
    """Return a target for each header that names a field or key, in any language.

    A header matches when, casefolded and with white space, hyphens and soft hyphens
    removed, it equals a field's name or its label in Finnish, Swedish or English, such
    as ``Kerrosala`` for ``gross_floor_area``. Each target is suggested once, for the
    first header that names it.
    """
    names = _target_names()
    suggested: dict[str, str] = {}
    used: set[str] = set()
    for header in headers:
        target = names.get(_folded(header))
        if target is not None and target not in used:
            suggested[header] = target
            used.add(target)
    return suggested


# Headers that municipal inventories use for a field or key besides its label, in
# Finnish, Swedish and English, written as ``_folded`` leaves them.
HEADER_SYNONYMS: dict[str, str] = {
    "rakennustunnus": "permanent_building_identifier",
    "prt": "permanent_building_identifier",
    "vtjprt": "permanent_building_identifier",
    "byggnadsbeteckning": "permanent_building_identifier",
    "buildingidentifier": "permanent_building_identifier",
    "kiinteistötunnus": "property_identifier",
    "fastighetsbeteckning": "property_identifier",
    "rakennusnumero": "building_number",
    "byggnadsnummer": "building_number",
    "osoite": "street_address",
    "katuosoite": "street_address",
    "lähiosoite": "street_address",
    "adress": "street_address",
    "gatuadress": "street_address",
    "address": "street_address",
    "katu": "street_name",
    "gata": "street_name",
    "osoitenumero": "house_number",
    "talonumero": "house_number",
    "husnummer": "house_number",
    "postinumero": "postal_code",
    "postinro": "postal_code",
    "postnummer": "postal_code",
    "nimi": "local_name",
    "rakennuksennimi": "local_name",
    "kohteennimi": "local_name",
    "namn": "local_name",
    "byggnadensnamn": "local_name",
    "name": "local_name",
    "kuntoarviopvm": "condition_date",
    "kuntoarviopäivämäärä": "condition_date",
    "kuntoarvionpvm": "condition_date",
    "kuntoarviopäivä": "condition_date",
    "konditionsbedömningdatum": "condition_date",
    "konditionsbedömningsdatum": "condition_date",
}


def _target_names() -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, label in MATCH_KEY_LABELS.items():
        labels[label] = key.value
    for name in EDITABLE_FIELDS:
        if name not in MATCH_KEYS:
            labels[field_spec(name).label] = name

    names: dict[str, str] = {}
    for language in LANGUAGES:
        catalogue = load_translations(language)
        for label, target in labels.items():
            translated = catalogue.gettext(label)
            names.setdefault(_folded(translated), target)
            # "Katuosoite (katu ja numero)" is also matched as "Katuosoite".
            names.setdefault(_folded(translated.split("(")[0]), target)
    for target in labels.values():
        names.setdefault(_folded(target), target)
    for synonym, target in HEADER_SYNONYMS.items():
        names.setdefault(synonym, target)
    return names


def _folded(text: str) -> str:
    return "".join(ch for ch in text.casefold() if not ch.isspace() and ch not in "-\u00ad_.")


def mapping_from_document(name: str, document: object) -> ColumnMapping:
    """Read a mapping document (``to_document``'s shape). Raises ``InvalidMapping``."""
    if not isinstance(document, dict):
        raise InvalidMapping(name, [_("The mapping is not a JSON object.")])
    columns = document.get("columns")
    if not isinstance(columns, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in columns.items()
    ):
        raise InvalidMapping(
            name,
            [_('The mapping needs "columns": an object of column names and field names.')],
        )

    header_row = document.get("header_row")
    options = {
        "sheet": document.get("sheet"),
        "encoding": document.get("encoding"),
        "separator": document.get("separator"),
    }
    if not (
        header_row is None or (isinstance(header_row, int) and not isinstance(header_row, bool))
    ):
        raise InvalidMapping(name, [_('"header_row" must be a whole number.')])
    if not all(value is None or isinstance(value, str) for value in options.values()):
        raise InvalidMapping(name, [_('"sheet", "encoding" and "separator" must be text.')])
    return ColumnMapping(name=name, columns=dict(columns), header_row=header_row, **options)


def mapping_from_json_file(path: Path, name: str) -> ColumnMapping:
    """Read a mapping from a JSON file. Raises ``InvalidMapping`` and ``OSError``."""
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise InvalidMapping(
            name,
            [_("The file {path} is not valid JSON: {error}").format(path=path, error=error.msg)],
        ) from error
    return mapping_from_document(name, document)


def parse_column_assignment(text: str) -> tuple[str, str]:
    """Split ``Kerrosala=gross_floor_area`` at its last ``=``. Raises ValueError."""
    source, separator, target = text.rpartition("=")
    if not separator or not source.strip() or not target.strip():
        raise ValueError(text)
    return source.strip(), target.strip()


def save_mapping(database: Database, mapping: ColumnMapping) -> bool:
    """Check and save ``mapping``, replacing one of the same name. Returns True if replaced.

    Raises ``InvalidMapping`` with the database unchanged.
    """
    check_mapping(mapping)
    document = json.dumps(mapping.to_document(), ensure_ascii=False, sort_keys=True)
    now = utc_now()
    with database.session() as session:
        stored = session.scalar(
            select(SavedColumnMapping).where(SavedColumnMapping.name == mapping.name)
        )
        if stored is None:
            session.add(
                SavedColumnMapping(
                    name=mapping.name, document=document, created_at=now, updated_at=now
                )
            )
        else:
            stored.document = document
            stored.updated_at = now
    log.info(
        "%s column mapping %r with %d columns in %s",
        "Replaced" if stored is not None else "Saved",
        mapping.name,
        len(mapping.columns),
        database.path,
    )
    return stored is not None


def load_mapping(database: Database, name: str) -> ColumnMapping:
    """Return the saved mapping ``name``. Raises ``MappingNotFound`` and ``InvalidMapping``."""
    with database.read_session() as session:
        stored = session.scalar(select(SavedColumnMapping).where(SavedColumnMapping.name == name))
    if stored is None:
        raise MappingNotFound(name, list_mappings(database))
    return mapping_from_document(name, json.loads(stored.document))


def list_mappings(database: Database) -> list[str]:
    """Return the names of the saved mappings in alphabetical order."""
    with database.read_session() as session:
        names = session.scalars(select(SavedColumnMapping.name).order_by(SavedColumnMapping.name))
        return list(names)
