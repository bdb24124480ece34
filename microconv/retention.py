"""User-level retention: events older than MICROCONV_USER_LEVEL_RETENTION_DAYS lose their identifiers
but keep their contribution to the daily aggregates (docs/privacy.md, "Retention").

GA4 does the same split: its data retention setting removes user- and event-level data after 2 or 14
months while its aggregated reports keep the counts
(https://support.google.com/analytics/answer/7667196). Microconv keeps every event row, with its
time, name, page, campaign, device category, country, consent state and properties, and replaces who
it was:

- anonymous_id, user_id and the tracker's session_id become pseudonyms, keyed per day: every id of the
  events of sessions that started on one local day (the reporting time zone) is replaced by
  "deidentified:" + the first 32 hex digits of SHA-256(key of that day + ":" + id). The keys are random,
  made for one pass and never stored, so nobody (Microconv included) can map a pseudonym back to the
  id, or link two days of one person. Within a day the links stay: a device's sessions of that day are
  still one device, and a login still stitches it, so a day's events, sessions, users and
  conversions count as before.
- e-mail and IP address are dropped (null). The user agent is kept: bot filtering needs it on a full
  refresh, and it names a browser build, not a person.

What a pass does, in one transaction (under the run lock, at the start of a run, after the load):
1. Finds, through each source's staging view, the staged events whose session ended (last event)
   before the cutoff day, today - retention days in the reporting time zone (events in no session,
   quarantined or duplicate ones, by their own date). A raw row moves only when every event staged from
   it does (a Yandex Metrica visit row holds several), so no raw row is half de-identified.
2. Writes those events, as their staging view read them, de-identified, into raw.deidentified_events (the
   contract's text columns; int_events_unioned reads it as one more source) under a new file id per
   original file, and deletes the raw rows they came from and their rows in int_events_validated.
3. Queues the devices those rows belonged to (raw.retention_reprocess_devices, until the run that
   rebuilds them commits), so that the build rebuilds their sessions without the old events, and
   validates the de-identified rows as a new file: the incremental build ends where a full refresh
   of the same raw tables does.
4. Logs the pass in raw.retention_log: when, the cutoff, rows moved per raw table. No id, no key.

The pass needs the previous run's staging views and event models, so a new warehouse's first run keeps
every identifier until its second run. A late event for a day already past the cutoff is de-identified
by the run after the one that loads it, with that pass's key: it does not join the pseudonyms of the
events it would have shared a session with.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from .sources import EVENT_SOURCES, EventSource
from .sql import quote_identifier

log = logging.getLogger(__name__)

# Every pseudonym starts with this: dbt's macro is_deidentified() tells de-identified users by it.
PSEUDONYM_PREFIX = "deidentified:"
# The contract's text columns and the load bookkeeping, as every staging view returns them (dbt's
# event_stream_columns()).
STREAM_COLUMNS: tuple[str, ...] = (
    "event_source",
    "source_event_name",
    "event_id",
    "event_name",
    "event_timestamp",
    "anonymous_id",
    "user_id",
    "session_id",
    "page_url",
    "page_path",
    "page_referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "device_category",
    "country",
    "user_agent",
    "ip_address",
    "email",
    "consent_analytics",
    "properties",
    "loaded_at",
    "_source_file",
    "_file_id",
    "_source_row",
    "_ingested_at",
)
# Replaced by a day's pseudonym, and dropped.
PSEUDONYMISED_COLUMNS = ("anonymous_id", "user_id", "session_id")
DROPPED_COLUMNS = ("email", "ip_address")
_TYPES = {"_source_row": "bigint", "_ingested_at": "timestamp"}

RETENTION_DDL = f"""
create schema if not exists raw;
create table if not exists raw.deidentified_events (
    {", ".join(f"{column} {_TYPES.get(column, 'varchar')}" for column in STREAM_COLUMNS)}
);
create table if not exists raw.retention_reprocess_devices (
    device_id varchar not null,
    file_id varchar not null
);
create table if not exists raw.retention_log (
    applied_at timestamp not null,
    cutoff_date date not null,
    rows_moved varchar not null,
    events_deidentified bigint not null
);
"""

# The models kept per device (delete+insert on device_id; macros/incremental.sql): a device whose
# every event the pass moves leaves them at once.
DEVICE_KEYED_MODELS = (
    ("intermediate", "int_events_sessionized"),
    ("core", "fct_sessions"),
    ("core", "fct_micro_conversions"),
)
# The models a pass reads (built by an earlier run).
VALIDATED = ("intermediate", "int_events_validated")
SESSIONIZED = ("intermediate", "int_events_sessionized")


@dataclass
class RetentionReport:
    cutoff: date
    rows_moved: dict[str, int]
    events: int

    @property
    def total(self) -> int:
        return sum(self.rows_moved.values())


def ensure_retention_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RETENTION_DDL)


def cutoff_date(today: date, retention_days: int) -> date:
    """The first local day whose events keep their identifiers: `retention_days` days before `today`
    (so the last `retention_days` complete days and today keep them)."""
    if retention_days < 1:
        raise ValueError(f"user-level retention must be at least 1 day, not {retention_days}")
    return today - timedelta(days=retention_days)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchone()
    )


def _row_date_sql(timezone: str) -> str:
    """The local day of a validated row in no session: the earlier of its event's day and its load's
    day (a quarantined row whose time is unreadable has no event day, and one stamped in the future
    would otherwise wait for that future)."""
    loaded = f"cast(timezone('{timezone}', timezone('UTC', validated.loaded_at)) as date)"
    return f"least(coalesce(validated.event_date, {loaded}), {loaded})"


def _staged_rows_sql(source: EventSource, timezone: str) -> str:
    """Every staged event of the source's raw rows, with the raw row it came from, its validation
    status, its local date and its session's first and last local dates."""
    view = f"staging.{quote_identifier(f'stg_{source.name}__events')}"
    columns = ", ".join(f"staged.{column}" for column in STREAM_COLUMNS)
    return f"""
        select
            {columns},
            '{source.raw_table}' as raw_table,
            {source.raw_row_sql("staged._source_row")} as raw_source_row,
            validated.raw_row_key,
            validated.row_status,
            coalesce(validated.anonymous_id, 'user:' || validated.user_id) as device_id,
            coalesce(session_dates.first_date, {_row_date_sql(timezone)}) as key_date,
            coalesce(session_dates.last_date, {_row_date_sql(timezone)}) as retire_date
        from {view} as staged
        inner join intermediate.int_events_validated as validated
            on validated.raw_row_key = staged._file_id || '-' || cast(staged._source_row as varchar)
        left join retention_session_events as session_dates
            on validated.raw_row_key = session_dates.raw_row_key
    """


