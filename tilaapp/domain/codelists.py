"""Code lists of the building registers, tilaapp's crosswalks and the DVV-Ryhti mapping.

The lists are bundled CSV files in ``tilaapp/resources`` (origin, licence and known
doubts in ``tilaapp/resources/PROVENANCE.md``), read once on first use. The list id
``municipality`` delegates to ``tilaapp.domain.municipalities``.
"""

from __future__ import annotations

import functools
import logging
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Literal, NamedTuple

from tilaapp.domain.reference_files import ReferenceDataError, read_reference_table
from tilaapp.i18n import current_language
from tilaapp.i18n import gettext as _

if TYPE_CHECKING:
    from tilaapp.domain.municipalities import Municipality

logger = logging.getLogger(__name__)

MUNICIPALITY = "municipality"
STRATEGY = "strategy"
USE_CLASS_1994 = "use_class_1994"
BUILDING_CLASS_2018 = "building_class_2018"
BUILDING_MAIN_CLASS_2018 = "building_main_class_2018"
RYHTI_MAIN_PURPOSE_OPEN = "ryhti_main_purpose_open"
DVV_OPEN_USE_CLASS = "dvv_open_use_class"
OPEN_DATA_CLASS_SCHEMES = (RYHTI_MAIN_PURPOSE_OPEN, DVV_OPEN_USE_CLASS)
"""The coarse class lists of national open data, which are also reference class schemes."""

# Lists that the field catalogue names but whose codes were never published. Every code
# in them is unknown, so names show as "code N, no name".
LISTS_WITHOUT_PUBLISHED_CODES: tuple[str, ...] = ("dvv_building_status",)

URI_PREFIX = "http://uri.suomi.fi/codelist/"
# Ryhti gives building classes as codes of the JHS list of the 2018 classification.
BUILDING_CLASS_2018_URI_SUFFIX = "jhs/rakennus_1_20180712"

ClassOrigin = Literal["register", "crosswalk", "unknown"]


class Code(NamedTuple):
    list_id: str
    code: str
    name_fi: str
    name_sv: str | None
    """None where no Swedish name is known, so the Finnish name is shown."""
    label_confirmed: bool = True
    """False for a name that the sources give with doubt, which ``code_name`` marks."""
    name_en: str | None = None
    """None where no English name is known, so the Finnish name is shown."""


class _Tables(NamedTuple):
    codes: dict[str, dict[str, Code]]
    """Codes by list id, then by code."""
    uri_lists: dict[str, str]
    """List id by case-folded uri.suomi.fi list path, e.g. 'rytj/lammitystapa'."""
    crosswalk: dict[str, str]
    """2018 class by 1994 use class."""
    open_data_crosswalk: dict[str, dict[str, str | None]]
    """Coarse open-data class by 2018 class, then by scheme; None where not mappable."""
    mapping: dict[tuple[str, str], tuple[str, str] | None]
    """Ryhti list id and code by DVV list id and code, or None where Ryhti has no counterpart."""


# Columns of the files that hold several lists, one row per code.
_MULTI_LIST_COLUMNS = ("list_id", "code", "name_fi", "name_sv", "label_confirmed")


def _add_code(entry: Code, codes: dict[str, dict[str, Code]]) -> None:
    entries = codes.setdefault(entry.list_id, {})
    if entry.code in entries:
        raise ReferenceDataError(f"code list {entry.list_id} has code {entry.code!r} twice")
    entries[entry.code] = entry


def _load_single_list(list_id: str, file: str, codes: dict[str, dict[str, Code]]) -> None:
    for row in read_reference_table(file, ("code", "name_fi")):
        _add_code(Code(list_id, row["code"], row["name_fi"], row.get("name_sv") or None), codes)


def _code_from_row(row: dict[str, str]) -> Code:
    return Code(
        row["list_id"],
        row["code"],
        row["name_fi"],
        row["name_sv"] or None,
        label_confirmed=row["label_confirmed"] == "yes",
        # Optional: only some files and lists have English names.
        name_en=row.get("name_en") or None,
    )


