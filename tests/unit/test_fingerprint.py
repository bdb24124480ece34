"""The build fingerprint: a seed or var that rewrites history turns the next run into a full refresh."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from microconv.fingerprint import (
    HISTORY_SEEDS,
    HISTORY_VARS,
    changes,
    fingerprint,
    fingerprint_path,
    read_fingerprint,
    refresh_reason,
    write_fingerprint,
)
from microconv.project import prepare_manifest
from microconv.settings import get_settings

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's seeds and dbt_project.yml, with the env-driven vars unset."""
    shutil.copytree(PROJECT / "seeds", tmp_path / "seeds")
    shutil.copy(PROJECT / "dbt_project.yml", tmp_path / "dbt_project.yml")
    monkeypatch.delenv("MICROCONV_EVENT_SOURCES", raising=False)
    monkeypatch.delenv("MICROCONV_MIXPANEL_TIMEZONE", raising=False)
    return tmp_path


def test_a_new_micro_conversion_row_asks_for_a_full_refresh_naming_the_seed(project: Path) -> None:
    before = fingerprint(project)
    seed = project / "seeds" / "micro_conversion_definitions.csv"
    header = seed.read_text().splitlines()[0]
    # One more definition, whatever its columns: a copy of the last row with a new name.
    last = seed.read_text().splitlines()[-1].split(",")
    last[0] = "watch_video"
    seed.write_text(seed.read_text().rstrip("\n") + "\n" + ",".join(last) + "\n")
    assert header.split(",")[0]  # the file kept its header
    changed = changes(before, fingerprint(project))
    assert changed == ["seeds/micro_conversion_definitions.csv"]
    assert "seeds/micro_conversion_definitions.csv changed" in refresh_reason(changed)


def test_a_history_var_asks_for_a_full_refresh_and_the_same_value_does_not(project: Path) -> None:
    before = fingerprint(project)
    assert changes(before, fingerprint(project)) == []
    assert refresh_reason([]) is None
    # --vars arrive as text; "30" is the dbt_project.yml default 30.
    assert changes(before, fingerprint(project, {"session_inactivity_minutes": "30"})) == []
    assert changes(before, fingerprint(project, {"session_inactivity_minutes": "45"})) == [
        "var session_inactivity_minutes"
    ]
    text = (project / "dbt_project.yml").read_text()
    (project / "dbt_project.yml").write_text(
        text.replace("own_domains: ['shop.example.com']", "own_domains: ['shop.example.com', 'example.org']")
    )
    assert changes(before, fingerprint(project)) == ["var own_domains"]


def test_vars_of_tables_rebuilt_every_run_need_no_full_refresh(project: Path) -> None:
    before = fingerprint(project)
    assert (
        changes(before, fingerprint(project, {"anomaly_z_threshold": "4", "impact_outcome_days": "14"})) == []
    )


def test_env_driven_vars_count_with_their_defaults(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint(project)
    monkeypatch.setenv("MICROCONV_EVENT_SOURCES", "microconv")
    assert changes(before, fingerprint(project)) == []
    monkeypatch.setenv("MICROCONV_EVENT_SOURCES", "microconv,ga4")
    assert changes(before, fingerprint(project)) == ["var event_sources"]


def test_no_record_yet_is_no_change_and_the_record_round_trips(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "wh" / "microconv.duckdb"))
    path = fingerprint_path(get_settings())
    assert path == tmp_path / "wh" / "microconv.duckdb.fingerprint.json"
    assert read_fingerprint(path) is None
    assert changes(None, fingerprint(project)) == []
    write_fingerprint(path, fingerprint(project))
    assert read_fingerprint(path) == fingerprint(project)


def test_the_lists_cover_every_seed_and_var_the_incremental_models_read() -> None:
    """Every seed upstream of an incremental model, and every var its SQL (or that of an upstream model
    or macro) reads, is in HISTORY_SEEDS / HISTORY_VARS."""
    manifest = json.loads(prepare_manifest().read_text())
    nodes, parents = manifest["nodes"], manifest["parent_map"]
    incremental = [
        unique_id
        for unique_id, node in nodes.items()
        if node["resource_type"] == "model"
        and node["config"]["materialized"] not in ("table", "view", "ephemeral")
    ]
    upstream: set[str] = set()
    stack = list(incremental)
    while stack:
        unique_id = stack.pop()
        if unique_id not in upstream:
            upstream.add(unique_id)
            stack += parents.get(unique_id, [])
    pattern = re.compile(r"""var\(\s*['"]([a-z_]+)['"]""")
    seeds, read_vars = set(), set()
    for unique_id in upstream:
        node = nodes.get(unique_id)
        if node is None:
            continue
        if node["resource_type"] == "seed":
            seeds.add(node["name"])
            continue
        read_vars |= set(pattern.findall(node.get("raw_code", "")))
        for macro in node["depends_on"].get("macros", []):
            read_vars |= set(pattern.findall(manifest["macros"][macro]["macro_sql"]))
    # The window and the incremental strategy decide what a run rewrites, not what a row says.
    read_vars -= {"min_date", "max_date", "late_arrival_lookback_days", "spark_keyed_incremental_strategy"}
    assert seeds <= set(HISTORY_SEEDS)
    assert read_vars <= set(HISTORY_VARS)
