"""The ingestion assets: landing files -> raw.events and the vendor raw tables, in one step."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    ResourceParam,
    multi_asset,
)
from dagster_dbt import DbtCliResource

from ...settings import Settings
from ...sources import EVENT_SOURCES, EventSource
from ...warehouse import WAREHOUSE_POOL
from ..jobs.partitions import daily_partitions

# One asset per raw table: raw/events (the contract), raw/ga4_events, raw/segment_events, …
RAW_KEYS = {name: AssetKey(["raw", source.raw_table]) for name, source in EVENT_SOURCES.items()}
RAW_EVENTS_KEY = RAW_KEYS["microconv"]
# Ad-platform spend reports (microconv/spend.py), loaded in the same step.
RAW_KEYS["ad_spend"] = AssetKey(["raw", "ad_spend"])
AD_SPEND_SPEC = AssetSpec(
    key=RAW_KEYS["ad_spend"],
    group_name="raw",
    kinds={"duckdb", "python"},
    description=(
        "One row per row of an ad-platform spend report (the spend contract, Google Ads, Meta, Microsoft "
        "Advertising or Yandex Direct exports), mapped onto the spend contract as text: raw.ad_spend."
    ),
)


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
    specs=[*(_spec(source) for source in EVENT_SOURCES.values()), AD_SPEND_SPEC],
    partitions_def=daily_partitions,
    pool=WAREHOUSE_POOL,
    backfill_policy=BackfillPolicy.single_run(),
    description=(
        "Loads new landing files (parquet/csv/jsonl, optionally gzipped) into the raw tables: the event "
        "contract's into raw.events, each vendor export's (GA4, Segment, Snowplow, Mixpanel) into "
        "raw.<vendor>_events, and ad-platform spend reports into raw.ad_spend. "
        "Each file is loaded once (by content hash) whatever the partition; "
        "unreadable files and contract files lacking a required column are moved to _rejected/ and fail "
        "the run unless MICROCONV_BEST_EFFORT=1; an enabled source's missing landing folder fails it too. "
        "The partition only tells the dbt step "
        "which days to reprocess."
    ),
)
def raw_events(context: AssetExecutionContext, dbt: DbtCliResource, settings: ResourceParam[Settings]):
    staged = settings.engine_steps.stage_raw(dbt, context.log)
    for name, metadata in staged.metadata.items():
        yield MaterializeResult(asset_key=RAW_KEYS[name], metadata=metadata)
    if staged.rejected and not settings.best_effort:
        # The good files are loaded (each in its own transaction); nothing downstream is built or published.
        raise Failure(staged.rejected)
    if staged.rejected:
        context.log.warning(f"Best effort (MICROCONV_BEST_EFFORT): building without them. {staged.rejected}")
