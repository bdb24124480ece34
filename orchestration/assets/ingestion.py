"""The ingestion asset: landing files -> raw.events."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.

import duckdb
from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from ..ingest import load_landing_files
from ..settings import get_settings

RAW_EVENTS_KEY = AssetKey(["raw", "events"])


@asset(
    key=RAW_EVENTS_KEY,
    group_name="raw",
    kinds={"duckdb", "python"},
    description=(
        "One row per raw row of a landing file (parquet/csv/jsonl, optionally gzipped). Each file is "
        "loaded once (by content hash); unreadable files are moved to _rejected/ and reported."
    ),
)
def raw_events(context: AssetExecutionContext) -> MaterializeResult:
    settings = get_settings()
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        report = load_landing_files(con, settings.landing_dir, pattern=settings.landing_glob)
        total_rows = con.execute("select count(*) from raw.events").fetchone()[0]
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
            "total_raw_rows": int(total_rows),
        }
    )
