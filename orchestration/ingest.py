"""Load landing files into the DuckDB raw tables: raw.events for the event contract, and
raw.<vendor>_events (one JSON object per row, column `record`) for each vendor export.

Every contract column is stored as text, and a vendor row as its JSON text, so a bad value never fails
a load (staging types and validates). A file is identified by the SHA-256 of its content: loading it
again adds no rows. A file DuckDB cannot read at all is moved to `<landing>/_rejected/` with an
`.error.txt` beside it, recorded in raw.rejected_files, and the other files still load.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from .progress import progress_bar
from .sources import CONTRACT, EVENT_SOURCES, VENDORS, EventSource
from .sql import quote_literal

log = logging.getLogger(__name__)

CONTRACT_COLUMNS: tuple[str, ...] = (
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
    "properties",
    "loaded_at",
)

LANDING_SUFFIXES: tuple[str, ...] = (
    ".parquet",
    ".csv",
    ".csv.gz",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".ndjson.gz",
    ".json",
    ".json.gz",
)

REJECTED_DIR_NAME = "_rejected"

_LOAD_COLUMNS = """
    _source_file varchar not null,
    _file_id varchar not null,
    _source_row bigint not null,
    _ingested_at timestamp not null
"""
_VENDOR_DDL = "".join(
    f"create table if not exists raw.{vendor.raw_table} (record varchar, {_LOAD_COLUMNS});\n"
    for vendor in VENDORS
)
_RAW_DDL = f"""
create schema if not exists raw;
create table if not exists raw.events (
    {", ".join(f"{column} varchar" for column in CONTRACT_COLUMNS)},
    {_LOAD_COLUMNS}
);
{_VENDOR_DDL}
create table if not exists raw.loaded_files (
    file_id varchar primary key,
    source_file varchar not null,
    size_bytes bigint not null,
    row_count bigint not null,
    ingested_at timestamp not null
);
create table if not exists raw.rejected_files (
    file_id varchar not null,
    source_file varchar not null,
    moved_to varchar not null,
    error varchar not null,
    rejected_at timestamp not null
);
"""


@dataclass
class LoadReport:
    loaded: list[tuple[str, int]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(rows for _, rows in self.loaded)


def ensure_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_RAW_DDL)


def landing_format(path: Path) -> str | None:
    """'parquet', 'csv' or 'json' for a landing file name; None for anything else."""
    name = path.name.lower()
    if not name.endswith(LANDING_SUFFIXES):
        return None
    if name.endswith(".parquet"):
        return "parquet"
    if ".csv" in name:
        return "csv"
    return "json"


def discover_files(landing_dir: Path, pattern: str = "**/*") -> list[Path]:
    """Landing files matching the glob under the directory; names starting with '_' or '.' are skipped."""
    if not landing_dir.exists():
        return []
    files = [
        path
        for path in landing_dir.glob(pattern)
        if path.is_file()
        and landing_format(path) is not None
        and not path.name.startswith(("_", "."))
        and not any(part.startswith("_") for part in path.relative_to(landing_dir).parts[:-1])
    ]
    return sorted(files)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def contract_select_sql(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """A SELECT giving the contract columns (as text) of one landing file, in file order."""
    fmt = landing_format(path)
    literal = quote_literal(str(path))
    if fmt == "json":
        reader = f"read_json_objects({literal}, format = 'newline_delimited')"
        columns = [f"json_extract_string(json, '$.\"{column}\"') as {column}" for column in CONTRACT_COLUMNS]
        return f"select {', '.join(columns)} from {reader}"
    if fmt == "csv":
        reader = f"read_csv({literal}, all_varchar = true, header = true)"
    else:
        reader = f"read_parquet({literal})"
    described = con.execute(f"describe select * from {reader}").fetchall()
    present = {row[0].lower(): (row[0], row[1].upper()) for row in described}
    columns = []
    for column in CONTRACT_COLUMNS:
        if column not in present:
            columns.append(f"cast(null as varchar) as {column}")
            continue
        name, type_name = present[column]
        quoted = '"' + name.replace('"', '""') + '"'
        if type_name.startswith(("STRUCT", "MAP", "JSON")) or type_name.endswith("[]"):
            columns.append(f"cast(to_json({quoted}) as varchar) as {column}")
        else:
            columns.append(f"cast({quoted} as varchar) as {column}")
    return f"select {', '.join(columns)} from {reader}"


def record_select_sql(path: Path) -> str:
    """A SELECT giving each row of one vendor file as a JSON object (`record`), in file order; nested
    records (GA4's event_params, Segment's context) stay nested."""
    fmt = landing_format(path)
    literal = quote_literal(str(path))
    if fmt == "json":
        return f"select json as record from read_json_objects({literal}, format = 'auto')"
    if fmt == "csv":
        reader = f"read_csv({literal}, all_varchar = true, header = true)"
    else:
        reader = f"read_parquet({literal})"
    return f"select cast(to_json(landed) as varchar) as record from {reader} as landed"


def select_sql(con: duckdb.DuckDBPyConnection, path: Path, source: EventSource) -> str:
    """The rows of one landing file in the shape of the source's raw table (without load columns)."""
    return contract_select_sql(con, path) if source.is_contract else record_select_sql(path)


