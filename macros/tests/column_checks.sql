{#- The simple column checks of one model in ONE query (one scan) instead of one query per column and
    check: `not_null_columns` (no nulls), `unique_columns` (no value on two rows; nulls ignored, as dbt's
    unique) and `accepted_values` (column -> allowed values; nulls pass, as dbt's accepted_values).
    Returns one row per failing column and check: column_name, check_name (not_null | unique |
    accepted_values), failing_rows (null rows; rows beyond the first of a repeated value; rows with a
    value not allowed) and example_value (one value that is not allowed; null for the other checks).
    docs/data-quality.md. -#}
{% test column_checks(model, not_null_columns=[], unique_columns=[], accepted_values={}) %}

{%- set checks = [] -%}
{%- for column in not_null_columns -%}
    {%- do checks.append({
        'column': column,
        'check': 'not_null',
        'failing_rows': 'sum(case when ' ~ column ~ ' is null then 1 else 0 end)',
        'example_value': 'cast(null as ' ~ dbt.type_string() ~ ')'
    }) -%}
{%- endfor -%}
{%- for column in unique_columns -%}
    {%- do checks.append({
        'column': column,
        'check': 'unique',
        'failing_rows': 'count(' ~ column ~ ') - count(distinct ' ~ column ~ ')',
        'example_value': 'cast(null as ' ~ dbt.type_string() ~ ')'
    }) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set not_allowed = column ~ ' not in (' ~ microconv.column_check_literals(values) ~ ')' -%}
    {%- do checks.append({
        'column': column,
        'check': 'accepted_values',
        'failing_rows': 'sum(case when ' ~ not_allowed ~ ' then 1 else 0 end)',
        'example_value': 'min(case when ' ~ not_allowed ~ ' then cast(' ~ column ~ ' as '
            ~ dbt.type_string() ~ ') end)'
    }) -%}
{%- endfor -%}
{%- if not checks -%}
    {{ exceptions.raise_compiler_error("column_checks on " ~ model ~ ": no column to check") }}
{%- endif %}

with

totals as (
    select
        {%- for check in checks %}
        {{ check.failing_rows }} as failing_rows_{{ loop.index }},
        {{ check.example_value }} as example_value_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ model }}
),

check_list as (
    {%- for check in checks %}
    select
        {{ loop.index }} as check_number,
        '{{ check.column }}' as column_name,
        '{{ check.check }}' as check_name
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

results as (
    select
        check_list.column_name,
        check_list.check_name,
        case check_list.check_number
            {%- for check in checks %}
            when {{ loop.index }} then totals.failing_rows_{{ loop.index }}
            {%- endfor %}
        end as failing_rows,
        case check_list.check_number
            {%- for check in checks %}
            when {{ loop.index }} then totals.example_value_{{ loop.index }}
            {%- endfor %}
        end as example_value
    from check_list
    cross join totals
)

select * from results
where failing_rows > 0

{% endtest %}


{#- The SQL literals of accepted values: strings quoted (as dbt's accepted_values does), booleans and
    numbers as they are (dbt's `quote: false`). -#}
{% macro column_check_literals(values) %}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- if value is string -%}
            {%- do literals.append(dbt.string_literal(value)) -%}
        {%- elif value is sameas true or value is sameas false -%}
            {%- do literals.append(value | string | lower) -%}
        {%- else -%}
            {%- do literals.append(value | string) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(literals | join(', ')) -}}
{% endmacro %}
