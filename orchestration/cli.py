"""The `microconv` command line: generate demo events, load them, run the Dagster job, summarise."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from .report import REPORT_FILE
from .settings import Settings, apply_to_environment, get_settings
from .sources import EVENT_SOURCES, VENDORS
from .warehouse import WarehouseBusyError, connect, run_lock

if TYPE_CHECKING:
    from dagster import ExecuteInProcessResult, JobDefinition


def _print(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ensure_dagster_home(settings: Settings) -> Path:
    """A DAGSTER_HOME with telemetry off (no network here); respects an existing DAGSTER_HOME."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.project_dir / ".dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(settings.project_dir / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def cmd_generate(args: argparse.Namespace) -> int:
    return 0 if _generate(args) is not None else 2


def _generate(args: argparse.Namespace) -> list[Path] | None:
    """Generate into the folder; None (after saying why) when it holds files generate did not write,
    or earlier generated files without --overwrite."""
    from .demo import foreign_files, generated_names, remove_generated
    from .generator import GeneratorConfig, generate

    out = (
        Path(args.out)
        if args.out
        else EVENT_SOURCES[args.vendor or "microconv"].landing_dir(get_settings().landing_dir)
    )
    foreign = foreign_files(out)
    if foreign:
        names = ", ".join(str(path.relative_to(out)) for path in foreign[:3])
        _print(
            f"{out} holds {len(foreign)} landing file(s) that microconv did not generate ({names}"
            f"{', …' if len(foreign) > 3 else ''}): they would be loaded with the generated events, and "
            "microconv never deletes them. Move them, or generate into an empty folder."
        )
        return None
    existing = [out / name for name in sorted(generated_names(out)) if (out / name).exists()]
    if existing and not args.overwrite:
        _print(
            f"{out} already holds {len(existing)} generated event files; pass --overwrite to replace them."
        )
        return None
    if args.overwrite:
        remove_generated(out)
    config = GeneratorConfig(
        events=args.events,
        days=args.days,
        seed=args.seed,
        start_date=date.fromisoformat(args.start_date),
        dirty_share=args.dirty_share,
        late_share=args.late_share,
    )
    started = time.perf_counter()
    progress = _print if args.events >= 100_000 or args.verbose else None
    result = generate(config, out, args.format, compress=args.gzip, progress=progress, vendor=args.vendor)
    elapsed = time.perf_counter() - started
    _print(
        f"Generated {result.rows:,} raw rows in {len(result.files)} {args.format} files under {out} "
        f"in {elapsed:.1f}s ({result.rows / max(elapsed, 1e-9):,.0f} rows/s); "
        f"manifest: {out / '_manifest.json'}"
    )
    return result.files


def cmd_load(args: argparse.Namespace) -> int:
    from .ingest import LandingDirMissingError, load_event_sources, rejected_summary

    if args.best_effort:
        os.environ["MICROCONV_BEST_EFFORT"] = "1"
    settings = get_settings()
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with run_lock(settings.duckdb_path, wait_message=_print), connect(settings.duckdb_path) as con:
            reports = load_event_sources(
                con, settings.landing_dir, settings.landing_glob, settings.event_sources
            )
    except (WarehouseBusyError, LandingDirMissingError) as error:
        _print(f"Nothing was loaded: {error}")
        return 1
    for source, landing_dir, report in reports:
        if not landing_dir.is_dir():
            continue
        _print(
            f"{source.title} ({landing_dir}): loaded {report.rows_loaded:,} rows from {len(report.loaded)} "
            f"files ({len(report.skipped)} already loaded, {len(report.rejected)} rejected)."
        )
        for path, error in report.rejected:
            _print(f"  rejected {path}: {error}")
    rejected = rejected_summary(reports)
    if rejected and not settings.best_effort:
        _print(rejected)
        return 1
    return 0


def _without_dbt_tests(job: JobDefinition) -> JobDefinition:
    """The job without the dbt tests' asset checks (the freshness and anomaly checks stay).

    Excluding them from dbt alone would still plan ~240 check evaluations, and every planned event
    costs Dagster's SQLite event log tens of milliseconds.
    """
    from .assets.dbt import microconv_dbt_assets

    checks = set(job.asset_layer.asset_graph.asset_check_keys) - set(microconv_dbt_assets.check_keys)
    return job.get_subset(
        asset_selection=set(job.asset_layer.executable_asset_keys), asset_check_selection=checks
    )


def run_job(
    full_refresh: bool = False,
    dbt_vars: dict[str, str] | None = None,
    start: str | None = None,
    end: str | None = None,
    skip_tests: bool = False,
) -> ExecuteInProcessResult:
    """Execute the Dagster job in-process for the days start..end (inclusive, one run).

    Without dates the run reprocesses the whole history (recorded as the latest partition's run).
    One run at a time: a second run waits for the warehouse's run lock (MICROCONV_LOCK_TIMEOUT_SECONDS),
    then raises WarehouseBusyError before it loads, builds or publishes anything.
    """
    settings = get_settings()
    with run_lock(settings.duckdb_path, wait_message=_print):
        return _run_job(settings, full_refresh, dbt_vars, start, end, skip_tests)


def _run_job(
    settings: Settings,
    full_refresh: bool,
    dbt_vars: dict[str, str] | None,
    start: str | None,
    end: str | None,
    skip_tests: bool,
) -> ExecuteInProcessResult:
    apply_to_environment(settings)
    ensure_dagster_home(settings)
    from dagster import DagsterInstance, PartitionKeyRange

    from .partitions import daily_partitions, range_tags
    from .project import prepare_manifest

    prepare_manifest()
    from .definitions import defs
    from .jobs import MICROCONV_JOB_NAME

    whole_history = start is None and end is None
    last = daily_partitions.get_last_partition_key()
    if whole_history:
        start = end = last
    else:
        start, end = start or daily_partitions.get_first_partition_key(), end or last
    if not (start and end):
        raise SystemExit(f"No complete day since the first partition ({settings.first_partition}) yet")
    keys = daily_partitions.get_partition_keys_in_range(PartitionKeyRange(start, end))
    job = defs.resolve_job_def(MICROCONV_JOB_NAME)
    if skip_tests:
        job = _without_dbt_tests(job)
    dbt_config = {
        "full_refresh": full_refresh,
        "vars": dict(dbt_vars or {}),
        "skip_tests": skip_tests,
        "whole_history": whole_history,
    }
    run_config: dict = {"ops": {"microconv_dbt_assets": {"config": dbt_config}}}
    if not os.environ.get("MICROCONV_VERBOSE"):
        # Calm by default (and a terminal's progress bars stay whole): `--verbose` shows Dagster's log.
        run_config["loggers"] = {"console": {"config": {"log_level": "WARNING"}}}
    partition = {"partition_key": keys[0]} if len(keys) == 1 else {"tags": range_tags(keys[0], keys[-1])}
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False, **partition
        )
    if not result.success:
        from .alerts import record_alert

        failed = [event.step_key for event in result.all_events if event.is_step_failure]
        record_alert(
            "run_failure",
            f"Run {result.run_id} of {MICROCONV_JOB_NAME} failed in {', '.join(failed) or 'an unknown step'}",
            {"run_id": result.run_id, "job": MICROCONV_JOB_NAME, "failed_steps": failed},
            settings,
        )
    return result


