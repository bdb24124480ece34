"""Apache Spark: the local session Microconv's tests and small deployments use, the data-driven
attribution step (dbt-spark runs Python models only on Databricks), and the engine's steps in the
Dagster job: staging the landing files as raw views, the build as three assets (the dbt selection
before the data-driven attribution, that Python step, the dbt selection after it), and mirroring the
BI-facing tables into a local DuckDB file for the checks, the published copy and the report.

The session settings mirror the `spark` target of profiles.yml: one directory, MICROCONV_SPARK_DIR
(default warehouse/spark), holds the table files and the Derby metastore, so that dbt (which starts its
own in-process session) and these steps see the same tables. Derby admits one JVM at a time: every
Spark step runs in its own process, one after the other, through this module's entry point:

    python -m <package>.engines.spark attribution
    python -m <package>.engines.spark export OUT_DIR [--schemas core marts]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb
from dagster import MetadataValue

from ..attribution import data_driven_credits
from ..ingest import (
    CONTRACT_COLUMNS,
    UNREADABLE_FILE_ERRORS,
    check_landing_dirs,
    discover_files,
    event_times_sql,
    landing_format,
    landing_reader,
    release_archive,
    select_sql,
)
from ..publish import PUBLISHED_SCHEMAS
from ..settings import Settings, get_settings
from ..sources import EVENT_SOURCES, EventSource
from ..spend import ensure_spend_table, insert_raw_spend, normalized_spend_rows
from ..sql import quote_identifier, quote_literal
from . import BuildPlan, BuildStep, DbtSelection, PythonStep, StagedRaw

if TYPE_CHECKING:
    from dagster_dbt import DbtCliResource
    from pyspark.sql import SparkSession

PATHS_TABLE = "intermediate.int_attribution_paths_summarized"
CREDITS_TABLE = "intermediate.int_attribution_data_driven"
# The model dbt-spark cannot run; the Dagster job runs it as a Python step between two dbt builds.
DATA_DRIVEN_MODEL = "int_attribution_data_driven"
# What readers read: the schemas the published copy holds.
MIRRORED_SCHEMAS = PUBLISHED_SCHEMAS


def metastore_url(root: Path) -> str:
    return f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true"


def spark_session(settings: Settings) -> SparkSession:
    """A local session on the same warehouse directory and metastore as the dbt `spark` target."""
    from pyspark.sql import SparkSession

    root = settings.spark_dir
    root.mkdir(parents=True, exist_ok=True)
    return (
        SparkSession.builder.master("local[2]")
        .appName("microconv")
        .config("spark.sql.warehouse.dir", str(root / "warehouse"))
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", metastore_url(root))
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={root}")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")  # as dbt-spark sets it
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .enableHiveSupport()
        .getOrCreate()
    )


def write_data_driven_credits(spark: SparkSession) -> int:
    """Markov and Shapley credits from the (small) distinct-path summary, computed by the same code as
    the DuckDB Python model and written back as a table; returns the number of rows."""
    summary = spark.table(PATHS_TABLE).select("path", "conversions", "non_conversions", "revenue").toArrow()
    credits = data_driven_credits(summary)
    frame = spark.createDataFrame(credits)  # from Arrow: nulls stay nulls (pandas would make NaN)
    frame.write.mode("overwrite").format("parquet").saveAsTable(CREDITS_TABLE)
    return credits.num_rows


def export_tables(spark: SparkSession, schemas: tuple[str, ...], out_dir: Path) -> list[str]:
    """Write every table of `schemas` as Parquet under out_dir/<schema>/<table> (for comparisons and
    for readers without a Spark client); returns the table names."""
    names = []
    for schema in schemas:
        for row in spark.sql(f"show tables in {schema}").collect():
            if row.isTemporary:
                continue
            name = f"{schema}.{row.tableName}"
            spark.table(name).write.mode("overwrite").parquet(str(out_dir / schema / row.tableName))
            names.append(name)
    return names


def _spark_name(*parts: str) -> str:
    """One flat file name for a landing path (Spark reads a folder's files, not its subfolders'), that
    Hadoop can open: '#' (in Amplitude's member names) would start a URI fragment."""
    return "__".join(parts).replace("#", "_")


def vendor_records(source: EventSource, folder: Path, files: list[Path], target: Path) -> Path:
    """A vendor's landing files as Spark reads them: the rows the DuckDB loader would load (ingest's
    select_sql: TSV as the Yandex Metrica Logs API writes it, CSV, Parquet of any schema, JSON lines,
    .zip archives of JSON lines), one JSON-lines file per landing file under `target`, each line
    {"record": <the row as JSON text>, "source_file": <its path in the landing folder>}. Spark reads
    neither zips, nor TSV without quoting rules, nor subfolders (Segment's and Heap's table folders),
    nor Parquet files of different schemas in one folder; staging tells tables apart by source_file.
    A file is converted again only when it changed (the copy keeps its modification time, which the
    raw view reads as the load time); copies of files no longer landed are removed. Returns `target`;
    an unreadable file raises with its name."""
    target.mkdir(parents=True, exist_ok=True)
    wanted: set[str] = set()
    with landing_reader() as con:
        for path in files:
            relative = path.relative_to(folder)
            name = _spark_name(*relative.parts) + ".jsonl"
            wanted.add(name)
            copy, mtime = target / name, path.stat().st_mtime
            if copy.exists() and copy.stat().st_mtime == mtime:
                continue
            staging = copy.with_name(f".{name}.{uuid.uuid4().hex}.tmp")
            try:
                con.execute(
                    f"copy (select cast(landed.record as varchar) as record, {quote_literal(str(relative))} "
                    f"as source_file from ({select_sql(con, path, source)}) as landed) "
                    f"to {quote_literal(str(staging))} (format json)"
                )
            except UNREADABLE_FILE_ERRORS as error:
                staging.unlink(missing_ok=True)
                raise ValueError(f"{source.title} landing file {path} cannot be read: {error}") from error
            finally:
                release_archive(path)
            os.replace(staging, copy)
            os.utime(copy, (mtime, mtime))
    for stale in target.iterdir():
        if stale.name not in wanted:
            stale.unlink()
    return target


def contract_file_columns(files: list[Path]) -> list[str]:
    """The contract columns any of these landing files has (lower case): the raw view reads a column no
    file has as null, as the DuckDB loader does, instead of failing (files written before a column was
    added to the contract)."""
    parquet = [path for path in files if landing_format(path) == "parquet"]
    if not parquet:
        return []
    with landing_reader() as con:
        paths = ", ".join(quote_literal(str(path)) for path in parquet)
        described = con.execute(
            f"describe select * from read_parquet([{paths}], union_by_name = true)"
        ).fetchall()
    return sorted({row[0].lower() for row in described} & set(CONTRACT_COLUMNS))


def landing_views_args(settings: Settings) -> dict:
    """Arguments of the `stage_landing_files` run-operation: the contract's landing directory (null when
    it holds no files: Spark cannot read an empty folder) and the columns its files have, and for each
    vendor whose folder holds files, its records as JSON lines under MICROCONV_SPARK_DIR/landing/<vendor>
    (vendor_records)."""
    landing_dir, vendor_files, contract_columns = None, {}, None
    for name, source in EVENT_SOURCES.items():
        folder = settings.landing_dir_of(source)
        files = discover_files(folder, settings.landing_glob)
        if not files:
            continue
        if source.is_contract:
            landing_dir = str(folder)
            contract_columns = contract_file_columns(files)
        else:
            records = vendor_records(source, folder, files, settings.spark_dir / "landing" / name)
            vendor_files[name] = {"path": str(records), "format": "json"}
    return {"landing_dir": landing_dir, "contract_columns": contract_columns, "vendor_files": vendor_files}


def write_spend_parquet(settings: Settings) -> tuple[str | None, int, list[tuple[str, str]]]:
    """The spend reports mapped onto raw.ad_spend's columns (microconv.spend), written to one Parquet
    file under MICROCONV_SPARK_DIR for the raw.ad_spend view: (its path, None without rows; the row
    count; the files that could not be read)."""
    rows, rejected = normalized_spend_rows(settings.spend_dir, settings.landing_glob)
    target = settings.spark_dir / "raw_ad_spend"
    shutil.rmtree(target, ignore_errors=True)
    if not rows:
        return None, 0, rejected
    target.mkdir(parents=True)
    with duckdb.connect() as con:
        ensure_spend_table(con)
        insert_raw_spend(con, rows)
        con.execute(f"copy raw.ad_spend to '{target / 'ad_spend.parquet'}' (format parquet)")
    return str(target), len(rows), rejected


def run_in_own_process(settings: Settings, *arguments: str) -> str:
    """Run a step of this module's entry point in a fresh process (its own JVM, so that no session
    outlives the step and holds the metastore); returns what it printed, raises on failure."""
    command = [sys.executable, "-m", __name__, *arguments]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=False, env=settings.subprocess_env()
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed:\n{(completed.stdout + completed.stderr)[-4000:]}")
    return completed.stdout + completed.stderr


def write_mirror(export_dir: Path, mirror: Path) -> dict[str, int]:
    """A DuckDB file holding every exported table (Parquet folders <schema>/<table>), atomically
    replacing the previous mirror; returns rows per table."""
    staging = mirror.with_name(f".{mirror.name}.{uuid.uuid4().hex}.tmp")
    tables: dict[str, int] = {}
    try:
        with duckdb.connect(str(staging)) as con:
            for folder in sorted(path for path in export_dir.glob("*/*") if path.is_dir()):
                schema, table = quote_identifier(folder.parent.name), quote_identifier(folder.name)
                files = quote_literal(str(folder / "*.parquet"))
                con.execute(f"create schema if not exists {schema}")
                con.execute(f"create table {schema}.{table} as select * from read_parquet({files})")
                count = con.execute(f"select count(*) from {schema}.{table}").fetchone()[0]
                tables[f"{folder.parent.name}.{folder.name}"] = count
        os.replace(staging, mirror)
    finally:
        staging.unlink(missing_ok=True)
    return tables


def refresh_mirror(settings: Settings) -> dict[str, int]:
    """Export the BI-facing schemas from Spark (own process) and mirror them into settings.reader_path."""
    export_dir = settings.spark_dir / "export"
    shutil.rmtree(export_dir, ignore_errors=True)
    run_in_own_process(settings, "export", str(export_dir), "--schemas", *MIRRORED_SCHEMAS)
    return write_mirror(export_dir, mirror_path(settings))


def mirror_path(settings: Settings) -> Path:
    return settings.spark_dir / "mirror.duckdb"


# The newest events are looked for in the most recently modified landing files only.
RECENT_FILES = 20


def recent_files(settings: Settings, source: EventSource) -> list[Path]:
    files = discover_files(settings.landing_dir_of(source), settings.landing_glob)
    return sorted(files, key=lambda path: path.stat().st_mtime)[-RECENT_FILES:]


def write_data_driven_attribution(settings: Settings) -> str:
    """The data-driven attribution step: Markov and Shapley credits written by a Spark session of its
    own process (python -m <package>.engines.spark attribution); returns what it reported."""
    return run_in_own_process(settings, "attribution").strip()


@dataclass(frozen=True)
class SparkEngine:
    """Raw tables are views over the landing files (read in place at every build); dbt-spark builds
    every model but the data-driven attribution, which a Python step writes between two dbt
    selections (dbt then only registers it: materialization `precomputed`); readers read a DuckDB
    mirror of the core, marts and config schemas written after each dbt selection."""

    settings: Settings
    name: str = "spark"
    build_plan: ClassVar[BuildPlan] = (
        DbtSelection("microconv_dbt_assets", exclude=f"{DATA_DRIVEN_MODEL}+"),
        PythonStep(
            "data_driven_attribution_credits",
            writes=DATA_DRIVEN_MODEL,
            run=write_data_driven_attribution,
            description=(
                f"Markov and Shapley credits computed from the path summary by the same Python code as "
                f"the DuckDB model, written by Spark as {CREDITS_TABLE} (dbt-spark runs Python models "
                f"only on Databricks; dbt then registers the table as the model {DATA_DRIVEN_MODEL})."
            ),
            kinds=frozenset({"python", "spark"}),
        ),
        DbtSelection("microconv_dbt_assets_after_attribution", select=f"{DATA_DRIVEN_MODEL}+"),
    )

    @property
    def reader_path(self) -> Path:
        return mirror_path(self.settings)

    @property
    def fingerprint_path(self) -> Path:
        return self.settings.spark_dir / "build_fingerprint.json"

    @property
    def location(self) -> str:
        return f"Spark ({self.settings.spark_dir})"

    def stage_raw(self, dbt: DbtCliResource, log: Any) -> StagedRaw:
        """Nothing is copied: the `stage_landing_files` run-operation (dbt-spark's own process) makes
        the raw tables views over the landing files."""
        settings, staged = self.settings, StagedRaw()
        if settings.user_level_retention_days:
            log.warning(
                "MICROCONV_USER_LEVEL_RETENTION_DAYS is set, but Spark reads the landing files as they are: "
                "retention there is the landing files' own lifecycle (docs/privacy.md, Retention)."
            )
        check_landing_dirs(settings.landing_dir, settings.event_sources, settings.landing_dir_overrides)
        spend_path, spend_rows, spend_rejected = write_spend_parquet(settings)
        arguments = json.dumps({**landing_views_args(settings), "spend_path": spend_path})
        with settings.dbt_environment():
            dbt.cli(["run-operation", "stage_landing_files", "--args", arguments]).wait()
        for name, source in EVENT_SOURCES.items():
            landing_dir = settings.landing_dir_of(source)
            files = discover_files(landing_dir, settings.landing_glob)
            staged.metadata[name] = {
                "engine": "spark",
                "landing_dir": MetadataValue.path(str(landing_dir)),
                "landing_files": len(files),
                "landing_bytes": sum(path.stat().st_size for path in files),
            }
        staged.metadata["ad_spend"] = {
            "engine": "spark",
            "landing_dir": MetadataValue.path(str(settings.spend_dir)),
            "rows_staged": spend_rows,
            "files_rejected": len(spend_rejected),
        }
        if spend_rejected:
            staged.rejected = f"{len(spend_rejected)} spend report(s) could not be read: " + "; ".join(
                f"{path} ({error})" for path, error in spend_rejected
            )
        return staged

    def build(self, step: BuildStep) -> Iterator[Any]:
        """dbt-spark builds the selection; then the BI-facing tables are mirrored into the local DuckDB
        file (after each selection: the checks on its models read the mirror)."""
        yield from step.stream(step.dbt.cli(step.args, context=step.context, raise_on_error=False))
        tables = refresh_mirror(self.settings)
        step.context.log.info(f"Mirrored {len(tables)} Spark tables into {self.reader_path}")

    def newest_landed(self) -> tuple[datetime | None, datetime | None]:
        """The raw tables are views over the landing files: the newest file's modification time stands
        for the load, and the newest event is read from the most recent files (DuckDB, no Spark)."""
        newest_event_at, newest_load_at = None, None
        with landing_reader() as con:
            for source in EVENT_SOURCES.values():
                recent = recent_files(self.settings, source)
                for path in recent:
                    try:
                        times = event_times_sql(con, path, source, source.time_zone_in(self.settings))
                        event_at = con.execute(
                            "select max(event_at) filter (where event_at <= now() + interval 1 hour) "
                            f"from ({times}) as times"
                        ).fetchone()[0]
                    except UNREADABLE_FILE_ERRORS:
                        continue  # an unreadable file fails the build, with its own message
                    if event_at is not None and (newest_event_at is None or event_at > newest_event_at):
                        newest_event_at = event_at
                if recent:
                    landed_at = datetime.fromtimestamp(recent[-1].stat().st_mtime, UTC).replace(tzinfo=None)
                    newest_load_at = max(newest_load_at or landed_at, landed_at)
        return newest_event_at, newest_load_at

    def raw_records(
        self, source: EventSource, query: Callable[[str], str], parameters: list[Any]
    ) -> tuple | None:
        """Over the most recent landing files of the source (read with DuckDB, no Spark session)."""
        recent = recent_files(self.settings, source)
        if not recent:
            return None
        with landing_reader() as con:
            records = " union all ".join(
                f"select record from ({select_sql(con, path, source)})" for path in recent
            )
            return con.execute(query(records), parameters).fetchone()

    def warehouse_reader(self) -> duckdb.DuckDBPyConnection | None:
        return None  # the tables are Spark's; dbt's log has the failing rows


def main(argv: list[str] | None = None) -> int:
    """The Spark steps that run in their own process: `attribution` and `export OUT_DIR`."""
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=main.__doc__)
    steps = parser.add_subparsers(dest="step", required=True)
    steps.add_parser("attribution", help="compute Markov/Shapley credits from the path summary")
    export = steps.add_parser("export", help="write tables as Parquet files")
    export.add_argument("out", help="directory for <schema>/<table> Parquet folders")
    export.add_argument(
        "--schemas", nargs="+", default=["core", "marts"], help="schemas to export (default: core marts)"
    )
    args = parser.parse_args(argv)
    session = spark_session(get_settings())
    if args.step == "attribution":
        rows = write_data_driven_credits(session)
        print(f"Wrote {rows} rows of Markov and Shapley credits to {CREDITS_TABLE} (Spark).", file=sys.stderr)
    else:
        names = export_tables(session, tuple(args.schemas), Path(args.out))
        print(f"Exported {len(names)} Spark tables as Parquet under {args.out}.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
