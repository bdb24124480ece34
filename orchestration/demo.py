"""What `microconv demo` and `microconv generate` may delete: only what they wrote themselves.

The generator lists the files it wrote in `<folder>/_manifest.json`; a fresh demo or `generate
--overwrite` deletes those (and their copies in `_rejected/`), never anything else, and refuses a
landing folder holding landing files it did not write (they would be mixed into the demo). The demo
records the SHA-256 of every file it generated in `<warehouse>.demo.json`; it deletes the warehouse
only when every file the warehouse ever loaded (raw.loaded_files) is one of those.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import duckdb

from .ingest import REJECTED_DIR_NAME, discover_files, file_digest, source_name
from .warehouse import connect

MANIFEST_NAME = "_manifest.json"


def generated_names(folder: Path) -> set[str]:
    """The file names the last generation into this folder wrote (from its _manifest.json)."""
    try:
        files = json.loads((folder / MANIFEST_NAME).read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {Path(name).name for name in files if isinstance(name, str)}


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
        rejected = folder / REJECTED_DIR_NAME / name
        for path in (folder / name, rejected, rejected.with_name(name + ".error.txt")):
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
