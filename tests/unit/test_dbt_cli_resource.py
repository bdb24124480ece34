"""dbt's CLI resource skips what every dbt invocation paid before and our assets never use: a
`dbt --version` subprocess and an in-process dbt adapter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource
from dagster_dbt.compat import DBT_PYTHON_VERSION

from microconv.defs.dbt.cli_resource import MicroconvDbtCliResource, is_this_environments_dbt
from microconv.defs.resources import resources
from microconv.settings import get_settings

THIS_DBT = str(Path(sys.executable).with_name("dbt"))


@pytest.fixture
def no_subprocess(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record, instead of running, every `check_output` dagster-dbt makes."""
    calls: list[list[str]] = []

    def record(argv: list[str], *args: object, **kwargs: object) -> bytes:
        calls.append(list(argv))
        return b"Core:\n  - installed: 9.8.7\n"

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", record)
    return calls


def test_the_resources_dbt_is_the_lean_resource() -> None:
    assert isinstance(resources(get_settings())["dbt"], MicroconvDbtCliResource)


def test_this_environments_dbt_version_is_read_without_a_subprocess(no_subprocess: list) -> None:
    resource = MicroconvDbtCliResource(project_dir=str(get_settings().project_dir), dbt_executable=THIS_DBT)
    assert resource._cli_version == DBT_PYTHON_VERSION
    assert no_subprocess == []


def test_the_plain_resource_runs_dbt_version(no_subprocess: list) -> None:
    """What the lean resource saves: dagster-dbt's own resource runs `dbt --version` each time."""
    resource = DbtCliResource(project_dir=str(get_settings().project_dir), dbt_executable=THIS_DBT)
    assert str(resource._cli_version) == "9.8.7"
    assert no_subprocess == [[THIS_DBT, "--version"]]


def test_another_dbt_executable_is_still_asked_its_version(no_subprocess: list, tmp_path: Path) -> None:
    other = tmp_path / "bin" / "dbt"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    resource = MicroconvDbtCliResource(project_dir=str(get_settings().project_dir), dbt_executable=str(other))
    assert not is_this_environments_dbt(str(other))
    assert str(resource._cli_version) == "9.8.7"
    assert no_subprocess == [[str(other), "--version"]]


def test_no_dbt_adapter_is_opened_in_process() -> None:
    resource = MicroconvDbtCliResource(project_dir=str(get_settings().project_dir), dbt_executable=THIS_DBT)
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_this_environments_dbt_reports_the_imported_dbt_core_version() -> None:
    """The shortcut's premise: the console script beside this Python is the dbt-core imported here."""
    output = subprocess.run([THIS_DBT, "--version"], capture_output=True, text=True, check=True).stdout
    assert f"installed: {DBT_PYTHON_VERSION}" in output


def test_each_invocation_writes_under_the_projects_target_path_and_reuses_its_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dagster-dbt alone puts the invocation in ./target (or $DBT_TARGET_PATH) with the parse saved
    there: another warehouse's, which dbt throws away for a full parse (failed before: the dbt resource
    of a MICROCONV_DBT_TARGET_PATH environment wrote to ./target)."""
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    target = tmp_path / "target"
    target.mkdir()
    (target / "partial_parse.msgpack").write_bytes(b"saved parse")
    settings = get_settings().replace(dbt_target_path=str(target))
    dbt = resources(settings)["dbt"]
    invocation_dir = dbt._get_unique_target_path(context=None)
    assert invocation_dir.parent == target
    assert (invocation_dir / "partial_parse.msgpack").read_bytes() == b"saved parse"
    second = dbt._get_unique_target_path(context=None)
    assert second != invocation_dir and second.parent == target


def test_without_a_saved_parse_the_invocation_directory_is_left_to_dbt(tmp_path: Path) -> None:
    settings = get_settings().replace(dbt_target_path=str(tmp_path / "target"))
    invocation_dir = resources(settings)["dbt"]._get_unique_target_path(context=None)
    assert invocation_dir.parent == tmp_path / "target"
    assert not invocation_dir.exists()
