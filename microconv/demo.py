"""What `microconv demo` and `microconv generate` may delete: only what they wrote themselves.

The generator lists the files it wrote in `<folder>/_manifest.json`; a fresh demo or `generate
--overwrite` deletes those (and their copies in `_rejected/`), never anything else, and refuses a
landing folder holding landing files it did not write (they would be mixed into the demo). The demo
records the SHA-256 of every file it generated in `<warehouse>.demo.json`; it deletes the warehouse
only when every file the warehouse ever loaded (raw.loaded_files) is one of those.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from .ingest import REJECTED_DIR_NAME, discover_files, file_digest, source_name
from .settings import Settings
from .sources import EVENT_SOURCES
from .warehouse import WarehouseBusyError, connect, run_lock

if TYPE_CHECKING:
    from .generator import GeneratorConfig

MANIFEST_NAME = "_manifest.json"


def generated_names(folder: Path) -> set[str]:
    """The files the last generation into this folder wrote (from its _manifest.json), as paths relative
    to the folder: a vendor writing one subfolder per table (Yandex Metrica's hits/ and visits/, Heap)
    names the same day's file in each."""
    try:
        files = json.loads((folder / MANIFEST_NAME).read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {Path(name).as_posix() for name in files if isinstance(name, str)}


def foreign_files(folder: Path) -> list[Path]:
    """Landing files under the folder (subfolders included) that the generator did not write there."""
    if not folder.is_dir():
        return []
    ours = generated_names(folder)
    return [path for path in discover_files(folder) if source_name(path, folder) not in ours]


def remove_generated(folder: Path) -> list[Path]:
    """Delete the files the folder's _manifest.json lists (and their copies in _rejected/), then the
    manifest; nothing else."""
    removed = []
    for name in sorted(generated_names(folder)):
        # The loader moves a rejected file to _rejected/ under its own name.
        rejected = folder / REJECTED_DIR_NAME / Path(name).name
        for path in (folder / name, rejected, rejected.with_name(rejected.name + ".error.txt")):
            if path.is_file():
                path.unlink()
                removed.append(path)
    manifest = folder / MANIFEST_NAME
    if manifest.is_file():
        manifest.unlink()
        removed.append(manifest)
    return removed


def demo_record_path(duckdb_path: Path) -> Path:
    return duckdb_path.with_name(duckdb_path.name + ".demo.json")


def _recorded_ids(duckdb_path: Path) -> set[str] | None:
    try:
        return set(json.loads(demo_record_path(duckdb_path).read_text())["file_ids"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read_record(duckdb_path: Path) -> dict:
    try:
        record = json.loads(demo_record_path(duckdb_path).read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(duckdb_path: Path, record: dict) -> None:
    demo_record_path(duckdb_path).write_text(json.dumps(record, indent=1) + "\n")


def record_demo_files(duckdb_path: Path, files: Iterable[Path], keep_previous: bool) -> None:
    """Remember the content hashes of the files the demo generated (the ids raw.loaded_files keeps)."""
    ids = (_recorded_ids(duckdb_path) or set()) if keep_previous else set()
    ids |= {file_digest(path) for path in files}
    _write_record(duckdb_path, {"file_ids": sorted(ids)})


def record_demo_landing_cursor(duckdb_path: Path, landing_root: Path, cursor: str) -> None:
    """Remember the landing sensor's cursor after the files the demo loaded (see landing_sensor)."""
    record = _read_record(duckdb_path)
    record["landing_cursor"] = {"landing_root": str(landing_root.resolve()), **json.loads(cursor)}
    _write_record(duckdb_path, record)


def demo_landing_cursor(duckdb_path: Path, landing_root: Path) -> str | None:
    """The landing sensor's cursor a demo recorded for this warehouse and landing root (None: none)."""
    cursor = _read_record(duckdb_path).get("landing_cursor")
    if not isinstance(cursor, dict) or cursor.get("landing_root") != str(landing_root.resolve()):
        return None
    return json.dumps({key: value for key, value in cursor.items() if key != "landing_root"})


def not_a_demo_warehouse(duckdb_path: Path) -> str | None:
    """Why the warehouse file must not be deleted by a fresh demo (None: only the demo's files in it)."""
    recorded = _recorded_ids(duckdb_path)
    if recorded is None:
        return f"{duckdb_path} was not built by `microconv demo` (no {demo_record_path(duckdb_path).name})"
    try:
        with connect(duckdb_path, read_only=True) as con:
            loaded = con.execute("select file_id, source_file from raw.loaded_files").fetchall()
    except duckdb.CatalogException:
        loaded = []
    except duckdb.Error as error:
        return f"{duckdb_path} could not be read as a demo warehouse ({type(error).__name__})"
    others = [source_file for file_id, source_file in loaded if file_id not in recorded]
    if others:
        return (
            f"{duckdb_path} holds {len(others)} loaded file(s) the demo did not write "
            f"(e.g. {', '.join(others[:3])})"
        )
    return None


def delete_demo_warehouse(duckdb_path: Path) -> None:
    for path in (
        duckdb_path,
        duckdb_path.with_name(duckdb_path.name + ".wal"),
        demo_record_path(duckdb_path),
    ):
        path.unlink(missing_ok=True)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class GenerateRequest:
    """What `microconv generate` (and the demo) asks the generator for."""

    config: GeneratorConfig
    out: Path
    file_format: str = "parquet"
    gzip: bool = False
    overwrite: bool = False
    verbose: bool = False
    vendor: str | None = None
    # Where to write the ad spend reports of the simulated paid traffic (None: none).
    spend_out: Path | None = None


def _spend_folder(request: GenerateRequest) -> Path | None:
    """The spend folder to generate into, None (after saying why) when it holds files generate did not
    write, or earlier generated reports without `overwrite`; its earlier reports removed on overwrite."""
    folder = request.spend_out
    if folder is None:
        return None
    if foreign_files(folder):
        say(f"No ad spend reports generated: {folder} holds spend files microconv did not write.")
        return None
    if generated_names(folder) and not request.overwrite:
        say(
            f"No ad spend reports generated: {folder} already holds generated reports "
            "(--overwrite replaces them)."
        )
        return None
    remove_generated(folder)
    return folder


def generate_landing_files(request: GenerateRequest) -> list[Path] | None:
    """Generate into the folder; None (after saying why) when it holds files generate did not write,
    or earlier generated files without `overwrite`."""
    from .generator import generate

    out = request.out
    foreign = foreign_files(out)
    if foreign:
        names = ", ".join(str(path.relative_to(out)) for path in foreign[:3])
        say(
            f"{out} holds {len(foreign)} landing file(s) that microconv did not generate ({names}"
            f"{', …' if len(foreign) > 3 else ''}): they would be loaded with the generated events, and "
            "microconv never deletes them. Move them, or generate into an empty folder."
        )
        return None
    existing = [out / name for name in sorted(generated_names(out)) if (out / name).exists()]
    if existing and not request.overwrite:
        say(f"{out} already holds {len(existing)} generated event files; pass --overwrite to replace them.")
        return None
    if request.overwrite:
        remove_generated(out)
    config = request.config
    started = time.perf_counter()
    progress = say if config.events >= 100_000 or request.verbose else None
    spend_dir = _spend_folder(request)
    result = generate(
        config,
        out,
        request.file_format,
        compress=request.gzip,
        progress=progress,
        vendor=request.vendor,
        spend_dir=spend_dir,
    )
    elapsed = time.perf_counter() - started
    say(
        f"Generated {result.rows:,} raw rows in {len(result.files)} {request.file_format} files under {out} "
        f"in {elapsed:.1f}s ({result.rows / max(elapsed, 1e-9):,.0f} rows/s); "
        f"manifest: {out / '_manifest.json'}"
    )
    if spend_dir is not None:
        spend_files = [spend_dir / name for name in sorted(generated_names(spend_dir))]
        say(f"Generated {len(spend_files)} ad spend reports under {spend_dir}")
        return [*result.files, *spend_files]
    return result.files


@dataclass(frozen=True)
class DemoRequest:
    """`microconv demo`'s options."""

    event_source: str = "microconv"
    events: int = 1_000_000
    days: int = 60
    seed: int = 42
    # Default: the last `days` days up to yesterday (UTC), so the demo is fresh and recent.
    start_date: date | None = None
    fresh: bool = True


def run_demo(request: DemoRequest, settings: Settings) -> int:
    """Generate demo events, run the job over them, print a summary; the exit code."""
    try:
        with run_lock(settings.duckdb_path, wait_message=say):
            return _demo(request, settings)
    except WarehouseBusyError as error:
        say(f"Nothing was run: {error}")
        return 1


def demo_refusals(settings: Settings) -> list[str]:
    """Why the demo must not run here: landing folders holding files it did not write, a warehouse
    holding other data."""
    refusals = []
    # Every source's folder is loaded into the demo's warehouse: none may hold files the demo did not write.
    for each in EVENT_SOURCES.values():
        folder = settings.landing_dir_of(each)
        foreign = foreign_files(folder)
        if foreign:
            names = ", ".join(str(path.relative_to(folder)) for path in foreign[:3])
            refusals.append(
                f"{folder} ({each.landing_dir_setting}) holds {len(foreign)} landing file(s) the demo did "
                f"not write ({names}{', …' if len(foreign) > 3 else ''})"
            )
    foreign = foreign_files(settings.spend_dir)
    if foreign:
        refusals.append(
            f"{settings.spend_dir} (MICROCONV_SPEND_LANDING_DIR) holds {len(foreign)} spend file(s) the demo "
            "did not write"
        )
    # Fresh or not, demo events never go into (nor replace) a warehouse holding other data.
    if settings.duckdb_path.exists():
        reason = not_a_demo_warehouse(settings.duckdb_path)
        if reason:
            refusals.append(f"{reason}; set MICROCONV_DUCKDB_PATH to another file")
    return refusals


def _demo(request: DemoRequest, settings: Settings) -> int:
    from . import runner
    from .defs.ingestion.sensors import record_demo_cursor
    from .generator import GeneratorConfig
    from .report import REPORT_FILE
    from .summary import warehouse_summary

    source = EVENT_SOURCES[request.event_source]
    landing_dir = settings.landing_dir_of(source)
    refusals = demo_refusals(settings)
    if refusals:
        say(
            "The demo deletes and loads only files it wrote itself, and would mix or delete yours:\n  "
            + "\n  ".join(refusals)
            + "\nPoint MICROCONV_LANDING_DIR (and MICROCONV_DUCKDB_PATH) at empty places for the demo."
        )
        return 2
    if request.fresh:
        delete_demo_warehouse(settings.duckdb_path)
    # The models read the demo's source only (files of other sources still load into their raw tables).
    settings = settings.replace(event_sources=(source.name,))
    if source.name == "mixpanel":
        from .generator.vendors import MIXPANEL_DEMO_TIMEZONE

        # The demo's Mixpanel export is a pre-2023 project's: `time` in the project's time zone.
        settings = settings.replace(mixpanel_timezone=MIXPANEL_DEMO_TIMEZONE)
    if source.name == "yandex_metrica":
        from .generator.vendors import YANDEX_METRICA_DEMO_TIMEZONE

        # The demo's Metrica counter writes its hits' times in its own time zone.
        settings = settings.replace(yandex_metrica_timezone=YANDEX_METRICA_DEMO_TIMEZONE)
    start_date = request.start_date or datetime.now(UTC).date() - timedelta(days=request.days)
    config = GeneratorConfig(
        events=request.events,
        days=request.days,
        seed=request.seed,
        start_date=start_date,
        dirty_share=0.02,
        late_share=0.03,
    )
    files = generate_landing_files(
        GenerateRequest(
            config,
            landing_dir,
            overwrite=True,
            verbose=True,
            vendor=None if source.is_contract else source.name,
            spend_out=settings.spend_dir,
        )
    )
    if files is None:
        return 2
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    # Earlier demos' files in the other sources' folders load too: they are the demo's as well.
    earlier = [
        folder / name
        for folder in settings.landing_dirs().values()
        for name in generated_names(folder)
        if (folder / name).is_file()
    ]
    record_demo_files(settings.duckdb_path, [*files, *earlier], keep_previous=not request.fresh)
    if not runner.run_job(full_refresh=True, settings=settings).success:
        say("The Dagster job failed; see the log above.")
        return 1
    record_demo_cursor(settings)
    print(warehouse_summary(settings.duckdb_path))
    dashboard = (settings.publish_dir / REPORT_FILE).resolve().as_uri()
    print(
        f"\nWarehouse being built (DuckDB {duckdb.__version__} file): {settings.duckdb_path}\n"
        f"For BI tools, read-only copy (DuckDB >= 1.0): {settings.publish_dir / 'microconv.duckdb'}\n"
        f"Parquet, one file per table: {settings.publish_dir / 'parquet'}\n"
        f"Landing files ({source.title}): {landing_dir}\n"
        "Dagster UI: make dagster   (or: DAGSTER_HOME=.dagster_home .venv/bin/dagster dev)\n"
        f"Dashboard (open in a browser, no server needed): {dashboard}\n"
        "  redraw it from the published copy with: make dashboard   (or: .venv/bin/microconv report)"
    )
    return 0
