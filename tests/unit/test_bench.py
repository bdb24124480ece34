"""The benchmark's building blocks: the floor query on generated raw events, and the measuring wrapper."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import pytest

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


# The windowFunnel comparison (bench/window_funnel.py): which funnels it compares, the SQL, the counts.
from window_funnel import (  # noqa: E402
    assert_equal_counts,
    bench_window_funnel,
    comparable_funnels,
    engine_seconds,
    users_per_step,
    window_funnel_sql,
)

DEFINITIONS = [
    ("shop", 2, "add_to_cart", 7, "ordered"),
    ("shop", 1, "view_item", 7, "ordered"),
    ("strict", 1, "begin_checkout", 1, "strict"),
    ("strict", 2, "purchase", 1, "strict"),
    ("any", 1, "sign_up", 30, "unordered"),
    ("loop", 1, "view_item", 1, "ordered"),
    ("loop", 2, "add_to_cart", 1, "ordered"),
    ("loop", 3, "view_item", 1, "ordered"),
    ("guarded", 1, "view_item", 1, "ordered"),
]


def test_only_ordered_funnels_without_exclusions_or_repeated_steps_are_compared() -> None:
    compared, skipped = comparable_funnels(DEFINITIONS, ["guarded"])
    assert compared == {"shop": (["view_item", "add_to_cart"], 7)}  # steps by number, not by row order
    assert set(skipped) == {"strict", "any", "loop", "guarded"}
    assert "strict" in skipped["strict"] and "unordered" in skipped["any"]
    assert "exclusion" in skipped["guarded"] and "repeats" in skipped["loop"]


def test_window_funnel_sql_has_the_steps_in_order_and_the_window_in_microseconds() -> None:
    sql = window_funnel_sql("/data/c.parquet", ["view_item", "add_to_cart"], 7)
    assert "windowFunnel(604800000000)" in sql  # 7 days of 86,400 s of 1,000,000 us
    assert sql.index("conversion_name = 'view_item'") < sql.index("conversion_name = 'add_to_cart'")
    assert "file('/data/c.parquet', Parquet)" in sql
    assert "conversion_name = 'it\\'s'" in window_funnel_sql("/p", ["it's"], 1)


def test_users_per_step_counts_every_user_at_their_step_and_below() -> None:
    # 5 users stopped at step 1, 3 at step 2, 2 finished step 3: 10 reached 1, 5 reached 2, 2 reached 3.
    assert users_per_step({1: 5, 2: 3, 3: 2}, 3) == [10, 5, 2]
    assert users_per_step({1: 4}, 3) == [4, 0, 0]


def test_unequal_counts_fail_loudly() -> None:
    assert_equal_counts("shop", [10, 5, 2], [10, 5, 2])
    with pytest.raises(AssertionError, match=r"funnel shop.*\[10, 5, 2\].*\[10, 4, 2\]"):
        assert_equal_counts("shop", [10, 5, 2], [10, 4, 2])


def test_engine_seconds_sums_the_engine_models_of_a_run(tmp_path: Path) -> None:
    results = [
        {"unique_id": "model.microconv.int_funnel_step_events", "execution_time": 0.5},
        {"unique_id": "model.microconv.funnel_user_progress", "execution_time": 0.25},
        {"unique_id": "model.microconv.funnel_steps", "execution_time": 9.0},
    ]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    assert engine_seconds(tmp_path / "run_results.json") == 0.75


def test_the_comparison_is_skipped_with_a_message_without_chdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "chdb", None)  # import chdb raises ImportError
    result = bench_window_funnel(tmp_path / "none.duckdb", {}, Path("dbt"), tmp_path, 1)
    assert "chdb is not installed" in result["skipped"]
    assert "chdb is not installed" in capsys.readouterr().err


def test_window_funnel_counts_like_our_ordered_funnel(tmp_path: Path) -> None:
    """windowFunnel on hand-made conversions (1-day window): a completes; b carts before viewing (1);
    c's cart is 1 day and 1 microsecond late (1); d views and carts in the same microsecond, cart
    row first (2: simultaneous events count in step order, as ours); e's second view starts the
    attempt that completes (2)."""
    chdb = pytest.importorskip("chdb")
    rows = [
        ("a", "view_item", "2026-01-01 10:00:00"),
        ("a", "add_to_cart", "2026-01-01 10:05:00"),
        ("b", "add_to_cart", "2026-01-01 09:00:00"),
        ("b", "view_item", "2026-01-01 10:00:00"),
        ("c", "view_item", "2026-01-01 10:00:00"),
        ("c", "add_to_cart", "2026-01-02 10:00:00.000001"),
        ("d", "add_to_cart", "2026-01-01 10:00:00"),
        ("d", "view_item", "2026-01-01 10:00:00"),
        ("e", "view_item", "2026-01-01 10:00:00"),
        ("e", "view_item", "2026-01-03 10:00:00"),
        ("e", "add_to_cart", "2026-01-03 11:00:00"),
    ]
    parquet = tmp_path / "conversions.parquet"
    with duckdb.connect() as con:
        con.execute("create table c (user_key varchar, conversion_name varchar, occurred_at timestamp)")
        con.executemany("insert into c values (?, ?, ?)", rows)
        con.execute(f"copy c to '{parquet}' (format parquet)")
    text = str(chdb.query(window_funnel_sql(str(parquet), ["view_item", "add_to_cart"], 1), "CSV"))
    levels = {int(level): int(users) for level, users in (line.split(",") for line in text.split())}
    assert levels == {1: 2, 2: 3}
    assert users_per_step(levels, 2) == [5, 3]
