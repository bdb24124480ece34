"""Daily partitions one after another (late events in later files) give the same warehouse as one
full refresh; rerunning a partition changes nothing."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate
from tests.warehouse_compare import table_differences

pytestmark = pytest.mark.e2e

# Three event days; files are named by load day, and 15% of rows arrive 1-4 days late, so the files
# after the first carry events of earlier days (also later than the 3-day lookback).
CONFIG = GeneratorConfig(events=6_000, days=3, seed=5, dirty_share=0.03, late_share=0.15)
FIRST_DAY = "2026-01-01"
# Run-scoped bookkeeping: which devices and dates the last run recomputed.
RUN_SCOPED = {"intermediate.int_devices_reprocessed", "intermediate.int_dates_reprocessed"}


@dataclass
class Warehouses:
    daily: Path
    full: Path
    rerun: Path
    crashed: Path
    crash_log: str
    landing_files: list[Path]


def _file_day(path: Path) -> str:
    return path.name.removeprefix("events_").split(".")[0]


def _environment(patch: pytest.MonkeyPatch, root: Path) -> None:
    patch.setenv("MICROCONV_DUCKDB_PATH", str(root / "microconv.duckdb"))
    patch.setenv("MICROCONV_LANDING_DIR", str(root / "landing"))
    patch.setenv("MICROCONV_PUBLISH_DIR", str(root / "publish"))
    patch.setenv("MICROCONV_ALERTS_PATH", str(root / "alerts.jsonl"))
    patch.setenv("MICROCONV_FIRST_PARTITION", FIRST_DAY)
    patch.setenv("MICROCONV_PII_SALT", "incremental-test-salt")


def _run(start: str | None = None, end: str | None = None, full_refresh: bool = False) -> None:
    from microconv.runner import run_job

    result = run_job(full_refresh=full_refresh, start=start, end=end, skip_tests=True)
    assert result.success, [event.message for event in result.all_events if event.is_failure]


def _reprocessed(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select count(*) from intermediate.int_devices_reprocessed").fetchone()[0]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> Warehouses:
    root = tmp_path_factory.mktemp("incremental")
    generated = root / "generated"
    generate(CONFIG, generated, "parquet")
    files = sorted(generated.glob("events_*.parquet"))
    event_days = [
        date.fromordinal(date.fromisoformat(FIRST_DAY).toordinal() + n).isoformat() for n in range(3)
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        # Daily: each day's files land, then that day's partition runs; the trailing files (late rows
        # only) land with the last day.
        daily = root / "daily"
        _environment(patch, daily)
        (daily / "landing").mkdir(parents=True)
        for index, day in enumerate(event_days):
            last = index == len(event_days) - 1
            for path in files:
                if _file_day(path) == day or (last and _file_day(path) > day):
                    shutil.copy(path, daily / "landing" / path.name)
            if last:
                before_last = root / "before_last.duckdb"
                shutil.copy(daily / "microconv.duckdb", before_last)
            _run(day, day)
        # Crash: the last partition again from the state before it, killed (SIGKILL) while dbt is
        # building, then rerun.
        crashed = root / "crashed.duckdb"
        shutil.copy(before_last, crashed)
        patch.setenv("MICROCONV_DUCKDB_PATH", str(crashed))
        crash_log = _killed_mid_build(event_days[-1], crashed)
        _run(event_days[-1], event_days[-1])
        rerun = root / "rerun.duckdb"
        shutil.copy(daily / "microconv.duckdb", rerun)
        # Idempotency: the middle partition again, on the copy.
        patch.setenv("MICROCONV_DUCKDB_PATH", str(rerun))
        _run(event_days[1], event_days[1])
        # Full refresh over the same files, in a fresh warehouse.
        full = root / "full"
        _environment(patch, full)
        (full / "landing").mkdir(parents=True)
        for path in files:
            shutil.copy(path, full / "landing" / path.name)
        _run(full_refresh=True)
    return Warehouses(daily / "microconv.duckdb", full / "microconv.duckdb", rerun, crashed, crash_log, files)


def _wait_for_group_exit(group: int, timeout: float = 60.0) -> None:
    """Wait until every process of the killed group (dbt below the run) is gone: the leader's exit
    does not mean its children have released the DuckDB file lock yet (on a busy machine they
    outlive it by moments)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes of the killed group {group} still run after {timeout} s")


