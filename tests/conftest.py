"""Shared fixtures. Tests never touch the developer's warehouse: every path points into tmp dirs.

`make pytest` runs the suite on two pytest-xdist workers (`-n 2 --dist loadgroup`): each test module
is a group that runs whole on one worker (its module-scoped warehouse is built once), the
`test_pipeline_*` modules share one group (they read the session's one pipeline build, and
`test_pipeline_then_reruns`, collected last, runs the job again on it), and each worker keeps dbt's
artifacts in its own target directory (two dbt processes must not write one manifest).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
PIPELINE_GROUP = "pipeline"

# Before anything imports microconv: its settings read the environment once per process.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER and "MICROCONV_DBT_TARGET_PATH" not in os.environ:
    os.environ["MICROCONV_DBT_TARGET_PATH"] = str(PROJECT_DIR / "target" / f"pytest-{_WORKER}")


def xdist_group_of(item_path: Path) -> str:
    """The module's own group, or the shared pipeline build's for the test_pipeline_* modules."""
    if item_path.parent.name == "e2e" and item_path.name.startswith("test_pipeline_"):
        return PIPELINE_GROUP
    return item_path.stem


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> Iterator[None]:
    """Group each module for pytest-xdist's loadgroup and hand out the long end-to-end groups first
    (the shared pipeline build, then the other e2e modules, then the unit tests), keeping the
    collection order inside a group. A wrapper: the marks are set before pytest-xdist's own hook (in
    each worker) writes them into the node ids, and afterwards a run whose node ids lack the groups
    stops: with pytest 9.2, whose node ids ignore that rewrite, every test would be scheduled on its
    own and each worker would build the same module warehouses and the shared pipeline again."""

    def rank(item: pytest.Item) -> int:
        group = xdist_group_of(item.path)
        return 0 if group == PIPELINE_GROUP else 1 if item.path.parent.name == "e2e" else 2

    for item in items:
        item.add_marker(pytest.mark.xdist_group(xdist_group_of(item.path)))
    items.sort(key=rank)
    yield
    if getattr(config.option, "loadgroup", False) and items and not any("@" in item.nodeid for item in items):
        raise pytest.UsageError(
            "pytest-xdist's loadgroup did not group the tests (node ids without '@<group>'): install the "
            "pytest version of constraints.txt (pytest-xdist 3.8 needs pytest < 9)."
        )


@pytest.fixture(scope="session", autouse=True)
def _no_network_telemetry() -> None:
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"


@pytest.fixture(scope="session", autouse=True)
def _dbt_manifest(_no_network_telemetry: None) -> None:
    """dbt's manifest in this process's target path before any test imports the Dagster definitions
    (they are built from it): on a clean clone, or in a worker's fresh target directory, no earlier
    test has parsed the project. A parse only when the manifest is missing or stale."""
    from microconv.project import prepare_manifest

    prepare_manifest()
