"""Every dbt test is a Dagster asset check (none logged as an observation with a warning every run)."""

from __future__ import annotations

import json

from dagster_dbt.asset_utils import get_asset_check_key_for_test

from microconv.project import dbt_project, prepare_manifest


def test_every_dbt_test_is_an_asset_check() -> None:
    manifest = json.loads(prepare_manifest().read_text())
    from microconv.defs.dbt.assets import TRANSLATOR

    tests = [unique_id for unique_id in manifest["nodes"] if unique_id.startswith("test.")]
    unmapped = [
        unique_id
        for unique_id in tests
        if get_asset_check_key_for_test(manifest, TRANSLATOR, unique_id, dbt_project()) is None
    ]
    assert len(tests) > 100
    assert unmapped == []
