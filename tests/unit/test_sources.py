"""Event sources: landing directories and the loader's vendor tables."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from microconv.ingest import load_event_sources
from microconv.settings import get_settings
from microconv.sources import EVENT_SOURCES


def test_a_vendor_lands_beside_the_contract_unless_told_otherwise(tmp_path: Path, monkeypatch) -> None:
    contract_dir = tmp_path / "landing" / "events"
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(contract_dir))
    monkeypatch.delenv("MICROCONV_GA4_LANDING_DIR", raising=False)
    assert get_settings().landing_dir_of(EVENT_SOURCES["microconv"]) == contract_dir
    assert get_settings().landing_dir_of(EVENT_SOURCES["ga4"]) == tmp_path / "landing" / "ga4"
    monkeypatch.setenv("MICROCONV_GA4_LANDING_DIR", str(tmp_path / "exports"))
    assert get_settings().landing_dir_of(EVENT_SOURCES["ga4"]) == tmp_path / "exports"


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_vendor_rows_are_kept_whole_as_json(tmp_path: Path, suffix: str) -> None:
    landing = tmp_path / "landing"
    (landing / "events").mkdir(parents=True)
    (landing / "mixpanel").mkdir()
    target = landing / "mixpanel" / f"export{suffix}"
    with duckdb.connect() as con:
        con.execute(
            "create table rows as select * from (values ('Purchase', 1772460300), ('Sign Up', 1772463600))"
            " as t(event, time)"
        )
        options = {".jsonl": "format json", ".csv": "format csv, header true", ".parquet": "format parquet"}
        con.execute(f"copy rows to '{target}' ({options[suffix]})")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        reports = {source.name: report for source, _, report in load_event_sources(con, landing / "events")}
        records = [
            json.loads(row[0])
            for row in con.execute("select record from raw.mixpanel_events order by _source_row").fetchall()
        ]
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
            ).fetchall()
        }
    assert set(reports) == {
        "microconv",
        "ga4",
        "segment",
        "snowplow",
        "mixpanel",
        "yandex_metrica",
        "amplitude",
        "posthog",
        "heap",
    }
    assert reports["ga4"].loaded == []  # no landing folder: nothing loaded, the table exists
    assert reports["mixpanel"].rows_loaded == 2
    assert [record["event"] for record in records] == ["Purchase", "Sign Up"]
    assert str(records[0]["time"]) == "1772460300"
    assert {"events", "ga4_events", "segment_events", "snowplow_events", "mixpanel_events"} <= tables


# Where dbt needs the same lists as Python, the dbt copies are held to the Python declarations.
PROJECT_DIR = Path(__file__).resolve().parents[2]


def _yaml(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text())


def _jinja_list(path: Path, macro: str) -> list[str]:
    """The list literal a macro returns, e.g. known_event_sources() in macros/event_sources.sql."""
    import re

    body = path.read_text().split(f"macro {macro}()", 1)[1].split("endmacro", 1)[0]
    return re.findall(r"'(\w+)'", body.split("return(", 1)[1].split(")", 1)[0])


def test_dbt_knows_the_same_sources_with_the_same_raw_tables() -> None:
    from microconv.sources import VENDORS

    assert _jinja_list(PROJECT_DIR / "macros" / "event_sources.sql", "known_event_sources") == list(
        EVENT_SOURCES
    )
    spark_vendors = (PROJECT_DIR / "macros" / "spark" / "landing.sql").read_text()
    assert f"for vendor in {[vendor.name for vendor in VENDORS]}" in spark_vendors
    for name, source in EVENT_SOURCES.items():
        declared = _yaml(PROJECT_DIR / "models" / "staging" / name / f"_{name}__sources.yml")["sources"]
        assert [
            (each["name"], each["schema"], [table["name"] for table in each["tables"]]) for each in declared
        ] == [(name, "raw", [source.raw_table])]
    unioned = _yaml(PROJECT_DIR / "models" / "intermediate" / "events" / "_events__models.yml")
    # The event_source values the models' column_checks accept (macros/tests/column_checks.sql).
    accepted = [
        test["microconv.column_checks"]["arguments"]["accepted_values"]["event_source"]
        for model in unioned["models"]
        for test in model.get("data_tests", [])
        if isinstance(test, dict)
        and "event_source"
        in test.get("microconv.column_checks", {}).get("arguments", {}).get("accepted_values", {})
    ]
    assert accepted and all(values == list(EVENT_SOURCES) for values in accepted)


def test_dbt_reads_the_contract_columns_the_loader_writes() -> None:
    from microconv.ingest import CONTRACT_COLUMNS

    (source,) = _yaml(PROJECT_DIR / "models" / "staging" / "microconv" / "_microconv__sources.yml")["sources"]
    columns = [column["name"] for column in source["tables"][0]["columns"]]
    assert [name for name in columns if not name.startswith("_")] == list(CONTRACT_COLUMNS)
    stream = _jinja_list(PROJECT_DIR / "macros" / "event_sources.sql", "event_stream_columns")
    assert stream[2:-4] == list(CONTRACT_COLUMNS)


def test_the_python_schema_lists_are_dbts_schemas() -> None:
    from microconv.dbt_cli import LAYERS, SEED_SCHEMA
    from microconv.publish import PUBLISHED_SCHEMAS

    project = _yaml(PROJECT_DIR / "dbt_project.yml")
    models = project["models"]["microconv"]
    assert {folder: models[folder]["+schema"] for folder in LAYERS} == {layer: layer for layer in LAYERS}
    assert [key for key in models if not key.startswith("+")] == list(LAYERS)
    assert project["seeds"]["microconv"]["+schema"] == SEED_SCHEMA
    assert set(PUBLISHED_SCHEMAS) <= {*LAYERS, SEED_SCHEMA}
