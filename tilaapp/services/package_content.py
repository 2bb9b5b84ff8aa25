"""The data members of an update package, read from the database as JSON documents.

``read_snapshot`` reads, in the caller's transaction, everything a package contains:
the portfolio's buildings with every field's value in use, the changes since the
previous package, the open import problems and the import batches behind them.
The ``*_document`` functions turn the snapshot into the JSON documents of
``buildings.json``, ``changes.json`` and ``problems.json``.

Personal data never enters a document. The condition assessor (a field marked
``personal`` in the catalogue) is left out. A lessee's name is left out unless the
lessee is marked as not being a person. The user names of the change history and of
import batches are left out too. Owners are not exported at all. Import problems carry
no values of person columns, because the import never stores them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tilaapp.domain.fields import ALL_FIELDS, LOCAL, FieldKind, FieldSpec
from tilaapp.services.building_view import AddressView, BuildingView, FieldState, load_building
from tilaapp.services.package_format import (
    BUILDINGS_FORMAT,
    CHANGES_FORMAT,
    PROBLEMS_FORMAT,
    utc_text,
)
from tilaapp.services.portfolio import PORTFOLIO_FIELD
from tilaapp.services.values import to_json_value
from tilaapp.storage.models import (
    Building,
    ChangeRecord,
    HolderEntity,
    ImportBatch,
    ImportProblem,
    PackageExport,
    PortfolioEntry,
    RegisterValue,
)

LESSEE_FIELD = "lessee"
LESSEE_IS_PERSON_FIELD = "lessee_is_person"
# Fields whose values never leave the database, in buildings.json or changes.json.
PERSONAL_FIELDS: frozenset[str] = frozenset(spec.name for spec in ALL_FIELDS if spec.personal)

# Buildings per IN (...) list, well below SQLite's limit of bound parameters.
ID_CHUNK_SIZE = 500

ProgressCallback = Callable[[int, int], None]
"""Called with the number of buildings read so far and their total."""


class PackageCancelled(Exception):
    """The user cancelled the export, so nothing was written or recorded."""


@dataclass
class PackageSnapshot:
    """Everything one package contains, as read in one transaction."""

    views: list[BuildingView]
    """The portfolio's buildings, by database id."""
    batch_by_source: dict[tuple[int, str], int]
    """The batch of each (building id, register source)."""
    holders: list[HolderEntity]
    previous: PackageExport | None
    last_change_id: int
    changes: list[ChangeRecord]
    identifiers: dict[int, str | None]
    """The permanent identifier of every building that a change or problem names."""
    problems: list[ImportProblem]
    batches: list[ImportBatch] = field(default_factory=list)


def read_snapshot(
    session: Session,
    *,
    progress: ProgressCallback | None = None,
    is_cancelled: Callable[[], bool] | None = None,
) -> PackageSnapshot:
    """Read a package's content; raise ``PackageCancelled`` when ``is_cancelled`` is True.

    The changes are those after the previous package, up to the newest change now.
    """
    ids = list(
        session.scalars(select(PortfolioEntry.building_id).order_by(PortfolioEntry.building_id))
    )
    views = _load_views(session, ids, progress, is_cancelled)
    previous = session.scalar(select(PackageExport).order_by(PackageExport.sequence.desc()))
    last_change_id = session.scalar(select(func.max(ChangeRecord.id))) or 0
    first_change_id = previous.last_change_id + 1 if previous is not None else 1
    changes = changes_between(session, set(ids), first_change_id, last_change_id)
    problems = _open_problems(session, ids)

    snapshot = PackageSnapshot(
        views=views,
        batch_by_source=_batches_by_source(session, ids),
        holders=list(session.scalars(select(HolderEntity).order_by(HolderEntity.id))),
        previous=previous,
        last_change_id=last_change_id,
        changes=changes,
        identifiers=_identifiers(session, changes, problems),
        problems=problems,
    )
    snapshot.batches = _batches(session, snapshot)
    return snapshot


def _load_views(
    session: Session,
    ids: Sequence[int],
    progress: ProgressCallback | None,
    is_cancelled: Callable[[], bool] | None,
) -> list[BuildingView]:
    views = []
    for done, building_id in enumerate(ids, start=1):
        if is_cancelled is not None and is_cancelled():
            raise PackageCancelled()
        views.append(load_building(session, building_id))
        if progress is not None:
            progress(done, len(ids))
    return views


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), ID_CHUNK_SIZE):
        yield ids[start : start + ID_CHUNK_SIZE]


