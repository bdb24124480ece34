"""The vendor writers (microconv/generator/vendors.py) export rows as each vendor's export does."""

from __future__ import annotations

import duckdb

from microconv.generator.vendors import VENDOR_FORMATS, register_lookups, vendor_select
from microconv.generator.writer import DIRTY_CODE, _file_name

# Two contract purchases, one with an order id and one sent without: the columns vendor_select reads.
CONTRACT_SQL = """
select * from (values
    (1, 0, 'purchase', 'e1', '2026-03-02T10:00:00Z', '2026-03-02T10:00:05Z', 'a1', null, 'desktop', 'US',
     null, 'https://shop.example.com/checkout', null, null, null, null, '{"value": 20.0, "order_id": "o1"}',
     'granted'),
    (2, 0, 'purchase', 'e2', '2026-03-02T11:00:00Z', '2026-03-02T11:00:05Z', 'a2', null, 'desktop', 'US',
     null, 'https://shop.example.com/checkout', null, null, null, null, '{"value": 5.0}', 'denied')
) as rows(_row_order, _dirty, event_name, event_id, event_timestamp, loaded_at, anonymous_id, user_id,
          device_category, country, user_agent, page_url, page_referrer, utm_source, utm_medium,
          utm_campaign, properties, consent_analytics)
"""


def test_consent_is_written_in_each_vendors_own_field() -> None:
    """GA4's privacy_info.analytics_storage is Yes / No; Segment's consent object carries the Analytics
    category as true / false (docs/privacy.md, Consent)."""
    contract = f"""
    select *, cast(null as varchar) as page_path, cast(null as varchar) as ip_address,
        cast(null as varchar) as email
    from ({CONTRACT_SQL})
    """
    with duckdb.connect() as con:
        register_lookups(con, "ga4")
        ga4 = vendor_select(VENDOR_FORMATS["ga4"], CONTRACT_SQL, DIRTY_CODE, [])
        storage = con.execute(f"select privacy_info.analytics_storage from ({ga4}) order by event_timestamp")
        assert storage.fetchall() == [("Yes",), ("No",)]
        register_lookups(con, "segment")
        segment = vendor_select(VENDOR_FORMATS["segment"], contract, DIRTY_CODE, [])
        analytics = con.execute(
            f"select context.consent.categoryPreferences.Analytics from ({segment}) order by messageId"
        ).fetchall()
    assert analytics == [(True,), (False,)]


def test_ga4_purchase_without_order_id_exports_not_set_transaction_id() -> None:
    """GA4 writes "(not set)" in ecommerce.transaction_id for a purchase sent without one."""
    with duckdb.connect() as con:
        register_lookups(con, "ga4")
        sql = vendor_select(VENDOR_FORMATS["ga4"], CONTRACT_SQL, DIRTY_CODE, [])
        ids = con.execute(f"select ecommerce.transaction_id from ({sql}) order by event_timestamp").fetchall()
    assert ids == [("o1",), ("(not set)",)]


def test_posthog_rows_carry_identity_and_purchase_as_posthog_js_sends_them() -> None:
    """PostHog's export: distinct_id is the user once identified, else the device ($device_id on every
    event); an Order Completed carries the e-commerce spec's revenue; no referrer is "$direct"; times
    are ISO 8601 text; the daily run's file is named after its data interval."""
    contract = f"""
    select
        *,
        cast(null as varchar) as page_path,
        cast(null as varchar) as ip_address,
        case when event_id = 'e2' then 'ana@example.com' end as email
    from ({CONTRACT_SQL.replace("'a2', null, 'desktop'", "'a2', 'u2', 'tablet'")})
    """
    with duckdb.connect() as con:
        register_lookups(con, "posthog")
        sql = vendor_select(VENDOR_FORMATS["posthog"], contract, DIRTY_CODE, [])
        rows = con.execute(
            f"""
            select uuid, event, distinct_id, properties->>'$."$device_id"', properties->>'$."$is_identified"',
                properties->>'revenue', properties->>'value', properties->>'$."$referrer"',
                properties->>'$."$device_type"', properties->>'$."$set".email', timestamp, created_at
            from ({sql}) order by uuid
            """
        ).fetchall()
    assert rows == [
        ("e1", "Order Completed", "a1", "a1", "false", "20.0", None, "$direct", "Desktop", None,
         "2026-03-02T10:00:00.000000+00:00", "2026-03-02T10:00:05.000000+00:00"),
        ("e2", "Order Completed", "u2", "a2", "true", "5.0", None, "$direct", "Tablet", "ana@example.com",
         "2026-03-02T11:00:00.000000+00:00", "2026-03-02T11:00:05.000000+00:00"),
    ]  # fmt: skip
    assert _file_name("posthog", "2026-12-31") == "2026-12-31T00:00:00+00:00-2027-01-01T00:00:00+00:00"


