"""The new-file sensor: its cursor, the day range of new files, the runs it requests."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from microconv.defs.ingestion.sensors import LandingCursor, event_day_range, new_files
from microconv.settings import get_settings

FIRST = date(2026, 1, 1)


def _touch(path: Path, mtime: float, rows: str = "") -> Path:
    path.write_text("event_id,event_timestamp\n" + rows)
    os.utime(path, (mtime, mtime))
    return path


def test_the_cursor_sees_each_file_once_even_with_equal_mtimes(tmp_path: Path) -> None:
    first = _touch(tmp_path / "a.csv", 1000.0)
    second = _touch(tmp_path / "b.csv", 1000.0)
    files, cursor = new_files([first], tmp_path, LandingCursor())
    assert files == [first] and cursor == LandingCursor(1000.0, ("a.csv",))
    files, cursor = new_files([first, second], tmp_path, LandingCursor.parse(cursor.dump()))
    assert files == [second] and cursor == LandingCursor(1000.0, ("a.csv", "b.csv"))
    assert new_files([first, second], tmp_path, cursor) == ([], cursor)
    third = _touch(tmp_path / "c.csv", 2000.0)
    assert new_files([first, second, third], tmp_path, cursor)[0] == [third]


def test_the_day_range_ignores_bad_timestamps_and_unreadable_files(tmp_path: Path) -> None:
    good = _touch(
        tmp_path / "events.csv",
        1.0,
        "e1,2026-02-03T10:00:00Z\ne2,2026-02-05T23:59:00+00:00\ne3,1999-01-01T00:00:00Z\ne4,not a time\n",
    )
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 truncated")
    assert event_day_range([good, broken], FIRST, date(2026, 11, 1)) == (date(2026, 2, 3), date(2026, 2, 5))
    assert event_day_range([broken], FIRST, date(2026, 11, 1)) is None
    # Only days that are partitions count.
    assert event_day_range([good], date(2026, 2, 2), date(2026, 2, 4)) == (date(2026, 2, 3), date(2026, 2, 3))
    assert event_day_range([good], date(2026, 2, 4), date(2026, 2, 4)) is None


def test_the_sensor_requests_one_run_over_the_new_files_days(tmp_path: Path, monkeypatch) -> None:
    from dagster import RunRequest, SkipReason

    from microconv.defs.ingestion.sensors import new_landing_files

    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(tmp_path))
    _touch(tmp_path / "a.csv", 1000.0, "e1,2026-02-03T10:00:00Z\ne2,2026-02-05T10:00:00Z\n")
    context = _sensor_context(None)
    request = new_landing_files(context)
    assert isinstance(request, RunRequest)
    assert request.partition_key_range is not None
    assert (request.partition_key_range.start, request.partition_key_range.end) == (
        "2026-02-03",
        "2026-02-05",
    )
    again = new_landing_files(_sensor_context(context.cursor))
    assert isinstance(again, SkipReason)


def test_after_a_demo_the_sensor_starts_no_run_until_a_new_file_lands(tmp_path: Path, monkeypatch) -> None:
    """`make dagster` after `make demo`: the first tick (empty cursor, as on a fresh instance) must not
    rebuild the days the demo just built; a file landing later still starts a run over its days."""
    from dagster import RunRequest, SkipReason

    from microconv.defs.ingestion.sensors import new_landing_files, record_demo_cursor
    from microconv.settings import get_settings

    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing))
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    _touch(landing / "a.csv", 1000.0, "e1,2026-02-03T10:00:00Z\n")
    _touch(landing / "b.csv", 1000.0, "e2,2026-02-05T10:00:00Z\n")
    record_demo_cursor(get_settings())  # what `microconv demo` does after its run

    first = _sensor_context(None)
    assert isinstance(new_landing_files(first), SkipReason)
    # The demo's cursor belongs to its landing folders: another landing root is not skipped.
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(tmp_path / "other" / "events"))
    (tmp_path / "other" / "events").mkdir(parents=True)
    _touch(tmp_path / "other" / "events" / "a.csv", 1000.0, "e1,2026-02-03T10:00:00Z\n")
    assert isinstance(
        new_landing_files(_sensor_context(None)),
        RunRequest,
    )
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing))
    _touch(landing / "c.csv", 2000.0, "e3,2026-02-07T10:00:00Z\n")
    request = new_landing_files(_sensor_context(first.cursor))
    assert isinstance(request, RunRequest)
    assert request.partition_key == "2026-02-07"


def test_a_later_cursor_wins_and_equal_mtimes_join_their_names() -> None:
    old, new = LandingCursor(1000.0, ("a.csv",)), LandingCursor(2000.0, ("b.csv",))
    assert old.later(new) == new and new.later(old) == new
    assert old.later(LandingCursor(1000.0, ("c.csv",))) == LandingCursor(1000.0, ("a.csv", "c.csv"))


def _sensor_context(cursor: str | None):
    """A sensor context handing the environment's settings, as Definitions does."""
    from dagster import build_sensor_context

    return build_sensor_context(cursor=cursor, resources={"settings": get_settings()})
