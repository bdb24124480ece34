"""Dagster definitions: assembled here, defined in assets/ and jobs.py."""

from __future__ import annotations

from dagster import Definitions

from .assets.dbt import microconv_dbt_assets
from .assets.ingestion import raw_events
from .assets.publishing import html_report, published_warehouse
from .checks import mixpanel_time_is_utc, no_anomaly_on_latest_complete_day, raw_events_are_fresh
from .data_test_history import no_new_data_test_failure
from .jobs import daily_schedule, microconv_job
from .landing_sensor import new_landing_files
from .resources import resources
from .sensors import run_failure_alert
from .settings import get_settings

defs = Definitions(
    assets=[raw_events, microconv_dbt_assets, published_warehouse, html_report],
    jobs=[microconv_job],
    asset_checks=[
        no_anomaly_on_latest_complete_day,
        raw_events_are_fresh,
        mixpanel_time_is_utc,
        no_new_data_test_failure,
    ],
    schedules=[daily_schedule],
    sensors=[run_failure_alert, new_landing_files],
    # The environment's settings; `microconv run` hands the job its own (runner.py).
    resources=resources(get_settings()),
)
