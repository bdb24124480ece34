"""Apache Spark: the local session Microconv's tests and small deployments use, the data-driven
attribution step (dbt-spark runs Python models only on Databricks), and the helpers the Dagster job
uses on Spark: staging the landing files as raw views and mirroring the BI-facing tables into a local
DuckDB file for the checks, the published copy and the report.

The session settings mirror the `spark` target of profiles.yml: one directory, MICROCONV_SPARK_DIR
(default warehouse/spark), holds the table files and the Derby metastore, so that dbt (which starts its
own in-process session) and these steps see the same tables. Derby admits one JVM at a time: every
Spark step runs in its own process, one after the other.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from ..attribution import data_driven_credits
from ..ingest import discover_files
from ..settings import Settings, get_settings
from ..sources import EVENT_SOURCES
from ..sql import quote_identifier, quote_literal

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PATHS_TABLE = "intermediate.int_attribution_paths_summarized"
CREDITS_TABLE = "intermediate.int_attribution_data_driven"
# The model dbt-spark cannot run; the Dagster job runs it as a Python step between two dbt builds.
DATA_DRIVEN_MODEL = "int_attribution_data_driven"
MIRRORED_SCHEMAS = ("core", "marts", "config")


def data_driven_descendants(manifest: Mapping[str, Any]) -> set[str]:
    """Unique ids of the data-driven attribution model and of every node downstream of it."""
    start = f"model.{manifest['metadata'].get('project_name', 'microconv')}.{DATA_DRIVEN_MODEL}"
    found, pending = set(), [start]
    while pending:
        node = pending.pop()
        if node not in found:
            found.add(node)
            pending += manifest["child_map"].get(node, [])
    return found


def metastore_url(root: Path) -> str:
    return f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true"


def spark_session() -> SparkSession:
    """A local session on the same warehouse directory and metastore as the dbt `spark` target."""
    from pyspark.sql import SparkSession

    root = get_settings().spark_dir
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


def landing_views_args(settings: Settings) -> dict:
    """Arguments of the `stage_landing_files` run-operation: the contract's landing directory (null when
    it holds no files: Spark cannot read an empty folder), and each vendor's folder that holds files
    (Parquet, else JSON lines)."""
    landing_dir, vendor_files = None, {}
    for name, source in EVENT_SOURCES.items():
        folder = source.landing_dir(settings.landing_dir)
        files = discover_files(folder, settings.landing_glob)
        if not files:
            continue
        if source.is_contract:
            landing_dir = str(folder)
        else:
            parquet = any(path.suffix == ".parquet" for path in files)
            vendor_files[name] = {"path": str(folder), "format": "parquet" if parquet else "json"}
    return {"landing_dir": landing_dir, "vendor_files": vendor_files}


def run_in_own_process(*arguments: str) -> str:
    """Run a `microconv` command in a fresh process (its own JVM, so that no session outlives the step
    and holds the metastore); returns what it printed, raises on failure."""
    command = [sys.executable, "-m", "orchestration.cli", *arguments]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ.copy())
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
    run_in_own_process("spark-export", str(export_dir), "--schemas", *MIRRORED_SCHEMAS)
    return write_mirror(export_dir, settings.reader_path)
