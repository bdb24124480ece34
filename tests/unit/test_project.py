"""When the dbt manifest can be reused instead of re-parsing the project."""

from __future__ import annotations

import pytest

from microconv.project import PARSE_ENVIRONMENT, manifest_is_current, prepare_manifest


def test_a_manifest_parsed_under_other_connection_settings_is_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    prepare_manifest()
    assert manifest_is_current()
    assert "MICROCONV_DUCKDB_PATH" in PARSE_ENVIRONMENT
    # dbt's partial-parse state includes the connection settings: another warehouse path would make
    # every run re-parse the whole project, so the manifest must be prepared again once.
    monkeypatch.setenv("MICROCONV_DUCKDB_PATH", "/elsewhere/microconv.duckdb")
    assert not manifest_is_current()
