"""Opening a database: engine, pragmas, migrations, schema version check, backups."""

from __future__ import annotations

import datetime
import getpass
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from tilaapp.storage.files import HEAD_REVISION, SCHEMA_REVISIONS
from tilaapp.storage.models import Base, DatabaseInfo
from tilaapp.storage.reference import seed_municipalities

log = logging.getLogger(__name__)

BACKUPS_KEPT = 20
# Seconds between the background flushes of a bulk session's database file.
FLUSH_INTERVAL = 2.0

# The sqlite3 module binds None only after looking for an adapter, which fails slowly.
# With an adapter that returns None, 300,000 inserts of 6 values, 3 of them None, took
# 0.36 s instead of 0.56 s. dict.get is a C function that returns None for a missing key.
sqlite3.register_adapter(type(None), cast("Callable[[None], None]", {}.get))


class StorageError(Exception):
    """A database cannot be opened or used."""


class DatabaseNotFound(StorageError):
    """A command that reads a database was given a path with no database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path}: database not found")


class ForeignKeyCheckFailed(StorageError):
    """Rows written without foreign key enforcement refer to rows that do not exist."""

    def __init__(self, path: Path, tables: list[str]) -> None:
        self.path = path
        self.tables = tables
        super().__init__(f"{path}: rows of {', '.join(tables)} refer to missing rows")


class SchemaTooNewError(StorageError):
    """The database was written by a newer version of tilaapp."""

    def __init__(self, path: Path, revision: str) -> None:
        self.path = path
        self.revision = revision
        super().__init__(f"{path}: schema revision {revision} is newer than this application")


class NotADatabaseError(StorageError):
    """The file exists but is not a tilaapp database."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: not a tilaapp database ({detail})")


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def operating_system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    # pysqlite's own transaction handling would issue BEGIN lazily and break savepoints;
    # transactions are begun explicitly in _on_begin instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _enforce_foreign_keys(connection: Connection, driver: sqlite3.Connection) -> None:
    """Turn foreign key enforcement back on, or drop a connection that is left without it."""
    try:
        if not driver.in_transaction:
            driver.execute("PRAGMA foreign_keys=ON")
            if driver.execute("PRAGMA foreign_keys").fetchone() == (1,):
                return
    except sqlite3.Error as error:
        log.error("Restoring foreign key enforcement failed: %s", error)
    log.error("Foreign key enforcement could not be restored, so the connection is closed")
    connection.invalidate()


def create_sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", lambda connection: connection.exec_driver_sql("BEGIN"))
    return engine


def alembic_config() -> Any:
    """Return the Alembic configuration that finds the migrations inside the package."""
    from alembic.config import Config

    config = Config()
    location = resources.files("tilaapp.storage") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


@dataclass
class Database:
    """An open database file."""

    path: Path
    engine: Engine
    created: bool
    """True when this open created the file."""

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session whose work is one transaction, committed on success."""
        with self._sessions.begin() as session:
            yield session

    @contextmanager
    def bulk_session(self) -> Iterator[Session]:
        """Yield a session like ``session`` whose transaction does not enforce foreign keys.

        For bulk loads: SQLite then skips looking up the rows each inserted row refers to.
        Instead, every foreign key of the database is checked before the commit, and a
        violation rolls the transaction back and raises ``ForeignKeyCheckFailed``. A table
        whose writer checked its rows itself (``references_checked``) is skipped. The
        pragma cannot change inside a transaction, so it is set on the connection before
        the transaction begins and set back in a ``finally`` after it ends. Until the
        commit, the file's written pages go to disk in the background (``_BackgroundFlush``).
        """
        with self.engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with (
                    Session(bind=connection, expire_on_commit=False) as session,
                    session.begin(),
                    _BackgroundFlush(self.path),
                ):
                    yield session
                    session.flush()
                    self._check_foreign_keys(session)
            finally:
                _enforce_foreign_keys(connection, driver)

    def _check_foreign_keys(self, session: Session) -> None:
        connection = session.connection()
        skipped = _tables_checked_by_writer(session)
        if skipped:
            names = connection.exec_driver_sql(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
            ).scalars()
            checks = [f'PRAGMA foreign_key_check("{n}")' for n in names if n not in skipped]
            log.info(
                "Foreign key check of %s skips %s, checked by their writer",
                self.path,
                ", ".join(skipped),
            )
        else:
            checks = ["PRAGMA foreign_key_check"]
        violations: list[Any] = []
        for check in checks:
            result = connection.exec_driver_sql(check)
            # The first rows name enough tables: a broken load could have millions.
            violations += result.fetchmany(1000)
            result.close()
        if violations:
            tables = sorted({str(row[0]) for row in violations})
            log.error("Foreign key check of %s failed in %s", self.path, ", ".join(tables))
            raise ForeignKeyCheckFailed(self.path, tables)

    def read_session(self) -> Session:
        return self._sessions()

    def info(self) -> DatabaseInfo:
        with self._sessions() as session:
            info = session.get(DatabaseInfo, 1)
        if info is None:
            raise NotADatabaseError(self.path, "database_info row missing")
        return info

    def close(self) -> None:
        self.engine.dispose()


_CHECKED_BY_WRITER = "tilaapp.references_checked"


def references_checked(session: Session, table: str, rows: int) -> None:
    """Record that the caller wrote every row of ``table`` in this session, ``rows`` rows
    with rowids 1 to ``rows``, and checked that each refers to rows that exist.

    The foreign key check of a bulk session then skips the table, unless its last rowid is
    no longer ``rows``: a row that other code added is checked with the rest.
    """
    session.info.setdefault(_CHECKED_BY_WRITER, {})[table] = rows


def _tables_checked_by_writer(session: Session) -> list[str]:
    """Return the tables recorded with ``references_checked`` that still end at the rowid
    recorded for them."""
    recorded: dict[str, int] = session.info.get(_CHECKED_BY_WRITER, {})
    connection = session.connection()
    return [
        table
        for table, rows in sorted(recorded.items())
        if connection.exec_driver_sql(f'SELECT max(rowid) FROM "{table}"').scalar() == rows
    ]


class _BackgroundFlush:
    """Writes a database file's changed pages to disk from a thread while a bulk load runs.

    The commit then has little left to write. Loading the whole country (1.2 GB), the
    commit took 0.67 s without it and 0.03 s with it. It runs only where the system has
    ``fdatasync``, which writes the file's data to disk without changing it.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="flush", daemon=True)

    def __enter__(self) -> _BackgroundFlush:
        if hasattr(os, "fdatasync"):
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            descriptor = os.open(self._path, os.O_RDONLY)
        except OSError as error:
            log.warning(
                "Could not open %s for the background flush, so the commit writes it all: %s",
                self._path,
                error,
            )
            return
        try:
            while not self._stop.wait(FLUSH_INTERVAL):
                os.fdatasync(descriptor)
        except OSError as error:
            log.warning("Background flush of %s failed: %s", self._path, error)
        finally:
            os.close(descriptor)


