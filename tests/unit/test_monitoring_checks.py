"""The micro-conversion anomaly check: reads the latest complete day, warns and records an alert."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from microconv.settings import get_settings


def _anomalies_warehouse(path: Path, rows: list[tuple]) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            """
            create table marts.micro_conversion_anomalies (
                date_day date, micro_conversion varchar, occurrences bigint, baseline_mean double,
                z_score double, z_threshold double, is_anomaly boolean, direction varchar,
                is_complete_day boolean
            )
            """
        )
        con.executemany(
            "insert into marts.micro_conversion_anomalies values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
        )


def test_anomaly_check_reads_the_latest_complete_day(tmp_path: Path, monkeypatch) -> None:
    """An anomaly two days back is history and the last, partial day is not judged: only the latest
    complete day alerts, with the occurrences, baseline, z and the prediction bound it crossed."""
    from microconv.defs.monitoring.checks import no_anomaly_on_latest_complete_day

    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(path))
    monkeypatch.setenv("MICROCONV_ALERTS_PATH", str(tmp_path / "alerts.jsonl"))
    _anomalies_warehouse(
        path,
        [
            ("2026-01-12", "cta_click", 40, 10.0, 9.5, 3.1, True, "spike", True),
            ("2026-01-13", "cta_click", 0, 10.0, -3.162, 3.105, True, "drop", True),
            ("2026-01-13", "sign_up", 10, 10.0, 0.0, 3.105, False, None, True),
            ("2026-01-14", "sign_up", 0, 10.0, None, 3.105, False, None, False),
        ],
    )
    result = no_anomaly_on_latest_complete_day(settings=get_settings())
    assert result.passed is False
    assert result.metadata["date"].value == "2026-01-13"
    assert result.metadata["anomalies"].value == 1
    assert result.description == (
        "Micro-conversion anomalies on 2026-01-13: cta_click drop (0 vs 10.0, z -3.2 beyond ±3.1)"
    )
    assert '"z_threshold": "3.105"' in json.dumps(result.metadata["details"].value)


def test_anomaly_check_passes_when_the_latest_complete_day_is_quiet(tmp_path: Path, monkeypatch) -> None:
    from microconv.defs.monitoring.checks import no_anomaly_on_latest_complete_day

    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", str(path))
    monkeypatch.setenv("MICROCONV_ALERTS_PATH", str(tmp_path / "alerts.jsonl"))
    _anomalies_warehouse(
        path,
        [
            ("2026-01-12", "cta_click", 40, 10.0, 9.5, 3.1, True, "spike", True),
            ("2026-01-13", "cta_click", 11, 10.0, 0.3, 3.105, False, None, True),
        ],
    )
    result = no_anomaly_on_latest_complete_day(settings=get_settings())
    assert result.passed is True
    assert result.metadata["anomalies"].value == 0
