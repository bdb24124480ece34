"""User-level retention: the people who have not been seen for MICROCONV_USER_LEVEL_RETENTION_DAYS
lose their identifiers, and their events keep every count they contribute to (docs/privacy.md,
"Retention").

GA4's data retention does the same split: user- and event-level data expire after 2 or 14 months while
the aggregated reports keep the counts, and with "reset user data on new activity" (on by default) the
period runs from the user's last activity (https://support.google.com/analytics/answer/7667196).
Microconv counts it the same way, per person: identity stitching's connected devices and users
(int_users_stitched), in every source. A person whose latest activity (the last day of any of their
sessions, or of any other row of theirs, in the reporting time zone) is before the cutoff day, today -
retention days, is de-identified as a whole:

- event_id, anonymous_id, user_id and the tracker's session_id become "deidentified:" + the first 32
  hex digits of SHA-256(the pass's key + ":" + id). The key is random, made for the pass and never
  stored: nobody (Microconv included) can map a pseudonym back to its id, or to the person's later
  return (they come back as someone new, as in GA4). All of one person's rows take the same key, so
  their history stays one pseudonymous person: sessions, stitching, funnels, paths, cohorts and every
  daily count are what they were.
- e-mail and IP address become null, and the keys of `properties` that repeat ids (PROPERTY_ID_KEYS:
  Mixpanel's distinct_id and $device_id, PostHog's $anon_distinct_id, Segment's anonymous_id, …) are
  dropped. The user agent is kept: bot filtering needs it on a full refresh, and it names a browser
  build, not a person.

What a pass does, in one transaction (under the run lock, at the start of a run, after the load):
1. Reads every staged event of every source through its staging view (vendor ids sit inside records)
   with its validated row, session and person. A row no build has validated yet is today's activity.
   A raw row moves only when every event staged from it does (a Yandex Metrica visit holds several).
2. Writes those events, as their staging view read them, de-identified, into raw.deidentified_events (the
   contract's text columns; int_events_unioned reads it as one more source) under a new file id per
   original file, and deletes the raw rows they came from, the raw rows that stage no event but name
   the same people (EventSource.raw_identities_sql: Yandex Metrica visits, Heap's users, sessions and
   user_migrations), and their rows in int_events_validated.
3. Removes their devices from the device-keyed models (a person moves whole, so none of their devices
   keeps an event: what rebuilding a device without events does); the build validates the
   de-identified rows as a new file and reprocesses their new devices. The incremental build ends where
   a full refresh of the same raw tables does.
4. Logs the pass in raw.retention_log: when, the cutoff, rows moved per raw table. No id, no key.

The pass needs the previous run's staging views and event models, so a new warehouse's first run keeps
every identifier until its second run.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from .erasure import ids_named_with, table_exists
from .sources import CONTRACT_COLUMNS, EVENT_SOURCES, EventSource
from .sql import quote_identifier, quote_literal

log = logging.getLogger(__name__)

# Every pseudonym starts with this: dbt's macro is_deidentified() tells de-identified users by it.
PSEUDONYM_PREFIX = "deidentified:"
# The contract's text columns and the load bookkeeping, as every staging view returns them (dbt's
# event_stream_columns()).
STREAM_COLUMNS: tuple[str, ...] = (
    "event_source",
    "source_event_name",
    *CONTRACT_COLUMNS,
    "_source_file",
    "_file_id",
    "_source_row",
    "_ingested_at",
)
# Replaced by a day's pseudonym, and dropped.
PSEUDONYMISED_COLUMNS = ("event_id", "anonymous_id", "user_id", "session_id")
# Keys of `properties` that repeat a person's ids (vendors keep their whole property bag): dropped.
PROPERTY_ID_KEYS = (
    "distinct_id",
    "$distinct_id",
    "$device_id",
    "$user_id",
    "$distinct_id_before_identity",
    "$anon_distinct_id",
    "$insert_id",
    "$session_id",
    "$email",
    "$ip",
    "alias",
    "id",
    "event_id",
    "anonymous_id",
    "anonymousId",
    "user_id",
    "userId",
    "device_id",
    "session_id",
    "ga_session_id",
    "user_pseudo_id",
    "client_id",
    "domain_userid",
    "network_userid",
    "domain_sessionid",
    "email",
    "ip",
)
DROPPED_COLUMNS = ("email", "ip_address")
_TYPES = {"_source_row": "bigint", "_ingested_at": "timestamp"}

RETENTION_DDL = f"""
create schema if not exists raw;
create table if not exists raw.deidentified_events (
    {", ".join(f"{column} {_TYPES.get(column, 'varchar')}" for column in STREAM_COLUMNS)}
);
create table if not exists raw.retention_log (
    applied_at timestamp not null,
    cutoff_date date not null,
    rows_moved varchar not null,
    events_deidentified bigint not null
);
"""

# The models kept per device (delete+insert on device_id; macros/incremental.sql): the devices of the
# people a pass de-identifies leave them at once.
DEVICE_KEYED_MODELS = (
    ("intermediate", "int_events_sessionized"),
    ("core", "fct_sessions"),
    ("core", "fct_micro_conversions"),
)
# The models a pass reads (built by an earlier run).
VALIDATED = ("intermediate", "int_events_validated")
SESSIONIZED = ("intermediate", "int_events_sessionized")
STITCHED = ("intermediate", "int_users_stitched")


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


def _row_date_sql(timezone: str) -> str:
    """The local day of a validated row in no session: the earlier of its event's day and its load's
    day (a quarantined row whose time is unreadable has no event day, and one stamped in the future
    would otherwise wait for that future)."""
    loaded = f"cast(timezone({quote_literal(timezone)}, timezone('UTC', validated.loaded_at)) as date)"
    return f"least(coalesce(validated.event_date, {loaded}), {loaded})"


def _staged_rows_sql(source: EventSource, timezone: str, today: date) -> str:
    """Every staged event of the source's raw rows, with the raw row it came from, its validation
    status and device, and the local day of its activity: its session's last day, else its own; a
    row no build has validated yet (loaded by this run) is today's activity."""
    view = f"staging.{quote_identifier(f'stg_{source.name}__events')}"
    columns = ", ".join(f"staged.{column}" for column in STREAM_COLUMNS)
    return f"""
        select
            {columns},
            '{source.raw_table}' as raw_table,
            {source.raw_row_sql("staged._source_row")} as raw_source_row,
            validated.raw_row_key,
            validated.row_status,
            case
                when validated.raw_row_key is null
                    then coalesce(
                        nullif(trim(staged.anonymous_id), ''), 'user:' || nullif(trim(staged.user_id), '')
                    )
                else coalesce(validated.anonymous_id, 'user:' || validated.user_id)
            end as device_id,
            case
                when validated.raw_row_key is null then cast('{today.isoformat()}' as date)
                else coalesce(session_dates.last_date, {_row_date_sql(timezone)})
            end as activity_date
        from {view} as staged
        left join intermediate.int_events_validated as validated
            on validated.raw_row_key = staged._file_id || '-' || cast(staged._source_row as varchar)
        left join retention_session_events as session_dates
            on validated.raw_row_key = session_dates.raw_row_key
    """


