{#- Incremental strategy of the daily marts (micro_conversion_daily, event_quality_daily): delete every
    row whose date (the model's unique_key) is in int_dates_reprocessed, then insert the new rows. Unlike
    delete+insert (which deletes only the keys present in the new rows), a date that lost all its rows
    is emptied too. -#}
{#- The materialization and strategy name: these on DuckDB; on Spark, the keyed ones of
    keyed_incremental_materialization() (plain Parquet tables are rebuilt in full there; with var
    spark_keyed_incremental_strategy = merge, the merge goes by the mart's grain, so a date that lost
    all its rows keeps them until a full refresh, as for the facts). -#}
{% macro reprocessed_dates_config(date_column, grain) -%}
    {%- set spark = target is defined and target.type == 'spark' -%}
    {{ config(
        materialized=keyed_incremental_materialization(),
        incremental_strategy=keyed_incremental_strategy() if spark else 'replace_reprocessed_dates',
        unique_key=grain if spark else date_column,
        on_schema_change='fail'
    ) }}
    -- depends_on: {{ ref('int_dates_reprocessed') }}
{%- endmacro %}

{#- SQL predicate: the date expression is one of the dates this run recomputes. -#}
{% macro in_reprocessed_dates(date_expression) -%}
    {{ date_expression }} in (select reprocessed_dates.date_day from {{ ref('int_dates_reprocessed') }} as reprocessed_dates)
{%- endmacro %}

{% macro get_incremental_replace_reprocessed_dates_sql(arg_dict) -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ arg_dict['unique_key'] }} in (
        select reprocessed.date_day from {{ existing_model_relation('int_dates_reprocessed') }} as reprocessed
    );

    insert into {{ arg_dict['target_relation'] }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ arg_dict['temp_relation'] }}
    )
{%- endmacro %}
