"""Progress bars draw on a terminal only."""

from __future__ import annotations

import io

import pytest

from microconv import progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    with progress.progress_bar("loading landing files", 3) as advance:
        for _ in range(3):
            advance()
    assert stream.getvalue() == ""


def test_a_terminal_gets_a_bar_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.delenv("MICROCONV_NO_PROGRESS", raising=False)
    assert progress.interactive()
    with progress.progress_bar("loading landing files", 3) as advance:
        for _ in range(3):
            advance()
    assert "loading landing files" in terminal.getvalue()
    assert "3/3" in terminal.getvalue()
    monkeypatch.setenv("MICROCONV_NO_PROGRESS", "1")
    assert not progress.interactive()


def test_dbt_prints_one_line_per_layer_when_its_last_model_and_test_finished() -> None:
    from dagster import AssetCheckKey, AssetKey

    said: list[str] = []
    staging, marts = AssetKey(["staging", "stg_events"]), AssetKey(["marts", "fct_daily"])
    checks = [AssetCheckKey(staging, "unique_id"), AssetCheckKey(staging, "not_null_id")]
    layers = progress.LayerLines([staging, marts], checks, said.append)
    layers.done("staging", "models")
    layers.done("staging", "tests")
    assert said == []  # one of its two tests still runs
    layers.done("marts", "models")
    layers.done("staging", "tests")
    assert [line.split(" (")[0] for line in said] == [
        "dbt marts: 1 models and 0 tests done",
        "dbt staging: 1 models and 2 tests done",
    ]


def test_dbts_line_per_node_is_dropped_but_errors_and_warnings_stay() -> None:
    out = io.StringIO()
    stream = progress._WithoutNodeLines(out)
    stream.write("1 of 412 START sql table model marts.metricflow_time_spine ....... [RUN]\n")
    stream.write("2 of 412 OK loaded seed file config.bot_user_agent_patterns .... [CREATE 10 in 0.22s]\n")
    stream.write("3 of 412 PASS not_null_stg_events_event_id ..................... [PASS in 0.05s]\n")
    stream.write("197 of 412 WARN 1 assert_every_conversion_definition ........... [WARN 1 in 0.05s]\n")
    stream.write("304 of 412 FAIL 1 anomaly_flat_baseline ......................... [FAIL 1 in 0.72s]\n")
    stream.write("\n")
    print("dbt marts: 20 models and 120 tests done (68 s)", file=stream)
    stream.write("Done. PASS=392 WARN=1 ERROR=1 SKIP=15 NO-OP=4 TOTAL=413\n")
    assert out.getvalue().splitlines() == [
        "197 of 412 WARN 1 assert_every_conversion_definition ........... [WARN 1 in 0.05s]",
        "304 of 412 FAIL 1 anomaly_flat_baseline ......................... [FAIL 1 in 0.72s]",
        "dbt marts: 20 models and 120 tests done (68 s)",
        "Done. PASS=392 WARN=1 ERROR=1 SKIP=15 NO-OP=4 TOTAL=413",
    ]
