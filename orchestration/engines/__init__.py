"""Engine-specific steps (the dbt models themselves are shared by every engine)."""
