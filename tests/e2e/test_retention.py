"""User-level retention end to end (microconv/retention.py): a demo built, half its history
de-identified, then built again incrementally, and once more as a full refresh.

- The daily marts keep every day's counts: events, sessions, conversions and revenue per day are those
  of the build before the pass (the pass keys pseudonyms per session day, so a day's sessions and
  users stay whole).
- The incremental build after the pass ends where a full refresh of the same raw tables does.
- No id of a person whose every session ended before the cutoff is left in any table, and the data
  tests pass.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate
from microconv.ingest import load_event_sources
from microconv.retention import PSEUDONYM_PREFIX, apply_retention
from tests.warehouse_compare import table_differences

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEMO = GeneratorConfig(events=4_000, days=10)
RETENTION_DAYS = 5
# Per daily mart: its day and the counts a day keeps when its people lose their ids. Distinct users of
# a day are kept too: a person's sessions of one day share the day's pseudonym.
DAILY = {
    "marts.micro_conversion_daily": (
        "date_day, micro_conversion",
        "occurrences, users, sessions, converting_sessions, total_sessions",
    ),
    "marts.event_quality_daily": (
        "event_date",
        "raw_rows, clean_rows, quarantined_rows, duplicate_rows",
    ),
    "marts.consent_daily": (
        "event_date, event_source, consent_analytics",
        "events, tracker_sessions, user_level_events, consent_excluded_events",
    ),
    # Carts of a day stay; whether a purchase days later closed them is a link across days, which the
    # pass cuts on purpose (docs/privacy.md).
    "marts.cart_abandonment_daily": ("date_day", "carts"),
}


def _dbt(arguments: list[str], database: Path) -> None:
    env = {
        **os.environ,
        "MICROCONV_DUCKDB_PATH": str(database),
        "MICROCONV_EVENT_SOURCES": "microconv",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), *arguments, "--target-path", str(database.parent / "target")]
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert completed.returncode == 0, completed.stdout[-4000:]


RUN = ["build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


class Built:
    before: Path
    after: Path
    full: Path
    cutoff: object
    moved_ids: set[str]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("retention")
    landing = root / "landing" / "events"
    generate(DEMO, landing, "parquet")
    result = Built()
    result.before = root / "before" / "microconv.duckdb"
    result.before.parent.mkdir()
    with duckdb.connect(str(result.before)) as con:
        load_event_sources(con, landing)
    _dbt(["seed"], result.before)
    _dbt(RUN, result.before)

    result.after = root / "after" / "microconv.duckdb"
    result.after.parent.mkdir()
    shutil.copy(result.before, result.after)
    with duckdb.connect(str(result.after)) as con:
        last_day = con.execute("select max(session_date) from core.fct_sessions").fetchone()[0]
        today = last_day + timedelta(days=1)
        report = apply_retention(con, RETENTION_DAYS, today)
        result.cutoff = report.cutoff
        assert report.events > 0
    # The ids of which nothing is left on or after the cutoff day: every session of theirs ended before
    # it, and every row in no session was loaded or dated before it. Nothing of theirs may stay.
    with duckdb.connect(str(result.before), read_only=True) as con:
        result.moved_ids = {
            row[0]
            for row in con.execute(
                """
                with session_ends as (
                    select raw_row_key, max(event_date) over (partition by session_key) as last_date
                    from intermediate.int_events_sessionized
                ),
                dated as (
                    select
                        validated.anonymous_id,
                        validated.user_id,
                        coalesce(
                            session_ends.last_date,
                            least(coalesce(validated.event_date, cast(validated.loaded_at as date)),
                                cast(validated.loaded_at as date))
                        ) as retire_date
                    from intermediate.int_events_validated as validated
                    left join session_ends
                        on validated.raw_row_key = session_ends.raw_row_key
                ),
                ids as (
                    select anonymous_id as id, retire_date from dated
                    union all
                    select user_id as id, retire_date from dated
                )
                select id
                from ids
                where id is not null
                group by id
                having max(retire_date) < ?
                """,
                [result.cutoff],
            ).fetchall()
        }
    assert len(result.moved_ids) > 20
    _dbt(["build", "--exclude-resource-type", "unit_test"], result.after)

    result.full = root / "full" / "microconv.duckdb"
    result.full.parent.mkdir()
    shutil.copy(result.after, result.full)
    _dbt([*RUN, "--full-refresh"], result.full)
    return result


def _daily(database: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return {
            table: sorted(con.execute(f"select {keys}, {measures} from {table}").fetchall(), key=str)
            for table, (keys, measures) in DAILY.items()
        }


def test_every_day_keeps_its_counts(built: Built) -> None:
    before, after = _daily(built.before), _daily(built.after)
    for table in DAILY:
        assert before[table], f"{table} is empty"
        assert after[table] == before[table], table


def test_the_incremental_build_ends_where_a_full_refresh_does(built: Built) -> None:
    differences = table_differences(built.after, built.full)
    # Run bookkeeping: what this run reprocessed (all of it on a full refresh), the committed files (the
    # original files whose rows all moved stay listed), and the data test results of each run.
    for table in (
        "intermediate.int_devices_reprocessed",
        "intermediate.int_dates_reprocessed",
        "intermediate.int_files_processed",
        "marts.data_test_results",
    ):
        differences.pop(table, None)
    assert differences == {}


def test_nothing_of_the_de_identified_people_is_left(built: Built) -> None:
    with duckdb.connect(str(built.after), read_only=True) as con:
        con.execute(
            "create temp table moved_ids as select unnest(?::varchar[]) as id", [sorted(built.moved_ids)]
        )
        columns = con.execute(
            """
            select table_schema, table_name, column_name
            from information_schema.columns
            where table_schema in ('raw', 'staging', 'intermediate', 'core', 'marts')
                and data_type = 'VARCHAR'
            """
        ).fetchall()
        for schema, table, column in columns:
            found = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{column}" in (select id from moved_ids)'
            ).fetchone()[0]
            assert found == 0, f"{schema}.{table}.{column} still holds {found} de-identified ids"
        pseudonymous = con.execute(
            f"select count(*) from core.fct_sessions where device_id like '{PSEUDONYM_PREFIX}%'"
        ).fetchone()[0]
        assert pseudonymous > 0
        members = con.execute(
            f"""
            select count(*) from marts.audience_members
            where user_key in (
                select user_key from core.fct_sessions where device_id like '{PSEUDONYM_PREFIX}%'
            )
            """
        ).fetchone()[0]
        assert members == 0