def _load_codes() -> tuple[dict[str, dict[str, Code]], dict[str, str]]:
    codes: dict[str, dict[str, Code]] = {}
    _load_single_list(USE_CLASS_1994, "use_class_1994.csv", codes)
    _load_single_list(BUILDING_CLASS_2018, "building_class_2018.csv", codes)
    _load_single_list(BUILDING_MAIN_CLASS_2018, "building_main_class_2018.csv", codes)
    _load_single_list(STRATEGY, "strategy.csv", codes)

    for row in read_reference_table("codes_dvv.csv", _MULTI_LIST_COLUMNS):
        _add_code(_code_from_row(row), codes)

    uri_lists = {BUILDING_CLASS_2018_URI_SUFFIX.casefold(): BUILDING_CLASS_2018}
    for row in read_reference_table("codes_ryhti.csv", (*_MULTI_LIST_COLUMNS, "uri_suffix")):
        _add_code(_code_from_row(row), codes)
        uri_lists[row["uri_suffix"].casefold()] = row["list_id"]

    for list_id in LISTS_WITHOUT_PUBLISHED_CODES:
        codes.setdefault(list_id, {})
    return codes, uri_lists


def _load_crosswalk() -> dict[str, str]:
    rows = read_reference_table("crosswalk_1994_to_2018.csv", ("code_1994", "code_2018"))
    return {row["code_1994"]: row["code_2018"] for row in rows}


def _load_open_data_crosswalk(
    codes: dict[str, dict[str, Code]],
) -> dict[str, dict[str, str | None]]:
    """Read tilaapp's crosswalk from the 2018 classes to the coarse open-data lists.

    Raises ReferenceDataError for a row with more fields than the header, a target that
    is not a code of its list, and an empty target ("not mappable") without a note that
    gives the reason.
    """
    name = "crosswalk_2018_to_open_data_classes.csv"
    rows = read_reference_table(name, ("code_2018", *OPEN_DATA_CLASS_SCHEMES, "note"))
    crosswalk: dict[str, dict[str, str | None]] = {}
    for row in rows:
        if None in row:
            # csv.DictReader puts the cells beyond the header under the key None.
            raise ReferenceDataError(f"{name}: class {row['code_2018']} has too many fields")
        targets: dict[str, str | None] = {}
        for scheme in OPEN_DATA_CLASS_SCHEMES:
            target = row[scheme].strip() or None
            if target is None and not row["note"].strip():
                raise ReferenceDataError(
                    f"{name}: class {row['code_2018']} is not mapped to {scheme} and has no note"
                )
            if target is not None and target not in codes[scheme]:
                raise ReferenceDataError(
                    f"{name}: class {row['code_2018']} maps to {target!r}, not a code of {scheme}"
                )
            targets[scheme] = target
        crosswalk[row["code_2018"]] = targets
    return crosswalk


def _load_mapping() -> dict[tuple[str, str], tuple[str, str] | None]:
    columns = ("dvv_list_id", "dvv_code", "ryhti_list_id", "ryhti_code")
    mapping: dict[tuple[str, str], tuple[str, str] | None] = {}
    for row in read_reference_table("mapping_dvv_to_ryhti.csv", columns):
        target = (row["ryhti_list_id"], row["ryhti_code"]) if row["ryhti_code"] else None
        mapping[(row["dvv_list_id"], row["dvv_code"])] = target
    return mapping


@functools.cache
def _tables() -> _Tables:
    codes, uri_lists = _load_codes()
    tables = _Tables(
        codes, uri_lists, _load_crosswalk(), _load_open_data_crosswalk(codes), _load_mapping()
    )
    logger.debug(
        "Loaded %d code lists with %d codes",
        len(codes),
        sum(len(entries) for entries in codes.values()),
    )
    return tables


def _codes_of(list_id: str) -> dict[str, Code]:
    """Return the codes of ``list_id``, or raise KeyError for an unknown list id."""
    codes = _tables().codes.get(list_id)
    if codes is None:
        raise KeyError(f"unknown code list {list_id!r}")
    return codes


