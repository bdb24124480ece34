"""The fixed cost of a small run: a whole `microconv run --full-refresh` on 10k events, split into dbt
(its own log: first line to last, which leaves out its ~2 s of Python imports) and everything outside
dbt (Python and Dagster start-up, run creation and event log, loading, checks, publishing, report).
Each timed run starts from an empty warehouse, so it loads the landing files and builds everything.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import statistics
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from measure import environment, run_measured

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# dbt's line after parsing: "Found 60 models, 12 seeds, 250 data tests, ..."
PARSED_PREFIX = "Found "


def _timestamp(line: dict) -> float:
    return datetime.fromisoformat(line["info"]["ts"].replace("Z", "+00:00")).timestamp()


def dbt_log_split(log_path: Path) -> dict[str, float]:
    """From a dbt JSON log (one invocation): seconds from its first line to its last, and of those the
    start-up and parse (first line to dbt's "Found ..." line)."""
    lines = [json.loads(text) for text in log_path.read_text().splitlines() if text.startswith("{")]
    first, last = _timestamp(lines[0]), _timestamp(lines[-1])
    parsed = next(
        (_timestamp(line) for line in lines if line["info"].get("msg", "").startswith(PARSED_PREFIX)), first
    )
    return {"dbt_seconds": last - first, "dbt_parse_seconds": parsed - first}


def summed_execution(run_results: dict) -> dict[str, float]:
    """Seconds of execution summed per kind of node (models, seeds, data tests, ...), across threads."""
    sums: dict[str, float] = defaultdict(float)
    for result in run_results["results"]:
        kind = result["unique_id"].split(".")[0]
        sums[f"dbt_{kind}_seconds_summed"] += result["execution_time"]
    return dict(sums)


def dagster_events(dagster_home: Path) -> int:
    """Events in the newest run of a SQLite Dagster instance (one shard per run)."""
    shards = [path for path in (dagster_home / "history" / "runs").glob("*.db") if path.stem != "index"]
    newest = max(shards, key=lambda path: path.stat().st_mtime)
    with sqlite3.connect(newest) as con:
        return con.execute("select count(*) from event_logs").fetchone()[0]


def bench_fixed_cost(events: int, days: int, repeats: int, work: Path, generate) -> dict:
    """`generate(events, days, landing, env)` writes the landing files (bench.py's)."""
    root = work / f"fixed-cost-{events}"
    shutil.rmtree(root, ignore_errors=True)
    (root / "dagster_home").mkdir(parents=True)
    shutil.copy(PROJECT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
    landing, warehouse, target = root / "landing", root / "microconv.duckdb", root / "target"
    env = environment(
        MICROCONV_LANDING_DIR=str(landing),
        MICROCONV_DUCKDB_PATH=str(warehouse),
        MICROCONV_PUBLISH_DIR=str(root / "publish"),
        MICROCONV_ALERTS_PATH=str(root / "alerts.jsonl"),
        MICROCONV_DBT_TARGET_PATH=str(target),
        MICROCONV_FIRST_PARTITION="2026-01-01",
        MICROCONV_NO_PROGRESS="1",
        DAGSTER_HOME=str(root / "dagster_home"),
    )
    _, rows = generate(events, days, landing, env)
    # Parse once for this environment, outside any timing, as `make install`/a deployment does.
    run_measured([str(BIN / "microconv"), "prepare"], env, PROJECT)
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        for path in root.glob("microconv.duckdb*"):
            path.unlink()
        before = set(target.glob("microconv_dbt_assets-*"))
        seconds, _ = run_measured([str(BIN / "microconv"), "run", "--full-refresh"], env, PROJECT)
        (invocation,) = set(target.glob("microconv_dbt_assets-*")) - before
        split = dbt_log_split(invocation / "dbt.log")
        samples["run_seconds"].append(seconds)
        samples["outside_dbt_seconds"].append(seconds - split["dbt_seconds"])
        for name, value in split.items():
            samples[name].append(value)
        results = json.loads((invocation / "run_results.json").read_text())
        for name, value in summed_execution(results).items():
            samples[name].append(value)
        samples["dagster_events"].append(dagster_events(root / "dagster_home"))
    return {"events": rows, "repeats": repeats} | {
        name: statistics.median(values) for name, values in samples.items()
    }
