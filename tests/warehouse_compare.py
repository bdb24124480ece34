"""Compare the content of two warehouse files table by table (as multisets of rows)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from microconv.sql import quote_identifier, quote_literal

# Load bookkeeping that legitimately differs between two loads of the same files.
IGNORED_COLUMNS = frozenset({"ingested_at", "_ingested_at", "first_ingested_at", "last_ingested_at"})
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


def list_tables(
    con: duckdb.DuckDBPyConnection, catalog: str, schemas: tuple[str, ...]
) -> list[tuple[str, str]]:
    rows = con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = ? and table_type = 'BASE TABLE' and list_contains(?, table_schema)
        order by 1, 2
        """,
        [catalog, list(schemas)],
    ).fetchall()
    return [(schema, table) for schema, table in rows]


def _select_list(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    schema: str,
    table: str,
    digits: int,
    ignored: frozenset[str] = IGNORED_COLUMNS,
) -> str:
    columns = con.execute(
        """
        select column_name, data_type
        from information_schema.columns
        where table_catalog = ? and table_schema = ? and table_name = ?
        order by ordinal_position
        """,
        [catalog, schema, table],
    ).fetchall()
    parts = []
    for name, data_type in columns:
        if name in ignored:
            continue
        quoted = quote_identifier(name)
        if data_type.upper() in FLOAT_TYPES or data_type.upper().startswith("DECIMAL"):
            # Parallel float sums are not bit-for-bit reproducible; compare to a relative precision.
            parts.append(f"round(cast({quoted} as double), {digits}) as {quoted}")
        else:
            parts.append(quoted)
    return ", ".join(parts)


def table_differences(
    left: Path,
    right: Path,
    schemas: tuple[str, ...] = ("staging", "intermediate", "core", "marts"),
    digits: int = 6,
    ignored_columns: frozenset[str] = frozenset(),
) -> dict[str, tuple[int, int]]:
    """For every table of `schemas` in either file: rows only in left and only in right (multiset),
    leaving out the load bookkeeping columns and `ignored_columns`."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {quote_literal(str(left))} as lhs (read_only)")
        con.execute(f"attach {quote_literal(str(right))} as rhs (read_only)")
        left_tables = set(list_tables(con, "lhs", schemas))
        right_tables = set(list_tables(con, "rhs", schemas))
        differences: dict[str, tuple[int, int]] = {}
        for schema, table in sorted(left_tables | right_tables):
            name = f"{schema}.{table}"
            if (schema, table) not in left_tables or (schema, table) not in right_tables:
                differences[name] = (-1, -1)
                continue
            columns = _select_list(con, "lhs", schema, table, digits, IGNORED_COLUMNS | ignored_columns)
            lhs = f"select {columns} from lhs.{quote_identifier(schema)}.{quote_identifier(table)}"
            rhs = f"select {columns} from rhs.{quote_identifier(schema)}.{quote_identifier(table)}"
            only_left = con.execute(f"select count(*) from ({lhs} except all {rhs})").fetchone()[0]
            only_right = con.execute(f"select count(*) from ({rhs} except all {lhs})").fetchone()[0]
            if only_left or only_right:
                differences[name] = (int(only_left), int(only_right))
        return differences
    finally:
        con.close()
