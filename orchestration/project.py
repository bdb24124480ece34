"""The dbt project as Dagster sees it. Nothing here parses dbt at import time."""

from __future__ import annotations

import json
import os
from pathlib import Path

from dagster_dbt import DbtProject

from .settings import apply_to_environment, get_settings

settings = get_settings()
apply_to_environment(settings)

microconv_project = DbtProject(
    project_dir=settings.project_dir,
    profiles_dir=settings.project_dir,
    target=settings.dbt_target,
    # Each engine parses to its own manifest (materializations differ by adapter), so switching engines
    # never re-parses the other's project.
    target_path=os.environ.get(
        "MICROCONV_DBT_TARGET_PATH", "target" if settings.engine == "duckdb" else f"target/{settings.engine}"
    ),
)
# Under `dagster dev` / `dg`, re-parse the project so that edits show up; otherwise expect a manifest.
microconv_project.prepare_if_dev()


PROJECT_SOURCES = ("models", "macros", "seeds", "data-tests", "dbt_project.yml", "profiles.yml")
# The connection settings are part of dbt's partial-parse state: a parse made under another warehouse
# path, target, memory limit or thread count makes every later run re-parse the whole project (~10 s).
# The enabled event sources decide which models stg_tracking__events reads, so a change re-parses.
PARSE_ENVIRONMENT = (
    "MICROCONV_EVENT_SOURCES",
    "MICROCONV_DBT_TARGET",
    "MICROCONV_DUCKDB_PATH",
    "MICROCONV_DUCKDB_MEMORY_LIMIT",
    "MICROCONV_DUCKDB_THREADS",
    "MICROCONV_SPARK_DIR",
)


def _parse_environment_stamp() -> Path:
    return microconv_project.manifest_path.with_name("microconv_parse_environment.json")


def _parse_environment() -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in PARSE_ENVIRONMENT}


def manifest_is_current() -> bool:
    """True when target/manifest.json is newer than every file dbt parses (a parse costs ~25 s) and
    was parsed under the connection settings of this process."""
    manifest = microconv_project.manifest_path
    stamp = _parse_environment_stamp()
    if not manifest.exists() or not stamp.exists():
        return False
    if json.loads(stamp.read_text()) != _parse_environment():
        return False
    built = manifest.stat().st_mtime
    for name in PROJECT_SOURCES:
        source = settings.project_dir / name
        files = [source] if source.is_file() else [path for path in source.rglob("*") if path.is_file()]
        if any(path.stat().st_mtime > built for path in files):
            return False
    return True


def prepare_manifest() -> Path:
    """Parse the dbt project into target/manifest.json (needed before plain in-process runs), unless
    the manifest is already newer than every project file and was parsed with the same connection
    settings."""
    if not manifest_is_current():
        microconv_project.preparer.prepare(microconv_project)
        _parse_environment_stamp().write_text(json.dumps(_parse_environment()))
    return microconv_project.manifest_path
