"""Opening the warehouse file: one writer at a time, lock conflicts waited out, then said plainly.

Two guards, both waiting up to MICROCONV_LOCK_TIMEOUT_SECONDS (default 600):
- `run_lock`: a whole `microconv run` / `load` / `demo` holds `<warehouse>.lock` (an OS file lock,
  released when the process ends, even killed), so a second run waits its turn instead of failing half
  way and racing the first one to the published copy.
- `connect`: every step that opens the DuckDB file (loading, dbt's probe, the checks, publishing)
  retries while another process (a BI tool on the warehouse, `dagster dev`'s own runs) holds it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
from dagster import RetryRequested

from .dbt_cli import lock_error_in

WAREHOUSE_POOL = "microconv_warehouse"
LOCK_RETRIES = 5
LOCK_RETRY_SECONDS = 30

T = TypeVar("T")


class WarehouseBusyError(RuntimeError):
    """Another process held the warehouse for longer than the lock timeout."""


def lock_timeout_seconds() -> float:
    """MICROCONV_LOCK_TIMEOUT_SECONDS: how long to wait for a warehouse another process holds."""
    from .settings import get_settings

    return get_settings().lock_timeout_seconds


def with_lock_retry(action: Callable[[], T], what: Path, timeout: float | None = None) -> T:
    """`action()`, retried with backoff while DuckDB says another process holds the file; after
    `timeout` seconds a WarehouseBusyError names the file and the setting."""
    timeout = lock_timeout_seconds() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    delay = 0.2
    while True:
        try:
            return action()
        except duckdb.Error as error:
            if not lock_error_in(str(error)):
                raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WarehouseBusyError(
                    f"Another process holds the warehouse {what} (waited {timeout:g} s; "
                    f"MICROCONV_LOCK_TIMEOUT_SECONDS): {str(error).splitlines()[0]}"
                ) from error
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 5.0)


def connect(path: Path, read_only: bool = False, timeout: float | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect, waiting (up to the lock timeout) while another process holds the file."""
    return with_lock_retry(lambda: duckdb.connect(str(path), read_only=read_only), path, timeout)


def retry_if_locked(error: BaseException) -> None:
    """Turn dbt's 'another process holds the DuckDB file' into a Dagster retry (a transient error)."""
    if lock_error_in(str(error)):
        raise RetryRequested(max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_SECONDS) from error


@contextmanager
def open_warehouse(
    path: Path, read_only: bool = False, timeout: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse: a lock held by another process is waited out (up to the lock
    timeout, then WarehouseBusyError fails the step and everything downstream is skipped)."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path, read_only, timeout)
    try:
        yield con
    finally:
        con.close()


def ensure_writable(path: Path) -> None:
    """Fail fast (with a retry) before a long dbt build when another process holds the file."""
    with open_warehouse(path):
        pass


def run_lock_path(duckdb_path: Path) -> Path:
    return duckdb_path.with_name(duckdb_path.name + ".lock")


# Locks this thread holds (re-entrant for the thread: the demo holds the lock around `run_job`).
_local = threading.local()


@contextmanager
def run_lock(
    duckdb_path: Path, timeout: float | None = None, wait_message: Callable[[str], None] | None = None
):
    """Hold `<warehouse>.lock` for a whole run (re-entrant in one thread); waits up to `timeout`
    seconds for another run, then raises WarehouseBusyError naming the holder's process id.

    The file is removed on release; a waiter that locked a file since removed tries again.
    """
    path = run_lock_path(duckdb_path).absolute()
    _held: dict[Path, int] = _local.__dict__.setdefault("held", {})
    if path in _held:
        _held[path] += 1
        try:
            yield path
        finally:
            _held[path] -= 1
        return
    timeout = lock_timeout_seconds() if timeout is None else timeout
    deadline = time.monotonic() + timeout
    path.parent.mkdir(parents=True, exist_ok=True)
    told = False
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(descriptor, 200, 0).decode(errors="replace").strip() or "another process"
            os.close(descriptor)
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(
                    f"Another microconv run holds the warehouse {duckdb_path} ({holder}; lock file {path}); "
                    f"waited {timeout:g} s (MICROCONV_LOCK_TIMEOUT_SECONDS). Try again when it has finished."
                ) from None
            if wait_message and not told:
                wait_message(
                    f"Another microconv run holds the warehouse ({holder}); waiting up to {timeout:g} s"
                )
                told = True
            time.sleep(min(0.5, max(deadline - time.monotonic(), 0)))
            continue
        try:
            same_file = os.fstat(descriptor).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same_file = False
        if same_file:
            break
        os.close(descriptor)
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n".encode())
    _held[path] = 1
    try:
        yield path
    finally:
        del _held[path]
        path.unlink(missing_ok=True)
        os.close(descriptor)
