"""Right to erasure: `microconv forget` removes one person from the warehouse and the published copy,
and keeps them out of every later run.

A person is what identity stitching made of them (docs/privacy.md): the ids given (user ids and
anonymous ids), every other id stitched to them (int_users_stitched: the devices a user logged in on,
the user a device belongs to), their user keys, device ids, sessions and salted e-mail hashes. PostHog
deletes a person with all of their distinct ids and events the same way
(https://posthog.com/docs/privacy/data-deletion); GA4's User Deletion API takes a client id or a user
id (https://developers.google.com/analytics/devguides/config/userdeletion/v3).

What `forget` does, under the run lock (no build runs meanwhile):
1. Resolves the person's ids in the warehouse, and the raw rows their staged events came from (each
   source's staging view maps its raw rows onto anonymous_id / user_id, so vendor records, whose ids
   sit inside JSON, are found by what staging reads, not by text search).
2. In one transaction: deletes every row of every raw, intermediate, core and marts table whose
   person-level columns (PERSON_COLUMNS) hold one of those ids, and the raw rows found in step 1;
   adds a keyed hash of every id to raw.erased_identities (the suppression list) and one row to
   raw.erasure_audit (the hashes, when, rows removed per table). Aggregate tables (daily counts,
   rates) have no person-level columns and keep the person's anonymous contribution until those days
   are rebuilt.
3. Publishes again (the DuckDB copy, the Parquet files and the audience files are replaced whole),
   redraws the HTML report from it, and removes MetricFlow's private copy, which the next
   `microconv metrics` refreshes.

The suppression list holds sha256("microconv-erasure:" + salt + ":" + id), never the id, and
int_events_unioned drops every staged row whose anonymous or user id hashes to one of them: a later
run, a full refresh, or the same landing files loaded into a new warehouse never bring the person back.
The salt is MICROCONV_PII_SALT, as for the e-mail hashes: keep it stable, or the list stops matching.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .settings import pii_salt
from .sources import EVENT_SOURCES, EventSource
from .sql import quote_identifier

ERASURE_HASH_PREFIX = "microconv-erasure:"
# The schemas that hold rows about people; config (seeds) does not.
ERASED_SCHEMAS = ("raw", "intermediate", "core", "marts")
# The erasure's own tables: the suppression list and the audit trail hold hashes only.
ERASURE_TABLES = ("erased_identities", "erasure_audit")

ERASURE_DDL = """
create schema if not exists raw;
create table if not exists raw.erased_identities (
    identity_hash varchar not null,
    erased_at timestamp not null
);
create table if not exists raw.erasure_audit (
    erased_at timestamp not null,
    identity_hashes varchar not null,
    rows_removed varchar not null,
    rows_removed_total bigint not null
);
"""

# Person-level columns and the kind of id each holds. A row whose column holds one of the person's
# ids of that kind is the person's row.
PERSON_COLUMNS: dict[str, str] = {
    "anonymous_id": "anonymous_id",
    "user_id": "user_id",
    "stitched_user_id": "user_id",
    "device_id": "device_id",
    "user_key": "user_key",
    "session_id": "session_id",
    "email_hash": "email_hash",
    "email_sha256": "email_sha256",
}


ID_KINDS = frozenset(PERSON_COLUMNS.values())
# Ids found from the person's other ids: kind -> (schema, table, the columns that find them).
DERIVED_IDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "session_id": ("intermediate", "int_events_sessionized", ("device_id", "user_key")),
    "email_hash": ("intermediate", "int_events_validated", ("anonymous_id", "user_id")),
    "email_sha256": ("marts", "audience_contacts", ("user_key",)),
}
# Membership in a list parameter.
IN_LIST = "in (select unnest(?::varchar[]))"


class ErasureError(RuntimeError):
    """The erasure cannot be done safely (nothing was changed)."""


def erasure_hash(identifier: str, salt: str | None = None) -> str:
    """The suppression list's keyed hash of one id (hex SHA-256), as dbt computes it (erasure_hash())."""
    text = f"{ERASURE_HASH_PREFIX}{pii_salt() if salt is None else salt}:{identifier}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Person:
    """The ids of one person (or several, when forgotten together), by kind."""

    ids: dict[str, set[str]] = field(
        default_factory=lambda: {kind: set() for kind in set(PERSON_COLUMNS.values())}
    )

    def add(self, kind: str, values: Iterable[str | None]) -> bool:
        """Add ids of a kind; True when any was new."""
        new = {value for value in values if value not in (None, "")} - self.ids[kind]
        self.ids[kind] |= new
        return bool(new)

    @property
    def suppressed_ids(self) -> set[str]:
        """The ids staging reads (anonymous and user ids): what the suppression list holds."""
        return self.ids["anonymous_id"] | self.ids["user_id"]


