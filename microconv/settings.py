"""Runtime configuration: read from environment variables in this module and nowhere else.

`get_settings()` reads them once into a frozen `Settings`; Dagster hands that object to every asset,
check and sensor as the resource `settings` (definitions.py), and the CLI passes its own (with
--best-effort, --verbose or the demo's source applied) to the run. Settings also builds the
environment of dbt and of every other subprocess (`dbt_env`, `subprocess_env`): nothing else in the
package reads or writes `os.environ`.

| variable                    | default                                   |
|-----------------------------|-------------------------------------------|
| MICROCONV_PROJECT_DIR       | the repository holding dbt_project.yml    |
| MICROCONV_DUCKDB_PATH       | <project>/warehouse/microconv.duckdb      |
| MICROCONV_LANDING_DIR       | <project>/data/landing/events             |
| MICROCONV_<VENDOR>_LANDING_DIR | <landing dir>/../<vendor> (sources.py) |
| MICROCONV_EVENT_SOURCES     | microconv (read by dbt: var event_sources)|
| MICROCONV_PUBLISH_DIR       | <project>/warehouse/publish               |
| MICROCONV_METRICFLOW_DIR    | <project>/warehouse/metricflow (MetricFlow's private copy) |
| MICROCONV_LANDING_GLOB      | **/* (which landing files to consider)    |
| MICROCONV_DBT_TARGET        | dev                                       |
| MICROCONV_DBT_TARGET_PATH   | target (duckdb), target/spark (spark): dbt artifacts |
| MICROCONV_ENGINE            | spark for a target named spark*, else duckdb |
| MICROCONV_SPARK_DIR         | <project>/warehouse/spark (Spark tables, metastore, mirror) |
| MICROCONV_ALERTS_PATH       | <project>/warehouse/alerts.jsonl          |
| MICROCONV_ALERT_WEBHOOK_URL | unset (no webhook)                        |
| MICROCONV_PII_SALT          | a fixed demo salt (set your own; read by dbt) |
| MICROCONV_DUCKDB_MEMORY_LIMIT, MICROCONV_DUCKDB_THREADS | 3GB, 2 (profiles.yml) |
| MICROCONV_FIRST_PARTITION   | 2026-01-01 (first daily partition, UTC)   |
| MICROCONV_FRESHNESS_HOURS   | 26 (newest load older: check warns)       |
| MICROCONV_MIXPANEL_TIMEZONE | UTC (Mixpanel project time zone, IANA; dbt var mixpanel_timezone) |
| MICROCONV_BEST_EFFORT       | unset: a rejected landing file fails the run; 1: build from the rest |
| MICROCONV_LOCK_TIMEOUT_SECONDS | 600 (wait for another run or process holding the warehouse) |
| MICROCONV_VERBOSE           | unset: calm console; 1: Dagster's INFO log and dbt's line per node |
| MICROCONV_NO_PROGRESS       | unset: progress bars on a terminal; 1: none |
| DAGSTER_HOME                | <project>/.dagster_home (the CLI's Dagster instance) |
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .sources import EVENT_SOURCES, EventSource

if TYPE_CHECKING:
    from .engines import Engine

PACKAGE_DIR = Path(__file__).resolve().parent
# The key under which Definitions hands the settings to assets, checks and sensors.
SETTINGS_RESOURCE_KEY = "settings"
# dbt reads these from its environment only when they are set (profiles.yml and dbt_project.yml
# have their own defaults).
OPTIONAL_DBT_VARIABLES = ("MICROCONV_PII_SALT", "MICROCONV_DUCKDB_MEMORY_LIMIT", "MICROCONV_DUCKDB_THREADS")


@dataclass(frozen=True)
class Settings:
    project_dir: Path
    duckdb_path: Path
    landing_dir: Path
    publish_dir: Path
    metricflow_dir: Path
    landing_glob: str
    dbt_target: str
    engine: str
    spark_dir: Path
    alerts_path: Path
    alert_webhook_url: str | None
    first_partition: str
    freshness_hours: float
    # The time zone a Mixpanel project's export writes `time` in (projects created before 2023).
    mixpanel_timezone: str = "UTC"
    # The sources the models read (MICROCONV_EVENT_SOURCES, dbt var event_sources, comma-separated).
    event_sources: tuple[str, ...] = ("microconv",)
    # Rejected landing files fail the run unless the user opts into building from the rest.
    best_effort: bool = False
    lock_timeout_seconds: float = 600.0
    # A vendor's landing directory when MICROCONV_<VENDOR>_LANDING_DIR sets it (else beside the contract's).
    landing_dir_overrides: Mapping[str, Path] = field(default_factory=dict, hash=False)
    # dbt's artifacts (manifest, run results), relative to the project directory unless absolute.
    dbt_target_path: str = "target"
    # Dagster's INFO log and dbt's line per node on the console (`--verbose`).
    verbose: bool = False
    # Progress bars on an interactive terminal.
    progress: bool = True
    # The Dagster instance of in-process runs (`microconv run`, `microconv demo`).
    dagster_home: Path | None = None
    # Passed to dbt only when set: OPTIONAL_DBT_VARIABLES.
    dbt_passthrough: Mapping[str, str] = field(default_factory=dict, hash=False)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (the CLI's --best-effort, --verbose, the demo's source)."""
        return dataclasses.replace(self, **changes)

    @property
    def engine_steps(self) -> Engine:
        """The engine's steps (stage raw, build, newest landed, reader path), chosen once here."""
        from .engines import for_settings

        return for_settings(self)

    @property
    def reader_path(self) -> Path:
        """The DuckDB file that checks, publishing and summaries read (the engine decides)."""
        return self.engine_steps.reader_path

    def landing_dir_of(self, source: EventSource) -> Path:
        """A source's landing directory: the contract's, or a vendor's (overridden or beside it)."""
        return source.landing_dir(self.landing_dir, self.landing_dir_overrides.get(source.name))

    def landing_dirs(self) -> dict[str, Path]:
        return {name: self.landing_dir_of(source) for name, source in EVENT_SOURCES.items()}

    def dbt_env(
        self, window: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """What dbt reads from its environment: absolute paths, the enabled sources, no network calls,
        and the run's partition window (MICROCONV_MIN_DATE / MICROCONV_MAX_DATE) when given."""
        return {
            "MICROCONV_DUCKDB_PATH": str(self.duckdb_path),
            "MICROCONV_DBT_TARGET": self.dbt_target,
            "MICROCONV_SPARK_DIR": str(self.spark_dir),
            "MICROCONV_EVENT_SOURCES": ",".join(self.event_sources),
            "MICROCONV_MIXPANEL_TIMEZONE": self.mixpanel_timezone,
            **self.dbt_passthrough,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            **(window or {}),
            **(extra or {}),
        }

    def subprocess_env(
        self, window: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        """The whole environment of a subprocess (dbt, mf, a Spark step): this process's, with dbt's
        settings, and this environment's console scripts first on PATH (no activated venv needed)."""
        return {**os.environ, **self.dbt_env(window, extra), "PATH": _path_with_scripts()}

    @contextmanager
    def dbt_environment(
        self, window: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
    ) -> Iterator[None]:
        """dbt_env() for the dbt processes dagster-dbt starts inside the block (its DbtCliResource passes
        the process environment and takes no other), restored afterwards."""
        values = {**self.dbt_env(window, extra), "PATH": _path_with_scripts()}
        saved = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def _path_with_scripts() -> str:
    """PATH with this environment's console scripts (dbt, mf) first: no activated venv needed."""
    path = os.environ.get("PATH", "")
    bin_dir = str(Path(sys.executable).parent)
    return path if bin_dir in path.split(os.pathsep) else bin_dir + os.pathsep + path


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


ENGINES = ("duckdb", "spark")


def engine_for(dbt_target: str) -> str:
    """MICROCONV_ENGINE, else the engine a target's name implies (spark, spark_cluster -> spark)."""
    engine = os.environ.get("MICROCONV_ENGINE") or ("spark" if dbt_target.startswith("spark") else "duckdb")
    if engine not in ENGINES:
        raise ValueError(f"MICROCONV_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine


def get_settings() -> Settings:
    """The settings of this process's environment (read at each call: nothing is cached)."""
    project_dir = _path_from_env("MICROCONV_PROJECT_DIR", PACKAGE_DIR.parent)
    dbt_target = os.environ.get("MICROCONV_DBT_TARGET", "dev")
    engine = engine_for(dbt_target)
    return Settings(
        project_dir=project_dir,
        duckdb_path=_path_from_env("MICROCONV_DUCKDB_PATH", project_dir / "warehouse" / "microconv.duckdb"),
        landing_dir=_path_from_env("MICROCONV_LANDING_DIR", project_dir / "data" / "landing" / "events"),
        publish_dir=_path_from_env("MICROCONV_PUBLISH_DIR", project_dir / "warehouse" / "publish"),
        metricflow_dir=_path_from_env("MICROCONV_METRICFLOW_DIR", project_dir / "warehouse" / "metricflow"),
        landing_glob=os.environ.get("MICROCONV_LANDING_GLOB", "**/*"),
        dbt_target=dbt_target,
        engine=engine,
        spark_dir=_path_from_env("MICROCONV_SPARK_DIR", project_dir / "warehouse" / "spark"),
        alerts_path=_path_from_env("MICROCONV_ALERTS_PATH", project_dir / "warehouse" / "alerts.jsonl"),
        alert_webhook_url=os.environ.get("MICROCONV_ALERT_WEBHOOK_URL") or None,
        first_partition=os.environ.get("MICROCONV_FIRST_PARTITION", "2026-01-01"),
        freshness_hours=float(os.environ.get("MICROCONV_FRESHNESS_HOURS", "26")),
        mixpanel_timezone=mixpanel_timezone_from_env(),
        event_sources=tuple(
            name.strip()
            for name in os.environ.get("MICROCONV_EVENT_SOURCES", "microconv").split(",")
            if name.strip()
        ),
        best_effort=_flag("MICROCONV_BEST_EFFORT"),
        lock_timeout_seconds=float(os.environ.get("MICROCONV_LOCK_TIMEOUT_SECONDS", "").strip() or 600),
        landing_dir_overrides={
            source.name: _path_from_env(source.landing_dir_setting, Path())
            for source in EVENT_SOURCES.values()
            if not source.is_contract and os.environ.get(source.landing_dir_setting)
        },
        # Each engine parses to its own manifest (materializations differ by adapter), so switching
        # engines never re-parses the other's project.
        dbt_target_path=os.environ.get(
            "MICROCONV_DBT_TARGET_PATH", "target" if engine == "duckdb" else f"target/{engine}"
        ),
        verbose=bool(os.environ.get("MICROCONV_VERBOSE")),
        progress=not os.environ.get("MICROCONV_NO_PROGRESS"),
        dagster_home=_path_from_env("DAGSTER_HOME", project_dir / ".dagster_home"),
        dbt_passthrough={name: os.environ[name] for name in OPTIONAL_DBT_VARIABLES if os.environ.get(name)},
    )


def mixpanel_timezone_from_env() -> str:
    """MICROCONV_MIXPANEL_TIMEZONE (default UTC), checked against the IANA time zone names."""
    name = os.environ.get("MICROCONV_MIXPANEL_TIMEZONE", "").strip() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"MICROCONV_MIXPANEL_TIMEZONE is {name!r}, not an IANA time zone name such as UTC, "
            "Europe/Madrid or America/New_York"
        ) from error
    return name
