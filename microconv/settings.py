"""Runtime configuration: read from environment variables in this module and nowhere else.

`get_settings()` reads them once into a frozen `Settings`, the object the library code takes. Dagster
sees them as the config of the resource `settings` (defs/resources.py: `SettingsResource`, whose fields
are `Settings.config_values()`, a variable the environment sets being a `dagster.EnvVar` named in
`VERBATIM_VARIABLES`), which hands every asset, check and sensor the `Settings` it describes
(`Settings.from_config`); the CLI hands its run a copy with --best-effort, --verbose or the demo's
source applied. Settings also builds the environment of dbt and of every other subprocess (`dbt_env`,
`subprocess_env`): nothing else in the package reads or writes `os.environ`.

| variable                    | default                                   |
|-----------------------------|-------------------------------------------|
| MICROCONV_PROJECT_DIR       | the repository holding dbt_project.yml    |
| MICROCONV_DUCKDB_PATH       | <project>/warehouse/microconv.duckdb      |
| MICROCONV_LANDING_DIR       | <project>/data/landing/events             |
| MICROCONV_<VENDOR>_LANDING_DIR | <landing dir>/../<vendor> (sources.py) |
| MICROCONV_SPEND_LANDING_DIR | <landing dir>/../spend (ad-platform spend reports, spend.py) |
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
| MICROCONV_YANDEX_METRICA_TIMEZONE | Europe/Moscow (Metrica counter time zone, IANA; dbt var ...) |
| MICROCONV_REPORTING_TIMEZONE | UTC (dates, weeks, daily partitions; IANA; dbt var reporting_timezone) |
| MICROCONV_USER_LEVEL_RETENTION_DAYS | unset: keep ids; N: people unseen N days lose them |
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
    # The time zone of a Yandex Metrica counter: its Logs API export writes ym:pv:dateTime in it.
    yandex_metrica_timezone: str = "Europe/Moscow"
    # The time zone of every date, day, week and cohort column and of the daily partitions and schedule.
    reporting_timezone: str = "UTC"
    # Days a person may go unseen before losing their identifiers (retention.py); None: kept for ever.
    user_level_retention_days: int | None = None
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
    # The ad-spend landing folder when MICROCONV_SPEND_LANDING_DIR sets it (else `spend_dir`'s default).
    spend_landing_dir: Path | None = None

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (the CLI's --best-effort, --verbose, the demo's source)."""
        return dataclasses.replace(self, **changes)

    def config_values(self) -> dict[str, Any]:
        """Every setting as a plain config value (paths as text, tuples as lists): the fields of the
        Dagster resource `settings`, and what `from_config` reads back."""
        return {each.name: _config_value(getattr(self, each.name)) for each in dataclasses.fields(self)}

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> Settings:
        """The settings of config values (`config_values()`, or the Dagster resource's config, where an
        EnvVar has become its variable's text): paths resolved, the engine and time zone checked."""
        dagster_home = values.get("dagster_home")
        overrides = values["landing_dir_overrides"]
        return cls(
            project_dir=_path(values["project_dir"]),
            duckdb_path=_path(values["duckdb_path"]),
            landing_dir=_path(values["landing_dir"]),
            publish_dir=_path(values["publish_dir"]),
            metricflow_dir=_path(values["metricflow_dir"]),
            landing_glob=values["landing_glob"],
            dbt_target=values["dbt_target"],
            engine=checked_engine(values["engine"]),
            spark_dir=_path(values["spark_dir"]),
            alerts_path=_path(values["alerts_path"]),
            alert_webhook_url=values.get("alert_webhook_url") or None,
            first_partition=values["first_partition"],
            freshness_hours=float(values["freshness_hours"]),
            mixpanel_timezone=checked_timezone(values["mixpanel_timezone"]),
            yandex_metrica_timezone=checked_timezone(
                values["yandex_metrica_timezone"], "MICROCONV_YANDEX_METRICA_TIMEZONE", "Europe/Moscow"
            ),
            reporting_timezone=checked_timezone(values["reporting_timezone"], "MICROCONV_REPORTING_TIMEZONE"),
            user_level_retention_days=checked_retention_days(values.get("user_level_retention_days")),
            event_sources=tuple(values["event_sources"]),
            best_effort=bool(values["best_effort"]),
            lock_timeout_seconds=float(values["lock_timeout_seconds"]),
            landing_dir_overrides={name: _path(path) for name, path in overrides.items()},
            dbt_target_path=values["dbt_target_path"],
            verbose=bool(values["verbose"]),
            progress=bool(values["progress"]),
            dagster_home=_path(dagster_home) if dagster_home else None,
            dbt_passthrough=dict(values["dbt_passthrough"]),
            spend_landing_dir=_path(values["spend_landing_dir"]) if values.get("spend_landing_dir") else None,
        )

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

    @property
    def spend_dir(self) -> Path:
        """The ad-spend landing folder: MICROCONV_SPEND_LANDING_DIR, else a sibling of the event
        contract's landing folder (data/landing/events -> data/landing/spend)."""
        return self.spend_landing_dir or self.landing_dir.parent / "spend"

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
            "MICROCONV_YANDEX_METRICA_TIMEZONE": self.yandex_metrica_timezone,
            "MICROCONV_REPORTING_TIMEZONE": self.reporting_timezone,
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


def _path(text: str | Path) -> Path:
    return Path(text).expanduser().resolve()


