"""The fixed-cost figure's split: dbt's own log and run results, and the Dagster run's event count."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from fixed_cost import dagster_events, dbt_log_split, summed_execution  # noqa: E402


def _line(ts: str, msg: str) -> str:
    return json.dumps({"info": {"ts": ts, "msg": msg, "level": "info"}, "data": {}})


def test_dbt_log_split_times_the_whole_invocation_and_its_parse(tmp_path: Path) -> None:
    log = tmp_path / "dbt.log"
    log.write_text(
        "\n".join(
            [
                _line("2026-12-01T00:00:00.000000Z", "Running with dbt=1.11.16"),
                _line("2026-12-01T00:00:01.500000Z", "Registered adapter: duckdb=1.11.1"),
                _line("2026-12-01T00:00:03.250000Z", "Found 60 models, 12 seeds, 250 data tests"),
                _line("2026-12-01T00:00:10.000000Z", "1 of 300 START sql table model core.dim_users"),
                _line("2026-12-01T00:00:21.750000Z", "Completed successfully"),
            ]
        )
        + "\n"
    )
    split = dbt_log_split(log)
    assert split["dbt_seconds"] == pytest.approx(21.75)
    assert split["dbt_parse_seconds"] == pytest.approx(3.25)


def test_summed_execution_adds_each_kind_of_node() -> None:
    results = {
        "results": [
            {"unique_id": "model.microconv.a", "execution_time": 1.25},
            {"unique_id": "model.microconv.b", "execution_time": 0.75},
            {"unique_id": "test.microconv.not_null_a_x", "execution_time": 0.5},
            {"unique_id": "seed.microconv.s", "execution_time": 0.125},
            {"unique_id": "test.microconv.unique_a_x", "execution_time": 0.25},
        ]
    }
    assert summed_execution(results) == {
        "dbt_model_seconds_summed": 2.0,
        "dbt_test_seconds_summed": 0.75,
        "dbt_seed_seconds_summed": 0.125,
    }


def test_dagster_events_counts_the_newest_runs_shard(tmp_path: Path) -> None:
    runs = tmp_path / "history" / "runs"
    runs.mkdir(parents=True)
    for name, count in (("index", 9), ("old-run", 3), ("new-run", 5)):
        with sqlite3.connect(runs / f"{name}.db") as con:
            con.execute("create table event_logs (id integer)")
            con.executemany("insert into event_logs values (?)", [(i,) for i in range(count)])
    (runs / "new-run.db").touch()
    assert dagster_events(tmp_path) == 5
