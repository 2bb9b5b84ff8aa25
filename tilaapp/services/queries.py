"""Reading buildings: finding one by identifier, listing, and every value of one."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tilaapp.domain.codelists import building_class_2018_for
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import ALL_FIELDS, FIELDS_BY_NAME, LOCAL, SOURCE_PRIORITY, FieldKind
from tilaapp.domain.identifiers import (
    normalise_permanent_building_identifier,
    parse_old_building_identifier,
)
from tilaapp.services.values import (
    FieldValues,
    RegisterEntry,
    choose_register_entry,
    field_values,
    to_json_value,
)
from tilaapp.storage.models import (
    Building,
    BuildingAddress,
    ChangeRecord,
    HolderEntity,
    ImportBatch,
    LocalValue,
    PortfolioEntry,
    RegisterValue,
)

_DATABASE_ID = re.compile(r"^id:(\d+)$")


class BuildingNotFound(Exception):
    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no building {reference}")


class InvalidBuildingReference(Exception):
    """The text is not a permanent identifier, ``id:N`` or an old identifier."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"not a building reference: {reference}")


def find_building_id(session: Session, reference: str) -> int:
    """Return the database id of the building that ``reference`` names.

    ``reference`` is a permanent building identifier, a database id written ``id:123``,
    or an old identifier written as the 14-digit property identifier, a hyphen and the
    3-digit building number.
    """
    text = reference.strip()
    by_id = _DATABASE_ID.match(text)
    if by_id:
        building_id = session.scalar(select(Building.id).where(Building.id == int(by_id[1])))
    elif parse_old_building_identifier(text) is not None:
        building_id = _find_by_old_identifier(session, text)
    elif re.fullmatch(r"[0-9]{9}[0-9A-Za-z]", text):
        identifier = normalise_permanent_building_identifier(text)
        building_id = session.scalar(
            select(Building.id).where(Building.permanent_building_identifier == identifier)
        )
    else:
        raise InvalidBuildingReference(reference)
    if building_id is None:
        raise BuildingNotFound(reference)
    return building_id


def _find_by_old_identifier(session: Session, text: str) -> int | None:
    query = (
        select(RegisterValue.building_id)
        .where(RegisterValue.old_building_identifier == text)
        .order_by(RegisterValue.is_present.desc(), RegisterValue.extraction_date.desc())
    )
    return session.scalars(query.limit(1)).first()


def _load_building(session: Session, building_id: int) -> Building:
    building = session.scalar(
        select(Building)
        .where(Building.id == building_id)
        .options(
            selectinload(Building.register_values),
            selectinload(Building.local_value),
            selectinload(Building.addresses),
            selectinload(Building.owners),
            selectinload(Building.portfolio_entry).selectinload(PortfolioEntry.holder_entity),
        )
    )
    if building is None:
        raise BuildingNotFound(f"id:{building_id}")
    return building


def _ordered_rows(rows: list[RegisterValue]) -> list[RegisterValue]:
    order = {source.value: index for index, source in enumerate(SOURCE_PRIORITY)}
    return sorted(rows, key=lambda row: order.get(row.source, len(order)))


def _last_local_changes(session: Session, building_id: int) -> dict[str, ChangeRecord]:
    query = (
        select(ChangeRecord)
        .where(ChangeRecord.building_id == building_id)
        .where(ChangeRecord.source.in_([LOCAL, "spreadsheet", "package", "undo", "redo"]))
        .order_by(ChangeRecord.id)
    )
    return {change.field: change for change in session.scalars(query)}


