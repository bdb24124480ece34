"""The Amplitude demo writer: a day's rows as the Export API answers them (a zip of hourly .json.gz)."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import duckdb

from microconv.generator.vendors import VENDOR_FORMATS, register_lookups, vendor_select, write_amplitude_zip
from microconv.generator.writer import DIRTY_CODE

# A landing page view from a campaign (uploaded in hour 9) and a purchase of a logged-in user (hour 10).
CONTRACT_SQL = """
select * from (values
    (1, 0, 'page_view', 'e1', '2026-03-02T09:59:58.250Z', '2026-03-02T09:59:59Z', 'a1', null, 'mobile', 'GB',
     'https://shop.example.com/', '/', 'https://www.bing.com/', 'bing', 'cpc', 'spring', null, '{}'),
    (2, 0, 'purchase', 'e2', '2026-03-02T10:00:00Z', '2026-03-02T10:00:05Z', 'a1', 'u1', 'tablet', 'US',
     null, null, null, null, null, null, 'ana@example.com',
     '{"value": 20.0, "order_id": "o1", "currency": "EUR"}')
) as rows(_row_order, _dirty, event_name, event_id, event_timestamp, loaded_at, anonymous_id, user_id,
          device_category, country, page_url, page_path, page_referrer, utm_source, utm_medium,
          utm_campaign, email, properties)
"""


def test_a_day_is_a_zip_of_hourly_gzipped_json_lines(tmp_path: Path) -> None:
    contract = (
        f"select *, cast(null as varchar) as user_agent, '10.0.0.1' as ip_address from ({CONTRACT_SQL})"
    )
    target = tmp_path / "export_2026-03-02.zip"
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        register_lookups(con, "amplitude")
        write_amplitude_zip(con, vendor_select(VENDOR_FORMATS["amplitude"], contract, DIRTY_CODE, []), target)
    with zipfile.ZipFile(target) as archive:
        members = {name: gzip.decompress(archive.read(name)).decode() for name in archive.namelist()}
    assert list(members) == ["187520/187520_2026-03-02_9#0.json.gz", "187520/187520_2026-03-02_10#0.json.gz"]
    (page_view,) = [json.loads(line) for line in members["187520/187520_2026-03-02_9#0.json.gz"].splitlines()]
    (purchase,) = [json.loads(line) for line in members["187520/187520_2026-03-02_10#0.json.gz"].splitlines()]
    assert {
        key: page_view[key] for key in ("$insert_id", "event_type", "event_time", "server_upload_time")
    } == {
        "$insert_id": "e1",
        "event_type": "[Amplitude] Page Viewed",
        "event_time": "2026-03-02 09:59:58.250000",
        "server_upload_time": "2026-03-02 09:59:59.000000",
    }
    assert (page_view["device_id"], page_view["user_id"], page_view["session_id"]) == ("a1", None, -1)
    assert (page_view["device_type"], page_view["os_name"], page_view["country"]) == (
        "Apple iPhone",
        "Mobile Safari",
        "United Kingdom",
    )
    assert page_view["event_properties"] == {
        "[Amplitude] Page Location": "https://shop.example.com/",
        "[Amplitude] Page URL": "https://shop.example.com/",
        "[Amplitude] Page Path": "/",
        "[Amplitude] Previous Page Location": "https://www.bing.com/",
        "[Amplitude] Previous Page Type": "external",
        "utm_source": "bing",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
    }
    assert page_view["user_properties"] == {
        "utm_source": "bing",
        "utm_medium": "cpc",
        "utm_campaign": "spring",
    }
    # A purchase: Amplitude's revenue properties instead of `value`; the e-mail is a user property.
    assert purchase["event_type"] == "Order Completed"
    assert (purchase["user_id"], purchase["device_type"], purchase["country"]) == (
        "u1",
        "Apple iPad",
        "United States",
    )
    assert purchase["event_properties"] == {
        "order_id": "o1",
        "currency": "EUR",
        "$price": 20.0,
        "$quantity": 1,
        "$revenueType": "purchase",
    }
    assert purchase["user_properties"] == {"email": "ana@example.com"}
