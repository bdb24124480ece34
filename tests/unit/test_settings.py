"""Settings: read from the environment in one place, and the only builder of dbt's environment."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from microconv.settings import Settings, get_settings
from microconv.sources import EVENT_SOURCES


def test_dbt_env_holds_paths_sources_and_the_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MICROCONV_EVENT_SOURCES", " microconv , ga4 ")
    monkeypatch.setenv("MICROCONV_PII_SALT", "pepper")
    monkeypatch.delenv("MICROCONV_DUCKDB_THREADS", raising=False)
    settings = get_settings()
    window = {"MICROCONV_MIN_DATE": "2026-03-04", "MICROCONV_MAX_DATE": "2026-03-05"}
    env = settings.dbt_env(window, {"MICROCONV_DAGSTER_RUN_ID": "run-1"})
    assert env["MICROCONV_DUCKDB_PATH"] == str(tmp_path / "w.duckdb")
    assert env["MICROCONV_EVENT_SOURCES"] == "microconv,ga4"
    assert env["MICROCONV_PII_SALT"] == "pepper"
    assert "MICROCONV_DUCKDB_THREADS" not in env  # profiles.yml keeps its default
    assert env["MICROCONV_MIN_DATE"] == "2026-03-04" and env["MICROCONV_MAX_DATE"] == "2026-03-05"
    assert env["MICROCONV_DAGSTER_RUN_ID"] == "run-1"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert "MICROCONV_MIN_DATE" not in settings.dbt_env()


def test_the_cli_options_reach_dbt_through_a_settings_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROCONV_EVENT_SOURCES", raising=False)
    monkeypatch.delenv("MICROCONV_BEST_EFFORT", raising=False)
    settings = get_settings()
    demo = settings.replace(
        event_sources=("mixpanel",), mixpanel_timezone="America/Los_Angeles", best_effort=True
    )
    assert demo.dbt_env()["MICROCONV_EVENT_SOURCES"] == "mixpanel"
    assert demo.dbt_env()["MICROCONV_MIXPANEL_TIMEZONE"] == "America/Los_Angeles"
    assert demo.best_effort and not settings.best_effort
    assert "MICROCONV_EVENT_SOURCES" not in os.environ


def test_dbt_environment_applies_for_the_block_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MICROCONV_MAX_DATE", raising=False)
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "dev")
    before = dict(os.environ)
    settings = get_settings()
    with settings.dbt_environment({"MICROCONV_MAX_DATE": "2026-01-09"}):
        assert os.environ["MICROCONV_MAX_DATE"] == "2026-01-09"
        assert str(Path(sys.executable).parent) in os.environ["PATH"].split(os.pathsep)
    assert dict(os.environ) == before


def test_subprocesses_find_this_environments_scripts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin")
    env = get_settings().subprocess_env()
    assert env["PATH"].split(os.pathsep) == [str(Path(sys.executable).parent), "/usr/bin"]
    assert os.environ["PATH"] == "/usr/bin"


def test_a_vendor_landing_dir_setting_is_read_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(tmp_path / "landing" / "events"))
    monkeypatch.setenv("MICROCONV_SEGMENT_LANDING_DIR", str(tmp_path / "exports" / "segment"))
    monkeypatch.delenv("MICROCONV_GA4_LANDING_DIR", raising=False)
    dirs = get_settings().landing_dirs()
    assert dirs["segment"] == tmp_path / "exports" / "segment"
    assert dirs["ga4"] == tmp_path / "landing" / "ga4"
    assert set(dirs) == set(EVENT_SOURCES)


def test_flags_verbose_progress_and_target_path(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MICROCONV_VERBOSE",
        "MICROCONV_NO_PROGRESS",
        "MICROCONV_DBT_TARGET_PATH",
        "MICROCONV_ENGINE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "dev")
    settings = get_settings()
    assert (settings.verbose, settings.progress, settings.dbt_target_path) == (False, True, "target")
    monkeypatch.setenv("MICROCONV_VERBOSE", "1")
    monkeypatch.setenv("MICROCONV_NO_PROGRESS", "1")
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "spark")
    settings = get_settings()
    assert (settings.verbose, settings.progress, settings.dbt_target_path) == (True, False, "target/spark")


def test_config_values_are_plain_and_read_back_to_the_same_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """config_values() is what the Dagster resource holds (text, numbers, lists, dicts); from_config
    gives back the very settings, vendor landing dirs and dbt pass-through included."""
    monkeypatch.setenv("MICROCONV_EVENT_SOURCES", "microconv,segment")
    monkeypatch.setenv("MICROCONV_SEGMENT_LANDING_DIR", str(tmp_path / "exports" / "segment"))
    monkeypatch.setenv("MICROCONV_PII_SALT", "pepper")
    monkeypatch.setenv("MICROCONV_ALERT_WEBHOOK_URL", "https://hooks.example.com/x")
    settings = get_settings().replace(best_effort=True, verbose=True)
    values = settings.config_values()
    assert json.loads(json.dumps(values)) == values
    assert values["event_sources"] == ["microconv", "segment"]
    assert values["landing_dir_overrides"] == {"segment": str(tmp_path / "exports" / "segment")}
    assert values["dbt_passthrough"] == {"MICROCONV_PII_SALT": "pepper"}
    assert Settings.from_config(values) == settings


def test_from_config_resolves_paths_and_checks_engine_and_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An EnvVar reaches from_config as its variable's raw text: read exactly as get_settings reads it."""
    monkeypatch.chdir(tmp_path)
    values = get_settings().config_values()
    settings = Settings.from_config(
        {**values, "duckdb_path": "w.duckdb", "mixpanel_timezone": " ", "alert_webhook_url": ""}
    )
    assert settings.duckdb_path == tmp_path.resolve() / "w.duckdb"
    assert settings.mixpanel_timezone == "UTC"
    assert settings.alert_webhook_url is None
    with pytest.raises(ValueError, match="MICROCONV_ENGINE"):
        Settings.from_config({**values, "engine": "snowflake"})
    with pytest.raises(ValueError, match="IANA"):
        Settings.from_config({**values, "mixpanel_timezone": "Mars/Olympus"})


def test_the_yandex_metrica_counter_time_zone_reaches_dbt_and_is_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """MICROCONV_YANDEX_METRICA_TIMEZONE: blank is a counter's default (Europe/Moscow), a name reaches
    dbt, an unknown name fails naming its variable."""
    monkeypatch.setenv("MICROCONV_YANDEX_METRICA_TIMEZONE", " ")
    assert get_settings().yandex_metrica_timezone == "Europe/Moscow"
    monkeypatch.setenv("MICROCONV_YANDEX_METRICA_TIMEZONE", "Asia/Yekaterinburg")
    settings = get_settings()
    assert settings.dbt_env()["MICROCONV_YANDEX_METRICA_TIMEZONE"] == "Asia/Yekaterinburg"
    assert Settings.from_config(settings.config_values()).yandex_metrica_timezone == "Asia/Yekaterinburg"
    monkeypatch.setenv("MICROCONV_YANDEX_METRICA_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ValueError, match="MICROCONV_YANDEX_METRICA_TIMEZONE"):
        get_settings()
