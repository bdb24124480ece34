"""dbt's CLI resource without the set-up that dagster-dbt repeats before every invocation and our assets
never use, and with each invocation's artifacts under the project's own target path, where the parse
that `microconv prepare` (or a run) left can be reused (measured on a 10k-event `microconv run`,
docs/operations.md)."""

# No `from __future__ import annotations`: Dagster reads the resource's field annotations at runtime.
import shutil
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, OpExecutionContext
from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.compat import DBT_PYTHON_VERSION
from packaging.version import Version


def is_this_environments_dbt(executable: str) -> bool:
    """True when `executable` is the dbt console script installed beside this Python: its version is
    then the dbt-core package's imported here."""
    return Path(executable).parent == Path(sys.executable).parent


PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def reuse_partial_parse(target_dir: Path, invocation_dir: Path) -> None:
    """Copy the project's saved parse into a new invocation's target directory, so that dbt re-parses
    only what changed instead of the whole project."""
    saved = target_dir / PARTIAL_PARSE_FILE
    if saved.exists() and not (invocation_dir / PARTIAL_PARSE_FILE).exists():
        invocation_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, invocation_dir / PARTIAL_PARSE_FILE)


class MicroconvDbtCliResource(DbtCliResource):
    """DbtCliResource with each invocation's artifacts under the project's target path
    (MICROCONV_DBT_TARGET_PATH), minus two steps per invocation.

    dagster-dbt puts an invocation's artifacts in a new directory under $DBT_TARGET_PATH (default:
    ./target) and seeds it with the partial parse found there; our settings hand dbt its target path
    through the DbtProject, not that variable, so the artifacts landed in ./target and dbt got a
    parse made for another warehouse, threw it away and parsed the whole project again (about 10 s).

    The two steps skipped:

    - `dbt --version` in a subprocess (1.5 to 3 s: it imports dbt and asks PyPI for the latest
      release) when the executable is this environment's, whose version is dbt-core's, already
      imported;
    - an in-process dbt adapter (profile, macros: about 2.5 s), which dagster-dbt opens only for
      `fetch_row_counts()` / `fetch_column_metadata()`, which our assets do not call. Without it the
      events stream exactly as before.
    """

    # The project's target directory (absolute): each invocation's directory is made inside it.
    target_dir: str | None = None

    def __init__(self, project_dir: str | Path | DbtProject, **kwargs: Any) -> None:
        if isinstance(project_dir, DbtProject) and kwargs.get("target_dir") is None:
            kwargs["target_dir"] = str(Path(project_dir.project_dir) / project_dir.target_path)
        super().__init__(project_dir=project_dir, **kwargs)

    def _get_unique_target_path(self, *, context: OpExecutionContext | AssetExecutionContext | None) -> Path:
        unique = super()._get_unique_target_path(context=context)
        if self.target_dir is None:
            return unique
        invocation_dir = Path(self.target_dir) / unique.name
        reuse_partial_parse(Path(self.target_dir), invocation_dir)
        return invocation_dir

    @cached_property
    def _cli_version(self) -> Version:
        if DBT_PYTHON_VERSION is not None and is_this_environments_dbt(self.dbt_executable):
            return DBT_PYTHON_VERSION
        return DbtCliResource._cli_version.func(self)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None
