"""The dbt project as Dagster sees it. Nothing here parses dbt at import time."""

from __future__ import annotations

import json
from pathlib import Path

from dagster_dbt import DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

from .settings import Settings, get_settings


def dbt_project(settings: Settings | None = None) -> DbtProject:
    """The dbt project of these settings (default: the environment's), built on first use and cached
    per project directory, target and target path."""
    settings = settings or get_settings()
    key = (settings.project_dir, settings.dbt_target, settings.dbt_target_path)
    if key not in _PROJECTS:
        project = DbtProject(
            project_dir=settings.project_dir,
            profiles_dir=settings.project_dir,
            target=settings.dbt_target,
            target_path=settings.dbt_target_path,
        )
        # Under `dagster dev` / `dg`, re-parse the project so that edits show up; otherwise expect a
        # manifest.
        with settings.dbt_environment():
            project.prepare_if_dev()
        _PROJECTS[key] = project
    return _PROJECTS[key]


_PROJECTS: dict[tuple[Path, str, str], DbtProject] = {}


PROJECT_SOURCES = ("models", "macros", "seeds", "data-tests", "dbt_project.yml", "profiles.yml")
# The connection settings are part of dbt's partial-parse state: a parse made under another warehouse
# path, target, memory limit or thread count makes every later run re-parse the whole project (~10 s).
# The enabled event sources decide which models int_events_unioned reads, so a change re-parses.
PARSE_ENVIRONMENT = (
    "MICROCONV_EVENT_SOURCES",
    "MICROCONV_DBT_TARGET",
    "MICROCONV_DUCKDB_PATH",
    "MICROCONV_DUCKDB_MEMORY_LIMIT",
    "MICROCONV_DUCKDB_THREADS",
    "MICROCONV_SPARK_DIR",
)


class InPlacePreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (`dbt parse`) without its last step, which blanks every seed's checksum in
    the saved parse so that a parse made elsewhere (a CI image, another checkout) re-reads the seeds'
    absolute paths: every run then re-parsed all seeds and the models reading them (about 1.6 s of
    each small run). Our parse is used where it was made; one made elsewhere is deleted first
    (`prepare_manifest`), so dbt parses the whole project here."""

    def _invalidate_seeds_in_partial_parse(self, project: DbtProject) -> None:
        return None


PREPARER = InPlacePreparer()


def _parse_environment_stamp(settings: Settings) -> Path:
    return dbt_project(settings).manifest_path.with_name("microconv_parse_environment.json")


def _parse_environment(settings: Settings) -> dict[str, str | None]:
    env = settings.dbt_env()
    return {"project_dir": str(settings.project_dir)} | {name: env.get(name) for name in PARSE_ENVIRONMENT}


def saved_parse(settings: Settings) -> Path:
    return dbt_project(settings).manifest_path.with_name("partial_parse.msgpack")


def parse_made_elsewhere(settings: Settings) -> bool:
    """A saved parse (partial_parse.msgpack) without a stamp naming this project directory."""
    stamp = _parse_environment_stamp(settings)
    if not saved_parse(settings).exists():
        return False
    if not stamp.exists():
        return True
    return json.loads(stamp.read_text()).get("project_dir") != str(settings.project_dir)


def manifest_is_current(settings: Settings | None = None) -> bool:
    """True when target/manifest.json is newer than every file dbt parses (a parse costs ~25 s) and
    was parsed under the connection settings of this process."""
    settings = settings or get_settings()
    manifest = dbt_project(settings).manifest_path
    stamp = _parse_environment_stamp(settings)
    if not manifest.exists() or not stamp.exists():
        return False
    if json.loads(stamp.read_text()) != _parse_environment(settings):
        return False
    built = manifest.stat().st_mtime
    for name in PROJECT_SOURCES:
        source = settings.project_dir / name
        files = [source] if source.is_file() else [path for path in source.rglob("*") if path.is_file()]
        if any(path.stat().st_mtime > built for path in files):
            return False
    return True


def prepare_manifest(settings: Settings | None = None) -> Path:
    """Parse the dbt project into target/manifest.json (needed before plain in-process runs), unless
    the manifest is already newer than every project file and was parsed with the same connection
    settings."""
    settings = settings or get_settings()
    project = dbt_project(settings)
    if not manifest_is_current(settings):
        if parse_made_elsewhere(settings):
            saved_parse(settings).unlink()
        with settings.dbt_environment():
            PREPARER.prepare(project)
        _parse_environment_stamp(settings).write_text(json.dumps(_parse_environment(settings)))
    return project.manifest_path
