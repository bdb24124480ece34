"""User-level retention end to end (microconv/retention.py): a demo built, half its history
de-identified, then built again incrementally, and once more as a full refresh.

- The people not seen since the cutoff lose their ids as a whole, so the daily marts keep every day's
  counts and every aggregate mart (funnels, cohorts, impact, attribution) is unchanged.
- The incremental build after the pass ends where a full refresh of the same raw tables does.
- No id of a person whose every session ended before the cutoff is left in any table, and the data
  tests pass.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate
from microconv.ingest import load_event_sources
from microconv.retention import PSEUDONYM_PREFIX, apply_retention
from tests.dbt_subprocess import run_dbt
from tests.warehouse_compare import table_differences

pytestmark = pytest.mark.e2e

DEMO = GeneratorConfig(events=4_000, days=10)
RETENTION_DAYS = 5
# Per daily mart: its day and the counts a day keeps when its people lose their ids (all of them: a
# person is de-identified as a whole, under one pseudonym per id).
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
    "marts.cart_abandonment_daily": ("date_day", "carts, checkouts, purchases"),
}


def _dbt(arguments: list[str], database: Path) -> None:
    run_dbt(arguments, database)


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
    # The ids of the people (devices joined through the users they were stitched to, found here by
    # label propagation) with no activity on or after the cutoff day: nothing of theirs may stay.
    with duckdb.connect(str(result.before), read_only=True) as con:
        con.execute(
            """
            create temp table labels as
            select distinct device_id as node, device_id as label from intermediate.int_users_stitched
            union
            select distinct 'key:' || user_key, 'key:' || user_key from intermediate.int_users_stitched
            """
        )
        while True:
            changed = con.execute(
                """
                create or replace temp table relabelled as
                with edges as (
                    select distinct device_id as a, 'key:' || user_key as b
                    from intermediate.int_users_stitched
                ),
                best as (
                    select edges.a as node, min(labels.label) as label
                    from edges inner join labels on edges.b = labels.node group by edges.a
                    union all
                    select edges.b, min(labels.label)
                    from edges inner join labels on edges.a = labels.node group by edges.b
                    union all
                    select node, label from labels
                )
                select node, min(label) as label from best group by node;
                select count(*) from relabelled inner join labels using (node)
                where relabelled.label <> labels.label
                """
            ).fetchone()[0]
            con.execute("create or replace temp table labels as select * from relabelled")
            if not changed:
                break
        result.moved_ids = {
            row[0]
            for row in con.execute(
                """
                with session_ends as (
                    select raw_row_key, max(event_date) over (partition by session_key) as last_date
                    from intermediate.int_events_sessionized
                ),
                rows as (
                    select
                        validated.anonymous_id,
                        validated.user_id,
                        coalesce(
                            labels.label,
                            coalesce(validated.anonymous_id, 'user:' || validated.user_id),
                            validated.raw_row_key
                        ) as person,
                        coalesce(
                            session_ends.last_date,
                            least(
                                coalesce(validated.event_date, cast(validated.loaded_at as date)),
                                cast(validated.loaded_at as date)
                            )
                        ) as activity_date
                    from intermediate.int_events_validated as validated
                    left join session_ends
                        on validated.raw_row_key = session_ends.raw_row_key
                    left join labels
                        on coalesce(validated.anonymous_id, 'user:' || validated.user_id) = labels.node
                ),
                inactive as (
                    select person from rows group by person having max(activity_date) < ?
                )
                select anonymous_id from rows where person in (select person from inactive)
                union
                select user_id from rows where person in (select person from inactive)
                """,
                [result.cutoff],
            ).fetchall()
            if row[0]
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


# Marts whose rows name people (ids, keys), and the run's own records: the others must not change.
PERSON_LEVEL_COLUMNS = ("user_key", "device_id", "session_key", "session_id", "conversion_key", "event_id")


def test_every_aggregate_mart_is_unchanged(built: Built) -> None:
    """A person is de-identified as a whole, under one key: funnels, paths, cohorts, impact and
    experiments over the old history are those of the build before the pass."""
    with duckdb.connect(str(built.after), read_only=True) as con:
        person_level = {
            f"marts.{row[0]}"
            for row in con.execute(
                "select distinct table_name from information_schema.columns where table_schema = 'marts' "
                "and (list_contains(?, column_name) or column_name like '%member_key')",
                [list(PERSON_LEVEL_COLUMNS)],
            ).fetchall()
        }
    differences = table_differences(built.before, built.after, schemas=("marts",))
    changed = {
        table: counts
        for table, counts in differences.items()
        if table not in person_level and table not in ("marts.data_test_results", "marts.data_test_history")
    }
    assert changed == {}
    assert len(person_level) < 15


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