def _path_from_env(name: str, default: Path) -> Path:
    return _path(os.environ.get(name) or default)


def _config_value(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return {key: _config_value(each) for key, each in value.items()}
    return value


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes")


ENGINES = ("duckdb", "spark")


def engine_for(dbt_target: str) -> str:
    """MICROCONV_ENGINE, else the engine a target's name implies (spark, spark_cluster -> spark)."""
    return checked_engine(
        os.environ.get("MICROCONV_ENGINE") or ("spark" if dbt_target.startswith("spark") else "duckdb")
    )


def checked_engine(engine: str) -> str:
    if engine not in ENGINES:
        raise ValueError(f"MICROCONV_ENGINE must be one of {', '.join(ENGINES)}, not {engine!r}")
    return engine


# The settings whose value is one environment variable's text (a path resolved): Dagster's resource
# config names such a variable when it is set (a dagster.EnvVar, read when a run starts: the UI shows
# the name, never the value) instead of holding its value. So do the variables of the dbt pass-through
# (OPTIONAL_DBT_VARIABLES) and of the vendor landing directories that are set.
VERBATIM_VARIABLES = {
    "project_dir": "MICROCONV_PROJECT_DIR",
    "duckdb_path": "MICROCONV_DUCKDB_PATH",
    "landing_dir": "MICROCONV_LANDING_DIR",
    "publish_dir": "MICROCONV_PUBLISH_DIR",
    "metricflow_dir": "MICROCONV_METRICFLOW_DIR",
    "landing_glob": "MICROCONV_LANDING_GLOB",
    "dbt_target": "MICROCONV_DBT_TARGET",
    "engine": "MICROCONV_ENGINE",
    "spark_dir": "MICROCONV_SPARK_DIR",
    "alerts_path": "MICROCONV_ALERTS_PATH",
    "alert_webhook_url": "MICROCONV_ALERT_WEBHOOK_URL",
    "first_partition": "MICROCONV_FIRST_PARTITION",
    "mixpanel_timezone": "MICROCONV_MIXPANEL_TIMEZONE",
    "yandex_metrica_timezone": "MICROCONV_YANDEX_METRICA_TIMEZONE",
    "reporting_timezone": "MICROCONV_REPORTING_TIMEZONE",
    "dbt_target_path": "MICROCONV_DBT_TARGET_PATH",
    "dagster_home": "DAGSTER_HOME",
    "spend_landing_dir": "MICROCONV_SPEND_LANDING_DIR",
}


def variables_set() -> dict[str, str]:
    """{setting: its environment variable} for the settings of VERBATIM_VARIABLES this environment sets."""
    return {setting: name for setting, name in VERBATIM_VARIABLES.items() if os.environ.get(name)}


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
        yandex_metrica_timezone=yandex_metrica_timezone_from_env(),
        reporting_timezone=reporting_timezone_from_env(),
        user_level_retention_days=checked_retention_days(
            os.environ.get("MICROCONV_USER_LEVEL_RETENTION_DAYS")
        ),
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
        spend_landing_dir=(
            _path_from_env("MICROCONV_SPEND_LANDING_DIR", Path())
            if os.environ.get("MICROCONV_SPEND_LANDING_DIR")
            else None
        ),
    )


def mixpanel_timezone_from_env() -> str:
    """MICROCONV_MIXPANEL_TIMEZONE (default UTC), checked against the IANA time zone names."""
    return checked_timezone(os.environ.get("MICROCONV_MIXPANEL_TIMEZONE", ""))


def yandex_metrica_timezone_from_env() -> str:
    """MICROCONV_YANDEX_METRICA_TIMEZONE (default Europe/Moscow, a Metrica counter's default), checked."""
    variable = "MICROCONV_YANDEX_METRICA_TIMEZONE"
    return checked_timezone(os.environ.get(variable, ""), variable, "Europe/Moscow")


def reporting_timezone_from_env() -> str:
    """MICROCONV_REPORTING_TIMEZONE (default UTC): the time zone of every date column, of the daily
    partitions and of the schedule, checked against the IANA time zone names."""
    variable = "MICROCONV_REPORTING_TIMEZONE"
    return checked_timezone(os.environ.get(variable, ""), variable)


def checked_retention_days(value: Any) -> int | None:
    """MICROCONV_USER_LEVEL_RETENTION_DAYS as a whole number of days of at least 1; None when unset or
    empty. ValueError, naming the variable, for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if days < 1:
        raise ValueError(
            f"MICROCONV_USER_LEVEL_RETENTION_DAYS must be a whole number of days of at least 1, not {value!r}"
        )
    return days


# The salt of the PII hashes when MICROCONV_PII_SALT is not set: the same as dbt's (macros/pii.sql).
DEFAULT_PII_SALT = "microconv-default-salt-change-me"


def pii_salt() -> str:
    """MICROCONV_PII_SALT, the salt of the e-mail / IP / user-agent hashes and of the erasure list."""
    return os.environ.get("MICROCONV_PII_SALT", DEFAULT_PII_SALT)


def checked_timezone(name: str, variable: str = "MICROCONV_MIXPANEL_TIMEZONE", default: str = "UTC") -> str:
    """A time zone setting's name (a vendor project's, the reporting time zone; blank: `default`),
    checked against the IANA time zone names; `variable` names the setting in the error."""
    name = name.strip() or default
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"{variable} is {name!r}, not an IANA time zone name such as UTC, "
            "Europe/Madrid or America/New_York"
        ) from error
    return name
