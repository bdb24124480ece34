"""The `microconv` command line: generate demo events, load them, run the Dagster job, summarise.

This module parses arguments and calls the functions that do the work (runner.py, demo.py, ingest.py,
publish.py, …), handing them the settings with the options applied.
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

from .runner import run_job, say
from .settings import Settings, get_settings
from .sources import EVENT_SOURCES, VENDORS
from .warehouse import WarehouseBusyError, run_lock


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings with this command's --best-effort and --verbose applied."""
    settings = get_settings()
    if getattr(args, "best_effort", False):
        settings = settings.replace(best_effort=True)
    if getattr(args, "verbose", False):
        settings = settings.replace(verbose=True)
    return settings


def cmd_generate(args: argparse.Namespace) -> int:
    from .demo import GenerateRequest, generate_landing_files
    from .generator import GeneratorConfig

    settings = _settings(args)
    out = Path(args.out) if args.out else settings.landing_dir_of(EVENT_SOURCES[args.vendor or "microconv"])
    config = GeneratorConfig(
        events=args.events,
        days=args.days,
        seed=args.seed,
        start_date=date.fromisoformat(args.start_date),
        dirty_share=args.dirty_share,
        late_share=args.late_share,
    )
    spend_out = None
    if not args.no_spend:
        spend_out = (
            Path(args.spend_out)
            if args.spend_out
            else (out.parent / "spend" if args.out else settings.spend_dir)
        )
    request = GenerateRequest(
        config, out, args.format, args.gzip, args.overwrite, args.verbose, args.vendor, spend_out
    )
    return 0 if generate_landing_files(request) is not None else 2


def cmd_load(args: argparse.Namespace) -> int:
    from .ingest import load_and_report

    return load_and_report(_settings(args), say)


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        ok = run_job(
            full_refresh=args.full_refresh,
            start=args.start,
            end=args.end,
            skip_tests=args.skip_tests,
            settings=settings,
        ).success
    except WarehouseBusyError as error:
        say(f"Nothing was run: {error}")
        return 1
    if ok:
        from .summary import warehouse_summary

        print(warehouse_summary(settings.reader_path))
    say(f"Dagster job {'succeeded' if ok else 'FAILED'}; warehouse: {settings.engine_steps.location}")
    return 0 if ok else 1


def cmd_summary(args: argparse.Namespace) -> int:
    from .summary import warehouse_summary

    print(warehouse_summary(_settings(args).reader_path))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import DemoRequest, run_demo

    request = DemoRequest(
        event_source=args.event_source,
        events=args.events,
        days=args.days,
        seed=args.seed,
        start_date=date.fromisoformat(args.start_date) if args.start_date else None,
        fresh=args.fresh,
    )
    return run_demo(request, _settings(args))


def _iso_day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from error


def cmd_docs(args: argparse.Namespace) -> int:
    """dbt's documentation site with the catalogue of the built warehouse, as one static HTML file."""
    settings = _settings(args)
    if not settings.duckdb_path.exists():
        say(f"No warehouse at {settings.duckdb_path}: run `microconv run` (or `make demo`) first.")
        return 1
    # The catalogue is read from the warehouse itself: like any dbt command it needs the writer slot,
    # so it waits for a run of ours (the run lock) and must not start while a scheduled run is building.
    # dbt's artifacts go where every other dbt command of these settings puts them.
    target = settings.project_dir / settings.dbt_target_path
    argv = ["dbt", "docs", "generate", "--static", "--project-dir", str(settings.project_dir)]
    argv += ["--target-path", str(target)]
    try:
        with run_lock(settings.duckdb_path, wait_message=say):
            completed = subprocess.run(
                [*argv, "--profiles-dir", str(settings.project_dir)],
                check=False,
                env=settings.subprocess_env(),
            )
    except WarehouseBusyError as error:
        say(f"No docs generated: {error}")
        return 1
    if completed.returncode != 0:
        return completed.returncode
    say(f"dbt docs (open in a browser): {target / 'static_index.html'}")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    """Run MetricFlow's `mf` (validate-configs, query, list …) on a private copy of the published marts."""
    from .publish import metricflow_copy

    settings = _settings(args)
    if not (settings.publish_dir / "microconv.duckdb").exists():
        say(f"No published copy in {settings.publish_dir}: run `microconv run` first.")
        return 1
    env = settings.subprocess_env(extra={"MICROCONV_DUCKDB_PATH": str(metricflow_copy(settings))})
    mf = Path(sys.executable).with_name("mf")
    return subprocess.run([str(mf), *args.mf_args], cwd=settings.project_dir, env=env, check=False).returncode


