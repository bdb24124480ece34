import json

from microconv.dbt_cli import dbt_build_args, layer_group


def test_build_args_plain() -> None:
    assert dbt_build_args() == ["build"]


def test_build_args_full_refresh_and_vars() -> None:
    args = dbt_build_args(full_refresh=True, dbt_vars={"session_inactivity_minutes": 45, "a": "b"})
    assert args[:2] == ["build", "--full-refresh"]
    assert args[2] == "--vars"
    assert json.loads(args[3]) == {"a": "b", "session_inactivity_minutes": 45}


def test_layer_group_by_top_folder() -> None:
    assert layer_group("model", ["microconv", "staging", "microconv", "stg_microconv__events"]) == "staging"
    assert layer_group("model", ["microconv", "core", "fct_sessions"]) == "core"
    assert layer_group("model", ["microconv", "marts", "quality", "event_quality_daily"]) == "marts"
    assert layer_group("seed", ["microconv", "funnel_definitions"]) == "config"
    assert layer_group("model", ["microconv", "sandbox", "x"]) == "other"


# dbt's accepted_values test as compiled (dbt-core's default__test_accepted_values): it selects the
# offending values, but dbt only reports how many there are.
ACCEPTED_VALUES_SQL = """
with all_values as (
    select journey_stage as value_field, count(*) as n_records
    from micro_conversion_definitions
    group by journey_stage
)
select * from all_values
where value_field not in ('awareness', 'consideration', 'intent', 'retention')
"""


def test_a_failing_test_names_its_offending_value() -> None:
    import duckdb

    from microconv.dbt_cli import describe_failing_rows, failing_rows_sql, unsuccessful_tests

    run_results = {
        "results": [
            {"unique_id": "model.microconv.fct_sessions", "status": "success", "compiled_code": "select 1"},
            {
                "unique_id": "test.microconv.not_null_x.1",
                "status": "pass",
                "failures": 0,
                "compiled_code": "x",
            },
            {
                "unique_id": "test.microconv.accepted_values_micro_conversion_definitions_journey_stage.7c",
                "status": "fail",
                "failures": 1,
                "compiled_code": ACCEPTED_VALUES_SQL,
            },
        ]
    }
    (test,) = unsuccessful_tests(run_results)
    con = duckdb.connect()
    con.execute(
        "create table micro_conversion_definitions as select * from (values "
        "('view_item', 'consideration'), ('sign_up', 'considerasion'), ('login', 'retention')) "
        "as definitions (micro_conversion, journey_stage)"
    )
    cursor = con.execute(failing_rows_sql(test["compiled_code"], 5))
    line = describe_failing_rows(
        test["unique_id"],
        test["status"],
        test["failures"],
        [c[0] for c in cursor.description],
        cursor.fetchall(),
    )
    assert line == (
        "accepted_values_micro_conversion_definitions_journey_stage (fail, 1 row): "
        "value_field=considerasion, n_records=1"
    )
    assert (
        describe_failing_rows("test.p.t", "warn", 7, ["a"], [(1,), (2,)])
        == "t (warn, 7 rows) (first 2): a=1; a=2"
    )
