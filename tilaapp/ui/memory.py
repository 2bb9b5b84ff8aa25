"""Python's cyclic garbage collection, run on the GUI thread only."""

from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

COLLECT_INTERVAL_MS = 2_000


class GarbageCollector(QObject):
    """Turns off automatic collection and collects on a GUI-thread timer instead.

    Automatic collection starts in whichever thread happens to allocate, the database
    worker included. A Qt object collected there is destroyed off its own thread, which
    crashes Qt at random moments.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(COLLECT_INTERVAL_MS)

    def collect(self) -> int:
        found = gc.collect()
        if found:
            log.debug("Garbage collection found %d objects", found)
        return found

    def stop(self) -> None:
        """Stop the timer and give collection back to Python."""
        self._timer.stop()
        gc.enable()
