"""The publishing assets, after every successful build: a read-only copy of core and marts for BI tools,
and the HTML report drawn from that copy."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
from dagster import (
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    DagsterEventType,
    DagsterInstance,
    Failure,
    MaterializeResult,
    MetadataValue,
    ResourceParam,
    asset,
)

from ...publish import publish
from ...report.page import write_report
from ...settings import Settings
from ...warehouse import WAREHOUSE_POOL
from ..dbt.assets import DBT_ASSETS
from ..jobs.partitions import daily_partitions

PUBLISHED_KEY = AssetKey(["publish", "bi_copy"])
REPORT_KEY = AssetKey(["publish", "report"])


def run_failures(instance: DagsterInstance, run_id: str) -> list[str]:
    """The steps of this run that failed so far and its checks that failed with severity ERROR."""
    failed = [
        str(record.event_log_entry.step_key)
        for record in instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_FAILURE).records
    ]
    evaluations = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)
    for record in evaluations.records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            failed.append(f"check {evaluation.asset_check_key.to_user_string()}")
    return failed


def refuse_to_publish_after_failures(instance: DagsterInstance, run_id: str) -> None:
    """Publishing replaces what BI tools read: never from a run in which anything upstream failed.

    Dagster already skips this step when the dbt step or a blocking check fails; this guards against a
    step that is not upstream (a non-blocking check added later) having failed earlier in the run.
    """
    failed = run_failures(instance, run_id)
    if failed:
        raise Failure(
            f"Not publishing: this run failed in {', '.join(failed)}; the published copy is unchanged."
        )


@asset(
    key=PUBLISHED_KEY,
    deps=[key for assets in DBT_ASSETS for key in assets.keys],
    group_name="publish",
    kinds={"duckdb", "parquet"},
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=BackfillPolicy.single_run(),
    description=(
        "Read-only DuckDB copy (v1.0.0 storage, atomically replaced) and one Parquet file per table of "
        "the core, marts and config schemas, for BI tools. Not run when the build fails."
    ),
)
def published_warehouse(
    context: AssetExecutionContext, settings: ResourceParam[Settings]
) -> MaterializeResult:
    refuse_to_publish_after_failures(context.instance, context.run.run_id)
    report = publish(settings)
    context.log.info(f"Published {len(report.tables)} tables to {report.database} and {report.parquet_dir}")
    return MaterializeResult(
        metadata={
            "database": MetadataValue.path(str(report.database)),
            "parquet_dir": MetadataValue.path(str(report.parquet_dir)),
            "tables": len(report.tables),
            "rows": MetadataValue.json(report.tables),
        }
    )


@asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    group_name="publish",
    kinds={"html", "plotly"},
    partitions_def=daily_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    description=(
        "Self-contained HTML dashboard (report.html next to the published copy, plotly.js embedded; "
        "docs/dashboard.md): overview KPIs, funnels, micro-conversion trends with anomalies, impact "
        "ranking, attribution, experiments, cohorts, journeys and abandonment, marketing, data quality, "
        "with period, channel and device filters. Reads the published copy only."
    ),
)
def html_report(context: AssetExecutionContext, settings: ResourceParam[Settings]) -> MaterializeResult:
    path = write_report(settings.publish_dir)
    context.log.info(f"Report: {path}")
    return MaterializeResult(metadata={"path": MetadataValue.path(str(path)), "bytes": path.stat().st_size})