def event_times_sql(con: duckdb.DuckDBPyConnection, path: Path, source: EventSource) -> str:
    """One column, `event_at` (timestamptz, null when unparseable), over the rows of one landing file:
    what the sensor and Spark's freshness check read without opening the warehouse."""
    return f"select {source.event_at_sql} as event_at from ({select_sql(con, path, source)}) as landed"


# What reading a landing file can raise when the file is unreadable (the loader rejects such files).
UNREADABLE_FILE_ERRORS = (duckdb.Error, UnicodeDecodeError, OSError)


def landing_reader() -> duckdb.DuckDBPyConnection:
    """An in-memory connection for reading event times straight from landing files (UTC days).

    DuckDB 2.0.1's `type_pushdown` optimizer turns a `try_cast` over a subquery on `read_csv` into a
    strict typed read, so one unparseable timestamp in a CSV would fail the whole file; it is off here.
    """
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    con.execute("set disabled_optimizers = 'type_pushdown'")
    return con


def _move_aside(path: Path, landing_dir: Path, error: str) -> Path:
    target_dir = landing_dir / REJECTED_DIR_NAME
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if target.exists():
        target = target_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%S}_{path.name}"
    shutil.move(str(path), target)
    target.with_name(target.name + ".error.txt").write_text(error + "\n")
    return target


def source_name(path: Path, landing_dir: Path) -> str:
    """The file's name as stored in raw.events._source_file: relative to the landing directory."""
    return str(path.relative_to(landing_dir)) if path.is_relative_to(landing_dir) else str(path)


def load_file(
    con: duckdb.DuckDBPyConnection, path: Path, landing_dir: Path, source: EventSource = CONTRACT
) -> int:
    """Insert one file's rows into the source's raw table in a single transaction; returns the row
    count, or -1 when a file with the same content was loaded before."""
    file_id = file_digest(path)
    relative = source_name(path, landing_dir)
    if con.execute("select 1 from raw.loaded_files where file_id = ?", [file_id]).fetchone():
        return -1
    ingested_at = datetime.now(UTC).replace(tzinfo=None)
    rows_sql = select_sql(con, path, source)
    con.execute("begin transaction")
    try:
        inserted = con.execute(
            f"""
            insert into raw.{source.raw_table}
            select
                contract.*,
                ? as _source_file,
                ? as _file_id,
                row_number() over () as _source_row,
                ? as _ingested_at
            from ({rows_sql}) as contract
            """,
            [relative, file_id[:16], ingested_at],
        ).fetchone()
        row_count = int(inserted[0]) if inserted else 0
        con.execute(
            "insert into raw.loaded_files values (?, ?, ?, ?, ?)",
            [file_id, relative, path.stat().st_size, row_count, ingested_at],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return int(row_count)


def describe_load_error(error: BaseException, limit: int = 400) -> str:
    """One line saying why a file could not be read: the error's first paragraph, without the raw
    line DuckDB quotes (it may hold personal data)."""
    paragraph = str(error).strip().split("\n\n")[0]
    lines = [line.strip() for line in paragraph.splitlines() if not line.startswith("Original Line")]
    return f"{type(error).__name__}: {' '.join(line for line in lines if line)}"[:limit]


def load_landing_files(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    files: Iterable[Path] | None = None,
    pattern: str = "**/*",
    source: EventSource = CONTRACT,
) -> LoadReport:
    """Load every new landing file of one source; unreadable files are moved aside, never fatal."""
    ensure_raw_tables(con)
    con.execute("set timezone = 'UTC'")
    report = LoadReport()
    paths = list(files) if files is not None else discover_files(landing_dir, pattern)
    label = "loading landing files" if source.is_contract else f"loading {source.name} files"
    with progress_bar(label, len(paths)) as advance:
        for path in paths:
            _load_one(con, path, landing_dir, source, report)
            advance()
    return report


def _load_one(
    con: duckdb.DuckDBPyConnection, path: Path, landing_dir: Path, source: EventSource, report: LoadReport
) -> None:
    """Load one file into the report; an unreadable file is moved aside and recorded."""
    try:
        rows = load_file(con, path, landing_dir, source)
    except UNREADABLE_FILE_ERRORS as error:
        message = describe_load_error(error)
        moved = _move_aside(path, landing_dir, message)
        con.execute(
            "insert into raw.rejected_files values (?, ?, ?, ?, ?)",
            [file_digest(moved), str(path), str(moved), message, datetime.now(UTC).replace(tzinfo=None)],
        )
        log.error("Could not load %s (moved to %s): %s", path, moved, message)
        report.rejected.append((str(path), message))
        return
    if rows < 0:
        report.skipped.append(str(path))
    else:
        log.info("Loaded %s rows from %s", rows, path)
        report.loaded.append((str(path), rows))


def load_event_sources(
    con: duckdb.DuckDBPyConnection, contract_landing_dir: Path, pattern: str = "**/*"
) -> list[tuple[EventSource, Path, LoadReport]]:
    """Load the new files of every source; a vendor without a landing directory gets an empty report
    (its raw table still exists, empty)."""
    ensure_raw_tables(con)
    reports = []
    for source in EVENT_SOURCES.values():
        landing_dir = source.landing_dir(contract_landing_dir)
        if source.is_contract or landing_dir.exists():
            report = load_landing_files(con, landing_dir, pattern=pattern, source=source)
        else:
            report = LoadReport()
        reports.append((source, landing_dir, report))
    return reports
