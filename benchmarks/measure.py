"""Run one command as a child process and measure its wall time and peak memory.

Peak memory is the maximum resident set size (``ru_maxrss``) that ``os.wait4`` returns
for the child. On Linux that value also covers the child's own children that it waited
for, so a shell that runs a program reports the larger of the two. Linux gives
``ru_maxrss`` in kibibytes, macOS in bytes. Only POSIX systems have ``os.wait4``.

``ru_maxrss`` is the peak of the largest single process, not of the sum of processes
that run at the same time. So on Linux a thread also samples the resident sizes of all
processes in the child's process group every ``SAMPLE_SECONDS`` and keeps the largest
sum. The sum counts shared pages once per process, and it misses peaks shorter than the
interval.

On Linux, CPython starts children with vfork, and a child is charged the parent's
resident size until it calls exec. The measuring process's own resident size is
therefore a floor of every reading: keep that process small, and measure ``true`` to
know the floor.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

# Lines of the child's standard output and error kept for the report.
OUTPUT_TAIL_LINES = 20
SAMPLE_SECONDS = 0.2
PROC = Path("/proc")


@dataclass(frozen=True)
class Measurement:
    """Result of one measured command."""

    command: tuple[str, ...]
    wall_seconds: float
    max_rss_mb: float
    """Peak resident set size of the child and its waited-for children, in MB (10**6 bytes)."""
    group_rss_mb: float | None
    """Largest sampled sum of the resident sizes of the child's process group, in MB, or
    None where /proc is missing."""
    exit_code: int
    """Exit status, or minus the signal number when a signal ended the child."""
    timed_out: bool
    stdout_tail: str
    stderr_tail: str

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    @property
    def peak_mb(self) -> float:
        """The larger of the two peak memory readings, in MB."""
        return max(self.max_rss_mb, self.group_rss_mb or 0.0)


def run_measured(
    command: Sequence[str],
    *,
    stdin_path: Path | None = None,
    stdout_path: Path | None = None,
    cwd: Path | None = None,
    environment: Mapping[str, str] | None = None,
    timeout_seconds: float | None = None,
    memory_limit_bytes: int | None = None,
) -> Measurement:
    """Run ``command``, wait for it with ``os.wait4`` and return its time and peak memory.

    Standard input comes from ``stdin_path`` (or nothing). Standard output goes to
    ``stdout_path`` when given, otherwise to a temporary file whose last lines are kept,
    so a child that writes a lot of output does not block on a full pipe. After
    ``timeout_seconds`` the child's process group gets SIGKILL and the result has
    ``timed_out`` set. ``memory_limit_bytes``
    caps the child's address space (RLIMIT_AS), so that a command that would exhaust the
    machine's memory fails instead.
    """
    with tempfile.TemporaryDirectory(prefix="tilaapp-measure-") as scratch:
        stdout_file = stdout_path or Path(scratch) / "stdout"
        stderr_file = Path(scratch) / "stderr"
        with (
            _open_input(stdin_path) as stdin,
            stdout_file.open("wb") as stdout,
            stderr_file.open("wb") as stderr,
        ):
            started = time.perf_counter()
            process = subprocess.Popen(
                list(command),
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                cwd=cwd,
                env=dict(environment) if environment is not None else None,
                start_new_session=True,
                preexec_fn=_address_space_limiter(memory_limit_bytes),
            )
            sampler = GroupMemorySampler(process.pid)
            sampler.start()
            try:
                timed_out, status, max_rss = _wait_with_timeout(process, timeout_seconds)
            finally:
                sampler.stop()
            wall_seconds = time.perf_counter() - started

        return Measurement(
            command=tuple(command),
            wall_seconds=wall_seconds,
            max_rss_mb=_rss_to_megabytes(max_rss),
            group_rss_mb=sampler.peak_bytes / 1e6 if sampler.available else None,
            exit_code=os.waitstatus_to_exitcode(status),
            timed_out=timed_out,
            stdout_tail=_tail(stdout_file) if stdout_path is None else "",
            stderr_tail=_tail(stderr_file),
        )


class GroupMemorySampler:
    """Thread that samples the summed resident size of one process group from /proc."""

    def __init__(self, group: int) -> None:
        self.group = group
        self.available = PROC.is_dir()
        self.peak_bytes = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page_size = os.sysconf("SC_PAGE_SIZE") if self.available else 0

    def start(self) -> None:
        if self.available:
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.peak_bytes = max(self.peak_bytes, self._group_rss_bytes())
            self._stopped.wait(SAMPLE_SECONDS)

    def _group_rss_bytes(self) -> int:
        total_pages = 0
        for entry in os.scandir(PROC):
            if not entry.name.isdigit():
                continue
            try:
                stat = (PROC / entry.name / "stat").read_bytes()
            except OSError:
                continue
            # Fields after the parenthesised command name start at field 3 (state), so
            # pgrp (field 5) is at index 2 and rss in pages (field 24) at index 21.
            fields = stat[stat.rindex(b")") + 2 :].split()
            if int(fields[2]) == self.group:
                total_pages += int(fields[21])
        return total_pages * self._page_size


def _address_space_limiter(limit: int | None) -> Callable[[], None] | None:
    if limit is None:
        return None

    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return set_limit


def _open_input(stdin_path: Path | None) -> BinaryIO:
    if stdin_path is None:
        return open(os.devnull, "rb")
    return stdin_path.open("rb")


def _wait_with_timeout(
    process: subprocess.Popen[bytes], timeout_seconds: float | None
) -> tuple[bool, int, int]:
    """Wait for ``process`` with ``os.wait4``; return (timed out, wait status, ru_maxrss)."""
    killed = threading.Event()

    def kill_group() -> None:
        killed.set()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    timer = threading.Timer(timeout_seconds, kill_group) if timeout_seconds else None
    if timer is not None:
        timer.start()
    try:
        _pid, status, usage = os.wait4(process.pid, 0)
    finally:
        if timer is not None:
            timer.cancel()

    # Popen must not wait for a child that os.wait4 has already reaped.
    process.returncode = os.waitstatus_to_exitcode(status)
    return killed.is_set(), status, usage.ru_maxrss


def _rss_to_megabytes(max_rss: int) -> float:
    if sys.platform == "darwin":
        return max_rss / 1e6
    return max_rss * 1024 / 1e6


def _tail(path: Path) -> str:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return "\n".join(lines[-OUTPUT_TAIL_LINES:])
