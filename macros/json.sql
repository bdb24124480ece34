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

{#- Reading and writing the JSON records of vendor exports. -#}

{#- The text at a JSON path ('$.a.b', '$.items[0].id') of a JSON text; null when absent. -#}
{% macro json_path_text(json_expression, path) -%}
    {{ return(adapter.dispatch('json_path_text', 'microconv')(json_expression, "'" ~ path ~ "'")) }}
{%- endmacro %}

{% macro default__json_path_text(json_expression, path_literal) -%}
    json_extract_string({{ json_expression }}, {{ path_literal }})
{%- endmacro %}

{#- Spark's get_json_object reads no quoted key ($.properties."$insert_id" gives null): a quoted key
    becomes the bracket form ($.properties['$insert_id']), which both engines' docs describe. -#}
{% macro spark__json_path_text(json_expression, path_literal) -%}
    get_json_object({{ json_expression }}, {{ path_literal.replace('."', "[\\'").replace('"', "\\']") }})
{%- endmacro %}

{#- A JSON object text from (key, SQL text expression) pairs; a null value reads as an absent key. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'microconv')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, expression in pairs %}
        '{{ key }}', {{ expression }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__json_object_text(pairs) -%}
    to_json(named_struct(
        {%- for key, expression in pairs %}
        '{{ key }}', cast({{ expression }} as string){{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{#- `base` JSON object text with the keys of `patch` (an object text) written over it; a null in the
    patch removes the key. A base that is not an object is replaced by the patch. -#}
{% macro json_merge_text(base, patch) -%}
    {{ return(adapter.dispatch('json_merge_text', 'microconv')(base, patch)) }}
{%- endmacro %}

{% macro default__json_merge_text(base, patch) -%}
    cast(json_merge_patch(
        case when {{ is_json_object(base) }} then {{ base }} else '{}' end,
        {{ patch }}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__json_merge_text(base, patch) -%}
    to_json(map_concat(
        map_filter(
            coalesce(from_json({{ base }}, 'map<string,string>'), map()),
            (key, value) -> not array_contains(map_keys(from_json({{ patch }}, 'map<string,string>')), key)
        ),
        from_json({{ patch }}, 'map<string,string>')
    ))
{%- endmacro %}
