"""Daily partitions of the warehouse: one partition per event day of the reporting time zone
(MICROCONV_REPORTING_TIMEZONE, default UTC), the days the models date events in
(macros/reporting_timezone.sql). A partition runs from local midnight to the next local midnight, so a
daylight-saving day is 23 or 25 hours long."""

from __future__ import annotations

from datetime import date

from dagster import DailyPartitionsDefinition

from ...settings import Settings, get_settings

PARTITION_RANGE_START_TAG = "dagster/asset_partition_range_start"
PARTITION_RANGE_END_TAG = "dagster/asset_partition_range_end"


def daily_partitions_definition(settings: Settings) -> DailyPartitionsDefinition:
    """One partition per local day of `settings.reporting_timezone`, from the first partition."""
    return DailyPartitionsDefinition(
        start_date=settings.first_partition,
        timezone=settings.reporting_timezone,
        fmt="%Y-%m-%d",
    )


daily_partitions = daily_partitions_definition(get_settings())


def first_partition_date(settings: Settings | None = None) -> date:
    return date.fromisoformat((settings or get_settings()).first_partition)


def range_tags(start: str, end: str) -> dict[str, str]:
    """Run tags that make one run cover the partitions start..end (inclusive), e.g. for a backfill."""
    return {PARTITION_RANGE_START_TAG: start, PARTITION_RANGE_END_TAG: end}
