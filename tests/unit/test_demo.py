"""`microconv demo` and `microconv generate` delete only what they wrote, and refuse folders holding
files they did not write (they would be mixed into the demo)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from microconv import cli, runner
from microconv.settings import get_settings

SMALL = ["--events", "400", "--days", "2", "--seed", "3"]


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    landing = tmp_path / "landing" / "events"
    warehouse = tmp_path / "warehouse" / "microconv.duckdb"
    monkeypatch.setenv("MICROCONV_LANDING_DIR", str(landing))
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("MICROCONV_PUBLISH_DIR", str(tmp_path / "publish"))
    monkeypatch.delenv("MICROCONV_EVENT_SOURCES", raising=False)
    for vendor in ("GA4", "SEGMENT", "SNOWPLOW", "MIXPANEL"):
        monkeypatch.delenv(f"MICROCONV_{vendor}_LANDING_DIR", raising=False)
    runs: list[dict] = []

    def fake_run_job(**kwargs):
        runs.append(kwargs)
        return SimpleNamespace(success=False)

    # The job itself is not under test: the demo's file handling before it is.
    monkeypatch.setattr(runner, "run_job", fake_run_job)
    return SimpleNamespace(landing=landing, warehouse=warehouse, runs=runs)


def _user_warehouse(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.loaded_files as select 'abc' as file_id, 'mine.csv' as source_file")


def test_demo_refuses_a_landing_folder_holding_the_users_files_and_deletes_nothing(
    paths: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = [paths.landing / "export_2026-01.csv", paths.landing / "events_mine.parquet"]
    nested = paths.landing / "2026" / "01" / "mine.jsonl"
    for path in [*mine, nested]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("event_id\n1\n")
    _user_warehouse(paths.warehouse)
    assert cli.main(["demo", *SMALL]) == 2
    err = capsys.readouterr().err
    assert "3 landing file(s) the demo did not write" in err and "MICROCONV_LANDING_DIR" in err
    assert all(path.read_text() == "event_id\n1\n" for path in [*mine, nested])
    assert paths.warehouse.exists() and paths.runs == []
    assert not (paths.landing / "_manifest.json").exists()


def test_demo_refuses_to_delete_a_warehouse_it_did_not_build(
    paths: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    from microconv.demo import demo_record_path

    _user_warehouse(paths.warehouse)
    assert cli.main(["demo", *SMALL]) == 2
    assert "was not built by `microconv demo`" in capsys.readouterr().err
    # Even with a demo record beside it, a warehouse that loaded other files is not the demo's.
    demo_record_path(paths.warehouse).write_text('{"file_ids": ["def"]}')
    assert cli.main(["demo", *SMALL]) == 2
    assert "1 loaded file(s) the demo did not write (e.g. mine.csv)" in capsys.readouterr().err
    # Nor are demo events added to it.
    assert cli.main(["demo", "--no-fresh", *SMALL]) == 2
    assert paths.warehouse.exists() and paths.runs == []


def test_a_fresh_demo_replaces_its_own_files_and_warehouse_only(paths: SimpleNamespace) -> None:
    from microconv.demo import demo_record_path

    assert cli.main(["demo", *SMALL]) == 1  # the (stubbed) job failed
    first = set(paths.landing.glob("events_*.parquet"))
    assert first and demo_record_path(paths.warehouse).exists()
    notes = paths.landing / "README.txt"  # not a landing file: neither loaded nor deleted
    notes.write_text("my notes")
    # As if the demo's run had built the warehouse from its files (file_id = SHA-256 of the file).
    from microconv.ingest import file_digest

    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.loaded_files (file_id varchar, source_file varchar)")
        con.executemany(
            "insert into raw.loaded_files values (?, ?)", [[file_digest(p), p.name] for p in first]
        )
    assert cli.main(["demo", "--events", "400", "--days", "3", "--seed", "4"]) == 1
    assert not paths.warehouse.exists()  # the demo's own warehouse was deleted
    assert notes.read_text() == "my notes"
    assert len(set(paths.landing.glob("events_*.parquet"))) >= 3
    assert len(paths.runs) == 2


def test_generate_overwrite_never_deletes_files_it_did_not_write(
    paths: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    out = paths.landing.parent / "out"
    out.mkdir(parents=True)
    mine = out / "export_2026-01-01.csv"
    mine.write_text("event_id\n1\n")
    assert cli.main(["generate", "--out", str(out), "--overwrite", *SMALL]) == 2
    assert mine.read_text() == "event_id\n1\n"
    assert "did not generate (export_2026-01-01.csv)" in capsys.readouterr().err
    mine.unlink()
    assert cli.main(["generate", "--out", str(out), *SMALL]) == 0
    assert cli.main(["generate", "--out", str(out), *SMALL]) == 2  # earlier files: --overwrite needed
    assert cli.main(["generate", "--out", str(out), "--overwrite", "--events", "400", "--days", "1"]) == 0
    from microconv.demo import generated_names

    # The earlier generation's files are gone, the new one's are there: exactly its manifest.
    assert set(out.glob("events_*")) == {out / name for name in generated_names(out)} != set()


def test_generate_overwrite_replaces_a_vendors_files_in_table_subfolders(paths: SimpleNamespace) -> None:
    """Yandex Metrica's demo writes hits/<day>.tsv and visits/<day>.tsv: the manifest lists both, so a
    second generation with --overwrite replaces them instead of taking them for someone else's files."""
    out = paths.landing.parent / "yandex_metrica"
    vendor = ["--vendor", "yandex_metrica", "--no-spend"]
    assert cli.main(["generate", "--out", str(out), *vendor, *SMALL]) == 0
    assert cli.main(["generate", "--out", str(out), "--overwrite", *vendor, *SMALL[:2], "--days", "1"]) == 0
    from microconv.demo import generated_names

    written = {path.relative_to(out).as_posix() for path in out.rglob("*.tsv")}
    assert written == generated_names(out)
    assert {name.split("/")[0] for name in written} == {"hits", "visits"}


