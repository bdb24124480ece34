{#- Reading Amplitude export rows: property names with spaces and brackets ("[Amplitude] Page URL"). -#}

{#- The text of one member of a JSON object text, named by `key` (any characters but quotes); null when
    absent. DuckDB takes a quoted key in its JSON path, Spark's get_json_object the bracket form. -#}
{% macro json_member_text(json_expression, key) -%}
    {{ return(adapter.dispatch('json_member_text', 'microconv')(json_expression, "'" ~ key ~ "'")) }}
{%- endmacro %}

{% macro default__json_member_text(json_expression, key_literal) -%}
    json_extract_string({{ json_expression }}, '$."' || {{ key_literal }} || '"')
{%- endmacro %}

{% macro spark__json_member_text(json_expression, key_literal) -%}
    get_json_object({{ json_expression }}, concat("$['", {{ key_literal }}, "']"))
{%- endmacro %}

{#- Amplitude's export times, UTC without an offset ("2026-03-02 14:00:00.123000" from the Export API,
    "2026-03-02T14:00:00.123000" in the S3 export's schema), as ISO-8601 UTC text
    ("2026-03-02T14:00:00.123000Z"); other text passes unchanged for staging to quarantine. -#}
{% macro amplitude_time_to_iso_text(expression) -%}
    case
        when {{ regex_match(expression, "'^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?$'") }}
            then {{ dbt.concat(["replace(" ~ expression ~ ", ' ', 'T')", "'Z'"]) }}
        else {{ expression }}
    end
{%- endmacro %}
