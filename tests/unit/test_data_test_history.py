"""New data-test failures read from hand-filled marts.data_test_results / data_test_history tables."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from microconv.data_test_history import describe_new_failures, new_failures

RESULTS = [
    # invocation, dagster run, started, test, status
    ("inv-1", "run-a", datetime(2026, 1, 1, 8), "test.unique_a", "pass"),
    ("inv-1", "run-a", datetime(2026, 1, 1, 8), "test.not_null_b", "pass"),
    ("inv-2", "run-b", datetime(2026, 1, 2, 8), "test.unique_a", "fail"),
    ("inv-2", "run-b", datetime(2026, 1, 2, 8), "test.not_null_b", "pass"),
    # A second invocation of run-b (on Spark a run is several dbt invocations).
    ("inv-3", "run-b", datetime(2026, 1, 2, 9), "test.range_c", "warn"),
    # A later run that did not run unique_a: its old failure must not alert again.
    ("inv-4", "run-c", datetime(2026, 1, 3, 8), "test.not_null_b", "pass"),
]
HISTORY = [
    # test, name, model, column, current, previous, failing rows, is_new_failure, last invocation
    ("test.unique_a", "unique_a", "fct_sessions", "session_key", "fail", "pass", 3, True, "inv-2"),
    ("test.not_null_b", "not_null_b", "dim_users", "user_key", "pass", "pass", 0, False, "inv-4"),
    ("test.range_c", "range_c", "fct_sessions", None, "warn", None, 7, True, "inv-3"),
]


@pytest.fixture
def con():
    with duckdb.connect() as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.data_test_results (invocation_id varchar, dagster_run_id varchar, "
            "run_started_at timestamp, test_unique_id varchar, status varchar)"
        )
        con.executemany("insert into marts.data_test_results values (?, ?, ?, ?, ?)", RESULTS)
        con.execute(
            "create table marts.data_test_history (test_unique_id varchar, test_name varchar, "
            "test_type varchar, model_name varchar, column_name varchar, current_status varchar, "
            "previous_status varchar, current_failures bigint, is_new_failure boolean, "
            "last_invocation_id varchar, last_run_at timestamp)"
        )
        con.executemany(
            "insert into marts.data_test_history values (?, ?, 'generic', ?, ?, ?, ?, ?, ?, ?, null)", HISTORY
        )
        yield con


def test_new_failures_of_a_dagster_run_span_all_its_dbt_invocations(con) -> None:
    failures = new_failures(con, "run-b")
    assert [row["test_name"] for row in failures] == ["range_c", "unique_a"]
    assert failures[1]["previous_status"] == "pass" and failures[1]["current_failures"] == 3


def test_a_failure_alerts_once_not_again_in_a_later_run_that_skipped_the_test(con) -> None:
    assert new_failures(con, "run-c") == []
    # Without a run id, the latest invocation (inv-4) is the run just finished.
    assert new_failures(con) == []


def test_without_a_run_id_the_latest_invocation_counts(con) -> None:
    con.execute("delete from marts.data_test_results where invocation_id = 'inv-4'")
    assert [row["test_name"] for row in new_failures(con)] == ["range_c"]


def test_the_alert_names_test_model_column_status_and_failing_rows(con) -> None:
    message = describe_new_failures(new_failures(con, "run-b"))
    assert message == (
        "2 data test(s) newly failing: range_c on fct_sessions: warn (was never run, 7 failing rows); "
        "unique_a on fct_sessions.session_key: fail (was pass, 3 failing rows)"
    )


def test_a_run_without_stored_test_results_does_not_alert_again(tmp_path, monkeypatch) -> None:
    """A run that skipped dbt tests stored no results: the check passes and writes no alert, instead of
    re-reporting the previous run's new failures (which the history still flags)."""
    from dagster import build_asset_check_context, instance_for_test
    from dagster._core.test_utils import create_run_for_test

    from microconv.defs.monitoring.checks import no_new_data_test_failure
    from microconv.settings import get_settings

    path = tmp_path / "w.duckdb"
    alerts = tmp_path / "alerts.jsonl"
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(path))
    monkeypatch.setenv("MICROCONV_ALERTS_PATH", str(alerts))
    source = duckdb.connect(str(path))
    source.execute("create schema marts")
    source.execute(
        "create table marts.data_test_results (invocation_id varchar, dagster_run_id varchar, "
        "run_started_at timestamp, test_unique_id varchar, status varchar)"
    )
    source.executemany("insert into marts.data_test_results values (?, ?, ?, ?, ?)", RESULTS)
    # The latest stored run is the one with new failures; then a run without tests comes.
    source.execute("delete from marts.data_test_results where dagster_run_id = 'run-c'")
    # Dagster run ids are UUIDs.
    failing_run, run_without_tests = (
        "2b1c7c5e-0000-4000-8000-00000000000b",
        "2b1c7c5e-0000-4000-8000-00000000000c",
    )
    source.execute(
        "update marts.data_test_results set dagster_run_id = ? where dagster_run_id = 'run-b'", [failing_run]
    )
    source.execute(
        "create table marts.data_test_history (test_unique_id varchar, test_name varchar, "
        "test_type varchar, model_name varchar, column_name varchar, current_status varchar, "
        "previous_status varchar, current_failures bigint, is_new_failure boolean, "
        "last_invocation_id varchar, last_run_at timestamp)"
    )
    source.executemany(
        "insert into marts.data_test_history values (?, ?, 'generic', ?, ?, ?, ?, ?, ?, ?, null)", HISTORY
    )
    source.close()
    with instance_for_test() as instance:
        for run_id, expect_alert in ((run_without_tests, False), (failing_run, True)):
            run = create_run_for_test(instance, run_id=run_id)
            context = build_asset_check_context(instance=instance)
            monkeypatch.setattr(type(context), "run", property(lambda _self, run=run: run), raising=False)
            result = no_new_data_test_failure(context, settings=get_settings())
            assert result.passed is not expect_alert
            assert alerts.exists() is expect_alert
