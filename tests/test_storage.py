"""Database files: creation, schema checks, exact column types, backups."""

from __future__ import annotations

import datetime
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

import tilaapp.storage.database as database_module
from tilaapp.domain.dates import PartialDate
from tilaapp.domain.fields import FIELDS_BY_NAME, REGISTER_FIELDS, FieldKind
from tilaapp.storage.database import (
    Database,
    ForeignKeyCheckFailed,
    NotADatabaseError,
    SchemaTooNewError,
    backup_database,
    open_database,
    utc_now,
)
from tilaapp.storage.models import (
    Base,
    Building,
    BuildingOrigin,
    DatabaseInfo,
    ImportBatch,
    LocalValue,
    Municipality,
    RegisterFieldsMixin,
    RegisterValue,
)
from tilaapp.storage.types import ScaleError


def _batch(session, scope: str = "all") -> ImportBatch:  # type: ignore[no-untyped-def]
    batch = ImportBatch(
        file_name="x.xlsx",
        sha256="0" * 64,
        source="dvv_extract",
        scope=scope,
        extraction_date=datetime.date(2024, 1, 1),
        extraction_date_origin="option",
        imported_at=utc_now(),
        os_user="tester",
    )
    session.add(batch)
    session.flush()
    return batch


def _building(session) -> Building:  # type: ignore[no-untyped-def]
    building = Building(origin=BuildingOrigin.REGISTER, created_at=utc_now())
    session.add(building)
    session.flush()
    return building


def test_new_database_has_info_and_municipalities(tmp_path: Path) -> None:
    database = open_database(tmp_path / "new.sqlite")
    with database.read_session() as session:
        info = session.get(DatabaseInfo, 1)
        count = len(session.scalars(select(Municipality.code)).all())
        honkajoki = session.get(Municipality, "099")
    database.close()
    assert database.created
    assert info is not None and len(info.database_id) == 36
    assert count >= 309
    assert honkajoki is not None and honkajoki.merged_into_code == "214"


def test_foreign_keys_on_every_connection(tmp_path: Path) -> None:
    database = open_database(tmp_path / "fk.sqlite")
    for _ in range(3):
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    database.close()


def test_foreign_key_violation_rejected(tmp_path: Path) -> None:
    database = open_database(tmp_path / "fk.sqlite")
    with pytest.raises(IntegrityError), database.session() as session:
        session.add(LocalValue(building_id=999))
    database.close()


def _foreign_keys(database: Database) -> set[int]:
    """Return the foreign key setting of every connection that the engine's pool holds."""
    settings: set[int] = set()
    connections = [database.engine.connect() for _ in range(2)]
    for connection in connections:
        settings.add(connection.exec_driver_sql("PRAGMA foreign_keys").scalar())
        connection.close()
    return settings


def test_bulk_session_rejects_missing_reference(tmp_path: Path) -> None:
    database = open_database(tmp_path / "bulk.sqlite")
    with pytest.raises(ForeignKeyCheckFailed) as failure, database.bulk_session() as session:
        assert session.connection().exec_driver_sql("PRAGMA foreign_keys").scalar() == 0
        session.add(LocalValue(building_id=999))
    assert failure.value.tables == ["local_value"]
    with database.read_session() as session:
        assert session.scalars(select(LocalValue)).all() == []
    assert _foreign_keys(database) == {1}
    database.close()