def cmd_run(args: argparse.Namespace) -> int:
    if args.best_effort:
        os.environ["MICROCONV_BEST_EFFORT"] = "1"
    settings = get_settings()
    try:
        ok = run_job(
            full_refresh=args.full_refresh, start=args.start, end=args.end, skip_tests=args.skip_tests
        ).success
    except WarehouseBusyError as error:
        _print(f"Nothing was run: {error}")
        return 1
    if ok:
        from .summary import warehouse_summary

        print(warehouse_summary(settings.reader_path))
    where = f"Spark ({settings.spark_dir})" if settings.engine == "spark" else str(settings.duckdb_path)
    _print(f"Dagster job {'succeeded' if ok else 'FAILED'}; warehouse: {where}")
    return 0 if ok else 1


def cmd_summary(_: argparse.Namespace) -> int:
    from .summary import warehouse_summary

    settings = get_settings()
    print(warehouse_summary(settings.reader_path))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        with run_lock(settings.duckdb_path, wait_message=_print):
            return _demo(args, settings)
    except WarehouseBusyError as error:
        _print(f"Nothing was run: {error}")
        return 1


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from .demo import (
        delete_demo_warehouse,
        foreign_files,
        generated_names,
        not_a_demo_warehouse,
        record_demo_files,
    )
    from .ingest import landing_dir_setting

    source = EVENT_SOURCES[args.event_source]
    landing_dir = source.landing_dir(settings.landing_dir)
    # Every source's folder is loaded into the demo's warehouse: none may hold files the demo did not write.
    refusals = []
    for each in EVENT_SOURCES.values():
        folder = each.landing_dir(settings.landing_dir)
        foreign = foreign_files(folder)
        if foreign:
            names = ", ".join(str(path.relative_to(folder)) for path in foreign[:3])
            refusals.append(
                f"{folder} ({landing_dir_setting(each)}) holds {len(foreign)} landing file(s) the demo did "
                f"not write ({names}{', …' if len(foreign) > 3 else ''})"
            )
    # Fresh or not, demo events never go into (nor replace) a warehouse holding other data.
    if settings.duckdb_path.exists():
        reason = not_a_demo_warehouse(settings.duckdb_path)
        if reason:
            refusals.append(f"{reason}; set MICROCONV_DUCKDB_PATH to another file")
    if refusals:
        _print(
            "The demo deletes and loads only files it wrote itself, and would mix or delete yours:\n  "
            + "\n  ".join(refusals)
            + "\nPoint MICROCONV_LANDING_DIR (and MICROCONV_DUCKDB_PATH) at empty places for the demo."
        )
        return 2
    if args.fresh:
        delete_demo_warehouse(settings.duckdb_path)
    # The models read the demo's source only (files of other sources still load into their raw tables).
    os.environ["MICROCONV_EVENT_SOURCES"] = source.name
    if source.name == "mixpanel":
        from .generator.vendors import MIXPANEL_DEMO_TIMEZONE

        # The demo's Mixpanel export is a pre-2023 project's: `time` in the project's time zone.
        os.environ["MICROCONV_MIXPANEL_TIMEZONE"] = MIXPANEL_DEMO_TIMEZONE
    generate_args = argparse.Namespace(
        events=args.events,
        days=args.days,
        seed=args.seed,
        out=str(landing_dir),
        vendor=None if source.is_contract else source.name,
        format="parquet",
        gzip=False,
        # Default: the last `--days` days up to yesterday (UTC), so the demo is fresh and recent.
        start_date=args.start_date or (datetime.now(UTC).date() - timedelta(days=args.days)).isoformat(),
        dirty_share=0.02,
        late_share=0.03,
        overwrite=True,
        verbose=True,
    )
    files = _generate(generate_args)
    if files is None:
        return 2
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    # Earlier demos' files in the other sources' folders load too: they are the demo's as well.
    earlier = [
        folder / name
        for folder in (each.landing_dir(settings.landing_dir) for each in EVENT_SOURCES.values())
        for name in generated_names(folder)
        if (folder / name).is_file()
    ]
    record_demo_files(settings.duckdb_path, [*files, *earlier], keep_previous=not args.fresh)
    if not run_job(full_refresh=True).success:
        _print("The Dagster job failed; see the log above.")
        return 1
    from .landing_sensor import record_demo_cursor

    record_demo_cursor(settings)
    import duckdb

    from .summary import warehouse_summary

    print(warehouse_summary(settings.duckdb_path))
    print(
        f"\nWarehouse being built (DuckDB {duckdb.__version__} file): {settings.duckdb_path}\n"
        f"For BI tools, read-only copy (DuckDB >= 1.0): {settings.publish_dir / 'microconv.duckdb'}\n"
        f"Parquet, one file per table: {settings.publish_dir / 'parquet'}\n"
        f"Landing files ({source.title}): {landing_dir}\n"
        "Dagster UI: make dagster   (or: DAGSTER_HOME=.dagster_home .venv/bin/dagster dev)\n"
        f"Report (open in a browser): {settings.publish_dir / REPORT_FILE}"
    )
    return 0


