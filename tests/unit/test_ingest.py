"""The loader: formats, schema drift, idempotency and unreadable files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.ingest import discover_files, landing_format, load_landing_files


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _events(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cursor = con.execute("select * from raw.events order by _source_file, _source_row")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_landing_format_by_suffix() -> None:
    assert landing_format(Path("a/events.parquet")) == "parquet"
    assert landing_format(Path("events.csv.gz")) == "csv"
    assert landing_format(Path("events.jsonl")) == "json"
    assert landing_format(Path("events.ndjson.gz")) == "json"
    assert landing_format(Path("notes.txt")) is None


def test_discovery_skips_underscore_and_hidden(tmp_path: Path) -> None:
    (tmp_path / "_rejected").mkdir()
    (tmp_path / "_rejected" / "bad.csv").write_text("x\n")
    (tmp_path / "_manifest.json").write_text("{}")
    (tmp_path / ".partial.csv").write_text("x\n")
    (tmp_path / "day").mkdir()
    (tmp_path / "day" / "events.csv").write_text("event_id\n1\n")
    assert discover_files(tmp_path) == [tmp_path / "day" / "events.csv"]
    (tmp_path / "day" / "other.parquet").write_bytes(b"")
    assert discover_files(tmp_path, "day/*.parquet") == [tmp_path / "day" / "other.parquet"]


def test_loads_every_format_with_schema_drift(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    # CSV with an extra column and without most optional ones.
    (tmp_path / "a.csv").write_text(
        "event_id,event_name,event_timestamp,anonymous_id,extra_column,properties\n"
        'e1,page_view,2026-01-01T10:00:00Z,a1,ignored,"{""value"": 1}"\n'
    )
    # Gzipped JSON lines: properties as a nested object in one row, a string in the other.
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as handle:
        handle.write(
            json.dumps({"event_id": "e2", "event_name": "cta_click", "properties": {"cta_id": "x"}}) + "\n"
        )
        handle.write(json.dumps({"event_id": "e3", "user_id": "u1", "properties": "{bad"}) + "\n")
    # Parquet with a typed timestamp and a struct column.
    pq.write_table(
        pa.table(
            {
                "event_id": ["e4"],
                "event_timestamp": pa.array([1767261600000000], pa.timestamp("us")),
                "properties": [{"video_percent": 50}],
                "country": ["DE"],
            }
        ),
        tmp_path / "c.parquet",
    )
    report = load_landing_files(con, tmp_path)
    assert report.rejected == []
    assert report.rows_loaded == 4
    rows = {row["event_id"]: row for row in _events(con)}
    assert rows["e1"]["anonymous_id"] == "a1" and json.loads(rows["e1"]["properties"]) == {"value": 1}
    assert json.loads(rows["e2"]["properties"]) == {"cta_id": "x"}
    assert rows["e3"]["properties"] == "{bad" and rows["e3"]["user_id"] == "u1"
    assert rows["e4"]["event_timestamp"].startswith("2026-01-01 10:00:00")
    assert json.loads(rows["e4"]["properties"]) == {"video_percent": 50}
    assert rows["e4"]["page_path"] is None
    assert {row["_source_file"] for row in rows.values()} == {"a.csv", "b.jsonl.gz", "c.parquet"}
    assert [row["_source_row"] for row in rows.values() if row["_source_file"] == "b.jsonl.gz"] == [1, 2]


def test_loading_a_file_twice_adds_no_rows(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    (tmp_path / "a.csv").write_text("event_id,event_name\ne1,page_view\ne2,page_view\n")
    first = load_landing_files(con, tmp_path)
    second = load_landing_files(con, tmp_path)
    assert first.rows_loaded == 2
    assert second.rows_loaded == 0 and second.skipped == [str(tmp_path / "a.csv")]
    # The same content under another name is the same file.
    (tmp_path / "copy.csv").write_bytes((tmp_path / "a.csv").read_bytes())
    third = load_landing_files(con, tmp_path)
    assert third.rows_loaded == 0
    assert con.execute("select count(*) from raw.events").fetchone()[0] == 2


def test_unreadable_file_is_moved_aside_and_others_load(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    (tmp_path / "good.csv").write_text("event_id,event_name\ne1,page_view\n")
    (tmp_path / "broken.parquet").write_bytes(b"this is not parquet at all")
    report = load_landing_files(con, tmp_path)
    assert report.rows_loaded == 1
    assert [path for path, _ in report.rejected] == [str(tmp_path / "broken.parquet")]
    assert not (tmp_path / "broken.parquet").exists()
    assert (tmp_path / "_rejected" / "broken.parquet").exists()
    assert (tmp_path / "_rejected" / "broken.parquet.error.txt").read_text().strip()
    assert con.execute("select count(*) from raw.rejected_files").fetchone()[0] == 1
    # The rejected folder is not picked up again.
    assert load_landing_files(con, tmp_path).rejected == []


def test_load_errors_are_one_line_without_the_quoted_raw_line() -> None:
    from orchestration.ingest import describe_load_error

    error = ValueError(
        "CSV Error on Line: 2\nOriginal Line: e1,jane@example.com\n"
        "Invalid unicode detected.\n\n  file = x.csv"
    )
    message = describe_load_error(error)
    assert message == "ValueError: CSV Error on Line: 2 Invalid unicode detected."
