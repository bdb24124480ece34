"""Dagster assets: landing-file ingestion and the dbt models."""
