"""Consent through the whole pipeline (docs/privacy.md, Consent): one contract landing file whose events
carry consent_analytics, built with consent_policy require_analytics_consent. No device or user of an
event without analytics consent appears in any core or mart table, while consent_daily and
event_quality_daily count those events in aggregate. Every expected number was worked out by hand.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

# (event_id, event_name, UTC time on 2026-03-02, anonymous_id, user_id, consent_analytics)
EVENTS: list[tuple[str, str, str, str, str, str]] = [
    # Granted: a visit and a sign-up, user-level as usual.
    ("g1", "page_view", "10:00:00", "vGranted", "", "granted"),
    ("g2", "sign_up", "10:01:00", "vGranted", "uGranted", "Yes"),
    # Denied: a whole visit, login included; none of it may reach a user-level table.
    ("d1", "page_view", "11:00:00", "vDenied", "", "denied"),
    ("d2", "sign_up", "11:01:00", "vDenied", "uDenied", "false"),
    ("d3", "add_to_cart", "11:02:00", "vDenied", "", "0"),
    # No consent state: unknown, which this policy counts as consented (GA4 without consent mode).
    ("n1", "page_view", "12:00:00", "vUnknown", "", ""),
    # An unreadable consent value: quarantined as invalid_consent.
    ("x1", "page_view", "13:00:00", "vInvalid", "", "maybe"),
]
EXCLUDED_IDS = ("vDenied", "uDenied", "vInvalid")


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
                "consent_analytics",
                "loaded_at",
            ]
        )
        for event_id, name, time, anonymous_id, user_id, consent in EVENTS:
            writer.writerow(
                [
                    event_id,
                    name,
                    f"2026-03-02T{time}Z",
                    anonymous_id,
                    user_id,
                    consent,
                    "2026-03-02T23:00:00Z",
                ]
            )


@pytest.fixture(scope="module")
def consent_warehouse(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("consent")
    env = {
        "MICROCONV_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "MICROCONV_LANDING_DIR": str(root / "landing"),
        "MICROCONV_PUBLISH_DIR": str(root / "publish"),
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        _write_events(root / "landing" / "consent.csv")
        from microconv.runner import run_job

        result = run_job(full_refresh=True, dbt_vars={"consent_policy": "require_analytics_consent"})
        assert result.success, [event.message for event in result.all_events if event.is_failure]
    with duckdb.connect(env["MICROCONV_DUCKDB_PATH"], read_only=True) as con:
        yield con


def test_sessions_and_users_hold_only_consented_devices(consent_warehouse) -> None:
    sessions = consent_warehouse.execute(
        "select device_id, event_count from core.fct_sessions order by device_id"
    ).fetchall()
    assert sessions == [("vGranted", 2), ("vUnknown", 1)]
    users = consent_warehouse.execute(
        "select user_id from core.dim_users order by user_id nulls last"
    ).fetchall()
    assert ("uDenied",) not in users and ("uGranted",) in users
    assert len(users) == 2  # uGranted and the never-identified device vUnknown


def test_no_core_or_mart_table_holds_an_excluded_id(consent_warehouse) -> None:
    # Every text column of every core and marts table, scanned for the denied and invalid devices' ids
    # (quarantined_events keeps the invalid row, its identifiers nulled).
    columns = consent_warehouse.execute(
        """
        select table_schema, table_name, column_name
        from information_schema.columns
        where table_schema in ('core', 'marts') and data_type = 'VARCHAR'
        """
    ).fetchall()
    assert columns
    found = []
    for schema, table, column in columns:
        hits = consent_warehouse.execute(
            f'select count(*) from {schema}.{table} where "{column}" in (?, ?, ?)', list(EXCLUDED_IDS)
        ).fetchone()[0]
        if hits:
            found.append((schema, table, column, hits))
    assert found == []


def test_consent_daily_counts_every_state_in_aggregate(consent_warehouse) -> None:
    rows = consent_warehouse.execute(
        """
        select consent_analytics, events, user_level_events, consent_excluded_events
        from marts.consent_daily
        order by consent_analytics
        """
    ).fetchall()
    assert rows == [("denied", 3, 0, 3), ("granted", 2, 2, 0), ("unknown", 1, 1, 0)]


def test_row_accounting_balances_with_the_excluded_events(consent_warehouse) -> None:
    row = consent_warehouse.execute(
        """
        select raw_rows, clean_rows, consent_excluded_rows, quarantined_rows, duplicate_rows,
            quarantined_invalid_consent, is_balanced
        from marts.event_quality_daily
        """
    ).fetchall()
    assert row == [(7, 3, 3, 1, 0, 1, True)]
    reason = consent_warehouse.execute(
        "select event_id, rejection_reason, anonymous_id from core.quarantined_events"
    ).fetchall()
    assert reason == [("x1", "invalid_consent", None)]
