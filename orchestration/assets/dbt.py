"""The dbt models, seeds and tests as Dagster assets and asset checks."""

# No `from __future__ import annotations`: Dagster reads the Config annotations at runtime.
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster import AssetExecutionContext, BackfillPolicy, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..dbt_cli import dbt_build_args, layer_group, partition_window_vars
from ..partitions import daily_partitions, first_partition_date
from ..progress import progress_bar
from ..project import microconv_project
from ..settings import get_settings
from ..warehouse import WAREHOUSE_POOL, ensure_writable, retry_if_locked


class MicroconvTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_group(dbt_resource_props["resource_type"], dbt_resource_props.get("fqn", []))


class DbtBuildConfig(Config):
    """Run options of the dbt step."""

    full_refresh: bool = False
    # dbt --vars, for example {"session_inactivity_minutes": "45"}.
    vars: dict[str, str] = {}  # noqa: RUF012 - pydantic copies defaults per instance
    # Build models only (no data or unit tests): for quick reprocessing, never for scheduled runs.
    skip_tests: bool = False
    # Ignore the partition window and reprocess every event (what `microconv run` does without dates).
    whole_history: bool = False


def window_environment(context: AssetExecutionContext, config: DbtBuildConfig) -> dict[str, str]:
    """The run's partition window as MICROCONV_MIN_DATE / MICROCONV_MAX_DATE for dbt.

    Environment variables rather than --vars: dbt re-parses the whole project whenever --vars change,
    which would add a full parse to every daily run.
    """
    window_vars: dict[str, str] = {}
    if not config.whole_history:
        window = context.partition_time_window
        window_vars = partition_window_vars(window.start.date(), window.end.date(), first_partition_date())
    return {f"MICROCONV_{name.upper()}": window_vars.get(name, "") for name in ("min_date", "max_date")}


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the dbt subprocess started inside the block, then restore them."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dbt_assets(
    manifest=microconv_project.manifest_path,
    project=microconv_project,
    dagster_dbt_translator=MicroconvTranslator(),
    partitions_def=daily_partitions,
    # A backfill over many days is one dbt invocation over the whole window, not one per day.
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def microconv_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    ensure_writable(get_settings().duckdb_path)
    window = window_environment(context, config)
    context.log.info(f"dbt build, window {window}, vars {config.vars}, full refresh: {config.full_refresh}")
    with environment(window):
        invocation = dbt.cli(
            dbt_build_args(config.full_refresh, config.vars, config.skip_tests),
            context=context,
            raise_on_error=False,
        )
        nodes = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
        with progress_bar("dbt build", nodes) as advance:
            for event in invocation.stream():
                advance()
                yield event
    error = invocation.get_error()
    if error is not None:
        # Another process took the file between the probe and dbt's connection: retry later.
        retry_if_locked(error)
        raise error
