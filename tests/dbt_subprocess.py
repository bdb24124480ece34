"""Run dbt in its own process on one warehouse file, as the end-to-end modules that build several
warehouses side by side do (a target directory beside each file keeps the project's parse, which the
Dagster tests use, untouched)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]


def run_dbt(arguments: list[str], database: Path, sources: str = "microconv", **settings: str) -> None:
    """`dbt <arguments>` on `database` with these event sources (MICROCONV_EVENT_SOURCES) and any other
    MICROCONV_* settings (`reporting_timezone="Europe/Warsaw"` sets MICROCONV_REPORTING_TIMEZONE); fails
    the test with dbt's last output when dbt fails."""
    env = {
        **os.environ,
        "MICROCONV_DUCKDB_PATH": str(database),
        "MICROCONV_EVENT_SOURCES": sources,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **{f"MICROCONV_{name.upper()}": value for name, value in settings.items()},
    }
    dbt = Path(sys.executable).parent / "dbt"
    command = [str(dbt), *arguments, "--target-path", str(database.parent / "target")]
    completed = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert completed.returncode == 0, completed.stdout[-4000:]