@dataclass
class ErasureReport:
    identity_hashes: list[str]
    rows_removed: dict[str, int]
    erased_at: datetime

    @property
    def total(self) -> int:
        return sum(self.rows_removed.values())


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()
    )


def _values(con: duckdb.DuckDBPyConnection, sql: str, parameters: list) -> list[tuple]:
    return con.execute(sql, parameters).fetchall()


def resolve_person(
    con: duckdb.DuckDBPyConnection, user_ids: Iterable[str], anonymous_ids: Iterable[str]
) -> Person:
    """The given ids and every id identity stitching tied to them, to a fixed point; with the
    person's sessions and e-mail hashes. Works on a warehouse never built (only the given ids)."""
    person = Person()
    person.add("user_id", user_ids)
    person.add("anonymous_id", anonymous_ids)
    if table_exists(con, "intermediate", "int_users_stitched"):
        changed = True
        while changed:
            rows = _values(
                con,
                f"""
                select distinct anonymous_id, user_id, stitched_user_id, device_id, user_key
                from intermediate.int_users_stitched
                where anonymous_id {IN_LIST}
                    or user_id {IN_LIST}
                    or stitched_user_id {IN_LIST}
                    or user_key {IN_LIST}
                """,
                [
                    sorted(person.ids["anonymous_id"]),
                    sorted(person.ids["user_id"]),
                    sorted(person.ids["user_id"]),
                    sorted(person.ids["user_key"]),
                ],
            )
            changed = False
            for anonymous_id, user_id, stitched_user_id, device_id, user_key in rows:
                changed |= person.add("anonymous_id", [anonymous_id])
                changed |= person.add("user_id", [user_id, stitched_user_id])
                changed |= person.add("device_id", [device_id])
                changed |= person.add("user_key", [user_key])
    # Devices of events without an anonymous id are named after their user (int_users_stitched).
    person.add(
        "device_id", person.ids["anonymous_id"] | {f"user:{user_id}" for user_id in person.ids["user_id"]}
    )
    for kind, (schema, table, key_columns) in DERIVED_IDS.items():
        if not table_exists(con, schema, table):
            continue
        condition = " or ".join(f"{column} {IN_LIST}" for column in key_columns)
        parameters = [sorted(person.ids[PERSON_COLUMNS[column]]) for column in key_columns]
        rows = _values(con, f"select distinct {kind} from {schema}.{table} where {condition}", parameters)
        person.add(kind, (row[0] for row in rows))
    return person


def _raw_rows_of(con: duckdb.DuckDBPyConnection, person: Person) -> dict[str, list[tuple[str, int]]]:
    """(file id, row) of the vendor raw rows whose staged event belongs to the person, per raw table:
    read through each vendor's staging view (its ids sit inside JSON records)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for source in EVENT_SOURCES.values():
        # The contract's raw rows carry the ids in their own columns (PERSON_COLUMNS).
        if source.is_contract or not table_exists(con, "raw", source.raw_table):
            continue
        loaded = con.execute(f"select count(*) from raw.{quote_identifier(source.raw_table)}").fetchone()[0]
        if not loaded:
            continue
        view = f"stg_{source.name}__events"
        if not table_exists(con, "staging", view):
            raise ErasureError(
                f"raw.{source.raw_table} holds {loaded:,} rows but its staging view staging.{view} does "
                "not exist yet, so the person's rows in it cannot be found: run `microconv run` once, "
                "then forget."
            )
        found[source.raw_table] = _values(
            con,
            f"select distinct _file_id, {source.raw_row_sql('_source_row')} "
            f"from staging.{quote_identifier(view)} "
            f"where anonymous_id {IN_LIST} or user_id {IN_LIST}",
            [sorted(person.ids["anonymous_id"]), sorted(person.ids["user_id"])],
        )
        found[source.raw_table] += _rows_naming(con, source, person.ids["anonymous_id"])
    return found


def ids_named_with(
    con: duckdb.DuckDBPyConnection, source: EventSource, anonymous_ids: set[str], condition: str = "true"
) -> set[str]:
    """These anonymous ids and every other id named beside one of them in a raw row of `source` (its
    own fields, EventSource.raw_identities_sql; rows matching `condition`, SQL over the raw table
    `raw_rows`), to a fixed point: a Heap migration names the user it merged away, whose rows are the
    person's too. Empty for a source whose raw rows all stage events."""
    if source.raw_identities_sql is None or not anonymous_ids:
        return set()
    table = f"raw.{quote_identifier(source.raw_table)}"
    ids = set(anonymous_ids)
    while True:
        rows = _values(
            con,
            f"select {source.raw_identities_sql} from {table} as raw_rows "
            f"where list_has_any({source.raw_identities_sql}, ?::varchar[]) and ({condition})",
            [sorted(ids)],
        )
        more = {value for (values,) in rows for value in values or [] if value} - ids
        if not more:
            return ids
        ids |= more