def _load_persons(con: duckdb.DuckDBPyConnection) -> None:
    """temp table retention_persons (device_id, person): the people identity stitching made, each the
    set of devices connected through the users they were stitched to (int_users_stitched: a shared
    device links its users, a user links their devices), named by one of its devices."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    pairs = con.execute(
        """
        select distinct device_id, user_key
        from intermediate.int_users_stitched
        where device_id is not null and user_key is not null
        """
    ).fetchall()
    for device_id, user_key in pairs:
        device_root, user_root = find("device:" + device_id), find("user:" + user_key)
        if device_root != user_root:
            parent[max(device_root, user_root)] = min(device_root, user_root)
    devices = sorted(node for node in parent if node.startswith("device:"))
    con.execute("create temp table retention_persons (device_id varchar, person varchar)")
    con.execute(
        "insert into retention_persons select unnest(?::varchar[]), unnest(?::varchar[])",
        [[node[len("device:") :] for node in devices], [find(node) for node in devices]],
    )


def apply_retention(
    con: duckdb.DuckDBPyConnection, retention_days: int, today: date, timezone: str = "UTC"
) -> RetentionReport:
    """De-identify the people with no activity on or after `cutoff_date(today, retention_days)`: see
    the module's docstring. `today` is the local date of the run in the reporting time zone
    `timezone` (an IANA name, settings.reporting_timezone). Returns
    what moved; nothing changes on an error (one transaction). A warehouse whose event models were
    never built, or without the staging view of a source that has raw rows, is left alone until a
    run has built them (logged)."""
    cutoff = cutoff_date(today, retention_days)
    ensure_retention_tables(con)
    report = RetentionReport(cutoff, {}, 0)
    if not all(table_exists(con, *model) for model in (VALIDATED, SESSIONIZED, STITCHED)):
        log.info("User-level retention waits for the first build (no event models yet).")
        return report
    sources = []
    for source in EVENT_SOURCES.values():
        if not con.execute(f"select count(*) from raw.{quote_identifier(source.raw_table)}").fetchone()[0]:
            continue
        if not table_exists(con, "staging", f"stg_{source.name}__events"):
            log.warning(
                "User-level retention skips raw.%s until a run builds its staging view.", source.raw_table
            )
            continue
        sources.append(source)
    if not sources:
        return report

    con.execute("begin transaction")
    try:
        # Each event's session's last local day.
        con.execute(
            """
            create temp table retention_session_events as
            select
                raw_row_key,
                max(event_date) over (partition by session_key) as last_date
            from intermediate.int_events_sessionized
            """
        )
        _load_persons(con)
        con.execute(
            "create temp table retention_staged as "
            "select staged.*, coalesce(persons.person, 'device:' || staged.device_id, "
            "'row:' || staged.raw_table || ':' || staged._file_id || ':' || staged.raw_source_row) as person "
            "from ("
            + " union all ".join(_staged_rows_sql(source, timezone, today) for source in sources)
            + ") as staged left join retention_persons as persons on staged.device_id = persons.device_id"
        )
        # People none of whose activity (any event of any of their devices, in any source) is on or
        # after the cutoff day.
        con.execute(
            """
            create temp table retention_inactive as
            select person from retention_staged group by person having max(activity_date) < ?
            """,
            [cutoff],
        )
        # The raw rows all of whose staged events are theirs; a person with an event in another raw
        # row (one that also stages someone else's) stays whole, to a fixed point: no one moves in part.
        while True:
            con.execute(
                """
                create or replace temp table retention_moved_rows as
                select raw_table, _file_id, raw_source_row
                from retention_staged
                left join retention_inactive
                    on retention_staged.person = retention_inactive.person
                group by raw_table, _file_id, raw_source_row
                having bool_and(
                    retention_inactive.person is not null and retention_staged.raw_row_key is not null
                )
                """
            )
            split = con.execute(
                """
                delete from retention_inactive
                where person in (
                    select staged.person
                    from retention_staged as staged
                    anti join retention_moved_rows as moved
                        on staged.raw_table = moved.raw_table
                        and staged._file_id = moved._file_id
                        and staged.raw_source_row = moved.raw_source_row
                )
                """
            ).fetchone()[0]
            if not split:
                break
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
            "retention_persons",
            "retention_inactive",
        ):
            con.execute(f"drop table {name}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    if report.events:
        log.info(
            "User-level retention: de-identified %s events of people not seen since before %s (%s).",
            f"{report.events:,}",
            cutoff,
            ", ".join(f"{table} {rows:,} rows" for table, rows in sorted(report.rows_moved.items())),
        )
    return report


def _move(con: duckdb.DuckDBPyConnection, report: RetentionReport) -> None:
    """Steps 2 to 4 of the module's docstring, inside apply_retention's transaction."""
    pass_id = secrets.token_hex(16)
    # The pass's random key: in this process only, never written anywhere.
    key = secrets.token_hex(32)
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
            f"else '{PSEUDONYM_PREFIX}' || substr(sha256('{key}:' || moved.{column}), 1, 32) end"
        )

    # The id keys the vendors' property bags repeat (Mixpanel, PostHog, Segment, GA4, Snowplow).
    strip = "{" + ", ".join(f'"{name}": null' for name in PROPERTY_ID_KEYS) + "}"
    properties = (
        "case when json_valid(moved.properties) and json_type(moved.properties) = 'OBJECT' "
        f"then cast(json_merge_patch(moved.properties, '{strip}') as varchar) else moved.properties end"
    )
    values = []
    for column in STREAM_COLUMNS:
        if column in PSEUDONYMISED_COLUMNS:
            values.append(pseudonym(column))
        elif column == "properties":
            values.append(properties)
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
    # Their devices leave the device-keyed models now (what rebuilding a device without events does).
    for schema, table in DEVICE_KEYED_MODELS:
        if table_exists(con, schema, table):
            con.execute(
                f"delete from {schema}.{table} "
                "where device_id in (select device_id from retention_moved where device_id is not null)"
            )
    _delete_rows_without_events(con, report)
    con.execute("drop table retention_files")
    con.execute(
        "insert into raw.retention_log values (?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            report.cutoff,
            json.dumps(report.rows_moved, sort_keys=True),
            report.events,
        ],
    )


def _delete_rows_without_events(con: duckdb.DuckDBPyConnection, report: RetentionReport) -> None:
    """Raw rows that stage no event but name the moved people (EventSource.raw_identities_sql: Yandex
    Metrica visits whose goals the hits already carry, Heap's users, sessions and user_migrations
    tables) go too, to a fixed point (a Heap migration names the user it merged away). A person with
    rows no build has read yet is active, so none of theirs is taken."""
    moved_ids = {
        row[0] for row in con.execute("select distinct anonymous_id from retention_moved").fetchall()
    }
    moved_ids.discard(None)
    for source in EVENT_SOURCES.values():
        # Rows that stage no event: a row that stages one moved with its person, or stays with theirs.
        condition = f"""not exists (
            select 1 from retention_staged as staged
            where staged.raw_table = '{source.raw_table}'
                and staged._file_id = raw_rows._file_id
                and staged.raw_source_row = raw_rows._source_row
        )"""
        ids = ids_named_with(con, source, moved_ids, condition)
        if not ids:
            continue
        deleted = con.execute(
            f"delete from raw.{quote_identifier(source.raw_table)} as raw_rows "
            f"where list_has_any({source.raw_identities_sql}, ?::varchar[]) and {condition}",
            [sorted(ids)],
        ).fetchone()[0]
        if deleted:
            key = f"raw.{source.raw_table}"
            report.rows_moved[key] = report.rows_moved.get(key, 0) + int(deleted)
