{#- Incremental strategy of fct_sessions and fct_micro_conversions: delete every row of the devices in
    int_devices_reprocessed, then insert the new rows. Unlike delete+insert (which deletes only the keys present in the new
    rows), a device whose rows all disappear is emptied too: a user_id-only device whose events now all
    join browser sessions no longer owns a session, nor a session-scoped micro-conversion. -#}
{#- The strategy name: this one on DuckDB; on Spark, its keyed strategy (plain Parquet tables are
    rebuilt in full there; with var spark_keyed_incremental_strategy = merge a device that lost all its
    rows keeps them until a full refresh, as docs/scaling-out.md says). -#}
{% macro replace_reprocessed_devices_strategy() -%}
    {%- if target is defined and target.type == 'spark' -%}
        {{ return(keyed_incremental_strategy()) }}
    {%- endif -%}
    {{ return('replace_reprocessed_devices') }}
{%- endmacro %}

{% macro get_incremental_replace_reprocessed_devices_sql(arg_dict) -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where device_id in (
        select reprocessed.device_id from {{ existing_model_relation('int_devices_reprocessed') }} as reprocessed
    );

    insert into {{ arg_dict['target_relation'] }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ arg_dict['temp_relation'] }}
    )
{%- endmacro %}
