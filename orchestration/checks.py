"""Asset checks beyond dbt's tests: alert when the latest complete day has a micro-conversion anomaly."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue, asset_check

from .alerts import record_alert
from .settings import get_settings

ANOMALIES_KEY = AssetKey(["marts", "micro_conversion_anomalies"])

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
    anomalies.z_score
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
        "Warns (and records an alert) when a micro-conversion drops or spikes on the latest complete day."
    ),
    blocking=False,
)
def no_anomaly_on_latest_complete_day() -> AssetCheckResult:
    settings = get_settings()
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        anomalies = latest_day_anomalies(con)
    if not anomalies:
        return AssetCheckResult(passed=True, metadata={"anomalies": 0})
    day = anomalies[0]["date_day"]
    summary = ", ".join(
        f"{row['micro_conversion']} {row['direction']} ({row['occurrences']} vs {row['baseline_mean']:.1f})"
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
