"""The ingestion asset: landing files -> raw.events."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, MaterializeResult, MetadataValue, asset

from ..ingest import load_landing_files, source_name
from ..partitions import daily_partitions
from ..settings import get_settings
from ..warehouse import WAREHOUSE_POOL, open_warehouse

RAW_EVENTS_KEY = AssetKey(["raw", "events"])

NEW_ROWS_BY_DAY_SQL = """
select
    coalesce(cast(try_cast(event_timestamp as timestamptz) as date)::varchar, 'unparseable') as event_day,
    count(*) as rows
from raw.events
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
        "One row per raw row of a landing file (parquet/csv/jsonl, optionally gzipped). Each file is "
        "loaded once (by content hash) whatever the partition; unreadable files are moved to "
        "_rejected/ and reported. The partition only tells the dbt step which days to reprocess."
    ),
)
def raw_events(context: AssetExecutionContext) -> MaterializeResult:
    settings = get_settings()
    with open_warehouse(settings.duckdb_path) as con:
        report = load_landing_files(con, settings.landing_dir, pattern=settings.landing_glob)
        total_rows = con.execute("select count(*) from raw.events").fetchone()[0]
        loaded_files = [source_name(Path(path), settings.landing_dir) for path, _ in report.loaded]
        by_day = con.execute(NEW_ROWS_BY_DAY_SQL, [loaded_files]).fetchall() if loaded_files else []
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
            "new_rows_by_event_day": MetadataValue.json({day: rows for day, rows in by_day}),
            "total_raw_rows": int(total_rows),
        }
    )
