"""The background worker: results, errors, order, progress and cancel."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from tilaapp.ui.tasks import TaskContext, Worker


def test_worker_result_on_gui_thread(qtbot: QtBot) -> None:
    worker = Worker()
    results: list[tuple[int, bool]] = []

    def job(_context: TaskContext) -> int:
        return threading.get_ident()

    main_thread = threading.get_ident()
    task = worker.submit(
        "ident",
        job,
        done=lambda ident: results.append((ident, threading.get_ident() == main_thread)),
    )
    qtbot.waitUntil(lambda: not task.running)
    worker.shutdown()

    assert results[0][0] != main_thread
    assert results[0][1]


def test_worker_error(qtbot: QtBot) -> None:
    worker = Worker()
    errors: list[BaseException] = []

    def job(_context: TaskContext) -> None:
        raise ValueError("broken")

    worker.submit("broken", job, failed=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    worker.shutdown()

    assert isinstance(errors[0], ValueError)


def test_worker_order(qtbot: QtBot) -> None:
    worker = Worker()
    seen: list[int] = []
    for n in range(5):
        worker.submit(str(n), lambda _c, n=n: n, done=seen.append)
    qtbot.waitUntil(lambda: len(seen) == 5)
    worker.shutdown()

    assert seen == [0, 1, 2, 3, 4]


def test_worker_cancel_after_progress(qtbot: QtBot) -> None:
    worker = Worker()
    release = threading.Event()
    connected = threading.Event()

    def job(context: TaskContext) -> str:
        connected.wait(5)
        context.report(1, 10)
        release.wait(5)
        return "cancelled" if context.is_cancelled() else "finished"

    outcomes: list[str] = []
    progress: list[int] = []
    task = worker.submit("slow", job, done=outcomes.append)
    task.progressed.connect(lambda done, _total: progress.append(done))
    connected.set()
    qtbot.waitUntil(lambda: bool(progress))
    task.cancel()
    release.set()
    qtbot.waitUntil(lambda: bool(outcomes))
    worker.shutdown()

    assert outcomes == ["cancelled"]


def test_progress_throttled(qtbot: QtBot) -> None:
    worker = Worker()
    reports: list[tuple[int, int]] = []

    def job(context: TaskContext) -> None:
        for done in range(1, 10_001):
            context.report(done, 10_000)

    started = threading.Event()

    def gated(context: TaskContext) -> None:
        started.wait(5)
        job(context)

    task = worker.submit("many", gated)
    task.progressed.connect(lambda done, total: reports.append((done, total)))
    started.set()
    qtbot.waitUntil(lambda: bool(reports) and reports[-1][0] == 10_000)
    worker.shutdown()

    assert len(reports) < 100
    assert reports[-1] == (10_000, 10_000)
