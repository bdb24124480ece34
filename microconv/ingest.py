"""Load landing files into the DuckDB raw tables: raw.events for the event contract, and
raw.<vendor>_events (one JSON object per row, column `record`) for each vendor export.

Every contract column is stored as text, and a vendor row as its JSON text, so a bad value never fails
a load (staging types and validates). A file is identified by the SHA-256 of its content: loading it
again adds no rows. A file DuckDB cannot read at all is moved to `<landing>/_rejected/` with an
`.error.txt` beside it, recorded in raw.rejected_files, and the other files still load. So is a
contract file that lacks a required column (REQUIRED_COLUMNS, e.g. `event_time` instead of
`event_timestamp`): its every row would otherwise be quarantined. Vendor files are checked by their
staging models (each vendor has its own required fields), not here.
"""

from __future__ import annotations

import atexit
import difflib
import hashlib
import logging
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .erasure import ERASURE_DDL, purge_suppressed
from .progress import progress_bar
from .retention import RETENTION_DDL
from .sources import CONTRACT, CONTRACT_COLUMNS, EVENT_SOURCES, VENDORS, EventSource
from .sql import quote_literal

if TYPE_CHECKING:
    from .settings import Settings

log = logging.getLogger(__name__)

LANDING_SUFFIXES: tuple[str, ...] = (
    ".parquet",
    ".csv",
    ".csv.gz",
    ".tsv",
    ".tsv.gz",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".ndjson.gz",
    ".json",
    ".json.gz",
    # Amplitude's Export API answers with a .zip archive of hourly gzipped JSON lines files.
    ".zip",
)
# The members of a .zip landing file that are read (JSON lines, gzipped or not); others are skipped.
ARCHIVE_MEMBER_SUFFIXES: tuple[str, ...] = (
    ".json",
    ".json.gz",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".ndjson.gz",
)

REJECTED_DIR_NAME = "_rejected"

# The event contract's columns without which no row of a file can be valid (docs/event-contract.md):
# a file lacking one is rejected as a file. One of IDENTITY_COLUMNS is enough (anonymous or
# logged-in events).
REQUIRED_COLUMNS: tuple[str, ...] = ("event_id", "event_name", "event_timestamp")
IDENTITY_COLUMNS: tuple[str, ...] = ("anonymous_id", "user_id")


class MissingColumnError(ValueError):
    """A contract landing file lacks a required column."""


class LandingDirMissingError(FileNotFoundError):
    """An enabled source's landing directory does not exist (a typo in its setting, usually)."""


def _closest(column: str, present: Iterable[str]) -> str:
    """The file's column most like a missing one, among those that are not contract columns already."""
    candidates = [name for name in present if name not in CONTRACT_COLUMNS]
    match = difflib.get_close_matches(column, candidates, n=1, cutoff=0.6)
    return f" (closest in the file: {match[0]})" if match else ""


def missing_required_columns(present: Iterable[str]) -> str | None:
    """Why a contract file with these columns cannot be loaded (None when it can): each missing
    required column with the file's closest column name."""
    names = [name.lower() for name in present]
    problems = [
        f"missing required column {column}{_closest(column, names)}"
        for column in REQUIRED_COLUMNS
        if column not in names
    ]
    if not any(column in names for column in IDENTITY_COLUMNS):
        closest = "".join(_closest(column, names) for column in IDENTITY_COLUMNS)
        problems.append(f"missing required column anonymous_id or user_id{closest}")
    if not problems:
        return None
    return "; ".join(problems) + f" (columns found: {', '.join(names) or 'none'})"


# The ad spend contract's columns (docs/ad-spend.md; microconv/spend.py maps platform exports onto them).
SPEND_COLUMNS: tuple[str, ...] = (
    "date",
    "platform",
    "source",
    "medium",
    "campaign",
    "ad_group",
    "cost",
    "currency",
    "impressions",
    "clicks",
)
# raw.ad_spend: the spend contract as text, the layout recognised, the row as written, load columns.
RAW_SPEND_DDL = f"""
create schema if not exists raw;
create table if not exists raw.ad_spend (
    {", ".join(f'"{column}" varchar' for column in SPEND_COLUMNS)},
    report_format varchar not null,
    raw_row varchar not null,
    _source_file varchar not null,
    _file_id varchar not null,
    _source_row bigint not null,
    _ingested_at timestamp not null
);
"""

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
-- Warehouses created before the contract gained consent_analytics get it (null for their rows).
alter table raw.events add column if not exists consent_analytics varchar;
{_VENDOR_DDL}
{RAW_SPEND_DDL}
{ERASURE_DDL}
{RETENTION_DDL}
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
    """'parquet', 'csv', 'json' or 'zip' (an archive of JSON lines files) for a landing file name; None
    for anything else."""
    name = path.name.lower()
    if not name.endswith(LANDING_SUFFIXES):
        return None
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".zip"):
        return "zip"
    if ".csv" in name or ".tsv" in name:
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


