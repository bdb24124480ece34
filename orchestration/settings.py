"""Runtime configuration, read from environment variables in one place.

| variable                    | default                                   |
|-----------------------------|-------------------------------------------|
| MICROCONV_PROJECT_DIR       | the repository holding dbt_project.yml    |
| MICROCONV_DUCKDB_PATH       | <project>/warehouse/microconv.duckdb      |
| MICROCONV_LANDING_DIR       | <project>/data/landing/events             |
| MICROCONV_<VENDOR>_LANDING_DIR | <landing dir>/../<vendor> (sources.py) |
| MICROCONV_EVENT_SOURCES     | microconv (read by dbt: var event_sources)|
| MICROCONV_PUBLISH_DIR       | <project>/warehouse/publish               |
| MICROCONV_LANDING_GLOB      | **/* (which landing files to consider)    |
| MICROCONV_DBT_TARGET        | dev                                       |
| MICROCONV_DBT_TARGET_PATH   | target (duckdb), target/spark (spark): dbt artifacts |
| MICROCONV_ENGINE            | spark for a target named spark*, else duckdb |
| MICROCONV_SPARK_DIR         | <project>/warehouse/spark (Spark tables, metastore, mirror) |
| MICROCONV_ALERTS_PATH       | <project>/warehouse/alerts.jsonl          |
| MICROCONV_ALERT_WEBHOOK_URL | unset (no webhook)                        |
| MICROCONV_PII_SALT          | a fixed demo salt (set your own)          |
| MICROCONV_FIRST_PARTITION   | 2026-01-01 (first daily partition, UTC)   |
| MICROCONV_FRESHNESS_HOURS   | 26 (newest load older: check warns)       |
| MICROCONV_MIXPANEL_TIMEZONE | UTC (Mixpanel project time zone, IANA; dbt var mixpanel_timezone) |
| MICROCONV_BEST_EFFORT       | unset: a rejected landing file fails the run; 1: build from the rest |
| MICROCONV_LOCK_TIMEOUT_SECONDS | 600 (wait for another run or process holding the warehouse) |
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PACKAGE_DIR = Path(__file__).resolve().parent


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

    @property
    def reader_path(self) -> Path:
        """The DuckDB file that checks, publishing and summaries read: the warehouse itself on DuckDB; on
        Spark a local mirror of the core, marts and config tables, written after each build."""
        return self.spark_dir / "mirror.duckdb" if self.engine == "spark" else self.duckdb_path

    def dbt_env(self) -> dict[str, str]:
        """Environment for dbt subprocesses: absolute paths and no network calls."""
        return {
            "MICROCONV_DUCKDB_PATH": str(self.duckdb_path),
            "MICROCONV_DBT_TARGET": self.dbt_target,
            "MICROCONV_SPARK_DIR": str(self.spark_dir),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


ENGINES = ("duckdb", "spark")


def engine_for(dbt_target: str) -> str:
    """MICROCONV_ENGINE, else the engine a target's name implies (spark, spark_cluster -> spark)."""
    engine = os.environ.get("MICROCONV_ENGINE") or ("spark" if dbt_target.startswith("spark") else "duckdb")
    if engine not in ENGINES:
        raise ValueError(f"MICROCONV_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine


def get_settings() -> Settings:
    project_dir = _path_from_env("MICROCONV_PROJECT_DIR", PACKAGE_DIR.parent)
    dbt_target = os.environ.get("MICROCONV_DBT_TARGET", "dev")
    return Settings(
        project_dir=project_dir,
        duckdb_path=_path_from_env("MICROCONV_DUCKDB_PATH", project_dir / "warehouse" / "microconv.duckdb"),
        landing_dir=_path_from_env("MICROCONV_LANDING_DIR", project_dir / "data" / "landing" / "events"),
        publish_dir=_path_from_env("MICROCONV_PUBLISH_DIR", project_dir / "warehouse" / "publish"),
        metricflow_dir=_path_from_env("MICROCONV_METRICFLOW_DIR", project_dir / "warehouse" / "metricflow"),
        landing_glob=os.environ.get("MICROCONV_LANDING_GLOB", "**/*"),
        dbt_target=dbt_target,
        engine=engine_for(dbt_target),
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
        best_effort=os.environ.get("MICROCONV_BEST_EFFORT", "").strip().lower() in ("1", "true", "yes"),
        lock_timeout_seconds=float(os.environ.get("MICROCONV_LOCK_TIMEOUT_SECONDS", "").strip() or 600),
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


def apply_to_environment(settings: Settings) -> None:
    """Export the resolved settings so that dbt (a subprocess) sees the same paths."""
    os.environ.update(settings.dbt_env())
    # dbt is a console script of this environment: make it findable without an activated venv.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
