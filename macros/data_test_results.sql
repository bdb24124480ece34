{#- Data-quality history, the small part of elementary-data's design this project needs: its on-run-end
    hook (upload_run_results / handle_tests_results) appends every test result of the invocation to a
    table that an empty incremental model owns (elementary_test_results, never full-refreshed), and
    models read that table. Here: on-run-end, store_data_test_results(results) appends one row per data
    test result (unit tests left out) to marts.data_test_results, then refresh_data_test_history
    rebuilds marts.data_test_history from it with the model's own SQL (data_test_history_sql), so the history includes the tests of the
    invocation that just ended (dbt builds the models before their tests run). -#}

{% macro store_data_test_results(results) -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set tests = [] -%}
    {%- for result in results if result.node.resource_type == 'test' -%}
        {%- do tests.append(result) -%}
    {%- endfor -%}
    {%- set results_relation = _data_test_relation('data_test_results') -%}
    {%- if not tests or results_relation is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set dagster_run_id = env_var('MICROCONV_DAGSTER_RUN_ID', '') -%}
    {%- set rows = [] -%}
    {%- for result in tests -%}
        {%- set node = result.node -%}
        {%- set message = (result.message | string)[:1000] if result.message is not none else none -%}
        {%- set values = [
            _data_test_literal(invocation_id),
            _data_test_literal(dagster_run_id or none),
            "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as timestamp)",
            _data_test_literal(node.unique_id),
            _data_test_literal(node.name),
            _data_test_literal(node.test_metadata.name if node.test_metadata else 'singular'),
            _data_test_literal(_tested_model(node)),
            _data_test_literal(node.column_name),
            _data_test_literal(node.config.severity | string | lower),
            _data_test_literal(result.status | string | lower),
            'cast(' ~ (result.failures if result.failures is not none else 'null') ~ ' as bigint)',
            'cast(' ~ (result.execution_time or 0) ~ ' as double)',
            _data_test_literal(message)
        ] -%}
        {%- do rows.append('(' ~ values | join(', ') ~ ')') -%}
    {%- endfor -%}
    {#- No metadata query here (no column lookup): it would open a transaction that dbt rolls back. -#}
    {%- set columns = [
        'invocation_id', 'dagster_run_id', 'run_started_at', 'test_unique_id', 'test_name', 'test_type',
        'model_name', 'column_name', 'severity', 'status', 'failures', 'execution_seconds', 'message'
    ] -%}
    {{ log('Storing ' ~ tests | length ~ ' data test results in ' ~ results_relation, info=true) }}
    {{ return('insert into ' ~ results_relation ~ ' (' ~ columns | join(', ') ~ ') values\n' ~ rows | join(',\n')) }}
{%- endmacro %}

{#- Second on-run-end hook: rebuild data_test_history from the stored results, the just appended ones
    included (each hook is rendered when its turn comes, after the previous one ran). -#}
{% macro refresh_data_test_history() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set results_relation = _data_test_relation('data_test_results') -%}
    {%- set history_relation = _data_test_relation('data_test_history') -%}
    {%- if results_relation is none or history_relation is none -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(replace_table_rows(history_relation, data_test_history_sql(results_relation))) }}
{%- endmacro %}

{#- The relation of a model of this project, or none when it was never built. -#}
{% macro _data_test_relation(model_name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name -%}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{#- The tested model or source (`schema.table`): the generic test's attached node, else the single model
    a singular test reads (none when it reads several). -#}
{% macro _tested_model(node) -%}
    {%- set candidates = [] -%}
    {%- if node.attached_node -%}
        {%- do candidates.append(node.attached_node) -%}
    {%- else -%}
        {%- for unique_id in node.depends_on.nodes if unique_id.split('.')[0] in ('model', 'source', 'seed', 'snapshot') -%}
            {%- do candidates.append(unique_id) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if candidates | length != 1 -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(candidates[0].split('.')[2:] | join('.')) }}
{%- endmacro %}

{#- A SQL string literal (or null) that is safe whatever the text holds: quotes, backslashes. -#}
{% macro _data_test_literal(value) -%}
    {%- if value is undefined or value is none -%}
        {{ return('null') }}
    {%- endif -%}
    {{ return(adapter.dispatch('data_test_string_literal', 'microconv')(value | string)) }}
{%- endmacro %}

{% macro default__data_test_string_literal(text) -%}
    {{ return("'" ~ text.replace("'", "''") ~ "'") }}
{%- endmacro %}

{#- Spark reads backslash escapes inside string literals. -#}
{% macro spark__data_test_string_literal(text) -%}
    {{ return("'" ~ text.replace('\\', '\\\\').replace("'", "\\'") ~ "'") }}
{%- endmacro %}

{#- Replace every row of an existing table with the rows of a query of the same columns. -#}
{% macro replace_table_rows(relation, sql) -%}
    {{ return(adapter.dispatch('replace_table_rows', 'microconv')(relation, sql)) }}
{%- endmacro %}

{% macro default__replace_table_rows(relation, sql) -%}
    {{ return('create or replace table ' ~ relation ~ ' as\n' ~ sql) }}
{%- endmacro %}

{% macro spark__replace_table_rows(relation, sql) -%}
    {{ return('insert overwrite table ' ~ relation ~ '\n' ~ sql) }}
{%- endmacro %}
