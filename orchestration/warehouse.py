"""Opening the warehouse file from Dagster steps: one writer at a time, lock conflicts retried."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import RetryRequested

from .dbt_cli import lock_error_in

WAREHOUSE_POOL = "microconv_warehouse"
LOCK_RETRIES = 5
LOCK_RETRY_SECONDS = 30


def retry_if_locked(error: BaseException) -> None:
    """Turn 'another process holds the DuckDB file' into a Dagster retry (a transient error)."""
    if lock_error_in(str(error)):
        raise RetryRequested(max_retries=LOCK_RETRIES, seconds_to_wait=LOCK_RETRY_SECONDS) from error


@contextmanager
def open_warehouse(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse; a lock held by another process requests a retry of the step."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        retry_if_locked(error)
        raise
    try:
        yield con
    finally:
        con.close()


def ensure_writable(path: Path) -> None:
    """Fail fast (with a retry) before a long dbt build when another process holds the file."""
    with open_warehouse(path):
        pass
