"""The Dagster definitions load, with the job, schedule, sensors and checks they promise; the settings
reach every object as a resource; importing the package leaves the environment alone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from microconv.project import dbt_project, prepare_manifest

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "microconv"
OUR_CHECKS = {
    "raw_events_are_fresh",
    "mixpanel_time_is_utc",
    "no_anomaly_on_latest_complete_day",
    "no_new_data_test_failure",
}


@pytest.fixture(scope="module")
def defs():
    prepare_manifest()  # the dbt assets read the manifest
    from microconv.definitions import defs

    return defs


def test_the_definitions_load_with_every_resource_they_ask_for(defs) -> None:
    from dagster import Definitions

    Definitions.validate_loadable(defs)
    assert {"settings", "dbt"} <= set(defs.resources or {})


def test_every_asset_check_and_sensor_is_handed_the_settings_resource(defs) -> None:
    from microconv.defs.resources import SettingsResource

    assert isinstance(defs.resources["settings"], SettingsResource)
    graph = defs.resolve_asset_graph()
    assets = {
        key.to_user_string(): graph.get(key).assets_def.required_resource_keys
        for key in graph.materializable_asset_keys
    }
    checks = {
        spec.name: check.required_resource_keys
        for check in defs.asset_checks or []
        for spec in check.check_specs
    }
    sensors = {sensor.name: sensor.required_resource_keys for sensor in defs.sensors or []}
    lacking = [name for name, keys in {**assets, **checks, **sensors}.items() if "settings" not in keys]
    assert lacking == []
    assert len(checks) == len(OUR_CHECKS) and len(sensors) == 2


def test_the_settings_resource_has_one_field_per_setting() -> None:
    from microconv.defs.resources import SettingsResource
    from microconv.settings import Settings

    assert set(SettingsResource.model_fields) == set(Settings.__dataclass_fields__)


def _configured_values(resource) -> dict:
    """What the Dagster UI shows as the resource's config (its repository snapshot)."""
    from dagster import Definitions
    from dagster._core.remote_representation.external_data import RepositorySnap

    snap = RepositorySnap.from_def(Definitions(resources={"settings": resource}).get_repository_def())
    return next(each.configured_values for each in snap.resources if each.name == "settings")


