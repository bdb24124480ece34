"""The loader: formats, schema drift, idempotency and unreadable files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from microconv.ingest import discover_files, landing_format, load_landing_files, record_select_sql


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
            json.dumps(
                {
                    "event_id": "e2",
                    "event_name": "cta_click",
                    "event_timestamp": "2026-01-01T10:01:00Z",
                    "properties": {"cta_id": "x"},
                }
            )
            + "\n"
        )
        handle.write(json.dumps({"event_id": "e3", "user_id": "u1", "properties": "{bad"}) + "\n")
    # Parquet with a typed timestamp and a struct column.
    pq.write_table(
        pa.table(
            {
                "event_id": ["e4"],
                "event_name": ["video_progress"],
                "anonymous_id": ["a4"],
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
    (tmp_path / "a.csv").write_text(
        "event_id,event_name,event_timestamp,user_id\ne1,page_view,,u1\ne2,page_view,,u1\n"
    )
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
    (tmp_path / "good.csv").write_text("event_id,event_name,event_timestamp,anonymous_id\ne1,page_view,,a1\n")
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
    from microconv.ingest import describe_load_error

    error = ValueError(
        "CSV Error on Line: 2\nOriginal Line: e1,jane@example.com\n"
        "Invalid unicode detected.\n\n  file = x.csv"
    )
    message = describe_load_error(error)
    assert message == "ValueError: CSV Error on Line: 2 Invalid unicode detected."


REQUIRED_HEADER = "event_id,event_name,event_timestamp,anonymous_id"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        # A renamed column: every row would have been quarantined as unparseable_timestamp.
        (
            "renamed.csv",
            "event_id,event_name,event_time,anonymous_id\ne1,page_view,2026-01-01T10:00:00Z,a1\n",
            "missing required column event_timestamp (closest in the file: event_time)",
        ),
        (
            "no_identity.jsonl",
            '{"event_id": "e1", "event_name": "page_view", "event_timestamp": "2026-01-01", '
            '"anon_id": "a"}\n',
            "missing required column anonymous_id or user_id (closest in the file: anon_id)",
        ),
        (
            "no_name.csv",
            "event_id,event,event_timestamp,user_id\ne1,page_view,2026-01-01T10:00:00Z,u1\n",
            "missing required column event_name (closest in the file: event)",
        ),
    ],
)
def test_a_contract_file_lacking_a_required_column_is_rejected_as_a_file(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, name: str, content: str, reason: str
) -> None:
    (tmp_path / name).write_text(content)
    (tmp_path / "good.csv").write_text(f"{REQUIRED_HEADER}\ne9,page_view,2026-01-01T10:00:00Z,a9\n")
    report = load_landing_files(con, tmp_path)
    assert report.rows_loaded == 1
    assert [path for path, _ in report.rejected] == [str(tmp_path / name)]
    assert reason in report.rejected[0][1]
    error_file = tmp_path / "_rejected" / f"{name}.error.txt"
    assert reason in error_file.read_text()
    assert not (tmp_path / name).exists()
    assert con.execute("select count(*) from raw.events where _source_file = ?", [name]).fetchone()[0] == 0
    assert con.execute("select count(*) from raw.rejected_files").fetchone()[0] == 1


def test_required_columns_are_matched_case_insensitively_and_either_id_is_enough() -> None:
    from microconv.ingest import missing_required_columns

    assert missing_required_columns(["EVENT_ID", "Event_Name", "event_timestamp", "user_id"]) is None
    assert missing_required_columns(["event_id", "event_name", "event_timestamp", "anonymous_id"]) is None
    assert missing_required_columns([]) == (
        "missing required column event_id; missing required column event_name; missing required column "
        "event_timestamp; missing required column anonymous_id or user_id (columns found: none)"
    )


def test_vendor_files_are_not_held_to_the_contract_columns(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    from microconv.sources import EVENT_SOURCES

    (tmp_path / "export.jsonl").write_text('{"event": "Purchase", "properties": {"time": 1772460300}}\n')
    report = load_landing_files(con, tmp_path, source=EVENT_SOURCES["mixpanel"])
    assert report.rejected == [] and report.rows_loaded == 1


def test_a_missing_landing_folder_is_an_error_naming_its_setting(
    tmp_path: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from microconv.ingest import LandingDirMissingError, load_event_sources

    monkeypatch.delenv("MICROCONV_GA4_LANDING_DIR", raising=False)
    with pytest.raises(LandingDirMissingError, match=r"MICROCONV_LANDING_DIR points to .*typo"):
        load_event_sources(con, tmp_path / "typo")
    (tmp_path / "events").mkdir()
    with pytest.raises(LandingDirMissingError, match=r"MICROCONV_GA4_LANDING_DIR points to .*ga4") as raised:
        load_event_sources(con, tmp_path / "events", enabled=("microconv", "ga4"))
    assert "MICROCONV_LANDING_DIR" not in str(raised.value)
    # A source that is not enabled needs no folder; the contract's is not needed for a vendor-only build.
    (tmp_path / "vendor_only" / "ga4").mkdir(parents=True)
    reports = load_event_sources(con, tmp_path / "vendor_only" / "events", enabled=("ga4",))
    assert [(source.name, report.loaded) for source, _, report in reports][:2] == [
        ("microconv", []),
        ("ga4", []),
    ]


def test_a_tsv_file_is_read_as_the_yandex_metrica_logs_api_writes_it(tmp_path: Path) -> None:
    """ClickHouse TSV (the Logs API's download): a tab between fields and no quoting, so a title written
    in double quotes keeps them (a CSV reader takes them for quoting) and params JSON is text as written;
    backslash escapes stay for staging to undo; every field is text (ids keep their leading zero)."""
    path = tmp_path / "hits" / "2026-03-02.tsv"
    path.parent.mkdir()
    path.write_text(
        "ym:pv:watchID\tym:pv:title\tym:pv:params\tym:pv:goalsID\n"
        '08112233440000001\t"Sale"\t{"event_id":"e-1","price":30}\t[1,2]\n'
        "8112233440000002\tIt\\'s\\tover\t\t['a','b']\n"
    )
    with duckdb.connect() as con:
        rows = con.execute(record_select_sql(path)).fetchall()
    assert [json.loads(record) for (record,) in rows] == [
        {
            "ym:pv:watchID": "08112233440000001",
            "ym:pv:title": '"Sale"',
            "ym:pv:params": '{"event_id":"e-1","price":30}',
            "ym:pv:goalsID": "[1,2]",
        },
        {
            "ym:pv:watchID": "8112233440000002",
            "ym:pv:title": "It\\'s\\tover",
            "ym:pv:params": None,
            "ym:pv:goalsID": "['a','b']",
        },
    ]
