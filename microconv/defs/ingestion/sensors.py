"""A sensor that starts a run when new landing files appear, for the days their events fall on."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import (
    DefaultSensorStatus,
    ResourceParam,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from ...demo import demo_landing_cursor, record_demo_landing_cursor
from ...ingest import UNREADABLE_FILE_ERRORS, discover_files, event_times_sql, landing_reader, source_name
from ...settings import Settings
from ...sources import CONTRACT, EVENT_SOURCES, EventSource
from ..jobs.jobs import microconv_job
from ..jobs.partitions import first_partition_date, range_tags


@dataclass(frozen=True)
class LandingCursor:
    """Files up to `mtime` were seen; `names` are the ones stamped exactly `mtime` (ties)."""

    mtime: float = 0.0
    names: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str | None) -> "LandingCursor":
        if not text:
            return cls()
        data = json.loads(text)
        return cls(float(data["mtime"]), tuple(data["names"]))

    def dump(self) -> str:
        return json.dumps({"mtime": self.mtime, "names": list(self.names)})

    def later(self, other: "LandingCursor") -> "LandingCursor":
        """The cursor that has seen more: the later mtime (ties: both cursors' names)."""
        if self.mtime != other.mtime:
            return self if self.mtime > other.mtime else other
        return LandingCursor(self.mtime, tuple(sorted({*self.names, *other.names})))


def new_files(
    files: list[Path], landing_dir: Path, cursor: LandingCursor
) -> tuple[list[Path], LandingCursor]:
    """Files newer than the cursor, and the cursor after them."""
    stamped = [(path.stat().st_mtime, source_name(path, landing_dir), path) for path in files]
    fresh = [
        (mtime, name, path)
        for mtime, name, path in stamped
        if mtime > cursor.mtime or (mtime == cursor.mtime and name not in cursor.names)
    ]
    if not fresh:
        return [], cursor
    latest = max(mtime for mtime, _, _ in fresh)
    ties = {name for mtime, name, _ in stamped if mtime == latest}
    if latest == cursor.mtime:
        ties |= set(cursor.names)
    return [path for _, _, path in sorted(fresh)], LandingCursor(latest, tuple(sorted(ties)))


def landing_files(settings: Settings) -> tuple[Path, dict[Path, EventSource]]:
    """The landing root (names in the cursor are relative to it, events/…, ga4/…, so that sources
    never clash) and every landing file with its source."""
    landing_dirs = settings.landing_dirs()
    source_of = {
        path: EVENT_SOURCES[name]
        for name, landing_dir in landing_dirs.items()
        for path in discover_files(landing_dir, settings.landing_glob)
    }
    return settings.landing_dir.parent, source_of


def record_demo_cursor(settings: Settings) -> None:
    """After a demo: the landing files it loaded count as seen by the sensor, so that the first tick
    of `make dagster` does not rebuild the days the demo just built."""
    landing_root, source_of = landing_files(settings)
    _, cursor = new_files(list(source_of), landing_root, LandingCursor())
    record_demo_landing_cursor(settings.duckdb_path, landing_root, cursor.dump())


def event_day_range(
    files: list[Path],
    first_day: date,
    last_day: date,
    source: EventSource = CONTRACT,
    time_zone: str = "UTC",
    source_time_zone: str | None = None,
) -> tuple[date, date] | None:
    """First and last event day within the partitions over the readable files, else None. Days are
    local dates of `time_zone` (the reporting time zone: the partitions' days); `source_time_zone` is
    the zone the source writes wall-clock times in (EventSource.time_zone_in), for those that do."""
    days: list[date] = []
    with landing_reader() as con:
        for path in files:
            try:
                low, high = con.execute(
                    f"""
                    select min(event_day), max(event_day)
                    from (
                        select cast(timezone(?, event_at) as date) as event_day
                        from ({event_times_sql(con, path, source, source_time_zone)}) as times
                    ) as parsed
                    where event_day between ? and ?
                    """,
                    [time_zone, first_day, last_day],
                ).fetchone()
            except UNREADABLE_FILE_ERRORS:
                continue  # the loader rejects the file and reports it; the run still happens
            days += [day for day in (low, high) if day is not None]
    return (min(days), max(days)) if days else None


@sensor(
    name="microconv_new_landing_files",
    job=microconv_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description=(
        "Starts a run of microconv_job when new files land, over the days their events fall on "
        "(one run for the whole range); never opens the warehouse."
    ),
)
def new_landing_files(context: SensorEvaluationContext, settings: ResourceParam[Settings]):
    # Files a demo loaded into this warehouse count as seen (the demo wrote where it stopped).
    landing_root, source_of = landing_files(settings)
    cursor = LandingCursor.parse(context.cursor).later(
        LandingCursor.parse(demo_landing_cursor(settings.duckdb_path, landing_root))
    )
    files, next_cursor = new_files(list(source_of), landing_root, cursor)
    if not files:
        if next_cursor.dump() != context.cursor:
            context.update_cursor(next_cursor.dump())
        folders = settings.landing_dirs().values()
        return SkipReason(f"No new files in {', '.join(str(path) for path in folders)}")
    yesterday = datetime.now(ZoneInfo(settings.reporting_timezone)).date() - timedelta(days=1)
    first_day = first_partition_date(settings)
    ranges = [
        event_day_range(
            [path for path in files if source_of[path] is source],
            first_day,
            yesterday,
            source,
            settings.reporting_timezone,
            source.time_zone_in(settings),
        )
        for source in EVENT_SOURCES.values()
    ]
    found = [day for day_range in ranges if day_range for day in day_range]
    start, end = (day.isoformat() for day in ((min(found), max(found)) if found else (yesterday, yesterday)))
    names = sorted(source_name(path, landing_root) for path in files)
    run_key = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    context.update_cursor(next_cursor.dump())
    context.log.info(f"{len(files)} new landing files with events from {start} to {end}: {names[:10]}")
    if start == end:
        return RunRequest(run_key=run_key, partition_key=start)
    return RunRequest(run_key=run_key, tags=range_tags(start, end))
