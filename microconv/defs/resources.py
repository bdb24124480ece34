"""The resources every asset, check and sensor is handed: the settings, and dbt's CLI."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource

from ..project import dbt_project
from ..settings import SETTINGS_RESOURCE_KEY, Settings

# dbt is a console script of this environment: found without an activated venv.
DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")


def resources(settings: Settings) -> dict[str, Any]:
    """{"settings": the settings, "dbt": dbt's CLI on the project of those settings}."""
    dbt = DbtCliResource(
        project_dir=dbt_project(settings),
        dbt_executable=str(DBT_EXECUTABLE) if DBT_EXECUTABLE.exists() else "dbt",
    )
    return {SETTINGS_RESOURCE_KEY: settings, "dbt": dbt}
