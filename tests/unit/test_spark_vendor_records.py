"""Spark reads a vendor's landing files as the DuckDB loader does: the Spark engine's staging step
writes each file's rows (TSV, CSV, Parquet tables of different schemas, JSON lines, .zip archives) as
JSON lines of {"record", "source_file"} under MICROCONV_SPARK_DIR/landing/<vendor>."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import duckdb
import pytest

from microconv.engines.spark import landing_views_args, vendor_records
from microconv.ingest import load_event_sources
from microconv.settings import get_settings
from microconv.sources import EVENT_SOURCES


def _land(landing: Path) -> None:
    amplitude = landing / "amplitude"
    (amplitude / "s3").mkdir(parents=True)
    member = gzip.compress(b'{"event_type": "A", "event_time": "2026-03-02 00:10:00.000000"}\n', mtime=0)
    with zipfile.ZipFile(amplitude / "export_2026-03-02.zip", "w") as archive:
        archive.writestr("187520/187520_2026-03-02_0#0.json.gz", member)
    (amplitude / "s3" / "187520_2026-03-02_16#0.json.gz").write_bytes(
        gzip.compress(b'{"event_type": "B", "$insert_id": "i-2"}\n', mtime=0)
    )
    yandex = landing / "yandex_metrica" / "hits"
    yandex.mkdir(parents=True)
    (yandex / "2026-03-02.tsv").write_text(
        'ym:pv:watchID\tym:pv:title\tym:pv:goalsID\n0042\t"Sale" \\t now\t[1,2]\n', encoding="utf-8"
    )
    heap = landing / "heap"
    (heap / "pageviews").mkdir(parents=True)
    (heap / "shop_checkout").mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(f"copy (select 1 as event_id, 'a' as path) to '{heap / 'pageviews' / 'p.parquet'}'")
        con.execute(
            f"copy (select 2 as event_id, 9.5 as revenue) to '{heap / 'shop_checkout' / 'c.parquet'}'"
        )
    os.utime(amplitude / "export_2026-03-02.zip", (1772409600, 1772409600))


def test_vendor_files_become_the_records_the_duckdb_loader_loads(tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    (landing / "events").mkdir(parents=True)
    _land(landing)
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing / "events"))
    monkeypatch.setenv("MICROCONV_SPARK_DIR", str(tmp_path / "spark"))
    for name in ("AMPLITUDE", "YANDEX_METRICA", "HEAP"):
        monkeypatch.delenv(f"MICROCONV_{name}_LANDING_DIR", raising=False)
    vendor_files = landing_views_args(get_settings())["vendor_files"]
    assert vendor_files == {
        name: {"path": str(tmp_path / "spark" / "landing" / name), "format": "json"}
        for name in ("yandex_metrica", "amplitude", "heap")
    }
    with duckdb.connect() as con:
        load_event_sources(con, landing / "events")
        for name in vendor_files:
            table = EVENT_SOURCES[name].raw_table
            loaded = con.execute(
                f"select _source_file, record from raw.{table} order by 1, _source_row"
            ).fetchall()
            folder = Path(vendor_files[name]["path"])
            written = sorted(
                (line["source_file"], line["record"])
                for path in folder.iterdir()
                for line in map(json.loads, path.read_text().splitlines())
            )
            assert written == sorted((file, str(record)) for file, record in loaded), name
            # Flat (Spark reads no subfolders), without "#" (a URI fragment in a Hadoop path).
            assert all(path.is_file() and "#" not in path.name for path in folder.iterdir())
    copy = tmp_path / "spark" / "landing" / "amplitude" / "export_2026-03-02.zip.jsonl"
    assert copy.stat().st_mtime == 1772409600  # the raw view reads it as the load time


def test_only_changed_files_are_converted_again_and_gone_files_removed(tmp_path: Path) -> None:
    folder, target = tmp_path / "heap", tmp_path / "records"
    (folder / "pageviews").mkdir(parents=True)
    first, second = folder / "pageviews" / "a.jsonl", folder / "pageviews" / "b.jsonl"
    first.write_text('{"event_id": 1}\n')
    second.write_text('{"event_id": 2}\n')
    source = EVENT_SOURCES["heap"]
    vendor_records(source, folder, [first, second], target)
    kept = target / "pageviews__a.jsonl.jsonl"
    kept.write_text("untouched marker")
    os.utime(kept, (first.stat().st_mtime, first.stat().st_mtime))
    vendor_records(source, folder, [first], target)
    assert kept.read_text() == "untouched marker"
    assert sorted(path.name for path in target.iterdir()) == ["pageviews__a.jsonl.jsonl"]


def test_an_unreadable_vendor_file_stops_the_spark_staging_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "amplitude"
    folder.mkdir()
    (folder / "export.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(Exception, match=r"export\.zip"):
        vendor_records(EVENT_SOURCES["amplitude"], folder, [folder / "export.zip"], tmp_path / "records")
