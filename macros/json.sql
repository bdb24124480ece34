{#- JSON helpers. `properties` columns hold JSON text; malformed text must never make a query fail. -#}

{#- True when the text is a JSON object. -#}
{% macro is_json_object(expression) -%}
    {{ return(adapter.dispatch('is_json_object', 'microconv')(expression)) }}
{%- endmacro %}

{% macro duckdb__is_json_object(expression) -%}
    case when json_valid({{ expression }}) then json_type({{ expression }}) = 'OBJECT' else false end
{%- endmacro %}

{% macro spark__is_json_object(expression) -%}
    coalesce(from_json({{ expression }}, 'map<string,string>') is not null, false)
{%- endmacro %}

{#- The value under `key_expression` (a SQL expression giving the key) as a string; null when absent. -#}
{% macro json_value(json_expression, key_expression) -%}
    {{ return(adapter.dispatch('json_value', 'microconv')(json_expression, key_expression)) }}
{%- endmacro %}

{% macro duckdb__json_value(json_expression, key_expression) -%}
    json_extract_string({{ json_expression }}, '$.' || {{ key_expression }})
{%- endmacro %}

{% macro spark__json_value(json_expression, key_expression) -%}
    element_at(from_json({{ json_expression }}, 'map<string,string>'), {{ key_expression }})
{%- endmacro %}

{#- Shorthand for a fixed key. -#}
{% macro json_key(json_expression, key) -%}
    {{ json_value(json_expression, "'" ~ key ~ "'") }}
{%- endmacro %}

{#- Convert text to a double; null when it is not a number. -#}
{% macro safe_to_double(expression) -%}
    {{ return(adapter.dispatch('safe_to_double', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__safe_to_double(expression) -%}
    try_cast({{ expression }} as double)
{%- endmacro %}
