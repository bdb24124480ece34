"""Pure helpers that build dbt CLI arguments and map dbt nodes to Dagster groups (unit-tested)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

LAYERS = ("staging", "intermediate", "core", "marts")


def layer_group(resource_type: str, fqn: Sequence[str]) -> str:
    """Dagster group of a dbt node: its top folder under models/ (staging … marts); seeds in 'config'."""
    if resource_type == "seed":
        return "config"
    if len(fqn) > 1 and fqn[1] in LAYERS:
        return fqn[1]
    return "other"


def dbt_build_args(full_refresh: bool = False, dbt_vars: Mapping[str, Any] | None = None) -> list[str]:
    """Arguments of the `dbt build` that materializes the selected models, seeds and tests."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars), sort_keys=True)]
    return args
