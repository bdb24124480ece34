{#- Every rejection_reason that int_events_validated can give, in the order it checks them. -#}
{% macro rejection_reasons() -%}
    {{ return([
        'missing_event_id',
        'missing_event_name',
        'missing_timestamp',
        'unparseable_timestamp',
        'missing_identity',
        'future_timestamp',
        'timestamp_too_old',
        'malformed_properties',
        'non_numeric_revenue',
        'negative_revenue',
        'invalid_consent',
        'bot_user_agent',
    ]) }}
{%- endmacro %}
