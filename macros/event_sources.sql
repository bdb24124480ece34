{#- Event sources: which are enabled (var event_sources), the columns every source maps onto (the raw
    event contract (README "Loading your own events") plus load bookkeeping), and the engine-specific helpers the vendor
    staging models use to read their nested JSON records. -#}

{% macro known_event_sources() -%}
    {{ return(['microconv', 'ga4', 'segment', 'snowplow', 'mixpanel']) }}
{%- endmacro %}

{#- The enabled sources, in the order given; a clear error for an unknown name or an empty list. -#}
{% macro enabled_event_sources() -%}
    {%- set sources = var('event_sources') -%}
    {%- if sources is string -%}
        {%- set sources = sources.split(',') | map('trim') | list -%}
    {%- endif -%}
    {%- if sources | length == 0 -%}
        {{ exceptions.raise_compiler_error("var event_sources is empty: enable at least one of " ~ known_event_sources() | join(', ')) }}
    {%- endif -%}
    {%- for source_name in sources -%}
        {%- if source_name not in known_event_sources() -%}
            {{ exceptions.raise_compiler_error("var event_sources names an unknown source '" ~ source_name ~ "'; known: " ~ known_event_sources() | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(sources) }}
{%- endmacro %}

{% macro is_event_source_enabled(source_name) -%}
    {{ return(source_name in enabled_event_sources()) }}
{%- endmacro %}

{#- Columns of every source's canonical stream, in union order: the raw contract columns as text,
    then where the row came from. -#}
{% macro event_stream_columns() -%}
    {{ return([
        'event_source', 'source_event_name',
        'event_id', 'event_name', 'event_timestamp', 'anonymous_id', 'user_id', 'session_id',
        'page_url', 'page_path', 'page_referrer',
        'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term',
        'device_category', 'country', 'user_agent', 'ip_address', 'email', 'properties', 'loaded_at',
        '_source_file', '_file_id', '_source_row', '_ingested_at',
    ]) }}
{%- endmacro %}

{#- The text at a JSON path ('$.a.b', '$.items[0].id') of a JSON text; null when absent. -#}
{% macro json_path_text(json_expression, path) -%}
    {{ return(adapter.dispatch('json_path_text', 'microconv')(json_expression, "'" ~ path ~ "'")) }}
{%- endmacro %}

{% macro default__json_path_text(json_expression, path_literal) -%}
    json_extract_string({{ json_expression }}, {{ path_literal }})
{%- endmacro %}

{% macro spark__json_path_text(json_expression, path_literal) -%}
    get_json_object({{ json_expression }}, {{ path_literal }})
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

{#- (key, null) pairs that, merged into a vendor's properties with json_merge_text, remove the keys
    that may hold personal data: PII never leaves staging except hashed, and properties do. -#}
{% macro pii_property_removals() -%}
    {{ return([
        ('email', 'null'), ('$email', 'null'), ('context_traits_email', 'null'),
        ('ip', 'null'), ('$ip', 'null'), ('context_ip', 'null'),
        ('user_agent', 'null'), ('context_user_agent', 'null'),
    ]) }}
{%- endmacro %}

{#- An ISO-8601 UTC text ('…Z') for a number of seconds, milliseconds or microseconds since the epoch
    given as text; null when the text is not a number. -#}
{% macro epoch_to_iso_text(number_expression, unit) -%}
    {%- set factor = {'seconds': 1000000, 'milliseconds': 1000, 'microseconds': 1}[unit] -%}
    {{ return(adapter.dispatch('epoch_to_iso_text', 'microconv')(number_expression, factor)) }}
{%- endmacro %}

{% macro default__epoch_to_iso_text(number_expression, factor) -%}
    strftime(
        make_timestamp(cast(round(try_cast({{ number_expression }} as double) * {{ factor }}) as bigint)),
        '%Y-%m-%dT%H:%M:%S.%fZ'
    )
{%- endmacro %}

{% macro spark__epoch_to_iso_text(number_expression, factor) -%}
    date_format(
        to_utc_timestamp(
            timestamp_micros(cast(round(try_cast({{ number_expression }} as double) * {{ factor }}) as bigint)),
            current_timezone()
        ),
        "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"
    )
{%- endmacro %}

{#- GA4's event_params (a JSON array of {key, value: {string_value, int_value, float_value,
    double_value}}) as a list of (key, value text) records, and one parameter's value from it. -#}
{% macro ga4_event_params(json_expression) -%}
    {{ return(adapter.dispatch('ga4_event_params', 'microconv')(json_expression)) }}
{%- endmacro %}

{% macro default__ga4_event_params(json_expression) -%}
    list_transform(
        coalesce(
            json_transform(
                json_extract({{ json_expression }}, '$.event_params'),
                '[{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "VARCHAR", "float_value": "VARCHAR", "double_value": "VARCHAR"}}]'
            ),
            []
        ),
        lambda param: {
            'key': param.key,
            'value': coalesce(
                param.value.string_value, param.value.int_value, param.value.double_value, param.value.float_value
            )
        }
    )
{%- endmacro %}

{% macro spark__ga4_event_params(json_expression) -%}
    transform(
        coalesce(
            from_json(
                get_json_object({{ json_expression }}, '$.event_params'),
                'array<struct<key:string,value:struct<string_value:string,int_value:string,float_value:string,double_value:string>>>'
            ),
            array()
        ),
        param -> named_struct(
            'key', param.key,
            'value', coalesce(
                param.value.string_value, param.value.int_value, param.value.double_value, param.value.float_value
            )
        )
    )
{%- endmacro %}

{% macro ga4_event_param(params_expression, key) -%}
    {{ return(adapter.dispatch('ga4_event_param', 'microconv')(params_expression, "'" ~ key ~ "'")) }}
{%- endmacro %}

{% macro default__ga4_event_param(params_expression, key_literal) -%}
    list_filter({{ params_expression }}, lambda param: param.key = {{ key_literal }})[1].value
{%- endmacro %}

{% macro spark__ga4_event_param(params_expression, key_literal) -%}
    element_at(filter({{ params_expression }}, param -> param.key = {{ key_literal }}), 1).value
{%- endmacro %}

{#- Every GA4 event parameter as one JSON object text (the first value of a repeated key wins). -#}
{% macro ga4_event_params_object(params_expression) -%}
    {{ return(adapter.dispatch('ga4_event_params_object', 'microconv')(params_expression)) }}
{%- endmacro %}

{% macro default__ga4_event_params_object(params_expression) -%}
    cast(to_json(map_from_entries(list_distinct(
        list_transform({{ params_expression }}, lambda param: param.key)
    ).list_transform(lambda key: {
        'key': key,
        'value': list_filter({{ params_expression }}, lambda param: param.key = key)[1].value
    }))) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__ga4_event_params_object(params_expression) -%}
    to_json(map_from_entries(transform(
        array_distinct(transform({{ params_expression }}, param -> param.key)),
        key -> named_struct('key', key, 'value', element_at(filter({{ params_expression }}, param -> param.key = key), 1).value)
    )))
{%- endmacro %}

{#- A timestamp text written without an offset (as Snowplow and warehouse exports do) marked as UTC, so
    that parsing never depends on the session's time zone; other text passes unchanged. -#}
{% macro utc_text(expression) -%}
    case
        when {{ regex_match(expression, "'(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'") }} then {{ expression }}
        else {{ dbt.concat([expression, "'Z'"]) }}
    end
{%- endmacro %}
