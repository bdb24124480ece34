"""Dagster objects, one folder per domain: ingestion (raw tables, landing sensor, raw checks), dbt (the
models, seeds and tests), publishing (BI copy, report), monitoring (anomaly and data-test checks,
run-failure sensor), jobs (partitions, the job, its schedule); resources.py hands them the settings."""