def _batches_by_source(session: Session, ids: Sequence[int]) -> dict[tuple[int, str], int]:
    result: dict[tuple[int, str], int] = {}
    for chunk in _chunks(ids):
        query = select(
            RegisterValue.building_id, RegisterValue.source, RegisterValue.batch_id
        ).where(RegisterValue.building_id.in_(chunk))
        for building_id, source, batch_id in session.execute(query):
            result[(building_id, source)] = batch_id
    return result


def changes_between(
    session: Session, portfolio_ids: set[int], first_id: int, last_id: int
) -> list[ChangeRecord]:
    """Return the changes with ids ``first_id..last_id`` that a package sends, oldest first.

    A package sends the changes of the buildings in the portfolio, and every portfolio
    change, so that the centre also learns which buildings left the portfolio.
    Changes of personal fields are never sent.
    """
    query = (
        select(ChangeRecord)
        .where(ChangeRecord.id.between(first_id, last_id))
        .where(ChangeRecord.building_id.is_not(None))
        .where(ChangeRecord.field.not_in(PERSONAL_FIELDS))
        .order_by(ChangeRecord.id)
    )
    return [
        change
        for change in session.scalars(query)
        if change.building_id in portfolio_ids or change.field == PORTFOLIO_FIELD
    ]


def _open_problems(session: Session, ids: Sequence[int]) -> list[ImportProblem]:
    """Return the open problems of the given buildings and those of whole files.

    A problem of a whole file, such as an unknown column, has no row. Problems of rows
    that name no stored building are not sent: they may concern buildings outside the
    portfolio.
    """
    problems: list[ImportProblem] = []
    for chunk in _chunks(ids):
        query = select(ImportProblem).where(
            ImportProblem.is_open, ImportProblem.building_id.in_(chunk)
        )
        problems.extend(session.scalars(query))
    file_level = select(ImportProblem).where(
        ImportProblem.is_open,
        ImportProblem.building_id.is_(None),
        ImportProblem.row.is_(None),
    )
    problems.extend(session.scalars(file_level))
    return sorted(problems, key=lambda problem: problem.id)


def _identifiers(
    session: Session, changes: list[ChangeRecord], problems: list[ImportProblem]
) -> dict[int, str | None]:
    ids = sorted(
        {change.building_id for change in changes if change.building_id is not None}
        | {problem.building_id for problem in problems if problem.building_id is not None}
    )
    result: dict[int, str | None] = {}
    for chunk in _chunks(ids):
        query = select(Building.id, Building.permanent_building_identifier).where(
            Building.id.in_(chunk)
        )
        result.update({row[0]: row[1] for row in session.execute(query)})
    return result


def _batches(session: Session, snapshot: PackageSnapshot) -> list[ImportBatch]:
    """Return every import batch that a value, change or problem of the package names."""
    ids = set(snapshot.batch_by_source.values())
    ids |= {change.batch_id for change in snapshot.changes if change.batch_id is not None}
    ids |= {problem.batch_id for problem in snapshot.problems}
    query = select(ImportBatch).where(ImportBatch.id.in_(sorted(ids))).order_by(ImportBatch.id)
    return list(session.scalars(query))


# buildings.json


def buildings_document(snapshot: PackageSnapshot, municipality_code: str) -> dict[str, Any]:
    """Return the ``buildings.json`` document of the snapshot."""
    return {
        "format": BUILDINGS_FORMAT,
        "municipality_code": municipality_code,
        "holder_entities": [_holder_json(holder) for holder in snapshot.holders],
        "buildings": [_building_json(view, snapshot.batch_by_source) for view in snapshot.views],
    }


def _holder_json(holder: HolderEntity) -> dict[str, Any]:
    return {
        "business_id": holder.business_id,
        "name": holder.name,
        "kind": str(holder.kind) if holder.kind is not None else None,
    }


def _building_json(view: BuildingView, batches: dict[tuple[int, str], int]) -> dict[str, Any]:
    portfolio = view.portfolio
    assert portfolio is not None, "a package contains only buildings of the portfolio"
    fields: dict[str, Any] = {}
    lessee_is_person = view.field(LESSEE_IS_PERSON_FIELD).value
    for name, state in view.fields.items():
        if state.value is None or name in PERSONAL_FIELDS:
            continue
        # A lessee may be a private person: send the name only when marked otherwise.
        if name == LESSEE_FIELD and lessee_is_person is not False:
            continue
        fields[name] = _field_json(view.id, state, batches)
    return {
        "id": view.id,
        "permanent_building_identifier": view.permanent_building_identifier,
        "origin": view.origin,
        "portfolio": {
            "tenure": str(portfolio.tenure),
            "holder_business_id": portfolio.holder_business_id,
        },
        "fields": fields,
        "addresses": [_address_json(address) for address in view.addresses],
    }


