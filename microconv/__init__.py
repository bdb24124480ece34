"""Microconv: micro-conversion analytics warehouse (Dagster + dbt + DuckDB)."""