class UnreadableArchiveError(OSError):
    """A .zip landing file that is not a readable archive of JSON lines files (rejected like any
    unreadable file)."""


def extract_members(path: Path, target: Path, name: Callable[[int, str], str]) -> list[Path]:
    """Copy every JSON lines member (.json.gz, .json, …) of a .zip archive into `target`, streamed and
    still compressed, as `name(position, member name)`, in archive order: Amplitude's Export API zip
    holds one gzipped file per hour and part, <project_id>/<project_id>_<YYYY-MM-DD>_<H>#<n>.json.gz.
    Raises UnreadableArchiveError for a corrupt archive (a member failing its CRC) or an archive without
    JSON lines files."""
    target.mkdir(parents=True, exist_ok=True)
    files = []
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                member
                for member in archive.infolist()
                if not member.is_dir() and member.filename.lower().endswith(ARCHIVE_MEMBER_SUFFIXES)
            ]
            if not members:
                raise UnreadableArchiveError(
                    f"no JSON lines files ({', '.join(ARCHIVE_MEMBER_SUFFIXES)}) in the archive"
                )
            for position, member in enumerate(members):
                extracted = target / name(position, member.filename)
                with archive.open(member) as source, extracted.open("wb") as sink:
                    shutil.copyfileobj(source, sink, 1 << 20)
                files.append(extracted)
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise UnreadableArchiveError(f"{type(error).__name__}: {error}") from error
    return files


# .zip landing files unpacked for DuckDB to read, by (path, size, modification time): kept for the
# process (the sensor reads the same files at every tick), removed after a load and at exit.
_UNPACKED: dict[tuple[str, int, int], list[Path]] = {}
_UNPACK_ROOT: list[Path] = []


def unpacked_members(path: Path) -> list[Path]:
    """The JSON lines members of a .zip landing file as files DuckDB reads (gzipped ones keep their
    .gz), in archive order, unpacked once per version of the archive into a private temporary folder."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _UNPACKED and all(file.exists() for file in _UNPACKED[key]):
        return _UNPACKED[key]
    if not _UNPACK_ROOT:
        _UNPACK_ROOT.append(Path(tempfile.mkdtemp(prefix="microconv_archives_")))
        atexit.register(shutil.rmtree, _UNPACK_ROOT[0], True)
    target = _UNPACK_ROOT[0] / hashlib.sha256(repr(key).encode()).hexdigest()[:16]
    shutil.rmtree(target, ignore_errors=True)

    def numbered(position: int, member: str) -> str:
        return f"{position:06d}" + (".json.gz" if member.lower().endswith(".gz") else ".json")

    _UNPACKED[key] = extract_members(path, target, numbered)
    return _UNPACKED[key]


def archive_select_sql(path: Path) -> str:
    """A SELECT giving each line of a .zip archive's JSON lines members as a JSON object (`record`), in
    archive order, read by DuckDB from the unpacked members (unpacked_members): a line that is not JSON
    or a member that is not gzip fails the query, so the archive is rejected as a whole."""
    files = ", ".join(quote_literal(str(file)) for file in unpacked_members(path))
    return f"select json as record from read_json_objects([{files}], format = 'newline_delimited')"


def release_archive(path: Path) -> None:
    """Remove the unpacked members of a .zip landing file (after its load; nothing for other files)."""
    if landing_format(path) != "zip":
        return
    for key in [key for key in _UNPACKED if key[0] == str(path.resolve())]:
        for file in _UNPACKED.pop(key):
            file.unlink(missing_ok=True)


def _contract_archive_error(path: Path) -> UnreadableArchiveError:
    return UnreadableArchiveError(
        f"{path.name}: .zip archives are read for vendor exports only (Amplitude's Export API); unpack the "
        "event contract's files before landing them"
    )


def contract_select_sql(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """A SELECT giving the contract columns (as text) of one landing file, in file order."""
    fmt = landing_format(path)
    if fmt == "zip":
        raise _contract_archive_error(path)
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


def file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str] | None:
    """The column names of a contract landing file (for JSON lines, every key of any row); None for
    a JSON file without rows."""
    literal = quote_literal(str(path))
    if landing_format(path) == "zip":
        raise _contract_archive_error(path)
    if landing_format(path) == "json":
        keys = con.execute(
            "select distinct unnest(json_keys(json)) "
            f"from read_json_objects({literal}, format = 'newline_delimited')"
        ).fetchall()
        if (
            not keys
            and not con.execute(
                f"select count(*) from read_json_objects({literal}, format = 'newline_delimited')"
            ).fetchone()[0]
        ):
            return None
        return sorted(key for (key,) in keys)
    reader = (
        f"read_csv({literal}, all_varchar = true, header = true)"
        if landing_format(path) == "csv"
        else f"read_parquet({literal})"
    )
    return [row[0] for row in con.execute(f"describe select * from {reader}").fetchall()]


def check_required_columns(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Raise MissingColumnError when a contract file lacks a required column."""
    columns = file_columns(con, path)
    problem = None if columns is None else missing_required_columns(columns)
    if problem:
        raise MissingColumnError(problem)


