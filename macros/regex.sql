{#- Regular expressions, dispatched because every engine spells them differently. -#}

{% macro regex_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_match', 'microconv')(expression, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_match(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regex_match(expression, pattern) -%}
    ({{ expression }} rlike {{ pattern }})
{%- endmacro %}

{#- The host of a URL, lower-cased, without a port; null for a null or host-less URL. -#}
{% macro url_host(expression) -%}
    {{ return(adapter.dispatch('url_host', 'microconv')(expression)) }}
{%- endmacro %}

{% macro duckdb__url_host(expression) -%}
    nullif(lower(regexp_extract({{ expression }}, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/:?#]+)', 1)), '')
{%- endmacro %}

{% macro spark__url_host(expression) -%}
    nullif(lower(regexp_extract({{ expression }}, '^[a-zA-Z][a-zA-Z0-9+.-]*://([^/:?#]+)', 1)), '')
{%- endmacro %}

{#- The path of a URL (no query string or fragment); null when there is none. -#}
{% macro url_path(expression) -%}
    {{ return(adapter.dispatch('url_path', 'microconv')(expression)) }}
{%- endmacro %}

{% macro duckdb__url_path(expression) -%}
    nullif(regexp_extract({{ expression }}, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*(/[^?#]*)', 1), '')
{%- endmacro %}

{% macro spark__url_path(expression) -%}
    nullif(regexp_extract({{ expression }}, '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*(/[^?#]*)', 1), '')
{%- endmacro %}
