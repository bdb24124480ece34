"""End to end, the dbt tests production runs leave out or fold together: every dbt unit test passes
once on the built warehouse (production builds exclude them, microconv/dbt_cli.py), and the
column_checks data test (macros/tests/column_checks.sql) returns one row per failing column and check."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _dbt(arguments: list[str], database: Path, work: Path) -> subprocess.CompletedProcess:
    """dbt on one warehouse file, with its own target and log dirs (the Dagster tests' parse untouched)."""
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *arguments,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    env = {**os.environ, "MICROCONV_DUCKDB_PATH": str(database), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_every_dbt_unit_test_passes_once(pipeline, tmp_path: Path) -> None:
    """CI runs each unit test of the manifest once (production runs skip them); on a copy of the shared
    warehouse, whose tables give the unit tests their parents' columns."""
    _, _, path, _, _ = pipeline
    copy = tmp_path / "microconv.duckdb"
    shutil.copyfile(path, copy)
    completed = _dbt(["test", "--select", "test_type:unit"], copy, tmp_path)
    assert completed.returncode == 0, completed.stdout[-4000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    ran = {result["unique_id"]: result["status"] for result in results}
    unit_tests = {
        unique_id: status for unique_id, status in ran.items() if unique_id.startswith("unit_test.")
    }
    assert len(manifest["unit_tests"]) > 40
    assert sorted(unit_tests) == sorted(manifest["unit_tests"])
    assert set(unit_tests.values()) == {"pass"}
    # Unit tests only: no data test ran.
    assert not [unique_id for unique_id in ran if unique_id.startswith("test.")]


def test_column_checks_name_each_failing_column_and_check(tmp_path: Path) -> None:
    """On hand-made rows: a null name and flag, a repeated id, two kinds and one flag not allowed. A null
    is not a value: it passes unique and accepted_values, as in dbt's own tests. Clean rows return none."""
    database = tmp_path / "fixture.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(
            """
            create table main.bad_rows as
            select * from (
                values
                    (1, 'a', 'x', true),
                    (1, null, 'z', true),
                    (2, 'b', 'y', false),
                    (3, 'c', 'z', null),
                    (null, 'd', null, true)
            ) as bad_rows (id, name, kind, flag)
            """
        )
        con.execute("create table main.clean_rows as select * from main.bad_rows where id = 2")

    def failing(table: str) -> list[tuple]:
        test = (
            f"{{{{ microconv.test_column_checks(model='main.{table}', not_null_columns=['name', 'flag'], "
            "unique_columns=['id', 'name'], accepted_values={'kind': ['x', 'y'], 'flag': [false]}) }}"
        )
        completed = _dbt(["show", "--inline", test, "--output", "json", "--limit", "100"], database, tmp_path)
        assert completed.returncode == 0, completed.stdout[-4000:]
        shown = json.loads(completed.stdout[completed.stdout.index("{") :])["show"]
        return sorted(
            (row["column_name"], row["check_name"], row["failing_rows"], row["example_value"])
            for row in shown
        )

    assert failing("bad_rows") == [
        ("flag", "accepted_values", 3, "true"),
        ("flag", "not_null", 1, None),
        ("id", "unique", 1, None),
        ("kind", "accepted_values", 2, "z"),
        ("name", "not_null", 1, None),
    ]
    assert failing("clean_rows") == []