def record_select_sql(path: Path) -> str:
    """A SELECT giving each row of one vendor file as a JSON object (`record`), in file order; nested
    records (GA4's event_params, Segment's context) stay nested."""
    fmt = landing_format(path)
    literal = quote_literal(str(path))
    if fmt == "json":
        return f"select json as record from read_json_objects({literal}, format = 'auto')"
    if fmt == "csv":
        # Tab-separated files are read as ClickHouse-style TSV (Yandex Metrica's Logs API): a tab
        # between fields, no quoting (a `"` is text), backslash escapes left for staging to undo.
        tsv = ", delim = '\\t', quote = '', escape = ''" if ".tsv" in path.name.lower() else ""
        reader = f"read_csv({literal}, all_varchar = true, header = true{tsv})"
    else:
        reader = f"read_parquet({literal})"
    return f"select cast(to_json(landed) as varchar) as record from {reader} as landed"


def select_sql(con: duckdb.DuckDBPyConnection, path: Path, source: EventSource) -> str:
    """The rows of one landing file in the shape of the source's raw table (without load columns)."""
    if source.is_contract:
        return contract_select_sql(con, path)
    return archive_select_sql(path) if landing_format(path) == "zip" else record_select_sql(path)


def event_times_sql(
    con: duckdb.DuckDBPyConnection, path: Path, source: EventSource, time_zone: str | None = None
) -> str:
    """One column, `event_at` (timestamptz, null when unparseable), over the rows of one landing file:
    what the sensor and Spark's freshness check read without opening the warehouse. `time_zone`: the
    source's wall-clock zone (EventSource.time_zone_in(settings)) for the sources that write one."""
    at = source.event_at_sql(time_zone)
    return f"select {at} as event_at from ({select_sql(con, path, source)}) as landed"


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


