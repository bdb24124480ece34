"""Audience exports written by publishing: each audience's current members as CSV and Parquet."""

from __future__ import annotations

import csv

import duckdb

from microconv.publish import export_audiences


def _published(con: duckdb.DuckDBPyConnection, path) -> None:
    con.execute(f"attach '{path}' as published")
    con.execute(
        """
        create schema published.marts;
        create schema published.config;
        create schema published.core;
        create table published.config.audience_definitions (audience varchar);
        insert into published.config.audience_definitions
            values ('cart_abandoners_7d'), ('lapsed/buyers'), ('empty');
        create table published.core.dim_users (user_key varchar, user_id varchar);
        insert into published.core.dim_users values ('k1', 'u-1'), ('k2', null), ('k3', 'u-3');
        create table published.marts.audience_members (
            audience varchar, user_key varchar, entered_at timestamp, is_current boolean);
        insert into published.marts.audience_members values
            ('cart_abandoners_7d', 'k2', '2026-01-05 00:00:00', true),
            ('cart_abandoners_7d', 'k1', '2026-01-04 00:00:00', true),
            ('cart_abandoners_7d', 'k3', '2026-01-01 00:00:00', false),
            ('lapsed/buyers', 'k3', '2025-12-01 00:00:00', true);
        """
    )


def test_current_members_of_every_audience_are_exported(tmp_path) -> None:
    with duckdb.connect() as con:
        _published(con, tmp_path / "published.duckdb")
        counts = export_audiences(con, tmp_path / "audiences", "token")
    assert counts == {"cart_abandoners_7d": 2, "empty": 0, "lapsed/buyers": 1}
    with (tmp_path / "audiences" / "cart_abandoners_7d.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["user_key"], row["user_id"]) for row in rows] == [("k1", "u-1"), ("k2", "")]
    assert (tmp_path / "audiences" / "lapsed_buyers.parquet").exists()
    lapsed = tmp_path / "audiences" / "lapsed_buyers.parquet"
    assert duckdb.sql(f"select count(*) from '{lapsed}'").fetchall() == [(1,)]
    assert (tmp_path / "audiences" / "empty.csv").read_text().strip() == "user_key,user_id,entered_at"
    assert not list((tmp_path / "audiences").glob(".*"))  # no staging files left behind


def test_nothing_is_exported_from_a_copy_without_audiences(tmp_path) -> None:
    with duckdb.connect() as con:
        con.execute(f"attach '{tmp_path / 'published.duckdb'}' as published")
        assert export_audiences(con, tmp_path / "audiences", "token") == {}
    assert not (tmp_path / "audiences").exists()


def test_exports_carry_the_email_hash_when_audience_contacts_has_rows(tmp_path) -> None:
    with duckdb.connect() as con:
        _published(con, tmp_path / "published.duckdb")
        con.execute(
            "create table published.marts.audience_contacts (user_key varchar, email_sha256 varchar);"
            "insert into published.marts.audience_contacts values ('k1', 'abc123')"
        )
        export_audiences(con, tmp_path / "audiences", "token")
    with (tmp_path / "audiences" / "cart_abandoners_7d.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["user_key"], row["email_sha256"]) for row in rows] == [("k1", "abc123"), ("k2", "")]


def test_an_empty_audience_contacts_adds_no_column(tmp_path) -> None:
    with duckdb.connect() as con:
        _published(con, tmp_path / "published.duckdb")
        con.execute("create table published.marts.audience_contacts (user_key varchar, email_sha256 varchar)")
        export_audiences(con, tmp_path / "audiences", "token")
    header = (tmp_path / "audiences" / "cart_abandoners_7d.csv").read_text().splitlines()[0]
    assert header == "user_key,user_id,entered_at"


def test_the_email_hash_is_sha256_of_the_trimmed_lower_cased_address() -> None:
    import hashlib

    from tests.sql_macros import load_macros

    macros = load_macros("pii.sql")
    sql = macros.email_sha256("' John.Doe@Example.COM '")
    assert duckdb.sql(f"select {sql}").fetchall() == [(hashlib.sha256(b"john.doe@example.com").hexdigest(),)]
    assert duckdb.sql(f"select {macros.email_sha256(chr(39) + '  ' + chr(39))}").fetchall() == [(None,)]
