"""DuckDB, the default engine: landing files are loaded into the warehouse's raw tables (by content
hash, once), dbt builds in the same file, and readers read that file."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from zoneinfo import ZoneInfo

import duckdb
from dagster import MetadataValue

from ..ingest import load_event_sources, rejected_summary, source_name
from ..retention import apply_retention
from ..settings import Settings
from ..sources import EVENT_SOURCES, EventSource
from ..spend import load_spend_files
from ..warehouse import connect, ensure_writable, open_warehouse
from . import BuildPlan, BuildStep, DbtSelection, StagedRaw

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource


def raw_freshness_sql(settings: Settings) -> str:
    """The newest event (not in the future) and the newest load over every source's raw table (a
    vendor-only warehouse has an empty raw.events) and the file registry (a load of files without rows
    is still a load)."""
    landed = "\n    union all\n    ".join(
        f"select {source.event_at_sql(source.time_zone_in(settings))} as event_at, _ingested_at "
        f"from raw.{source.raw_table}"
        for source in EVENT_SOURCES.values()
    )
    return f"""
    with landed as (
        {landed}
    )
    select
        (select max(event_at) filter (where event_at <= now() + interval 1 hour) from landed)
            as newest_event_at,
        greatest(
            (select max(_ingested_at) from landed),
            (select max(ingested_at) from raw.loaded_files)
        ) as newest_load_at
    """


def new_rows_by_day_sql(source: EventSource, time_zone: str | None = None) -> str:
    return f"""
    select
        coalesce(
            cast({source.event_at_sql(time_zone)} as date)::varchar, 'unparseable'
        ) as event_day,
        count(*) as rows
    from raw.{source.raw_table}
    where list_contains(?, _source_file)
    group by 1
    order by 1
    """


def deidentify_old_events(con: duckdb.DuckDBPyConnection, settings: Settings, log: Any) -> dict[str, Any]:
    """The user-level retention pass (retention.py) of this run, for today in the reporting time zone:
    the run's metadata (cutoff day, rows moved per raw table)."""
    today = datetime.now(UTC).astimezone(ZoneInfo(settings.reporting_timezone)).date()
    report = apply_retention(con, settings.user_level_retention_days, today, settings.reporting_timezone)
    if report.events:
        log.info(
            f"User-level retention: {report.events:,} events of people not seen since before "
            f"{report.cutoff} lost their identifiers ({report.total:,} raw rows moved)."
        )
        # MetricFlow's private copy still names them: `microconv metrics` makes a new one (as after forget).
        shutil.rmtree(settings.metricflow_dir, ignore_errors=True)
    return {
        "retention_days": settings.user_level_retention_days,
        "cutoff_date": str(report.cutoff),
        "events_deidentified": report.events,
        "raw_rows_moved": MetadataValue.json(report.rows_moved),
    }


@dataclass(frozen=True)
class DuckDBEngine:
    settings: Settings
    name: str = "duckdb"
    # dbt builds every model, the Python ones too, in one step.
    build_plan: ClassVar[BuildPlan] = (DbtSelection("microconv_dbt_assets"),)

    @property
    def reader_path(self) -> Path:
        return self.settings.duckdb_path

    @property
    def fingerprint_path(self) -> Path:
        path = self.settings.duckdb_path
        return path.with_name(path.name + ".fingerprint.json")

    @property
    def location(self) -> str:
        return str(self.settings.duckdb_path)

    def stage_raw(self, dbt: DbtCliResource, log: Any) -> StagedRaw:
        """Load the new landing files of every source into its raw table (one transaction per file)."""
        settings, staged = self.settings, StagedRaw()
        with open_warehouse(settings.duckdb_path) as con:
            loads = load_event_sources(
                con,
                settings.landing_dir,
                settings.landing_glob,
                settings.event_sources,
                settings.landing_dir_overrides,
            )
            for source, landing_dir, report in loads:
                total_rows = con.execute(f"select count(*) from raw.{source.raw_table}").fetchone()[0]
                names = [source_name(Path(path), landing_dir) for path, _ in report.loaded]
                by_day = (
                    con.execute(
                        new_rows_by_day_sql(source, source.time_zone_in(settings)), [names]
                    ).fetchall()
                    if names
                    else []
                )
                for path, error in report.rejected:
                    log.error(f"Rejected landing file {path}: {error}")
                log.info(
                    f"{source.title}: loaded {report.rows_loaded:,} rows from {len(report.loaded)} new "
                    f"files; {len(report.skipped)} already loaded, {len(report.rejected)} rejected."
                )
                staged.metadata[source.name] = {
                    "landing_dir": MetadataValue.path(str(landing_dir)),
                    "rows_loaded": report.rows_loaded,
                    "files_loaded": len(report.loaded),
                    "files_skipped": len(report.skipped),
                    "files_rejected": len(report.rejected),
                    "rejected_files": MetadataValue.json(
                        [{"file": path, "error": error} for path, error in report.rejected]
                    ),
                    "new_rows_by_event_day": MetadataValue.json(dict(by_day)),
                    "total_raw_rows": int(total_rows),
                }
            if settings.user_level_retention_days:
                staged.metadata["user_level_retention"] = deidentify_old_events(con, settings, log)
            spend = load_spend_files(con, settings.spend_dir, settings.landing_glob)
            staged.metadata["ad_spend"] = {
                "landing_dir": MetadataValue.path(str(settings.spend_dir)),
                "rows_loaded": spend.rows_loaded,
                "files_loaded": len(spend.loaded),
                "files_skipped": len(spend.skipped),
                "files_rejected": len(spend.rejected),
                "rejected_files": MetadataValue.json(
                    [{"file": path, "error": error} for path, error in spend.rejected]
                ),
                "total_raw_rows": int(con.execute("select count(*) from raw.ad_spend").fetchone()[0]),
            }
        staged.rejected = rejected_summary([*loads, (None, settings.spend_dir, spend)])
        return staged

    def build(self, step: BuildStep) -> Iterator[Any]:
        ensure_writable(self.settings.duckdb_path)
        yield from step.stream(step.dbt.cli(step.args, context=step.context, raise_on_error=False))

    def newest_landed(self) -> tuple[datetime | None, datetime | None]:
        with connect(self.settings.duckdb_path, read_only=True) as con:
            con.execute("set timezone = 'UTC'")
            return con.execute(raw_freshness_sql(self.settings)).fetchone()

    def raw_records(
        self, source: EventSource, query: Callable[[str], str], parameters: list[Any]
    ) -> tuple | None:
        with connect(self.settings.duckdb_path, read_only=True) as con:
            try:
                return con.execute(query(f"select record from raw.{source.raw_table}"), parameters).fetchone()
            except duckdb.CatalogException:
                return None

    def warehouse_reader(self) -> duckdb.DuckDBPyConnection | None:
        return connect(self.settings.duckdb_path, read_only=True)
