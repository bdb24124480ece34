{#- Event sources: which are enabled (var event_sources) and the columns every source maps onto (the raw
    event contract (docs/event-contract.md) plus load bookkeeping). The helpers the vendor
    staging models use to read their records are in json.sql, timestamps.sql, pii.sql and ga4.sql. -#}

{% macro known_event_sources() -%}
    {{ return(['microconv', 'ga4', 'segment', 'snowplow', 'mixpanel', 'yandex_metrica', 'amplitude', 'posthog', 'heap']) }}
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
        'device_category', 'country', 'user_agent', 'ip_address', 'email',
        'consent_analytics', 'properties', 'loaded_at',
        '_source_file', '_file_id', '_source_row', '_ingested_at',
    ]) }}
{%- endmacro %}
