"""Every JSON path the staging views read (json_path_text, as dbt compiles them) finds its value on
Spark as on DuckDB.

Spark's get_json_object reads no quoted key (`$.properties."$insert_id"` is null there), which the vendor
exports need for keys such as `$device_id` or `ym:pv:URL`: spark__json_path_text writes them in the
bracket form. The CI comparison of the two engines runs the contract source only, so the vendor staging
views' paths are checked here, each on a record built to hold a value at that path.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import jinja2
import pytest

pytestmark = pytest.mark.spark

PROJECT_DIR = Path(__file__).resolve().parents[2]
COMPILED_PATH = re.compile(r"json_extract_string\([^,()]+, '(\$[^']*)'\)")
SEGMENT = re.compile(r'\.(?:"([^"]*)"|([A-Za-z0-9_$]+))')


def _model_paths(target: Path) -> list[str]:
    """The literal paths of the staging views as compiled for DuckDB (json_path_text's default form)."""
    env = {
        **os.environ,
        "MICROCONV_DUCKDB_PATH": str(target / "compile.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), "compile", "--select", "path:models/staging", "--target-path", str(target)]
    completed = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    paths = set()
    for compiled in (target / "compiled").rglob("*.sql"):
        paths.update(COMPILED_PATH.findall(compiled.read_text()))
    # Array positions are read the same way by both engines; only keys are at stake here.
    return sorted(path for path in paths if "[" not in path)


def _record(path: str) -> str:
    keys = [quoted or plain for quoted, plain in SEGMENT.findall(path)]
    assert "$" + "".join(f'."{key}"' if not re.fullmatch(r"\w+", key) else f".{key}" for key in keys) == path
    value: object = "found"
    for key in reversed(keys):
        value = {key: value}
    return json.dumps(value)


def _macro(name: str) -> jinja2.Template:
    text = (PROJECT_DIR / "macros" / "json.sql").read_text()
    body = text.split(f"{{% macro {name}(json_expression, path_literal) -%}}", 1)[1].split("{%- endmacro %}")[
        0
    ]
    return jinja2.Template(body)


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def test_every_json_path_of_the_staging_views_reads_the_same_on_spark_and_duckdb(tmp_path: Path) -> None:
    from pyspark.sql import SparkSession

    paths = _model_paths(tmp_path)
    assert any('."$' in path for path in paths)  # the vendor keys that need quoting are among them
    spark_sql = " union all ".join(
        f"select {index} as position, "
        + _macro("spark__json_path_text").render(
            json_expression=_literal(_record(path)), path_literal=f"'{path}'"
        )
        + " as value"
        for index, path in enumerate(paths)
    )
    duckdb_sql = " union all ".join(
        f"select {index} as position, "
        + _macro("default__json_path_text").render(
            json_expression="'" + _record(path).replace("'", "''") + "'", path_literal=f"'{path}'"
        )
        + " as value"
        for index, path in enumerate(paths)
    )
    spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    spark_values = {row.position: row.value for row in spark.sql(spark_sql).collect()}
    with duckdb.connect() as con:
        duckdb_values = dict(con.execute(duckdb_sql).fetchall())
    assert {paths[position]: value for position, value in spark_values.items() if value != "found"} == {}
    assert {paths[position]: value for position, value in duckdb_values.items() if value != "found"} == {}
