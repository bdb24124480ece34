"""Event sources: landing directories and the loader's vendor tables."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from microconv.ingest import load_event_sources
from microconv.settings import get_settings
from microconv.sources import EVENT_SOURCES


def test_a_vendor_lands_beside_the_contract_unless_told_otherwise(tmp_path: Path, monkeypatch) -> None:
    contract_dir = tmp_path / "landing" / "events"
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(contract_dir))
    monkeypatch.delenv("MICROCONV_GA4_LANDING_DIR", raising=False)
    assert get_settings().landing_dir_of(EVENT_SOURCES["microconv"]) == contract_dir
    assert get_settings().landing_dir_of(EVENT_SOURCES["ga4"]) == tmp_path / "landing" / "ga4"
    monkeypatch.setenv("MICROCONV_GA4_LANDING_DIR", str(tmp_path / "exports"))
    assert get_settings().landing_dir_of(EVENT_SOURCES["ga4"]) == tmp_path / "exports"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_vendor_rows_are_kept_whole_as_json(tmp_path: Path, suffix: str) -> None:
    landing = tmp_path / "landing"
    (landing / "events").mkdir(parents=True)
    (landing / "mixpanel").mkdir()
    target = landing / "mixpanel" / f"export{suffix}"
    with duckdb.connect() as con:
        con.execute(
            "create table rows as select * from (values ('Purchase', 1772460300), ('Sign Up', 1772463600))"
            " as t(event, time)"
        )
        options = {".jsonl": "format json", ".csv": "format csv, header true", ".parquet": "format parquet"}
        con.execute(f"copy rows to '{target}' ({options[suffix]})")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        reports = {source.name: report for source, _, report in load_event_sources(con, landing / "events")}
        records = [
            json.loads(row[0])
            for row in con.execute("select record from raw.mixpanel_events order by _source_row").fetchall()
        ]
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
    assert set(reports) == {"microconv", "ga4", "segment", "snowplow", "mixpanel"}
    assert reports["ga4"].loaded == []  # no landing folder: nothing loaded, the table exists
    assert reports["mixpanel"].rows_loaded == 2
    assert [record["event"] for record in records] == ["Purchase", "Sign Up"]
    assert str(records[0]["time"]) == "1772460300"
    assert {"events", "ga4_events", "segment_events", "snowplow_events", "mixpanel_events"} <= tables
