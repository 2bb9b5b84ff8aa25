"""National aggregation: merging municipalities' update packages into a national database.

A national database is a tilaapp database without a home municipality and without
buildings of its own. ``merge_package`` verifies a package with the same code as
``verify-package``. It stores the package in ``received_package`` and its buildings in
``received_building``, keyed by the sending database's id and the building's id there.
Every field value goes into ``received_value`` as the package's JSON text, so areas,
money, dates and identifiers are kept exactly as sent.

The packages of one municipal database (``database_id``) must arrive in increasing
sequence. A newer package supersedes the current one, which stays stored as history.
An older or equal one, a package already received and one that fails verification are
rejected, and nothing of them is written. Each package merges in its own transaction.

``national_summary`` and ``national_reference`` read, per municipality, the current
package created last. A municipality that replaced its database sends from a new
``database_id``, so only its newest data counts.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tilaapp.domain.codelists import building_class_2018_for, main_class_2018
from tilaapp.i18n import N_
from tilaapp.services.package_format import BUILDINGS, CHANGES, MANIFEST
from tilaapp.services.package_read import typed_value
from tilaapp.services.package_verify import PackageRejected, verify_package
from tilaapp.services.reference import GROUP_OWNED, InputFile, ReferenceData
from tilaapp.services.reference_build import FigureSums, source_texts
from tilaapp.storage.database import Database, utc_now
from tilaapp.storage.models import (
    Building,
    DatabaseInfo,
    ReceivedBuilding,
    ReceivedPackage,
    ReceivedValue,
    Tenure,
)

log = logging.getLogger(__name__)

MAIN_CLASS_SCHEME = "building_main_class_2018"
UNKNOWN_CLASS = "unknown"
PACKAGE_SOURCE = "update_package"
REFERENCE_SOURCE = N_("Municipalities' update packages aggregated by tilaapp")
REFERENCE_SOURCE_DATED = N_(
    "Municipalities' update packages aggregated by tilaapp, packages up to {date}"
)
DEFAULT_LICENCE = "not stated"
_SUMMARY_FIELDS = ("gross_floor_area", "building_class_2018", "use_class_1994")


class AggregationError(Exception):
    """A package or database that the aggregation cannot use."""


class NotANationalDatabase(AggregationError):
    """The database is a municipality's own: it has a home municipality or buildings."""

    def __init__(self, path: Path, home_municipality: str | None) -> None:
        self.path = path
        self.home_municipality = home_municipality
        super().__init__(f"{path} is a municipal database (home {home_municipality})")


class PackageAlreadyReceived(AggregationError):
    """A package with the same manifest SHA-256 is already in the national database."""

    def __init__(self, path: Path, received_at: datetime.datetime) -> None:
        self.path = path
        self.received_at = received_at
        super().__init__(f"{path} was already received at {received_at.isoformat()}")


class PackageNotNewer(AggregationError):
    """The package's sequence is not above the newest received from its database."""

    def __init__(self, path: Path, municipality_code: str, sequence: int, newest: int) -> None:
        self.path = path
        self.municipality_code = municipality_code
        self.sequence = sequence
        self.newest = newest
        super().__init__(f"{path}: package {sequence} is not newer than package {newest}")


