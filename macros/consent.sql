{#- Consent (docs/privacy.md, Consent): the policies of var consent_policy and the condition an event of
    int_events_validated must meet to enter the user-level tables (sessions, users, conversions, paths,
    attribution, audiences, funnels, experiments). Events that fail it are counted only in consent_daily
    and in event_quality_daily's consent_excluded_rows. -#}

{% macro consent_policies() -%}
    {{ return(['ignore', 'require_analytics_consent', 'require_explicit_analytics_consent']) }}
{%- endmacro %}

{#- A boolean SQL expression over a typed consent column (granted / denied / unknown): true when the
    event may be used at user level under var consent_policy; an unknown policy is a compile error. -#}
{% macro consent_allows_user_level(consent_column='consent_analytics') -%}
    {%- set policy = var('consent_policy') -%}
    {%- if policy not in consent_policies() -%}
        {{ exceptions.raise_compiler_error("var consent_policy is '" ~ policy ~ "'; known: " ~ consent_policies() | join(', ')) }}
    {%- endif -%}
    {%- if policy == 'ignore' -%}
        true
    {%- elif policy == 'require_analytics_consent' -%}
        coalesce({{ consent_column }}, 'unknown') != 'denied'
    {%- else -%}
        coalesce({{ consent_column }}, 'unknown') = 'granted'
    {%- endif -%}
{%- endmacro %}

{#- A boolean SQL expression: true when a quarantined row may keep its identifiers (ids and hashes)
    under var consent_policy. Stricter than consent_allows_user_level: a row whose consent could not be
    read (null, quarantined as invalid_consent) keeps none under a strict policy. -#}
{% macro consent_keeps_identifiers(consent_column='consent_analytics') -%}
    {%- set policy = var('consent_policy') -%}
    {%- if policy == 'ignore' -%}
        true
    {%- elif policy == 'require_analytics_consent' -%}
        coalesce({{ consent_column }}, 'invalid') in ('granted', 'unknown')
    {%- else -%}
        coalesce({{ consent_column }}, 'invalid') = 'granted'
    {%- endif -%}
{%- endmacro %}
