"""The engines a build runs on: DuckDB (default) and Apache Spark. The dbt models are shared; what
differs is behind one small interface, and the engine is chosen once, here (`for_settings`).

An engine stages the raw tables (`stage_raw`), says how the build is cut into Dagster assets
(`build_plan`: dbt selections, and Python steps between them), runs a dbt selection (`build`), says
when events last landed (`newest_landed`), reads raw vendor records for checks (`raw_records`), and
names the DuckDB file readers use (`reader_path`: checks, publishing, summaries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import duckdb
    from dagster import AssetExecutionContext
    from dagster_dbt import DbtCliResource

    from ..settings import Settings
    from ..sources import EventSource

# Turns a dbt invocation into the asset's Dagster events (and raises when dbt failed).
Stream = Callable[..., Iterator[Any]]


@dataclass(frozen=True)
class DbtSelection:
    """One `@dbt_assets` definition of the build (one Dagster step): the dbt nodes it selects and
    excludes (dbt's selection syntax)."""

    name: str
    select: str = "fqn:*"
    exclude: str | None = None


@dataclass(frozen=True)
class PythonStep:
    """A step of the build outside dbt, an asset of its own between two dbt selections: it writes the
    table of the dbt model `writes` (which then only registers it) from that model's parents."""

    name: str
    writes: str
    # Runs the step; returns what it reports.
    run: Callable[[Settings], str]
    description: str
    kinds: frozenset[str] = frozenset({"python"})


BuildPlan = tuple[DbtSelection | PythonStep, ...]


@dataclass
class StagedRaw:
    """What staging the raw tables did: metadata per source name, and the rejected files' message."""

    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: str | None = None


@dataclass(frozen=True)
class BuildStep:
    """What a dbt selection's asset hands the engine's build: the resource, the asset's context (its
    selection), the `dbt build` arguments and the stream of its events."""

    context: AssetExecutionContext
    dbt: DbtCliResource
    args: list[str]
    stream: Stream


class Engine(Protocol):
    name: str
    settings: Settings
    # The build as assets, in order (defs/dbt/assets.py makes them).
    build_plan: ClassVar[BuildPlan]

    @property
    def reader_path(self) -> Path: ...

    @property
    def fingerprint_path(self) -> Path: ...

    @property
    def location(self) -> str:
        """Where the warehouse is, for people."""
        ...

    def stage_raw(self, dbt: DbtCliResource, log: Any) -> StagedRaw: ...

    def build(self, step: BuildStep) -> Iterator[Any]: ...

    def newest_landed(self) -> tuple[datetime | None, datetime | None]:
        """The newest event time (timestamptz) and load time (naive UTC) of the raw data."""
        ...

    def raw_records(
        self, source: EventSource, query: Callable[[str], str], parameters: list[Any]
    ) -> tuple | None:
        """The one row of `query(<sql selecting the source's raw `record` column>)`, or None when there
        is nothing to read."""
        ...

    def warehouse_reader(self) -> duckdb.DuckDBPyConnection | None:
        """A read-only DuckDB connection on the warehouse itself; None when it is not a DuckDB file."""
        ...


def for_settings(settings: Settings) -> Engine:
    """The engine of these settings (MICROCONV_ENGINE, else the dbt target's)."""
    if settings.engine == "spark":
        from .spark import SparkEngine

        return SparkEngine(settings)
    from .duckdb import DuckDBEngine

    return DuckDBEngine(settings)


__all__ = [
    "BuildPlan",
    "BuildStep",
    "DbtSelection",
    "Engine",
    "PythonStep",
    "StagedRaw",
    "Stream",
    "for_settings",
]
