"""Background work: one worker thread that owns database writes, and cancellable tasks.

A job is a plain function that receives a ``TaskContext``. It runs on the worker thread,
never touches a widget, and reports progress through the context. Its result or error
comes back to the GUI thread through Qt signals, where the callbacks run.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from tilaapp.i18n import gettext as _

log = logging.getLogger(__name__)

T = TypeVar("T")

PROGRESS_INTERVAL = 0.1
"""Seconds between two progress signals: about ten updates a second."""

PROGRESS_DELAY_MS = 600
"""A progress dialog appears only for work that takes longer than this."""


class TaskContext:
    """The part of a task that its job uses: progress reporting and the cancel flag."""

    def __init__(self, key: int, cancelled: threading.Event, relay: _Relay) -> None:
        self._key = key
        self._cancelled = cancelled
        self._relay = relay
        self._last_report = 0.0

    def report(self, done: int, total: int) -> None:
        """Report progress; throttled, so a job may call this for every row."""
        now = time.monotonic()
        if now - self._last_report < PROGRESS_INTERVAL and done < total:
            return
        self._last_report = now
        self._relay.progressed.emit(self._key, done, total)

    def is_cancelled(self) -> bool:
        return self._cancelled.is_set()


class Task(QObject, Generic[T]):
    """One job submitted to the worker. Its signals are emitted on the GUI thread.

    Signals:
        progressed(done, total): throttled progress.
        succeeded(result): the job returned ``result``.
        failed(error): the job raised ``error``.
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.cancelled_event = threading.Event()
        self.running = True

    def cancel(self) -> None:
        log.info("Cancel requested for task %s", self.name)
        self.cancelled_event.set()

    def is_cancelled(self) -> bool:
        return self.cancelled_event.is_set()


@dataclass
class _Job:
    """A job waiting for or running on the worker thread, and afterwards its outcome."""

    key: int
    name: str
    function: Callable[[TaskContext], Any]
    cancelled: threading.Event
    ok: bool = False
    outcome: Any = None


class _Relay(QObject):
    """Carries progress and completion from the worker thread to the GUI thread.

    The worker thread emits only these signals, with a job's key. They reach the
    worker's slots through Qt's queued connections, so a task's own signals are always
    emitted on the GUI thread.
    """

    progressed = Signal(int, int, int)
    finished = Signal(int)


class Worker(QObject):
    """Runs jobs one at a time, in submission order, on one background thread.

    Every database write goes through this worker, so writes never run in parallel and
    the GUI thread never waits for one. The worker thread keeps no reference to a job
    once it has run: the job's closure may hold widgets, and Qt objects must be
    destroyed on the GUI thread.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._relay = _Relay(self)
        self._relay.progressed.connect(self._on_relay_progressed)
        self._relay.finished.connect(self._on_relay_finished)
        self._tasks: dict[int, Task[Any]] = {}
        self._done: dict[int, _Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._next_key = 0
        self._thread = threading.Thread(
            target=_serve, args=(self._queue, self._done, self._lock, self._relay),
            name="tilaapp-db", daemon=True,
        )  # fmt: skip
        self._thread.start()
        self._stopped = False

    def submit(
        self,
        name: str,
        job: Callable[[TaskContext], T],
        *,
        done: Callable[[T], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> Task[T]:
        """Run ``job`` on the worker thread; call ``done`` or ``failed`` on the GUI thread."""
        if self._stopped:
            raise RuntimeError("the worker has been shut down")
        task: Task[T] = Task(name)
        if done is not None:
            task.succeeded.connect(done)
        if failed is not None:
            task.failed.connect(failed)
        self._next_key += 1
        self._tasks[self._next_key] = task
        self._queue.put(_Job(self._next_key, name, job, task.cancelled_event))
        return task

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def cancel_all(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()

    def shutdown(self) -> None:
        """Cancel what can be cancelled and wait for the running job to finish."""
        if self._stopped:
            return
        self._stopped = True
        self.cancel_all()
        self._queue.put(None)
        self._thread.join()

    def _on_relay_progressed(self, key: int, done: int, total: int) -> None:
        task = self._tasks.get(key)
        if task is not None:
            task.progressed.emit(done, total)

    def _on_relay_finished(self, key: int) -> None:
        with self._lock:
            job = self._done.pop(key)
        task = self._tasks.pop(key)
        task.running = False
        if job.ok:
            task.succeeded.emit(job.outcome)
        else:
            task.failed.emit(job.outcome)


def _serve(
    jobs: queue.SimpleQueue[_Job | None],
    done: dict[int, _Job],
    lock: threading.Lock,
    relay: _Relay,
) -> None:
    while (job := jobs.get()) is not None:
        key = job.key
        _run(job, relay)
        with lock:
            done[key] = job
        # Drop this thread's reference before the GUI thread learns of the outcome, so
        # that the job's closure is released on the GUI thread.
        del job
        relay.finished.emit(key)


def _run(job: _Job, relay: _Relay) -> None:
    started = time.monotonic()
    context = TaskContext(job.key, job.cancelled, relay)
    try:
        job.outcome = job.function(context)
        job.ok = True
    except BaseException as error:
        log.info("Task %s failed after %.2f s: %r", job.name, time.monotonic() - started, error)
        job.outcome = error
        return
    log.debug("Task %s finished in %.2f s", job.name, time.monotonic() - started)


class DelayedProgress(QObject):
    """A progress dialog for one task that appears only when the task takes a while.

    The dialog's Cancel button cancels the task; the dialog closes when the task ends.
    """

    def __init__(self, task: Task[Any], label: str, parent: QWidget) -> None:
        super().__init__(parent)
        self._task = task
        self._dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
        self._dialog.setWindowTitle(_("Please wait"))
        self._dialog.setMinimumDuration(0)
        self._dialog.setAutoClose(False)
        self._dialog.setAutoReset(False)
        self._dialog.canceled.connect(self._on_dialog_canceled)
        self._dialog.hide()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start(PROGRESS_DELAY_MS)
        task.progressed.connect(self._on_task_progressed)
        task.succeeded.connect(self._on_task_finished)
        task.failed.connect(self._on_task_finished)

    @property
    def dialog(self) -> QProgressDialog:
        return self._dialog

    def _on_timer_timeout(self) -> None:
        if self._task.running:
            self._dialog.show()

    def _on_task_progressed(self, done: int, total: int) -> None:
        self._dialog.setMaximum(max(total, 0))
        self._dialog.setValue(min(done, total) if total else 0)

    def _on_dialog_canceled(self) -> None:
        self._dialog.setLabelText(_("Cancelling…"))
        self._task.cancel()

    def _on_task_finished(self, _outcome: object) -> None:
        self._timer.stop()
        self._dialog.hide()
        self._dialog.deleteLater()
        self.deleteLater()
