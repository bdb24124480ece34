"""End to end, later runs on the same warehouse (this module sorts after the others, which read the
first build): a BI reader during a rebuild, runs that fail and publish nothing, a run whose new data
makes tests warn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e


def test_bi_reader_is_never_blocked_nor_sees_a_partial_state(pipeline) -> None:
    """A read-only SQLAlchemy connection (duckdb-engine, as Superset uses) queries the published copy in
    a loop while a full run rebuilds the warehouse and republishes (models only: the data tests of the
    same build ran in the pipeline fixture, and what is under test here is the rebuild and the swap)."""
    import threading

    import sqlalchemy

    from microconv.runner import run_job

    published = Path(os.environ["MICROCONV_PUBLISH_DIR"]) / "microconv.duckdb"
    engine = sqlalchemy.create_engine(f"duckdb:///{published}", connect_args={"read_only": True})
    consistency = sqlalchemy.text(
        """
        select
            (select count(*) from core.fct_macro_conversions) as conversions,
            (select round(sum(attributed_conversions), 6) from marts.channel_attribution
             where attribution_model = 'linear') as credited,
            (select count(distinct attribution_model) from marts.channel_attribution) as models
        """
    )
    results: list[tuple] = []
    errors: list[Exception] = []
    stop = threading.Event()

    def read_in_a_loop() -> None:
        with engine.connect() as connection:
            while not stop.is_set():
                try:
                    results.append(tuple(connection.execute(consistency).one()))
                except Exception as error:  # every failure is a finding
                    errors.append(error)

    reader = threading.Thread(target=read_in_a_loop)
    reader.start()
    try:
        result = run_job(full_refresh=True, skip_tests=True)
    finally:
        stop.set()
        reader.join(timeout=60)
        engine.dispose()
    assert result.success
    assert not errors, errors[:3]
    assert len(results) > 10
    assert all(conversions == credited and models == 8 for conversions, credited, models in results)


def _published_state() -> tuple[str, int]:
    publish_dir = Path(os.environ["MICROCONV_PUBLISH_DIR"])
    return (publish_dir / "manifest.json").read_text(), (publish_dir / "report.html").stat().st_mtime_ns


def test_a_check_that_errors_stops_the_build_and_publishing(pipeline, monkeypatch) -> None:
    """As when a second run's freshness check found the warehouse locked by the first run: the check
    errors, the run fails, and neither the BI copy nor the report is replaced."""
    import duckdb as duckdb_module

    from microconv.engines.duckdb import DuckDBEngine
    from microconv.runner import run_job

    def locked(_engine):
        raise duckdb_module.IOException(
            'Could not set lock on file "microconv.duckdb": Conflicting lock is held'
        )

    monkeypatch.setattr(DuckDBEngine, "newest_landed", locked)
    before = _published_state()
    result = run_job(skip_tests=True)
    assert not result.success
    assert _published_state() == before
    failed_steps = {event.step_key for event in result.all_events if event.is_step_failure}
    assert failed_steps == {"raw__events_raw_events_are_fresh"}
    assert not any(
        event.is_step_success and event.step_key.startswith("publish") for event in result.all_events
    )


def test_a_run_that_cannot_get_the_warehouse_publishes_nothing_and_says_why(pipeline, monkeypatch) -> None:
    """Another process holds the DuckDB file for writing (a second run, a tool opened on the warehouse):
    the run waits MICROCONV_LOCK_TIMEOUT_SECONDS, then fails saying so, and publishes nothing."""

    from microconv.runner import run_job

    _, _, path, _, _ = pipeline
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; con = duckdb.connect({str(path)!r}); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    before = _published_state()
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("MICROCONV_LOCK_TIMEOUT_SECONDS", "2")
        result = run_job(skip_tests=True)
    finally:
        holder.stdin.close()
        holder.wait(30)
    assert not result.success
    messages = " ".join(
        event.step_failure_data.error.to_string() for event in result.all_events if event.is_step_failure
    )
    assert "Another process holds the warehouse" in messages and "MICROCONV_LOCK_TIMEOUT_SECONDS" in messages
    assert _published_state() == before


def test_failed_run_publishes_nothing_and_alerts(pipeline) -> None:

    from microconv.runner import run_job

    _, _, _, _, alerts_path = pipeline
    manifest = Path(os.environ["MICROCONV_PUBLISH_DIR"]) / "manifest.json"
    before = manifest.read_text()
    result = run_job(dbt_vars={"attribution_path_transform": "not_a_transform"})
    assert not result.success
    assert manifest.read_text() == before
    alerts = [json.loads(line) for line in alerts_path.read_text().splitlines()]
    assert alerts[-1]["kind"] == "run_failure"


def test_a_test_that_newly_warns_is_stored_with_its_history_and_alerts_once(pipeline) -> None:
    """A second run after a purchase in a currency without exchange rate lands (ISO 4217's test code
    XTS): fct_macro_conversions' warn-severity tests on is_currency_known and revenue warn. Every test
    result of both runs is in marts.data_test_results, the history says which tests newly warn, and
    the run's check records one data_test_new_failure alert naming them."""

    from microconv.runner import run_job

    _, _, path, landing, alerts_path = pipeline
    files = sorted(landing.rglob("events_*.parquet"))
    injected = files[-1].with_name("unknown_currency.parquet")
    with duckdb.connect(str(path), read_only=True) as con:
        # A purchase the first run kept (clean), copied with another currency, order and event id.
        (event_id,) = con.execute(
            "select event_id from core.fct_macro_conversions where macro_conversion = 'purchase' "
            "order by converted_at desc, event_id limit 1"
        ).fetchone()
    with duckdb.connect() as con:
        patch = '{"currency": "XTS", "order_id": "e2e-xts"}'
        con.execute(
            f"""
            copy (
                select * replace (
                    'e2e-unknown-currency' as event_id,
                    cast(json_merge_patch(properties, '{patch}') as varchar) as properties
                )
                from read_parquet({[str(path) for path in files]})
                where event_id = '{event_id}'
                limit 1
            ) to '{injected}' (format parquet)
            """
        )
        day = con.execute(f"select left(event_timestamp, 10) from read_parquet('{injected}')").fetchone()[0]
    result = run_job(start=day, end=day)
    assert result.success
    (check,) = [c for c in result.get_asset_check_evaluations() if c.check_name == "no_new_data_test_failure"]
    assert not check.passed and check.severity.value == "WARN"
    with duckdb.connect(str(path), read_only=True) as con:
        runs = con.execute(
            "select count(distinct invocation_id), count(distinct dagster_run_id) "
            "from marts.data_test_results"
        ).fetchone()
        newly_warning = con.execute(
            "select test_name from marts.data_test_history where is_new_failure order by test_name"
        ).fetchall()
    assert runs[0] >= 2 and runs[1] >= 2
    names = [row[0] for row in newly_warning]
    assert any("is_currency_known" in name for name in names), names
    alerts = [json.loads(line) for line in alerts_path.read_text().splitlines()]
    new_failures = [alert for alert in alerts if alert["kind"] == "data_test_new_failure"]
    assert len(new_failures) == 1, new_failures
    assert {test["test_name"] for test in new_failures[0]["details"]["tests"]} == set(names)
    assert "is_currency_known" in new_failures[0]["message"]