def _killed_mid_build(day: str, warehouse: Path) -> str:
    """Run `microconv run` for the day in a subprocess and SIGKILL its process group as soon as dbt
    has committed fct_sessions (and before the run ends); returns what the run logged."""
    command = [
        str(Path(sys.executable).parent / "microconv"),
        "run",
        "--start",
        day,
        "--end",
        day,
        "--skip-tests",
        # Dagster's event log (read below for the moment to kill) is printed with --verbose only.
        "--verbose",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    lines = []
    assert process.stderr is not None
    for line in process.stderr:
        lines.append(line)
        if "fct_sessions" in line and "ASSET_MATERIALIZATION" in line:
            assert process.poll() is None
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(lines[-20:])
    _wait_for_group_exit(process.pid)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        committed = con.execute("select count(*) from intermediate.int_files_processed").fetchone()[0]
    return f"killed with {committed} files committed\n" + "".join(lines)


def test_the_data_has_late_events_in_later_files(warehouses: Warehouses) -> None:
    with duckdb.connect(str(warehouses.full), read_only=True) as con:
        late_in_later_files = con.execute(
            """
            select count(*)
            from intermediate.int_events_validated
            where row_status = 'clean'
                and event_date < cast(regexp_extract(source_file, '(\\d{4}-\\d{2}-\\d{2})') as date)
            """
        ).fetchone()[0]
    assert late_in_later_files > 50
    assert len(warehouses.landing_files) > 3


def test_a_partition_rerun_reprocesses_only_the_devices_of_its_window(warehouses: Warehouses) -> None:
    with duckdb.connect(str(warehouses.full), read_only=True) as con:
        devices = con.execute(
            "select count(distinct device_id) from intermediate.int_users_stitched"
        ).fetchone()[0]
        in_window = con.execute(
            """
            select count(distinct coalesce(anonymous_id, 'user:' || user_id))
            from intermediate.int_events_validated
            where row_status = 'clean' and event_date < date '2026-01-03'
            """
        ).fetchone()[0]
    # The rerun of 2026-01-02 reprocesses devices active before 2026-01-03 (plus their users' others).
    assert in_window <= _reprocessed(warehouses.rerun) < devices


def test_daily_partitions_equal_a_full_refresh(warehouses: Warehouses) -> None:
    differences = table_differences(warehouses.daily, warehouses.full)
    assert {name: diff for name, diff in differences.items() if name not in RUN_SCOPED} == {}


def test_rerunning_a_partition_changes_nothing(warehouses: Warehouses) -> None:
    differences = table_differences(warehouses.daily, warehouses.rerun)
    assert {name: diff for name, diff in differences.items() if name not in RUN_SCOPED} == {}


def test_a_run_killed_mid_build_then_rerun_equals_a_clean_run(warehouses: Warehouses) -> None:
    # The kill left a half-written run: day 3's files were not committed as processed.
    with duckdb.connect(str(warehouses.daily), read_only=True) as con:
        files = con.execute("select count(*) from intermediate.int_files_processed").fetchone()[0]
    assert warehouses.crash_log.startswith("killed with ")
    assert int(warehouses.crash_log.split()[2]) < files
    differences = table_differences(warehouses.daily, warehouses.crashed)
    assert {name: diff for name, diff in differences.items() if name not in RUN_SCOPED} == {}


def test_comparison_detects_a_changed_row(warehouses: Warehouses, tmp_path: Path) -> None:
    changed = tmp_path / "changed.duckdb"
    shutil.copy(warehouses.full, changed)
    with duckdb.connect(str(changed)) as con:
        con.execute(
            """
            update core.fct_sessions set event_count = event_count + 1
            where session_key = (select min(session_key) from core.fct_sessions)
            """
        )
    assert table_differences(warehouses.full, changed) == {"core.fct_sessions": (1, 1)}


UNMATCHED_TEST = "assert_every_conversion_definition_matches_an_event"


def test_a_definition_that_matches_no_event_warns_naming_it(warehouses: Warehouses, tmp_path: Path) -> None:
    """A micro-conversion definition whose event name no event has: dbt's test warns (the build goes on)
    and its stored failing row names the definition."""
    unmatched = tmp_path / "unmatched.duckdb"
    shutil.copy(warehouses.full, unmatched)
    with duckdb.connect(str(unmatched)) as con:
        con.execute(
            """
            insert into config.micro_conversion_definitions
                (micro_conversion, event_name, count_scope, kind, journey_stage, weight, description)
            values ('replay_watched', 'webinar_replay_watched', 'event', 'supporting', 'consideration', 0.2,
                'No generated event has this name')
            """
        )
    target = Path(os.environ.get("MICROCONV_DBT_TARGET_PATH") or tmp_path / "target")
    command = [
        str(Path(sys.executable).parent / "dbt"),
        "test",
        "--select",
        UNMATCHED_TEST,
        "--store-failures",
    ]
    completed = subprocess.run(
        [*command, "--target-path", str(target), "--log-path", str(tmp_path / "logs")],
        env={**os.environ, "MICROCONV_DUCKDB_PATH": str(unmatched)},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-2000:]
    # The on-run-end hooks (stored test results) are results too: the one test is the one we ran.
    results = json.loads((target / "run_results.json").read_text())["results"]
    (result,) = [each for each in results if each["unique_id"].startswith("test.")]
    # The 3 generated days (6,000 events) also hold no subscription, the demo's rarest macro-conversion.
    assert (result["status"], result["failures"]) == ("warn", 2)
    with duckdb.connect(str(unmatched), read_only=True) as con:
        rows = con.execute(
            f"select definitions_seed, conversion_name from {result['relation_name']}"
        ).fetchall()
    assert sorted(rows) == [
        ("macro_conversion_definitions", "subscription"),
        ("micro_conversion_definitions", "replay_watched"),
    ]


def test_a_changed_history_var_rebuilds_the_whole_history(
    warehouses: Warehouses, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partition run whose session_inactivity_minutes differs from the last build's becomes a full
    refresh: every device is reprocessed (a plain partition run without lookback would keep the older
    days' sessions) and the shorter gap splits more sessions; the new value is recorded."""
    daily = warehouses.daily.parent
    _environment(monkeypatch, tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    shutil.copytree(daily / "landing", tmp_path / "landing")
    shutil.copy(warehouses.daily, tmp_path / "microconv.duckdb")
    shutil.copy(daily / "microconv.duckdb.fingerprint.json", tmp_path / "microconv.duckdb.fingerprint.json")
    from microconv.runner import run_job

    result = run_job(
        dbt_vars={"session_inactivity_minutes": "5", "late_arrival_lookback_days": "0"},
        start="2026-01-03",
        end="2026-01-03",
        skip_tests=True,
    )
    assert result.success
    with duckdb.connect(str(warehouses.full), read_only=True) as con:
        devices = con.execute(
            "select count(distinct device_id) from intermediate.int_users_stitched"
        ).fetchone()[0]
        sessions = con.execute("select count(*) from core.fct_sessions").fetchone()[0]
    assert _reprocessed(tmp_path / "microconv.duckdb") == devices
    with duckdb.connect(str(tmp_path / "microconv.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from core.fct_sessions").fetchone()[0] > sessions
    record = json.loads((tmp_path / "microconv.duckdb.fingerprint.json").read_text())
    assert record["vars"]["session_inactivity_minutes"] == "5"
