"""Running the job in-process: a run without dbt tests plans none of their checks."""

from __future__ import annotations


def test_a_run_without_tests_plans_no_dbt_test_checks() -> None:
    from microconv.definitions import defs
    from microconv.runner import without_dbt_tests

    job = defs.resolve_job_def("microconv_job")
    subset = without_dbt_tests(job)
    all_checks = {key.name for key in job.asset_layer.asset_graph.asset_check_keys}
    kept = {key.name for key in subset.asset_layer.asset_graph.asset_check_keys}
    assert len(all_checks) > 100
    assert kept == {
        "raw_events_are_fresh",
        "no_anomaly_on_latest_complete_day",
        "mixpanel_time_is_utc",
        "no_new_data_test_failure",
    }
    assert subset.asset_layer.executable_asset_keys == job.asset_layer.executable_asset_keys
