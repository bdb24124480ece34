"""The ingestion asset: landing files -> raw.events and the vendor raw tables."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MaterializeResult, MetadataValue, asset

from ..ingest import LoadReport, load_event_sources, source_name
from ..partitions import daily_partitions
from ..settings import get_settings
from ..sources import EventSource
from ..warehouse import WAREHOUSE_POOL, open_warehouse

RAW_EVENTS_KEY = AssetKey(["raw", "events"])


def new_rows_by_day_sql(source: EventSource) -> str:
    return f"""
    select
        coalesce(
            cast(try_cast({source.event_time_sql} as timestamptz) as date)::varchar, 'unparseable'
        ) as event_day,
        count(*) as rows
    from raw.{source.raw_table}
    where list_contains(?, _source_file)
    group by 1
    order by 1
    """


@asset(
    key=RAW_EVENTS_KEY,
    group_name="raw",
    kinds={"duckdb", "python"},
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=BackfillPolicy.single_run(),
    description=(
        "One row per raw row of a landing file (parquet/csv/jsonl, optionally gzipped): the event "
        "contract's files into raw.events, each vendor export's (GA4, Segment, Snowplow, Mixpanel) "
        "into raw.<vendor>_events. Each file is loaded once (by content hash) whatever the partition; "
        "unreadable files are moved to _rejected/ and reported. The partition only tells the dbt step "
        "which days to reprocess."
    ),
)
def raw_events(context: AssetExecutionContext) -> MaterializeResult:
    settings = get_settings()
    report = LoadReport()
    by_day: dict[str, int] = {}
    total_rows: dict[str, int] = {}
    with open_warehouse(settings.duckdb_path) as con:
        loads = load_event_sources(con, settings.landing_dir, settings.landing_glob)
        for source, landing_dir, loaded in loads:
            report.loaded += loaded.loaded
            report.skipped += loaded.skipped
            report.rejected += loaded.rejected
            count_sql = f"select count(*) from raw.{source.raw_table}"
            total_rows[source.name] = con.execute(count_sql).fetchone()[0]
            names = [source_name(Path(path), landing_dir) for path, _ in loaded.loaded]
            for day, rows in con.execute(new_rows_by_day_sql(source), [names]).fetchall() if names else []:
                by_day[day] = by_day.get(day, 0) + rows
    for path, error in report.rejected:
        context.log.error(f"Rejected landing file {path}: {error}")
    context.log.info(
        f"Loaded {report.rows_loaded:,} rows from {len(report.loaded)} new files; "
        f"{len(report.skipped)} already loaded, {len(report.rejected)} rejected."
    )
    return MaterializeResult(
        metadata={
            "landing_dir": MetadataValue.path(str(settings.landing_dir)),
            "rows_loaded": report.rows_loaded,
            "files_loaded": len(report.loaded),
            "files_skipped": len(report.skipped),
            "files_rejected": len(report.rejected),
            "rejected_files": MetadataValue.json([{"file": p, "error": e} for p, e in report.rejected]),
            "new_rows_by_event_day": MetadataValue.json(dict(sorted(by_day.items()))),
            "total_raw_rows": sum(total_rows.values()),
            "total_raw_rows_by_source": MetadataValue.json(total_rows),
        }
    )
