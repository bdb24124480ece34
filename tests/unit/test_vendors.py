"""The vendor writers (microconv/generator/vendors.py) export rows as each vendor's export does."""

from __future__ import annotations

import duckdb

from microconv.generator.vendors import VENDOR_FORMATS, register_lookups, vendor_select
from microconv.generator.writer import DIRTY_CODE, _file_name

# Two contract purchases, one with an order id and one sent without: the columns vendor_select reads.
CONTRACT_SQL = """
select * from (values
    (1, 0, 'purchase', 'e1', '2026-03-02T10:00:00Z', '2026-03-02T10:00:05Z', 'a1', null, 'desktop', 'US',
     null, 'https://shop.example.com/checkout', null, null, null, null, '{"value": 20.0, "order_id": "o1"}'),
    (2, 0, 'purchase', 'e2', '2026-03-02T11:00:00Z', '2026-03-02T11:00:05Z', 'a2', null, 'desktop', 'US',
     null, 'https://shop.example.com/checkout', null, null, null, null, '{"value": 5.0}')
) as rows(_row_order, _dirty, event_name, event_id, event_timestamp, loaded_at, anonymous_id, user_id,
          device_category, country, user_agent, page_url, page_referrer, utm_source, utm_medium,
          utm_campaign, properties)
"""


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
