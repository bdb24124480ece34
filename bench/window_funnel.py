"""Our funnel engine against ClickHouse's `windowFunnel` (in-process, PyPI `chdb`) on the same events.

The conversions our funnel models read (`int_conversions_unioned`: user, conversion, time) are exported
to Parquet; ClickHouse computes each ordered funnel with `windowFunnel(window)(timestamp, cond1, …)`,
which returns, per user, the furthest step of any chain whose steps come in order within `window` of
its first step (ClickHouse docs, "Parametric aggregate functions: windowFunnel": timestamp of cond1 <=
… <= timestamp of condN <= timestamp of cond1 + window). That is our ordered funnel: the attempt that
reaches furthest, window inclusive, simultaneous events in step order (ClickHouse sorts a user's events
by timestamp, then condition). Users per step must be EQUAL to `funnel_steps` (breakdown `all`), or
the comparison fails. Funnels it cannot express are skipped with the reason: strict ones
(`strict_order` ends the search at the first other event, so it sees only a user's first attempt;
ours restarts at every step 1), unordered ones (no any-order mode), ones with exclusions, and ones
that repeat a step name (one event can then serve two of its steps in `windowFunnel`, not in ours).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

# The models that compute what windowFunnel computes: step events, then attempts and their furthest step.
ENGINE_MODELS = ("int_funnel_step_events", "funnel_user_progress")
MICROSECONDS_PER_DAY = 86_400 * 1_000_000


def comparable_funnels(
    definitions: Iterable[tuple[str, int, str, int, str]], excluded_funnels: Iterable[str]
) -> tuple[dict[str, tuple[list[str], int]], dict[str, str]]:
    """Split funnel_definitions rows (funnel, step_number, step_name, window days, order type) into
    the funnels windowFunnel computes as we do ({funnel: (step names in order, window days)}) and
    the others ({funnel: why not})."""
    steps: dict[str, list[tuple[int, str]]] = {}
    windows: dict[str, int] = {}
    order_types: dict[str, str] = {}
    for funnel, step_number, step_name, window_days, order_type in definitions:
        steps.setdefault(funnel, []).append((int(step_number), step_name))
        windows[funnel] = int(window_days)
        order_types[funnel] = order_type
    excluded = set(excluded_funnels)
    compared: dict[str, tuple[list[str], int]] = {}
    skipped: dict[str, str] = {}
    for funnel in sorted(steps):
        names = [name for _, name in sorted(steps[funnel])]
        if order_types[funnel] != "ordered":
            skipped[funnel] = f"{order_types[funnel]} funnel: windowFunnel has no mode with our rule"
        elif funnel in excluded:
            skipped[funnel] = "has exclusion events: windowFunnel has none"
        elif len(set(names)) < len(names):
            skipped[funnel] = "repeats a step name: windowFunnel lets one event take two steps"
        else:
            compared[funnel] = (names, windows[funnel])
    return compared, skipped


def _quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def window_funnel_sql(parquet: str, steps: list[str], window_days: int) -> str:
    """ClickHouse SQL: users per furthest step (level 1 … n) of one ordered funnel, the window in
    microseconds (our timestamps' precision), over the exported conversions."""
    conditions = ", ".join(f"conversion_name = {_quoted(step)}" for step in steps)
    return (
        "select level, count() as users from ("
        f" select user_key, windowFunnel({window_days * MICROSECONDS_PER_DAY})"
        f"(toUInt64(toUnixTimestamp64Micro(occurred_at)), {conditions}) as level"
        f" from file({_quoted(parquet)}, Parquet)"
        f" where conversion_name in ({', '.join(_quoted(step) for step in steps)})"
        " group by user_key"
        ") where level > 0 group by level order by level"
    )


def users_per_step(level_counts: dict[int, int], step_count: int) -> list[int]:
    """Users who reached each step (1 … step_count) from users per furthest step."""
    steps = range(1, step_count + 1)
    return [sum(users for level, users in level_counts.items() if level >= step) for step in steps]


def assert_equal_counts(funnel: str, ours: list[int], theirs: list[int]) -> None:
    if ours != theirs:
        raise AssertionError(
            f"funnel {funnel}: users per step differ: ours (funnel_steps) {ours},"
            f" ClickHouse windowFunnel {theirs}"
        )


def _parse_levels(csv_text: str) -> dict[int, int]:
    rows = (line.split(",") for line in csv_text.split() if line)
    return {int(level): int(users) for level, users in rows}


def engine_seconds(run_results: Path) -> float:
    """Summed execution_time of the engine models in a dbt run_results.json."""
    results = json.loads(run_results.read_text())["results"]
    times = {row["unique_id"].rsplit(".", 1)[-1]: row["execution_time"] for row in results}
    return sum(times[model] for model in ENGINE_MODELS)


def bench_window_funnel(warehouse: Path, env: dict[str, str], dbt: Path, root: Path, repeats: int) -> dict:
    """Times our engine models (dbt's own per-model times, median of `repeats` runs) and windowFunnel
    (median of `repeats`, every compared funnel per repeat), after checking equal counts."""
    try:
        import chdb
    except ImportError:
        message = "chdb is not installed (pip install -e '.[bench]'): no windowFunnel comparison"
        print(message, file=sys.stderr)
        return {"skipped": message}
    import duckdb

    root.mkdir(parents=True, exist_ok=True)
    parquet = root / "conversions.parquet"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(
            "copy (select user_key, conversion_name, occurred_at from intermediate.int_conversions_unioned)"
            f" to '{parquet}' (format parquet)"
        )
        definitions = con.execute(
            "select funnel, step_number, step_name, conversion_window_days, order_type"
            " from config.funnel_definitions"
        ).fetchall()
        exclusions = con.execute("select distinct funnel from config.funnel_exclusions").fetchall()
        ours_rows = con.execute(
            "select funnel, step_number, users from marts.funnel_steps"
            " where breakdown_dimension = 'all' order by funnel, step_number"
        ).fetchall()
    compared, skipped = comparable_funnels(definitions, [row[0] for row in exclusions])
    ours: dict[str, list[int]] = {}
    for funnel, _, users in ours_rows:
        ours.setdefault(funnel, []).append(int(users))
    queries = {funnel: window_funnel_sql(str(parquet), *compared[funnel]) for funnel in compared}
    theirs_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        results = {funnel: str(chdb.query(sql, "CSV")) for funnel, sql in queries.items()}
        theirs_times.append(time.perf_counter() - start)
    for funnel, (names, _) in compared.items():
        assert_equal_counts(funnel, ours[funnel], users_per_step(_parse_levels(results[funnel]), len(names)))
    target = root / "target"
    argv = [str(dbt), "run", "--select", *ENGINE_MODELS, "--target-path", str(target), "--quiet"]
    ours_times = []
    for _ in range(repeats):
        subprocess.run(argv, env=env, cwd=Path(__file__).resolve().parent.parent, check=True)
        ours_times.append(engine_seconds(target / "run_results.json"))
    ours_median, theirs_median = statistics.median(ours_times), statistics.median(theirs_times)
    return {
        "compared_funnels": {funnel: ours[funnel] for funnel in compared},
        "skipped_funnels": skipped,
        "ours_engine_seconds": ours_median,
        "ours_engine_models": list(ENGINE_MODELS),
        "chdb_window_funnel_seconds": theirs_median,
        "ours_over_chdb": ours_median / theirs_median,
    }
