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


def prepare_manifest() -> Path:
    """Parse the dbt project into target/manifest.json (needed before plain in-process runs)."""
    microconv_project.preparer.prepare(microconv_project)
    return microconv_project.manifest_path
