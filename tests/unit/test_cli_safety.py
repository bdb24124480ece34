"""Safe by default: `microconv load`/`run` fail on a rejected landing file or a missing landing folder
unless told to do their best, and the ingestion asset fails the run the same way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from microconv import cli

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "bad_input"
UNREADABLE = (
    "03_latin1_encoded.csv",
    "04_truncated.jsonl.gz",
    "05_truncated.parquet",
    "06_cut_mid_line.jsonl",
)
RENAMED = "event_id,event_name,event_time,anonymous_id\ne1,page_view,2026-01-01T10:00:00Z,a1\n"


@pytest.fixture
def landing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "landing" / "events"
    for name, value in {
        "MICROCONV_DUCKDB_PATH": tmp_path / "w.duckdb",
        "MICROCONV_LANDING_DIR": folder,
        "MICROCONV_PUBLISH_DIR": tmp_path / "publish",
    }.items():
        monkeypatch.setenv(name, str(value))
    for name in ("MICROCONV_BEST_EFFORT", "MICROCONV_EVENT_SOURCES", "MICROCONV_GA4_LANDING_DIR"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_load_fails_on_the_bad_input_corpus_unless_best_effort(
    landing: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(CORPUS, landing)
    assert cli.main(["load"]) == 1
    err = capsys.readouterr().err
    assert "4 landing file(s) rejected" in err and "MICROCONV_BEST_EFFORT=1" in err
    assert all(name in err for name in UNREADABLE)


def test_load_with_best_effort_builds_from_the_other_files(landing: Path) -> None:
    shutil.copytree(CORPUS, landing)
    assert cli.main(["load", "--best-effort"]) == 0
    assert sorted(path.name for path in (landing / "_rejected").glob("*.error.txt")) == sorted(
        f"{name}.error.txt" for name in UNREADABLE
    )


def test_load_fails_on_a_renamed_required_column(landing: Path, capsys: pytest.CaptureFixture[str]) -> None:
    landing.mkdir(parents=True)
    (landing / "export.csv").write_text(RENAMED)
    assert cli.main(["load"]) == 1
    assert (
        "missing required column event_timestamp (closest in the file: event_time)" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("sources", "setting"),
    [("microconv", "MICROCONV_LANDING_DIR"), ("microconv,ga4", "MICROCONV_GA4_LANDING_DIR")],
)
def test_load_fails_on_a_missing_landing_folder_naming_its_setting(
    landing: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sources: str,
    setting: str,
) -> None:
    if setting != "MICROCONV_LANDING_DIR":
        landing.mkdir(parents=True)
    monkeypatch.setenv("MICROCONV_EVENT_SOURCES", sources)
    assert cli.main(["load"]) == 1
    assert f"{setting} points to" in capsys.readouterr().err


@pytest.mark.parametrize("best_effort", [False, True])
def test_the_ingestion_asset_fails_the_run_on_a_rejected_file_unless_best_effort(
    landing: Path, monkeypatch: pytest.MonkeyPatch, best_effort: bool
) -> None:
    import sys

    from dagster import DagsterInstance, materialize
    from dagster_dbt import DbtCliResource

    from microconv.defs.ingestion.assets import raw_events
    from microconv.settings import get_settings

    landing.mkdir(parents=True)
    (landing / "export.csv").write_text(RENAMED)
    (landing / "good.csv").write_text(
        "event_id,event_name,event_timestamp,anonymous_id\ne2,page_view,2026-01-01T10:00:00Z,a2\n"
    )
    if best_effort:
        monkeypatch.setenv("MICROCONV_BEST_EFFORT", "1")
    result = materialize(
        [raw_events],
        resources={
            "dbt": DbtCliResource(
                project_dir=str(get_settings().project_dir),
                dbt_executable=str(Path(sys.executable).with_name("dbt")),
            ),
            "settings": get_settings(),
        },
        partition_key="2026-01-01",
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert result.success is best_effort
    if not best_effort:
        failure = next(event for event in result.all_events if event.is_step_failure)
        assert "event_time" in str(failure.step_failure_data.error.message)
