"""Dagster definitions: only assembled here; each object lives with its peers in defs/<domain>/."""

from __future__ import annotations

from dagster import Definitions

from .defs.dbt.assets import BUILD_ASSETS
from .defs.ingestion.assets import raw_events
from .defs.ingestion.checks import mixpanel_time_is_utc, raw_events_are_fresh
from .defs.ingestion.sensors import new_landing_files
from .defs.jobs.jobs import daily_schedule, microconv_job
from .defs.monitoring.checks import no_anomaly_on_latest_complete_day, no_new_data_test_failure
from .defs.monitoring.sensors import run_failure_alert
from .defs.publishing.assets import html_report, published_warehouse
from .defs.resources import resources

defs = Definitions(
    assets=[raw_events, *BUILD_ASSETS, published_warehouse, html_report],
    jobs=[microconv_job],
    asset_checks=[
        no_anomaly_on_latest_complete_day,
        raw_events_are_fresh,
        mixpanel_time_is_utc,
        no_new_data_test_failure,
    ],
    schedules=[daily_schedule],
    sensors=[run_failure_alert, new_landing_files],
    # The environment's settings as resource config (EnvVar where set); `microconv run` hands the job
    # its own copy (runner.py).
    resources=resources(),
)