def test_the_settings_resource_names_the_variables_that_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable the environment sets is an EnvVar in the resource config (the UI names it and never
    shows a secret's value); Dagster resolves it to the same Settings as get_settings()."""
    from dagster import build_resources

    from microconv.defs.resources import settings_resource
    from microconv.settings import get_settings

    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MICROCONV_SEGMENT_LANDING_DIR", str(tmp_path / "segment"))
    monkeypatch.setenv("MICROCONV_PII_SALT", "pepper")
    monkeypatch.delenv("MICROCONV_BEST_EFFORT", raising=False)
    resource = settings_resource()
    shown = _configured_values(resource)
    assert getattr(shown["duckdb_path"], "name", None) == "MICROCONV_DUCKDB_PATH"
    assert json.loads(shown["dbt_passthrough"]) == {"MICROCONV_PII_SALT": {"env": "MICROCONV_PII_SALT"}}
    assert json.loads(shown["landing_dir_overrides"]) == {"segment": {"env": "MICROCONV_SEGMENT_LANDING_DIR"}}
    assert "pepper" not in repr(shown)
    with build_resources({"settings": resource}) as built:
        assert built.settings == get_settings()


def test_a_run_hands_in_its_own_overrides_as_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`microconv run --best-effort --verbose` and the demo's source: the changed settings are values,
    the rest still names its variables."""
    from dagster import EnvVar, build_resources

    from microconv.defs.resources import settings_resource
    from microconv.settings import get_settings

    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MICROCONV_EVENT_SOURCES", "microconv")
    monkeypatch.delenv("MICROCONV_BEST_EFFORT", raising=False)
    run = get_settings().replace(best_effort=True, verbose=True, event_sources=("mixpanel",))
    resource = settings_resource(run)
    assert (resource.best_effort, resource.verbose, resource.event_sources) == (True, True, ["mixpanel"])
    assert isinstance(resource.duckdb_path, EnvVar)
    with build_resources({"settings": resource}) as built:
        assert built.settings == run


def test_definitions_have_the_partitioned_job_schedule_and_both_sensors(defs) -> None:
    job = defs.resolve_job_def("microconv_job")
    assert job.partitions_def is not None
    schedule = defs.resolve_schedule_def("microconv_daily")
    assert schedule.cron_schedule == "0 3 * * *"
    sensors = {sensor.name for sensor in defs.sensors or []}
    assert {"microconv_run_failure_alert", "microconv_new_landing_files"} <= sensors


def test_our_checks_sit_on_the_assets_they_check(defs) -> None:
    from dagster_dbt import get_asset_key_for_model

    from microconv.defs.dbt.assets import DBT_ASSETS
    from microconv.defs.ingestion.assets import RAW_KEYS

    graph = defs.resolve_asset_graph()
    checks = {key.name: key.asset_key for key in graph.asset_check_keys if key.name in OUR_CHECKS}
    assert checks == {
        "raw_events_are_fresh": RAW_KEYS["microconv"],
        "mixpanel_time_is_utc": RAW_KEYS["mixpanel"],
        "no_anomaly_on_latest_complete_day": get_asset_key_for_model(
            DBT_ASSETS, "micro_conversion_anomalies"
        ),
        "no_new_data_test_failure": get_asset_key_for_model(DBT_ASSETS, "data_test_history"),
    }


def test_the_raw_assets_are_the_dbt_sources_of_the_staging_models() -> None:
    """The ingestion asset writes the raw tables dbt reads (every event source's, and the ad spend
    reports'): its keys are dbt's source keys."""
    prepare_manifest()
    from dagster_dbt import get_asset_key_for_source

    from microconv.defs.dbt.assets import DBT_ASSETS
    from microconv.defs.ingestion.assets import RAW_KEYS
    from microconv.sources import EVENT_SOURCES

    assert {
        name: get_asset_key_for_source(DBT_ASSETS, name) for name in [*EVENT_SOURCES, "ad_spend"]
    } == RAW_KEYS


def test_every_dbt_test_is_an_asset_check() -> None:
    """Every dbt test is a Dagster asset check (none logged as an observation with a warning every run)."""
    from dagster_dbt.asset_utils import get_asset_check_key_for_test

    manifest = json.loads(prepare_manifest().read_text())
    from microconv.defs.dbt.assets import TRANSLATOR

    tests = [unique_id for unique_id in manifest["nodes"] if unique_id.startswith("test.")]
    unmapped = [
        unique_id
        for unique_id in tests
        if get_asset_check_key_for_test(manifest, TRANSLATOR, unique_id, dbt_project()) is None
    ]
    assert len(tests) > 100
    assert unmapped == []


def test_every_check_of_ours_blocks_publishing(defs) -> None:
    """Our own checks (dbt's run inside the dbt step, whose failure already stops the run) are
    blocking: publishing waits for them, and a check that errors (a locked file) stops it."""
    from microconv.defs.dbt.assets import dbt_check_keys

    graph = defs.resolve_asset_graph()
    ours = set(graph.asset_check_keys) - dbt_check_keys()
    assert ours
    assert {key.name: graph.get_check_spec(key).blocking for key in ours} == dict.fromkeys(
        (key.name for key in ours), True
    )


def test_importing_the_package_and_its_definitions_leaves_the_environment_unchanged() -> None:
    prepare_manifest()
    code = (
        "import os, sys\n"
        "before = dict(os.environ)\n"
        "import microconv.cli, microconv.definitions, microconv.runner\n"
        "sys.exit(0 if dict(os.environ) == before else 1)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def _sources() -> dict[str, str]:
    return {
        str(path.relative_to(PACKAGE_DIR)): path.read_text()
        for path in sorted(PACKAGE_DIR.rglob("*.py"))
        if "__pycache__" not in path.parts
    }


def test_only_the_settings_module_reads_the_environment() -> None:
    readers = [name for name, text in _sources().items() if "os.environ" in text or "getenv" in text]
    assert readers == ["settings.py"]


def test_the_engine_is_chosen_in_one_place() -> None:
    """No `if … spark` outside the engine modules and settings.py (which names the engine)."""
    branch = re.compile(r"""engine\s*[!=]=|==\s*["']spark["']|["']spark["']\s*==""")
    branching = [
        name
        for name, text in _sources().items()
        if branch.search(text) and not name.startswith("engines/") and name != "settings.py"
    ]
    assert branching == []


def test_the_fingerprint_is_recorded_by_the_runs_last_dbt_selection_only() -> None:
    """A dbt selection leaves the build record to a later one this run still materializes (which
    decides a full refresh from the same record); a run of the whole job plans them all."""
    from types import SimpleNamespace

    from microconv.defs.dbt.assets import DBT_ASSETS, planned_in_run

    (everything,) = DBT_ASSETS
    some_key = next(iter(everything.keys))
    whole_job = SimpleNamespace(run=SimpleNamespace(asset_selection=None))
    only_raw = SimpleNamespace(run=SimpleNamespace(asset_selection=frozenset()))
    with_it = SimpleNamespace(run=SimpleNamespace(asset_selection=frozenset({some_key})))
    assert planned_in_run(whole_job, [everything]) and planned_in_run(with_it, [everything])
    assert not planned_in_run(only_raw, [everything])
    assert not planned_in_run(whole_job, [])  # no later selection: this one records
