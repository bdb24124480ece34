"""The benchmark's building blocks: the floor query on generated raw events, and the measuring wrapper."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from microconv.generator import GeneratorConfig, generate
from microconv.ingest import load_landing_files

BENCH = Path(__file__).resolve().parent.parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from measure import run_measured  # noqa: E402


def test_floor_query_does_the_dominant_work(tmp_path: Path) -> None:
    generate(GeneratorConfig(events=3_000, days=2, seed=3, dirty_share=0.0), tmp_path / "landing", "parquet")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        load_landing_files(con, tmp_path / "landing")
        con.execute((BENCH / "floor.sql").read_text())
        events = con.execute("select count(*) from floor_events").fetchone()[0]
        distinct_ids = con.execute("select count(distinct event_id) from raw.events").fetchone()[0]
        steps = con.execute("select * from floor_funnel").fetchone()
        purchases = con.execute("select count(*) from floor_events where event_name = 'purchase'").fetchone()[
            0
        ]
        attributed = con.execute("select sum(conversions) from floor_last_touch").fetchone()[0]
        sessions = con.execute("select count(*) from floor_sessions").fetchone()[0]
    assert events == distinct_ids
    assert steps[0] > 0 and list(steps) == sorted(steps, reverse=True)
    assert attributed == purchases > 0
    assert 0 < sessions < events


def test_run_measured_reports_time_and_memory(tmp_path: Path) -> None:
    seconds, rss_mib = run_measured([sys.executable, "-c", "x = bytearray(50_000_000)"], {}, tmp_path)
    assert seconds > 0 and rss_mib >= 50
