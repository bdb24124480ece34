"""dbt's CLI resource without the set-up that dagster-dbt repeats before every invocation and our assets
never use (measured on a 10k-event `microconv run`: about 6 s of its fixed cost, docs/operations.md)."""

# No `from __future__ import annotations`: Dagster reads the resource's field annotations at runtime.
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from dagster_dbt.compat import DBT_PYTHON_VERSION
from packaging.version import Version


def is_this_environments_dbt(executable: str) -> bool:
    """True when `executable` is the dbt console script installed beside this Python: its version is
    then the dbt-core package's imported here."""
    return Path(executable).parent == Path(sys.executable).parent


class MicroconvDbtCliResource(DbtCliResource):
    """DbtCliResource minus two steps per invocation:

    - `dbt --version` in a subprocess (1.5 to 3 s: it imports dbt and asks PyPI for the latest
      release) when the executable is this environment's, whose version is dbt-core's, already
      imported;
    - an in-process dbt adapter (profile, macros: about 2.5 s), which dagster-dbt opens only for
      `fetch_row_counts()` / `fetch_column_metadata()`, which our assets do not call. Without it the
      events stream exactly as before.
    """

    @cached_property
    def _cli_version(self) -> Version:
        if DBT_PYTHON_VERSION is not None and is_this_environments_dbt(self.dbt_executable):
            return DBT_PYTHON_VERSION
        return DbtCliResource._cli_version.func(self)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None
