"""The dbt models, seeds and tests as Dagster assets and asset checks."""

# No `from __future__ import annotations`: Dagster reads the Config annotations at runtime.
from collections.abc import Iterator, Mapping
from typing import Any

import duckdb
from dagster import AssetExecutionContext, BackfillPolicy, Config, Output, ResourceParam
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource, dbt_assets

from ...data_test_history import DAGSTER_RUN_ID_ENV
from ...dbt_cli import (
    dbt_build_args,
    describe_failing_rows,
    failing_rows_sql,
    layer_group,
    partition_window_vars,
    unsuccessful_tests,
    window_env_vars,
)
from ...engines import BuildStep
from ...fingerprint import changes, fingerprint, read_fingerprint, refresh_reason, write_fingerprint
from ...progress import dbt_layer_lines, progress_bar
from ...project import dbt_project
from ...settings import Settings
from ...warehouse import WAREHOUSE_POOL, retry_if_locked
from ..jobs.partitions import daily_partitions, first_partition_date


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


def window_environment(
    context: AssetExecutionContext, config: DbtBuildConfig, settings: Settings
) -> dict[str, str]:
    """The run's partition window as environment variables for dbt (none: the whole history)."""
    window_vars: dict[str, str] = {}
    if not config.whole_history:
        window = context.partition_time_window
        first = first_partition_date(settings)
        window_vars = partition_window_vars(window.start.date(), window.end.date(), first)
    return window_env_vars(window_vars)


TRANSLATOR = MicroconvTranslator()
PROJECT = dbt_project()


@dbt_assets(
    manifest=PROJECT.manifest_path,
    project=PROJECT,
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=daily_partitions,
    # A backfill over many days is one dbt invocation over the whole window, not one per day.
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def microconv_dbt_assets(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    settings: ResourceParam[Settings],
) -> Iterator[Any]:
    engine = settings.engine_steps
    current = fingerprint(settings.project_dir, config.vars, settings.dbt_env())
    record = engine.fingerprint_path
    reason = refresh_reason(changes(read_fingerprint(record), current))
    if reason and not config.full_refresh:
        # Older rows of the incremental models were built with the old seed or var: rebuild them all.
        context.log.warning(reason)
        config = config.model_copy(update={"full_refresh": True, "whole_history": True})
    window = window_environment(context, config, settings)
    args = dbt_build_args(config.full_refresh, config.vars, config.skip_tests)
    context.log.info(
        f"dbt build on {settings.engine}, window {window}, vars {config.vars}, "
        f"full refresh: {config.full_refresh}"
    )
    nodes = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
    with (
        # The run id lets the on-run-end hook tie each stored test result to this Dagster run.
        settings.dbt_environment(window, {DAGSTER_RUN_ID_ENV: context.run.run_id}),
        progress_bar("dbt build", nodes, settings.progress) as bar,
        # advance(event): one line per layer, not per node
        dbt_layer_lines(context, bar, settings.verbose) as advance,
    ):

        def stream(invocation: DbtCliInvocation, convert: bool = False) -> Iterator[Any]:
            return _streamed(invocation, context, advance, settings, convert)

        step = BuildStep(context, dbt, args, stream, TRANSLATOR, PROJECT.manifest_path)
        yield from engine.build(step)
    # Only after a build that succeeded: a failed one leaves the old record, so the next run rebuilds.
    write_fingerprint(record, current)


def _streamed(
    invocation: DbtCliInvocation,
    context: AssetExecutionContext,
    advance: Any,
    settings: Settings,
    convert: bool = False,
) -> Iterator[Any]:
    """The Dagster events of a dbt invocation; raises (or requests a retry) when dbt failed.

    `convert`: the invocation was started without the context (its selection is ours, not Dagster's),
    so its events are turned into the asset's outputs and checks here.
    """
    events = (
        (
            dagster_event
            for event in invocation.stream_raw_events()
            for dagster_event in event.to_default_asset_events(
                manifest=invocation.manifest,
                dagster_dbt_translator=TRANSLATOR,
                context=context,
                target_path=invocation.target_path,
                project=PROJECT,
            )
        )
        if convert
        else invocation.stream()
    )
    outputs: set[str] = set()
    for event in events:
        advance(event)
        if isinstance(event, Output):
            outputs.add(event.output_name)
        yield event
    error = invocation.get_error()
    offending = failing_test_rows(invocation, context, settings)
    if error is not None:
        # Another process took the file between the probe and dbt's connection: retry later.
        retry_if_locked(error)
        if offending:
            raise RuntimeError(
                f"{error}\nFailing tests and their offending rows:\n" + "\n".join(offending)
            ) from error
        raise error
    lost = built_without_output(invocation, context, outputs)
    if lost:
        # Dagster would silently skip everything downstream (the published copy): fail loudly instead.
        raise RuntimeError(f"dbt built {', '.join(lost)} but its completion event was lost from dbt's log")


FAILING_ROWS_SHOWN = 5


def failing_test_rows(
    invocation: DbtCliInvocation, context: AssetExecutionContext, settings: Settings
) -> list[str]:
    """For each data test that failed or warned, its first offending rows (the test's compiled SQL rerun
    on the warehouse, read-only, after dbt has let go of it), logged as a warning: dbt itself only counts
    them. Where the engine's warehouse is a DuckDB file (on Spark the failing rows are in dbt's log)."""
    try:
        tests = unsuccessful_tests(invocation.get_artifact("run_results.json"))
    except (FileNotFoundError, ValueError):
        return []
    if not tests:
        return []
    reader = settings.engine_steps.warehouse_reader()
    if reader is None:
        return []
    lines = []
    with reader as con:
        for test in tests:
            try:
                cursor = con.execute(failing_rows_sql(test["compiled_code"], FAILING_ROWS_SHOWN))
            except duckdb.Error as error:
                lines.append(f"{test['unique_id']}: its failing rows could not be read ({error})")
                continue
            columns = [column[0] for column in cursor.description]
            line = describe_failing_rows(
                test["unique_id"], test["status"], test.get("failures"), columns, cursor.fetchall()
            )
            context.log.warning(line)
            lines.append(line)
    return lines


def built_without_output(
    invocation: DbtCliInvocation, context: AssetExecutionContext, outputs: set[str]
) -> list[str]:
    """Models and seeds dbt reports as built whose Dagster output was never yielded (an unreadable
    line in dbt's JSON log drops its event)."""
    results = invocation.get_artifact("run_results.json")["results"]
    nodes = invocation.manifest["nodes"]
    lost = []
    for result in results:
        node = nodes.get(result["unique_id"])
        if node is None or node["resource_type"] not in ("model", "seed") or result["status"] != "success":
            continue
        key = TRANSLATOR.get_asset_key(node)
        if key in context.selected_asset_keys and context.output_for_asset_key(key) not in outputs:
            lost.append(node["name"])
    return lost