def code_list_ids() -> tuple[str, ...]:
    """Return the sorted ids of the code lists whose codes tilaapp has.

    The lists of ``LISTS_WITHOUT_PUBLISHED_CODES`` are left out, so a caller can keep
    their values unchecked. The other functions accept those ids and find no codes in them.
    """
    with_codes = (
        list_id for list_id in _tables().codes if list_id not in LISTS_WITHOUT_PUBLISHED_CODES
    )
    return tuple(sorted((*with_codes, MUNICIPALITY)))


def _municipality_code(found: Municipality) -> Code:
    return Code(MUNICIPALITY, found.code, found.name_fi, found.name_sv)


def list_codes(list_id: str) -> tuple[Code, ...]:
    """Return every code of ``list_id`` in file order. Raises KeyError for an unknown list id."""
    if list_id == MUNICIPALITY:
        # Imported on first use: the first window's list shows no municipality names, and
        # the municipality module takes several milliseconds to import.
        from tilaapp.domain import municipalities

        return tuple(
            _municipality_code(found) for found in municipalities.municipalities().values()
        )
    return tuple(_codes_of(list_id).values())


def lookup_code(list_id: str, code: str) -> Code | None:
    """Return the entry of ``code`` in ``list_id``, or None when the list lacks it.

    Raises KeyError for an unknown list id. Municipality codes of merged
    municipalities are not in the list.
    """
    if list_id == MUNICIPALITY:
        from tilaapp.domain import municipalities

        found = municipalities.municipality(code)
        return _municipality_code(found) if found is not None else None
    return _codes_of(list_id).get(code)


def is_known_code(list_id: str, code: str) -> bool:
    """Return whether ``code`` is in ``list_id``. Raises KeyError for an unknown list id."""
    return lookup_code(list_id, code) is not None


def code_name(list_id: str, code: str, language: str | None = None) -> str:
    """Return the name of ``code`` in ``language`` (default: the UI language).

    Falls back to the Finnish name where the code has none in the language. A name that
    the sources give with doubt is marked as unconfirmed. An unknown code gets a
    translated "code N, no name"; an unknown list id raises KeyError.
    """
    language = language or current_language()
    if list_id == MUNICIPALITY:
        from tilaapp.domain import municipalities

        return municipalities.municipality_name(code, language)

    entry = lookup_code(list_id, code)
    if entry is None:
        return _("code {code}, no name").format(code=code)

    name = _name_in(entry, language)
    if not entry.label_confirmed:
        return _("{name} (unconfirmed)").format(name=name)
    return name


def _name_in(entry: Code, language: str) -> str:
    """Return the name of ``entry`` in ``language``, or its Finnish name where it has none."""
    translated = {"sv": entry.name_sv, "en": entry.name_en}.get(language)
    return translated or entry.name_fi


