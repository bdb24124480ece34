{#- Incremental processing window.

    A scheduled run processes one Dagster partition: the half-open date window
    min_date <= event_date < max_date (vars, ISO dates). Late events are picked up by reprocessing the
    late_arrival_lookback_days days before min_date as well. A bound left unset is open, so a run
    without vars reprocesses everything. -#}

{#- The validated ISO date of a window var (or of its environment variable MICROCONV_MIN_DATE /
    MICROCONV_MAX_DATE, which Dagster sets: unlike --vars, it does not invalidate dbt's partial parse),
    or none when unset. Anything but YYYY-MM-DD is a clear compile error, so it can never inject SQL. -#}
{% macro window_date(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none or (value | string | trim) in ('', 'none', 'null') -%}
        {%- set value = env_var('MICROCONV_' ~ (name | upper), '') -%}
    {%- endif -%}
    {%- if value is none or (value | string | trim) in ('', 'none', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- set parts = text.split('-') -%}
    {%- if text | length != 10 or parts | length != 3 or not (parts[0] ~ parts[1] ~ parts[2]).isdigit() -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " must be an ISO date (YYYY-MM-DD), got: " ~ text) }}
    {%- endif -%}
    {{ return(modules.datetime.date(parts[0] | int, parts[1] | int, parts[2] | int)) }}
{%- endmacro %}

{#- SQL predicate: the date expression falls in [min_date - late_arrival_lookback_days, max_date). -#}
{% macro in_reprocessing_window(date_expression) -%}
    {%- set min_date = window_date('min_date') -%}
    {%- set max_date = window_date('max_date') -%}
    {%- if min_date is not none and max_date is not none and max_date <= min_date -%}
        {{ exceptions.raise_compiler_error("max_date (" ~ max_date ~ ") must be after min_date (" ~ min_date ~ "); the window is half-open") }}
    {%- endif -%}
    (
        {%- if min_date is not none %}
        {%- set start = min_date - modules.datetime.timedelta(days=var('late_arrival_lookback_days') | int) %}
        {{ date_expression }} >= cast('{{ start.isoformat() }}' as date)
        {%- else %} true
        {%- endif %}
        and
        {%- if max_date is not none %}
        {{ date_expression }} < cast('{{ max_date.isoformat() }}' as date)
        {%- else %} true
        {%- endif %}
    )
{%- endmacro %}

{#- The existing relation of another model (none when it was never built), looked up without ref()
    so that a model can read the previous run's state of a model downstream of it. -#}
{% macro existing_model_relation(model_name) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.package_name == project_name and node.name == model_name -%}
            {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- Materialization of the models kept up to date by deleting and re-inserting a device's rows. DuckDB
    runs them incrementally (delete+insert). Spark on plain Parquet tables has no row-level delete (that
    needs a table format such as Delta, whose jars come from Maven), so there they are rebuilt in full
    each run; set var spark_keyed_incremental_strategy to `merge` where Delta or Iceberg is available. -#}
{#- (`target` is always defined in dbt; the check keeps sqlfluff's templater, which has none, working.) -#}
{% macro keyed_incremental_materialization() -%}
    {%- if target is defined and target.type == 'spark' and var('spark_keyed_incremental_strategy', none) is none -%}
        {{ return('table') }}
    {%- endif -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro keyed_incremental_strategy() -%}
    {%- if target is defined and target.type == 'spark' -%}
        {{ return(var('spark_keyed_incremental_strategy', none) or 'merge') }}
    {%- endif -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{#- The header of the models kept up to date per device (int_events_sessionized, fct_sessions,
    fct_micro_conversions): their config (materialization and strategy as above, unique_key device_id,
    a schema change fails the run) and their dependency on int_devices_reprocessed, which names the
    devices a run rewrites. incremental_strategy defaults to keyed_incremental_strategy(); all three
    pass replace_reprocessed_devices_strategy(), which also empties a device that lost all its rows
    (a user_id-only device that no longer owns a session; a device whose old events user-level
    retention de-identified). -#}
{% macro keyed_incremental_config(incremental_strategy=none) -%}
    {{ config(
        materialized=keyed_incremental_materialization(),
        incremental_strategy=incremental_strategy or keyed_incremental_strategy(),
        unique_key='device_id',
        on_schema_change='fail'
    ) }}
    -- depends_on: {{ ref('int_devices_reprocessed') }}
{%- endmacro %}
