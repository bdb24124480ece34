"""Spark's raw view of a vendor (macros/spark/landing.sql over the records the Spark engine writes,
microconv.engines.spark.vendor_records) holds the rows, records and landing paths the DuckDB loader
loads, for the vendor fixtures: Yandex Metrica's TSV in hits/ and visits/ folders, Heap's table
folders, Amplitude's zip archives, Snowplow's CSV and JSON lines, Segment's table folders."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import jinja2
import pytest

from microconv.engines.spark import vendor_records
from microconv.ingest import discover_files, load_event_sources
from microconv.sources import EVENT_SOURCES

pytestmark = pytest.mark.spark

PROJECT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = PROJECT_DIR / "tests" / "corpus" / "vendors"
VENDORS = ("yandex_metrica", "heap", "amplitude", "snowplow", "segment")


def _landed_files_view(
    table: str, path: str, file_format: str, values: list, names: list, source_file: str
) -> str:
    """The macro _landed_files_view rendered outside dbt (its body uses no dbt context)."""
    text = (PROJECT_DIR / "macros" / "spark" / "landing.sql").read_text()
    body = text.split(
        "{% macro _landed_files_view(table, path, file_format, values, names, source_file=none) %}"
    )[1]
    template = jinja2.Template(body.split("{% endmacro %}")[0])
    return template.render(
        table=table, path=path, file_format=file_format, values=values, names=names, source_file=source_file
    )


def test_spark_reads_each_vendor_fixture_as_the_duckdb_loader_loads_it(tmp_path: Path) -> None:
    from pyspark.sql import SparkSession

    landing = tmp_path / "landing"
    shutil.copytree(FIXTURES, landing)
    (landing / "events").mkdir()
    with duckdb.connect() as con:
        load_event_sources(con, landing / "events")
        loaded = {
            name: sorted(
                (file, row, json.loads(record))
                for file, row, record in con.execute(
                    f"select _source_file, _source_row, record from raw.{EVENT_SOURCES[name].raw_table}"
                ).fetchall()
            )
            for name in VENDORS
        }
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", str(tmp_path / "spark-warehouse"))
        .getOrCreate()
    )
    spark.sql("create database if not exists raw")
    for name in VENDORS:
        folder = landing / name
        records = vendor_records(
            EVENT_SOURCES[name], folder, discover_files(folder), tmp_path / "records" / name
        )
        spark.sql(
            _landed_files_view(
                f"{name}_events",
                str(records),
                "json",
                ["landed_files.record as record", "landed_files.source_file as landed_source_file"],
                ["record"],
                "landed_source_file",
            )
        )
        read = sorted(
            (row._source_file, row._source_row, json.loads(row.record))
            for row in spark.sql(f"select * from raw.{name}_events").collect()
        )
        assert loaded[name] and read == loaded[name], name
