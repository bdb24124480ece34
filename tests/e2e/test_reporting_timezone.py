"""The reporting time zone (var reporting_timezone): the same demo built with UTC and with Europe/Warsaw.

Every event keeps its UTC time and moves to its Warsaw calendar date, so the daily marts' totals over
all days are the same in both builds while some events, sessions and conversions change day. Dates are
checked against Python's zoneinfo, an oracle independent of the SQL.
"""

from __future__ import annotations

from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate
from microconv.ingest import load_event_sources
from tests.dbt_subprocess import run_dbt

pytestmark = pytest.mark.e2e

DEMO = GeneratorConfig(events=5_000, days=7)
ZONES = ("UTC", "Europe/Warsaw")
# Per daily mart: the grouping columns (not dates) and the additive measures whose sum over all days
# does not depend on where the days begin. Measures that count distinct users or sessions per day (a
# session crossing midnight views pages on both days) are left out: their daily split is the point.
TOTALS = {
    "marts.micro_conversion_daily": ("micro_conversion", "sum(occurrences), sum(converting_sessions)"),
    "marts.event_quality_daily": (
        "",
        "sum(raw_rows), sum(clean_rows), sum(quarantined_rows), sum(duplicate_rows)",
    ),
    "marts.page_performance": (
        "page_path",
        "sum(view_count), sum(engaged_view_count), sum(micro_conversion_count)",
    ),
    "marts.funnel_steps_daily": ("funnel, step_number", "sum(users), sum(entered_users)"),
    "marts.element_performance": (
        "element_type, element_id",
        "sum(element_session_count), sum(completion_count)",
    ),
    "marts.landing_page_performance": (
        "landing_page_path, channel",
        "sum(session_count), sum(macro_conversion_count), round(sum(revenue), 6)",
    ),
    "marts.channel_performance": (
        "channel, attribution_model",
        "sum(sessions), sum(micro_conversions), round(sum(attributed_conversions), 6)",
    ),
    "marts.form_funnel": ("form_id", "sum(form_start_count), sum(form_submit_count)"),
}


def _dbt(arguments: list[str], database: Path, time_zone: str) -> None:
    """dbt on one warehouse file in this reporting time zone."""
    run_dbt(arguments, database, reporting_timezone=time_zone)


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("reporting_timezone")
    landing = root / "landing" / "events"
    generate(DEMO, landing, "parquet")
    built = {}
    for number, time_zone in enumerate(ZONES):
        database = root / f"warehouse_{number}" / "microconv.duckdb"
        database.parent.mkdir()
        with duckdb.connect(str(database)) as con:
            load_event_sources(con, landing)
        _dbt(["seed"], database, time_zone)
        build = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
        _dbt(build, database, time_zone)
        built[time_zone] = database
    return built


def _totals(database: Path) -> dict[str, list[tuple]]:
    totals = {}
    with duckdb.connect(str(database), read_only=True) as con:
        for table, (keys, measures) in TOTALS.items():
            grouped = f"select {keys}, {measures} from {table} group by {keys}"
            sql = grouped if keys else f"select {measures} from {table}"
            totals[table] = sorted(con.execute(sql).fetchall(), key=str)
    return totals


def _rows(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_daily_marts_sum_to_the_same_totals_in_both_time_zones(warehouses: dict[str, Path]) -> None:
    utc, warsaw = (_totals(warehouses[zone]) for zone in ZONES)
    for table in TOTALS:
        assert utc[table], f"{table} is empty"
        assert warsaw[table] == utc[table], table


def test_events_sessions_and_conversions_take_their_local_dates(warehouses: dict[str, Path]) -> None:
    warsaw = ZoneInfo("Europe/Warsaw")
    events_sql = "select raw_row_key, event_at, event_date from intermediate.int_events_validated"
    utc_dates = {key: (at, day) for key, at, day in _rows(warehouses["UTC"], events_sql)}
    local_dates = {key: (at, day) for key, at, day in _rows(warehouses["Europe/Warsaw"], events_sql)}
    assert local_dates.keys() == utc_dates.keys()
    moved = 0
    for key, (event_at, utc_day) in utc_dates.items():
        local_at, local_day = local_dates[key]
        assert local_at == event_at  # timestamps stay UTC
        if event_at is None:
            continue
        assert utc_day == event_at.date()
        assert local_day == event_at.replace(tzinfo=UTC).astimezone(warsaw).date(), key
        # Warsaw is one or two hours ahead of UTC: an event moves to the next day or stays.
        assert local_day - utc_day in (timedelta(0), timedelta(days=1))
        moved += local_day != utc_day
    assert moved > 0, "no event changed date: the demo has no events in the last hours of a UTC day"
    sessions_sql = "select session_key, started_at, session_date from core.fct_sessions"
    for key, started_at, session_date in _rows(warehouses["Europe/Warsaw"], sessions_sql):
        assert session_date == started_at.replace(tzinfo=UTC).astimezone(warsaw).date(), key
    conversions_sql = "select conversion_key, converted_at, converted_date from core.fct_macro_conversions"
    for key, converted_at, converted_date in _rows(warehouses["Europe/Warsaw"], conversions_sql):
        assert converted_date == converted_at.replace(tzinfo=UTC).astimezone(warsaw).date(), key


def test_the_latest_complete_day_is_the_day_before_the_last_local_day(warehouses: dict[str, Path]) -> None:
    """The anomaly check's latest complete day (defs/monitoring/checks.py) is a local day."""
    for zone in ZONES:
        ((last_day, latest_complete),) = _rows(
            warehouses[zone],
            "select max(date_day), max(date_day) filter (where is_complete_day) "
            "from marts.micro_conversion_anomalies",
        )
        ((last_event_day,),) = _rows(
            warehouses[zone], "select max(date_day) from marts.micro_conversion_daily"
        )
        assert (last_day, latest_complete) == (last_event_day, last_event_day - timedelta(days=1)), zone