def _rows_naming(
    con: duckdb.DuckDBPyConnection, source: EventSource, anonymous_ids: set[str]
) -> list[tuple[str, int]]:
    """(file id, row) of the raw rows that name the person in the source's own fields, whether or not
    they stage an event: Yandex Metrica visits whose goals the hits already carry, Heap's users,
    sessions and user_migrations tables."""
    ids = ids_named_with(con, source, anonymous_ids)
    if not ids:
        return []
    return _values(
        con,
        f"select _file_id, _source_row from raw.{quote_identifier(source.raw_table)} "
        f"where list_has_any({source.raw_identities_sql}, ?::varchar[])",
        [sorted(ids)],
    )


def _person_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, list[str]]]:
    """(schema, table, person-level columns) of every base table of the erased schemas."""
    rows = con.execute(
        f"""
        select
            columns.table_schema,
            columns.table_name,
            list(columns.column_name order by columns.ordinal_position) as names
        from information_schema.columns as columns
        inner join information_schema.tables as tables
            on columns.table_schema = tables.table_schema and columns.table_name = tables.table_name
        where tables.table_type = 'BASE TABLE' and columns.table_schema {IN_LIST}
        group by 1, 2
        order by 1, 2
        """,
        [list(ERASED_SCHEMAS)],
    ).fetchall()
    return [
        (schema, table, [column for column in columns if column in PERSON_COLUMNS])
        for schema, table, columns in rows
        if not (schema == "raw" and table in ERASURE_TABLES)
    ]


def ensure_erasure_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(ERASURE_DDL)


