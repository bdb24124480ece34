"""The resources every asset, check and sensor is handed: the settings, and dbt's CLI."""

# No `from __future__ import annotations`: Dagster reads the resource's field annotations at runtime.
import sys
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, EnvVar, InitResourceContext

from ..project import dbt_project
from ..settings import SETTINGS_RESOURCE_KEY, Settings, get_settings, variables_set
from ..sources import EVENT_SOURCES
from .dbt.cli_resource import MicroconvDbtCliResource

# dbt is a console script of this environment: found without an activated venv.
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


class SettingsResource(ConfigurableResource):
    """The settings (microconv/settings.py) as resource config, one field per setting: the Dagster UI
    shows them, and each asset, check and sensor is handed the `Settings` they describe. A setting
    the environment sets as a variable's text is that `EnvVar` (read when the run starts)."""

    project_dir: str
    duckdb_path: str
    landing_dir: str
    publish_dir: str
    metricflow_dir: str
    landing_glob: str
    dbt_target: str
    engine: str
    spark_dir: str
    alerts_path: str
    alert_webhook_url: str | None = None
    first_partition: str
    freshness_hours: float
    mixpanel_timezone: str
    yandex_metrica_timezone: str
    reporting_timezone: str
    user_level_retention_days: int | None = None
    event_sources: list[str]
    best_effort: bool
    lock_timeout_seconds: float
    landing_dir_overrides: dict[str, str]
    dbt_target_path: str
    verbose: bool
    progress: bool
    dagster_home: str | None = None
    dbt_passthrough: dict[str, str]
    spend_landing_dir: str | None = None

    def settings(self) -> Settings:
        return Settings.from_config({name: getattr(self, name) for name in Settings.__dataclass_fields__})

    def create_resource(self, context: InitResourceContext) -> Settings:
        return self.settings()


def settings_resource(settings: Settings | None = None) -> SettingsResource:
    """The environment's settings as a resource: a setting read verbatim from a variable that is set
    (settings.VERBATIM_VARIABLES, the dbt pass-through such as the PII salt, a vendor's landing
    directory) is an EnvVar, the others (defaults, flags, numbers, derived) values.

    `settings`: a copy of the environment's with overrides (`microconv run`'s --best-effort and
    --verbose, the demo's source): a setting it changes is its value instead.
    """
    environment = get_settings()
    values: dict[str, Any] = environment.config_values()
    values.update({setting: EnvVar(name) for setting, name in variables_set().items()})
    values["dbt_passthrough"] = {name: EnvVar(name) for name in environment.dbt_passthrough}
    values["landing_dir_overrides"] = {
        vendor: EnvVar(EVENT_SOURCES[vendor].landing_dir_setting)
        for vendor in environment.landing_dir_overrides
    }
    if settings is not None:
        base = environment.config_values()
        values.update(
            {name: value for name, value in settings.config_values().items() if value != base[name]}
        )
    return SettingsResource(**values)


def resources(settings: Settings | None = None) -> dict[str, Any]:
    """{"settings": the settings resource (the environment's, or these overrides), "dbt": dbt's CLI on
    the project of those settings}."""
    dbt = MicroconvDbtCliResource(
        project_dir=dbt_project(settings),
        dbt_executable=str(DBT_EXECUTABLE) if DBT_EXECUTABLE.exists() else "dbt",
    )
    return {SETTINGS_RESOURCE_KEY: settings_resource(settings), "dbt": dbt}
