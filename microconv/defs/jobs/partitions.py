"""Daily partitions of the warehouse: one partition per UTC event day."""

from __future__ import annotations

from datetime import date

from dagster import DailyPartitionsDefinition

from ...settings import Settings, get_settings

PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"

daily_partitions = DailyPartitionsDefinition(
    start_date=get_settings().first_partition,
    timezone="UTC",
    fmt="%Y-%m-%d",
)


def first_partition_date(settings: Settings | None = None) -> date:
    return date.fromisoformat((settings or get_settings()).first_partition)


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags that make one run cover the partitions start..end (inclusive), e.g. for a backfill."""
    return {PARTITION_RANGE_START_TAG: start, PARTITION_RANGE_END_TAG: end}
