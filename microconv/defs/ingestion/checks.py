"""The raw data's checks: loads are fresh, and Mixpanel's `time` is read in the right time zone."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
from datetime import UTC, datetime, timedelta

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    ResourceParam,
    asset_check,
)

from ...settings import Settings
from ...sources import EVENT_SOURCES
from .assets import RAW_EVENTS_KEY, RAW_KEYS


@asset_check(
    asset=RAW_EVENTS_KEY,
    name="raw_events_are_fresh",
    description=(
        "Warns when the newest load (of raw rows or landing files) is older than MICROCONV_FRESHNESS_HOURS "
        "(default 26): the tracker or the export feeding the landing directory may have stopped. The lag "
        "of the newest event time is reported, not judged, so loading historical files never warns."
    ),
    # Blocking: publishing waits for it, and does not run when it errors (a WARN result does not block).
    blocking=True,
)
def raw_events_are_fresh(settings: ResourceParam[Settings]) -> AssetCheckResult:
    newest_event_at, newest_load_at = settings.engine_steps.newest_landed()
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


def _hours(age: timedelta) -> str:
    return f"{age.total_seconds() / 3600:.1f} h"


def _rounded_hours(age: timedelta | None) -> float:
    """Hours, to a tenth; -1 when there is nothing to measure."""
    return round(age.total_seconds() / 3600, 1) if age is not None else -1


# Mixpanel: does `time` run a whole time zone away from Mixpanel's own processing time?
MIXPANEL_KEY = RAW_KEYS["mixpanel"]
_HALF_HOUR_MS = 1_800_000
# Real UTC offsets run from -12 h to +14 h, and none is under one hour.
_ZONE_OFFSET_HALF_HOURS = (2, 28)


def zone_like_offset_hours(median_offset_ms: float | None, tolerance_minutes: float = 15) -> float | None:
    """The UTC offset (hours: a nonzero multiple of 0.5 between -14 and +14, at least 1 h) that the median
    of Mixpanel's `time` minus mp_processing_time_ms looks like, or None. Events reach Mixpanel seconds to
    minutes after they happen, so a UTC export's median is near zero (slightly negative); an export in a
    project's local time is off by that zone's offset: within `tolerance_minutes` of a whole or half hour.
    Positive: events look to happen after Mixpanel processed them (a zone east of UTC)."""
    if median_offset_ms is None:
        return None
    half_hours = round(median_offset_ms / _HALF_HOUR_MS)
    low, high = _ZONE_OFFSET_HALF_HOURS
    if not low <= abs(half_hours) <= high:
        return None
    if abs(median_offset_ms - half_hours * _HALF_HOUR_MS) > tolerance_minutes * 60_000:
        return None
    return half_hours / 2


def mixpanel_offset_sql(records_sql: str) -> str:
    """Median of `time` (read in the project time zone given as the one parameter, converted to UTC as
    stg_mixpanel__events does) minus mp_processing_time_ms, in ms, and how many rows have both."""
    number = "try_cast(json_extract_string(record, '$.properties.{}') as double)"
    time, processed = number.format("time"), number.format("mp_processing_time_ms")
    local_us = f"cast(round(case when {time} > 1e11 then {time} * 1000 else {time} * 1000000 end) as bigint)"
    utc_ms = f"epoch_ms(timezone('UTC', timezone(?, make_timestamp({local_us}))))"
    return f"""
    select median({utc_ms} - {processed}) as median_offset_ms, count(*) as events
    from ({records_sql}) as records
    where {time} is not null and {processed} is not null
    """


def mixpanel_time_offset(settings: Settings) -> tuple[float | None, int]:
    """(median offset in ms, rows measured) over the Mixpanel raw rows: the warehouse's raw table on
    DuckDB, the most recent landing files on Spark (the engine reads them)."""
    row = settings.engine_steps.raw_records(
        EVENT_SOURCES["mixpanel"], mixpanel_offset_sql, [settings.mixpanel_timezone]
    )
    return row if row is not None else (None, 0)


@asset_check(
    asset=MIXPANEL_KEY,
    name="mixpanel_time_is_utc",
    description=(
        "Warns when Mixpanel's `time`, converted from MICROCONV_MIXPANEL_TIMEZONE, still runs a whole or "
        "half hour (1 to 14 h, +-15 min) from mp_processing_time_ms at the median: the export is in a "
        "project time zone (Mixpanel projects created before 2023) that the setting does not name."
    ),
    # Blocking: publishing waits for it, and does not run when it errors (a WARN result does not block).
    blocking=True,
)
def mixpanel_time_is_utc(settings: ResourceParam[Settings]) -> AssetCheckResult:
    median_offset_ms, events = mixpanel_time_offset(settings)
    offset = zone_like_offset_hours(median_offset_ms)
    metadata = {"rows_measured": events, "mixpanel_timezone": settings.mixpanel_timezone}
    if median_offset_ms is not None:
        metadata["median_offset_minutes"] = round(median_offset_ms / 60_000, 1)
    if offset is None:
        return AssetCheckResult(passed=True, metadata=metadata)
    side = "after" if offset > 0 else "before"
    return AssetCheckResult(
        passed=False,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"Mixpanel events look to happen {abs(offset):g} h {side} Mixpanel processed them (median over "
            f"{events} rows, times read in {settings.mixpanel_timezone}): the export is in the project's "
            "time zone; set MICROCONV_MIXPANEL_TIMEZONE to it (Mixpanel: Project Settings > Timezone)."
        ),
        metadata=metadata,
    )