def _field_json(
    building_id: int, state: FieldState, batches: dict[tuple[int, str], int]
) -> dict[str, Any]:
    origin = state.in_use_origin
    assert origin is not None, "a field with a value has an origin"
    item: dict[str, Any] = {"value": to_json_value(state.value), "source": origin}
    if origin == LOCAL:
        if state.local is not None and state.local.changed_at is not None:
            item["changed_at"] = utc_text(state.local.changed_at)
    else:
        item["batch"] = batches[(building_id, origin)]
    code_list = _code_list(state.spec, origin)
    if code_list is not None:
        item["code_list"] = code_list
    return item


def _code_list(spec: FieldSpec, origin: str) -> str | None:
    if spec.kind is not FieldKind.CODE:
        return None
    return spec.code_lists.get(origin)


def _address_json(address: AddressView) -> dict[str, Any]:
    parts = {
        "source": address.source,
        "street_name_fi": address.street_name_fi,
        "street_name_sv": address.street_name_sv,
        "house_number": address.house_number,
        "postal_code": address.postal_code,
        "post_office_fi": address.post_office_fi,
        "post_office_sv": address.post_office_sv,
    }
    return {key: value for key, value in parts.items() if value is not None}


# changes.json


def changes_document(snapshot: PackageSnapshot) -> dict[str, Any]:
    """Return the ``changes.json`` document: field-level changes without user names."""
    previous = snapshot.previous
    return {
        "format": CHANGES_FORMAT,
        "since_package": previous.sequence if previous is not None else None,
        "changes": [_change_json(change, snapshot.identifiers) for change in snapshot.changes],
    }


def _change_json(change: ChangeRecord, identifiers: dict[int, str | None]) -> dict[str, Any]:
    assert change.building_id is not None, "changes_between reads building changes only"
    item: dict[str, Any] = {
        "building_id": change.building_id,
        "permanent_building_identifier": identifiers.get(change.building_id),
        "field": change.field,
        "changed_at": utc_text(change.changed_at),
        "source": change.source,
    }
    if change.batch_id is not None:
        item["batch"] = change.batch_id
    if change.field == LESSEE_FIELD:
        # A former or new lessee may be a private person, so no lessee name is sent.
        item["values_withheld"] = True
        item["old_value"] = None
        item["new_value"] = None
    else:
        item["old_value"] = _history_json(change.old_value)
        item["new_value"] = _history_json(change.new_value)
    return item


def _history_json(text: str | None) -> Any:
    """Return a history value's JSON; text that is not JSON is returned as it is."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


# problems.json


def problems_document(snapshot: PackageSnapshot) -> dict[str, Any]:
    """Return the ``problems.json`` document: the open import problems of the package."""
    return {
        "format": PROBLEMS_FORMAT,
        "problems": [_problem_json(problem, snapshot.identifiers) for problem in snapshot.problems],
    }


def _problem_json(problem: ImportProblem, identifiers: dict[int, str | None]) -> dict[str, Any]:
    building_id = problem.building_id
    return {
        "batch": problem.batch_id,
        "building_id": building_id,
        "permanent_building_identifier": (
            identifiers.get(building_id) if building_id is not None else None
        ),
        "sheet": problem.sheet,
        "row": problem.row,
        "column": problem.column,
        "value": problem.value,
        "kind": problem.kind,
        "severity": problem.severity,
        "params": _params(problem.params_json),
    }


def _params(text: str) -> dict[str, str]:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError:
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(key): str(value) for key, value in raw.items()}


# The batches in manifest.json


def batch_json(batch: ImportBatch) -> dict[str, Any]:
    """Return an import batch as the manifest lists it: no file name, no user name."""
    try:
        counts = json.loads(batch.counts_json)
    except json.JSONDecodeError:
        counts = {}
    return {
        "id": batch.id,
        "source": batch.source,
        "sha256": batch.sha256,
        "scope": batch.scope,
        "extraction_date": batch.extraction_date.isoformat(),
        "imported_at": utc_text(batch.imported_at),
        "counts": {str(key): value for key, value in counts.items() if isinstance(value, int)},
    }


def buildings_changed(session: Session, after_change_id: int) -> int:
    """Return how many buildings the next package would list changes of.

    Counts the buildings with a change after ``after_change_id`` that a package sends
    (see ``changes_between``).
    """
    portfolio = select(PortfolioEntry.building_id)
    query = (
        select(func.count(func.distinct(ChangeRecord.building_id)))
        .where(ChangeRecord.id > after_change_id)
        .where(ChangeRecord.building_id.is_not(None))
        .where(ChangeRecord.field.not_in(PERSONAL_FIELDS))
        .where(
            or_(
                ChangeRecord.building_id.in_(portfolio),
                ChangeRecord.field == PORTFOLIO_FIELD,
            )
        )
    )
    return session.scalar(query) or 0
