"""The dbt models, seeds and tests as Dagster assets and asset checks."""

# No `from __future__ import annotations` here: Dagster reads the Config annotations at runtime.
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dagster import AssetExecutionContext, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..project import microconv_project

LAYERS = ("staging", "intermediate", "core", "marts")


def layer_group(resource_type: str, fqn: Sequence[str]) -> str:
    """Dagster group of a dbt node: its top folder under models/ (staging … marts), seeds in 'config'."""
    if resource_type == "seed":
        return "config"
    if len(fqn) > 1 and fqn[1] in LAYERS:
        return fqn[1]
    return "other"


class MicroconvTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_group(dbt_resource_props["resource_type"], dbt_resource_props.get("fqn", []))


class DbtBuildConfig(Config):
    """Run options of the dbt step."""

    full_refresh: bool = False
    # dbt --vars, for example {"session_inactivity_minutes": "45"}.
    vars: dict[str, str] = {}


def dbt_build_args(full_refresh: bool = False, dbt_vars: Mapping[str, Any] | None = None) -> list[str]:
    """Arguments of the `dbt build` that materializes the selected models, seeds and tests."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars), sort_keys=True)]
    return args


@dbt_assets(
    manifest=microconv_project.manifest_path,
    project=microconv_project,
    dagster_dbt_translator=MicroconvTranslator(),
)
def microconv_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    yield from dbt.cli(dbt_build_args(config.full_refresh, config.vars), context=context).stream()
