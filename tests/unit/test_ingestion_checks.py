"""The raw data's freshness check, on DuckDB (raw tables) and Spark (landing files)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from microconv.defs.ingestion.checks import raw_events_are_fresh
from microconv.ingest import ensure_raw_tables
from microconv.settings import get_settings


def _warehouse(
    path: Path, event_age: timedelta, load_age: timedelta, registry_age: timedelta | None = None
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(path)) as con:
        ensure_raw_tables(con)
        con.execute(
            """
            insert into raw.events
                (event_id, event_timestamp, _source_file, _file_id, _source_row, _ingested_at)
            values ('e1', ?, 'f.csv', 'f', 1, ?), ('e2', '2099-01-01T00:00:00Z', 'f.csv', 'f', 2, ?)
            """,
            [(now - event_age).isoformat() + "Z", now - load_age, now - load_age],
        )
        if registry_age is not None:
            con.execute(
                "insert into raw.loaded_files values ('g', 'empty.csv', 0, 0, ?)", [now - registry_age]
            )


@pytest.mark.parametrize(
    ("event_hours", "load_hours", "passed"),
    # A fresh load of history that ended months ago is a backfill, not a stale feed: it passes.
    [(2, 1, True), (30, 1, True), (3000, 1, True), (2, 40, False), (3000, 40, False)],
)
def test_freshness_judges_the_newest_load_and_reports_the_event_lag(
    tmp_path: Path, monkeypatch, event_hours: int, load_hours: int, passed: bool
) -> None:
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(path))
    monkeypatch.setenv("MICROCONV_FRESHNESS_HOURS", "26")
    _warehouse(path, timedelta(hours=event_hours), timedelta(hours=load_hours))
    result = raw_events_are_fresh(settings=get_settings())
    assert result.passed is passed
    assert result.metadata["load_age_hours"].value == pytest.approx(load_hours, abs=0.1)
    # A timestamp far in the future (a broken client clock) never shortens the lag.
    assert result.metadata["event_lag_hours"].value == pytest.approx(event_hours, abs=0.1)
    if not passed:
        assert result.severity.value == "WARN" and "stale" in result.description
        assert "newest load is 40.0 h old" in result.description
    elif event_hours > 26:
        assert f"newest event is {event_hours:.1f} h old" in result.description


def test_a_registered_file_without_rows_counts_as_a_load(tmp_path: Path, monkeypatch) -> None:
    """The newest load is the newest of the raw rows and the file registry (raw.loaded_files)."""
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(path))
    monkeypatch.setenv("MICROCONV_FRESHNESS_HOURS", "26")
    _warehouse(path, timedelta(hours=50), timedelta(hours=40), registry_age=timedelta(hours=2))
    result = raw_events_are_fresh(settings=get_settings())
    assert result.passed is True
    assert result.metadata["load_age_hours"].value == pytest.approx(2, abs=0.1)


def test_freshness_on_spark_reads_the_newest_landing_files(tmp_path: Path, monkeypatch) -> None:
    """On Spark the raw tables are views over the files: the check reads the files themselves, and an
    unparseable timestamp (or one in the future) never hides the others."""
    landing = tmp_path / "landing" / "events"
    landing.mkdir(parents=True)
    now = datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect() as con:
        for name, age_hours in (("old.csv", 50), ("recent.csv", 3)):
            event_at = (now - timedelta(hours=age_hours)).isoformat() + "Z"
            con.execute(
                f"copy (select 'e-{name}' as event_id, '{event_at}' as event_timestamp "
                f"union all select 'future', '2099-01-01T00:00:00Z' "
                f"union all select 'garbled', 'not a time') to '{landing / name}' (header)"
            )
            # The file's modification time stands for its load: the recent file landed 3 h ago.
            landed = (datetime.now(UTC) - timedelta(hours=age_hours)).timestamp()
            os.utime(landing / name, (landed, landed))
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "spark")
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing))
    monkeypatch.setenv("MICROCONV_FRESHNESS_HOURS", "26")
    result = raw_events_are_fresh(settings=get_settings())
    assert result.passed is True, result.description
    assert result.metadata["event_lag_hours"].value == pytest.approx(3, abs=0.2)
    assert result.metadata["load_age_hours"].value == pytest.approx(3, abs=0.2)
    monkeypatch.setenv("MICROCONV_FRESHNESS_HOURS", "2")
    assert raw_events_are_fresh(settings=get_settings()).passed is False
