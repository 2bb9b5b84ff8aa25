"""The municipal group: home municipality, holder entities and the portfolio."""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tilaapp.storage.models import (
    BuildingOwner,
    ChangeRecord,
    DatabaseInfo,
    HolderEntity,
    HolderKind,
    Municipality,
    PortfolioEntry,
    Tenure,
)

log = logging.getLogger(__name__)

PORTFOLIO_FIELD = "portfolio"
PORTFOLIO_SOURCE = "portfolio"


class HomeMunicipalityConflict(Exception):
    """The database already has another home municipality."""

    def __init__(self, stored: str, requested: str) -> None:
        self.stored = stored
        self.requested = requested
        super().__init__(f"home municipality is {stored}, not {requested}")


class UnknownMunicipality(Exception):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"unknown municipality code {code}")


@dataclass(frozen=True)
class GroupSetup:
    home_municipality: str | None
    owner_business_ids: tuple[str, ...]


def _set_home(
    session: Session, info: DatabaseInfo, requested: str | None, seen: set[str]
) -> str | None:
    if requested is not None:
        if session.get(Municipality, requested) is None:
            raise UnknownMunicipality(requested)
        if info.home_municipality_code not in (None, requested):
            raise HomeMunicipalityConflict(str(info.home_municipality_code), requested)
        info.home_municipality_code = requested
    elif info.home_municipality_code is None and len(seen) == 1:
        (only,) = seen
        # A file whose buildings all lie in one municipality names the home municipality.
        if session.get(Municipality, only) is not None:
            info.home_municipality_code = only
            log.info("Home municipality set to %s from the imported file", only)
    return info.home_municipality_code


def _add_entities(
    session: Session, business_ids: tuple[str, ...], home: str | None, now: datetime.datetime
) -> None:
    stored = {entity.business_id: entity for entity in session.scalars(select(HolderEntity))}
    has_municipality = any(e.kind == HolderKind.MUNICIPALITY for e in stored.values())
    for business_id in business_ids:
        if business_id in stored:
            continue
        kind: HolderKind | None = None
        name: str | None = None
        if not has_municipality:
            # The first entity named is the municipality's own.
            kind = HolderKind.MUNICIPALITY
            home_row = session.get(Municipality, home) if home else None
            name = home_row.name_fi if home_row is not None else None
            has_municipality = True
        entity = HolderEntity(business_id=business_id, kind=kind, name=name, created_at=now)
        session.add(entity)
        stored[business_id] = entity
    session.flush()


def apply_group_setup(
    session: Session, group: GroupSetup, seen: set[str], now: datetime.datetime
) -> str | None:
    """Set the home municipality and holder entities; return the home municipality."""
    info = session.get(DatabaseInfo, 1)
    assert info is not None, "database_info is created with the database"
    home = _set_home(session, info, group.home_municipality, seen)
    _add_entities(session, group.owner_business_ids, home, now)
    return home


def join_portfolio_by_owner(session: Session, os_user: str, now: datetime.datetime) -> int:
    """Add to the portfolio, as owned, every building an entity of the group owns."""
    query = (
        select(BuildingOwner.building_id, HolderEntity)
        .join(HolderEntity, HolderEntity.business_id == BuildingOwner.business_id)
        .outerjoin(PortfolioEntry, PortfolioEntry.building_id == BuildingOwner.building_id)
        .where(PortfolioEntry.building_id.is_(None))
        .order_by(BuildingOwner.building_id, HolderEntity.id)
    )
    added: set[int] = set()
    for building_id, entity in session.execute(query):
        if building_id in added:
            continue
        session.add(
            PortfolioEntry(
                building_id=building_id,
                holder_entity_id=entity.id,
                tenure=Tenure.OWNED,
                added_at=now,
            )
        )
        session.add(
            ChangeRecord(
                building_id=building_id,
                field=PORTFOLIO_FIELD,
                old_value=None,
                new_value=json.dumps({"holder": entity.business_id, "tenure": Tenure.OWNED.value}),
                changed_at=now,
                os_user=os_user,
                source=PORTFOLIO_SOURCE,
            )
        )
        added.add(building_id)
    if added:
        log.info("Added %d buildings to the portfolio by owner", len(added))
    return len(added)
