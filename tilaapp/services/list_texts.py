"""The texts of the register list: column labels and cell texts in the current language.

The desktop list and the list export show the same texts, from this module. It imports
no file-format library, so the desktop application can use it at start-up.
"""

from __future__ import annotations

from decimal import Decimal

from tilaapp.domain.codelists import BUILDING_CLASS_2018, MUNICIPALITY, USE_CLASS_1994, code_name
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.formatting import format_decimal, format_partial_date
from tilaapp.domain.identifiers import format_property_identifier
from tilaapp.i18n import N_
from tilaapp.i18n import gettext as _
from tilaapp.services.list_query import ListRow

KEY_COLUMN_HEADER = "tilaapp-id"
"""The header of the first column of an exported list, the building's database id, in
every language."""

LIST_COLUMN_LABELS: dict[str, str] = {
    "permanent_building_identifier": N_("Permanent building identifier"),
    "address": N_("Address"),
    "local_name": N_("Building name"),
    "property_identifier": N_("Property identifier"),
    "old_building_identifier": N_("Old building identifier"),
    "municipality_number": N_("Municipality"),
    "building_class_2018": N_("Building class (2018)"),
    "use_class_1994": N_("Use class (1994)"),
    "gross_floor_area": N_("Gross floor area, m²"),
    "completion_date": N_("Completion date"),
    "tenure": N_("Tenure"),
    "holder_entity": N_("Holder entity"),
}
"""Column labels of the register list, with units, as the desktop list shows them."""

TENURE_LABELS: dict[str, str] = {"owned": N_("owned"), "leased_in": N_("leased in")}


def list_column_label(column: str) -> str:
    """Return the label of a list column in the current language, with its unit."""
    return _(LIST_COLUMN_LABELS[column])


def list_cell_text(row: ListRow, column: str) -> str | None:
    """Return the text of one cell of the register list, or None for an empty cell.

    Texts are in the current language. Codes show as "code name" with the name from the
    code list, in Finnish where the list has no name in the current language. The
    municipality shows as "name (code)", the property identifier in its hyphenated form.
    """
    return list_value_text(column, getattr(row, column))


def list_value_text(column: str, value: object) -> str | None:
    """Return the text of ``value`` in a cell of the list column ``column``, as
    ``list_cell_text`` writes it, or None for an empty value."""
    if value is None or value == "":
        return None
    if column in (BUILDING_CLASS_2018, USE_CLASS_1994):
        return _class_text(column, str(value))
    if column == "municipality_number":
        return f"{code_name(MUNICIPALITY, str(value))} ({value})"
    if column == "property_identifier":
        return _property_text(str(value))
    if column == "tenure":
        return _(TENURE_LABELS[value]) if value in TENURE_LABELS else str(value)
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, PartialDate):
        return format_partial_date(value)
    return str(value)


def _class_text(list_id: str, code: str) -> str:
    name = code_name(list_id, code)
    return f"{code} {name}" if name and name != code else code


def _property_text(long_form: str) -> str:
    try:
        return format_property_identifier(long_form)
    except ValueError:
        return long_form
