"""Pure helpers that build dbt CLI arguments and map dbt nodes to Dagster groups (unit-tested)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

# The model folders and the schemas they build into (dbt_project.yml `+schema`; seeds go to config).
LAYERS = ("staging", "intermediate", "core", "marts")
SEED_SCHEMA = "config"


def layer_group(resource_type: str, fqn: Sequence[str]) -> str:
    """Dagster group of a dbt node: its top folder under models/ (staging … marts); seeds in 'config'."""
    if resource_type == "seed":
        return "config"
    if len(fqn) > 1 and fqn[1] in LAYERS:
        return fqn[1]
    return "other"


def dbt_build_args(
    full_refresh: bool = False, dbt_vars: Mapping[str, Any] | None = None, skip_tests: bool = False
) -> list[str]:
    """Arguments of the `dbt build` that materializes the selected models, seeds and data tests.

    Never the dbt unit tests: their inputs are fixed rows, so they check the SQL, not the data, and
    belong to development and CI (dbt docs, "Unit tests" > "When to run unit tests": exclude them from
    production builds with --exclude-resource-type). CI runs them all in tests/e2e/test_dbt_unit_tests.py.
    """
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    excluded = ["test", "unit_test"] if skip_tests else ["unit_test"]
    for resource_type in excluded:
        args += ["--exclude-resource-type", resource_type]
    if dbt_vars:
        args += ["--vars", json.dumps(dict(dbt_vars), sort_keys=True)]
    return args


def partition_window_vars(window_start: date, window_end: date, first_partition: date) -> dict[str, str]:
    """dbt vars for a run over the partitions [window_start, window_end) (half-open, local days of the
    reporting time zone, as the models' event_date).

    A window that starts at the first partition has no lower bound: events older than the first
    partition belong to it, so a run over every partition reprocesses the whole history.
    """
    if window_end <= window_start:
        raise ValueError(f"empty partition window {window_start} .. {window_end}")
    dbt_vars = {"max_date": window_end.isoformat()}
    if window_start > first_partition:
        dbt_vars["min_date"] = window_start.isoformat()
    return dbt_vars


def window_env_vars(window_vars: Mapping[str, str]) -> dict[str, str]:
    """Window vars as the MICROCONV_MIN_DATE / MICROCONV_MAX_DATE environment variables the models read
    (an empty value is no bound). Environment variables rather than --vars: dbt re-parses the whole
    project whenever --vars change, which would add a full parse to every daily run."""
    return {f"MICROCONV_{name.upper()}": window_vars.get(name, "") for name in ("min_date", "max_date")}


def lock_error_in(text: str) -> bool:
    """True when dbt/DuckDB output says another process holds the warehouse file (a transient error)."""
    lowered = text.lower()
    return "could not set lock on file" in lowered or "conflicting lock is held" in lowered


def unsuccessful_tests(run_results: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The data tests of a dbt run_results.json that failed or warned (they returned rows)."""
    return [
        result
        for result in run_results.get("results", [])
        if result["unique_id"].startswith("test.")
        and result["status"] in ("fail", "warn")
        and result.get("compiled_code")
    ]


def failing_rows_sql(compiled_code: str, limit: int) -> str:
    """A test's compiled SQL (it selects the failing rows), limited to the first `limit` rows."""
    return f"select * from (\n{compiled_code}\n) as failing_rows limit {limit}"


def describe_failing_rows(
    unique_id: str, status: str, failures: int | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> str:
    """One line naming the test and the offending values, e.g. `accepted_values_…_journey_stage (fail, 1
    row): value_field=considerasion, n_records=1`."""
    name = unique_id.split(".")[2] if unique_id.count(".") >= 2 else unique_id
    shown = "; ".join(
        ", ".join(f"{column}={value}" for column, value in zip(columns, row, strict=True)) for row in rows
    )
    more = f" (first {len(rows)})" if failures is not None and failures > len(rows) else ""
    count = f"{failures} row{'s' if failures != 1 else ''}" if failures is not None else "rows"
    return f"{name} ({status}, {count}){more}: {shown}"
