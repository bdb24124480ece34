"""Mixpanel exports in a project's time zone: the generator writes one, the check sees it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from microconv.defs.ingestion.checks import mixpanel_offset_sql, mixpanel_time_is_utc, zone_like_offset_hours
from microconv.generator import GeneratorConfig, generate
from microconv.generator.vendors import MIXPANEL_DEMO_TIMEZONE
from microconv.settings import get_settings

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS


@pytest.mark.parametrize(
    ("median_offset_ms", "expected"),
    [
        (None, None),
        (-5_000, None),  # a UTC export: processed five seconds after the event
        (-20 * MINUTE_MS, None),  # slow delivery, and no zone is 30 min from UTC
        (-8 * HOUR_MS - 30_000, -8.0),  # Los Angeles in winter, processed 30 s later
        (2 * HOUR_MS - 14 * MINUTE_MS, 2.0),  # within 15 min of +2 h
        (5.5 * HOUR_MS + 2 * MINUTE_MS, 5.5),  # India
        (-3.5 * HOUR_MS, -3.5),  # Newfoundland
        (20 * HOUR_MS, None),  # beyond +14 h: a delay or a clock, not a zone
    ],
)
def test_zone_like_offset_hours(median_offset_ms: float | None, expected: float | None) -> None:
    assert zone_like_offset_hours(median_offset_ms) == expected


def test_a_tighter_tolerance_rejects_what_is_not_near_a_half_hour() -> None:
    assert zone_like_offset_hours(2 * HOUR_MS - 14 * MINUTE_MS, tolerance_minutes=5) is None


def _median_offset(records: list[dict], time_zone: str) -> tuple[float | None, int]:
    with duckdb.connect() as con:
        con.execute("create table mixpanel_events (record varchar)")
        con.executemany("insert into mixpanel_events values (?)", [[json.dumps(row)] for row in records])
        return con.execute(mixpanel_offset_sql("select record from mixpanel_events"), [time_zone]).fetchone()


def test_the_offset_is_measured_after_reading_time_in_the_project_zone() -> None:
    """2026-03-02 22:00:00Z happened at 14:00 in Los Angeles (PST, UTC-8); the export writes 14:00 as if
    UTC (1772460000 s) and Mixpanel processed it 5 s after the real instant (1772488805000 ms). A second
    row in milliseconds is processed 15 s later; a row without mp_processing_time_ms is not measured."""
    records = [
        {"event": "a", "properties": {"time": 1772460000, "mp_processing_time_ms": 1772488805000}},
        {"event": "b", "properties": {"time": 1772460000000, "mp_processing_time_ms": 1772488815000}},
        {"event": "c", "properties": {"time": 1772460000}},
    ]
    assert _median_offset(records, "UTC") == (-8 * HOUR_MS - 10_000, 2)
    assert _median_offset(records, "America/Los_Angeles") == (-10_000, 2)


def test_the_demo_mixpanel_export_is_in_its_project_zone(tmp_path: Path) -> None:
    """The generator's Mixpanel project predates Mixpanel's switch to UTC: read as UTC its times run
    8 h (PST, January) before processing; read in its zone they do not."""
    generate(GeneratorConfig(events=2_000, days=2, seed=1), tmp_path, "jsonl", vendor="mixpanel")
    assert MIXPANEL_DEMO_TIMEZONE == "America/Los_Angeles"
    records = [
        json.loads(line)
        for path in sorted(tmp_path.glob("export_*.jsonl"))
        for line in path.read_text().splitlines()
    ]
    as_utc, measured = _median_offset(records, "UTC")
    assert measured > 1_000
    assert zone_like_offset_hours(as_utc) == -8.0
    assert zone_like_offset_hours(_median_offset(records, MIXPANEL_DEMO_TIMEZONE)[0]) is None


def test_the_check_warns_on_a_local_time_export_until_the_zone_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.mixpanel_events (record varchar)")
        # 14:00 Los Angeles (22:00Z) written as if UTC, processed 5 s after the real instant.
        row = {"event": "a", "properties": {"time": 1772460000, "mp_processing_time_ms": 1772488805000}}
        con.execute("insert into raw.mixpanel_events values (?)", [json.dumps(row)])
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(database))
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "dev")
    monkeypatch.delenv("MICROCONV_ENGINE", raising=False)
    monkeypatch.setenv("MICROCONV_MIXPANEL_TIMEZONE", "UTC")
    result = mixpanel_time_is_utc(settings=get_settings())
    assert not result.passed
    assert "8 h before" in result.description
    assert result.metadata["median_offset_minutes"].value == -480.1
    monkeypatch.setenv("MICROCONV_MIXPANEL_TIMEZONE", "America/Los_Angeles")
    assert mixpanel_time_is_utc(settings=get_settings()).passed
