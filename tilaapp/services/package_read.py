"""Reading ``buildings.json`` of an update package back into typed values.

The input is a document that ``tilaapp.services.package_verify`` has checked against
the schema (``VerificationResult.documents["buildings.json"]``). Values come back typed
by their field as the database stores them: ``Decimal`` for areas and money,
``PartialDate`` for dates, and ``int``, ``bool`` and ``str`` for the rest.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME, FieldKind


@dataclass(frozen=True)
class PackageValue:
    """One field's value in use as a package sends it."""

    value: Any
    source: str
    """A register source (``dvv_extract``, ``ryhti``, ``dvv_open``) or ``local``."""
    batch: int | None
    """The import batch of a register value, as listed in the manifest."""
    changed_at: datetime.datetime | None
    """UTC time of the change that set a local value, when known."""
    code_list: str | None


@dataclass(frozen=True)
class PackageBuilding:
    """One building of a package's portfolio."""

    id: int
    """The building's id in the sending database, which the manifest's database_id names."""
    permanent_building_identifier: str | None
    origin: str
    tenure: str
    holder_business_id: str | None
    fields: Mapping[str, PackageValue]
    addresses: tuple[Mapping[str, str], ...]

    def value(self, field: str) -> Any:
        """Return the value of ``field``, or None when the package sends none."""
        item = self.fields.get(field)
        return item.value if item is not None else None


def read_buildings(document: Mapping[str, Any]) -> list[PackageBuilding]:
    """Return the buildings of a schema-valid ``buildings.json`` document, in its order."""
    return [_building(item) for item in document["buildings"]]


def _building(item: Mapping[str, Any]) -> PackageBuilding:
    portfolio = item["portfolio"]
    return PackageBuilding(
        id=item["id"],
        permanent_building_identifier=item["permanent_building_identifier"],
        origin=item["origin"],
        tenure=portfolio["tenure"],
        holder_business_id=portfolio["holder_business_id"],
        fields={name: _value(name, value) for name, value in item["fields"].items()},
        addresses=tuple(item["addresses"]),
    )


def _value(field: str, item: Mapping[str, Any]) -> PackageValue:
    changed_at = item.get("changed_at")
    return PackageValue(
        value=typed_value(field, item["value"]),
        source=item["source"],
        batch=item.get("batch"),
        changed_at=(
            datetime.datetime.fromisoformat(changed_at.replace("Z", "+00:00"))
            if changed_at is not None
            else None
        ),
        code_list=item.get("code_list"),
    )


def typed_value(field: str, raw: Any) -> Any:
    """Return a JSON value of ``field`` as the database types it."""
    spec = FIELDS_BY_NAME.get(field)
    if spec is None:
        return raw
    if spec.kind in (FieldKind.DECIMAL, FieldKind.MONEY):
        return Decimal(raw)
    if spec.kind is FieldKind.DATE:
        return PartialDate.from_iso(raw)
    return raw
