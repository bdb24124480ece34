"""The shared end-to-end build: generated dirty data -> the Dagster job in-process (ingestion + dbt
build + every dbt test), once per session for the test_pipeline_* modules. They read it; the module
test_pipeline_then_reruns (sorted last) runs the job again on it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from microconv.generator import GeneratorConfig, generate

CONFIG = GeneratorConfig(events=100_000, days=28, seed=11, dirty_share=0.03)


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("e2e")
    landing = root / "landing"
    env = {
        "MICROCONV_DUCKDB_PATH": str(root / "warehouse" / "microconv.duckdb"),
        "MICROCONV_LANDING_DIR": str(landing),
        "MICROCONV_PUBLISH_DIR": str(root / "publish"),
        "MICROCONV_PII_SALT": "e2e-test-salt",
        "MICROCONV_ALERTS_PATH": str(root / "alerts.jsonl"),
        "DAGSTER_HOME": str(root / "dagster_home"),
        # The truncated upload below is rejected; best effort builds from the other files.
        "MICROCONV_BEST_EFFORT": "1",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        # Ad spend reports of the simulated paid traffic go to the spend folder beside the landing folder.
        generation = generate(CONFIG, landing, "parquet", spend_dir=root / "spend")
        (landing / "truncated_upload.parquet").write_bytes(b"PAR1 not really parquet")

        from microconv.runner import run_job

        result = run_job(full_refresh=True)
        yield (
            result,
            generation.manifest,
            Path(env["MICROCONV_DUCKDB_PATH"]),
            landing,
            Path(env["MICROCONV_ALERTS_PATH"]),
        )


@pytest.fixture
def warehouse(pipeline):
    _, _, path, _, _ = pipeline
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()
