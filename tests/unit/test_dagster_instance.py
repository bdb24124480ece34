"""Dagster's instance files: SQLite (dagster.yaml, the default) and PostgreSQL (dagster.postgres.yaml,
chosen by `make dagster` when DAGSTER_POSTGRES_URL is set) differ only in their storage."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

PROJECT = Path(__file__).resolve().parent.parent.parent
POSTGRES_URL = "postgresql+psycopg2://dagster@127.0.0.1:5432/dagster"


def _read(name: str) -> dict:
    return yaml.safe_load((PROJECT / name).read_text())


def test_both_instance_files_are_valid_dagster_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", POSTGRES_URL)
    sqlite, _ = dagster_instance_config(str(PROJECT), "dagster.yaml")
    postgres, _ = dagster_instance_config(str(PROJECT), "dagster.postgres.yaml")
    assert "storage" not in sqlite
    assert postgres["storage"] == {"postgres": {"postgres_url": {"env": "DAGSTER_POSTGRES_URL"}}}


def test_the_postgres_file_keeps_every_other_setting_of_the_default() -> None:
    """One writer at a time (the run pool) and no telemetry hold on either storage."""
    postgres = _read("dagster.postgres.yaml")
    postgres.pop("storage")
    assert postgres == _read("dagster.yaml")


def _make_dagster_yaml(**variables: str) -> str:
    """The instance file `make dagster` would copy (a dry run, nothing executed)."""
    assignments = [f"{name}={value}" for name, value in variables.items()]
    env = {name: value for name, value in os.environ.items() if name != "DAGSTER_POSTGRES_URL"}
    output = subprocess.run(
        ["make", "-n", "-B", "-C", str(PROJECT), "dagster-home", *assignments],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    (copy,) = [line for line in output.splitlines() if line.startswith("cp ")]
    return copy.split()[1]


def test_make_dagster_uses_postgres_when_its_url_is_set() -> None:
    assert _make_dagster_yaml() == "dagster.yaml"
    assert _make_dagster_yaml(DAGSTER_POSTGRES_URL=POSTGRES_URL) == "dagster.postgres.yaml"
