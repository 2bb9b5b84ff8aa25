"""The open database of a window, with its services, undo stack and worker."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from tilaapp.services.editing import EditService, EditStep, UndoStack
from tilaapp.services.list_query import ListReader
from tilaapp.services.listing import ensure_list
from tilaapp.services.portfolio_edit import PortfolioService
from tilaapp.services.repairs import RepairService
from tilaapp.storage.database import Database, open_database
from tilaapp.ui.tasks import Task, TaskContext, Worker

log = logging.getLogger(__name__)

T = TypeVar("T")


class Workspace(QObject):
    """One open database and everything that reads or writes it.

    Reads that are quick (one page of the register list, one building) run on the GUI
    thread with ``read_session``. Writes run on the worker with ``write``, which emits
    ``buildings_changed`` when they succeed, so that every view can refresh.

    Signals:
        buildings_changed(ids): local values, portfolio or register values of the
            buildings with these database ids changed; an empty list means any building.
        undo_changed(): the undo or redo step on offer changed.
    """

    buildings_changed = Signal(list)
    undo_changed = Signal()

    def __init__(
        self,
        database_path: Path,
        *,
        is_demo: bool = False,
        os_user: str | None = None,
        list_reader: ListReader | None = None,
        parent: QObject | None = None,
    ) -> None:
        """Open ``database_path``; ``list_reader`` is one already open on the same file."""
        super().__init__(parent)
        self.database_path = database_path
        self.is_demo = is_demo
        self.database: Database = open_database(database_path, create=False)
        self.list_reader = list_reader or ListReader(database_path)
        self.undo_stack = UndoStack()
        self.edits = EditService(self.database, os_user=os_user, undo_stack=self.undo_stack)
        self.portfolio = PortfolioService(
            self.database, os_user=self.edits.os_user, undo_stack=self.undo_stack
        )
        self.repairs = RepairService(
            self.database, os_user=self.edits.os_user, undo_stack=self.undo_stack
        )
        self.worker = Worker(self)
        self.undo_stack.add_listener(self.undo_changed.emit)
        self._complete_list()
        log.info("Opened workspace on %s", database_path)

    def _complete_list(self) -> None:
        """Build the register list rows a database upgraded from an older version lacks."""

        def job(_context: TaskContext) -> int:
            with self.database.session() as session:
                return ensure_list(session)

        def done(built: int) -> None:
            if built:
                self.buildings_changed.emit([])

        self.worker.submit("complete the register list", job, done=done)

    def read_session(self) -> Any:
        return self.database.read_session()

    def write(
        self,
        name: str,
        job: Callable[[TaskContext], T],
        *,
        changed: Callable[[T], Sequence[int]] | None = None,
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> Task[T]:
        """Run a writing job on the worker.

        ``changed`` maps the job's result to the ids of the buildings it changed; without
        it, every building counts as changed.
        """

        def on_done(result: T) -> None:
            ids = list(changed(result)) if changed is not None else []
            self.buildings_changed.emit(ids)
            if done is not None:
                done(result)

        return self.worker.submit(name, job, done=on_done, failed=failed)

    def write_step(
        self,
        name: str,
        job: Callable[[], EditStep | None],
        *,
        done: Callable[[EditStep | None], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> Task[EditStep | None]:
        """Run an edit, undo or redo on the worker; the step names the changed buildings."""
        return self.write(
            name, lambda _context: job(), changed=step_building_ids, done=done, failed=failed
        )

    def undo(self, *, failed: Callable[[BaseException], None] | None = None) -> None:
        self.write_step("undo", self.edits.undo, failed=failed)

    def redo(self, *, failed: Callable[[BaseException], None] | None = None) -> None:
        self.write_step("redo", self.edits.redo, failed=failed)

    def workspace_reloaded(self) -> None:
        """Tell every view that any building may have changed, as after an import.

        The undo stack is cleared: an import changes register values, so older steps
        could no longer be undone safely.
        """
        self.undo_stack.clear()
        self.buildings_changed.emit([])

    def close(self) -> None:
        """Finish the running job, then close the database."""
        self.worker.shutdown()
        self.list_reader.close()
        self.database.close()
        log.info("Closed workspace on %s", self.database_path)


def step_building_ids(step: EditStep | None) -> list[int]:
    if step is None:
        return []
    ids = {change.building_id for change in step.changes}
    ids.update(added.building_id for added in step.added_buildings)
    ids.update(added.building_id for added in step.removed_buildings)
    return sorted(ids)