def _iso_day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from error


def cmd_docs(args: argparse.Namespace) -> int:
    """dbt's documentation site with the catalogue of the built warehouse, as one static HTML file."""
    settings = get_settings()
    apply_to_environment(settings)
    if not settings.duckdb_path.exists():
        _print(f"No warehouse at {settings.duckdb_path}: run `microconv run` (or `make demo`) first.")
        return 1
    # The catalogue is read from the warehouse itself: like any dbt command it needs the writer slot,
    # so it waits for a run of ours (the run lock) and must not start while a scheduled run is building.
    argv = ["dbt", "docs", "generate", "--static", "--project-dir", str(settings.project_dir)]
    try:
        with run_lock(settings.duckdb_path, wait_message=_print):
            completed = subprocess.run([*argv, "--profiles-dir", str(settings.project_dir)], check=False)
    except WarehouseBusyError as error:
        _print(f"No docs generated: {error}")
        return 1
    if completed.returncode != 0:
        return completed.returncode
    _print(f"dbt docs (open in a browser): {settings.project_dir / 'target' / 'static_index.html'}")
    return 0


def metricflow_copy(settings: Settings) -> Path:
    """A private copy of the published marts for MetricFlow, refreshed when a newer copy was published.

    `mf` opens its DuckDB file for writing: on the warehouse it would block (or be blocked by) a
    scheduled run, and on the published copy it would block BI readers. Named microconv.duckdb like the
    warehouse, so that the database name in dbt's manifest matches.
    """
    published = settings.publish_dir / "microconv.duckdb"
    copy = settings.metricflow_dir / "microconv.duckdb"
    if not copy.exists() or copy.stat().st_mtime < published.stat().st_mtime:
        copy.parent.mkdir(parents=True, exist_ok=True)
        staging = copy.with_name(f".{copy.name}.{os.getpid()}.tmp")
        shutil.copyfile(published, staging)
        os.replace(staging, copy)
    return copy


