"""Apache Spark: the local session Microconv's tests and small deployments use, and the data-driven
attribution step (dbt-spark runs Python models only on Databricks).

The session settings mirror the `spark` target of profiles.yml: one directory, MICROCONV_SPARK_DIR
(default warehouse/spark), holds the table files and the Derby metastore, so that dbt (which starts its
own in-process session) and these steps see the same tables, one process at a time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..attribution import data_driven_credits
from ..settings import get_settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PATHS_TABLE = "intermediate.int_attribution_paths_summarized"
CREDITS_TABLE = "intermediate.int_attribution_data_driven"


def spark_dir() -> Path:
    value = os.environ.get("MICROCONV_SPARK_DIR")
    return Path(value).expanduser().resolve() if value else get_settings().project_dir / "warehouse" / "spark"


def metastore_url(root: Path) -> str:
    return f"jdbc:derby:;databaseName={root / 'metastore_db'};create=true"


def spark_session() -> SparkSession:
    """A local session on the same warehouse directory and metastore as the dbt `spark` target."""
    from pyspark.sql import SparkSession

    root = spark_dir()
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
