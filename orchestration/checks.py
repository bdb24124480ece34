"""Asset checks beyond dbt's tests: alert when the latest complete day has a micro-conversion anomaly."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
from datetime import UTC, datetime, timedelta

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue, asset_check

from .alerts import record_alert
from .assets.ingestion import RAW_EVENTS_KEY
from .ingest import UNREADABLE_FILE_ERRORS, discover_files, event_times_sql, landing_reader
from .settings import Settings, get_settings
from .sources import EVENT_SOURCES

ANOMALIES_KEY = AssetKey(["marts", "micro_conversion_anomalies"])

# The latest complete day: the model marks the last day of data (still filling) is_complete_day = false
# and never flags it, so an alert is about a whole day.
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
        "Warns (and records an alert) when a micro-conversion drops or spikes on the latest complete day."
    ),
    blocking=False,
)
def no_anomaly_on_latest_complete_day() -> AssetCheckResult:
    settings = get_settings()
    with duckdb.connect(str(settings.reader_path), read_only=True) as con:
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


_LANDED_SQL = "\n    union all\n    ".join(
    f"select {source.event_at_sql} as event_at, _ingested_at from raw.{source.raw_table}"
    for source in EVENT_SOURCES.values()
)
# Over every source's raw table (a vendor-only warehouse has an empty raw.events) and the file registry
# (a load of files without rows is still a load).
RAW_FRESHNESS_SQL = f"""
with landed as (
    {_LANDED_SQL}
)
select
    (select max(event_at) filter (where event_at <= now() + interval 1 hour) from landed) as newest_event_at,
    greatest(
        (select max(_ingested_at) from landed),
        (select max(ingested_at) from raw.loaded_files)
    ) as newest_load_at
"""


@asset_check(
    asset=RAW_EVENTS_KEY,
    name="raw_events_are_fresh",
    description=(
        "Warns when the newest load (of raw rows or landing files) is older than MICROCONV_FRESHNESS_HOURS "
        "(default 26): the tracker or the export feeding the landing directory may have stopped. The lag "
        "of the newest event time is reported, not judged, so loading historical files never warns."
    ),
    blocking=False,
)
def raw_events_are_fresh() -> AssetCheckResult:
    settings = get_settings()
    newest_event_at, newest_load_at = (
        newest_landed_on_spark(settings) if settings.engine == "spark" else newest_loaded(settings)
    )
    now = datetime.now(UTC)
    limit = timedelta(hours=settings.freshness_hours)
    event_lag = now - newest_event_at.astimezone(UTC) if newest_event_at else None
    load_age = now - newest_load_at.replace(tzinfo=UTC) if newest_load_at else None
    metadata = {
        "newest_load_at": str(newest_load_at),
        "newest_event_at": str(newest_event_at),
        "load_age_hours": _rounded_hours(load_age),
        "event_lag_hours": _rounded_hours(event_lag),
        "limit_hours": settings.freshness_hours,
    }
    if load_age is not None and load_age <= limit:
        lag = f"; the newest event is {_hours(event_lag)} old" if event_lag and event_lag > limit else ""
        return AssetCheckResult(
            passed=True, description=f"Newest load {_hours(load_age)} ago{lag}.", metadata=metadata
        )
    stale = f"the newest load is {_hours(load_age)} old" if load_age is not None else "nothing was loaded"
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        description=f"Raw events are stale: {stale} (limit {settings.freshness_hours:g} h).",
        metadata=metadata,
    )


def newest_loaded(settings: Settings) -> tuple[datetime | None, datetime | None]:
    """The newest event time (timestamptz) and load time (naive UTC) in the raw tables."""
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        con.execute("set timezone = 'UTC'")
        return con.execute(RAW_FRESHNESS_SQL).fetchone()


# On Spark the newest events are looked for in the most recently modified landing files only.
RECENT_FILES = 20


def newest_landed_on_spark(settings: Settings) -> tuple[datetime | None, datetime | None]:
    """As newest_loaded, for Spark, whose raw tables are views over the landing files: the newest file's
    modification time stands for the load, and the newest event is read from the most recent files
    (with DuckDB, no Spark session)."""
    newest_event_at, newest_load_at = None, None
    with landing_reader() as con:
        for source in EVENT_SOURCES.values():
            files = discover_files(source.landing_dir(settings.landing_dir), settings.landing_glob)
            recent = sorted(files, key=lambda path: path.stat().st_mtime)[-RECENT_FILES:]
            for path in recent:
                try:
                    event_at = con.execute(
                        "select max(event_at) filter (where event_at <= now() + interval 1 hour) "
                        f"from ({event_times_sql(con, path, source)}) as times"
                    ).fetchone()[0]
                except UNREADABLE_FILE_ERRORS:
                    continue  # an unreadable file fails the build, with its own message
                if event_at is not None and (newest_event_at is None or event_at > newest_event_at):
                    newest_event_at = event_at
            if recent:
                landed_at = datetime.fromtimestamp(recent[-1].stat().st_mtime, UTC).replace(tzinfo=None)
                newest_load_at = max(newest_load_at or landed_at, landed_at)
    return newest_event_at, newest_load_at


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:.1f} h"


def _rounded_hours(age: timedelta | None) -> float:
    """Hours, to a tenth; -1 when there is nothing to measure."""
    return round(age.total_seconds() / 3600, 1) if age is not None else -1