def cmd_metrics(args: argparse.Namespace) -> int:
    """Run MetricFlow's `mf` (validate-configs, query, list …) on a private copy of the published marts."""
    settings = get_settings()
    if not (settings.publish_dir / "microconv.duckdb").exists():
        _print(f"No published copy in {settings.publish_dir}: run `microconv run` first.")
        return 1
    apply_to_environment(settings)
    env = {**os.environ, "MICROCONV_DUCKDB_PATH": str(metricflow_copy(settings))}
    mf = Path(sys.executable).with_name("mf")
    return subprocess.run([str(mf), *args.mf_args], cwd=settings.project_dir, env=env, check=False).returncode


def cmd_report(args: argparse.Namespace) -> int:
    """Redraw the HTML report from the published copy (runs do it after publishing)."""
    from .report.page import write_report

    publish_dir = get_settings().publish_dir
    if not (publish_dir / "microconv.duckdb").exists():
        _print(f"No published copy in {publish_dir}: run `microconv run` first.")
        return 1
    _print(f"Report: {write_report(publish_dir)}")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    apply_to_environment(get_settings())
    from .project import prepare_manifest

    _print(f"dbt manifest: {prepare_manifest()}")
    return 0


def cmd_spark_attribution(_: argparse.Namespace) -> int:
    """The data-driven attribution step of a Spark build (dbt-spark has no local Python models)."""
    from .engines.spark import CREDITS_TABLE, spark_session, write_data_driven_credits

    rows = write_data_driven_credits(spark_session())
    _print(f"Wrote {rows} rows of Markov and Shapley credits to {CREDITS_TABLE} (Spark).")
    return 0


def cmd_spark_export(args: argparse.Namespace) -> int:
    from .engines.spark import export_tables, spark_session

    names = export_tables(spark_session(), tuple(args.schemas), Path(args.out))
    _print(f"Exported {len(names)} Spark tables as Parquet under {args.out}.")
    return 0


DEMO_FRESH_HELP = (
    "start from an empty warehouse (default). A fresh demo deletes only what earlier demos wrote: the "
    "files listed in the landing folder's _manifest.json (and their copies in _rejected/), and the "
    "warehouse file (with its .wal and <warehouse>.demo.json) when every file it ever loaded is one the "
    "demo generated. It deletes nothing else: it refuses to run when a landing folder holds files it "
    "did not write, or the warehouse holds other data"
)
BEST_EFFORT_HELP = (
    "build from the other files when a landing file is rejected (unreadable, or a contract file lacking "
    "a required column); without it (or MICROCONV_BEST_EFFORT=1) a rejected file fails the run"
)

