"""End to end, bad input: every injected bad row quarantined with its reason, rows accounted for
exactly, the unreadable file moved aside, no raw PII outside staging."""

from __future__ import annotations

import re

import pytest

from microconv.sql import quote_identifier

pytestmark = pytest.mark.e2e

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
IPV4 = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b")
# Full or '::'-compressed IPv6 addresses (hashes are plain hex, without colons).
IPV6 = re.compile(
    r"\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,6}:(?:[0-9a-f]{1,4})?\b", re.I
)
PII_PATTERNS = (EMAIL, IPV4, IPV6)


def test_each_injected_bad_row_is_quarantined_with_its_reason(pipeline, warehouse) -> None:
    _, manifest, _, _, _ = pipeline
    reasons = dict(
        warehouse.execute(
            "select rejection_reason, count(*) from core.quarantined_events group by 1"
        ).fetchall()
    )
    assert reasons == manifest["expected_quarantine"]


def test_accounting_balances_exactly(pipeline, warehouse) -> None:
    _, manifest, _, _, _ = pipeline
    raw_rows = warehouse.execute("select count(*) from raw.events").fetchone()[0]
    assert raw_rows == manifest["rows"]
    raw, clean, quarantined, duplicates, unbalanced_days = warehouse.execute(
        """
        select sum(raw_rows), sum(clean_rows), sum(quarantined_rows), sum(duplicate_rows),
            count(*) filter (where not is_balanced)
        from marts.event_quality_daily
        """
    ).fetchone()
    assert raw == raw_rows
    assert raw == clean + quarantined + duplicates
    assert unbalanced_days == 0
    assert duplicates == manifest["expected_duplicates"]
    assert (
        clean == warehouse.execute("select count(*) from intermediate.int_events_sessionized").fetchone()[0]
    )
    late = warehouse.execute("select sum(late_rows) from marts.event_quality_daily").fetchone()[0]
    assert late > 0


def test_unreadable_file_was_moved_aside(pipeline, warehouse) -> None:
    _, _, _, landing, _ = pipeline
    assert (landing / "_rejected" / "truncated_upload.parquet").exists()
    assert warehouse.execute("select count(*) from raw.rejected_files").fetchone()[0] == 1


def test_no_raw_pii_outside_staging(warehouse) -> None:
    raw_values = warehouse.execute(
        """
        select distinct value from (
            select email as value from raw.events where email is not null
            union all select ip_address from raw.events where ip_address is not null
            union all select user_agent from raw.events where user_agent is not null
        )
        """
    ).fetchall()
    pii = {row[0] for row in raw_values}
    assert any("@" in value for value in pii)
    assert any(IPV4.search(value) for value in pii) and any(IPV6.search(value) for value in pii)
    columns = warehouse.execute(
        """
        select table_schema, table_name, column_name
        from information_schema.columns
        where table_schema not in ('raw', 'staging', 'config') and data_type = 'VARCHAR'
        """
    ).fetchall()
    for schema, table, column in columns:
        name, relation = quote_identifier(column), f"{quote_identifier(schema)}.{quote_identifier(table)}"
        values = warehouse.execute(
            f"select distinct {name} from {relation} where {name} is not null limit 100000"
        ).fetchall()
        # Raw values themselves, or anything shaped like an email, IPv4 or IPv6 address.
        leaked = [value for (value,) in values if value in pii or any(p.search(value) for p in PII_PATTERNS)]
        assert not leaked, f"{schema}.{table}.{column} holds raw PII, e.g. {leaked[:1]}"