def erase(con: duckdb.DuckDBPyConnection, person: Person, salt: str | None = None) -> ErasureReport:
    """Delete the person's rows from every table and record the suppression and audit rows, in one
    transaction (nothing changes on an error)."""
    if not person.suppressed_ids:
        raise ErasureError("no user id or anonymous id to forget")
    ensure_erasure_tables(con)
    raw_rows = _raw_rows_of(con, person)
    erased_at = datetime.now(UTC).replace(tzinfo=None)
    hashes = sorted({erasure_hash(identifier, salt) for identifier in person.suppressed_ids})
    removed: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        con.execute("create temp table erased_ids (kind varchar, value varchar)")
        con.executemany(
            "insert into erased_ids values (?, ?)",
            [(kind, value) for kind, values in person.ids.items() for value in sorted(values)],
        )
        con.execute(
            "create temp table erased_raw_rows (raw_table varchar, file_id varchar, source_row bigint)"
        )
        located = [(table, file_id, row) for table, rows in raw_rows.items() for file_id, row in rows]
        if located:
            con.executemany("insert into erased_raw_rows values (?, ?, ?)", located)
        for schema, table, columns in _person_tables(con):
            conditions = [
                f"{quote_identifier(column)} in "
                f"(select value from erased_ids where kind = '{PERSON_COLUMNS[column]}')"
                for column in columns
            ]
            if table in raw_rows and schema == "raw":
                conditions.append(
                    "(_file_id, _source_row) in (select file_id, source_row from erased_raw_rows "
                    f"where raw_table = '{table}')"
                )
            if not conditions:
                continue
            name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            deleted = con.execute(f"delete from {name} where {' or '.join(conditions)}").fetchone()[0]
            if deleted:
                removed[f"{schema}.{table}"] = int(deleted)
        con.executemany(
            "insert into raw.erased_identities select ?, ? "
            "where ? not in (select identity_hash from raw.erased_identities)",
            [(value, erased_at, value) for value in hashes],
        )
        con.execute(
            "insert into raw.erasure_audit values (?, ?, ?, ?)",
            [erased_at, json.dumps(hashes), json.dumps(removed, sort_keys=True), sum(removed.values())],
        )
        con.execute("drop table erased_ids")
        con.execute("drop table erased_raw_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return ErasureReport(hashes, removed, erased_at)


def purge_suppressed(con: duckdb.DuckDBPyConnection, salt: str | None = None) -> dict[str, int]:
    """Delete from the raw tables the rows of forgotten people that arrived since (new landing files
    with their ids), and record them in raw.erasure_audit; rows removed per raw table. The contract's
    rows are matched on their id columns; a vendor's through its staging view (when a run has created
    it; until then int_events_unioned still keeps the rows out of every model)."""
    ensure_erasure_tables(con)
    if not con.execute("select count(*) from raw.erased_identities").fetchone()[0]:
        return {}
    prefix = f"{ERASURE_HASH_PREFIX}{pii_salt() if salt is None else salt}:"

    def suppressed(column: str) -> str:
        return f"sha256($prefix || {column}) in (select identity_hash from raw.erased_identities)"

    removed: dict[str, int] = {}
    for source in EVENT_SOURCES.values():
        if not table_exists(con, "raw", source.raw_table):
            continue
        table = f"raw.{quote_identifier(source.raw_table)}"
        if source.is_contract:
            condition = f"{suppressed('anonymous_id')} or {suppressed('user_id')}"
        elif table_exists(con, "staging", f"stg_{source.name}__events"):
            condition = (
                f"(_file_id, _source_row) in (select _file_id, {source.raw_row_sql('_source_row')} "
                f"from staging.{quote_identifier(f'stg_{source.name}__events')} "
                f"where {suppressed('anonymous_id')} or {suppressed('user_id')})"
            )
        else:
            continue
        if source.raw_identities_sql is not None:
            # Rows that stage no event but name a forgotten id (a Heap users row, a Yandex Metrica visit).
            condition += (
                f" or list_has_any(list_transform({source.raw_identities_sql}, "
                "lambda x: sha256($prefix || x)), (select list(identity_hash) from raw.erased_identities))"
            )
        deleted = con.execute(f"delete from {table} where {condition}", {"prefix": prefix}).fetchone()[0]
        if deleted:
            removed[f"raw.{source.raw_table}"] = int(deleted)
    if removed:
        con.execute(
            "insert into raw.erasure_audit values (?, ?, ?, ?)",
            [
                datetime.now(UTC).replace(tzinfo=None),
                "[]",
                json.dumps(removed, sort_keys=True),
                sum(removed.values()),
            ],
        )
    return removed


def read_id_file(path: Path) -> tuple[list[str], list[str]]:
    """(user ids, anonymous ids) from a file: a CSV with a header naming user_id and/or anonymous_id
    columns, or one user id per line."""
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        return [], []
    header = [name.strip().lower() for name in lines[0].split(",")]
    if "user_id" not in header and "anonymous_id" not in header:
        return lines, []
    import csv

    user_ids: list[str] = []
    anonymous_ids: list[str] = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            row = {key.strip().lower(): (value or "").strip() for key, value in row.items() if key}
            if row.get("user_id"):
                user_ids.append(row["user_id"])
            if row.get("anonymous_id"):
                anonymous_ids.append(row["anonymous_id"])
    return user_ids, anonymous_ids


def forget(settings, user_ids: Iterable[str], anonymous_ids: Iterable[str]) -> ErasureReport:
    """Erase the people with these ids from the warehouse, publish again, drop MetricFlow's copy."""
    from .engines import for_settings
    from .publish import publish
    from .warehouse import connect, run_lock

    reader = for_settings(settings).warehouse_reader() if settings.duckdb_path.exists() else None
    if reader is None:
        raise ErasureError(
            f"no DuckDB warehouse at {settings.duckdb_path}: forget works on the DuckDB warehouse (on "
            "Spark, delete with the same ids in Spark's warehouse directory)."
        )
    reader.close()
    with run_lock(settings.duckdb_path), connect(settings.duckdb_path) as con:
        person = resolve_person(con, user_ids, anonymous_ids)
        report = erase(con, person)
    if (settings.publish_dir / "microconv.duckdb").exists():
        publish(settings)
        if (settings.publish_dir / "report.html").exists():
            from .report.page import write_report

            write_report(settings.publish_dir)
    shutil.rmtree(settings.metricflow_dir, ignore_errors=True)
    return report
