"""Notice configuration changes that rewrite history, and rebuild instead of keeping stale rows.

The incremental models (int_events_validated, int_events_sessionized, fct_sessions,
fct_micro_conversions) keep the rows of days outside the run's window. When a seed or var they read
changes, those old rows no longer match the configuration (a new micro-conversion shows 0 occurrences
for past days). So every successful build records a fingerprint (a SHA-256 per seed file and the value of
each history-changing var) in `<warehouse>.fingerprint.json` beside the DuckDB file (Spark:
`<spark dir>/build_fingerprint.json`); a run whose fingerprint differs becomes a full refresh over the
whole history and logs which seed or var changed. Cheap: file hashes and dbt_project.yml, no dbt parse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .settings import Settings, get_settings

# Seeds the incremental models read, directly or through their upstream views and tables.
HISTORY_SEEDS = (
    "bot_user_agent_patterns",
    "channel_grouping_rules",
    "country_codes",
    "event_name_mappings",
    "exchange_rates",
    "macro_conversion_definitions",
    "micro_conversion_definitions",
    "traffic_source_categories",
    "yandex_metrica_goals",
)
# dbt vars the incremental models read, directly or upstream (reporting_currency: fct_sessions counts
# converted revenue; reporting_timezone dates events, sessions and conversions; consent_policy decides
# which events are user-level). The others feed tables
# rebuilt by every run (impact, anomaly, attribution settings) and need no full refresh.
# tests/unit/test_fingerprint.py checks both lists against the dbt manifest.
HISTORY_VARS = (
    "click_id_sources",
    "consent_policy",
    "engaged_session_seconds",
    "event_sources",
    "future_timestamp_tolerance_minutes",
    "heap_event_table_prefix",
    "late_arrival_threshold_hours",
    "min_valid_event_date",
    "mixpanel_timezone",
    "order_id_placeholders",
    "own_domains",
    "reporting_currency",
    "reporting_timezone",
    "segment_consent_analytics_category",
    "session_inactivity_minutes",
    "yandex_metrica_timezone",
)
# Vars whose dbt_project.yml value reads an environment variable (name, default): the environment decides.
VAR_ENVIRONMENT = {
    "event_sources": ("MICROCONV_EVENT_SOURCES", "microconv"),
    "mixpanel_timezone": ("MICROCONV_MIXPANEL_TIMEZONE", "UTC"),
    "yandex_metrica_timezone": ("MICROCONV_YANDEX_METRICA_TIMEZONE", "Europe/Moscow"),
    "reporting_timezone": ("MICROCONV_REPORTING_TIMEZONE", "UTC"),
}


def fingerprint(
    project_dir: Path,
    dbt_vars: Mapping[str, Any] | None = None,
    dbt_env: Mapping[str, str] | None = None,
) -> dict[str, dict[str, str]]:
    """{"seeds": {path: sha256 of the file}, "vars": {name: JSON of the effective value}}: the vars in
    dbt_project.yml, overridden by the run's --vars and, for env-driven vars, by dbt's environment
    (`dbt_env`, default: Settings.dbt_env() of this process)."""
    dbt_env = get_settings().dbt_env() if dbt_env is None else dbt_env
    seeds = {}
    for name in HISTORY_SEEDS:
        path = project_dir / "seeds" / f"{name}.csv"
        seeds[f"seeds/{name}.csv"] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    # --vars arrive as text ("45"): read them as YAML, as dbt does, so "30" equals the default 30.
    overrides = {
        name: yaml.safe_load(value) if isinstance(value, str) else value
        for name, value in (dbt_vars or {}).items()
    }
    values = {**(project.get("vars") or {}), **overrides}
    for name, (variable, default) in VAR_ENVIRONMENT.items():
        if name not in overrides:
            values[name] = dbt_env.get(variable, "").strip() or default
    return {
        "seeds": seeds,
        "vars": {name: json.dumps(values.get(name), sort_keys=True, default=str) for name in HISTORY_VARS},
    }


def changes(
    previous: Mapping[str, Mapping[str, str]] | None, current: Mapping[str, Mapping[str, str]]
) -> list[str]:
    """What changed since the previous fingerprint: seed paths and `var <name>`. None (no record yet: a
    new warehouse, built whole anyway): nothing. An env-driven var the record does not hold yet (added
    to the project since) is unchanged at its default: the older build behaved as the default does."""
    if previous is None:
        return []
    changed = [
        path for path, digest in current["seeds"].items() if previous.get("seeds", {}).get(path) != digest
    ]
    previous_vars = previous.get("vars", {})
    changed += [
        f"var {name}"
        for name, value in current["vars"].items()
        if previous_vars.get(name, _default_value(name)) != value
    ]
    return changed


def _default_value(name: str) -> str | None:
    """The recorded form of an env-driven var's default (VAR_ENVIRONMENT), else None."""
    if name not in VAR_ENVIRONMENT:
        return None
    return json.dumps(VAR_ENVIRONMENT[name][1], sort_keys=True, default=str)


def refresh_reason(changed: list[str]) -> str | None:
    """The log line of a run that becomes a full refresh, or None when nothing changed."""
    if not changed:
        return None
    return (
        f"Full refresh of the whole history: {', '.join(changed)} changed since the last successful build, "
        "and the incremental models' older rows were built with the old value."
    )


def fingerprint_path(settings: Settings) -> Path:
    """Beside the warehouse: where the engine keeps it."""
    return settings.engine_steps.fingerprint_path


def read_fingerprint(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_fingerprint(path: Path, value: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(value, indent=2, sort_keys=True))
    temporary.replace(path)
