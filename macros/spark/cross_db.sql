{#- dbt-spark's dateadd goes through unix seconds, so it drops fractions of a second (an event at
    10:00:00.990 plus 7 days became 10:00:00) and raises on nulls; Spark's timestampadd keeps
    microseconds and passes nulls, like DuckDB's interval arithmetic. Root-project macros take
    precedence in dbt's dispatch, so every dbt.dateadd in the models uses this on Spark. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}

{#- dbt-spark's listagg ignores the order (collect_list order is arbitrary, and the models build
    channel paths with it); this one sorts (key, value) pairs by a single ascending key. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause=none, limit_num=none) -%}
    {%- if order_by_clause -%}
        {%- set key = modules.re.sub('(?i)^\\s*order\\s+by\\s+', '', order_by_clause) | trim -%}
        {%- if ',' in key or modules.re.search('(?i)\\s(asc|desc)$', key) -%}
            {{ exceptions.raise_compiler_error("spark__listagg supports one ascending order key, got: " ~ order_by_clause) }}
        {%- endif -%}
        {%- set collected = "transform(array_sort(collect_list(struct(" ~ key ~ " as sort_key, " ~ measure ~ " as item))), pair -> pair.item)" -%}
    {%- else -%}
        {%- set collected = "collect_list(" ~ measure ~ ")" -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = "slice(" ~ collected ~ ", 1, " ~ limit_num ~ ")" -%}
    {%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
