"""Right to erasure (microconv/erasure.py) on a hand-made warehouse: who a person is, what is deleted,
what is kept, the suppression list and the audit trail."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from microconv import erasure
from microconv.erasure import ErasureError, Person, erase, erasure_hash, purge_suppressed, read_id_file
from microconv.ingest import ensure_raw_tables

SALT = "test-salt"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """u1 logged in on a1 and a2 (stitched: user key k1); a3 is someone else (k3)."""
    con = duckdb.connect()
    ensure_raw_tables(con)
    con.execute(
        """
        insert into raw.events (event_id, event_name, anonymous_id, user_id, email, _source_file, _file_id,
            _source_row, _ingested_at)
        values
            ('e1', 'page_view', 'a1', null, null, 'f.csv', 'f', 1, now()),
            ('e2', 'login', 'a1', 'u1', 'jane@example.com', 'f.csv', 'f', 2, now()),
            ('e3', 'page_view', 'a2', null, null, 'f.csv', 'f', 3, now()),
            ('e4', 'page_view', 'a3', null, null, 'f.csv', 'f', 4, now());
        insert into raw.mixpanel_events values
            ('{"event": "Sign Up", "properties": {"$device_id": "a2"}}', 'm.jsonl', 'm', 1, now()),
            ('{"event": "Sign Up", "properties": {"$device_id": "a3"}}', 'm.jsonl', 'm', 2, now());
        create schema staging;
        create view staging.stg_mixpanel__events as
        select json_extract_string(record, '$.properties."$device_id"') as anonymous_id,
            cast(null as varchar) as user_id, _file_id, _source_row
        from raw.mixpanel_events;
        create schema intermediate;
        create table intermediate.int_users_stitched as select * from (values
            ('a1', null, 'u1', 'a1', 'k1'), ('a1', 'u1', 'u1', 'a1', 'k1'),
            ('a2', null, 'u1', 'a2', 'k1'), ('a3', null, null, 'a3', 'k3')
        ) as rows(anonymous_id, user_id, stitched_user_id, device_id, user_key);
        create table intermediate.int_events_validated as select * from (values
            ('e2', 'a1', 'u1', 'hash-of-jane'), ('e4', 'a3', null, null)
        ) as rows(event_id, anonymous_id, user_id, email_hash);
        create table intermediate.int_events_sessionized as select * from (values
            ('e1', 'a1', 'k1', 's1'), ('e3', 'a2', 'k1', 's2'), ('e4', 'a3', 'k3', 's3')
        ) as rows(event_id, device_id, user_key, session_id);
        create schema marts;
        create table marts.audience_contacts as
            select * from (values ('k1', 'sha-of-jane'), ('k3', 'sha-of-bob'))
            as rows(user_key, email_sha256);
        create table marts.session_summaries as select * from (values ('s1', 3), ('s3', 1))
            as rows(session_id, page_views);
        create table marts.events_daily as
            select * from (values (date '2026-01-01', 4)) as rows(date_day, events);
        """
    )
    yield con
    con.close()


def test_a_person_is_every_id_stitched_to_the_one_given(con) -> None:
    person = erasure.resolve_person(con, [], ["a2"])
    assert person.ids["anonymous_id"] == {"a1", "a2"}
    assert person.ids["user_id"] == {"u1"}
    assert person.ids["user_key"] == {"k1"}
    assert person.ids["device_id"] == {"a1", "a2", "user:u1"}
    assert person.ids["session_id"] == {"s1", "s2"}
    assert person.ids["email_hash"] == {"hash-of-jane"}
    assert person.ids["email_sha256"] == {"sha-of-jane"}


def test_erase_removes_every_row_of_the_person_and_keeps_everything_else(con) -> None:
    report = erase(con, erasure.resolve_person(con, ["u1"], []), salt=SALT)
    assert report.rows_removed == {
        "raw.events": 3,
        "raw.mixpanel_events": 1,
        "intermediate.int_users_stitched": 3,
        "intermediate.int_events_validated": 1,
        "intermediate.int_events_sessionized": 2,
        "marts.audience_contacts": 1,
        "marts.session_summaries": 1,
    }
    assert con.execute("select event_id from raw.events").fetchall() == [("e4",)]
    assert con.execute("select _source_row from raw.mixpanel_events").fetchall() == [(2,)]
    assert con.execute("select count(*) from marts.events_daily").fetchone()[0] == 1  # an aggregate
    expected = sorted(
        hashlib.sha256(f"microconv-erasure:{SALT}:{identifier}".encode()).hexdigest()
        for identifier in ("a1", "a2", "u1")
    )
    assert sorted(
        row[0] for row in con.execute("select identity_hash from raw.erased_identities").fetchall()
    ) == (expected)
    hashes, removed, total = con.execute(
        "select identity_hashes, rows_removed, rows_removed_total from raw.erasure_audit"
    ).fetchone()
    assert json.loads(hashes) == expected and json.loads(removed) == report.rows_removed and total == 12


def test_the_suppression_list_never_holds_an_id(con) -> None:
    erase(con, erasure.resolve_person(con, ["u1"], []), salt=SALT)
    stored = " ".join(
        row[0] for row in con.execute("select identity_hash from raw.erased_identities").fetchall()
    )
    audit = " ".join(str(value) for value in con.execute("select * from raw.erasure_audit").fetchone())
    for identifier in ("a1", "a2", "u1", "k1", "jane"):
        assert identifier not in stored.split() and f'"{identifier}"' not in audit


def test_rows_arriving_later_for_a_forgotten_person_are_purged_from_raw(con) -> None:
    erase(con, erasure.resolve_person(con, ["u1"], []), salt=SALT)
    con.execute(
        """
        insert into raw.events (event_id, event_name, anonymous_id, user_id, _source_file, _file_id,
            _source_row, _ingested_at)
        values ('e9', 'page_view', 'a2', null, 'g.csv', 'g', 1, now()),
               ('e10', 'page_view', 'a4', null, 'g.csv', 'g', 2, now());
        insert into raw.mixpanel_events
        values ('{"event": "x", "properties": {"$device_id": "a1"}}', 'n', 'n', 1, now());
        """
    )
    assert purge_suppressed(con, salt=SALT) == {"raw.events": 1, "raw.mixpanel_events": 1}
    assert con.execute("select event_id from raw.events order by event_id").fetchall() == [("e10",), ("e4",)]
    assert con.execute("select count(*) from raw.erasure_audit").fetchone()[0] == 2
    assert purge_suppressed(con, salt=SALT) == {}


def test_nothing_changes_when_a_delete_fails(con, monkeypatch) -> None:
    real = erasure._person_tables

    def with_a_missing_table(connection):
        return [*real(connection), ("marts", "no_such_table", ["user_key"])]

    monkeypatch.setattr(erasure, "_person_tables", with_a_missing_table)
    with pytest.raises(duckdb.Error):
        erase(con, erasure.resolve_person(con, ["u1"], []), salt=SALT)
    assert con.execute("select count(*) from raw.events").fetchone()[0] == 4
    assert con.execute("select count(*) from raw.erased_identities").fetchone()[0] == 0


def test_vendor_rows_without_their_staging_view_stop_the_erasure(con) -> None:
    con.execute("drop view staging.stg_mixpanel__events")
    with pytest.raises(ErasureError, match="stg_mixpanel__events"):
        erase(con, erasure.resolve_person(con, ["u1"], []), salt=SALT)
    assert con.execute("select count(*) from raw.events").fetchone()[0] == 4


def test_nobody_to_forget_is_an_error(con) -> None:
    with pytest.raises(ErasureError):
        erase(con, Person(), salt=SALT)


def test_the_python_hash_is_the_sql_hash() -> None:
    with duckdb.connect() as con:
        sql = con.execute("select sha256('microconv-erasure:' || ? || ':' || ?)", [SALT, "u-42"]).fetchone()[
            0
        ]
    assert erasure_hash("u-42", SALT) == sql


def test_the_default_salt_is_dbts() -> None:
    macros = (Path(__file__).resolve().parents[2] / "macros" / "pii.sql").read_text()
    from microconv.settings import DEFAULT_PII_SALT

    assert f"env_var('MICROCONV_PII_SALT', '{DEFAULT_PII_SALT}')" in macros


def test_id_files_are_csv_with_a_header_or_one_user_id_per_line(tmp_path: Path) -> None:
    csv_file = tmp_path / "ids.csv"
    csv_file.write_text("User_ID,anonymous_id\nu1,\n,a9\nu2,a10\n")
    assert read_id_file(csv_file) == (["u1", "u2"], ["a9", "a10"])
    lines = tmp_path / "ids.txt"
    lines.write_text("u1\n\n u2 \n")
    assert read_id_file(lines) == (["u1", "u2"], [])


def test_a_person_without_vendor_rows_is_erased_too(con) -> None:
    con.execute("delete from raw.mixpanel_events")
    report = erase(con, erasure.resolve_person(con, [], ["a3"]), salt=SALT)
    assert report.rows_removed["raw.events"] == 1
    assert con.execute("select count(*) from raw.events where anonymous_id = 'a3'").fetchone()[0] == 0


def test_vendor_raw_rows_that_stage_several_events_are_found_by_their_raw_row(con) -> None:
    """Yandex Metrica's staging view numbers a visit's events raw row * 1000 + position: erasure and
    the later purge delete the raw row, not a row numbered like the staged event."""
    con.execute(
        """
        insert into raw.yandex_metrica_events values
            ('{"ym:s:clientID": "a1"}', 'v.tsv', 'v', 1, now()),
            ('{"ym:s:clientID": "a3"}', 'v.tsv', 'v', 2, now()),
            ('{"ym:s:clientID": "a1"}', 'v.tsv', 'v', 3, now());
        create view staging.stg_yandex_metrica__events as
        select json_extract_string(record, '$."ym:s:clientID"') as anonymous_id,
            cast(null as varchar) as user_id, _file_id, _source_row * 1000 + position as _source_row
        from raw.yandex_metrica_events, range(2) as positions(position);
        """
    )
    erase(con, erasure.resolve_person(con, ["u1"], []), salt=SALT)
    assert con.execute("select _source_row from raw.yandex_metrica_events").fetchall() == [(2,)]
    con.execute(
        "insert into raw.yandex_metrica_events values ('{\"ym:s:clientID\": \"a2\"}', 'w', 'w', 7, now())"
    )
    assert purge_suppressed(con, salt=SALT) == {"raw.yandex_metrica_events": 1}
    assert con.execute("select _source_row from raw.yandex_metrica_events").fetchall() == [(2,)]


def test_raw_rows_that_stage_no_event_but_name_the_person_are_erased_too(con) -> None:
    """Heap's users and user_migrations rows (and a Yandex Metrica visit whose goals the hits carry)
    stage no event, yet hold the person's ids: forget and the later purge find them by the source's own
    identity fields, following a migration to the user it merged away."""
    con.execute(
        """
        insert into raw.heap_events values
            ('{"user_id": "a1", "identity": "u1", "email": "jane@example.com"}', 'users.json', 'hu', 1,
                now()),
            ('{"from_user_id": "h-old", "to_user_id": "a1"}', 'migrations.json', 'hm', 1, now()),
            ('{"user_id": "h-old", "identity": null}', 'users.json', 'hu', 2, now()),
            ('{"user_id": "a3", "identity": null}', 'users.json', 'hu', 3, now());
        create view staging.stg_heap__events as
        select null as anonymous_id, null as user_id, _file_id, _source_row from raw.heap_events where false;
        """
    )
    erase(con, erasure.resolve_person(con, ["u1"], []), salt=SALT)
    assert con.execute("select record from raw.heap_events").fetchall() == [
        ('{"user_id": "a3", "identity": null}',)
    ]
    con.execute(
        """insert into raw.heap_events values ('{"user_id": "a2", "identity": null}', 'u2', 'u2', 1, now())"""
    )
    assert purge_suppressed(con, salt=SALT) == {"raw.heap_events": 1}
    assert con.execute("select count(*) from raw.heap_events").fetchone()[0] == 1