def test_demo_help_says_exactly_what_a_fresh_demo_removes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "deletes only what earlier demos wrote" in text
    assert "_manifest.json" in text and ".demo.json" in text and "_rejected/" in text
    assert "refuses to run when a landing folder holds files it did not write" in text


def _as_if_loaded(warehouse: Path, files: list[Path]) -> None:
    """A warehouse whose raw.loaded_files lists these files (file_id = SHA-256, as the loader keeps)."""
    from microconv.ingest import file_digest

    warehouse.unlink(missing_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.loaded_files (file_id varchar, source_file varchar)")
        con.executemany(
            "insert into raw.loaded_files values (?, ?)", [[file_digest(p), p.name] for p in files]
        )


def test_demos_in_turn_from_different_sources_recognise_each_others_files(paths: SimpleNamespace) -> None:
    ga4 = paths.landing.parent / "ga4"
    assert cli.main(["demo", *SMALL]) == 1
    contract_files = sorted(paths.landing.glob("events_*"))
    _as_if_loaded(paths.warehouse, contract_files)
    assert cli.main(["demo", "--event-source", "ga4", *SMALL]) == 1
    # The ga4 demo's run also loaded the contract demo's files, still in their folder.
    _as_if_loaded(paths.warehouse, [*contract_files, *sorted(ga4.glob("*.parquet"))])
    assert cli.main(["demo", *SMALL]) == 1  # not refused (2): every loaded file is a demo file
    assert not paths.warehouse.exists() and len(paths.runs) == 3


def test_every_cli_option_and_subcommand_has_help_text() -> None:
    import argparse

    from microconv.cli import build_parser

    parser = build_parser()
    missing = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if not choice.help:
                    missing.append(choice.dest)
            for name, sub in action.choices.items():
                missing += [
                    f"{name} {action.option_strings or action.dest}"
                    for action in sub._actions
                    if not isinstance(action, argparse._HelpAction) and not action.help
                ]
    assert missing == []


def test_after_a_demo_the_first_sensor_tick_starts_no_run_and_the_days_end_yesterday(
    paths: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make demo` then `make dagster`: the sensor (empty cursor, as on a fresh Dagster instance) must
    not start a run over the days the demo just built; the demo's days are recent (fresh data)."""
    from datetime import UTC, datetime, timedelta

    from dagster import SkipReason

    from microconv import summary
    from microconv.defs.ingestion.sensors import new_landing_files

    monkeypatch.setattr(runner, "run_job", lambda **kwargs: SimpleNamespace(success=True))
    monkeypatch.setattr(summary, "warehouse_summary", lambda path: "summary")
    assert cli.main(["demo", *SMALL]) == 0
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    days = sorted(path.stem.removeprefix("events_") for path in paths.landing.glob("events_*.parquet"))
    assert days[0] == (yesterday - timedelta(days=1)).isoformat()  # --days 2: yesterday and the day before
    assert isinstance(
        new_landing_files(_sensor_context(None)),
        SkipReason,
    )


def _sensor_context(cursor: str | None):
    """A sensor context handing the environment's settings, as Definitions does."""
    from dagster import build_sensor_context

    return build_sensor_context(cursor=cursor, resources={"settings": get_settings()})
