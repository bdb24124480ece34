"""One writer at a time: the run lock, the lock-retry connection, and publishing only after a run
in which nothing failed."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetCheckResult,
    AssetSelection,
    DagsterInstance,
    Definitions,
    asset,
    asset_check,
    define_asset_job,
)


def test_a_second_run_waits_for_the_first_then_says_who_holds_the_warehouse(tmp_path: Path) -> None:
    from microconv.warehouse import WarehouseBusyError, run_lock, run_lock_path

    warehouse = tmp_path / "microconv.duckdb"
    holding, release = threading.Event(), threading.Event()

    def first_run() -> None:
        with run_lock(warehouse):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first_run)
    thread.start()
    holding.wait(10)
    started = time.monotonic()
    busy = rf"pid {os.getpid()}.*MICROCONV_LOCK_TIMEOUT_SECONDS"
    with pytest.raises(WarehouseBusyError, match=busy), run_lock(warehouse, timeout=0.6):
        pass
    assert time.monotonic() - started >= 0.6
    # Released within the timeout: the second run goes ahead.
    threading.Timer(0.3, release.set).start()
    with run_lock(warehouse, timeout=5):
        assert run_lock_path(warehouse).read_text().startswith(f"pid {os.getpid()}")
    thread.join()
    assert not run_lock_path(warehouse).exists()


def test_run_lock_is_reentrant_in_one_process(tmp_path: Path) -> None:
    from microconv.warehouse import run_lock, run_lock_path

    warehouse = tmp_path / "microconv.duckdb"
    with run_lock(warehouse, timeout=0.2), run_lock(warehouse, timeout=0.2):
        assert run_lock_path(warehouse).exists()


def test_microconv_run_refuses_before_doing_anything_while_another_run_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from microconv import cli, project
    from microconv.warehouse import run_lock

    warehouse = tmp_path / "microconv.duckdb"
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("MICROCONV_PUBLISH_DIR", str(tmp_path / "publish"))
    monkeypatch.setenv("MICROCONV_LOCK_TIMEOUT_SECONDS", "0.3")

    def must_not_run(*args, **kwargs):
        raise AssertionError("the second run went ahead")

    monkeypatch.setattr(project, "prepare_manifest", must_not_run)
    monkeypatch.setattr(DagsterInstance, "get", must_not_run)
    holding, release = threading.Event(), threading.Event()

    def first_run() -> None:
        with run_lock(warehouse):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=first_run)
    thread.start()
    holding.wait(10)
    try:
        code = cli.main(["run"])
    finally:
        release.set()
        thread.join()
    assert code == 1
    assert "another microconv run holds the warehouse" in capsys.readouterr().err.lower()
    assert not (tmp_path / "publish").exists()


def test_connect_waits_for_a_writer_in_another_process(tmp_path: Path) -> None:
    import subprocess
    import sys

    from microconv.warehouse import WarehouseBusyError, connect

    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; con = duckdb.connect({str(path)!r}); "
            "print('held', flush=True); time.sleep(1.5)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(WarehouseBusyError, match="MICROCONV_LOCK_TIMEOUT_SECONDS"):
        connect(path, read_only=True, timeout=0.2)
    con = connect(path, read_only=True, timeout=20)
    assert con.execute("select 1").fetchone() == (1,)
    con.close()
    holder.wait()


def _published_after(check_blocking: bool) -> tuple[bool, list[str]]:
    """A small job shaped like ours: a build, a check on it that errors, publishing downstream."""
    from microconv.project import prepare_manifest

    prepare_manifest()  # the publishing module loads the dbt assets
    from microconv.defs.publishing.assets import refuse_to_publish_after_failures

    published: list[str] = []

    @asset
    def build() -> None:
        return None

    @asset_check(asset=build, blocking=check_blocking)
    def opens_a_locked_warehouse() -> AssetCheckResult:
        raise duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock is held')

    @asset(deps=[build])
    def publish(context) -> None:
        refuse_to_publish_after_failures(context.instance, context.run.run_id)
        published.append(context.run_id)

    defs = Definitions(
        assets=[build, publish],
        asset_checks=[opens_a_locked_warehouse],
        jobs=[define_asset_job("job", AssetSelection.all())],
    )
    job = defs.resolve_job_def("job")
    # Run the check first, as the in-process executor may: the guard must see its failure.
    result = job.execute_in_process(instance=DagsterInstance.ephemeral(), raise_on_error=False)
    return result.success, published


@pytest.mark.parametrize("blocking", [True, False])
def test_a_failed_check_upstream_stops_publishing(blocking: bool) -> None:
    success, published = _published_after(check_blocking=blocking)
    assert not success
    assert published == []


def test_open_warehouse_waits_out_a_lock_then_says_so(tmp_path: Path, monkeypatch) -> None:
    """Was: open_warehouse asked Dagster to retry the step at once. Now it retries the connection for
    MICROCONV_LOCK_TIMEOUT_SECONDS, then fails naming the setting; a lock conflict inside dbt (its own
    process) still asks Dagster to retry the step."""
    from dagster import RetryRequested

    from microconv import warehouse

    attempts = []
    error = 'IO Error: Could not set lock on file "w.duckdb": Conflicting lock is held'

    def locked(*_args, **_kwargs):
        attempts.append(1)
        raise duckdb.IOException(error)

    monkeypatch.setattr(warehouse.duckdb, "connect", locked)
    monkeypatch.setenv("MICROCONV_LOCK_TIMEOUT_SECONDS", "1")
    busy = pytest.raises(warehouse.WarehouseBusyError, match="MICROCONV_LOCK_TIMEOUT_SECONDS")
    with busy, warehouse.open_warehouse(tmp_path / "w.duckdb"):
        pass
    assert len(attempts) > 2
    with pytest.raises(RetryRequested):
        warehouse.retry_if_locked(RuntimeError(error))