def test_yandex_metrica_hits_and_visits_as_the_logs_api_writes_them() -> None:
    """Metrica's Logs API: each demo event is one hit (a purchase is a goal reach, isPageView 0, at the
    counter's Berlin wall time, its properties and event id in params); the visit of the session repeats
    its goal reaches (times in UTC+3) and lists e-commerce purchases that have an order id."""
    contract = f"""
    select
        *,
        cast(null as varchar) as page_path,
        cast(null as varchar) as ip_address,
        cast(null as varchar) as email,
        7 as _session,
        false as _is_landing
    from ({CONTRACT_SQL.replace("'a2', null", "'a1', null")})
    """
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        register_lookups(con, "yandex_metrica")
        vendor = VENDOR_FORMATS["yandex_metrica"]
        hits = con.execute(
            f"""
            select "ym:pv:clientID", "ym:pv:dateTime", "ym:pv:goalsID", "ym:pv:isPageView",
                "ym:pv:params"->>'event_id', "ym:pv:params"->>'value', _yandex_table
            from ({vendor_select(vendor, contract, DIRTY_CODE, [])}) order by "ym:pv:dateTime"
            """
        ).fetchall()
        ((_, visits_sql),) = vendor.extra_tables
        visits = con.execute(
            f"""
            select "ym:s:visitID", "ym:s:goalsID", "ym:s:goalsDateTime", "ym:s:goalsOrder", "ym:s:purchaseID",
                "ym:s:purchaseDateTime", "ym:s:purchaseRevenue"
            from ({vendor_select(vendor, contract, DIRTY_CODE, [], sql=visits_sql)})
            """
        ).fetchall()
    assert hits == [
        ("a1", "2026-03-02 11:00:00", "[310400108]", 0, "e1", "20.0", "hits"),
        ("a1", "2026-03-02 12:00:00", "[310400108]", 0, "e2", "5.0", "hits"),
    ]
    assert visits == [
        ("1000000007", "[310400108,310400108]", "['2026-03-02 13:00:00','2026-03-02 14:00:00']",
         "['o1','']", "['o1']", "['2026-03-02 11:00:00']", "[20.0]"),
    ]  # fmt: skip


def test_heap_tables_as_heap_connect_syncs_them() -> None:
    """Heap: page views go to pageviews, a purchase to the seed's table name (completed_order) with its
    revenue column; every event is recorded under its device's Heap user; the landing page view makes
    the sessions row; a device is migrated to the visitor's identified user only through a clean login
    (a2's only login is a negative-revenue row, quarantined on the contract path: no migration)."""
    negative = DIRTY_CODE["negative_revenue"]
    contract = f"""
    select * from (values
        (1, 0, 'page_view', 'e1', '2026-03-02T10:00:00Z', 'a1', null, 'https://shop.example.com/', 'google',
         '{{}}', 7, true),
        (2, 0, 'purchase', 'e2', '2026-03-02T10:05:00Z', 'a1', 'u000000007', 'https://shop.example.com/checkout',
         null, '{{"value": 20.0, "order_id": "o1", "currency": "EUR"}}', 7, false),
        (3, {negative}, 'purchase', 'e3', '2026-03-02T11:00:00Z', 'a2', 'u000000007', null, null,
         '{{"value": -5.0}}', 8, false)
    ) as rows(_row_order, _dirty, event_name, event_id, event_timestamp, anonymous_id, user_id, page_url,
              utm_source, properties, _session, _is_landing)
    """
    contract = f"""
    select
        *,
        '2026-03-02T12:00:00Z' as loaded_at, 'desktop' as device_category, 'DE' as country,
        cast(null as varchar) as user_agent, cast(null as varchar) as page_path,
        cast(null as varchar) as page_referrer, cast(null as varchar) as utm_medium,
        cast(null as varchar) as utm_campaign, cast(null as varchar) as ip_address,
        cast(null as varchar) as email
    from ({contract})
    """
    heap = VENDOR_FORMATS["heap"]
    with duckdb.connect() as con:
        register_lookups(con, "heap")
        events = con.execute(
            f"""
            select _heap_table, event_id, user_id, session_id, strftime(time, '%H:%M'), domain, value,
                order_id, country, device_type
            from ({vendor_select(heap, contract, DIRTY_CODE, [])}) order by event_id
            """
        ).fetchall()
        tables = {
            name: con.execute(
                f"select * from ({vendor_select(heap, contract, DIRTY_CODE, [], sql=sql)})"
            ).fetchall()
            for name, sql in heap.extra_tables
        }
    assert events == [
        ("pageviews", "e1", "a1", "7", "10:00", "shop.example.com", None, None, "Germany", "Desktop"),
        ("completed_order", "e2", "a1", "7", "10:05", "shop.example.com", 20.0, "o1", "Germany", "Desktop"),
        ("completed_order", "e3", "a2", "8", "11:00", None, -5.0, None, "Germany", "Desktop"),
    ]  # fmt: skip
    assert [(row[0], row[1], row[9]) for row in tables["sessions"]] == [("7", "a1", "google")]
    assert [row[:2] for row in tables["users"]] == [("9000000007", "u000000007")]
    assert [row[:2] for row in tables["user_migrations"]] == [("a1", "9000000007")]
