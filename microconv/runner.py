"""Run the Dagster job in-process, for `microconv run`, the demo and the tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import Settings, get_settings
from .warehouse import run_lock

if TYPE_CHECKING:
    from dagster import DagsterInstance, ExecuteInProcessResult, JobDefinition


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_dagster_home(settings: Settings) -> Path:
    """The settings' DAGSTER_HOME, with telemetry off (no network here): dagster.yaml is copied there
    unless it already has one."""
    home = settings.dagster_home or settings.project_dir / ".dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(settings.project_dir / "dagster.yaml", config)
    return home


def dagster_instance(settings: Settings) -> DagsterInstance:
    from dagster import DagsterInstance

    return DagsterInstance.from_config(str(ensure_dagster_home(settings)))


def without_dbt_tests(job: JobDefinition) -> JobDefinition:
    """The job without the dbt tests' asset checks (the freshness and anomaly checks stay).

    Excluding them from dbt alone would still plan ~240 check evaluations, and every planned event
    costs Dagster's SQLite event log tens of milliseconds.
    """
    from .defs.dbt.assets import dbt_check_keys

    checks = set(job.asset_layer.asset_graph.asset_check_keys) - dbt_check_keys()
    return job.get_subset(
        asset_selection=set(job.asset_layer.executable_asset_keys), asset_check_selection=checks
    )


def run_job(
    full_refresh: bool = False,
    dbt_vars: dict[str, str] | None = None,
    start: str | None = None,
    end: str | None = None,
    skip_tests: bool = False,
    settings: Settings | None = None,
) -> ExecuteInProcessResult:
    """Execute the Dagster job in-process for the days start..end (inclusive, one run), with these
    settings (default: the environment's).

    Without dates the run reprocesses the whole history (recorded as the latest partition's run).
    One run at a time: a second run waits for the warehouse's run lock (MICROCONV_LOCK_TIMEOUT_SECONDS),
    then raises WarehouseBusyError before it loads, builds or publishes anything.
    """
    settings = settings or get_settings()
    with run_lock(settings.duckdb_path, wait_message=say):
        return _run_job(settings, full_refresh, dbt_vars, start, end, skip_tests)


def _run_job(
    settings: Settings,
    full_refresh: bool,
    dbt_vars: dict[str, str] | None,
    start: str | None,
    end: str | None,
    skip_tests: bool,
) -> ExecuteInProcessResult:
    from dagster import PartitionKeyRange

    from .defs.jobs.partitions import daily_partitions, range_tags
    from .project import prepare_manifest

    prepare_manifest(settings)
    from .definitions import defs
    from .defs.dbt.assets import dbt_ops_config
    from .defs.jobs.jobs import MICROCONV_JOB_NAME
    from .defs.resources import resources

    whole_history = start is None and end is None
    last = daily_partitions.get_last_partition_key()
    if whole_history:
        start = end = last
    else:
        start, end = start or daily_partitions.get_first_partition_key(), end or last
    if not (start and end):
        raise SystemExit(f"No complete day since the first partition ({settings.first_partition}) yet")
    keys = daily_partitions.get_partition_keys_in_range(PartitionKeyRange(start, end))
    job = defs.resolve_job_def(MICROCONV_JOB_NAME)
    if skip_tests:
        job = without_dbt_tests(job)
    dbt_config = {
        "full_refresh": full_refresh,
        "vars": dict(dbt_vars or {}),
        "skip_tests": skip_tests,
        "whole_history": whole_history,
    }
    run_config: dict = {"ops": dbt_ops_config(dbt_config)}
    if not settings.verbose:
        # Calm by default (and a terminal's progress bars stay whole): `--verbose` shows Dagster's log.
        run_config["loggers"] = {"console": {"config": {"log_level": "WARNING"}}}
    partition = {"partition_key": keys[0]} if len(keys) == 1 else {"tags": range_tags(keys[0], keys[-1])}
    with dagster_instance(settings) as instance:
        result = job.execute_in_process(
            run_config=run_config,
            instance=instance,
            raise_on_error=False,
            resources=resources(settings),
            **partition,
        )
    if not result.success:
        from .alerts import record_alert

        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        record_alert(
            "run_failure",
            f"Run {result.run_id} of {MICROCONV_JOB_NAME} failed in {', '.join(failed) or 'an unknown step'}",
            {"run_id": result.run_id, "job": MICROCONV_JOB_NAME, "failed_steps": failed},
            settings,
        )
    return result
