{#- Reading Yandex Metrica Logs API files (yandex.com/dev/metrika/en/logs/): ClickHouse-style TSV, whose
    text fields carry backslash escapes and whose arrays are written like [1,2] and ['a','b']. -#}

{#- The counter's time zone (var yandex_metrica_timezone), checked against the IANA names. -#}
{% macro yandex_metrica_timezone() -%}
    {{ return(checked_time_zone_var('yandex_metrica_timezone', 'MICROCONV_YANDEX_METRICA_TIMEZONE')) }}
{%- endmacro %}

{#- A TSV field as its text: null for ClickHouse's \N (NULL) and for an empty field, the escapes \\, \t,
    \n, \r and \' undone (clickhouse.com/docs/interfaces/formats/TabSeparated). -#}
{% macro yandex_metrica_text(expression) -%}
    {{ return(adapter.dispatch('yandex_metrica_text', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__yandex_metrica_text(expression) -%}
    nullif(nullif(
        replace(replace(replace(replace(replace(replace(
            {{ expression }},
            '\\', chr(1)), '\t', chr(9)), '\n', chr(10)), '\r', chr(13)), '\''', ''''), chr(1), '\'),
        '\N'), '')
{%- endmacro %}

{#- Spark string literals treat the backslash as an escape character: '\\' is one backslash. -#}
{% macro spark__yandex_metrica_text(expression) -%}
    nullif(nullif(
        replace(replace(replace(replace(replace(replace(
            {{ expression }},
            '\\\\', chr(1)), '\\t', chr(9)), '\\n', chr(10)), '\\r', chr(13)), '\\\'', '\''), chr(1), '\\'),
        '\\N'), '')
{%- endmacro %}

{#- A ClickHouse array text ([1,2], ['a','b'], written with \' inside strings) as a JSON array text;
    `expression` is the field already unescaped by yandex_metrica_text. -#}
{% macro yandex_metrica_array_json(expression) -%}
    {{ return(adapter.dispatch('yandex_metrica_array_json', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__yandex_metrica_array_json(expression) -%}
    replace(replace(replace(replace({{ expression }}, '\''', chr(1)), '"', '\"'), '''', '"'), chr(1), '''')
{%- endmacro %}

{% macro spark__yandex_metrica_array_json(expression) -%}
    replace(replace(replace(replace({{ expression }}, '\\\'', chr(1)), '"', '\\"'), '\'', '"'), chr(1), '\'')
{%- endmacro %}

{#- The number of elements of a JSON array text; null when the text is not a JSON array. -#}
{% macro json_array_size(json_expression) -%}
    {{ return(adapter.dispatch('json_array_size', 'microconv')(json_expression)) }}
{%- endmacro %}

{% macro default__json_array_size(json_expression) -%}
    case
        when json_valid({{ json_expression }}) and json_type({{ json_expression }}) = 'ARRAY'
            then cast(json_array_length({{ json_expression }}) as integer)
    end
{%- endmacro %}

{% macro spark__json_array_size(json_expression) -%}
    json_array_length({{ json_expression }})
{%- endmacro %}

{#- The element at a 0-based position (an integer SQL expression) of a JSON array text, as text. -#}
{% macro json_array_item_text(json_expression, position) -%}
    {{ return(adapter.dispatch('json_array_item_text', 'microconv')(json_expression, position)) }}
{%- endmacro %}

{% macro default__json_array_item_text(json_expression, position) -%}
    json_extract_string({{ json_expression }}, '$[' || cast({{ position }} as varchar) || ']')
{%- endmacro %}

{% macro spark__json_array_item_text(json_expression, position) -%}
    get_json_object({{ json_expression }}, concat('$[', cast({{ position }} as string), ']'))
{%- endmacro %}

{#- Microseconds since the epoch of a wall-clock text 'YYYY-MM-DD HH:MM:SS' read as if it were UTC;
    null when the text is not a time. -#}
{% macro wall_text_to_micros(expression) -%}
    {{ return(adapter.dispatch('wall_text_to_micros', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__wall_text_to_micros(expression) -%}
    epoch_us(try_cast({{ expression }} as timestamp))
{%- endmacro %}

{#- Spark casts text in the session time zone; from_utc_timestamp shifts it to the instant whose UTC
    wall-clock time is the text. -#}
{% macro spark__wall_text_to_micros(expression) -%}
    unix_micros(from_utc_timestamp(try_cast({{ expression }} as timestamp), current_timezone()))
{%- endmacro %}

{#- A Logs API DateTime text (wall-clock time in `time_zone`, an IANA name) as ISO-8601 UTC text; null
    when the text is not a time. DST-aware as wall_micros_to_iso_text. -#}
{% macro yandex_metrica_time_to_iso_text(expression, time_zone) -%}
    {{ return(wall_micros_to_iso_text(wall_text_to_micros(expression), time_zone)) }}
{%- endmacro %}

{#- The text of a Logs API field (its name has colons: ym:pv:URL) of a loaded row's JSON record, with
    the TSV escapes undone (yandex_metrica_text). -#}
{% macro yandex_metrica_field(record, field) -%}
    {{ return(yandex_metrica_text(adapter.dispatch('yandex_metrica_field', 'microconv')(record, field))) }}
{%- endmacro %}

{% macro default__yandex_metrica_field(record, field) -%}
    json_extract_string({{ record }}, '$."{{ field }}"')
{%- endmacro %}

{% macro spark__yandex_metrica_field(record, field) -%}
    get_json_object({{ record }}, "$['{{ field }}']")
{%- endmacro %}
