"""The ingestion assets: landing files -> raw.events and the vendor raw tables, in one step."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
import json
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from dagster_dbt import DbtCliResource

from ..ingest import check_landing_dirs, discover_files, load_event_sources, rejected_summary, source_name
from ..partitions import daily_partitions
from ..settings import get_settings
from ..sources import EVENT_SOURCES, EventSource
from ..warehouse import WAREHOUSE_POOL, open_warehouse

# One asset per raw table: raw/events (the contract), raw/ga4_events, raw/segment_events, …
RAW_KEYS = {name: AssetKey(["raw", source.raw_table]) for name, source in EVENT_SOURCES.items()}
RAW_EVENTS_KEY = RAW_KEYS["microconv"]


def new_rows_by_day_sql(source: EventSource) -> str:
    return f"""
    select
        coalesce(
            cast({source.event_at_sql} as date)::varchar, 'unparseable'
        ) as event_day,
        count(*) as rows
    from raw.{source.raw_table}
    where list_contains(?, _source_file)
    group by 1
    order by 1
    """


def _spec(source: EventSource) -> AssetSpec:
    what = (
        "raw row of a contract landing file (every column as text)"
        if source.is_contract
        else f"row of a {source.title} file, kept whole as one JSON object (column `record`)"
    )
    return AssetSpec(
        key=RAW_KEYS[source.name],
        group_name="raw",
        kinds={"duckdb", "python"},
        description=f"One row per {what}: raw.{source.raw_table}, loaded from its landing directory.",
    )


@multi_asset(
    name="raw_events",
    specs=[_spec(source) for source in EVENT_SOURCES.values()],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=BackfillPolicy.single_run(),
    description=(
        "Loads new landing files (parquet/csv/jsonl, optionally gzipped) into the raw tables: the event "
        "contract's into raw.events, each vendor export's (GA4, Segment, Snowplow, Mixpanel) into "
        "raw.<vendor>_events. Each file is loaded once (by content hash) whatever the partition; "
        "unreadable files and contract files lacking a required column are moved to _rejected/ and fail "
        "the run unless MICROCONV_BEST_EFFORT=1; an enabled source's missing landing folder fails it too. "
        "The partition only tells the dbt step "
        "which days to reprocess."
    ),
)
def raw_events(context: AssetExecutionContext, dbt: DbtCliResource):
    settings = get_settings()
    if settings.engine == "spark":
        yield from _stage_on_spark(context, dbt)
        return
    with open_warehouse(settings.duckdb_path) as con:
        loads = load_event_sources(con, settings.landing_dir, settings.landing_glob, settings.event_sources)
        for source, landing_dir, report in loads:
            count_sql = f"select count(*) from raw.{source.raw_table}"
            total_rows = con.execute(count_sql).fetchone()[0]
            names = [source_name(Path(path), landing_dir) for path, _ in report.loaded]
            by_day = con.execute(new_rows_by_day_sql(source), [names]).fetchall() if names else []
            for path, error in report.rejected:
                context.log.error(f"Rejected landing file {path}: {error}")
            context.log.info(
                f"{source.title}: loaded {report.rows_loaded:,} rows from {len(report.loaded)} new files; "
                f"{len(report.skipped)} already loaded, {len(report.rejected)} rejected."
            )
            yield MaterializeResult(
                asset_key=RAW_KEYS[source.name],
                metadata={
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
                },
            )
    rejected = rejected_summary(loads)
    if rejected and not settings.best_effort:
        # The good files are loaded (each in its own transaction); nothing downstream is built or published.
        raise Failure(rejected)
    if rejected:
        context.log.warning(f"Best effort (MICROCONV_BEST_EFFORT): building without them. {rejected}")


def _stage_on_spark(context: AssetExecutionContext, dbt: DbtCliResource):
    """On Spark nothing is copied: the raw tables become views over the landing files (read in place
    at every build), made by the `stage_landing_files` run-operation (dbt-spark's own process)."""
    from ..engines.spark import landing_views_args

    settings = get_settings()
    check_landing_dirs(settings.landing_dir, settings.event_sources)
    arguments = json.dumps(landing_views_args(settings))
    dbt.cli(["run-operation", "stage_landing_files", "--args", arguments]).wait()
    for name, source in EVENT_SOURCES.items():
        landing_dir = source.landing_dir(settings.landing_dir)
        files = discover_files(landing_dir, settings.landing_glob)
        yield MaterializeResult(
            asset_key=RAW_KEYS[name],
            metadata={
                "engine": "spark",
                "landing_dir": MetadataValue.path(str(landing_dir)),
                "landing_files": len(files),
                "landing_bytes": sum(path.stat().st_size for path in files),
            },
        )
