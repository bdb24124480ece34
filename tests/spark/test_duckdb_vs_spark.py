"""The same models on DuckDB and on Apache Spark give the same core tables and marts.

One small generated data set is built twice: on DuckDB (the loader, then dbt) and on Spark by the Dagster
job (`microconv run` with the `spark` target: dbt-spark in session mode over the same landing Parquet
files, the data-driven attribution as a Python step, the BI-facing tables mirrored and published).
Every table of core and marts is then compared row by row as multisets, floats rounded: the DuckDB
warehouse against the copy the Spark run published.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate
from microconv.ingest import load_event_sources
from microconv.spend import load_spend_files
from microconv.sql import quote_identifier, quote_literal

pytestmark = pytest.mark.spark

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATA = GeneratorConfig(events=8_000, days=10, seed=9, dirty_share=0.03)
SCHEMAS = ("core", "marts")
# Load bookkeeping differs by engine by design: DuckDB names a file by its content hash and load time,
# Spark (reading the files in place) by path, size and modification time.
ENGINE_COLUMNS = frozenset(
    {
        "raw_row_key",
        "spend_row_key",
        "file_id",
        "source_file",
        "source_row",
        "ingested_at",
        "first_ingested_at",
        "last_ingested_at",
    }
)
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL", "DECIMAL")


def _run(arguments: list[str], env: dict[str, str]) -> None:
    completed = subprocess.run(
        arguments, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-5000:]


def _as_older_trackers_wrote_them(landing: Path) -> None:
    """No file with utm_term (an optional column nobody sent) and the first day's file without
    consent_analytics (written before the column was in the contract): both engines read them as null."""
    files = sorted(landing.glob("events_*.parquet"))
    with duckdb.connect() as con:
        for index, path in enumerate(files):
            dropped = ["utm_term", *(["consent_analytics"] if index == 0 else [])]
            rewritten = path.with_name(path.name + ".rewritten")
            con.execute(
                f"copy (select * exclude ({', '.join(dropped)}) "
                f"from read_parquet({quote_literal(str(path))})) "
                f"to {quote_literal(str(rewritten))} (format parquet)"
            )
            rewritten.replace(path)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("engines")
    landing = root / "landing" / "events"
    # With the demo's ad spend reports beside it (landing/spend): both engines read them.
    generate(DATA, landing, "parquet", spend_dir=landing.parent / "spend")
    _as_older_trackers_wrote_them(landing)
    bin_dir = Path(sys.executable).parent
    dbt, microconv = str(bin_dir / "dbt"), str(bin_dir / "microconv")
    base = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "MICROCONV_EVENT_SOURCES": "microconv"}

    duckdb_path = root / "duckdb" / "microconv.duckdb"
    duckdb_path.parent.mkdir()
    with duckdb.connect(str(duckdb_path)) as con:
        load_event_sources(con, landing)
        load_spend_files(con, landing.parent / "spend")
    on_duckdb = {**base, "MICROCONV_DUCKDB_PATH": str(duckdb_path), "MICROCONV_DBT_TARGET": "dev"}
    duckdb_target = ["--target-path", str(root / "duckdb" / "target")]
    _run([dbt, "seed", *duckdb_target], on_duckdb)
    _run([dbt, "run", *duckdb_target], on_duckdb)

    spark_root = root / "spark"
    on_spark = {
        **base,
        "MICROCONV_DBT_TARGET": "spark",
        "MICROCONV_SPARK_DIR": str(spark_root),
        "MICROCONV_LANDING_DIR": str(landing),
        "MICROCONV_PUBLISH_DIR": str(spark_root / "publish"),
        "MICROCONV_ALERTS_PATH": str(spark_root / "alerts.jsonl"),
        "DAGSTER_HOME": str(spark_root / "dagster_home"),
        "MICROCONV_DBT_TARGET_PATH": str(spark_root / "target"),
    }
    # dbt's data tests are left out to keep the test short; the models, seeds, checks, the mirror, the
    # published copy and the report are all made by the job.
    _run([microconv, "run", "--skip-tests"], on_spark)
    published = spark_root / "publish"
    return duckdb_path, published


def _normalized(columns: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """(exact, approximate) select expressions: floats as doubles, compared with a tolerance (the
    engines sum and exponentiate in different orders); everything else as text."""
    exact, approximate = [], []
    for name, data_type in sorted(columns):
        if name in ENGINE_COLUMNS:
            continue
        quoted = quote_identifier(name)
        upper = data_type.upper()
        if upper.startswith(FLOAT_TYPES):
            approximate.append(f"cast({quoted} as double) as {quoted}")
        elif upper.startswith("TIMESTAMP"):
            exact.append(f"cast(cast({quoted} as timestamp) as varchar) as {quoted}")
        elif upper.endswith("[]") or upper.startswith(("STRUCT", "MAP")):
            exact.append(f"cast(to_json({quoted}) as varchar) as {quoted}")
        else:
            exact.append(f"cast({quoted} as varchar) as {quoted}")
    return exact, approximate


def _rows(con: duckdb.DuckDBPyConnection, relation: str, columns: list[tuple[str, str]]) -> list[tuple]:
    exact, approximate = _normalized(columns)
    order = [str(position) for position in range(1, len(exact) + 1)]
    order += [
        f"round({position}, 4)" for position in range(len(exact) + 1, len(exact) + len(approximate) + 1)
    ]
    select = ", ".join(exact + approximate)
    return con.execute(f"select {select} from {relation} order by {', '.join(order)} nulls first").fetchall()


def _same(left: tuple, right: tuple) -> bool:
    for lhs, rhs in zip(left, right, strict=True):
        if isinstance(lhs, float) and isinstance(rhs, float):
            if not math.isclose(lhs, rhs, rel_tol=1e-6, abs_tol=1e-9):
                return False
        elif lhs != rhs:
            return False
    return True


def _family(data_type: str) -> str:
    """Integer widths differ by engine (DuckDB sums to HUGEINT, Spark's row_number is INTEGER); a
    DECIMAL where the other engine has DOUBLE would round the figures, so families must agree."""
    upper = data_type.upper()
    if upper in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"):
        return "integer"
    return "decimal" if upper.startswith("DECIMAL") else upper


def _families(columns: list[tuple[str, str]]) -> dict[str, str]:
    return {name: _family(data_type) for name, data_type in columns}


def _tables(database: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where list_contains(?, table_schema) and table_type = 'BASE TABLE' order by 1, 2",
            [list(SCHEMAS)],
        ).fetchall()


def test_the_spark_run_publishes_every_core_table_and_mart_and_the_report(builds) -> None:
    duckdb_path, published = builds
    assert _tables(published / "microconv.duckdb") == _tables(duckdb_path)
    assert {path.parent.name for path in (published / "parquet").glob("*/*.parquet")} >= set(SCHEMAS)
    assert (published / "report.html").stat().st_size > 100_000


def test_spark_gives_the_same_rows_as_duckdb(builds) -> None:
    duckdb_path, published = builds
    differences: dict[str, tuple[int, int]] = {}
    compared = 0
    with duckdb.connect() as con:
        con.execute("set timezone = 'UTC'")
        con.execute(f"attach {quote_literal(str(duckdb_path))} as lhs (read_only)")
        con.execute(f"attach {quote_literal(str(published / 'microconv.duckdb'))} as rhs (read_only)")
        for schema, table in _tables(duckdb_path):
            name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            left, right = f"lhs.{name}", f"rhs.{name}"
            left_columns = con.execute(f"select column_name, column_type from (describe {left})").fetchall()
            right_columns = con.execute(f"select column_name, column_type from (describe {right})").fetchall()
            assert _families(left_columns) == _families(right_columns), table
            left_rows, right_rows = _rows(con, left, left_columns), _rows(con, right, right_columns)
            unequal = len(left_rows) != len(right_rows) or not all(
                _same(lhs, rhs) for lhs, rhs in zip(left_rows, right_rows, strict=False)
            )
            if unequal:
                differences[f"{schema}.{table}"] = (len(left_rows), len(right_rows))
            compared += 1 if left_rows else 0
    assert compared >= 20, f"only {compared} non-empty tables compared"
    assert differences == {}, differences
