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
        "For a day of the reporting time zone (or a range of days, as one run): load new landing files, "
        "rebuild the devices with events in the window plus late_arrival_lookback_days, test every model, "
        "then publish the BI copy."
    ),
)

# Every day at 03:00 in the reporting time zone (the partitions' time zone, which the schedule takes),
# the partition of the local day that just ended (late events of the previous late_arrival_lookback_days
# are reprocessed with it). 03:00 rather than midnight: events of the last minutes still arrive.
daily_schedule = build_schedule_from_partitioned_job(
    microconv_job,
    name="microconv_daily",
    hour_of_day=3,
    default_status=DefaultScheduleStatus.RUNNING,
    description=(
        f"Every day at 03:00 {daily_partitions.timezone} (the reporting time zone): load new landing files "
        "and process yesterday's partition."
    ),
)
