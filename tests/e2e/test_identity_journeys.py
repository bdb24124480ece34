"""Hand-computed identity, session and order journeys through the whole pipeline: one landing file ->
Dagster job -> core facts and attribution marts.

Every expected number below was worked out by hand from the events in EVENTS.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

# (event_id, event_name, UTC time on 2026-03-02, anonymous_id, user_id, utm_source, utm_medium, properties)
EVENTS: list[tuple[str, str, str, str, str, str, str, dict]] = [
    # An Email visit, a login, a checkout, then the purchase sent server-side (user_id only): one
    # Email session of four events, and the purchase is credited to Email by every model.
    ("e1", "page_view", "10:00:00", "vE", "", "newsletter", "email", {}),
    ("e2", "sign_up", "10:01:00", "vE", "uE", "", "", {}),
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


def _write_events(path: Path) -> None:
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
            ]
        )
        for event_id, name, time, anonymous_id, user_id, source, medium, properties in EVENTS:
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
        from orchestration.cli import run_job

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
    assert sessions == [("Email", 4, "vE")]


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
