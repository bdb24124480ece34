"""The partitioned job and its daily schedule."""

from __future__ import annotations

from dagster import (
    AssetSelection,
    DefaultScheduleStatus,
    build_schedule_from_partitioned_job,
    define_asset_job,
)

from .partitions import daily_partitions

MICROCONV_JOB_NAME = "microconv_job"

microconv_job = define_asset_job(
    name=MICROCONV_JOB_NAME,
    selection=AssetSelection.all(),
    partitions_def=daily_partitions,
    description=(
        "For a day (or a range of days, as one run): load new landing files, rebuild the devices with "
        "events in the window plus late_arrival_lookback_days, test every model, then publish the BI copy."
    ),
)

# Every day at 03:00 UTC, the partition of the day that just ended (late events of the previous
# late_arrival_lookback_days are reprocessed with it).
daily_schedule = build_schedule_from_partitioned_job(
    microconv_job,
    name="microconv_daily",
    hour_of_day=3,
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every day at 03:00 UTC: load new landing files and process yesterday's partition.",
)