def _value_text(value: object) -> str | None:
    """Return ``value`` as stripped text, writing integral numbers without a decimal part."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    integral = _integral_number(value)
    text = str(integral) if integral is not None else str(value).strip()
    return text or None


def _integral_number(value: object) -> int | None:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return None


@functools.cache
def _code_width(list_id: str) -> int:
    """Return the length of the shortest all-digit code of ``list_id``, or 0."""
    if list_id == MUNICIPALITY:
        return 3
    widths = [len(code) for code in _codes_of(list_id) if code.isascii() and code.isdigit()]
    return min(widths, default=0)


def normalise_code(list_id: str, value: object) -> str | None:
    """Return ``value`` as a code of ``list_id``, restoring leading zeros lost in a spreadsheet.

    Numbers become digit strings (110.0 -> '110'), and digit strings shorter than the
    list's codes get leading zeros (building_class_2018: '110' -> '0110'). Other text is
    only stripped; empty values give None. The code need not be in the list. Raises
    KeyError for an unknown list id.
    """
    width = _code_width(list_id)
    text = _value_text(value)
    if text is None:
        return None
    if text.isascii() and text.isdigit() and len(text) < width:
        return text.zfill(width)
    return text


def main_class_2018(code: str) -> str | None:
    """Return the two-digit main class of the four-digit 2018 class ``code``, or None."""
    normalised = normalise_code(BUILDING_CLASS_2018, code)
    if normalised is None or len(normalised) != 4 or not normalised.isdigit():
        return None
    prefix = normalised[:2]
    return prefix if prefix in _codes_of(BUILDING_MAIN_CLASS_2018) else None


def main_class_name(main_class: str, language: str | None = None) -> str:
    """Return the name of 2018 main class ``main_class`` ('01') in ``language``."""
    return code_name(BUILDING_MAIN_CLASS_2018, main_class, language)


def crosswalk_1994_to_2018(code_1994: str) -> str | None:
    """Return the 2018 class that tilaapp's crosswalk gives for 1994 use class ``code_1994``."""
    normalised = normalise_code(USE_CLASS_1994, code_1994)
    if normalised is None:
        return None
    return _tables().crosswalk.get(normalised)


def building_class_2018_for(
    class_2018: str | None, use_class_1994: str | None
) -> tuple[str | None, ClassOrigin]:
    """Choose the 2018 building class of a building and tell where it came from.

    A 2018 class from the register wins ('register'). Without one, the crosswalk of the
    1994 use class gives the class ('crosswalk'), and without both there is none
    ('unknown').
    """
    registered = normalise_code(BUILDING_CLASS_2018, class_2018)
    if registered is not None:
        return registered, "register"

    crossed = crosswalk_1994_to_2018(use_class_1994) if use_class_1994 is not None else None
    if crossed is not None:
        return crossed, "crosswalk"
    return None, "unknown"


def open_data_class(scheme: str, class_2018: str) -> str | None:
    """Return the class of coarse open-data list ``scheme`` for 2018 class ``class_2018``.

    The crosswalk is tilaapp's own judgement by the meaning of the class names, not an
    official key. Returns None for an unknown 2018 class and for a class that the
    crosswalk marks as not mappable. Raises KeyError for a scheme other than those of
    ``OPEN_DATA_CLASS_SCHEMES``.
    """
    if scheme not in OPEN_DATA_CLASS_SCHEMES:
        raise KeyError(f"no crosswalk to {scheme!r}")
    normalised = normalise_code(BUILDING_CLASS_2018, class_2018)
    if normalised is None:
        return None
    targets = _tables().open_data_crosswalk.get(normalised)
    return targets[scheme] if targets is not None else None


def map_dvv_to_ryhti(dvv_list_id: str, code: str) -> tuple[str, str] | None:
    """Return the Ryhti list id and code that mean the same as DVV ``code``, or None.

    None also for lists without a Ryhti counterpart. Raises KeyError for an unknown list id.
    """
    normalised = normalise_code(dvv_list_id, code)
    if normalised is None:
        return None
    return _tables().mapping.get((dvv_list_id, normalised))


def ryhti_list_for_uri(uri: str) -> tuple[str, str] | None:
    """Split a uri.suomi.fi code URI into tilaapp's list id and the code.

    'http://uri.suomi.fi/codelist/rytj/lammitystapa/code/03' gives
    ('ryhti_heating_method', '03'). Returns None for a URI of a list tilaapp does not
    know. The code itself is not checked.
    """
    text = uri.strip()
    rest = _strip_uri_prefix(text)
    if rest is None:
        return None

    list_path, separator, code = rest.partition("/code/")
    code = code.strip("/")
    if not separator or not code:
        return None

    list_id = _tables().uri_lists.get(list_path.strip("/").casefold())
    return (list_id, code) if list_id is not None else None


def _strip_uri_prefix(uri: str) -> str | None:
    for prefix in (URI_PREFIX, URI_PREFIX.replace("http://", "https://", 1)):
        if uri[: len(prefix)].casefold() == prefix:
            return uri[len(prefix) :]
    return None
