"""The engines a build runs on: DuckDB (default) and Apache Spark. The dbt models are shared; what
differs is behind one small interface, and the engine is chosen once, here (`for_settings`).

An engine stages the raw tables (`stage_raw`), runs the dbt build (`build`), says when events last
landed (`newest_landed`), reads raw vendor records for checks (`raw_records`), and names the DuckDB
file readers use (`reader_path`: checks, publishing, summaries).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import duckdb
    from dagster import AssetExecutionContext
    from dagster_dbt import DagsterDbtTranslator, DbtCliResource

    from ..settings import Settings
    from ..sources import EventSource

# Turns a dbt invocation into the asset's Dagster events (and raises when dbt failed); `convert`: the
# invocation was started without the asset's context, so its events are converted here.
Stream = Callable[..., Iterator[Any]]


@dataclass
class StagedRaw:
    """What staging the raw tables did: metadata per source name, and the rejected files' message."""

    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
    rejected: str | None = None


@dataclass(frozen=True)
class BuildStep:
    """What the dbt step hands an engine's build: the resource, the asset's context, the `dbt build`
    arguments, the stream of its events, and the project's translator and manifest."""

    context: AssetExecutionContext
    dbt: DbtCliResource
    args: list[str]
    stream: Stream
    translator: DagsterDbtTranslator
    manifest_path: Path


class Engine(Protocol):
    name: str
    settings: Settings

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


__all__ = ["BuildStep", "Engine", "StagedRaw", "Stream", "for_settings"]
