"""User-level retention (microconv/retention.py) on a hand-made warehouse: which events lose their
ids, how they are replaced, what moves where, and that a pass is all or nothing."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from microconv import retention
from microconv.ingest import ensure_raw_tables
from microconv.retention import PSEUDONYM_PREFIX, apply_retention, cutoff_date, prune_reprocess_queue
from microconv.settings import checked_retention_days

TODAY = date(2026, 1, 10)
# 7 days: events of sessions that ended before 2026-01-03 lose their ids.
DAYS = 7


def _build(con: duckdb.DuckDBPyConnection) -> None:
    """a1: a session on 01-01 (two events, one with a login as u1 and an e-mail) and one on 01-05; a2: a
    session from 01-02 23:50 to 01-03 00:10 (it ends on the cutoff day); in another file, quarantined rows
    loaded 01-01 without a readable time and stamped 2099 (both by their load day), and one of 01-04
    loaded 01-09 (by its event day, kept); a row of 01-01 loaded after the last build (not validated yet)."""
    ensure_raw_tables(con)
    con.execute(
        """
        insert into raw.events (event_id, event_name, event_timestamp, anonymous_id, user_id, session_id,
            email, ip_address, user_agent, _source_file, _file_id, _source_row, _ingested_at)
        values
            ('e1', 'page_view', '2026-01-01 10:00:00', 'a1', null, 't1', null, '10.0.0.1', 'UA',
                'f.csv', 'f', 1, '2026-01-02'),
            ('e2', 'login', '2026-01-01 10:05:00', 'a1', 'u1', 't1', 'jane@example.com', '10.0.0.1', 'UA',
                'f.csv', 'f', 2, '2026-01-02'),
            ('e3', 'page_view', '2026-01-05 09:00:00', 'a1', null, 't2', null, null, 'UA', 'f.csv', 'f', 3,
                '2026-01-02'),
            ('e4', 'page_view', '2026-01-02 23:50:00', 'a2', null, null, null, null, null, 'f.csv', 'f', 4,
                '2026-01-02'),
            ('e5', 'page_view', '2026-01-03 00:10:00', 'a2', null, null, null, null, null, 'f.csv', 'f', 5,
                '2026-01-02'),
            ('e6', null, 'yesterday', 'a3', null, null, null, null, null, 'g.csv', 'g', 1,
                '2026-01-02'),
            ('e8', 'page_view', '2099-01-01 00:00:00', 'a5', null, null, null, null, null, 'g.csv', 'g', 2,
                '2026-01-02'),
            ('e9', 'page_view', '2026-01-04 08:00:00', 'a6', null, null, null, null, null, 'g.csv', 'g', 3,
                '2026-01-09'),
            ('e10', 'login', '2026-01-06 08:00:00', 'a8', 'u1', null, null, null, null, 'f.csv', 'f', 6,
                '2026-01-02'),
            ('e11', 'page_view', '2026-01-01 08:00:00', 'a7', null, null, null, null, null, 'f.csv', 'f', 7,
                '2026-01-02'),
            ('e7', 'page_view', '2026-01-01 13:00:00', 'a4', null, null, null, null, null, 'h.csv', 'h', 1,
                '2026-01-09');
        create schema staging;
        create view staging.stg_microconv__events as
        select 'microconv' as event_source, event_name as source_event_name, event_id, event_name,
            event_timestamp, anonymous_id, user_id, session_id, page_url, page_path, page_referrer,
            utm_source, utm_medium, utm_campaign, utm_content, utm_term, device_category, country,
            user_agent, ip_address, email, consent_analytics, properties, loaded_at, _source_file, _file_id,
            _source_row, _ingested_at
        from raw.events;
        create schema intermediate;
        create table intermediate.int_events_validated as select * from (values
            ('f-1', 'a1', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('f-2', 'a1', 'u1', 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('f-3', 'a1', null, 'clean', date '2026-01-05', timestamp '2026-01-05 10:00:00'),
            ('f-4', 'a2', null, 'clean', date '2026-01-02', timestamp '2026-01-03 01:00:00'),
            ('f-5', 'a2', null, 'clean', date '2026-01-03', timestamp '2026-01-03 01:00:00'),
            ('g-1', 'a3', null, 'quarantined', null, timestamp '2026-01-01 12:00:00'),
            ('g-2', 'a5', null, 'quarantined', date '2099-01-01', timestamp '2026-01-01 12:00:00'),
            ('g-3', 'a6', null, 'quarantined', date '2026-01-04', timestamp '2026-01-09 12:00:00'),
            ('f-6', 'a8', 'u1', 'clean', date '2026-01-06', timestamp '2026-01-06 10:00:00'),
            ('f-7', 'a7', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00')
        ) as rows(raw_row_key, anonymous_id, user_id, row_status, event_date, loaded_at);
        create table intermediate.int_events_sessionized as select * from (values
            ('f-1', 's1', date '2026-01-01', 'a1', 'k1'), ('f-2', 's1', date '2026-01-01', 'a1', 'k1'),
            ('f-3', 's2', date '2026-01-05', 'a1', 'k1'), ('f-4', 's3', date '2026-01-02', 'a2', 'k2'),
            ('f-5', 's3', date '2026-01-03', 'a2', 'k2'), ('f-6', 's4', date '2026-01-06', 'a8', 'k1'),
            ('f-7', 's5', date '2026-01-01', 'a7', 'k7')
        ) as rows(raw_row_key, session_key, event_date, device_id, user_key);
        create schema core;
        create table core.fct_sessions as select * from (values ('s1', 'a1'), ('s2', 'a1'), ('s5', 'a7'))
            as rows(session_key, device_id);
        """
    )


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    _build(con)
    yield con
    con.close()


def _archive(con) -> list[tuple]:
    return con.execute(
        """
        select event_id, anonymous_id, user_id, session_id, email, ip_address, user_agent, _source_file,
            _file_id, _source_row
        from raw.deidentified_events order by event_id
        """
    ).fetchall()


def test_the_cutoff_keeps_the_last_days() -> None:
    assert cutoff_date(TODAY, DAYS) == date(2026, 1, 3)
    with pytest.raises(ValueError, match="at least 1 day"):
        cutoff_date(TODAY, 0)


def test_the_setting_is_a_whole_number_of_days() -> None:
    assert checked_retention_days(None) is None
    assert checked_retention_days(" ") is None
    assert checked_retention_days("400") == 400
    for wrong in ("0", "-3", "two weeks", "1.5"):
        with pytest.raises(ValueError, match="MICROCONV_USER_LEVEL_RETENTION_DAYS"):
            checked_retention_days(wrong)


def test_events_of_sessions_that_ended_before_the_cutoff_lose_their_ids(con) -> None:
    report = apply_retention(con, DAYS, TODAY)
    assert report.events == 5
    assert report.rows_moved == {"raw.events": 5}
    archive = _archive(con)
    # e1, e2 (session s1 of 01-01), e11 (a7's only session) and the quarantined e6 and e8 (loaded
    # 01-01); not a2's session that ends on 01-03, not a1's later session, not e9 (01-04), not e7, which
    # no build has validated yet.
    assert [row[0] for row in archive] == ["e1", "e11", "e2", "e6", "e8"]
    e1, e11, e2, e6, e8 = archive
    # One day's key: a1 is one pseudonym across its session, and the login still names one user.
    assert e1[1] == e2[1] and e1[1].startswith(PSEUDONYM_PREFIX) and len(e1[1]) == len(PSEUDONYM_PREFIX) + 32
    assert e2[2].startswith(PSEUDONYM_PREFIX) and e2[2] != e2[1]
    assert e1[3] == e2[3] and e1[3].startswith(PSEUDONYM_PREFIX)
    assert e6[1].startswith(PSEUDONYM_PREFIX) and e6[1] != e1[1]
    # E-mail and IP address dropped, the user agent kept, and a new file id for the original file.
    assert {(row[4], row[5], row[6]) for row in (e1, e2)} == {(None, None, "UA")}
    assert e1[7] == "f.csv" and e1[8] not in ("f", "g") and len(e1[8]) == 16 and e6[8] != e1[8] == e2[8]
    assert e8[8] == e6[8] and e8[1] not in (e6[1], e1[1])
    assert (e1[9], e6[9]) == (1, 1)
    # The originals are gone from raw and from the validated events; the rest stays.
    remaining = [row[0] for row in con.execute("select event_id from raw.events order by 1").fetchall()]
    assert remaining == ["e10", "e3", "e4", "e5", "e7", "e9"]
    assert con.execute("select raw_row_key from intermediate.int_events_validated order by 1").fetchall() == [
        ("f-3",),
        ("f-4",),
        ("f-5",),
        ("f-6",),
        ("g-3",),
    ]
    # a1 (its later session stays) and a8, u1's other device, are rebuilt by the next run; a7 has nothing
    # left and leaves the device-keyed models at once; quarantined rows belong to no session.
    queued = con.execute(
        "select device_id, file_id from raw.retention_reprocess_devices order by 1"
    ).fetchall()
    assert [device for device, _ in queued] == ["a1", "a8"]
    # Queued until the build that validates one of the pass's new files commits.
    assert {file_id for _, file_id in queued} <= {e1[8], e6[8]} and len(
        {file_id for _, file_id in queued}
    ) == 1
    assert con.execute(
        "select distinct device_id from intermediate.int_events_sessionized order by 1"
    ).fetchall() == [
        ("a1",),
        ("a2",),
        ("a8",),
    ]
    assert con.execute("select session_key from core.fct_sessions order by 1").fetchall() == [
        ("s1",),
        ("s2",),
    ]
    assert e11[1].startswith(PSEUDONYM_PREFIX)
    log = con.execute("select cutoff_date, rows_moved, events_deidentified from raw.retention_log").fetchall()
    assert log == [(date(2026, 1, 3), '{"raw.events": 5}', 5)]


def test_no_original_id_or_key_is_left_behind(con) -> None:
    apply_retention(con, DAYS, TODAY)
    tables = [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    moved_ids = {"a3", "a5", "a7", "jane@example.com", "10.0.0.1", "t1"}
    for table in tables:
        text = " ".join(str(row) for row in con.execute(f"select * from raw.{table}").fetchall())
        # a1 stays: its later session keeps its ids (and the queue names it until the rebuild).
        assert not any(f"'{value}'" in text for value in moved_ids), table
    temp = con.execute("select table_name from information_schema.tables where table_name like 'retention%'")
    assert {row[0] for row in temp.fetchall()} == {"retention_reprocess_devices", "retention_log"}


def test_a_second_pass_moves_nothing_and_a_later_day_moves_more(con) -> None:
    apply_retention(con, DAYS, TODAY)
    assert apply_retention(con, DAYS, TODAY).events == 0
    # Two days later a2's session (ended 01-03) is past the cutoff too, with a fresh key.
    report = apply_retention(con, DAYS, date(2026, 1, 11))
    assert report.events == 2
    ids = dict(con.execute("select event_id, anonymous_id from raw.deidentified_events").fetchall())
    assert ids["e4"] == ids["e5"] and ids["e4"] not in (ids["e1"], ids["e6"])


def test_the_queue_is_pruned_once_the_rebuild_commits(con) -> None:
    apply_retention(con, DAYS, TODAY)
    (file_id,) = con.execute("select file_id from raw.retention_reprocess_devices").fetchone()
    assert prune_reprocess_queue(con) == 0
    con.execute("create table intermediate.int_files_processed as select ? as file_id", [file_id])
    assert prune_reprocess_queue(con) == 2
    assert con.execute("select count(*) from raw.retention_reprocess_devices").fetchone()[0] == 0


def test_a_failed_pass_changes_nothing(con, monkeypatch) -> None:
    monkeypatch.setattr(retention, "STREAM_COLUMNS", (*retention.STREAM_COLUMNS, "no_such_column"))
    with pytest.raises(duckdb.Error):
        apply_retention(con, DAYS, TODAY)
    assert con.execute("select count(*) from raw.events").fetchone()[0] == 11
    assert con.execute("select count(*) from intermediate.int_events_validated").fetchone()[0] == 10
    assert con.execute("select count(*) from raw.deidentified_events").fetchone()[0] == 0


def test_a_warehouse_never_built_is_left_alone() -> None:
    con = duckdb.connect()
    ensure_raw_tables(con)
    assert apply_retention(con, DAYS, TODAY).events == 0


def test_each_run_applies_the_setting_after_loading(tmp_path, monkeypatch) -> None:
    """The Dagster job's raw step (DuckDBEngine.stage_raw) runs the pass when
    MICROCONV_USER_LEVEL_RETENTION_DAYS is set, for today in the reporting time zone, and reports it."""
    from microconv.engines.duckdb import DuckDBEngine
    from microconv.settings import get_settings

    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as con:
        _build(con)
    landing = tmp_path / "landing" / "events"
    landing.mkdir(parents=True)
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(database))
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing))
    monkeypatch.delenv("MICROCONV_USER_LEVEL_RETENTION_DAYS", raising=False)

    class Log:
        def __init__(self) -> None:
            self.lines: list[str] = []

        def info(self, line: str) -> None:
            self.lines.append(line)

        error = info

    staged = DuckDBEngine(get_settings()).stage_raw(None, Log())
    assert "user_level_retention" not in staged.metadata
    monkeypatch.setenv("MICROCONV_USER_LEVEL_RETENTION_DAYS", "30")
    log = Log()
    staged = DuckDBEngine(get_settings()).stage_raw(None, log)
    # Every validated event of the fixture is from January 2026, long before today's cutoff.
    assert staged.metadata["user_level_retention"]["events_deidentified"] == 10
    assert any("lost their identifiers" in line for line in log.lines)
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from raw.deidentified_events").fetchone()[0] == 10
