"""The GA4 writer (microconv/generator/vendors.py) exports rows as Google's BigQuery export does."""

from __future__ import annotations

import duckdb

from microconv.generator.vendors import VENDOR_FORMATS, register_lookups, vendor_select
from microconv.generator.writer import DIRTY_CODE

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
