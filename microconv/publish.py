"""Publish the BI-facing tables after a successful run, without ever blocking or confusing a reader.

DuckDB allows one writer or many readers per file, never both, so BI tools never open the warehouse
being built. After each successful run the `core` and `marts` schemas (and the `config` seeds) are
copied into a new file next to the published one, which then replaces it with an atomic rename:
a reader holding the old file keeps reading it; new connections see the new one; nobody sees half of
a run. The copy is written in DuckDB's v1.0.0 storage format, so BI drivers with any DuckDB >= 1.0
can read it. Each table is also written as one Parquet file, replaced the same way, and each audience
of marts.audience_members as CSV and Parquet files of its current members (`audiences/<audience>.*`,
docs/audiences.md), for ad platforms' customer lists and CRM tools.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .settings import Settings, get_settings
from .sql import quote_identifier, quote_literal
from .warehouse import with_lock_retry

PUBLISHED_SCHEMAS = ("core", "marts", "config")
PUBLISHED_FILE = "microconv.duckdb"
STORAGE_VERSION = "v1.0.0"


@dataclass
class PublishReport:
    database: Path
    parquet_dir: Path
    tables: dict[str, int] = field(default_factory=dict)
    audiences: dict[str, int] = field(default_factory=dict)


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, table) of the base tables to publish, views excluded."""
    return con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_type = 'BASE TABLE' and table_schema in (?, ?, ?)
        order by table_schema, table_name
        """,
        [catalog, *PUBLISHED_SCHEMAS],
    ).fetchall()


def publish(settings: Settings | None = None) -> PublishReport:
    """Copy the BI-facing schemas into a fresh file and atomically replace the published copy."""
    settings = settings or get_settings()
    publish_dir = settings.publish_dir
    parquet_dir = publish_dir / "parquet"
    publish_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    staging_file = publish_dir / f".{PUBLISHED_FILE}.{token}.tmp"
    report = PublishReport(database=publish_dir / PUBLISHED_FILE, parquet_dir=parquet_dir)
    try:
        with duckdb.connect() as con:
            # On Spark, the local mirror of the BI-facing tables written after the build.
            attach = f"attach {quote_literal(str(settings.reader_path))} as warehouse (read_only)"
            with_lock_retry(lambda: con.execute(attach), settings.reader_path)
            published_path = quote_literal(str(staging_file))
            con.execute(f"attach {published_path} as published (storage_version '{STORAGE_VERSION}')")
            for schema, table in published_tables(con, "warehouse"):
                name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
                con.execute(f"create schema if not exists published.{quote_identifier(schema)}")
                con.execute(f"create table published.{name} as select * from warehouse.{name}")
                report.tables[f"{schema}.{table}"] = con.execute(
                    f"select count(*) from published.{name}"
                ).fetchone()[0]
                target = parquet_dir / schema / f"{table}.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                staging_parquet = target.with_name(f".{table}.{token}.parquet.tmp")
                con.execute(
                    f"copy published.{name} to {quote_literal(str(staging_parquet))} (format parquet)"
                )
                os.replace(staging_parquet, target)
            report.audiences = export_audiences(con, publish_dir / "audiences", token)
            con.execute("detach published")
        os.replace(staging_file, report.database)
    finally:
        staging_file.unlink(missing_ok=True)
    manifest = {
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "storage_version": STORAGE_VERSION,
        "duckdb_version": duckdb.__version__,
        "tables": report.tables,
        "audiences": report.audiences,
    }
    staging_manifest = publish_dir / f".manifest.{token}.json.tmp"
    staging_manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(staging_manifest, publish_dir / "manifest.json")
    return report


def metricflow_copy(settings: Settings) -> Path:
    """A private copy of the published marts for MetricFlow, refreshed when a newer copy was published.

    `mf` opens its DuckDB file for writing: on the warehouse it would block (or be blocked by) a
    scheduled run, and on the published copy it would block BI readers. Named microconv.duckdb like the
    warehouse, so that the database name in dbt's manifest matches.
    """
    published = settings.publish_dir / PUBLISHED_FILE
    copy = settings.metricflow_dir / "microconv.duckdb"
    if not copy.exists() or copy.stat().st_mtime < published.stat().st_mtime:
        copy.parent.mkdir(parents=True, exist_ok=True)
        staging = copy.with_name(f".{copy.name}.{os.getpid()}.tmp")
        shutil.copyfile(published, staging)
        os.replace(staging, copy)
    return copy


# The columns of an audience export: who (user_key; user_id when the user logged in) and since when,
# and the e-mail hash for ad platforms' customer lists when audience_contacts holds it.
def audience_export_sql(with_contacts: bool) -> str:
    contact_column = ",\n    contacts.email_sha256" if with_contacts else ""
    contact_join = (
        "\nleft join published.marts.audience_contacts as contacts"
        "\n    on members.user_key = contacts.user_key"
        if with_contacts
        else ""
    )
    return f"""
select
    members.user_key,
    users.user_id,
    members.entered_at{contact_column}
from published.marts.audience_members as members
left join published.core.dim_users as users
    on members.user_key = users.user_key{contact_join}
where members.audience = ? and members.is_current
order by members.entered_at, members.user_key
"""


def export_audiences(con: duckdb.DuckDBPyConnection, audiences_dir: Path, token: str) -> dict[str, int]:
    """Write each audience's current members (audience_definitions, one row per user) to
    `<audiences_dir>/<audience>.csv` and `.parquet`, each replaced atomically, with the members' e-mail
    SHA-256 when marts.audience_contacts has rows; {audience: members}. An
    audience without members gets files with the header only. Nothing when the published copy has no
    audience_members (a warehouse built before audiences existed)."""
    present = {
        (schema, table)
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = 'published'"
        ).fetchall()
    }
    if (
        not {("marts", "audience_members"), ("config", "audience_definitions"), ("core", "dim_users")}
        <= present
    ):
        return {}
    # The hash column only when the var audience_export_email_sha256 filled audience_contacts.
    with_contacts = ("marts", "audience_contacts") in present and bool(
        con.execute("select count(*) from published.marts.audience_contacts").fetchone()[0]
    )
    audiences_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    names = [
        row[0] for row in con.execute("select audience from published.config.audience_definitions").fetchall()
    ]
    for audience in sorted(names):
        stem = re.sub(r"[^A-Za-z0-9_-]", "_", audience)
        query = audience_export_sql(with_contacts).replace("?", quote_literal(audience))
        counts[audience] = con.execute(f"select count(*) from ({query}) as members").fetchone()[0]
        for suffix, options in (("csv", "format csv, header true"), ("parquet", "format parquet")):
            target = audiences_dir / f"{stem}.{suffix}"
            staging = target.with_name(f".{stem}.{token}.{suffix}.tmp")
            con.execute(f"copy ({query}) to {quote_literal(str(staging))} ({options})")
            os.replace(staging, target)
    return counts
