"""Engine selection and the Dagster job's Spark helpers that need no Spark session."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from microconv.engines.spark import DATA_DRIVEN_MODEL, landing_views_args, write_mirror
from microconv.project import prepare_manifest
from microconv.settings import engine_for, get_settings


def test_the_engine_follows_the_target_unless_set(monkeypatch) -> None:
    monkeypatch.delenv("MICROCONV_ENGINE", raising=False)
    assert engine_for("dev") == "duckdb"
    assert engine_for("spark") == "spark"
    assert engine_for("spark_cluster") == "spark"
    monkeypatch.setenv("MICROCONV_ENGINE", "spark")
    assert engine_for("databricks") == "spark"
    monkeypatch.setenv("MICROCONV_ENGINE", "postgres")
    with pytest.raises(ValueError, match="MICROCONV_ENGINE"):
        engine_for("dev")


def test_readers_use_the_mirror_on_spark_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("MICROCONV_ENGINE", raising=False)
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MICROCONV_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "dev")
    assert get_settings().reader_path == tmp_path / "w.duckdb"
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "spark")
    assert get_settings().reader_path == tmp_path / "spark" / "mirror.duckdb"


def test_the_spark_landing_views_cover_the_vendors_with_files(tmp_path: Path, monkeypatch) -> None:
    landing = tmp_path / "landing"
    for folder in ("events", "ga4", "segment", "snowplow"):
        (landing / folder).mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 'page_view' as event_name) to '{landing / 'ga4' / 'events_20260301.parquet'}'"
        )
    (landing / "segment" / "messages.jsonl").write_text("{}\n")
    (landing / "snowplow" / "_rejected").mkdir()
    (landing / "snowplow" / "_rejected" / "bad.jsonl").write_text("{}\n")
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing / "events"))
    monkeypatch.setenv("MICROCONV_SPARK_DIR", str(tmp_path / "spark"))
    for vendor in ("GA4", "SEGMENT", "SNOWPLOW", "MIXPANEL"):
        monkeypatch.delenv(f"MICROCONV_{vendor}_LANDING_DIR", raising=False)
    assert landing_views_args(get_settings())["landing_dir"] is None  # no contract files yet
    # A file written before consent_analytics was a contract column, and one written after: the raw
    # view reads what any file has (the rest as null).
    with duckdb.connect() as con:
        con.execute(
            "copy (select 'e1' as event_id, 'page_view' as event_name, '2026-03-01T10:00:00Z' as "
            f"event_timestamp, 'a1' as Anonymous_ID) to '{landing / 'events' / 'events_20260301.parquet'}'"
        )
        con.execute(
            "copy (select 'e2' as event_id, 'granted' as consent_analytics, 'x' as not_a_contract_column) "
            f"to '{landing / 'events' / 'events_20260302.parquet'}'"
        )
    arguments = landing_views_args(get_settings())
    assert arguments == {
        "landing_dir": str(landing / "events"),
        "contract_columns": [
            "anonymous_id",
            "consent_analytics",
            "event_id",
            "event_name",
            "event_timestamp",
        ],
        "vendor_files": {
            # Each vendor's rows as JSON lines of records (test_spark_vendor_records.py).
            "ga4": {"path": str(tmp_path / "spark" / "landing" / "ga4"), "format": "json"},
            "segment": {"path": str(tmp_path / "spark" / "landing" / "segment"), "format": "json"},
        },
    }
    json.dumps(arguments)  # passed to dbt run-operation --args as JSON


def test_the_mirror_holds_every_exported_table(tmp_path: Path) -> None:
    export = tmp_path / "export"
    with duckdb.connect() as con:
        for schema, table, rows in (("core", "fct_sessions", 3), ("marts", "funnel_steps", 2)):
            (export / schema / table).mkdir(parents=True)
            target = export / schema / table / "part-0.parquet"
            con.execute(f"copy (select range as id from range({rows})) to '{target}'")
    mirror = tmp_path / "mirror.duckdb"
    mirror.write_text("an older mirror")  # replaced whole, never appended to
    assert write_mirror(export, mirror) == {"core.fct_sessions": 3, "marts.funnel_steps": 2}
    with duckdb.connect(str(mirror), read_only=True) as con:
        assert con.execute("select sum(id) from marts.funnel_steps").fetchone()[0] == 1
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".")] == []


def _descendants(manifest: dict, start: str) -> set[str]:
    found, pending = set(), [start]
    while pending:
        node = pending.pop()
        if node not in found:
            found.add(node)
            pending += manifest["child_map"].get(node, [])
    return found


def test_the_spark_build_is_dbt_then_the_python_step_then_dbt_as_assets() -> None:
    """On Spark the data-driven attribution is an asset of its own: after its model's dbt parents,
    before the model (which dbt only registers) and everything downstream; the two dbt selections
    together are DuckDB's one selection, models and tests alike."""
    from dagster import AssetKey
    from dagster_dbt import get_asset_key_for_model

    from microconv.defs.dbt.assets import DBT_ASSETS, build_assets
    from microconv.engines import DbtSelection, PythonStep
    from microconv.engines.duckdb import DuckDBEngine
    from microconv.engines.spark import SparkEngine

    manifest = json.loads(prepare_manifest().read_text())
    assert DuckDBEngine.build_plan == (DbtSelection("microconv_dbt_assets"),)
    assert [type(step) for step in SparkEngine.build_plan] == [DbtSelection, PythonStep, DbtSelection]
    before, step, after = build_assets(SparkEngine.build_plan)
    (everything,) = DBT_ASSETS  # this environment's engine: DuckDB

    assert step.key == AssetKey(["data_driven_attribution_credits"])
    paths = get_asset_key_for_model([before], "int_attribution_paths_summarized")
    model = get_asset_key_for_model([after], DATA_DRIVEN_MODEL)
    assert set(step.asset_deps[step.key]) == {paths}
    assert set(after.asset_deps[model]) == {paths, step.key}
    assert step.key not in everything.keys and step.key not in everything.asset_deps[model]

    downstream = _descendants(manifest, f"model.microconv.{DATA_DRIVEN_MODEL}")
    after_models = {key for key in after.keys}
    assert after_models == {
        get_asset_key_for_model([everything], manifest["nodes"][unique_id]["name"])
        for unique_id in downstream
        if unique_id.startswith("model.")
    }
    assert not set(before.keys) & after_models
    assert set(before.keys) | after_models == set(everything.keys)
    assert set(before.check_keys) | set(after.check_keys) == set(everything.check_keys)
    assert (before.op.name, after.op.name) == (
        "microconv_dbt_assets",
        "microconv_dbt_assets_after_attribution",
    )


def test_each_engine_offers_the_same_steps(tmp_path: Path, monkeypatch) -> None:
    from microconv.engines import Engine, for_settings
    from microconv.engines.duckdb import DuckDBEngine
    from microconv.engines.spark import SparkEngine

    monkeypatch.delenv("MICROCONV_ENGINE", raising=False)
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("MICROCONV_SPARK_DIR", str(tmp_path / "spark"))
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "dev")
    duckdb_engine = for_settings(get_settings())
    monkeypatch.setenv("MICROCONV_DBT_TARGET", "spark")
    spark_engine = for_settings(get_settings())
    assert (type(duckdb_engine), type(spark_engine)) == (DuckDBEngine, SparkEngine)
    steps = [name for name in dir(Engine) if not name.startswith("_")]
    assert {"build", "newest_landed", "reader_path", "stage_raw"} <= set(steps)
    for engine in (duckdb_engine, spark_engine):
        assert all(hasattr(engine, name) for name in steps), engine
    assert duckdb_engine.fingerprint_path == tmp_path / "w.duckdb.fingerprint.json"
    assert spark_engine.fingerprint_path == tmp_path / "spark" / "build_fingerprint.json"
    assert spark_engine.warehouse_reader() is None