def test_bulk_session_restores_foreign_keys(tmp_path: Path) -> None:
    database = open_database(tmp_path / "bulk.sqlite")
    with database.bulk_session() as session:
        session.add(Building(id=7, origin=BuildingOrigin.REGISTER, created_at=utc_now()))
        session.add(LocalValue(building_id=7))
    with pytest.raises(RuntimeError), database.bulk_session() as session:
        session.add(LocalValue(building_id=998))
        raise RuntimeError("stop")
    with database.read_session() as session:
        assert [value.building_id for value in session.scalars(select(LocalValue))] == [7]
    assert _foreign_keys(database) == {1}
    database.close()


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.skipif(not hasattr(os, "fdatasync"), reason="the system has no fdatasync")
def test_bulk_session_flushes_in_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(tmp_path / "bulk.sqlite")
    flushed: list[int] = []
    fdatasync = os.fdatasync
    monkeypatch.setattr(database_module, "FLUSH_INTERVAL", 0.01)

    def recording(fd: int) -> None:
        flushed.append(fd)
        fdatasync(fd)

    monkeypatch.setattr(os, "fdatasync", recording)
    with database.bulk_session() as session:
        session.add(Building(id=7, origin=BuildingOrigin.REGISTER, created_at=utc_now()))
        session.flush()
        _wait_for(lambda: len(flushed) >= 2)
    count = len(flushed)
    time.sleep(0.05)
    assert count >= 2
    assert len(flushed) == count
    assert not [thread for thread in threading.enumerate() if thread.name == "flush"]
    database.close()


@pytest.mark.skipif(not hasattr(os, "fdatasync"), reason="the system has no fdatasync")
def test_failed_background_flush_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    database = open_database(tmp_path / "bulk.sqlite")

    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(database_module, "FLUSH_INTERVAL", 0.01)
    monkeypatch.setattr(os, "fdatasync", failing)
    with database.bulk_session() as session:
        session.add(Building(id=7, origin=BuildingOrigin.REGISTER, created_at=utc_now()))
        _wait_for(lambda: "Background flush" in caplog.text)
    assert "Background flush of" in caplog.text
    with database.read_session() as session:
        assert session.get(Building, 7) is not None
    database.close()


