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


def _seed_checksums(saved_parse_path) -> dict[str, str]:
    import msgpack

    with open(saved_parse_path, "rb") as handle:
        data = msgpack.unpack(handle, raw=False, strict_map_key=False)
    return {
        key: entry["checksum"]["checksum"]
        for key, entry in data["files"].items()
        if entry.get("parse_file_type") == "seed"
    }


def test_the_saved_parse_keeps_the_seeds_checksums() -> None:
    """dagster-dbt's preparer blanked them (to "0" * 64), so every run re-parsed every seed and the
    models reading them (failed before: all 13 seeds blank after a prepare)."""
    from microconv.project import saved_parse
    from microconv.settings import get_settings

    prepare_manifest()
    checksums = _seed_checksums(saved_parse(get_settings()))
    assert len(checksums) >= 10
    assert "0" * 64 not in checksums.values()


def test_a_parse_saved_without_this_project_directory_was_made_elsewhere(tmp_path) -> None:
    """Such a parse holds other absolute seed paths: prepare_manifest deletes it and parses afresh."""
    import json

    from microconv.project import _parse_environment_stamp, parse_made_elsewhere, saved_parse
    from microconv.settings import get_settings

    settings = get_settings().replace(dbt_target_path=str(tmp_path / "target"))
    (tmp_path / "target").mkdir()
    assert not parse_made_elsewhere(settings)  # nothing saved: nothing to distrust
    saved_parse(settings).write_bytes(b"a parse")
    assert parse_made_elsewhere(settings)  # no stamp
    stamp = _parse_environment_stamp(settings)
    stamp.write_text(json.dumps({"project_dir": "/another/checkout"}))
    assert parse_made_elsewhere(settings)
    stamp.write_text(json.dumps({"project_dir": str(settings.project_dir)}))
    assert not parse_made_elsewhere(settings)