def _register_json(values: FieldValues, batches: dict[int, ImportBatch]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for entry in values.register:
        item: dict[str, Any] = {
            "value": to_json_value(entry.value),
            "batch_id": entry.batch_id,
            "file_name": batches[entry.batch_id].file_name if entry.batch_id in batches else None,
            "extraction_date": entry.extraction_date.isoformat(),
            "present": entry.is_present,
        }
        if values.spec.kind is FieldKind.CODE:
            item["code_list"] = values.spec.code_lists.get(entry.source)
        result[entry.source] = item
    return result


def _local_json(values: FieldValues, change: ChangeRecord | None) -> dict[str, Any] | None:
    if values.local is None:
        return None
    item: dict[str, Any] = {"value": to_json_value(values.local)}
    if change is not None:
        item["changed_at"] = change.changed_at.isoformat()
        item["os_user"] = change.os_user
        item["source"] = change.source
    return item


def building_details(session: Session, building_id: int) -> dict[str, Any]:
    """Return every field of a building with its register values by source, its local
    value and which one is in use, as the ``tilaapp.show/1`` JSON object."""
    building = _load_building(session, building_id)
    rows = _ordered_rows(list(building.register_values))
    batch_ids = {row.batch_id for row in rows}
    batches = {
        b.id: b for b in session.scalars(select(ImportBatch).where(ImportBatch.id.in_(batch_ids)))
    }
    local_changes = _last_local_changes(session, building_id)

    fields: dict[str, Any] = {}
    for spec in ALL_FIELDS:
        values = field_values(spec, rows, building.local_value)
        fields[spec.name] = {
            "in_use": {"value": to_json_value(values.in_use), "origin": values.in_use_origin},
            "register": _register_json(values, batches),
            "local": _local_json(values, local_changes.get(spec.name)),
            "sources_disagree": values.sources_disagree,
        }

    return {
        "format": "tilaapp.show/1",
        "building": {
            "id": building.id,
            "permanent_building_identifier": building.permanent_building_identifier,
            "origin": building.origin,
            "created_at": building.created_at.isoformat(),
        },
        "sources": [_source_json(row, batches) for row in rows],
        "portfolio": _portfolio_json(building.portfolio_entry),
        "fields": fields,
        "addresses": [_address_json(a) for a in building.addresses],
        "owners": [
            {
                "source": owner.source,
                "is_person": owner.is_person,
                "owner_type": owner.owner_type,
                "business_id": owner.business_id,
            }
            for owner in building.owners
        ],
    }


def _source_json(row: RegisterValue, batches: dict[int, ImportBatch]) -> dict[str, Any]:
    batch = batches.get(row.batch_id)
    return {
        "source": row.source,
        "batch_id": row.batch_id,
        "file_name": batch.file_name if batch else None,
        "extraction_date": row.extraction_date.isoformat(),
        "present": row.is_present,
        "absent_since_batch_id": row.absent_since_batch_id,
    }


def _portfolio_json(entry: PortfolioEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    holder = entry.holder_entity
    return {
        "tenure": entry.tenure,
        "holder": None
        if holder is None
        else {"name": holder.name, "business_id": holder.business_id, "kind": holder.kind},
    }


def _address_json(address: BuildingAddress) -> dict[str, Any]:
    return {
        "source": address.source,
        "address_number": address.address_number,
        "street_name_fi": address.street_name_fi,
        "street_name_sv": address.street_name_sv,
        "house_number": address.house_number,
        "postal_code": address.postal_code,
        "post_office_fi": address.post_office_fi,
        "post_office_sv": address.post_office_sv,
    }


@dataclass(frozen=True)
class BuildingSummary:
    """One row of the building list, with values in use."""

    id: int
    permanent_building_identifier: str | None
    municipality_number: str | None
    property_identifier: str | None
    address: str | None
    local_name: str | None
    building_class_2018: str | None
    building_class_origin: str
    """``register``, ``crosswalk`` (from the 1994 class) or ``unknown``."""
    use_class_1994: str | None
    gross_floor_area: Decimal | None
    completion_date: PartialDate | None
    in_portfolio: bool
    holder_business_id: str | None
    tenure: str | None


LIST_FIELDS = (
    "municipality_number",
    "property_identifier",
    "local_name",
    "building_class_2018",
    "use_class_1994",
    "gross_floor_area",
    "completion_date",
)


def format_address(address: BuildingAddress) -> str:
    street = " ".join(p for p in (address.street_name_fi, address.house_number) if p)
    place = " ".join(p for p in (address.postal_code, address.post_office_fi) if p)
    return ", ".join(p for p in (street, place) if p)


LIST_CHUNK = 2_000
"""Buildings per round of queries: bounds memory however many buildings are listed."""


def list_buildings(session: Session, *, all_buildings: bool = False) -> list[BuildingSummary]:
    """Return the portfolio, or with ``all_buildings`` every stored building, by id."""
    return list(iter_buildings(session, all_buildings=all_buildings))


def iter_buildings(session: Session, *, all_buildings: bool = False) -> Iterator[BuildingSummary]:
    """Yield the portfolio, or with ``all_buildings`` every stored building, by id.

    Reads in chunks of ``LIST_CHUNK`` buildings with plain column queries, so that a
    national database of millions of buildings lists in bounded memory.
    """
    query = (
        select(
            Building.id,
            Building.permanent_building_identifier,
            PortfolioEntry.tenure,
            HolderEntity.business_id,
        )
        .outerjoin(PortfolioEntry, PortfolioEntry.building_id == Building.id)
        .outerjoin(HolderEntity, HolderEntity.id == PortfolioEntry.holder_entity_id)
        .order_by(Building.id)
    )
    if not all_buildings:
        query = query.where(PortfolioEntry.building_id.is_not(None))
    result = session.execute(query.execution_options(yield_per=LIST_CHUNK))
    for chunk in result.partitions():
        yield from _summaries(session, list(chunk))


_REGISTER_LIST_FIELDS = tuple(name for name in LIST_FIELDS if FIELDS_BY_NAME[name].register)


def _summaries(session: Session, buildings: list[Any]) -> Iterator[BuildingSummary]:
    first, last = buildings[0][0], buildings[-1][0]
    register = _rows_by_building(
        session,
        select(
            RegisterValue.building_id,
            RegisterValue.source,
            RegisterValue.extraction_date,
            RegisterValue.is_present,
            *(getattr(RegisterValue, name) for name in _REGISTER_LIST_FIELDS),
        ).where(RegisterValue.building_id.between(first, last)),
    )
    local = _rows_by_building(
        session,
        select(LocalValue.building_id, *(getattr(LocalValue, name) for name in LIST_FIELDS)).where(
            LocalValue.building_id.between(first, last)
        ),
    )
    addresses = _first_addresses_between(session, first, last)

    for building_id, identifier, tenure, holder in buildings:
        values = _values_in_use(register.get(building_id, []), local.get(building_id, []))
        class_2018, origin = building_class_2018_for(
            values["building_class_2018"], values["use_class_1994"]
        )
        yield BuildingSummary(
            id=building_id,
            permanent_building_identifier=identifier,
            municipality_number=values["municipality_number"],
            property_identifier=values["property_identifier"],
            address=addresses.get(building_id),
            local_name=values["local_name"],
            building_class_2018=class_2018,
            building_class_origin=origin,
            use_class_1994=values["use_class_1994"],
            gross_floor_area=values["gross_floor_area"],
            completion_date=values["completion_date"],
            in_portfolio=tenure is not None,
            holder_business_id=holder,
            tenure=tenure,
        )


def _rows_by_building(session: Session, query: Any) -> dict[int, list[Any]]:
    rows: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(query):
        rows[row[0]].append(row)
    return rows


def _values_in_use(register: list[Any], local: list[Any]) -> dict[str, Any]:
    """Return the value in use of each listed field: local if set, else the register's."""
    values: dict[str, Any] = {}
    local_row = local[0] if local else None
    for index, name in enumerate(LIST_FIELDS):
        local_value = local_row[index + 1] if local_row is not None else None
        if local_value is not None or name not in _REGISTER_LIST_FIELDS:
            values[name] = local_value
            continue
        column = 4 + _REGISTER_LIST_FIELDS.index(name)
        chosen = choose_register_entry(
            [RegisterEntry(row[1], row[column], 0, row[2], row[3]) for row in register]
        )
        values[name] = chosen.value if chosen is not None else None
    return values


def _first_addresses_between(session: Session, first: int, last: int) -> dict[int, str]:
    order = {source.value: index for index, source in enumerate(SOURCE_PRIORITY)}
    best: dict[int, tuple[tuple[int, int, int], BuildingAddress]] = {}
    query = select(BuildingAddress).where(BuildingAddress.building_id.between(first, last))
    for address in session.scalars(query):
        key = (order.get(address.source, 9), address.address_number or 0, address.id)
        current = best.get(address.building_id)
        if current is None or key < current[0]:
            best[address.building_id] = (key, address)
    return {building_id: format_address(address) for building_id, (_, address) in best.items()}
