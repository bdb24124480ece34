"""The reporting time zone (MICROCONV_REPORTING_TIMEZONE): the setting, the daily partitions and
schedule in its local days, the new-file sensor's event days, and the fingerprint that rebuilds the
history when it changes. Europe/Warsaw changes to summer time on 2026-03-29 (02:00 CET -> 03:00 CEST)
and back on 2026-10-25 (03:00 CEST -> 02:00 CET)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from dagster import AssetSelection, build_schedule_from_partitioned_job, define_asset_job

from microconv.defs.ingestion.sensors import event_day_range
from microconv.defs.jobs import jobs
from microconv.defs.jobs.partitions import daily_partitions, daily_partitions_definition
from microconv.fingerprint import HISTORY_VARS, changes, fingerprint
from microconv.settings import Settings, get_settings

PROJECT = Path(__file__).resolve().parents[2]
WARSAW = "Europe/Warsaw"


def _settings(monkeypatch: pytest.MonkeyPatch, time_zone: str | None) -> Settings:
    if time_zone is None:
        monkeypatch.delenv("MICROCONV_REPORTING_TIMEZONE", raising=False)
    else:
        monkeypatch.setenv("MICROCONV_REPORTING_TIMEZONE", time_zone)
    return get_settings()


def test_the_setting_defaults_to_utc_is_checked_and_reaches_dbt(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _settings(monkeypatch, None).reporting_timezone == "UTC"
    assert _settings(monkeypatch, " ").reporting_timezone == "UTC"
    settings = _settings(monkeypatch, WARSAW)
    assert settings.reporting_timezone == WARSAW
    assert settings.dbt_env()["MICROCONV_REPORTING_TIMEZONE"] == WARSAW
    assert Settings.from_config(settings.config_values()).reporting_timezone == WARSAW
    with pytest.raises(ValueError, match="MICROCONV_REPORTING_TIMEZONE is 'Europe/Warszawa'"):
        _settings(monkeypatch, "Europe/Warszawa")
    with pytest.raises(ValueError, match="MICROCONV_REPORTING_TIMEZONE"):
        Settings.from_config({**settings.config_values(), "reporting_timezone": "Mars/Olympus"})


def test_partitions_are_local_days_of_23_24_and_25_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    partitions = daily_partitions_definition(_settings(monkeypatch, WARSAW))
    assert partitions.timezone == WARSAW

    def utc_window(key: str) -> tuple[datetime, datetime]:
        window = partitions.time_window_for_partition_key(key)
        return window.start.astimezone(UTC), window.end.astimezone(UTC)

    # A winter day starts at 23:00 UTC the day before (CET, UTC+1).
    assert utc_window("2026-03-28") == (
        datetime(2026, 3, 27, 23, tzinfo=UTC),
        datetime(2026, 3, 28, 23, tzinfo=UTC),
    )
    # Spring forward: from 00:00 CET (23:00 UTC) to 00:00 CEST (22:00 UTC), 23 hours.
    start, end = utc_window("2026-03-29")
    assert (start, end - start) == (datetime(2026, 3, 28, 23, tzinfo=UTC), timedelta(hours=23))
    # Fall back: from 00:00 CEST (22:00 UTC) to 00:00 CET (23:00 UTC), 25 hours.
    start, end = utc_window("2026-10-25")
    assert (start, end - start) == (datetime(2026, 10, 24, 22, tzinfo=UTC), timedelta(hours=25))
    # The window's local dates are what dbt's min_date / max_date get (defs/dbt/assets.py).
    window = partitions.time_window_for_partition_key("2026-03-29")
    assert (window.start.date(), window.end.date()) == (date(2026, 3, 29), date(2026, 3, 30))


def test_the_schedule_runs_at_three_in_the_partitions_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    # The project's own schedule is built on the module's partitions, in the environment's zone.
    assert daily_partitions.timezone == get_settings().reporting_timezone
    assert daily_partitions.timezone in jobs.daily_schedule.description
    partitions = daily_partitions_definition(_settings(monkeypatch, WARSAW))
    job = define_asset_job("warsaw_job", selection=AssetSelection.all(), partitions_def=partitions)
    schedule = build_schedule_from_partitioned_job(job, hour_of_day=3)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 3 * * *", WARSAW)


def test_the_sensor_dates_new_files_in_local_days(tmp_path: Path) -> None:
    landing = tmp_path / "events.csv"
    # 22:30 UTC on 2026-03-28 is 23:30 CET (still the 28th); 23:30 UTC is 00:30 CET on the 29th (the
    # clocks jump from 02:00 CET to 03:00 CEST at 01:00 UTC later that night).
    landing.write_text("event_id,event_timestamp\ne1,2026-03-28T22:30:00Z\ne2,2026-03-28T23:30:00Z\n")
    os.utime(landing, (1.0, 1.0))
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    assert event_day_range([landing], first, last) == (date(2026, 3, 28), date(2026, 3, 28))
    assert event_day_range([landing], first, last, time_zone=WARSAW) == (date(2026, 3, 28), date(2026, 3, 29))


def test_sources_writing_local_wall_clock_times_are_dated_in_their_own_zone(tmp_path: Path) -> None:
    """Yandex Metrica writes ym:pv:dateTime in the counter's zone and older Mixpanel projects write
    `time` in the project's: the sensor reads them as that zone's wall clock, not as UTC."""
    from microconv.sources import EVENT_SOURCES

    yandex = tmp_path / "hits.jsonl"
    # 01:30 in Moscow (UTC+3) on 03-02 is 22:30 UTC on 03-01.
    yandex.write_text('{"ym:pv:dateTime": "2026-03-02 01:30:00", "ym:pv:clientID": "1"}\n')
    mixpanel = tmp_path / "mixpanel.jsonl"
    # 1772415000 is 2026-03-02 01:30:00 read as UTC: a Moscow project's 01:30, i.e. 22:30 UTC on 03-01.
    mixpanel.write_text('{"event": "x", "properties": {"time": 1772415000, "distinct_id": "1"}}\n')
    first, last = date(2026, 1, 1), date(2026, 12, 31)
    for path, source in ((yandex, EVENT_SOURCES["yandex_metrica"]), (mixpanel, EVENT_SOURCES["mixpanel"])):
        os.utime(path, (1.0, 1.0))
        assert event_day_range([path], first, last, source) == (date(2026, 3, 2), date(2026, 3, 2))
        moscow = event_day_range([path], first, last, source, source_time_zone="Europe/Moscow")
        assert moscow == (date(2026, 3, 1), date(2026, 3, 1)), source.name
        # The same instant in the reporting time zone Europe/Moscow is the 2nd again.
        local = event_day_range([path], first, last, source, "Europe/Moscow", "Europe/Moscow")
        assert local == (date(2026, 3, 2), date(2026, 3, 2))


def test_a_new_reporting_time_zone_rebuilds_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(PROJECT / "seeds", tmp_path / "seeds")
    shutil.copy(PROJECT / "dbt_project.yml", tmp_path / "dbt_project.yml")
    assert "reporting_timezone" in HISTORY_VARS
    before = fingerprint(tmp_path, dbt_env={})
    assert changes(before, fingerprint(tmp_path, dbt_env={"MICROCONV_REPORTING_TIMEZONE": "UTC"})) == []
    after = fingerprint(tmp_path, dbt_env={"MICROCONV_REPORTING_TIMEZONE": WARSAW})
    assert changes(before, after) == ["var reporting_timezone"]


def test_a_record_made_before_the_setting_existed_asks_for_no_refresh_at_its_default(tmp_path: Path) -> None:
    shutil.copytree(PROJECT / "seeds", tmp_path / "seeds")
    shutil.copy(PROJECT / "dbt_project.yml", tmp_path / "dbt_project.yml")
    current = fingerprint(tmp_path, dbt_env={})
    older = {"seeds": current["seeds"], "vars": dict(current["vars"])}
    del older["vars"]["reporting_timezone"]  # as written before the var existed (UTC days)
    assert changes(older, current) == []
    warsaw = fingerprint(tmp_path, dbt_env={"MICROCONV_REPORTING_TIMEZONE": WARSAW})
    assert changes(older, warsaw) == ["var reporting_timezone"]
