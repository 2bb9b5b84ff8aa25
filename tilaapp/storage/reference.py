"""Copying the bundled municipality list into a database."""

from __future__ import annotations

import logging

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tilaapp.domain import municipalities as bundled
from tilaapp.storage.models import Municipality

log = logging.getLogger(__name__)


def seed_municipalities(session: Session) -> bool:
    """Store the bundled municipality list and merged codes unless this list year is stored.

    Rows are updated in place, never deleted, because buildings and the home municipality
    refer to them. Returns True when anything was written.
    """
    stored_year = session.scalar(select(func.max(Municipality.list_year)))
    if stored_year is not None and stored_year >= bundled.LIST_YEAR:
        return False

    rows = [
        {
            "code": item.code,
            "name_fi": item.name_fi,
            "name_sv": item.name_sv,
            "region_code": item.region_code,
            "list_year": bundled.LIST_YEAR,
            "merged_into_code": None,
            "merged_year": None,
        }
        for item in bundled.municipalities().values()
    ]
    rows += [
        {
            "code": merger.old_code,
            "name_fi": merger.old_name,
            "name_sv": merger.old_name,
            "region_code": None,
            "list_year": bundled.LIST_YEAR,
            "merged_into_code": merger.new_code,
            "merged_year": merger.year,
        }
        for merger in bundled.mergers()
    ]
    if stored_year is None:
        session.execute(insert(Municipality), rows)
    else:
        for row in rows:
            session.merge(Municipality(**row))
    log.info("Stored the municipality list of %d", bundled.LIST_YEAR)
    return True
