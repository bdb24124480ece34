"""A hand-written corpus of bad input (tests/corpus/bad_input): every row ends clean, quarantined with
the expected reason, or counted as a duplicate; unreadable files are moved aside with their error;
the accounting balances; `microconv run --best-effort` exits 0 and says what it rejected (without
--best-effort a rejected file fails the run: tests/unit/test_cli_safety.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "bad_input"
ROW_FILES = ("01_rows.csv", "02_missing_optional_columns.jsonl")
UNREADABLE_FILES = {
    "03_latin1_encoded.csv": "unicode",
    "04_truncated.jsonl.gz": "",
    "05_truncated.parquet": "parquet",
    "06_cut_mid_line.jsonl": "",
}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus")
    landing = root / "landing"
    shutil.copytree(CORPUS, landing)
    env = {
        **os.environ,
        "MICROCONV_DUCKDB_PATH": str(root / "microconv.duckdb"),
        "MICROCONV_LANDING_DIR": str(landing),
        "MICROCONV_PUBLISH_DIR": str(root / "publish"),
        "MICROCONV_ALERTS_PATH": str(root / "alerts.jsonl"),
        "MICROCONV_FIRST_PARTITION": "2026-01-01",
        "DAGSTER_HOME": str(root / "dagster_home"),
    }
    microconv = Path(sys.executable).parent / "microconv"
    completed = subprocess.run(
        [str(microconv), "run", "--best-effort", "--start", "2026-01-01", "--end", "2026-01-01"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return completed, root / "microconv.duckdb", landing


def _expected_rows() -> list[tuple[str, int, str, str | None]]:
    """(file, row number, expected status, expected reason) from the corpus files' own columns."""
    with duckdb.connect() as con:
        csv_rows = con.execute(
            f"""
            select '01_rows.csv', row_number() over (), expected_status, expected_reason
            from read_csv('{CORPUS / "01_rows.csv"}', all_varchar = true, header = true)
            """
        ).fetchall()
        json_rows = con.execute(
            f"""
            select '02_missing_optional_columns.jsonl', row_number() over (),
                json_extract_string(json, '$.expected_status'), json_extract_string(json, '$.expected_reason')
            from read_json_objects('{CORPUS / "02_missing_optional_columns.jsonl"}')
            """
        ).fetchall()
    return csv_rows + json_rows


def test_run_exits_zero_and_reports_rejections(corpus_run) -> None:
    completed, _, _ = corpus_run
    assert completed.returncode == 0, completed.stderr[-3000:]
    output = completed.stdout + completed.stderr
    for name in UNREADABLE_FILES:
        assert f"Rejected landing file {name}" in output or name in output
    assert "Quarantined rows by reason" in output
    assert "missing_event_id" in output


def test_every_row_has_its_expected_outcome(corpus_run) -> None:
    _, warehouse, _ = corpus_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        actual = {
            (source_file, source_row): (status, reason)
            for source_file, source_row, status, reason in con.execute(
                """
                select source_file, source_row, row_status, rejection_reason
                from intermediate.int_events_validated
                """
            ).fetchall()
        }
    expected = {(file, row): (status, reason) for file, row, status, reason in _expected_rows()}
    assert len(expected) >= 20
    assert actual == expected


def test_the_corpus_covers_every_rejection_reason(corpus_run) -> None:
    reasons = {reason for _, _, status, reason in _expected_rows() if status == "quarantined"}
    assert len(reasons) == 11
    assert "unknown_event_name" not in reasons


def test_custom_event_names_are_clean_and_catalogued(corpus_run) -> None:
    """Events named in no catalogue seed are kept (clean, sessionized) and listed in the catalogue mart,
    with the seed row that would map a name that looks like a known one; the run's summary lists them."""
    completed, warehouse, _ = corpus_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sessionized = dict(
            con.execute(
                """
                select event_id, event_name from intermediate.int_events_sessionized
                where event_id in ('b12', 'c4')
                """
            ).fetchall()
        )
        catalogue = {
            row[0]: row[1:]
            for row in con.execute(
                """
                select source_event_name, events, is_known, suggested_event_name, suggested_seed_row
                from marts.event_name_catalogue
                where not is_known
                """
            ).fetchall()
        }
    assert sessionized == {"b12": "teleport", "c4": "add to cart"}
    assert catalogue == {
        "teleport": (1, False, None, None),
        "Add To Cart": (1, False, "add_to_cart", "microconv,Add To Cart,add_to_cart"),
    }
    assert "Unmapped event names" in completed.stdout
    assert "microconv,Add To Cart,add_to_cart" in completed.stdout


def test_unreadable_files_are_moved_aside_with_their_error(corpus_run) -> None:
    _, warehouse, landing = corpus_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rejected = dict(con.execute("select source_file, error from raw.rejected_files").fetchall())
    assert {Path(name).name for name in rejected} == set(UNREADABLE_FILES)
    for name, hint in UNREADABLE_FILES.items():
        assert (landing / "_rejected" / name).exists()
        assert (landing / "_rejected" / f"{name}.error.txt").read_text().strip()
        error = next(message for path, message in rejected.items() if Path(path).name == name)
        assert hint.lower() in error.lower(), error


def test_accounting_balances(corpus_run) -> None:
    _, warehouse, _ = corpus_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute("select count(*) from raw.events").fetchone()[0]
        clean, quarantined, duplicates = con.execute(
            """
            select sum(clean_rows), sum(quarantined_rows), sum(duplicate_rows)
            from marts.event_quality_daily
            """
        ).fetchone()
        facts = con.execute("select count(*) from intermediate.int_events_sessionized").fetchone()[0]
        quarantine_table = con.execute("select count(*) from core.quarantined_events").fetchone()[0]
    assert raw == len(_expected_rows())
    assert raw == clean + quarantined + duplicates
    assert facts == clean
    assert quarantine_table == quarantined
