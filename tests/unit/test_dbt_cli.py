import json

from orchestration.dbt_cli import dbt_build_args, layer_group


def test_build_args_plain() -> None:
    assert dbt_build_args() == ["build"]


def test_build_args_full_refresh_and_vars() -> None:
    args = dbt_build_args(full_refresh=True, dbt_vars={"session_inactivity_minutes": 45, "a": "b"})
    assert args[:2] == ["build", "--full-refresh"]
    assert args[2] == "--vars"
    assert json.loads(args[3]) == {"a": "b", "session_inactivity_minutes": 45}


def test_layer_group_by_top_folder() -> None:
    assert layer_group("model", ["microconv", "staging", "tracking", "stg_tracking__events"]) == "staging"
    assert layer_group("model", ["microconv", "core", "fct_sessions"]) == "core"
    assert layer_group("model", ["microconv", "marts", "quality", "event_quality_daily"]) == "marts"
    assert layer_group("seed", ["microconv", "funnel_definitions"]) == "config"
    assert layer_group("model", ["microconv", "sandbox", "x"]) == "other"
