"""Sensors: every failed run becomes an alert (log + JSON line + optional webhook)."""

# No `from __future__ import annotations`: Dagster inspects the annotations at runtime.
from dagster import DefaultSensorStatus, ResourceParam, RunFailureSensorContext, run_failure_sensor

from ...alerts import record_alert
from ...settings import Settings


@run_failure_sensor(
    name="microconv_run_failure_alert",
    default_status=DefaultSensorStatus.RUNNING,
    description="Records an alert for every failed run (needs the Dagster daemon, as under `dagster dev`).",
)
def run_failure_alert(context: RunFailureSensorContext, settings: ResourceParam[Settings]) -> None:
    run = context.dagster_run
    record_alert(
        "run_failure",
        f"Run {run.run_id} of {run.job_name} failed: {context.failure_event.message}",
        {"run_id": run.run_id, "job": run.job_name},
        settings,
    )
