"""Microconv benchmark: generator speed, full build vs a hand-written DuckDB floor, scaling, an
incremental day against a full build, peak memory, exact Markov against channelattribution, and our
funnel engine against ClickHouse's windowFunnel (chdb, optional: `pip install -e ".[bench]"`).

    .venv/bin/python bench/bench.py                       # 1M and 10M events, 3 repeats
    .venv/bin/python bench/bench.py --sizes 100000 --repeats 1 --incremental-events 100000   # smoke

Every figure is the median of --repeats runs made in this one invocation; ratios compare medians.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from fixed_cost import bench_fixed_cost
from measure import Samples, environment, repeat, run_measured
from window_funnel import bench_window_funnel

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FLOOR_SQL = Path(__file__).resolve().parent / "floor.sql"
START = date(2026, 1, 1)

_FLOOR_RUNNER = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1], read_only=True)\n"
    "con.execute(\"set threads = 2; set memory_limit = '3GB'; set preserve_insertion_order = false\")\n"
    "con.execute(open(sys.argv[2]).read())\n"
)


def _generate(events: int, days: int, landing: Path, env: dict[str, str]) -> tuple[float, int]:
    argv = [str(BIN / "microconv"), "generate", "--events", str(events), "--days", str(days)]
    argv += ["--seed", "7", "--out", str(landing), "--overwrite"]
    seconds, _ = run_measured(argv, env, PROJECT)
    rows = json.loads((landing / "_manifest.json").read_text())["rows"]
    return seconds, rows


def _load(env: dict[str, str]) -> tuple[float, float]:
    return run_measured([str(BIN / "microconv"), "load"], env, PROJECT)


def _dbt_build(env: dict[str, str]) -> tuple[float, float]:
    """A production build: models, seeds and data tests; dbt unit tests belong to development and CI
    (they need the incremental models' tables to exist, and production runs leave them out too)."""
    argv = [str(BIN / "dbt"), "build", "--full-refresh", "--quiet", "--exclude-resource-type", "unit_test"]
    return run_measured(argv, env, PROJECT)


def _job(env: dict[str, str], *args: str) -> tuple[float, float]:
    return run_measured([str(BIN / "microconv"), "run", *args], env, PROJECT)


def _floor(warehouse: Path, env: dict[str, str]) -> tuple[float, float]:
    argv = [sys.executable, "-c", _FLOOR_RUNNER, str(warehouse), str(FLOOR_SQL)]
    return run_measured(argv, env, PROJECT)


def _workspace(root: Path, landing: Path, warehouse: Path) -> dict[str, str]:
    """A fresh DAGSTER_HOME under `root` and the environment pointing every Microconv path there."""
    (root / "dagster_home").mkdir(parents=True)
    shutil.copy(PROJECT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    env = environment(
        MICROCONV_LANDING_DIR=str(landing),
        MICROCONV_DUCKDB_PATH=str(warehouse),
        MICROCONV_PUBLISH_DIR=str(root / "publish"),
        MICROCONV_ALERTS_PATH=str(root / "alerts.jsonl"),
        MICROCONV_FIRST_PARTITION=START.isoformat(),
        DAGSTER_HOME=str(root / "dagster_home"),
    )
    # Parse once for this warehouse path, outside any timing (runs re-parse when the path changes).
    run_measured([str(BIN / "microconv"), "prepare"], env, PROJECT)
    return env


def bench_size(events: int, days: int, repeats: int, work: Path, with_job: bool) -> dict:
    root = work / f"{events}"
    shutil.rmtree(root, ignore_errors=True)
    landing, warehouse = root / "landing", root / "microconv.duckdb"
    env = _workspace(root, landing, warehouse)
    generation = Samples()
    rows = 0
    for _ in range(repeats):
        seconds, rows = _generate(events, days, landing, env)
        generation.seconds.append(seconds)
    _load(env)
    build = repeat(repeats, lambda: _dbt_build(env))
    floor = repeat(repeats, lambda: _floor(warehouse, env))
    result = {
        "events": rows,
        "generator_events_per_second": rows / generation.median,
        "dbt_build_seconds": build.median,
        "dbt_build_peak_rss_mib": build.peak_mib,
        "floor_seconds": floor.median,
        "build_over_floor": build.median / floor.median,
    }
    if with_job:
        job = repeat(repeats, lambda: _job(env, "--full-refresh"))
        result |= {"job_seconds": job.median, "job_peak_rss_mib": job.peak_mib}
    # Our funnel engine against ClickHouse's windowFunnel (chdb) on the same conversions, counts checked.
    funnel_root = root / "window-funnel"
    result["window_funnel"] = bench_window_funnel(warehouse, env, BIN / "dbt", funnel_root, repeats)
    result["warehouse"] = str(warehouse)
    return result


def _dbt_models(
    env: dict[str, str], *, full_refresh: bool, window: tuple[date, date] | None = None
) -> tuple[float, float]:
    """`dbt build` of the models and seeds alone (the job's --skip-tests plan), optionally over a
    partition window passed the way the Dagster asset passes it."""
    from microconv.dbt_cli import dbt_build_args, partition_window_vars, window_env_vars

    if window is not None:
        env = env | window_env_vars(partition_window_vars(*window, START))
    argv = [str(BIN / "dbt"), *dbt_build_args(full_refresh=full_refresh, skip_tests=True), "--quiet"]
    return run_measured(argv, env, PROJECT)


def bench_incremental(events: int, days: int, repeats: int, work: Path) -> dict:
    """A full build of `days` days against the run of the day after them (its late rows included):
    through the Dagster job (models only, then with tests) and with `dbt build` alone."""
    root = work / f"incremental-{events}"
    shutil.rmtree(root, ignore_errors=True)
    generated, landing = root / "generated", root / "landing"
    warehouse, snapshot = root / "microconv.duckdb", root / "history.duckdb"
    env = _workspace(root, landing, warehouse)
    _generate(events, days + 1, generated, env)
    day = START + timedelta(days=days)
    new_day_files = sorted(generated.glob(f"events_{day.isoformat()}*"))
    landing.mkdir()

    def history_only() -> None:
        """The snapshot of the built history (once it exists), with only the history's files landed."""
        for path in new_day_files:
            (landing / path.name).unlink(missing_ok=True)
        if snapshot.exists():
            shutil.copy(snapshot, warehouse)

    def land_new_day() -> None:
        history_only()
        for path in new_day_files:
            shutil.copy(path, landing / path.name)

    def land_and_load_new_day() -> None:
        land_new_day()
        _load(env)

    for path in generated.glob("events_*"):
        if path not in new_day_files:
            shutil.copy(path, landing / path.name)
    full = repeat(repeats, lambda: _job(env, "--full-refresh", "--skip-tests"), history_only)
    shutil.copy(warehouse, snapshot)
    day_arg = day.isoformat()
    day_run = repeat(
        repeats, lambda: _job(env, "--start", day_arg, "--end", day_arg, "--skip-tests"), land_new_day
    )
    full_dbt = repeat(repeats, lambda: _dbt_models(env, full_refresh=True), history_only)
    day_dbt = repeat(
        repeats,
        lambda: _dbt_models(env, full_refresh=False, window=(day, day + timedelta(days=1))),
        land_and_load_new_day,
    )
    full_tested = repeat(1, lambda: _job(env, "--full-refresh"), history_only)
    day_tested = repeat(1, lambda: _job(env, "--start", day_arg, "--end", day_arg), land_new_day)
    return {
        "history_days": days,
        "events": json.loads((generated / "_manifest.json").read_text())["rows"],
        "full_models_seconds": full.median,
        "day_models_seconds": day_run.median,
        "day_over_full_models": day_run.median / full.median,
        "full_dbt_models_seconds": full_dbt.median,
        "day_dbt_models_seconds": day_dbt.median,
        "day_over_full_dbt_models": day_dbt.median / full_dbt.median,
        "full_with_tests_seconds": full_tested.median,
        "day_with_tests_seconds": day_tested.median,
        "day_over_full_with_tests": day_tested.median / full_tested.median,
    }


def bench_markov(warehouse: Path, repeats: int, seeds: int = 5) -> dict:
    """Our exact Markov against channelattribution's simulation on the same path summary. Its
    simulation error is estimated as the spread of its credits over `seeds` seeds."""
    import ChannelAttribution
    import duckdb
    import pandas as pd

    from microconv.attribution import markov_credits, summaries_from_columns

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select path, conversions, non_conversions, revenue
            from intermediate.int_attribution_paths_summarized
            """
        ).fetchall()
    paths, conversions, non_conversions, revenue = (list(column) for column in zip(*rows, strict=True))
    frame = pd.DataFrame({"path": paths, "conversions": conversions, "non_conversions": non_conversions})
    ours_times, theirs_times, theirs_runs = [], [], []
    for seed in range(max(repeats, seeds)):
        start = time.perf_counter()
        ours = markov_credits(summaries_from_columns(paths, conversions, non_conversions, revenue))
        ours_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        theirs = ChannelAttribution.markov_model(
            frame, var_path="path", var_conv="conversions", var_null="non_conversions", sep=">",
            seed=seed + 1, verbose=False, flg_pro=False,
        )  # fmt: skip
        theirs_times.append(time.perf_counter() - start)
        theirs_runs.append(dict(zip(theirs["channel_name"], theirs["total_conversions"], strict=True)))
    spread = max(
        max(run.get(channel, 0.0) for run in theirs_runs) - min(run.get(channel, 0.0) for run in theirs_runs)
        for channel in ours
    )
    mean = {channel: statistics.fmean(run.get(channel, 0.0) for run in theirs_runs) for channel in ours}
    ours_median, theirs_median = statistics.median(ours_times), statistics.median(theirs_times)
    return {
        "journeys": int(sum(conversions) + sum(non_conversions)),
        "distinct_paths": len(paths),
        "conversions": float(sum(conversions)),
        "ours_seconds": ours_median,
        "channelattribution_seconds": theirs_median,
        "ours_over_channelattribution": ours_median / theirs_median,
        "largest_difference_vs_their_mean": max(abs(ours[channel][0] - mean[channel]) for channel in ours),
        "their_seed_spread": spread,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated event counts")
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--incremental-events", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--incremental-days", type=int, default=90)
    parser.add_argument(
        "--incremental-repeats", type=int, help="repeats of the incremental figure (default: --repeats)"
    )
    parser.add_argument("--no-job", action="store_true", help="skip the Dagster job at every size")
    parser.add_argument(
        "--fixed-cost-events", type=int, default=10_000, help="events of the fixed-cost run (0 to skip)"
    )
    parser.add_argument("--work", default=str(PROJECT / "bench" / "work"))
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"date": date.today().isoformat(), "repeats": args.repeats, "sizes": []}
    for events in (int(size) for size in args.sizes.split(",")):
        results["sizes"].append(bench_size(events, args.days, args.repeats, work, not args.no_job))
        print(json.dumps(results["sizes"][-1], indent=2), flush=True)
    if len(results["sizes"]) > 1:
        small, large = results["sizes"][0], results["sizes"][-1]
        results["scaling"] = {
            "events_ratio": large["events"] / small["events"],
            "dbt_build_time_ratio": large["dbt_build_seconds"] / small["dbt_build_seconds"],
        }
    results["markov"] = bench_markov(Path(results["sizes"][-1]["warehouse"]), args.repeats)
    if args.fixed_cost_events:
        # A whole `microconv run` on a small warehouse: what dbt costs and what everything else costs.
        results["fixed_cost"] = bench_fixed_cost(args.fixed_cost_events, 30, args.repeats, work, _generate)
        print(json.dumps(results["fixed_cost"], indent=2), flush=True)
    if args.incremental_events:
        results["incremental"] = bench_incremental(
            args.incremental_events, args.incremental_days, args.incremental_repeats or args.repeats, work
        )
    output = work / f"results-{results['date']}.json"
    output.write_text(json.dumps(results, indent=2))
    print(json.dumps({key: value for key, value in results.items() if key != "sizes"}, indent=2))
    print(f"Results: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