def _relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str, list[str]]]:
    """(schema, table or view, text columns) of every relation of an attached catalog."""
    rows = con.execute(
        """
        select table_schema, table_name, list(column_name)
        from information_schema.columns
        where table_catalog = ? and data_type = 'VARCHAR'
        group by 1, 2
        """,
        [catalog],
    ).fetchall()
    return [(schema, table, columns) for schema, table, columns in rows]


def _person_traces(warehouse: Path, publish_dir: Path, needles: set[str]) -> list[str]:
    """Where any of the needles (ids, keys, hashes) still appears: every text column of every table and
    view of the warehouse and the published copy, every Parquet file and every other published file."""
    import re

    pattern = "|".join(re.escape(needle) for needle in sorted(needles))
    found = []
    with duckdb.connect() as con:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        con.execute(f"attach '{publish_dir / 'microconv.duckdb'}' as published (read_only)")
        for catalog in ("warehouse", "published"):
            for schema, table, columns in _relations(con, catalog):
                condition = " or ".join(f'regexp_matches("{column}", $pattern)' for column in columns)
                rows = con.execute(
                    f'select count(*) from {catalog}."{schema}"."{table}" where {condition}',
                    {"pattern": pattern},
                ).fetchone()[0]
                if rows:
                    found.append(f"{catalog}.{schema}.{table}: {rows}")
        for path in sorted(publish_dir.rglob("*")):
            if not path.is_file():
                continue
            if path.suffix == ".parquet":
                text = f"select * from read_parquet('{path}')"
                columns = [
                    row[0] for row in con.execute(f"describe {text}").fetchall() if row[1] == "VARCHAR"
                ]
                if columns:
                    condition = " or ".join(f'regexp_matches("{column}", $pattern)' for column in columns)
                    if con.execute(
                        f"select count(*) from ({text}) where {condition}", {"pattern": pattern}
                    ).fetchone()[0]:
                        found.append(str(path))
            elif path.suffix in (".csv", ".json", ".html", ".txt") and re.search(
                pattern, path.read_text(errors="replace")
            ):
                found.append(str(path))
    return found


