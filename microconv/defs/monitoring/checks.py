"""Monitoring: alerts when a micro-conversion drops or spikes, and when dbt data tests newly fail."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
    ResourceParam,
    asset_check,
)

from ...alerts import record_alert
from ...data_test_history import describe_new_failures, new_failures
from ...settings import Settings
from ...warehouse import connect
from ..dbt.assets import dbt_model_key

DATA_TEST_HISTORY_KEY = dbt_model_key("data_test_history")
ANOMALIES_KEY = dbt_model_key("micro_conversion_anomalies")

# The latest complete day: the model marks the last day of data (still filling) is_complete_day = false
# and never flags it, so an alert is about a whole day. Days are local days of the reporting time zone
# (MICROCONV_REPORTING_TIMEZONE), as every date of the marts.
LATEST_ANOMALIES_SQL = """
with latest as (
    select max(date_day) as date_day
    from marts.micro_conversion_anomalies
    where is_complete_day
)
select
    anomalies.date_day,
    anomalies.micro_conversion,
    anomalies.direction,
    anomalies.occurrences,
    anomalies.baseline_mean,
    anomalies.z_score,
    anomalies.z_threshold
from marts.micro_conversion_anomalies as anomalies
inner join latest on anomalies.date_day = latest.date_day
where anomalies.is_anomaly
order by abs(anomalies.z_score) desc
"""


def latest_day_anomalies(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cursor = con.execute(LATEST_ANOMALIES_SQL)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@asset_check(
    asset=ANOMALIES_KEY,
    name="no_anomaly_on_latest_complete_day",
    description=(
        "Warns (and records an alert) when a micro-conversion drops or spikes on the latest complete day "
        "(a day of the reporting time zone)."
    ),
    # Blocking: publishing waits for it, and does not run when it errors (a WARN result does not block).
    blocking=True,
)
def no_anomaly_on_latest_complete_day(settings: ResourceParam[Settings]) -> AssetCheckResult:
    with connect(settings.reader_path, read_only=True) as con:
        anomalies = latest_day_anomalies(con)
    if not anomalies:
        return AssetCheckResult(passed=True, metadata={"anomalies": 0})
    day = anomalies[0]["date_day"]
    summary = ", ".join(
        f"{row['micro_conversion']} {row['direction']} ({row['occurrences']} vs {row['baseline_mean']:.1f}, "
        f"z {row['z_score']:.1f} beyond ±{row['z_threshold']:.1f})"
        for row in anomalies
    )
    message = f"Micro-conversion anomalies on {day}: {summary}"
    record_alert("micro_conversion_anomaly", message, {"date": str(day), "anomalies": anomalies}, settings)
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        description=message,
        metadata={
            "date": str(day),
            "anomalies": len(anomalies),
            "details": MetadataValue.json([{k: str(v) for k, v in row.items()} for row in anomalies]),
        },
    )


@asset_check(
    asset=DATA_TEST_HISTORY_KEY,
    name="no_new_data_test_failure",
    description=(
        "Warns (and records one alert) when dbt data tests that passed in their previous run (or never "
        "ran) warn, fail or error in this run, read from marts.data_test_history."
    ),
    # Blocking: publishing waits for it, and does not run when it errors (a WARN result does not block).
    blocking=True,
)
def no_new_data_test_failure(
    context: AssetCheckExecutionContext, settings: ResourceParam[Settings]
) -> AssetCheckResult:
    with connect(settings.reader_path, read_only=True) as con:
        try:
            stored = con.execute(
                "select count(*) from marts.data_test_results where dagster_run_id = ?", [context.run.run_id]
            ).fetchone()[0]
            # A run that ran no dbt tests (tests skipped) has nothing new to report: falling back to an
            # earlier invocation would alert again about failures that were already reported.
            failures = new_failures(con, context.run.run_id) if stored else []
        except duckdb.CatalogException:
            return AssetCheckResult(passed=True, metadata={"new_failures": 0, "history": "not built yet"})
    if not stored:
        return AssetCheckResult(passed=True, metadata={"new_failures": 0, "tests_this_run": 0})
    if not failures:
        return AssetCheckResult(passed=True, metadata={"new_failures": 0})
    message = describe_new_failures(failures)
    record_alert("data_test_new_failure", message, {"tests": failures}, settings)
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        description=message,
        metadata={
            "new_failures": len(failures),
            "tests": MetadataValue.json([{k: str(v) for k, v in row.items()} for row in failures]),
        },
    )
