"""A short, printable summary of a built warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .sql import quote_identifier

SCHEMAS = ("raw", "staging", "intermediate", "core", "marts")


def warehouse_summary(duckdb_path: Path) -> str:
    """Rows per table and layer, quarantined rows by reason, and the accounting check."""
    lines: list[str] = []
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        tables = con.execute(
            """
            select table_schema, table_name
            from information_schema.tables
            where list_contains(?, table_schema)
            order by table_schema, table_name
            """,
            [list(SCHEMAS)],
        ).fetchall()
        order = {schema: index for index, schema in enumerate(SCHEMAS)}
        lines.append("Rows per layer:")
        for schema, table in sorted(tables, key=lambda row: (order[row[0]], row[1])):
            count = con.execute(f"select count(*) from {quote_identifier(schema)}.{quote_identifier(table)}")
            count = count.fetchone()[0]
            lines.append(f"  {schema + '.' + table:<45} {count:>12,}")
        if ("core", "quarantined_events") in tables:
            reasons = con.execute(
                "select rejection_reason, count(*) from core.quarantined_events group by 1 order by 2 desc"
            ).fetchall()
            lines.append("Quarantined rows by reason:")
            lines += [f"  {reason:<45} {count:>12,}" for reason, count in reasons] or ["  (none)"]
        if ("raw", "rejected_files") in tables:
            rejected = con.execute(
                "select source_file, error from raw.rejected_files order by rejected_at, source_file"
            ).fetchall()
            lines.append("Rejected files (moved to _rejected/ in the landing directory):")
            lines += [f"  {Path(path).name}: {error}" for path, error in rejected] or ["  (none)"]
        if ("marts", "event_quality_daily") in tables:
            raw, clean, quarantined, duplicates, balanced = con.execute(
                """
                select sum(raw_rows), sum(clean_rows), sum(quarantined_rows), sum(duplicate_rows),
                    coalesce(bool_and(is_balanced), true)
                from marts.event_quality_daily
                """
            ).fetchone()
            lines.append(
                f"Accounting: raw {raw or 0:,} = clean {clean or 0:,} + quarantined {quarantined or 0:,} "
                f"+ duplicates {duplicates or 0:,} -> {'balanced' if balanced else 'NOT BALANCED'}"
            )
    return "\n".join(lines)
