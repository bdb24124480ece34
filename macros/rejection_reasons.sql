{#- Every rejection_reason that staging can give, in the order it checks them. -#}
{% macro rejection_reasons() -%}
    {{ return([
        'missing_event_id',
        'missing_event_name',
        'missing_timestamp',
        'unparseable_timestamp',
        'missing_identity',
        'future_timestamp',
        'malformed_properties',
        'unknown_event_name',
        'negative_revenue',
        'bot_user_agent',
    ]) }}
{%- endmacro %}
