{#- The SQL of the data_test_history model, over the stored test results: shared by the model and by
    the on-run-end hook (macros/data_test_results.sql), which reruns it once the invocation's results
    are stored. Skipped results are stored but are no status of the test. A flip is a status change
    between two consecutive evaluated runs of the test; over the test's last data_test_history_runs
    runs, flakiness_rate = flips / (runs - 1), as elementary-data's test-result history and the
    "flaky test" notion of CI systems (a test that flips without a code change). -#}
{% macro data_test_history_sql(results_relation) -%}
with

results as (
    select * from {{ results_relation }}
),

evaluated_runs as (
    select
        test_unique_id,
        test_name,
        test_type,
        model_name,
        column_name,
        severity,
        status,
        failures,
        invocation_id,
        dagster_run_id,
        run_started_at,
        row_number() over (
            partition by test_unique_id
            order by run_started_at desc, invocation_id desc
        ) as run_recency
    from results
    where status in ('pass', 'warn', 'fail', 'error')
),

runs_with_older as (
    select
        evaluated_runs.*,
        lead(evaluated_runs.status) over (
            partition by evaluated_runs.test_unique_id
            order by evaluated_runs.run_recency
        ) as older_status
    from evaluated_runs
),

per_test as (
    select
        test_unique_id,
        count(*) as runs,
        sum(case when status = 'pass' then 1 else 0 end) as passes,
        sum(case when status = 'warn' then 1 else 0 end) as warns,
        sum(case when status = 'fail' then 1 else 0 end) as fails,
        sum(case when status = 'error' then 1 else 0 end) as errors,
        min(run_started_at) as first_run_at,
        min(case when status in ('warn', 'fail', 'error') then run_started_at end) as first_unsuccessful_at,
        max(case when status in ('warn', 'fail', 'error') then run_started_at end) as last_unsuccessful_at,
        sum(case when run_recency <= {{ var('data_test_history_runs') }} then 1 else 0 end) as recent_runs,
        sum(
            case
                when run_recency < {{ var('data_test_history_runs') }} and status <> older_status then 1
                else 0
            end
        ) as recent_flips
    from runs_with_older
    group by test_unique_id
),

latest_run as (
    select * from runs_with_older
    where run_recency = 1
),

final as (
    select
        latest_run.test_unique_id,
        latest_run.test_name,
        latest_run.test_type,
        latest_run.model_name,
        latest_run.column_name,
        latest_run.severity,
        per_test.runs,
        per_test.passes,
        per_test.warns,
        per_test.fails,
        per_test.errors,
        per_test.first_run_at,
        latest_run.run_started_at as last_run_at,
        per_test.first_unsuccessful_at,
        per_test.last_unsuccessful_at,
        latest_run.status as current_status,
        latest_run.older_status as previous_status,
        latest_run.failures as current_failures,
        per_test.recent_runs,
        per_test.recent_flips,
        case
            when per_test.recent_runs > 1
                then cast(per_test.recent_flips as double) / (per_test.recent_runs - 1)
        end as flakiness_rate,
        latest_run.status in ('warn', 'fail', 'error')
        and (latest_run.older_status is null or latest_run.older_status = 'pass') as is_new_failure,
        latest_run.invocation_id as last_invocation_id,
        latest_run.dagster_run_id as last_dagster_run_id
    from latest_run
    inner join per_test
        on latest_run.test_unique_id = per_test.test_unique_id
)

select * from final
{%- endmacro %}
