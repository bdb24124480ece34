"""The pure functions that build dbt arguments, windows and messages."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from microconv.dbt_cli import (
    dbt_build_args,
    layer_group,
    lock_error_in,
    partition_window_vars,
    window_env_vars,
)


def test_build_args_plain() -> None:
    """A production build runs the models, seeds and data tests, never the dbt unit tests (CI runs them)."""
    assert dbt_build_args() == ["build", "--exclude-resource-type", "unit_test"]


def test_no_production_build_runs_unit_tests() -> None:
    for full_refresh in (False, True):
        for skip_tests in (False, True):
            args = dbt_build_args(full_refresh, {"a": "b"}, skip_tests)
            excluded = [args[i + 1] for i, arg in enumerate(args) if arg == "--exclude-resource-type"]
            assert "unit_test" in excluded
            assert ("test" in excluded) is skip_tests
            assert "--select" not in args and "--resource-type" not in args


def test_build_args_full_refresh_and_vars() -> None:
    args = dbt_build_args(full_refresh=True, dbt_vars={"session_inactivity_minutes": 45, "a": "b"})
    assert args[:4] == ["build", "--full-refresh", "--exclude-resource-type", "unit_test"]
    assert args[4] == "--vars"
    assert json.loads(args[5]) == {"a": "b", "session_inactivity_minutes": 45}


def test_layer_group_by_top_folder() -> None:
    assert layer_group("model", ["microconv", "staging", "microconv", "stg_microconv__events"]) == "staging"
    assert layer_group("model", ["microconv", "core", "fct_sessions"]) == "core"
    assert layer_group("model", ["microconv", "marts", "quality", "event_quality_daily"]) == "marts"
    assert layer_group("seed", ["microconv", "funnel_definitions"]) == "config"
    assert layer_group("model", ["microconv", "sandbox", "x"]) == "other"


# dbt's accepted_values test as compiled (dbt-core's default__test_accepted_values): it selects the
# offending values, but dbt only reports how many there are.
ACCEPTED_VALUES_SQL = """
with all_values as (
    select journey_stage as value_field, count(*) as n_records
    from micro_conversion_definitions
    group by journey_stage
)
select * from all_values
where value_field not in ('awareness', 'consideration', 'intent', 'retention')
"""


def test_a_failing_test_names_its_offending_value() -> None:
    import duckdb

    from microconv.dbt_cli import describe_failing_rows, failing_rows_sql, unsuccessful_tests

    run_results = {
        "results": [
            {"unique_id": "model.microconv.fct_sessions", "status": "success", "compiled_code": "select 1"},
            {
                "unique_id": "test.microconv.not_null_x.1",
                "status": "pass",
                "failures": 0,
                "compiled_code": "x",
            },
            {
                "unique_id": "test.microconv.accepted_values_micro_conversion_definitions_journey_stage.7c",
                "status": "fail",
                "failures": 1,
                "compiled_code": ACCEPTED_VALUES_SQL,
            },
        ]
    }
    (test,) = unsuccessful_tests(run_results)
    con = duckdb.connect()
    con.execute(
        "create table micro_conversion_definitions as select * from (values "
        "('view_item', 'consideration'), ('sign_up', 'considerasion'), ('login', 'retention')) "
        "as definitions (micro_conversion, journey_stage)"
    )
    cursor = con.execute(failing_rows_sql(test["compiled_code"], 5))
    line = describe_failing_rows(
        test["unique_id"],
        test["status"],
        test["failures"],
        [c[0] for c in cursor.description],
        cursor.fetchall(),
    )
    assert line == (
        "accepted_values_micro_conversion_definitions_journey_stage (fail, 1 row): "
        "value_field=considerasion, n_records=1"
    )
    assert (
        describe_failing_rows("test.p.t", "warn", 7, ["a"], [(1,), (2,)])
        == "t (warn, 7 rows) (first 2): a=1; a=2"
    )


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