def test_a_forgotten_person_is_in_no_table_nor_published_file_and_never_comes_back(pipeline) -> None:
    """`microconv forget --user-id` on a user who logged in on several devices: afterwards no table or
    view of the warehouse or the published copy, no Parquet, audience or report file holds any of
    their ids, user key, device ids, e-mail, salted e-mail hash or unsalted e-mail SHA-256. Their
    events then land again in a new file (as a late re-upload would bring them): the next run purges
    them from raw and they reach no model."""
    import hashlib

    from microconv.cli import main
    from microconv.runner import run_job

    _, _, path, landing, _ = pipeline
    publish_dir = Path(os.environ["MICROCONV_PUBLISH_DIR"])
    with duckdb.connect(str(path), read_only=True) as con:
        (user_id,) = con.execute(
            """
            select stitched.user_id
            from intermediate.int_users_stitched as stitched
            inner join marts.audience_members as members on stitched.user_key = members.user_key
            inner join intermediate.int_events_validated as validated
                on stitched.stitched_user_id = validated.user_id and validated.email_hash is not null
            where stitched.user_id is not null
            group by stitched.user_id
            having count(distinct stitched.anonymous_id) >= 2
            order by stitched.user_id
            limit 1
            """
        ).fetchone()
        ids = con.execute(
            "select distinct anonymous_id, device_id, user_key from intermediate.int_users_stitched "
            "where stitched_user_id = ?",
            [user_id],
        ).fetchall()
        anonymous_ids = {anonymous_id for anonymous_id, _, _ in ids if anonymous_id}
        emails = {
            row[0]
            for row in con.execute(
                "select distinct email from raw.events where email is not null and (user_id = ? "
                "or anonymous_id in (select unnest(?::varchar[])))",
                [user_id, sorted(anonymous_ids)],
            ).fetchall()
        }
        email_hashes = {
            row[0]
            for row in con.execute(
                "select distinct email_hash from intermediate.int_events_validated "
                "where email_hash is not null and user_id = ?",
                [user_id],
            ).fetchall()
        }
    needles = (
        {user_id}
        | anonymous_ids
        | {device_id for _, device_id, _ in ids}
        | {user_key for _, _, user_key in ids}
        | emails
        | email_hashes
        | {hashlib.sha256(email.strip().lower().encode()).hexdigest() for email in emails}
    )
    assert emails and email_hashes and len(anonymous_ids) >= 2
    assert _person_traces(path, publish_dir, needles)  # the scan finds them before

    assert main(["forget", "--user-id", user_id]) == 0
    assert _person_traces(path, publish_dir, needles) == []

    files = sorted(landing.rglob("events_*.parquet"))
    again = files[-1].with_name("late_reupload.parquet")
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select * replace ('again-' || event_id as event_id)
                from read_parquet({[str(file) for file in files]})
                where user_id = ? or anonymous_id in (select unnest(?::varchar[]))
            ) to '{again}' (format parquet)
            """,
            [user_id, sorted(anonymous_ids)],
        )
        days = con.execute(
            "select min(event_day), max(event_day) from (select cast(try_cast(event_timestamp as "
            f"timestamptz) as date) as event_day from '{again}') where event_day is not null"
        ).fetchone()
    assert run_job(start=str(days[0]), end=str(days[1]), skip_tests=True).success
    assert _person_traces(path, publish_dir, needles) == []
    with duckdb.connect(str(path), read_only=True) as con:
        purged = con.execute("select rows_removed from raw.erasure_audit order by erased_at").fetchall()
    assert len(purged) == 2 and json.loads(purged[1][0])["raw.events"] > 0
