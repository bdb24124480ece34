"""Data-quality history: alert when a dbt data test newly fails.

Every dbt invocation stores one row per data-test result in marts.data_test_results (the on-run-end hook
in macros/data_test_results.sql); marts.data_test_history keeps one row per test with its current and
previous status. A test is a new failure when its latest status is warn, fail or error and its previous
run passed (or it never ran before). Only the tests that ran in the run just finished are alerted, so a
failure alerts once, not at every later run that does not run that test.
"""

from __future__ import annotations

import duckdb

# dbt reads it in the on-run-end hook (macros/data_test_results.sql): the Dagster run that started dbt.
DAGSTER_RUN_ID_ENV = "MICROCONV_DAGSTER_RUN_ID"

# The tests that ran in the latest dbt invocation(s): those of the given Dagster run when it is known
# (on Spark one run is several dbt invocations), else the most recent invocation.
NEW_FAILURES_SQL = """
with latest as (
    select invocation_id
    from marts.data_test_results
    where case when ? is null
        then run_started_at = (select max(run_started_at) from marts.data_test_results)
        else dagster_run_id = ? end
)
select
    history.test_unique_id,
    history.test_name,
    history.test_type,
    history.model_name,
    history.column_name,
    history.current_status,
    history.previous_status,
    history.current_failures,
    history.last_run_at
from marts.data_test_history as history
where history.is_new_failure
    and history.last_invocation_id in (select latest.invocation_id from latest)
order by history.model_name, history.test_name
"""


def new_failures(con: duckdb.DuckDBPyConnection, dagster_run_id: str | None = None) -> list[dict]:
    """The tests that became warn / fail / error in the latest run (previous run pass, or none)."""
    cursor = con.execute(NEW_FAILURES_SQL, [dagster_run_id, dagster_run_id])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def describe_new_failures(failures: list[dict]) -> str:
    """One line naming every newly failing test, its model, column, status and failing rows."""
    parts = []
    for row in failures:
        where = ".".join(part for part in (row["model_name"], row["column_name"]) if part)
        rows = "" if row["current_failures"] is None else f", {row['current_failures']} failing rows"
        was = row["previous_status"] or "never run"
        parts.append(
            f"{row['test_name']} on {where or '(no model)'}: {row['current_status']} (was {was}{rows})"
        )
    return f"{len(failures)} data test(s) newly failing: " + "; ".join(parts)
