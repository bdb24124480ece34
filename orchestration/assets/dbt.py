"""The dbt models, seeds and tests as Dagster assets and asset checks."""

# No `from __future__ import annotations` here: Dagster reads the Config annotations at runtime.
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import AssetExecutionContext, Config
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ..dbt_cli import dbt_build_args, layer_group
from ..project import microconv_project


class MicroconvTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return layer_group(dbt_resource_props["resource_type"], dbt_resource_props.get("fqn", []))


class DbtBuildConfig(Config):
    """Run options of the dbt step."""

    full_refresh: bool = False
    # dbt --vars, for example {"session_inactivity_minutes": "45"}.
    vars: dict[str, str] = {}  # noqa: RUF012 - pydantic copies defaults per instance


@dbt_assets(
    manifest=microconv_project.manifest_path,
    project=microconv_project,
    dagster_dbt_translator=MicroconvTranslator(),
)
def microconv_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    yield from dbt.cli(dbt_build_args(config.full_refresh, config.vars), context=context).stream()
