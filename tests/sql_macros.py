"""Render the project's pure SQL macros (macros/*.sql) outside dbt, to test them against references.

Only what the statistics macros need of dbt is provided: `return`, and an `adapter.dispatch` that
picks the `duckdb__` implementation, else the `default__` one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

MACRO_DIR = Path(__file__).resolve().parent.parent / "macros"


class _Adapter:
    def __init__(self) -> None:
        self.module: Any = None

    def dispatch(self, name: str, namespace: str | None = None) -> Any:
        for prefix in ("duckdb__", "default__"):
            macro = getattr(self.module, prefix + name, None)
            if macro is not None:
                return macro
        raise KeyError(name)


def load_macros(*files: str) -> Any:
    """A module whose attributes are the macros of the given files (default: every file)."""
    paths = [MACRO_DIR / name for name in files] if files else sorted(MACRO_DIR.glob("*.sql"))
    adapter = _Adapter()
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.globals.update({"adapter": adapter, "return": lambda value: value})
    module = env.from_string("\n".join(path.read_text() for path in paths)).make_module()
    adapter.module = module
    return module
