{#- Traffic-source helpers: query parameters of a URL and ad-platform click ids (var click_id_sources). -#}

{#- The value of query parameter `name` (a plain word) in a URL, as written (not URL-decoded); null when
    the URL has no such parameter or it is empty. -#}
{% macro url_query_parameter(expression, name) -%}
    {{ return(adapter.dispatch('url_query_parameter', 'microconv')(expression, name)) }}
{%- endmacro %}

{% macro duckdb__url_query_parameter(expression, name) -%}
    nullif(regexp_extract({{ expression }}, '[?&]{{ name }}=([^&#]*)', 1), '')
{%- endmacro %}

{% macro spark__url_query_parameter(expression, name) -%}
    nullif(regexp_extract({{ expression }}, '[?&]{{ name }}=([^&#]*)', 1), '')
{%- endmacro %}

{#- The source (field 'source') or medium (field 'medium') that the first click id of var
    click_id_sources found in the URL stands for; null when the URL carries none. -#}
{% macro click_id_traffic_source(url_expression, field) -%}
    {%- set click_ids = var('click_id_sources') -%}
    {%- if click_ids is string or click_ids | length == 0 -%}
    cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
        {%- for click_id in click_ids %}
        when {{ url_query_parameter(url_expression, click_id['parameter']) }} is not null
            then '{{ click_id[field] }}'
        {%- endfor %}
    end
    {%- endif %}
{%- endmacro %}
