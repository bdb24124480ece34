"""The dbt models, seeds and tests as Dagster assets and asset checks, cut as the engine's build plan
says: on DuckDB one `@dbt_assets` over the whole project; on Spark the dbt selection before the
data-driven attribution, that Python step as an asset of its own, and the dbt selection after it."""

# No `from __future__ import annotations`: Dagster reads the Config annotations at runtime.
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import duckdb
from dagster import (
    AssetCheckKey,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    Config,
    MaterializeResult,
    Output,
    ResourceParam,
    asset,
)
from dagster_dbt import (
    DagsterDbtTranslator,
    DbtCliInvocation,
    DbtCliResource,
    DbtProject,
    dbt_assets,
    get_asset_key_for_model,
)

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
from ...engines import BuildPlan, BuildStep, DbtSelection, PythonStep
from ...fingerprint import changes, fingerprint, read_fingerprint, refresh_reason, write_fingerprint
from ...progress import dbt_layer_lines, progress_bar
from ...project import dbt_project
from ...settings import Settings, get_settings
from ...warehouse import WAREHOUSE_POOL, retry_if_locked
from ..jobs.partitions import daily_partitions, first_partition_date


class MicroconvTranslator(DagsterDbtTranslator):
    """Groups by layer; `upstream`: model name -> the key of a Python step that writes its table (the
    model then depends on that step as well as on its dbt parents)."""

    def __init__(self, upstream: Mapping[str, AssetKey] | None = None) -> None:
        super().__init__()
        self.upstream = dict(upstream or {})

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_group(dbt_resource_props["resource_type"], dbt_resource_props.get("fqn", []))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        step = self.upstream.get(self.get_resource_props(manifest, unique_id)["name"])
        if step is not None and unique_id.startswith("model."):
            spec = spec.merge_attributes(deps=[AssetDep(step)])
        return spec


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


PROJECT = dbt_project()


def python_step_key(step: PythonStep) -> AssetKey:
    return AssetKey([step.name])


def build_assets(plan: BuildPlan, project: DbtProject = PROJECT) -> list[AssetsDefinition]:
    """The assets of an engine's build plan, in order: a `@dbt_assets` per dbt selection, an `@asset`
    per Python step (downstream of its model's dbt parents, upstream of the model)."""
    translator = MicroconvTranslator(
        {step.writes: python_step_key(step) for step in plan if isinstance(step, PythonStep)}
    )
    assets: list[AssetsDefinition] = []
    for step in plan:
        if isinstance(step, DbtSelection):
            assets.append(_dbt_selection_assets(step, project, translator, assets))
        else:
            assets.append(_python_step_asset(step, project))
    return assets


def _dbt_selection_assets(
    selection: DbtSelection,
    project: DbtProject,
    translator: MicroconvTranslator,
    plan_assets: Sequence[AssetsDefinition],
) -> AssetsDefinition:
    """`plan_assets`: the list of the plan's assets this one is appended to (complete when it runs)."""
    position = len(plan_assets)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name=selection.name,
        select=selection.select,
        exclude=selection.exclude,
        dagster_dbt_translator=translator,
        partitions_def=daily_partitions,
        # A backfill over many days is one dbt invocation over the whole window, not one per day.
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
    )
    def _assets(
        context: AssetExecutionContext,
        dbt: DbtCliResource,
        config: DbtBuildConfig,
        settings: ResourceParam[Settings],
    ) -> Iterator[Any]:
        yield from _build(context, dbt, config, settings, plan_assets[position + 1 :])

    return _assets


def _build(
    context: AssetExecutionContext,
    dbt: DbtCliResource,
    config: DbtBuildConfig,
    settings: Settings,
    later: Sequence[AssetsDefinition],
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

        def stream(invocation: DbtCliInvocation) -> Iterator[Any]:
            return _streamed(invocation, context, advance, settings)

        yield from engine.build(BuildStep(context, dbt, args, stream))
    # Only after a build that succeeded, and by the run's last dbt selection (the later ones decide
    # a full refresh from the same record): a failed one leaves the old record, so the next run rebuilds.
    if not planned_in_run(context, later):
        write_fingerprint(record, current)


def planned_in_run(context: AssetExecutionContext, assets: Sequence[AssetsDefinition]) -> bool:
    """Whether this run materializes any of these assets (a run of the whole job: all of them)."""
    keys = {key for each in assets for key in each.keys}
    planned = context.run.asset_selection
    return bool(keys) and (planned is None or bool(keys & set(planned)))


def _python_step_asset(step: PythonStep, project: DbtProject) -> AssetsDefinition:
    manifest = json.loads(project.manifest_path.read_text())
    model = next(
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["name"] == step.writes
    )
    parents = MicroconvTranslator().get_asset_spec(manifest, model, project)

    @asset(
        key=python_step_key(step),
        deps=[dep.asset_key for dep in parents.deps],
        group_name=parents.group_name,
        kinds=set(step.kinds),
        partitions_def=daily_partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        description=step.description,
    )
    def _step(context: AssetExecutionContext, settings: ResourceParam[Settings]) -> MaterializeResult:
        report = step.run(settings)
        context.log.info(report)
        return MaterializeResult(metadata={"report": report})

    return _step


# The build of the environment's engine, chosen once (settings.engine_steps).
BUILD_PLAN = get_settings().engine_steps.build_plan
BUILD_ASSETS = build_assets(BUILD_PLAN)
# The dbt selections' assets: every dbt model and seed as an asset, every dbt test as a check.
DBT_ASSETS = [
    assets for assets, step in zip(BUILD_ASSETS, BUILD_PLAN, strict=True) if isinstance(step, DbtSelection)
]
# Keys only (the same whatever the plan): for mapping dbt's nodes and tests to assets and checks.
TRANSLATOR = MicroconvTranslator()


def dbt_model_key(name: str) -> AssetKey:
    """The asset key of a dbt model or seed, whichever dbt selection builds it (dagster-dbt's
    get_asset_key_for_model reads the manifest and translator of one: the selections share them)."""
    return get_asset_key_for_model(DBT_ASSETS[:1], name)


def dbt_check_keys() -> set[AssetCheckKey]:
    """Every dbt test's asset check, over the dbt selections."""
    return {key for assets in DBT_ASSETS for key in assets.check_keys}


def dbt_ops_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Run config giving every dbt selection's step the same DbtBuildConfig."""
    return {assets.op.name: {"config": dict(config)} for assets in DBT_ASSETS}


def _streamed(
    invocation: DbtCliInvocation, context: AssetExecutionContext, advance: Any, settings: Settings
) -> Iterator[Any]:
    """The Dagster events of a dbt invocation; raises (or requests a retry) when dbt failed."""
    events = invocation.stream()
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
