"""Jobs and schedules."""

from __future__ import annotations

from dagster import AssetSelection, DefaultScheduleStatus, ScheduleDefinition, define_asset_job

MICROCONV_JOB_NAME = "microconv_job"

microconv_job = define_asset_job(
    name=MICROCONV_JOB_NAME,
    selection=AssetSelection.all(),
    description=(
        "Load new landing files, build and test every dbt model (staging to marts), then publish the BI copy."
    ),
)

daily_schedule = ScheduleDefinition(
    name="microconv_daily",
    job=microconv_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
    description="Every day at 03:00 UTC: load the day's landing files and rebuild the warehouse.",
)