def _current_revision(engine: Engine) -> str | None:
    """Return the revision Alembic recorded, or None for a database without one."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    if len(rows) != 1:
        return None
    return str(rows[0][0])


def _check_is_sqlite(path: Path) -> None:
    with path.open("rb") as file:
        header = file.read(16)
    if header and header != b"SQLite format 3\x00":
        raise NotADatabaseError(path, "not an SQLite file")


def _migrate(engine: Engine, path: Path) -> None:
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("Migrated database %s to %s", path, HEAD_REVISION)


def _create_schema(engine: Engine, path: Path) -> None:
    """Create the head schema of a new database from the models and record its revision.

    A test checks that the migrations build exactly this schema, so a new database does
    not need to run them (nor import Alembic).
    """
    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        connection.exec_driver_sql(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
        connection.exec_driver_sql(
            "INSERT INTO alembic_version (version_num) VALUES (?)", (HEAD_REVISION,)
        )
    log.info("Created the schema of %s at revision %s", path, HEAD_REVISION)


def _check_schema(engine: Engine, path: Path) -> bool:
    """Return True when the schema needs migrating; raise when it is newer than known."""
    revision = _current_revision(engine)
    if revision is None:
        if inspect(engine).get_table_names():
            raise NotADatabaseError(path, "tables without a tilaapp schema version")
        return True
    if revision not in SCHEMA_REVISIONS:
        raise SchemaTooNewError(path, revision)
    return revision != HEAD_REVISION


def _insert_database_info(database: Database) -> None:
    with database.session() as session:
        if session.get(DatabaseInfo, 1) is None:
            session.add(DatabaseInfo(id=1, database_id=str(uuid.uuid4()), created_at=utc_now()))


def open_database(path: Path, *, create: bool = True) -> Database:
    """Open ``path``, creating and migrating it as needed.

    An existing database that is behind the application's schema is backed up before it
    is migrated; one that is newer is refused with ``SchemaTooNewError``.
    """
    existed = path.exists() and path.stat().st_size > 0
    if not existed and not create:
        raise DatabaseNotFound(path)
    if existed:
        _check_is_sqlite(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    engine = create_sqlite_engine(path)
    try:
        needs_migration = _check_schema(engine, path)
        if needs_migration and existed:
            backup_database(path, reason="before-upgrade")
            _migrate(engine, path)
        elif needs_migration:
            _create_schema(engine, path)
    except sqlite3.DatabaseError as error:
        engine.dispose()
        raise NotADatabaseError(path, str(error)) from error
    except BaseException:
        engine.dispose()
        raise

    database = Database(path=path, engine=engine, created=not existed)
    if not existed:
        _insert_database_info(database)
        log.info("Created database %s", path)
    with database.session() as session:
        seed_municipalities(session)
    return database


def backups_folder(path: Path) -> Path:
    return path.parent / f"{path.stem}-backups"


def backup_database(path: Path, *, reason: str) -> Path:
    """Copy the database with SQLite's online backup API and return the copy's path.

    The oldest copies beyond ``BACKUPS_KEPT`` are removed.
    """
    folder = backups_folder(path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utc_now().strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{path.stem}-{stamp}-{reason}.sqlite"

    source_connection = sqlite3.connect(path)
    target_connection = sqlite3.connect(target)
    try:
        with target_connection:
            source_connection.backup(target_connection)
    finally:
        target_connection.close()
        source_connection.close()

    log.info("Backed up %s to %s (%s)", path, target, reason)
    _prune_backups(folder)
    return target


def _prune_backups(folder: Path) -> None:
    copies = sorted(folder.glob("*.sqlite"))
    for old in copies[:-BACKUPS_KEPT]:
        old.unlink()
        log.info("Removed old backup %s", old)
