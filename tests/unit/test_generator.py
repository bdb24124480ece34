"""The demo event generator: determinism, realism and the dirty-row manifest."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate

CONFIG = GeneratorConfig(events=30_000, days=14, seed=7)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("gen")
    result = generate(CONFIG, out, "parquet")
    con = duckdb.connect()
    con.execute(f"create table events as select * from read_parquet('{out}/*.parquet')")
    yield result, con
    con.close()


def test_same_seed_same_rows(tmp_path: Path, generated) -> None:
    result, con = generated
    again = generate(CONFIG, tmp_path, "parquet")
    assert again.rows == result.rows
    con.execute(f"create or replace table again as select * from read_parquet('{tmp_path}/*.parquet')")
    differing = con.execute(
        "select count(*) from (select * from events except all select * from again)"
    ).fetchone()[0]
    assert differing == 0


def test_size_and_dirty_share(generated) -> None:
    result, _ = generated
    assert 0.8 * CONFIG.events < result.rows < 1.2 * CONFIG.events
    manifest = result.manifest
    injected = sum(manifest["expected_quarantine"].values()) + manifest["expected_duplicates"]
    assert 0.5 * CONFIG.dirty_share < injected / result.rows < 3 * CONFIG.dirty_share
    assert all(count > 0 for count in manifest["expected_quarantine"].values())


def test_realistic_funnel_rates(generated) -> None:
    _, con = generated
    sessions, cart_sessions, purchase_sessions = con.execute(
        """
        with per_session as (
            select
                anonymous_id,
                bool_or(event_name = 'add_to_cart') as has_cart,
                bool_or(event_name = 'purchase') as has_purchase
            from events
            where event_id is not null
            group by anonymous_id, strftime(try_cast(event_timestamp as timestamp), '%Y-%m-%d %H')
        )
        select count(*), count(*) filter (where has_cart), count(*) filter (where has_purchase)
        from per_session
        """
    ).fetchone()
    # Rough per-visit proxy: cart abandonment near 70%, purchase rate of a few percent.
    assert 0.55 < 1 - purchase_sessions / cart_sessions < 0.85
    assert 0.01 < purchase_sessions / sessions < 0.06


def test_channels_have_matching_utm_tags(generated) -> None:
    _, con = generated
    mediums = dict(
        con.execute(
            "select utm_source, any_value(utm_medium) from events where utm_source is not null group by 1"
        ).fetchall()
    )
    assert mediums["newsletter"] == "email"
    assert mediums["google"] == "cpc"
    assert mediums["gdn"] == "display"


def test_user_id_appears_mid_journey(generated) -> None:
    _, con = generated
    devices_identified_later = con.execute(
        """
        select count(*) from (
            select anonymous_id
            from events
            where anonymous_id is not null
            group by anonymous_id
            having count(user_id) > 0 and count(user_id) < count(*)
        )
        """
    ).fetchone()[0]
    assert devices_identified_later > 0


def test_every_format_is_written(tmp_path: Path) -> None:
    small = GeneratorConfig(events=2_000, days=3, seed=1)
    for file_format, pattern in (("csv", "*.csv.gz"), ("jsonl", "*.jsonl.gz")):
        out = tmp_path / file_format
        result = generate(small, out, file_format, compress=True)
        assert result.files and all(path.match(pattern) for path in result.files)
    with duckdb.connect() as con:
        csv_rows = con.execute(f"select count(*) from read_csv('{tmp_path}/csv/*.csv.gz')").fetchone()[0]
    assert csv_rows == result.rows


@pytest.mark.parametrize(
    ("vendor", "pattern", "id_sql"),
    [
        (
            "ga4",
            "events_2*.parquet",
            "list_filter(event_params, lambda p: p.key = 'event_id')[1].value.string_value",
        ),
        ("segment", "segment_*.jsonl", "messageId"),
        ("snowplow", "events_*.parquet", "event_id"),
        ("mixpanel", "export_*.jsonl", "properties['$insert_id']"),
        ("posthog", "*T00:00:00+00:00-*T00:00:00+00:00.jsonl", "uuid"),
    ],
)
def test_vendor_files_carry_the_same_events_less_what_the_format_cannot(
    tmp_path: Path, generated, vendor: str, pattern: str, id_sql: str
) -> None:
    """The vendor files hold every contract event id except the rows the vendor leaves out."""
    result, con = generated
    vendor_result = generate(CONFIG, tmp_path, "parquet", vendor=vendor)
    files = sorted(tmp_path.glob(pattern))
    assert [path.name for path in files] == sorted(vendor_result.manifest["files"])
    reader = "read_parquet" if pattern.endswith("parquet") else "read_json_auto"
    vendor_ids = con.execute(f"select {id_sql} from {reader}('{tmp_path}/{pattern}')").fetchall()
    assert (
        len(vendor_ids)
        == vendor_result.rows
        == result.rows - sum(vendor_result.manifest["left_out_rows"].values())
    )
    contract_ids = {row[0] for row in con.execute("select event_id from events").fetchall()}
    assert {row[0] for row in vendor_ids} <= contract_ids | {None}
    left_out = vendor_result.manifest["left_out_rows"]
    assert (
        left_out["malformed_properties"] == result.manifest["dirty_source_rows"]["malformed_properties"] > 0
    )
    assert "malformed_properties" not in vendor_result.manifest["expected_quarantine"]


@pytest.mark.parametrize(
    ("vendor", "pattern", "name_sql", "expected"),
    [
        (None, "events_*.parquet", "event_name", {"faq_expand", "chat_opened", "product_compared"}),
        ("ga4", "events_2*.parquet", "event_name", {"faq_expand", "chat_opened", "product_compared"}),
        ("segment", "segment_*.jsonl", "event", {"FAQ Expanded", "Chat Opened", "Product Compared"}),
        ("snowplow", "events_*.parquet", "event_name", {"faq_expand", "chat_opened", "product_comparison"}),
        ("mixpanel", "export_*.jsonl", "event", {"FAQ Expand", "Chat Opened", "Compare Products"}),
        ("posthog", "*+00:00.jsonl", "event", {"faq_expand", "chat_opened", "product_compared"}),
    ],
)
def test_every_format_carries_custom_events_in_its_own_naming(
    tmp_path: Path, vendor: str | None, pattern: str, name_sql: str, expected: set[str]
) -> None:
    """Custom events (names in no catalogue seed) are part of the simulated stream, so every writer
    emits them, clean (never among the injected dirty kinds), each vendor in its own naming style."""
    small = GeneratorConfig(events=5_000, days=3, seed=3)
    result = generate(small, tmp_path, "parquet", vendor=vendor)
    reader = "read_parquet" if pattern.endswith("parquet") else "read_json_auto"
    with duckdb.connect() as con:
        names = dict(
            con.execute(
                f"select {name_sql}, count(*) from {reader}('{tmp_path}/{pattern}') group by 1"
            ).fetchall()
        )
    assert expected <= set(names)
    assert "unknown_event_name" not in result.manifest["expected_quarantine"]
    assert all(count > 0 for count in result.manifest["custom_events"].values())
    # Copies (duplicates) and corrupted rows come on top of the clean ones.
    kept = result.manifest["custom_events"]
    contract_name = {
        "FAQ Expanded": "faq_expand",
        "FAQ Expand": "faq_expand",
        "Chat Opened": "chat_opened",
        "Product Compared": "product_compared",
        "Compare Products": "product_compared",
        "product_comparison": "product_compared",
    }
    for name in expected:
        assert names[name] >= kept[contract_name.get(name, name)]
