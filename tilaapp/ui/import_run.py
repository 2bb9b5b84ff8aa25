"""One import of register files, run on the worker thread with throttled progress."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from sqlalchemy.exc import SQLAlchemyError

from tilaapp.i18n import gettext as _
from tilaapp.services.importing import ImportCancelled, ImportOptions, ImportReport, import_files
from tilaapp.services.listing import ensure_list
from tilaapp.services.portfolio_edit import PortfolioError, PortfolioService
from tilaapp.storage.database import StorageError, open_database
from tilaapp.ui.errors import user_message
from tilaapp.ui.tasks import Task, TaskContext, Worker

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress signals: at most ten updates a second."""


class ProgressThrottle:
    """A gate for progress updates: at most one per ``interval`` seconds, the first always."""

    def __init__(
        self, interval: float = PROGRESS_INTERVAL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._interval = interval
        self._clock = clock
        self._last: float | None = None

    def ready(self) -> bool:
        """Return whether an update may be sent now, and if so count it as sent."""
        now = self._clock()
        if self._last is not None and now - self._last < self._interval:
            return False
        self._last = now
        return True


class ImportRun(QObject):
    """Runs ``import_files`` as one job on a ``Worker``.

    After a successful import, ``entity_names`` (business ID to name) name the holder
    entities of the municipal group in a second transaction.

    Signals (all delivered on the GUI thread):
        progressed(text, count): the file name and the number of buildings read so far,
            as ``import_files`` reports them, at most ten times a second.
        finished(report): the ``ImportReport``.
        cancelled(): the import stopped at the user's request and wrote nothing.
        failed(error): the import raised ``error``; the database was not changed.
    """

    progressed = Signal(str, int)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(object)

    def __init__(
        self,
        worker: Worker,
        database_path: Path,
        paths: Sequence[Path],
        options: ImportOptions,
        *,
        entity_names: Mapping[str, str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.database_path = database_path
        self.paths = list(paths)
        self.options = options
        self.entity_names = dict(entity_names or {})
        self._worker = worker
        self._task: Task[ImportReport] | None = None
        self._cancel_requested = threading.Event()

    @property
    def running(self) -> bool:
        return self._task is not None

    def start(self) -> None:
        """Submit the import to the worker. It runs after any job queued before it."""
        if self._task is not None:
            raise RuntimeError("this import is already running")
        log.info("Starting import of %s into %s", self.paths, self.database_path)
        self._task = self._worker.submit(
            "import", self._run, done=self._on_done, failed=self._on_failed
        )

    def cancel(self) -> None:
        """Ask the running import to stop. ``cancelled`` follows when it has stopped."""
        self._cancel_requested.set()
        if self._task is not None:
            self._task.cancel()

    def _is_cancelled(self) -> bool:
        return self._cancel_requested.is_set()

    def _run(self, context: TaskContext) -> ImportReport:
        """Import on the worker thread, emitting ``progressed`` from there."""
        throttle = ProgressThrottle()

        def progress(text: str, count: int) -> None:
            if throttle.ready():
                self.progressed.emit(text, count)

        if self._is_cancelled():
            raise ImportCancelled()
        report = import_files(
            self.database_path,
            self.paths,
            self.options,
            progress=progress,
            is_cancelled=self._is_cancelled,
        )
        if self.entity_names:
            self._name_entities()
        complete_list(self.database_path)
        return report

    def _name_entities(self) -> None:
        """Name the holder entities. The import has committed by now, so a failure only logs."""
        try:
            name_entities(self.database_path, self.entity_names)
        except (PortfolioError, StorageError, SQLAlchemyError, OSError) as error:
            log.warning("Holder entities in %s were not named: %s", self.database_path, error)

    def _on_done(self, report: ImportReport) -> None:
        self._task = None
        log.info("Import into %s finished", self.database_path)
        self.finished.emit(report)

    def _on_failed(self, error: BaseException) -> None:
        self._task = None
        if isinstance(error, ImportCancelled):
            log.info("Import into %s cancelled", self.database_path)
            self.cancelled.emit()
            return
        self.failed.emit(error)


def complete_list(database_path: Path) -> int:
    """Build the register list rows a bulk load left out, so the view shows every building.

    Runs after the import has committed, in a transaction of its own.
    """
    database = open_database(database_path, create=False)
    try:
        with database.session() as session:
            return ensure_list(session)
    finally:
        database.close()


def name_entities(database_path: Path, names: Mapping[str, str]) -> None:
    """Give the holder entities with these business IDs their names, skipping empty ones.

    A name that cannot be stored is logged and skipped, so the other entities still get
    theirs.
    """
    database = open_database(database_path, create=False)
    try:
        service = PortfolioService(database)
        for entity in service.list_holder_entities():
            name = names.get(entity.business_id, "").strip()
            if not name or name == entity.name:
                continue
            try:
                service.update_holder_entity(entity.id, name=name, kind=entity.kind)
            except PortfolioError as error:
                log.warning("Holder entity %s kept its name: %s", entity.business_id, error)
    finally:
        database.close()


def import_error_message(error: BaseException) -> str:
    """Return the user's message for an import that failed with ``error``.

    An error that no typed message describes is logged with its traceback.
    """
    message = user_message(error)
    if message is not None:
        return message
    log.error("Import failed unexpectedly", exc_info=error)
    return _(
        "The import failed because of an error that tilaapp did not expect. The details "
        "are in the log file. Try again, or send the log file to whoever supports you."
    )