def move_aside(path: Path, landing_dir: Path, error: str) -> Path:
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
    if source.is_contract:
        check_required_columns(con, path)
    ingested_at = datetime.now(UTC).replace(tzinfo=None)
    rows_sql = select_sql(con, path, source)
    con.execute("begin transaction")
    try:
        inserted = con.execute(
            f"""
            insert into raw.{source.raw_table} by name
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
    finally:
        release_archive(path)
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


def reject_file(con: duckdb.DuckDBPyConnection, path: Path, landing_dir: Path, error: BaseException) -> str:
    """Move a file that cannot be loaded to `<landing>/_rejected/` with its reason beside it, record it
    in raw.rejected_files and log it; returns the reason."""
    message = describe_load_error(error)
    moved = move_aside(path, landing_dir, message)
    con.execute(
        "insert into raw.rejected_files values (?, ?, ?, ?, ?)",
        [file_digest(moved), str(path), str(moved), message, datetime.now(UTC).replace(tzinfo=None)],
    )
    log.error("Could not load %s (moved to %s): %s", path, moved, message)
    return message


def _load_one(
    con: duckdb.DuckDBPyConnection, path: Path, landing_dir: Path, source: EventSource, report: LoadReport
) -> None:
    """Load one file into the report; an unreadable file is moved aside and recorded."""
    try:
        rows = load_file(con, path, landing_dir, source)
    except (*UNREADABLE_FILE_ERRORS, MissingColumnError) as error:
        report.rejected.append((str(path), reject_file(con, path, landing_dir, error)))
        return
    if rows < 0:
        report.skipped.append(str(path))
    else:
        log.info("Loaded %s rows from %s", rows, path)
        report.loaded.append((str(path), rows))


def landing_dir_setting(source: EventSource) -> str:
    """The environment variable that sets a source's landing directory."""
    return source.landing_dir_setting


def check_landing_dirs(
    contract_landing_dir: Path, enabled: Iterable[str], overrides: Mapping[str, Path] | None = None
) -> None:
    """Raise LandingDirMissingError naming the setting when an enabled source's landing directory does
    not exist: loading nothing from a mistyped path must not look like a quiet day. `overrides`: the
    vendors' own landing directories (Settings.landing_dir_overrides)."""
    overrides = overrides or {}
    folders = {
        name: source.landing_dir(contract_landing_dir, overrides.get(name))
        for name, source in EVENT_SOURCES.items()
    }
    missing = [
        f"{landing_dir_setting(source)} points to {folders[name]}"
        for name, source in EVENT_SOURCES.items()
        if name in set(enabled) and not folders[name].is_dir()
    ]
    if missing:
        raise LandingDirMissingError(
            f"Landing folder not found: {'; '.join(missing)}, which does not exist. Fix the setting or "
            "create the folder (MICROCONV_EVENT_SOURCES names the sources whose folders must exist)."
        )


def load_event_sources(
    con: duckdb.DuckDBPyConnection,
    contract_landing_dir: Path,
    pattern: str = "**/*",
    enabled: Iterable[str] = (CONTRACT.name,),
    overrides: Mapping[str, Path] | None = None,
) -> list[tuple[EventSource, Path, LoadReport]]:
    """Load the new files of every source. An enabled source (MICROCONV_EVENT_SOURCES) must have its
    landing directory; another source without one gets an empty report (its raw table still exists).
    `overrides`: the vendors' own landing directories (Settings.landing_dir_overrides)."""
    check_landing_dirs(contract_landing_dir, enabled, overrides)
    ensure_raw_tables(con)
    reports = []
    for source in EVENT_SOURCES.values():
        landing_dir = source.landing_dir(contract_landing_dir, (overrides or {}).get(source.name))
        if landing_dir.is_dir():
            report = load_landing_files(con, landing_dir, pattern=pattern, source=source)
        else:
            report = LoadReport()
        reports.append((source, landing_dir, report))
    # Forgotten people's rows that arrived in new files never stay in raw (docs/privacy.md).
    purged = purge_suppressed(con)
    if purged:
        log.info("Removed rows of forgotten people from raw: %s", purged)
    return reports


def rejected_summary(reports: Iterable[tuple[EventSource | None, Path, LoadReport]]) -> str | None:
    """One message for the landing files rejected by this load (None when none were), saying how to
    build from the rest anyway."""
    rejected = [f"{path} ({error})" for _, _, report in reports for path, error in report.rejected]
    if not rejected:
        return None
    return (
        f"{len(rejected)} landing file(s) rejected and moved to {REJECTED_DIR_NAME}/: {'; '.join(rejected)}. "
        "Fix and re-land them, or set MICROCONV_BEST_EFFORT=1 (microconv run/load --best-effort) to build "
        "from the other files."
    )


def load_and_report(settings: Settings, say: Callable[[str], None]) -> int:
    """`microconv load`: load every source's new files under the run lock, report per source; the exit
    code (1 when nothing could be loaded, or a file was rejected without best effort)."""
    from .spend import load_spend_files
    from .warehouse import WarehouseBusyError, connect, run_lock

    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with run_lock(settings.duckdb_path, wait_message=say), connect(settings.duckdb_path) as con:
            reports = load_event_sources(
                con,
                settings.landing_dir,
                settings.landing_glob,
                settings.event_sources,
                settings.landing_dir_overrides,
            )
            spend = load_spend_files(con, settings.spend_dir, settings.landing_glob)
    except (WarehouseBusyError, LandingDirMissingError) as error:
        say(f"Nothing was loaded: {error}")
        return 1
    for source, landing_dir, report in reports:
        if not landing_dir.is_dir():
            continue
        say(
            f"{source.title} ({landing_dir}): loaded {report.rows_loaded:,} rows from {len(report.loaded)} "
            f"files ({len(report.skipped)} already loaded, {len(report.rejected)} rejected)."
        )
        for path, error in report.rejected:
            say(f"  rejected {path}: {error}")
    if settings.spend_dir.is_dir():
        say(
            f"Ad spend reports ({settings.spend_dir}): loaded {spend.rows_loaded:,} rows from "
            f"{len(spend.loaded)} files ({len(spend.skipped)} already loaded, "
            f"{len(spend.rejected)} rejected)."
        )
        for path, error in spend.rejected:
            say(f"  rejected {path}: {error}")
    rejected = rejected_summary([*reports, (None, settings.spend_dir, spend)])
    if rejected and not settings.best_effort:
        say(rejected)
        return 1
    return 0
