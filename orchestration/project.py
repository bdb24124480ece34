"""The dbt project as Dagster sees it. Nothing here parses dbt at import time."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from .settings import apply_to_environment, get_settings

settings = get_settings()
apply_to_environment(settings)

microconv_project = DbtProject(
    project_dir=settings.project_dir,
    profiles_dir=settings.project_dir,
    target=settings.dbt_target,
)
# Under `dagster dev` / `dg`, re-parse the project so that edits show up; otherwise expect a manifest.
microconv_project.prepare_if_dev()


PROJECT_SOURCES = ("models", "macros", "seeds", "data-tests", "dbt_project.yml", "profiles.yml")


def manifest_is_current() -> bool:
    """True when target/manifest.json is newer than every file dbt parses (a parse costs ~25 s)."""
    manifest = microconv_project.manifest_path
    if not manifest.exists():
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
    the manifest is already newer than every project file."""
    if not manifest_is_current():
        microconv_project.preparer.prepare(microconv_project)
    return microconv_project.manifest_path