@dataclass(frozen=True)
class MergeResult:
    """The outcome of one package file: merged, or rejected with ``error``."""

    path: Path
    error: Exception | None
    """``PackageRejected``, ``PackageAlreadyReceived``, ``PackageNotNewer`` or ``OSError``."""
    manifest_sha256: str | None = None
    municipality_code: str | None = None
    database_id: str | None = None
    sequence: int | None = None
    buildings: int = 0
    superseded_sequence: int | None = None
    """The sequence of the package that this one superseded, if any."""

    @property
    def merged(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ClassTotal:
    """The group-owned buildings of one 2018 main class, or of ``unknown`` class."""

    main_class: str
    buildings: int
    gross_floor_area: Decimal
    gross_floor_area_known: int


@dataclass(frozen=True)
class NationalSummary:
    municipalities: int
    packages: int
    """Packages whose buildings count: one per municipality."""
    buildings: int
    """Buildings of those packages: owned and leased in."""
    owned_buildings: int
    gross_floor_area: Decimal
    """Gross floor area of the owned buildings."""
    classes: tuple[ClassTotal, ...]
    """The owned buildings by main class, class codes in order, ``unknown`` last."""


@dataclass(frozen=True)
class _CountedBuilding:
    municipality_code: str
    tenure: str
    main_class: str | None
    gross_floor_area: Decimal | None


def aggregate_packages(
    database: Database,
    paths: Sequence[Path],
    *,
    now: datetime.datetime | None = None,
    on_result: Callable[[MergeResult], None] | None = None,
) -> list[MergeResult]:
    """Merge each package in the order given, each in its own transaction.

    Rejected packages do not stop the others. ``on_result`` is called after each file.
    Raises ``NotANationalDatabase`` before reading any package.
    """
    check_national_database(database)
    results = []
    for path in paths:
        result = merge_package(database, path, now=now)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def check_national_database(database: Database) -> None:
    """Raise ``NotANationalDatabase`` for a municipal database."""
    with database.read_session() as session:
        info = session.get(DatabaseInfo, 1)
        home = info.home_municipality_code if info is not None else None
        has_buildings = session.scalar(select(Building.id).limit(1)) is not None
    if home is not None or has_buildings:
        raise NotANationalDatabase(database.path, home)


def merge_package(
    database: Database, path: Path, *, now: datetime.datetime | None = None
) -> MergeResult:
    """Verify the package at ``path`` and merge it; return why when it is rejected."""
    try:
        verified = verify_package(path)
    except OSError as error:
        log.warning("Package %s not merged: %s", path, error)
        return MergeResult(path, error)
    if not verified.ok:
        log.warning("Package %s failed verification: %s", path, verified.problems)
        return MergeResult(path, PackageRejected(verified))

    assert verified.manifest is not None and verified.manifest_sha256 is not None
    manifest = verified.manifest
    try:
        with database.session() as session:
            superseded = _store(
                session,
                path,
                verified.manifest_sha256,
                {**verified.documents, MANIFEST: manifest},
                (now or utc_now()).astimezone(datetime.UTC),
            )
    except (PackageAlreadyReceived, PackageNotNewer) as error:
        log.warning("Package %s not merged: %s", path, error)
        return _result(path, verified.manifest_sha256, manifest, error=error)

    log.info(
        "Merged package %s: municipality %s, database %s, sequence %d, manifest SHA-256 %s",
        path,
        manifest["municipality"]["code"],
        manifest["database_id"],
        manifest["sequence"],
        verified.manifest_sha256,
    )
    return _result(path, verified.manifest_sha256, manifest, superseded=superseded)


def _result(
    path: Path,
    manifest_sha256: str,
    manifest: dict[str, Any],
    *,
    error: Exception | None = None,
    superseded: int | None = None,
) -> MergeResult:
    return MergeResult(
        path,
        error,
        manifest_sha256=manifest_sha256,
        municipality_code=manifest["municipality"]["code"],
        database_id=manifest["database_id"],
        sequence=manifest["sequence"],
        buildings=manifest["counts"]["buildings"],
        superseded_sequence=superseded,
    )


# Storing a package


def _store(
    session: Session,
    path: Path,
    manifest_sha256: str,
    documents: dict[str, Any],
    received_at: datetime.datetime,
) -> int | None:
    """Store a verified package; return the sequence of the package it supersedes."""
    manifest = documents[MANIFEST]
    _check_new(session, path, manifest_sha256, manifest)
    current = session.scalar(
        select(ReceivedPackage).where(
            ReceivedPackage.database_id == manifest["database_id"],
            ReceivedPackage.superseded_by_id.is_(None),
        )
    )

    package = _package_row(path, manifest_sha256, documents, received_at)
    session.add(package)
    session.flush()
    if current is not None:
        current.superseded_by_id = package.id

    _insert_buildings(session, package.id, documents[BUILDINGS]["buildings"])
    return current.sequence if current is not None else None


def _check_new(
    session: Session, path: Path, manifest_sha256: str, manifest: dict[str, Any]
) -> None:
    received_at = session.scalar(
        select(ReceivedPackage.received_at).where(
            ReceivedPackage.manifest_sha256 == manifest_sha256
        )
    )
    if received_at is not None:
        raise PackageAlreadyReceived(path, received_at)

    newest = session.scalar(
        select(func.max(ReceivedPackage.sequence)).where(
            ReceivedPackage.database_id == manifest["database_id"]
        )
    )
    if newest is not None and manifest["sequence"] <= newest:
        raise PackageNotNewer(path, manifest["municipality"]["code"], manifest["sequence"], newest)


def _package_row(
    path: Path, manifest_sha256: str, documents: dict[str, Any], received_at: datetime.datetime
) -> ReceivedPackage:
    manifest = documents[MANIFEST]
    return ReceivedPackage(
        database_id=manifest["database_id"],
        sequence=manifest["sequence"],
        municipality_code=manifest["municipality"]["code"],
        manifest_sha256=manifest_sha256,
        created_at=_utc(manifest["created_at"]),
        received_at=received_at,
        file_name=path.name,
        building_count=manifest["counts"]["buildings"],
        change_count=manifest["counts"]["changes"],
        manifest=_json_text(manifest),
        changes=_json_text(documents[CHANGES]),
    )


def _insert_buildings(session: Session, package_id: int, buildings: list[dict[str, Any]]) -> None:
    if not buildings:
        return
    rows = [_building_row(package_id, item) for item in buildings]
    # Bulk inserts: a package of 2,000 buildings has some 40,000 values.
    ids = session.scalars(
        insert(ReceivedBuilding).returning(ReceivedBuilding.id, sort_by_parameter_order=True),
        rows,
    ).all()
    values = [
        _value_row(building_id, field, value)
        for building_id, item in zip(ids, buildings, strict=True)
        for field, value in item["fields"].items()
    ]
    if values:
        session.execute(insert(ReceivedValue), values)


def _building_row(package_id: int, item: dict[str, Any]) -> dict[str, Any]:
    portfolio = item["portfolio"]
    return {
        "package_id": package_id,
        "building_key": item["id"],
        "permanent_building_identifier": item["permanent_building_identifier"],
        "origin": item["origin"],
        "tenure": portfolio["tenure"],
        "holder_business_id": portfolio["holder_business_id"],
        "addresses": _json_text(item["addresses"]),
    }


def _value_row(building_id: int, field: str, item: dict[str, Any]) -> dict[str, Any]:
    changed_at = item.get("changed_at")
    return {
        "building_id": building_id,
        "field": field,
        "value": _json_text(item["value"]),
        "source": item["source"],
        "batch": item.get("batch"),
        "changed_at": _utc(changed_at) if changed_at is not None else None,
        "code_list": item.get("code_list"),
    }


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


# Reading back


def received_values(session: Session, building_id: int) -> dict[str, Any]:
    """Return the typed values of a received building by field name."""
    rows = session.execute(
        select(ReceivedValue.field, ReceivedValue.value).where(
            ReceivedValue.building_id == building_id
        )
    ).all()
    return {field: typed_value(field, json.loads(text)) for field, text in rows}


def counted_packages(session: Session) -> list[ReceivedPackage]:
    """Return the packages whose buildings count: per municipality, the current one created last."""
    current = session.scalars(
        select(ReceivedPackage)
        .where(ReceivedPackage.superseded_by_id.is_(None))
        .order_by(ReceivedPackage.created_at, ReceivedPackage.id)
    ).all()
    by_municipality = {package.municipality_code: package for package in current}
    return sorted(by_municipality.values(), key=lambda package: package.municipality_code)


def _counted_buildings(
    session: Session, packages: Iterable[ReceivedPackage]
) -> list[_CountedBuilding]:
    municipality_of = {package.id: package.municipality_code for package in packages}
    if not municipality_of:
        return []
    rows = session.execute(
        select(
            ReceivedBuilding.id,
            ReceivedBuilding.package_id,
            ReceivedBuilding.tenure,
            ReceivedValue.field,
            ReceivedValue.value,
        )
        .outerjoin(
            ReceivedValue,
            (ReceivedValue.building_id == ReceivedBuilding.id)
            & ReceivedValue.field.in_(_SUMMARY_FIELDS),
        )
        .where(ReceivedBuilding.package_id.in_(municipality_of))
    ).all()
    values: dict[int, dict[str, Any]] = {}
    places: dict[int, tuple[str, str]] = {}
    for building_id, package_id, tenure, field, text in rows:
        places[building_id] = (municipality_of[package_id], tenure)
        fields = values.setdefault(building_id, {})
        if field is not None:
            fields[field] = typed_value(field, json.loads(text))
    return [
        _counted(municipality, tenure, values[building_id])
        for building_id, (municipality, tenure) in places.items()
    ]


def _counted(municipality: str, tenure: str, values: dict[str, Any]) -> _CountedBuilding:
    class_code, _origin = building_class_2018_for(
        values.get("building_class_2018"), values.get("use_class_1994")
    )
    return _CountedBuilding(
        municipality_code=municipality,
        tenure=tenure,
        main_class=main_class_2018(class_code) if class_code is not None else None,
        gross_floor_area=values.get("gross_floor_area"),
    )


def _owned_sums(buildings: Iterable[_CountedBuilding]) -> FigureSums:
    """Sum the group-owned buildings per municipality and main class, nationally too."""
    sums = FigureSums()
    for building in buildings:
        if building.tenure != Tenure.OWNED:
            continue
        place = building.municipality_code
        sums.add("building_count", place, 1, class_code=building.main_class)
        if building.gross_floor_area is not None:
            area = building.gross_floor_area
            sums.add("gross_floor_area", place, area, class_code=building.main_class)
            sums.add("gross_floor_area_known_count", place, 1, class_code=building.main_class)
    return sums


def national_summary(database: Database) -> NationalSummary:
    """Return the national totals of the counted packages."""
    with database.read_session() as session:
        packages = counted_packages(session)
        buildings = _counted_buildings(session, packages)
    owned = [building for building in buildings if building.tenure == Tenure.OWNED]
    return NationalSummary(
        municipalities=len({package.municipality_code for package in packages}),
        packages=len(packages),
        buildings=len(buildings),
        owned_buildings=len(owned),
        gross_floor_area=sum(
            (b.gross_floor_area for b in owned if b.gross_floor_area is not None), Decimal(0)
        ),
        classes=_class_totals(owned),
    )


def _class_totals(owned: Sequence[_CountedBuilding]) -> tuple[ClassTotal, ...]:
    groups: dict[str, list[_CountedBuilding]] = {}
    for building in owned:
        groups.setdefault(building.main_class or UNKNOWN_CLASS, []).append(building)
    order = sorted(groups, key=lambda code: (code == UNKNOWN_CLASS, code))
    return tuple(
        ClassTotal(
            main_class=code,
            buildings=len(groups[code]),
            gross_floor_area=sum(
                (b.gross_floor_area for b in groups[code] if b.gross_floor_area is not None),
                Decimal(0),
            ),
            gross_floor_area_known=sum(1 for b in groups[code] if b.gross_floor_area is not None),
        )
        for code in order
    )


def national_reference(
    database: Database,
    *,
    now: datetime.datetime | None = None,
    licence: str = DEFAULT_LICENCE,
) -> ReferenceData:
    """Return reference figures (basis ``group_owned``) of the counted packages.

    ``building_count``, ``gross_floor_area`` and ``gross_floor_area_known_count`` per
    municipality and ``national``, in total and by 2018 main class. A building without
    a 2018 class, nor a 1994 class that the crosswalk maps, counts in the totals only.
    ``year`` is the year the newest counted package was created.
    """
    created = (now or utc_now()).astimezone(datetime.UTC)
    with database.read_session() as session:
        packages = counted_packages(session)
        buildings = _counted_buildings(session, packages)
    newest = max((package.created_at for package in packages), default=created)
    figures = _owned_sums(buildings).figures(
        class_scheme=MAIN_CLASS_SCHEME,
        year=newest.year,
        source=source_texts(REFERENCE_SOURCE, REFERENCE_SOURCE_DATED, newest.date()),
        basis=GROUP_OWNED,
        licence=licence,
    )
    inputs = [
        InputFile(
            file_name=package.file_name,
            sha256=package.manifest_sha256,
            source=PACKAGE_SOURCE,
            extraction_date=package.created_at.astimezone(datetime.UTC).date(),
            rows=package.building_count,
        )
        for package in packages
    ]
    log.info("National reference: %d packages, %d figures", len(packages), len(figures))
    return ReferenceData(
        created=created,
        figures=figures,
        inputs=inputs,
        description="Figures of the group-owned buildings that municipalities sent in update "
        "packages, aggregated by tilaapp aggregate",
    )


def history(database: Database, database_id: str) -> list[tuple[int, bool]]:
    """Return the received packages of a municipal database: (sequence, is current)."""
    with database.read_session() as session:
        rows = session.execute(
            select(ReceivedPackage.sequence, ReceivedPackage.superseded_by_id)
            .where(ReceivedPackage.database_id == database_id)
            .order_by(ReceivedPackage.sequence)
        ).all()
    return [(sequence, superseded is None) for sequence, superseded in rows]
