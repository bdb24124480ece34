"""Spark reads no zip: the Spark engine's staging step unpacks a vendor's .zip landing files (Amplitude's
Export API) before the raw view reads the folder."""

from __future__ import annotations

import gzip
import os
import zipfile
from pathlib import Path

import pytest

from microconv.engines.spark import landing_views_args, unpack_archives
from microconv.ingest import UnreadableArchiveError
from microconv.settings import get_settings


def _export(path: Path) -> bytes:
    member = gzip.compress(b'{"event_type": "A", "event_time": "2026-03-02 00:10:00.000000"}\n', mtime=0)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("187520/187520_2026-03-02_0#0.json.gz", member)
        archive.writestr("187520/README.txt", "skipped")
    os.utime(path, (1772409600, 1772409600))
    return member


def test_a_vendor_folder_with_zips_is_read_from_its_unpacked_copy(tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    (landing / "events").mkdir(parents=True)
    (landing / "amplitude" / "s3").mkdir(parents=True)
    member = _export(landing / "amplitude" / "export_2026-03-02.zip")
    (landing / "amplitude" / "s3" / "187520_2026-03-02_16#0.json.gz").write_bytes(b"s3 file")
    (landing / "amplitude" / "_rejected").mkdir()
    (landing / "amplitude" / "_rejected" / "bad.zip").write_bytes(b"not read")
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing / "events"))
    monkeypatch.setenv("MICROCONV_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.delenv("MICROCONV_AMPLITUDE_LANDING_DIR", raising=False)
    unpacked = tmp_path / "spark" / "landing" / "amplitude"
    assert landing_views_args(get_settings())["vendor_files"]["amplitude"] == {
        "path": str(unpacked),
        "format": "json",
    }
    files = sorted(str(path.relative_to(unpacked)) for path in unpacked.rglob("*") if path.is_file())
    # Flat (Spark reads no subfolders), without "#" (a URI fragment in a Hadoop path).
    assert files == [
        "export_2026-03-02.zip__187520_2026-03-02_0_0.json.gz",
        "s3__187520_2026-03-02_16_0.json.gz",
    ]
    assert (unpacked / files[0]).read_bytes() == member
    assert (unpacked / files[0]).stat().st_mtime == 1772409600
    assert (unpacked / files[1]).read_bytes() == b"s3 file"


def test_a_corrupt_zip_stops_the_spark_staging_with_its_reason(tmp_path: Path) -> None:
    folder = tmp_path / "amplitude"
    folder.mkdir()
    (folder / "export.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UnreadableArchiveError, match="BadZipFile"):
        unpack_archives(folder, [folder / "export.zip"], tmp_path / "unpacked")
