{#- One row per data test result per dbt invocation. This model only creates the table (no rows): the
    on-run-end hook store_data_test_results (macros/data_test_results.sql) appends every invocation's
    results. Never full-refreshed, so `dbt build --full-refresh` keeps the history. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns'
) }}

with

final as (
    select
        cast(null as {{ dbt.type_string() }}) as invocation_id,
        cast(null as {{ dbt.type_string() }}) as dagster_run_id,
        cast(null as {{ dbt.type_timestamp() }}) as run_started_at,
        cast(null as {{ dbt.type_string() }}) as test_unique_id,
        cast(null as {{ dbt.type_string() }}) as test_name,
        cast(null as {{ dbt.type_string() }}) as test_type,
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as severity,
        cast(null as {{ dbt.type_string() }}) as status,
        cast(null as {{ dbt.type_bigint() }}) as failures,
        cast(null as double) as execution_seconds,
        cast(null as {{ dbt.type_string() }}) as message
)

select * from final
where false