VERBOSE_HELP = "print Dagster's log (INFO) and dbt's line per model and test, not one line per layer"
SEED_HELP = "random seed (the same seed gives the same events)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="microconv", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write seeded demo events as landing files")
    gen.add_argument("--events", type=int, default=1_000_000, help="approximate number of events")
    gen.add_argument("--days", type=int, default=60, help="number of days the events span")
    gen.add_argument("--seed", type=int, default=42, help=SEED_HELP)
    gen.add_argument("--start-date", default="2026-01-01", help="first event day (UTC, YYYY-MM-DD)")
    gen.add_argument("--out", help="landing directory (default: the source's, e.g. data/landing/ga4)")
    gen.add_argument(
        "--vendor",
        choices=[vendor.name for vendor in VENDORS],
        help="write the events in this vendor's export format instead",
    )
    gen.add_argument(
        "--format", choices=("parquet", "csv", "jsonl"), default="parquet", help="landing file format"
    )
    gen.add_argument("--gzip", action="store_true", help="gzip csv/jsonl files")
    gen.add_argument("--dirty-share", type=float, default=0.02, help="share of dirty rows (0-1)")
    gen.add_argument("--late-share", type=float, default=0.03, help="share of rows loaded 1-4 days late")
    gen.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the files an earlier generate wrote in --out (listed in its _manifest.json); other "
        "files are never deleted, and a folder holding landing files generate did not write is refused",
    )
    gen.add_argument("--verbose", action="store_true", help="show progress for small runs too")
    gen.set_defaults(func=cmd_generate)

    load = sub.add_parser(
        "load", help="load new landing files into the raw tables (raw.events, raw.<vendor>_events)"
    )
    load.add_argument("--best-effort", action="store_true", help=BEST_EFFORT_HELP)
    load.set_defaults(func=cmd_load)

    run = sub.add_parser("run", help="run the Dagster job (ingestion + dbt build) in-process")
    run.add_argument(
        "--full-refresh", action="store_true", help="rebuild every incremental model from all raw events"
    )
    run.add_argument("--skip-tests", action="store_true", help="build models only (no dbt tests)")
    run.add_argument("--start", type=_iso_day, help="first day to process (YYYY-MM-DD, UTC)")
    run.add_argument("--end", type=_iso_day, help="last day to process, inclusive (default: yesterday)")
    run.add_argument("--best-effort", action="store_true", help=BEST_EFFORT_HELP)
    run.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    run.set_defaults(func=cmd_run)

    docs = sub.add_parser("docs", help="generate dbt docs (models, columns, tests, lineage, exposures)")
    docs.set_defaults(func=cmd_docs)

    metrics = sub.add_parser(
        "metrics", help="MetricFlow (`mf …`) on a private copy of the published marts, e.g. metrics query"
    )
    metrics.add_argument("mf_args", nargs=argparse.REMAINDER, help="arguments for mf")
    metrics.set_defaults(func=cmd_metrics)

    report = sub.add_parser("report", help="redraw the HTML report from the published copy")
    report.set_defaults(func=cmd_report)

    prepare = sub.add_parser(
        "prepare", help="parse the dbt project for this environment (runs do it when it is out of date)"
    )
    prepare.set_defaults(func=cmd_prepare)

    spark_attribution = sub.add_parser(
        "spark-attribution",
        help="Spark target: compute Markov/Shapley credits from int_attribution_paths_summarized",
    )
    spark_attribution.set_defaults(func=cmd_spark_attribution)

    spark_export = sub.add_parser("spark-export", help="Spark target: write tables as Parquet files")
    spark_export.add_argument("out", help="directory for <schema>/<table> Parquet folders")
    spark_export.add_argument(
        "--schemas", nargs="+", default=["core", "marts"], help="schemas to export (default: core marts)"
    )
    spark_export.set_defaults(func=cmd_spark_export)

    summary = sub.add_parser("summary", help="print rows per layer and the data-quality accounting")
    summary.set_defaults(func=cmd_summary)

    demo = sub.add_parser(
        "demo",
        help="generate demo events, run the job, print a summary",
        description="Generate demo events into the landing folder, run the Dagster job, print a summary. "
        + DEMO_FRESH_HELP.replace("start from an empty warehouse (default). ", "")
        + ".",
    )
    demo.add_argument("--events", type=int, default=1_000_000, help="approximate number of events")
    demo.add_argument("--days", type=int, default=60, help="number of days the events span")
    demo.add_argument("--seed", type=int, default=42, help=SEED_HELP)
    demo.add_argument(
        "--start-date",
        help="first event day (UTC, YYYY-MM-DD; default: --days days ago, so the last day is yesterday)",
    )
    demo.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    demo.add_argument(
        "--event-source",
        choices=tuple(EVENT_SOURCES),
        default="microconv",
        help="land the demo in this source's format and build the marts from it",
    )
    demo.add_argument(
        "--fresh",
        action=argparse.BooleanOptionalAction,
        default=True,
        help=DEMO_FRESH_HELP,
    )
    demo.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .progress import CONSOLE, interactive

    handler: logging.Handler
    if interactive():
        from rich.logging import RichHandler

        handler = RichHandler(console=CONSOLE, show_time=False, show_path=False)
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger("orchestration").addHandler(handler)
    logging.getLogger("orchestration").setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    if getattr(args, "verbose", False):
        os.environ["MICROCONV_VERBOSE"] = "1"
    else:
        _quiet_library_warnings()
        # One line per loaded landing file is for --verbose; rejections (errors) still print.
        logging.getLogger("orchestration.ingest").setLevel(logging.WARNING)
    return int(args.func(args))


def _quiet_library_warnings() -> None:
    """Dagster's notes that an API we call is beta, preview or deprecated are for us, not for users."""
    import warnings

    from dagster import BetaWarning, PreviewWarning, SupersessionWarning

    for category in (BetaWarning, PreviewWarning, SupersessionWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)


if __name__ == "__main__":
    sys.exit(main())
