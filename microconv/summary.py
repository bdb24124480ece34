"""A short, printable summary of a built warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .dbt_cli import LAYERS
from .sql import quote_identifier

# The loader's schema, then dbt's layers.
SCHEMAS = ("raw", *LAYERS)
# How many unmapped event names the summary lists (most events first).
TOP_UNMAPPED_NAMES = 10
MAPPINGS_SEED = "seeds/event_name_mappings.csv"
MICRO_CONVERSIONS_SEED = "seeds/micro_conversion_definitions.csv"
# Yandex Metrica goals reach the models as goal_<id> until the goal's id has a row in this seed.
YANDEX_METRICA_GOALS_SEED = "seeds/yandex_metrica_goals.csv"


def warehouse_summary(duckdb_path: Path) -> str:
    """Rows per table and layer, quarantined rows by reason, rejected files, the top unmapped (custom)
    event names, and the accounting check."""
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
        if ("marts", "event_name_catalogue") in tables:
            lines += unmapped_event_names(con)
        if ("marts", "event_quality_daily") in tables:
            raw, clean, excluded, quarantined, duplicates, balanced = con.execute(
                """
                select sum(raw_rows), sum(clean_rows), sum(consent_excluded_rows), sum(quarantined_rows),
                    sum(duplicate_rows), coalesce(bool_and(is_balanced), true)
                from marts.event_quality_daily
                """
            ).fetchone()
            # Events a strict consent_policy keeps out of user-level tables (docs/privacy.md, Consent).
            consent = f" + excluded by consent {excluded:,}" if excluded else ""
            lines.append(
                f"Accounting: raw {raw or 0:,} = clean {clean or 0:,}{consent} "
                f"+ quarantined {quarantined or 0:,} + duplicates {duplicates or 0:,} "
                f"-> {'balanced' if balanced else 'NOT BALANCED'}"
            )
    return "\n".join(lines)


def unmapped_event_names(con: duckdb.DuckDBPyConnection, limit: int = TOP_UNMAPPED_NAMES) -> list[str]:
    """The custom event names (in no catalogue seed) with the most events, each with the seed to edit:
    the suggested event_name_mappings row when the name looks like a known one."""
    names = con.execute("select count(*) from marts.event_name_catalogue where not is_known").fetchone()[0]
    rows = con.execute(
        """
        select event_source, source_event_name, events, suggested_seed_row
        from marts.event_name_catalogue
        where not is_known
        order by events desc, event_source, source_event_name
        limit ?
        """,
        [limit],
    ).fetchall()
    lines = [
        f"Unmapped event names (kept as clean custom events, not conversions; top {len(rows)} of "
        f"{names:,} by events, all in marts.event_name_catalogue):"
    ]
    for source, name, events, seed_row in rows:
        lines.append(f"  {source + ': ' + name:<45} {events:>12,}")
        if seed_row:
            lines.append(f"    looks like a known name: add the row `{seed_row}` to {MAPPINGS_SEED}")
        elif source == "yandex_metrica" and name.startswith("goal_"):
            goal_id = name.removeprefix("goal_")
            lines.append(
                f"    a Metrica goal without a name: add `{goal_id},<event name>,<what it is>` "
                f"to {YANDEX_METRICA_GOALS_SEED}"
            )
        else:
            lines.append(f"    to use it, map it in {MAPPINGS_SEED} or define it in {MICRO_CONVERSIONS_SEED}")
    return lines if rows else [*lines, "  (none)"]
