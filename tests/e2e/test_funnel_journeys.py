"""Hand-computed journeys through the whole pipeline: one landing file -> Dagster job -> funnel marts.

Every expected number below was worked out by hand from the events in JOURNEYS, for the three
default funnels: `ecommerce` (ordered, 7 days), `checkout_strict` (strict, 1 day) and
`signup_any_order` (unordered, 30 days).
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

DAY = datetime(2026, 3, 2)

# (user, event_name, offset from DAY 00:00) — one anonymous id per user, no other events.
JOURNEYS: list[tuple[str, str, timedelta]] = [
    # ecommerce: A completes; B stops after checkout; C's cart is 7 days and 1 second late;
    # D carts before viewing; E stops after payment.
    ("A", "view_item", timedelta(hours=10)),
    ("A", "add_to_cart", timedelta(hours=10, minutes=1)),
    ("A", "begin_checkout", timedelta(hours=10, minutes=2)),
    ("A", "add_payment_info", timedelta(hours=10, minutes=3)),
    ("A", "purchase", timedelta(hours=10, minutes=4)),
    ("B", "view_item", timedelta(hours=10)),
    ("B", "add_to_cart", timedelta(hours=10, minutes=2)),
    ("B", "begin_checkout", timedelta(hours=10, minutes=10)),
    ("C", "view_item", timedelta(hours=10)),
    ("C", "add_to_cart", timedelta(days=7, hours=10, seconds=1)),
    ("D", "add_to_cart", timedelta(hours=9)),
    ("D", "view_item", timedelta(hours=10)),
    ("E", "view_item", timedelta(hours=10)),
    ("E", "add_to_cart", timedelta(hours=10, minutes=3)),
    ("E", "begin_checkout", timedelta(hours=10, minutes=4)),
    ("E", "add_payment_info", timedelta(hours=10, minutes=6)),
    # checkout_strict: F has a page view between checkout and payment; G goes straight through.
    ("F", "begin_checkout", timedelta(hours=10)),
    ("F", "page_view", timedelta(hours=10, minutes=1)),
    ("F", "add_payment_info", timedelta(hours=10, minutes=2)),
    ("F", "purchase", timedelta(hours=10, minutes=3)),
    ("G", "begin_checkout", timedelta(hours=10)),
    ("G", "add_payment_info", timedelta(hours=10, minutes=1)),
    ("G", "purchase", timedelta(hours=10, minutes=2)),
    # signup_any_order: H does all three in reverse order; I repeats one step; J's second step is
    # 38 days later; K does two.
    ("H", "add_to_wishlist", timedelta(hours=10)),
    ("H", "newsletter_signup", timedelta(hours=10, minutes=5)),
    ("H", "sign_up", timedelta(hours=10, minutes=10)),
    ("I", "sign_up", timedelta(hours=10)),
    ("I", "sign_up", timedelta(hours=10, minutes=1)),
    ("J", "newsletter_signup", timedelta(hours=10)),
    ("J", "add_to_wishlist", timedelta(days=38, hours=10)),
    ("K", "add_to_wishlist", timedelta(hours=10)),
    ("K", "sign_up", timedelta(hours=10, minutes=2)),
    # ecommerce: L views and carts in the same second; the cart's id (j33) sorts before the view's
    # (j34), yet simultaneous events count in step order, so L reaches step 2 at 0 seconds.
    ("L", "add_to_cart", timedelta(hours=10)),
    ("L", "view_item", timedelta(hours=10)),
    # cart abandonment: M carts on three days and orders once, after the third cart.
    ("M", "add_to_cart", timedelta(days=1, hours=10)),
    ("M", "add_to_cart", timedelta(days=2, hours=10)),
    ("M", "add_to_cart", timedelta(days=3, hours=10)),
    ("M", "purchase", timedelta(days=3, hours=11)),
    # checkout_strict: N's payment shares its second with a page view whose id (j40) sorts first: both
    # are the next timestamp after the checkout, so the payment is still the very next step.
    ("N", "begin_checkout", timedelta(hours=10)),
    ("N", "page_view", timedelta(hours=10, minutes=1)),
    ("N", "add_payment_info", timedelta(hours=10, minutes=1)),
    ("N", "purchase", timedelta(hours=10, minutes=2)),
]

# funnel -> [(users, drop_off_users, median seconds from previous, p90 seconds from previous), …]
EXPECTED: dict[str, list[tuple[int, int, float | None, float | None]]] = {
    "ecommerce": [
        (6, 0, None, None),  # A, B, C, D, E, L
        (4, 2, 90.0, 162.0),  # L 0 s, A 60 s, B 120 s, E 180 s
        (3, 1, 60.0, 396.0),  # A 60 s, B 480 s, E 60 s
        (2, 1, 90.0, 114.0),  # A 60 s, E 120 s
        (1, 1, 60.0, 60.0),  # A 60 s
    ],
    "checkout_strict": [
        (6, 0, None, None),  # A, B, E (from the ecommerce journeys), F, G, N
        (4, 2, 60.0, 102.0),  # A 60 s, E 120 s, G 60 s, N 60 s
        (3, 1, 60.0, 60.0),  # A, G, N
    ],
    "signup_any_order": [
        (4, 0, None, None),  # H, I, J, K
        (2, 2, 210.0, 282.0),  # H 300 s, K 120 s
        (1, 1, 300.0, 300.0),  # H
    ],
}


def _write_journeys(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["event_id", "event_name", "event_timestamp", "anonymous_id", "properties"])
        for number, (user, event_name, offset) in enumerate(JOURNEYS, start=1):
            properties = (
                {"value": 50, "currency": "EUR", "order_id": f"o{number}"} if event_name == "purchase" else {}
            )
            timestamp = (DAY + offset).strftime("%Y-%m-%dT%H:%M:%SZ")
            writer.writerow([f"j{number}", event_name, timestamp, f"visitor_{user}", json.dumps(properties)])


@pytest.fixture(scope="module")
def journeys_warehouse(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("journeys")
    env = {
        "MICROCONV_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "MICROCONV_LANDING_DIR": str(root / "landing"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        _write_journeys(root / "landing" / "journeys.csv")
        from microconv.runner import run_job

        assert run_job(full_refresh=True).success
    with duckdb.connect(env["MICROCONV_DUCKDB_PATH"], read_only=True) as con:
        yield con


@pytest.mark.parametrize("funnel", sorted(EXPECTED))
def test_hand_computed_funnel_steps(journeys_warehouse, funnel: str) -> None:
    rows = journeys_warehouse.execute(
        """
        select users, drop_off_users, median_seconds_from_previous, p90_seconds_from_previous
        from marts.funnel_steps
        where funnel = ? and breakdown_dimension = 'all'
        order by step_number
        """,
        [funnel],
    ).fetchall()
    assert len(rows) == len(EXPECTED[funnel])
    for step, (row, expected) in enumerate(zip(rows, EXPECTED[funnel], strict=True), start=1):
        users, drop_off, median, p90 = row
        assert (users, drop_off) == expected[:2], (funnel, step)
        if expected[2] is None:
            assert median is None and p90 is None
        else:
            assert (median, p90) == pytest.approx(expected[2:], abs=1e-6), (funnel, step)


def test_unordered_steps_are_labelled_by_count(journeys_warehouse) -> None:
    names = journeys_warehouse.execute(
        """
        select funnel, step_name from marts.funnel_steps
        where funnel in ('signup_any_order', 'checkout_strict') and breakdown_dimension = 'all'
        order by funnel, step_number
        """
    ).fetchall()
    assert names == [
        ("checkout_strict", "begin_checkout"),
        ("checkout_strict", "add_payment_info"),
        ("checkout_strict", "purchase"),
        ("signup_any_order", "any 1 of 3 steps"),
        ("signup_any_order", "any 2 of 3 steps"),
        ("signup_any_order", "any 3 of 3 steps"),
    ]


def test_cart_abandonment_of_the_journeys(journeys_warehouse) -> None:
    # Carts on 2 March: A, B, E, L (D carted too, at 09:00) -> 5 carts, 3 checkouts, 1 purchase.
    # M's carts on 3, 4 and 5 March and one order on the 5th: that order completes the 5th's cart
    # only. C's cart on 9 March has nothing after it.
    rows = journeys_warehouse.execute(
        """
        select date_day, carts, checkouts, purchases, abandonment_rate
        from marts.cart_abandonment_daily
        order by date_day
        """
    ).fetchall()
    assert [(str(day), carts, checkouts, purchases) for day, carts, checkouts, purchases, _ in rows] == [
        ("2026-03-02", 5, 3, 1),
        ("2026-03-03", 1, 0, 0),
        ("2026-03-04", 1, 0, 0),
        ("2026-03-05", 1, 0, 1),
        ("2026-03-09", 1, 0, 0),
    ]
    assert [rate for *_, rate in rows] == pytest.approx([0.8, 1.0, 1.0, 0.0, 1.0])
