"""User-level retention (microconv/retention.py) on a hand-made warehouse: who loses their ids, how
they are replaced, what moves where, and that a pass is all or nothing."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from microconv import retention
from microconv.ingest import ensure_raw_tables
from microconv.retention import PSEUDONYM_PREFIX, apply_retention, cutoff_date
from microconv.settings import checked_retention_days

TODAY = date(2026, 1, 10)
# 7 days: people not seen since before 2026-01-03 lose their ids.
DAYS = 7


def _build(con: duckdb.DuckDBPyConnection) -> None:
    """People, as identity stitching made them (cutoff 01-03):
    - k1: a1 (a session on 01-01 with a login as u1, an e-mail and an IP address; one on 01-05) and a8
      (u1's login on 01-06): active;
    - k2: a2, a session from 01-02 23:50 to 01-03 00:10: its last day is the cutoff day, active;
    - k7: a7, one session on 01-01: inactive;
    - k9: a9 and a10 (u9 logged in on both, 01-01 and 01-02): inactive, one person;
    - k4: a4, a session on 01-01, and a row loaded after the last build (not validated yet): active;
    - quarantined rows of a3 (loaded 01-01, time unreadable) and a5 (stamped 2099, loaded 01-01):
      inactive by their load day; a6 (01-04, loaded 01-09): active.
    Mixpanel: a visit of a9 in a vendor's record, its properties repeating the device id. Yandex
    Metrica: a9's visit row that stages no event, and a1's."""
    ensure_raw_tables(con)
    con.execute(
        """
        insert into raw.events (event_id, event_name, event_timestamp, anonymous_id, user_id, session_id,
            email, ip_address, user_agent, properties, _source_file, _file_id, _source_row, _ingested_at)
        values
            ('e1', 'page_view', '2026-01-01 10:00:00', 'a1', null, 't1', null, '10.0.0.1', 'UA', null,
                'f.csv', 'f', 1, '2026-01-02'),
            ('e2', 'login', '2026-01-01 10:05:00', 'a1', 'u1', 't1', 'jane@example.com', '10.0.0.1', 'UA',
                null, 'f.csv', 'f', 2, '2026-01-02'),
            ('e3', 'page_view', '2026-01-05 09:00:00', 'a1', null, 't2', null, null, 'UA', null,
                'f.csv', 'f', 3, '2026-01-02'),
            ('e4', 'page_view', '2026-01-02 23:50:00', 'a2', null, null, null, null, null, null,
                'f.csv', 'f', 4, '2026-01-02'),
            ('e5', 'page_view', '2026-01-03 00:10:00', 'a2', null, null, null, null, null, null,
                'f.csv', 'f', 5, '2026-01-02'),
            ('e10', 'login', '2026-01-06 08:00:00', 'a8', 'u1', null, null, null, null, null,
                'f.csv', 'f', 6, '2026-01-02'),
            ('e11', 'page_view', '2026-01-01 08:00:00', 'a7', null, null, null, '10.0.0.7', 'UA',
                '{"value": 3, "user_id": "a7"}', 'f.csv', 'f', 7, '2026-01-02'),
            ('e12', 'page_view', '2026-01-01 09:00:00', 'a4', null, null, null, null, null, null,
                'f.csv', 'f', 8, '2026-01-02'),
            ('e13', 'login', '2026-01-01 11:00:00', 'a9', 'u9', 't9', 'bob@example.com', null, null, null,
                'f.csv', 'f', 9, '2026-01-02'),
            ('e14', 'login', '2026-01-02 11:00:00', 'a10', 'u9', null, null, null, null, null,
                'f.csv', 'f', 10, '2026-01-02'),
            ('e6', null, 'yesterday', 'a3', null, null, null, null, null, null, 'g.csv', 'g', 1,
                '2026-01-02'),
            ('e8', 'page_view', '2099-01-01 00:00:00', 'a5', null, null, null, null, null, null,
                'g.csv', 'g', 2, '2026-01-02'),
            ('e9', 'page_view', '2026-01-04 08:00:00', 'a6', null, null, null, null, null, null,
                'g.csv', 'g', 3, '2026-01-09'),
            ('e7', 'page_view', '2026-01-01 13:00:00', 'a4', null, null, null, null, null, null,
                'h.csv', 'h', 1, '2026-01-09');
        insert into raw.mixpanel_events values
            ('{"event": "Sign Up", "properties": {"$device_id": "a9", "plan": "pro"}}', 'm.json', 'm', 1,
                '2026-01-02');
        insert into raw.yandex_metrica_events values
            ('{"ym:s:clientID": "a9", "ym:s:visitID": "v9"}', 'y.tsv', 'y', 1, '2026-01-02'),
            ('{"ym:s:clientID": "a1", "ym:s:visitID": "v1"}', 'y.tsv', 'y', 2, '2026-01-02');
        create schema staging;
        create view staging.stg_microconv__events as
        select 'microconv' as event_source, event_name as source_event_name, event_id, event_name,
            event_timestamp, anonymous_id, user_id, session_id, page_url, page_path, page_referrer,
            utm_source, utm_medium, utm_campaign, utm_content, utm_term, device_category, country,
            user_agent, ip_address, email, consent_analytics, properties, loaded_at, _source_file, _file_id,
            _source_row, _ingested_at
        from raw.events;
        create view staging.stg_mixpanel__events as
        select 'mixpanel' as event_source, 'Sign Up' as source_event_name, 'mp-1' as event_id,
            'sign_up' as event_name, '2026-01-01 12:00:00' as event_timestamp,
            json_extract_string(record, '$.properties."$device_id"') as anonymous_id,
            null as user_id, null as session_id, null as page_url, null as page_path, null as page_referrer,
            null as utm_source, null as utm_medium, null as utm_campaign, null as utm_content,
            null as utm_term, null as device_category, null as country, null as user_agent,
            null as ip_address, null as email, null as consent_analytics,
            json_extract(record, '$.properties')::varchar as properties, null as loaded_at, _source_file,
            _file_id, _source_row, _ingested_at
        from raw.mixpanel_events;
        create view staging.stg_yandex_metrica__events as
        select * from staging.stg_microconv__events where false;
        create schema intermediate;
        create table intermediate.int_events_validated as select * from (values
            ('f-1', 'a1', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('f-2', 'a1', 'u1', 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('f-3', 'a1', null, 'clean', date '2026-01-05', timestamp '2026-01-05 10:00:00'),
            ('f-4', 'a2', null, 'clean', date '2026-01-02', timestamp '2026-01-03 01:00:00'),
            ('f-5', 'a2', null, 'clean', date '2026-01-03', timestamp '2026-01-03 01:00:00'),
            ('f-6', 'a8', 'u1', 'clean', date '2026-01-06', timestamp '2026-01-06 10:00:00'),
            ('f-7', 'a7', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('f-8', 'a4', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('f-9', 'a9', 'u9', 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('f-10', 'a10', 'u9', 'clean', date '2026-01-02', timestamp '2026-01-02 01:00:00'),
            ('g-1', 'a3', null, 'quarantined', null, timestamp '2026-01-01 12:00:00'),
            ('g-2', 'a5', null, 'quarantined', date '2099-01-01', timestamp '2026-01-01 12:00:00'),
            ('g-3', 'a6', null, 'quarantined', date '2026-01-04', timestamp '2026-01-09 12:00:00'),
            ('m-1', 'a9', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00')
        ) as rows(raw_row_key, anonymous_id, user_id, row_status, event_date, loaded_at);
        create table intermediate.int_events_sessionized as select * from (values
            ('f-1', 's1', date '2026-01-01', 'a1', 'k1'), ('f-2', 's1', date '2026-01-01', 'a1', 'k1'),
            ('f-3', 's2', date '2026-01-05', 'a1', 'k1'), ('f-4', 's3', date '2026-01-02', 'a2', 'k2'),
            ('f-5', 's3', date '2026-01-03', 'a2', 'k2'), ('f-6', 's4', date '2026-01-06', 'a8', 'k1'),
            ('f-7', 's5', date '2026-01-01', 'a7', 'k7'), ('f-8', 's6', date '2026-01-01', 'a4', 'k4'),
            ('f-9', 's7', date '2026-01-01', 'a9', 'k9'), ('f-10', 's8', date '2026-01-02', 'a10', 'k9'),
            ('m-1', 's7', date '2026-01-01', 'a9', 'k9')
        ) as rows(raw_row_key, session_key, event_date, device_id, user_key);
        create table intermediate.int_users_stitched as
        select distinct device_id, user_key from intermediate.int_events_sessionized;
        create schema core;
        create table core.fct_sessions as select * from (values
            ('s1', 'a1'), ('s2', 'a1'), ('s5', 'a7'), ('s7', 'a9'), ('s8', 'a10'), ('s6', 'a4')
        ) as rows(session_key, device_id);
        """
    )


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    _build(con)
    yield con
    con.close()


def _archive(con) -> dict[str, tuple]:
    rows = con.execute(
        """
        select event_id, anonymous_id, user_id, session_id, email, ip_address, user_agent, properties,
            _source_file, _file_id, _source_row, event_source
        from raw.deidentified_events
        """
    ).fetchall()
    return {row[11] + ":" + str(row[10]) + ":" + row[8]: row for row in rows}


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


def test_people_not_seen_since_the_cutoff_lose_their_ids(con) -> None:
    report = apply_retention(con, DAYS, TODAY)
    assert report.events == 6
    assert report.rows_moved == {"raw.events": 5, "raw.mixpanel_events": 1, "raw.yandex_metrica_events": 1}
    archive = _archive(con)
    # k7 (e11), k9 (e13, e14 and the Mixpanel sign-up) and the quarantined rows of a3 and a5 (e6, e8);
    # not k1 (a8 on 01-06), not k2 (its session ends on the cutoff day), not k4 (a row no build read).
    assert set(archive) == {
        "microconv:1:g.csv",
        "microconv:2:g.csv",
        "microconv:7:f.csv",
        "microconv:9:f.csv",
        "microconv:10:f.csv",
        "mixpanel:1:m.json",
    }
    e13, e14, signup = (
        archive["microconv:9:f.csv"],
        archive["microconv:10:f.csv"],
        archive["mixpanel:1:m.json"],
    )
    e11, e6, e8 = archive["microconv:7:f.csv"], archive["microconv:1:g.csv"], archive["microconv:2:g.csv"]
    for row in archive.values():
        assert all(value is None or value.startswith(PSEUDONYM_PREFIX) for value in row[:4]), row
        assert row[4] is None and row[5] is None  # e-mail and IP address dropped
    # One person, one key: u9 on both devices, a9 in both sources, and the event ids are pseudonyms too.
    assert e13[2] == e14[2] and e13[1] == signup[1] and e13[1] != e14[1]
    assert len(e13[1]) == len(PSEUDONYM_PREFIX) + 32 and e13[0] != e14[0]
    assert e13[3].startswith(PSEUDONYM_PREFIX)
    # Id keys leave the properties; the rest stays; the user agent is kept.
    assert e11[7] == '{"value":3}' and signup[7] == '{"plan":"pro"}' and e11[6] == "UA"
    assert e6[1] != e8[1]
    # A new file id per original file; row numbers kept.
    assert e13[9] == e11[9] != e6[9] and len(e13[9]) == 16 and e13[10] == 9
    remaining = [row[0] for row in con.execute("select event_id from raw.events order by 1").fetchall()]
    assert remaining == ["e1", "e10", "e12", "e2", "e3", "e4", "e5", "e7", "e9"]
    # a9's Yandex visit stages no event but names a9: it goes too; a1's stays.
    visits = con.execute("select record from raw.yandex_metrica_events").fetchall()
    assert visits == [('{"ym:s:clientID": "a1", "ym:s:visitID": "v1"}',)]
    assert con.execute("select count(*) from raw.mixpanel_events").fetchone()[0] == 0
    validated = con.execute("select raw_row_key from intermediate.int_events_validated order by 1").fetchall()
    assert [row[0] for row in validated] == ["f-1", "f-2", "f-3", "f-4", "f-5", "f-6", "f-8", "g-3"]
    # The devices left without events leave the device-keyed models at once; nobody else is touched.
    devices = con.execute("select distinct device_id from intermediate.int_events_sessionized order by 1")
    assert devices.fetchall() == [("a1",), ("a2",), ("a4",), ("a8",)]
    sessions = con.execute("select session_key from core.fct_sessions order by 1").fetchall()
    assert sessions == [("s1",), ("s2",), ("s6",)]
    log = con.execute("select cutoff_date, rows_moved, events_deidentified from raw.retention_log").fetchall()
    moved = '{"raw.events": 5, "raw.mixpanel_events": 1, "raw.yandex_metrica_events": 1}'
    assert log == [(date(2026, 1, 3), moved, 6)]


def test_no_original_id_or_key_is_left_behind(con) -> None:
    apply_retention(con, DAYS, TODAY)
    moved_ids = {
        "a3",
        "a5",
        "a7",
        "a9",
        "a10",
        "u9",
        "t9",
        "e13",
        "e11",
        "mp-1",
        "bob@example.com",
        "10.0.0.7",
    }
    # int_users_stitched, like every table model, is rebuilt by the build that follows the pass (the
    # end-to-end test checks the built warehouse).
    for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema <> 'staging' and table_name <> 'int_users_stitched'"
    ).fetchall():
        text = " ".join(str(row) for row in con.execute(f"select * from {schema}.{table}").fetchall())
        for value in moved_ids:
            assert f"'{value}'" not in text and f'"{value}"' not in text, (schema, table, value)
    temp = con.execute("select table_name from information_schema.tables where table_name like 'retention%'")
    assert {row[0] for row in temp.fetchall()} == {"retention_log"}


def test_a_second_pass_moves_nothing_and_a_later_day_moves_more(con) -> None:
    apply_retention(con, DAYS, TODAY)
    assert apply_retention(con, DAYS, TODAY).events == 0
    # Three days later (cutoff 01-06): k2 and a6 have not been seen since; k1 was, on 01-06, and k4 has
    # a row no build has read.
    report = apply_retention(con, DAYS, date(2026, 1, 13))
    assert report.events == 3
    assert con.execute("select count(*) from raw.deidentified_events").fetchone()[0] == 9


def test_a_person_sharing_a_raw_row_with_someone_active_stays_whole(con) -> None:
    """A raw row that stages events of two people (a Yandex Metrica visit row staging an event of a9,
    inactive, and one of a1, active) cannot move: a9's other events stay too (with a10's, the same
    person), so nobody is de-identified in part."""
    con.execute(
        """
        create or replace view staging.stg_yandex_metrica__events as
        select
            events.* exclude (anonymous_id, event_id, _file_id, _source_row, _ingested_at),
            ['a9', 'a1'][position + 1] as anonymous_id,
            'ym-' || position as event_id,
            visits._file_id,
            visits._source_row * 1000 + position as _source_row,
            visits._ingested_at
        from (select * from staging.stg_microconv__events limit 1) as events
        cross join raw.yandex_metrica_events as visits
        cross join range(2) as positions(position)
        where visits._source_row = 1;
        insert into intermediate.int_events_validated values
            ('y-1000', 'a9', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00'),
            ('y-1001', 'a1', null, 'clean', date '2026-01-01', timestamp '2026-01-02 01:00:00');
        """
    )
    report = apply_retention(con, DAYS, TODAY)
    # a3, a5 and a7 only; k9 (a9, a10) keeps every event: in raw.events, Mixpanel's and the visit.
    assert report.events == 3
    assert report.rows_moved == {"raw.events": 3}
    kept = con.execute("select event_id from raw.events where anonymous_id in ('a9', 'a10') order by 1")
    assert kept.fetchall() == [("e13",), ("e14",)]
    assert con.execute("select count(*) from raw.mixpanel_events").fetchone()[0] == 1
    assert con.execute("select count(*) from raw.yandex_metrica_events").fetchone()[0] == 2


def test_a_failed_pass_changes_nothing(con, monkeypatch) -> None:
    monkeypatch.setattr(retention, "STREAM_COLUMNS", (*retention.STREAM_COLUMNS, "no_such_column"))
    with pytest.raises(duckdb.Error):
        apply_retention(con, DAYS, TODAY)
    assert con.execute("select count(*) from raw.events").fetchone()[0] == 14
    assert con.execute("select count(*) from intermediate.int_events_validated").fetchone()[0] == 14
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
    # Every validated event of the fixture is from January 2026, long before today's cutoff; only k4,
    # with a row no build has read, stays.
    assert staged.metadata["user_level_retention"]["events_deidentified"] == 13
    assert any("lost their identifiers" in line for line in log.lines)
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select count(*) from raw.deidentified_events").fetchone()[0] == 13