def test_migrations_build_model_schema(tmp_path: Path) -> None:
    from alembic import command

    from tilaapp.storage.database import alembic_config, create_sqlite_engine

    engine = create_sqlite_engine(tmp_path / "migrated.sqlite")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_new_database_matches_migrated(tmp_path: Path) -> None:
    from alembic import command

    from tilaapp.storage.database import alembic_config, create_sqlite_engine

    migrated = create_sqlite_engine(tmp_path / "migrated.sqlite")
    config = alembic_config()
    with migrated.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    open_database(tmp_path / "created.sqlite").close()

    def schema(path: Path) -> set[tuple[str, str]]:
        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            ).fetchall()
        return set(rows)

    migrated.dispose()
    assert schema(tmp_path / "created.sqlite") == schema(tmp_path / "migrated.sqlite")


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite"
    open_database(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    before = path.read_bytes()
    with pytest.raises(SchemaTooNewError) as raised:
        open_database(path)
    assert raised.value.revision == "9999_future"
    assert path.read_bytes() == before


def test_other_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("not a database", encoding="utf-8")
    with pytest.raises(NotADatabaseError):
        open_database(path)


def test_foreign_sqlite_database_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    with pytest.raises(NotADatabaseError):
        open_database(path)


def test_missing_database_not_created(tmp_path: Path) -> None:
    path = tmp_path / "missing.sqlite"
    with pytest.raises(Exception, match="not found"):
        open_database(path, create=False)
    assert not path.exists()


def test_exact_types_round_trip(tmp_path: Path) -> None:
    database = open_database(tmp_path / "types.sqlite")
    with database.session() as session:
        building = _building(session)
        session.add(
            LocalValue(
                building_id=building.id,
                gross_floor_area=Decimal("1450.5"),
                volume=Decimal("0.001"),
                replacement_cost=Decimal("1234567.89"),
                completion_date=PartialDate(1962, 8),
                condition_date=PartialDate(2020, 2, 1),
            )
        )
    with database.read_session() as session:
        local = session.get(LocalValue, building.id)
        raw = session.execute(
            text("SELECT gross_floor_area, replacement_cost, completion_date FROM local_value")
        ).one()
    database.close()
    assert local is not None
    assert local.gross_floor_area == Decimal("1450.5")
    assert str(local.gross_floor_area) == "1450.5"
    assert local.volume == Decimal("0.001")
    assert local.replacement_cost == Decimal("1234567.89")
    assert local.completion_date == PartialDate(1962, 8)
    assert local.condition_date == PartialDate(2020, 2, 1)
    assert tuple(raw) == (1450500, 123456789, "1962-08")


def test_too_many_fraction_digits_rejected(tmp_path: Path) -> None:
    database = open_database(tmp_path / "scale.sqlite")
    with pytest.raises(StatementError) as raised, database.session() as session:
        building = _building(session)
        session.add(LocalValue(building_id=building.id, gross_floor_area=Decimal("1.0005")))
    database.close()
    assert isinstance(raised.value.orig, ScaleError)


def test_old_identifier_unique_while_present(tmp_path: Path) -> None:
    database = open_database(tmp_path / "old.sqlite")
    with pytest.raises(IntegrityError), database.session() as session:
        batch = _batch(session)
        for _ in range(2):
            building = _building(session)
            session.add(
                RegisterValue(
                    building_id=building.id,
                    source="dvv_extract",
                    batch_id=batch.id,
                    scope="all",
                    extraction_date=batch.extraction_date,
                    old_building_identifier="39800100010001-001",
                )
            )
            session.flush()
    database.close()


def test_absent_building_releases_old_identifier(tmp_path: Path) -> None:
    database = open_database(tmp_path / "old.sqlite")
    with database.session() as session:
        batch = _batch(session)
        for present in (False, True):
            building = _building(session)
            session.add(
                RegisterValue(
                    building_id=building.id,
                    source="dvv_extract",
                    batch_id=batch.id,
                    scope="all",
                    extraction_date=batch.extraction_date,
                    is_present=present,
                    old_building_identifier="39800100010001-001",
                )
            )
    with database.read_session() as session:
        count = len(session.scalars(select(RegisterValue.id)).all())
    database.close()
    assert count == 2


def test_backup_is_a_readable_copy(tmp_path: Path) -> None:
    path = tmp_path / "main.sqlite"
    database = open_database(path)
    with database.session() as session:
        _building(session)
    database.close()
    copy = backup_database(path, reason="test")
    with sqlite3.connect(copy) as connection:
        count = connection.execute("SELECT count(*) FROM building").fetchone()[0]
    assert copy.parent == tmp_path / "main-backups"
    assert count == 1


def test_register_columns_match_field_catalogue() -> None:
    columns = {
        name
        for name in dir(RegisterFieldsMixin)
        if not name.startswith("_") and name != "metadata" and name != "registry"
    }
    assert columns == {spec.name for spec in REGISTER_FIELDS}


def test_local_columns_cover_every_field() -> None:
    columns = set(LocalValue.__table__.columns.keys()) - {"building_id"}
    assert columns == set(FIELDS_BY_NAME)


@pytest.mark.parametrize(
    ("kind", "python_type"),
    [
        (FieldKind.DECIMAL, Decimal),
        (FieldKind.MONEY, Decimal),
        (FieldKind.INTEGER, int),
        (FieldKind.BOOLEAN, bool),
        (FieldKind.DATE, PartialDate),
        (FieldKind.TEXT, str),
        (FieldKind.CODE, str),
    ],
)
def test_column_types_follow_field_kinds(kind: FieldKind, python_type: type) -> None:
    table = LocalValue.__table__
    for spec in FIELDS_BY_NAME.values():
        if spec.kind is kind:
            assert table.columns[spec.name].type.python_type is python_type, spec.name


def test_revision_list_matches_migrations() -> None:
    from alembic.script import ScriptDirectory

    from tilaapp.storage.database import HEAD_REVISION, SCHEMA_REVISIONS, alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    walked = [revision.revision for revision in script.walk_revisions()]
    assert list(SCHEMA_REVISIONS) == list(reversed(walked))
    assert script.get_heads() == [HEAD_REVISION]
