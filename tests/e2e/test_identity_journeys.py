"""Hand-computed identity, session and order journeys through the whole pipeline: one landing file ->
Dagster job -> core facts and attribution marts; then the same journeys split over two daily runs,
the identifying events arriving late, must give the tables of one full refresh.

Every expected number below was worked out by hand from the events in EVENTS.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from tests.warehouse_compare import table_differences

pytestmark = pytest.mark.e2e

# (event_id, event_name, UTC time on 2026-03-02, anonymous_id, user_id, utm_source, utm_medium, properties)
EVENTS: list[tuple[str, str, str, str, str, str, str, dict]] = [
    # An Email visit, a login, a checkout, then the purchase sent server-side (user_id only): one
    # Email session of six events, and the purchase is credited to Email by every model. The deep
    # scroll (counted once per session) happens in the browser (e5) and again in a user_id-only import
    # (e6): one scroll_deep micro-conversion, e5's.
    ("e1", "page_view", "10:00:00", "vE", "", "newsletter", "email", {}),
    ("e2", "sign_up", "10:01:00", "vE", "uE", "", "", {}),
    ("e5", "scroll", "10:02:00", "vE", "", "", "", {"scroll_percent": 80}),
    ("e6", "scroll", "10:03:00", "", "uE", "", "", {"scroll_percent": 90}),
    ("e3", "begin_checkout", "10:04:00", "vE", "", "", "", {}),
    ("e4", "purchase", "10:05:00", "", "uE", "", "", {"value": 100, "currency": "USD", "order_id": "oE"}),
    # A shared device: u1 logs in and browses, later u2 logs in there and buys; the purchase is u2's.
    ("s1", "sign_up", "11:00:00", "vS", "u1", "", "", {}),
    ("s2", "page_view", "11:01:00", "vS", "", "", "", {}),
    ("s3", "page_view", "14:00:00", "vS", "u2", "", "", {}),
    ("s4", "purchase", "14:05:00", "vS", "", "", "", {"value": 20, "currency": "EUR", "order_id": "oS"}),
    # One order seen from two unstitched devices counts once (the earliest); two purchases with a
    # placeholder order id are two orders.
    ("d1", "purchase", "16:00:00", "vD1", "", "", "", {"value": 10, "currency": "USD", "order_id": "oD"}),
    ("d2", "purchase", "16:10:00", "vD2", "", "", "", {"value": 10, "currency": "USD", "order_id": "oD"}),
    ("p1", "purchase", "17:00:00", "vP", "", "", "", {"value": 5, "order_id": "(not set)"}),
    ("p2", "purchase", "17:01:00", "vP", "", "", "", {"value": 5, "order_id": "(not set)"}),
]


def _write_events(
    path: Path,
    events: list[tuple[str, str, str, str, str, str, str, dict]] = EVENTS,
    loaded_at: str = "2026-03-02T23:00:00Z",
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "event_id",
                "event_name",
                "event_timestamp",
                "anonymous_id",
                "user_id",
                "utm_source",
                "utm_medium",
                "properties",
                "loaded_at",
            ]
        )
        for event_id, name, time, anonymous_id, user_id, source, medium, properties in events:
            writer.writerow(
                [
                    event_id,
                    name,
                    f"2026-03-02T{time}Z",
                    anonymous_id,
                    user_id,
                    source,
                    medium,
                    json.dumps(properties),
                    loaded_at,
                ]
            )


@pytest.fixture(scope="module")
def identity_warehouse(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("identity")
    env = {
        "MICROCONV_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "MICROCONV_LANDING_DIR": str(root / "landing"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        _write_events(root / "landing" / "identity.csv")
        from microconv.runner import run_job

        assert run_job(full_refresh=True).success
    with duckdb.connect(env["MICROCONV_DUCKDB_PATH"], read_only=True) as con:
        yield con


def test_a_server_side_purchase_joins_the_email_session(identity_warehouse) -> None:
    sessions = identity_warehouse.execute(
        """
        select sessions.channel, sessions.event_count, sessions.device_id
        from core.fct_sessions as sessions
        inner join core.fct_macro_conversions as conversions
            on sessions.user_key = conversions.user_key
        where conversions.event_id = 'e4'
        """
    ).fetchall()
    assert sessions == [("Email", 6, "vE")]


def test_email_gets_the_whole_credit_under_every_model(identity_warehouse) -> None:
    rows = identity_warehouse.execute(
        """
        select touchpoints.channel, count(*),
            sum(touchpoints.first_touch_credit), sum(touchpoints.last_touch_credit),
            sum(touchpoints.last_non_direct_credit), sum(touchpoints.linear_credit),
            sum(touchpoints.position_based_credit), sum(touchpoints.time_decay_credit)
        from marts.attribution_touchpoints as touchpoints
        inner join core.fct_macro_conversions as conversions
            on touchpoints.conversion_key = conversions.conversion_key
        where conversions.event_id = 'e4'
        group by touchpoints.channel
        """
    ).fetchall()
    assert rows == [("Email", 1, 1, 1, 1, 1, 1, 1)]
    # Five conversions in all: the Email one and four Direct ones (s4, d1, p1, p2), in every model.
    by_model = identity_warehouse.execute(
        """
        select attribution_model, channel, attributed_conversions
        from marts.channel_attribution
        order by attribution_model, channel
        """
    ).fetchall()
    models = {model for model, _, _ in by_model}
    assert len(models) == 8
    for model in models:
        credited = {channel: conversions for m, channel, conversions in by_model if m == model}
        assert credited.get("Email") == pytest.approx(1.0), model
        assert credited.get("Direct") == pytest.approx(4.0), model


def test_a_shared_device_purchase_belongs_to_the_user_logged_in_then(identity_warehouse) -> None:
    users = identity_warehouse.execute(
        """
        select user_id, is_converted, macro_conversion_count
        from core.dim_users
        where user_id in ('u1', 'u2')
        order by user_id
        """
    ).fetchall()
    assert users == [("u1", False, 0), ("u2", True, 1)]


def test_orders_count_once_and_revenue_is_converted(identity_warehouse) -> None:
    rows = identity_warehouse.execute(
        """
        select event_id, currency, revenue_original, revenue
        from core.fct_macro_conversions
        order by event_id
        """
    ).fetchall()
    # d2 repeats order oD from another device; EUR is converted at the exchange_rates seed's 1.08.
    assert [(event_id, currency) for event_id, currency, _, _ in rows] == [
        ("d1", "USD"),
        ("e4", "USD"),
        ("p1", "USD"),
        ("p2", "USD"),
        ("s4", "EUR"),
    ]
    assert [float(revenue) for *_, revenue in rows] == pytest.approx([10, 100, 5, 5, 21.6])
    assert float(rows[-1][2]) == pytest.approx(20)


# The first run sees only these; everything else arrives two days later in a file of its own, so the
# server-side purchase e4 and the imported scroll e6 first open a session of their own (e6 its
# scroll_deep) and later join the Email session (where e5's scroll comes first, so e6's scroll_deep row
# must go), s4 is first anonymous and later u2's, and d1 (sent before d2) later replaces d2 as order oD.
FIRST_FILE = {"e4", "e6", "s1", "s2", "s4", "d2"}


def _incremental_environment(patch: pytest.MonkeyPatch, root: Path) -> None:
    patch.setenv("MICROCONV_DUCKDB_PATH", str(root / "microconv.duckdb"))
    patch.setenv("MICROCONV_LANDING_DIR", str(root / "landing"))
    patch.setenv("MICROCONV_PUBLISH_DIR", str(root / "publish"))
    patch.setenv("MICROCONV_ALERTS_PATH", str(root / "alerts.jsonl"))
    patch.setenv("MICROCONV_FIRST_PARTITION", "2026-03-01")


def _run(**arguments) -> None:
    from microconv.runner import run_job

    result = run_job(skip_tests=True, **arguments)
    assert result.success, [event.message for event in result.all_events if event.is_failure]


@pytest.fixture(scope="module")
def split_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("identity_incremental")
    late = [event for event in EVENTS if event[0] not in FIRST_FILE]
    first = [event for event in EVENTS if event[0] in FIRST_FILE]
    # No lookback: the second run's window (2026-03-04) holds none of the events, so only the
    # new-file rule and the users involved decide what is rebuilt.
    dbt_vars = {"late_arrival_lookback_days": "0"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(root / "dagster_home"))
        daily = root / "daily"
        _incremental_environment(patch, daily)
        _write_events(daily / "landing" / "events_2026-03-02.csv", first)
        _run(start="2026-03-02", end="2026-03-02", dbt_vars=dbt_vars)
        _write_events(daily / "landing" / "events_2026-03-04.csv", late, "2026-03-04T23:00:00Z")
        _run(start="2026-03-04", end="2026-03-04", dbt_vars=dbt_vars)
        full = root / "full"
        _incremental_environment(patch, full)
        _write_events(full / "landing" / "events_2026-03-02.csv", first)
        _write_events(full / "landing" / "events_2026-03-04.csv", late, "2026-03-04T23:00:00Z")
        _run(full_refresh=True)
    return daily / "microconv.duckdb", full / "microconv.duckdb"


def test_late_identity_in_a_later_run_equals_a_full_refresh(split_runs) -> None:
    daily, full = split_runs
    with duckdb.connect(str(daily), read_only=True) as con:
        joined = con.execute(
            """
            select sessions.channel, sessions.event_count, sessions.device_id
            from core.fct_sessions as sessions
            inner join core.fct_macro_conversions as conversions
                on sessions.session_key = conversions.session_key
            where conversions.event_id = 'e4'
            """
        ).fetchall()
        orders = con.execute("select event_id from core.fct_macro_conversions order by event_id").fetchall()
        scrolls = con.execute(
            "select event_id from core.fct_micro_conversions where micro_conversion = 'scroll_deep'"
        ).fetchall()
    assert joined == [("Email", 6, "vE")]
    assert scrolls == [("e5",)]
    assert [event_id for (event_id,) in orders] == ["d1", "e4", "p1", "p2", "s4"]
    differences = table_differences(daily, full, schemas=("intermediate", "core"))
    differences.pop("intermediate.int_devices_reprocessed", None)
    differences.pop("intermediate.int_dates_reprocessed", None)
    assert all(counts == (0, 0) for counts in differences.values()), differences