def apply_retention(
    con: duckdb.DuckDBPyConnection, retention_days: int, today: date, timezone: str = "UTC"
) -> RetentionReport:
    """De-identify every event whose session ended before `cutoff_date(today, retention_days)`: see
    the module's docstring. `today` is the local date of the run in the reporting time zone
    `timezone` (an IANA name, settings.reporting_timezone). Returns
    what moved; nothing changes on an error (one transaction). A warehouse whose event models were
    never built, or without the staging view of a source that has raw rows, is left alone until a
    run has built them (logged)."""
    cutoff = cutoff_date(today, retention_days)
    ensure_retention_tables(con)
    report = RetentionReport(cutoff, {}, 0)
    if not (_exists(con, *VALIDATED) and _exists(con, *SESSIONIZED)):
        log.info("User-level retention waits for the first build (no event models yet).")
        return report
    sources = []
    for source in EVENT_SOURCES.values():
        if not con.execute(f"select count(*) from raw.{quote_identifier(source.raw_table)}").fetchone()[0]:
            continue
        if not _exists(con, "staging", f"stg_{source.name}__events"):
            log.warning(
                "User-level retention skips raw.%s until a run builds its staging view.", source.raw_table
            )
            continue
        sources.append(source)
    if not sources:
        return report

    con.execute("begin transaction")
    try:
        # Each event's session's first and last local day (the event's own day when it is in none).
        con.execute(
            """
            create temp table retention_session_events as
            select
                raw_row_key,
                min(event_date) over (partition by session_key) as first_date,
                max(event_date) over (partition by session_key) as last_date
            from intermediate.int_events_sessionized
            """
        )
        con.execute(
            "create temp table retention_staged as "
            + " union all ".join(_staged_rows_sql(source, timezone) for source in sources)
        )
        # Raw rows all of whose staged events are past the cutoff.
        con.execute(
            """
            create temp table retention_moved_rows as
            select raw_table, _file_id, raw_source_row
            from retention_staged
            group by raw_table, _file_id, raw_source_row
            having bool_and(retire_date < ?)
            """,
            [cutoff],
        )
        con.execute(
            """
            create temp table retention_moved as
            select staged.*
            from retention_staged as staged
            semi join retention_moved_rows as moved
                on staged.raw_table = moved.raw_table
                and staged._file_id = moved._file_id
                and staged.raw_source_row = moved.raw_source_row
            """
        )
        report.events = con.execute("select count(*) from retention_moved").fetchone()[0]
        if report.events:
            _move(con, report)
        for name in (
            "retention_moved",
            "retention_moved_rows",
            "retention_staged",
            "retention_session_events",
        ):
            con.execute(f"drop table {name}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    if report.events:
        log.info(
            "User-level retention: de-identified %s events of sessions that ended before %s (%s).",
            f"{report.events:,}",
            cutoff,
            ", ".join(f"{table} {rows:,} rows" for table, rows in sorted(report.rows_moved.items())),
        )
    return report


def _move(con: duckdb.DuckDBPyConnection, report: RetentionReport) -> None:
    """Steps 2 to 4 of the module's docstring, inside apply_retention's transaction."""
    pass_id = secrets.token_hex(16)
    # One random key per local day, held in this temp table only while the pass runs.
    days = [row[0] for row in con.execute("select distinct key_date from retention_moved").fetchall()]
    con.execute("create temp table retention_keys (key_date date, day_key varchar)")
    con.executemany(
        "insert into retention_keys values (?, ?)", [(day, secrets.token_hex(32)) for day in days]
    )
    # A new file per original file and pass: validation takes the rows as new, and no two original
    # files' row numbers meet under one id.
    con.execute(
        f"""
        create temp table retention_files as
        select distinct
            _file_id,
            substr(sha256('{PSEUDONYM_PREFIX}{pass_id}:' || _file_id), 1, 16) as new_file_id
        from retention_moved
        """
    )

    def pseudonym(column: str) -> str:
        return (
            f"case when moved.{column} is null then null "
            f"else '{PSEUDONYM_PREFIX}' || substr(sha256(keys.day_key || ':' || moved.{column}), 1, 32) end"
        )

    values = []
    for column in STREAM_COLUMNS:
        if column in PSEUDONYMISED_COLUMNS:
            values.append(pseudonym(column))
        elif column in DROPPED_COLUMNS:
            values.append("null")
        elif column == "_file_id":
            values.append("files.new_file_id")
        else:
            values.append(f"moved.{column}")
    con.execute(
        f"""
        insert into raw.deidentified_events ({", ".join(STREAM_COLUMNS)})
        select {", ".join(values)}
        from retention_moved as moved
        inner join retention_keys as keys
            on moved.key_date = keys.key_date
        inner join retention_files as files
            on moved._file_id = files._file_id
        """
    )
    for table in sorted(
        {row[0] for row in con.execute("select distinct raw_table from retention_moved_rows").fetchall()}
    ):
        deleted = con.execute(
            f"""
            delete from raw.{quote_identifier(table)}
            where (_file_id, _source_row) in (
                select _file_id, raw_source_row from retention_moved_rows where raw_table = ?
            )
            """,
            [table],
        ).fetchone()[0]
        report.rows_moved[f"raw.{table}"] = int(deleted)
    con.execute(
        "delete from intermediate.int_events_validated "
        "where raw_row_key in (select raw_row_key from retention_moved)"
    )
    # Devices none of whose events are left leave the device-keyed models now (what rebuilding a
    # device without events does), so that no list has to name them.
    con.execute(
        """
        create temp table retention_emptied_devices as
        select distinct moved.device_id
        from retention_moved as moved
        where moved.device_id is not null
            and not exists (
                select 1 from intermediate.int_events_validated as validated
                where coalesce(validated.anonymous_id, 'user:' || validated.user_id) = moved.device_id
            )
        """
    )
    for schema, table in DEVICE_KEYED_MODELS:
        if _exists(con, schema, table):
            con.execute(
                f"delete from {schema}.{table} "
                "where device_id in (select device_id from retention_emptied_devices)"
            )
    # The devices with events left of the people whose events moved: the next build rebuilds them
    # without those events (sessions and numbering per user span the user's devices), and they stay
    # queued until that build commits one of the pass's files.
    con.execute(
        """
        insert into raw.retention_reprocess_devices
        with moved_users as (
            select distinct sessionized.user_key
            from intermediate.int_events_sessionized as sessionized
            inner join retention_moved as moved
                on sessionized.raw_row_key = moved.raw_row_key
        ),

        involved as (
            select moved.device_id from retention_moved as moved
            union
            select sessionized.device_id
            from intermediate.int_events_sessionized as sessionized
            inner join moved_users
                on sessionized.user_key = moved_users.user_key
        )

        select distinct
            involved.device_id,
            (select min(new_file_id) from retention_files) as file_id
        from involved
        where involved.device_id is not null
            and not exists (
                select 1 from retention_emptied_devices as emptied
                where emptied.device_id = involved.device_id
            )
        """
    )
    for name in ("retention_keys", "retention_files", "retention_emptied_devices"):
        con.execute(f"drop table {name}")
    con.execute(
        "insert into raw.retention_log values (?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            report.cutoff,
            json.dumps(report.rows_moved, sort_keys=True),
            report.events,
        ],
    )


def prune_reprocess_queue(con: duckdb.DuckDBPyConnection) -> int:
    """Drop the queued devices whose run has committed (their file is in int_files_processed); the
    number dropped."""
    ensure_retention_tables(con)
    if not _exists(con, "intermediate", "int_files_processed"):
        return 0
    return con.execute(
        """
        delete from raw.retention_reprocess_devices
        where file_id in (select file_id from intermediate.int_files_processed)
        """
    ).fetchone()[0]
