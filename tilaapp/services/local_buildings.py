"""Local buildings that an inventory import adds, and their removal and return by undo and redo.

A local building (``Building.origin`` ``local``) has no register rows. Its address is
stored in ``building_address`` with the source ``local`` and no batch, so the register
list, the editor, ``tilaapp show`` and the update package read it as they read a
register address. A register import replaces only the addresses of its own source, so
it never deletes or overwrites a local address.

Undo of the import removes each added building with its values, address and change
history. Redo inserts it again with the same id, so the undo stack's steps that name it
stay valid.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tilaapp.domain.fields import LOCAL
from tilaapp.services.merge import ADDRESSES_FIELD
from tilaapp.services.portfolio import PORTFOLIO_FIELD
from tilaapp.storage.models import (
    Building,
    BuildingAddress,
    BuildingOrigin,
    BuildingOwner,
    ChangeRecord,
    ImportProblem,
    LocalValue,
    PackageExport,
    PortfolioEntry,
    RegisterValue,
    RepairNeedRecord,
)

log = logging.getLogger(__name__)

LOCAL_ADDRESS_SOURCE = LOCAL
"""``building_address.source`` of an address that the municipality gave, not a register."""


@dataclass(frozen=True)
class LocalAddress:
    """The address of a local building as the inventory row gives it.

    The row does not say whether the street name is Finnish or Swedish, so it is stored
    as the Finnish name, which every reader falls back to.
    """

    street_name: str
    house_number: str | None = None
    postal_code: str | None = None

    def history_text(self) -> str:
        """Return the address as the change history stores register addresses."""
        parts = (self.street_name, self.house_number, self.postal_code)
        return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class AddedBuilding:
    """A local building that an edit step added, with what it needs to be inserted again."""

    building_id: int
    permanent_building_identifier: str | None
    created_at: datetime.datetime
    address: LocalAddress | None


def add_local_building(
    session: Session,
    identifier: str | None,
    address: LocalAddress | None,
    *,
    history_source: str,
    os_user: str,
    now: datetime.datetime,
) -> AddedBuilding:
    """Insert a new local building with its address, and return it with its new id."""
    building = Building(
        permanent_building_identifier=identifier, origin=BuildingOrigin.LOCAL, created_at=now
    )
    session.add(building)
    session.flush()

    added = AddedBuilding(building.id, identifier, now, address)
    _write_address(session, added, history_source=history_source, os_user=os_user, now=now)
    return added


def can_restore(session: Session, added: AddedBuilding) -> bool:
    """Return whether the building's id and permanent identifier are both still free."""
    if session.get(Building, added.building_id) is not None:
        return False
    identifier = added.permanent_building_identifier
    if identifier is None:
        return True
    query = select(Building.id).where(Building.permanent_building_identifier == identifier)
    return session.scalar(query) is None


def restore_local_building(
    session: Session,
    added: AddedBuilding,
    *,
    history_source: str,
    os_user: str,
    now: datetime.datetime,
) -> None:
    """Insert a removed building again with its old id. ``can_restore`` must be true."""
    session.add(
        Building(
            id=added.building_id,
            permanent_building_identifier=added.permanent_building_identifier,
            origin=BuildingOrigin.LOCAL,
            created_at=added.created_at,
        )
    )
    session.flush()
    _write_address(session, added, history_source=history_source, os_user=os_user, now=now)
    log.info("Restored local building %d", added.building_id)


def can_remove(session: Session, added: AddedBuilding, fields: set[str]) -> bool:
    """Return whether the building is still only what the step added.

    That is: a local building without register rows, owners, portfolio entry, repair
    needs or import problems, with the address the step stored and no local value other
    than ``fields``, whose values the caller checks. A building that was in the portfolio
    when an update package was written stays too, because the receiver has stored its id and
    the next package must report that it left the portfolio.
    """
    building = session.get(Building, added.building_id)
    if building is None or building.origin != BuildingOrigin.LOCAL:
        return False
    if _has_rows_outside_the_step(session, added.building_id):
        return False
    if _in_portfolio_before_package(session, added.building_id):
        return False
    if _stored_address(session, added.building_id) != _address_row(added.address):
        return False
    return not _other_local_values(session.get(LocalValue, added.building_id), fields)


def remove_local_building(session: Session, added: AddedBuilding) -> None:
    """Delete the building with its local values, address, list row and change history.

    The history goes too, because its rows would otherwise name an id that a later
    building, or the building inserted again by redo, can take.
    """
    history = session.execute(
        delete(ChangeRecord).where(ChangeRecord.building_id == added.building_id)
    )
    building = session.get(Building, added.building_id)
    assert building is not None, "can_remove checked that the building exists"
    session.delete(building)
    session.flush()
    log.info(
        "Removed local building %d and its %d change history rows",
        added.building_id,
        getattr(history, "rowcount", -1),
    )


def _write_address(
    session: Session,
    added: AddedBuilding,
    *,
    history_source: str,
    os_user: str,
    now: datetime.datetime,
) -> None:
    address = added.address
    if address is None:
        return
    session.add(
        BuildingAddress(
            building_id=added.building_id,
            source=LOCAL_ADDRESS_SOURCE,
            batch_id=None,
            street_name_fi=address.street_name,
            house_number=address.house_number,
            postal_code=address.postal_code,
        )
    )
    session.add(
        ChangeRecord(
            building_id=added.building_id,
            field=ADDRESSES_FIELD,
            old_value=None,
            new_value=address.history_text(),
            changed_at=now,
            os_user=os_user,
            source=history_source,
        )
    )


def _has_rows_outside_the_step(session: Session, building_id: int) -> bool:
    for model in (RegisterValue, BuildingOwner, RepairNeedRecord, ImportProblem):
        count = session.scalar(
            select(func.count()).select_from(model).where(model.building_id == building_id)
        )
        if count:
            return True
    return session.get(PortfolioEntry, building_id) is not None


def _in_portfolio_before_package(session: Session, building_id: int) -> bool:
    last_sent = session.scalar(select(func.max(PackageExport.last_change_id)))
    if last_sent is None:
        return False
    query = select(ChangeRecord.id).where(
        ChangeRecord.building_id == building_id,
        ChangeRecord.field == PORTFOLIO_FIELD,
        ChangeRecord.id <= last_sent,
    )
    return session.scalar(query.limit(1)) is not None


_AddressRow = tuple[str | None, ...]


def _address_row(address: LocalAddress | None) -> list[_AddressRow]:
    if address is None:
        return []
    return [(LOCAL_ADDRESS_SOURCE, address.street_name, address.house_number, address.postal_code)]


def _stored_address(session: Session, building_id: int) -> list[_AddressRow]:
    query = (
        select(
            BuildingAddress.source,
            BuildingAddress.street_name_fi,
            BuildingAddress.house_number,
            BuildingAddress.postal_code,
        )
        .where(BuildingAddress.building_id == building_id)
        .order_by(BuildingAddress.id)
    )
    return [tuple(row) for row in session.execute(query)]


def _other_local_values(row: LocalValue | None, fields: set[str]) -> bool:
    if row is None:
        return False
    columns = LocalValue.__table__.columns.keys()
    return any(
        getattr(row, name) is not None
        for name in columns
        if name != "building_id" and name not in fields
    )
