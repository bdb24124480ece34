"""Partition windows, lock detection, the new-file sensor's cursor and day range, the definitions."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from microconv.dbt_cli import dbt_build_args, lock_error_in, partition_window_vars, window_env_vars
from microconv.defs.ingestion.sensors import LandingCursor, event_day_range, new_files
from microconv.settings import get_settings

FIRST = date(2026, 1, 1)


def test_a_day_is_a_half_open_window() -> None:
    assert partition_window_vars(date(2026, 3, 4), date(2026, 3, 5), FIRST) == {
        "min_date": "2026-03-04",
        "max_date": "2026-03-05",
    }


def test_a_window_from_the_first_partition_has_no_lower_bound() -> None:
    assert partition_window_vars(FIRST, date(2026, 1, 9), FIRST) == {"max_date": "2026-01-09"}


def test_window_reaches_dbt_as_environment_variables_with_empty_meaning_unbounded() -> None:
    assert window_env_vars(partition_window_vars(FIRST, date(2026, 1, 9), FIRST)) == {
        "MICROCONV_MIN_DATE": "",
        "MICROCONV_MAX_DATE": "2026-01-09",
    }
    assert window_env_vars({}) == {"MICROCONV_MIN_DATE": "", "MICROCONV_MAX_DATE": ""}


def test_an_empty_window_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        partition_window_vars(date(2026, 3, 5), date(2026, 3, 5), FIRST)


def test_build_args_can_skip_tests() -> None:
    assert dbt_build_args(skip_tests=True) == [
        "build",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
    ]


def test_a_real_duckdb_lock_conflict_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    script = (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
        "print('ready', flush=True); time.sleep(30)"
    )
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException) as raised:
            duckdb.connect(str(path))
        assert lock_error_in(str(raised.value))
    finally:
        holder.kill()
        holder.wait()
    assert not lock_error_in("Binder Error: column x not found")


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


def _touch(path: Path, mtime: float, rows: str = "") -> Path:
    path.write_text("event_id,event_timestamp\n" + rows)
    os.utime(path, (mtime, mtime))
    return path


def test_the_cursor_sees_each_file_once_even_with_equal_mtimes(tmp_path: Path) -> None:
    first = _touch(tmp_path / "a.csv", 1000.0)
    second = _touch(tmp_path / "b.csv", 1000.0)
    files, cursor = new_files([first], tmp_path, LandingCursor())
    assert files == [first] and cursor == LandingCursor(1000.0, ("a.csv",))
    files, cursor = new_files([first, second], tmp_path, LandingCursor.parse(cursor.dump()))
    assert files == [second] and cursor == LandingCursor(1000.0, ("a.csv", "b.csv"))
    assert new_files([first, second], tmp_path, cursor) == ([], cursor)
    third = _touch(tmp_path / "c.csv", 2000.0)
    assert new_files([first, second, third], tmp_path, cursor)[0] == [third]


def test_the_day_range_ignores_bad_timestamps_and_unreadable_files(tmp_path: Path) -> None:
    good = _touch(
        tmp_path / "events.csv",
        1.0,
        "e1,2026-02-03T10:00:00Z\ne2,2026-02-05T23:59:00+00:00\ne3,1999-01-01T00:00:00Z\ne4,not a time\n",
    )
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 truncated")
    assert event_day_range([good, broken], FIRST, date(2026, 11, 1)) == (date(2026, 2, 3), date(2026, 2, 5))
    assert event_day_range([broken], FIRST, date(2026, 11, 1)) is None
    # Only days that are partitions count.
    assert event_day_range([good], date(2026, 2, 2), date(2026, 2, 4)) == (date(2026, 2, 3), date(2026, 2, 3))
    assert event_day_range([good], date(2026, 2, 4), date(2026, 2, 4)) is None


def test_a_run_without_tests_plans_no_dbt_test_checks() -> None:
    from microconv.definitions import defs
    from microconv.runner import without_dbt_tests

    job = defs.resolve_job_def("microconv_job")
    subset = without_dbt_tests(job)
    all_checks = {key.name for key in job.asset_layer.asset_graph.asset_check_keys}
    kept = {key.name for key in subset.asset_layer.asset_graph.asset_check_keys}
    assert len(all_checks) > 200
    assert kept == {
        "raw_events_are_fresh",
        "no_anomaly_on_latest_complete_day",
        "mixpanel_time_is_utc",
        "no_new_data_test_failure",
    }
    assert subset.asset_layer.executable_asset_keys == job.asset_layer.executable_asset_keys


def test_the_sensor_requests_one_run_over_the_new_files_days(tmp_path: Path, monkeypatch) -> None:
    from dagster import RunRequest, SkipReason

    from microconv.defs.ingestion.sensors import new_landing_files

    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(tmp_path))
    _touch(tmp_path / "a.csv", 1000.0, "e1,2026-02-03T10:00:00Z\ne2,2026-02-05T10:00:00Z\n")
    context = _sensor_context(None)
    request = new_landing_files(context)
    assert isinstance(request, RunRequest)
    assert request.partition_key_range is not None
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "2026-02-03",
        "2026-02-05",
    )
    again = new_landing_files(_sensor_context(context.cursor))
    assert isinstance(again, SkipReason)


def test_after_a_demo_the_sensor_starts_no_run_until_a_new_file_lands(tmp_path: Path, monkeypatch) -> None:
    """`make dagster` after `make demo`: the first tick (empty cursor, as on a fresh instance) must not
    rebuild the days the demo just built; a file landing later still starts a run over its days."""
    from dagster import RunRequest, SkipReason

    from microconv.defs.ingestion.sensors import new_landing_files, record_demo_cursor
    from microconv.settings import get_settings

    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing))
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    _touch(landing / "a.csv", 1000.0, "e1,2026-02-03T10:00:00Z\n")
    _touch(landing / "b.csv", 1000.0, "e2,2026-02-05T10:00:00Z\n")
    record_demo_cursor(get_settings())  # what `microconv demo` does after its run

    first = _sensor_context(None)
    assert isinstance(new_landing_files(first), SkipReason)
    # The demo's cursor belongs to its landing folders: another landing root is not skipped.
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(tmp_path / "other" / "events"))
    (tmp_path / "other" / "events").mkdir(parents=True)
    _touch(tmp_path / "other" / "events" / "a.csv", 1000.0, "e1,2026-02-03T10:00:00Z\n")
    assert isinstance(
        new_landing_files(_sensor_context(None)),
        RunRequest,
    )
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing))
    _touch(landing / "c.csv", 2000.0, "e3,2026-02-07T10:00:00Z\n")
    request = new_landing_files(_sensor_context(first.cursor))
    assert isinstance(request, RunRequest)
    assert request.partition_key == "2026-02-07"


def test_a_later_cursor_wins_and_equal_mtimes_join_their_names() -> None:
    old, new = LandingCursor(1000.0, ("a.csv",)), LandingCursor(2000.0, ("b.csv",))
    assert old.later(new) == new and new.later(old) == new
    assert old.later(LandingCursor(1000.0, ("c.csv",))) == LandingCursor(1000.0, ("a.csv", "c.csv"))


def _sensor_context(cursor: str | None):
    """A sensor context handing the environment's settings, as Definitions does."""
    from dagster import build_sensor_context

    return build_sensor_context(cursor=cursor, resources={"settings": get_settings()})
