"""Progress of a long command on one line of the terminal."""

from __future__ import annotations

import io
import os
import shutil
import sys
import time
from collections.abc import Callable
from typing import TextIO

from tilaapp.domain.formatting import format_decimal
from tilaapp.i18n import ngettext

# Seconds between two updates of the line.
UPDATE_INTERVAL = 0.5


class ProgressLine:
    """Rewrites one line of a terminal with the buildings an import has read so far.

    It writes nothing where ``stream`` is not a terminal, so that redirected output and
    scripts see only the report. The first update waits ``UPDATE_INTERVAL`` too, so that
    a quick import prints no line at all.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._enabled = self._stream.isatty()
        self._clock = clock
        self._last = clock()
        self._width = 0

    def __call__(self, file_name: str, count: int) -> None:
        if not self._enabled:
            return
        now = self._clock()
        if now - self._last < UPDATE_INTERVAL:
            return
        self._last = now

        text = ngettext("{file}: {count} building read", "{file}: {count} buildings read", count)
        self._write(text.format(file=file_name, count=format_decimal(count)))

    def clear(self) -> None:
        """Remove the line, so that the report starts at the beginning of an empty line."""
        if self._width:
            self._write("")
            self._stream.write("\r")
            self._stream.flush()
            self._width = 0

    def _write(self, text: str) -> None:
        # A line as wide as the terminal or wider would wrap, and the carriage return
        # would then rewrite only its last part.
        text = text[: max(0, self._columns() - 1)]
        # Spaces, not a terminal control sequence, clear the rest of a longer previous line,
        # because the Windows console shows such sequences as text unless a program enables them.
        padding = " " * max(0, self._width - len(text))
        self._stream.write("\r" + text + padding)
        self._stream.flush()
        self._width = len(text)

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self._stream.fileno()).columns
        except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
            return shutil.get_terminal_size().columns
