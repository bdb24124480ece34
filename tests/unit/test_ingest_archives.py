"""The loader and .zip landing files: Amplitude's Export API answers with a zip of hourly gzipped JSON
lines files (<project_id>/<project_id>_<YYYY-MM-DD>_<H>#<n>.json.gz)."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import duckdb
import pytest

from microconv import ingest
from microconv.ingest import (
    REJECTED_DIR_NAME,
    discover_files,
    event_times_sql,
    landing_format,
    landing_reader,
    load_landing_files,
)
from microconv.sources import CONTRACT, EVENT_SOURCES

AMPLITUDE = EVENT_SOURCES["amplitude"]


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _event(event_type: str, event_time: str) -> str:
    return json.dumps({"event_type": event_type, "event_time": event_time, "device_id": "d-1"}) + "\n"


def _export_zip(path: Path) -> Path:
    """Two hours of one day; hour 1 in two parts, the second (as some exports do) not gzipped."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "187520/187520_2026-03-02_0#0.json.gz",
            gzip.compress(
                (
                    _event("A", "2026-03-02 00:10:00.000000") + _event("B", "2026-03-02 00:20:00.000000")
                ).encode()
            ),
        )
        archive.writestr(
            "187520/187520_2026-03-02_1#0.json.gz",
            gzip.compress((_event("C", "2026-03-02 01:05:00.000000") + "\n").encode()),
        )
        archive.writestr("187520/187520_2026-03-02_1#1.json", _event("D", "2026-03-02 01:59:00.500000"))
        archive.writestr("187520/README.txt", "not events")
    return path


def test_a_zip_is_a_landing_file() -> None:
    assert landing_format(Path("export_2026-03-02.zip")) == "zip"
    assert landing_format(Path("EXPORT.ZIP")) == "zip"


def test_an_export_zip_loads_every_hourly_member_as_one_file(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    _export_zip(tmp_path / "export_2026-03-02.zip")
    assert discover_files(tmp_path) == [tmp_path / "export_2026-03-02.zip"]
    report = load_landing_files(con, tmp_path, source=AMPLITUDE)
    assert report.loaded == [(str(tmp_path / "export_2026-03-02.zip"), 4)]
    rows = con.execute(
        "select json_extract_string(record, '$.event_type'), _source_file, _source_row, _file_id "
        "from raw.amplitude_events order by _source_row"
    ).fetchall()
    assert [(name, file, row) for name, file, row, _ in rows] == [
        ("A", "export_2026-03-02.zip", 1),
        ("B", "export_2026-03-02.zip", 2),
        ("C", "export_2026-03-02.zip", 3),
        ("D", "export_2026-03-02.zip", 4),
    ]
    assert len({file_id for *_, file_id in rows}) == 1
    assert con.execute("select count(*) from raw.loaded_files").fetchone()[0] == 1
    # The members were unpacked (streamed, still gzipped) for DuckDB to read, and removed after the load.
    assert [path for path in ingest._UNPACK_ROOT[0].rglob("*") if path.is_file()] == []
    # Landing the same archive again adds nothing.
    again = load_landing_files(con, tmp_path, source=AMPLITUDE)
    assert again.skipped == [str(tmp_path / "export_2026-03-02.zip")]


def test_the_sensor_reads_event_times_inside_a_zip(tmp_path: Path) -> None:
    path = _export_zip(tmp_path / "export_2026-03-02.zip")
    with landing_reader() as reader:
        times = event_times_sql(reader, path, AMPLITUDE)
        newest = reader.execute(
            f"select strftime(max(event_at), '%Y-%m-%d %H:%M:%S.%f') from ({times})"
        ).fetchone()[0]
    assert newest == "2026-03-02 01:59:00.500000"


def _corrupt_member(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("187520/187520_2026-03-02_0#0.json.gz", b"\x1f\x8bnot gzip at all")


def _bad_json_line(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "187520/187520_2026-03-02_0#0.json.gz",
            gzip.compress((_event("A", "2026-03-02 00:10:00.000000") + "{not json\n").encode()),
        )


def _no_events(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "nothing here")


@pytest.mark.parametrize(
    "write",
    [
        lambda path: path.write_bytes(b"PK\x03\x04 a truncated download"),
        _corrupt_member,
        _bad_json_line,
        _no_events,
    ],
    ids=["not_a_zip", "corrupt_gzip_member", "line_not_json", "no_json_members"],
)
def test_an_unreadable_zip_is_rejected_as_a_whole(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, write
) -> None:
    landing = tmp_path / "amplitude"
    landing.mkdir()
    write(landing / "export_2026-03-02.zip")
    _export_zip(landing / "export_2026-03-03.zip")
    report = load_landing_files(con, landing, source=AMPLITUDE)
    assert [path for path, _ in report.rejected] == [str(landing / "export_2026-03-02.zip")]
    assert (landing / REJECTED_DIR_NAME / "export_2026-03-02.zip").exists()
    assert (landing / REJECTED_DIR_NAME / "export_2026-03-02.zip.error.txt").exists()
    assert report.loaded == [(str(landing / "export_2026-03-03.zip"), 4)]
    assert con.execute("select count(*) from raw.rejected_files").fetchone()[0] == 1
    assert con.execute("select count(distinct _source_file) from raw.amplitude_events").fetchone()[0] == 1


def test_the_event_contract_does_not_take_zips(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    _export_zip(tmp_path / "events.zip")
    report = load_landing_files(con, tmp_path, source=CONTRACT)
    assert len(report.rejected) == 1
    assert "vendor exports only" in report.rejected[0][1]


def test_the_amplitude_fixture_archives_hold_the_hand_written_members() -> None:
    """tests/corpus/vendors/amplitude: the Export API zip and the S3 export file are built from the
    readable files in _members/ (skipped by discovery), byte for byte."""
    fixture = Path(__file__).resolve().parents[1] / "corpus" / "vendors" / "amplitude"
    members = fixture / "_members"
    with zipfile.ZipFile(fixture / "export_2026-03-02.zip") as archive:
        unpacked = {
            Path(name).name.removesuffix(".gz"): gzip.decompress(archive.read(name))
            for name in archive.namelist()
        }
    unpacked["187520_2026-03-02_16#0.json"] = gzip.decompress(
        (fixture / "187520_2026-03-02_16#0.json.gz").read_bytes()
    )
    assert unpacked == {path.name: path.read_bytes() for path in members.iterdir()}
