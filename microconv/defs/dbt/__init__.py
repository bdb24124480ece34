"""The dbt models, seeds and tests as Dagster assets and asset checks."""