def cmd_report(args: argparse.Namespace) -> int:
    """Redraw the HTML dashboard from the published copy (runs do it after publishing) and say how to
    open it."""
    from .report.page import write_report

    publish_dir = _settings(args).publish_dir
    if not (publish_dir / "microconv.duckdb").exists():
        say(f"No published copy in {publish_dir}: run `microconv run` first.")
        return 1
    path = write_report(publish_dir)
    say(f"Dashboard: {path}")
    say(f"Open it in a browser (no server needed, works offline): {path.resolve().as_uri()}")
    say(f"A page opens directly by its name, e.g. {path.resolve().as_uri()}#funnels (see docs/dashboard.md).")
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    """Erase people from the warehouse and the published copy, and suppress them in later runs."""
    from .erasure import ErasureError, forget, read_id_file
    from .warehouse import WarehouseBusyError

    user_ids, anonymous_ids = list(args.user_id or []), list(args.anonymous_id or [])
    if args.file:
        from_file = read_id_file(Path(args.file))
        user_ids += from_file[0]
        anonymous_ids += from_file[1]
    if not user_ids and not anonymous_ids:
        say("Nothing to forget: give --user-id, --anonymous-id or --file.")
        return 2
    try:
        report = forget(_settings(args), user_ids, anonymous_ids)
    except (ErasureError, WarehouseBusyError) as error:
        say(f"Nothing was erased: {error}")
        return 1
    say(
        f"Forgot {len(report.identity_hashes)} id(s) (with the ids stitched to them): "
        f"{report.total:,} rows removed; the published copy was replaced."
    )
    for table, rows in sorted(report.rows_removed.items()):
        say(f"  {table}: {rows:,}")
    say("Their ids are on the suppression list (raw.erased_identities): no later run brings them back.")
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    from .project import prepare_manifest

    say(f"dbt manifest: {prepare_manifest(_settings(args))}")
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
    gen.add_argument(
        "--spend-out",
        help="folder for the ad spend reports of the simulated paid traffic (default: the spend landing "
        "folder, MICROCONV_SPEND_LANDING_DIR, or a 'spend' folder beside --out)",
    )
    gen.add_argument("--no-spend", action="store_true", help="write no ad spend reports")
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

    report = sub.add_parser("report", help="redraw the HTML dashboard (report.html) from the published copy")
    report.set_defaults(func=cmd_report)

    prepare = sub.add_parser(
        "prepare", help="parse the dbt project for this environment (runs do it when it is out of date)"
    )
    prepare.set_defaults(func=cmd_prepare)

    forget = sub.add_parser(
        "forget",
        help="erase a person (right to erasure) from the warehouse and the published copy",
        description="Erase people: every row of theirs (the ids given and every id stitched to them) "
        "from the raw, intermediate, core and marts tables and the published copy, in one transaction; "
        "their ids' keyed hashes go on the suppression list so no later run brings them back, and "
        "raw.erasure_audit records what was removed (docs/privacy.md).",
    )
    forget.add_argument("--user-id", action="append", help="a user id to forget (repeatable)")
    forget.add_argument(
        "--anonymous-id", action="append", help="an anonymous (device) id to forget (repeatable)"
    )
    forget.add_argument(
        "--file", help="a file of ids: CSV with user_id and/or anonymous_id columns, or one user id per line"
    )
    forget.set_defaults(func=cmd_forget)

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
    logging.getLogger(__package__).addHandler(handler)
    logging.getLogger(__package__).setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    if not getattr(args, "verbose", False):
        _quiet_library_warnings()
        # One line per loaded landing file is for --verbose; rejections (errors) still print.
        logging.getLogger(f"{__package__}.ingest").setLevel(logging.WARNING)
    return int(args.func(args))


def _quiet_library_warnings() -> None:
    """Dagster's notes that an API we call is beta, preview or deprecated are for us, not for users."""
    import warnings

    from dagster import BetaWarning, PreviewWarning, SupersessionWarning

    for category in (BetaWarning, PreviewWarning, SupersessionWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category)


if __name__ == "__main__":
    sys.exit(main())
