"""The contract's optional consent_analytics column: loaded as sent, and added to a raw.events table
created before the contract had it (docs/privacy.md, Consent)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from microconv.ingest import CONTRACT_COLUMNS, REQUIRED_COLUMNS, load_landing_files


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _consent(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    return dict(
        con.execute("select event_id, consent_analytics from raw.events order by event_id").fetchall()
    )


def test_consent_is_an_optional_contract_column() -> None:
    assert "consent_analytics" in CONTRACT_COLUMNS
    assert "consent_analytics" not in REQUIRED_COLUMNS


def test_consent_is_loaded_as_sent_and_absent_is_null(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    (tmp_path / "a.csv").write_text(
        "event_id,event_name,event_timestamp,anonymous_id,consent_analytics\n"
        "e1,page_view,2026-01-01T10:00:00Z,a1,Denied\n"
        "e2,page_view,2026-01-01T10:01:00Z,a1,\n"
    )
    (tmp_path / "b.csv").write_text(
        "event_id,event_name,event_timestamp,anonymous_id\ne3,page_view,2026-01-01T10:02:00Z,a2\n"
    )
    report = load_landing_files(con, tmp_path)
    assert report.rejected == [] and report.rows_loaded == 3
    assert _consent(con) == {"e1": "Denied", "e2": None, "e3": None}


def test_an_older_raw_table_gains_the_column(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> None:
    # raw.events as the loader created it before consent_analytics (contract columns, then load columns).
    older = [column for column in CONTRACT_COLUMNS if column != "consent_analytics"]
    con.execute("create schema raw")
    con.execute(
        f"create table raw.events ({', '.join(f'{column} varchar' for column in older)}, "
        "_source_file varchar not null, _file_id varchar not null, _source_row bigint not null, "
        "_ingested_at timestamp not null)"
    )
    con.execute(
        f"insert into raw.events ({', '.join(older[:4])}, _source_file, _file_id, _source_row, _ingested_at) "
        "values ('e0', 'page_view', '2026-01-01T09:00:00Z', 'a0', 'old.csv', 'f0', 1, '2026-01-01 09:00:00')"
    )
    (tmp_path / "a.csv").write_text(
        "event_id,event_name,event_timestamp,anonymous_id,consent_analytics\ne1,page_view,2026-01-01T10:00:00Z,a1,yes\n"
    )
    report = load_landing_files(con, tmp_path)
    assert report.rejected == [] and report.rows_loaded == 1
    assert _consent(con) == {"e0": None, "e1": "yes"}
    assert con.execute(
        "select anonymous_id, _source_file from raw.events where event_id = 'e1'"
    ).fetchone() == (
        "a1",
        "a.csv",
    )
