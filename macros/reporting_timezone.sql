{#- The reporting time zone (var reporting_timezone, MICROCONV_REPORTING_TIMEZONE; IANA name, default UTC):
    every date, day, week and cohort column is the calendar date of a UTC timestamp in it, as GA4 dates
    events in the property's time zone while event_timestamp stays UTC (BigQuery export schema:
    developers.google.com/analytics/bigquery/event-schema). The conversion uses the zone's rules at each
    instant, so a daylight-saving day is 23 or 25 hours long. Timestamps (`*_at`) stay UTC. -#}

{#- The checked var: an unknown name is a compile error. -#}
{% macro reporting_timezone() -%}
    {{ return(checked_time_zone_var('reporting_timezone', 'MICROCONV_REPORTING_TIMEZONE')) }}
{%- endmacro %}

{#- True when the reporting time zone is UTC itself (one of its aliases): dates are plain casts then. -#}
{% macro reporting_timezone_is_utc() -%}
    {{ return(reporting_timezone() in ('UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'Zulu', 'Etc/Zulu', 'Universal', 'Etc/Universal', 'GMT', 'Etc/GMT')) }}
{%- endmacro %}

{#- The calendar date, in the reporting time zone, of a UTC timestamp (null stays null). -#}
{% macro local_date(timestamp_expression) -%}
    {%- if reporting_timezone_is_utc() -%}
        cast({{ timestamp_expression }} as date)
    {%- else -%}
        {{ return(adapter.dispatch('local_date', 'microconv')(timestamp_expression, "'" ~ reporting_timezone() ~ "'")) }}
    {%- endif -%}
{%- endmacro %}

{#- DuckDB (ICU): the naive UTC timestamp as an instant, then its wall-clock time in the zone. -#}
{% macro default__local_date(timestamp_expression, time_zone_literal) -%}
    cast(timezone({{ time_zone_literal }}, timezone('UTC', {{ timestamp_expression }})) as date)
{%- endmacro %}

{#- Spark (session time zone UTC, profiles.yml): from_utc_timestamp shows the instant's wall-clock time
    in the zone. -#}
{% macro spark__local_date(timestamp_expression, time_zone_literal) -%}
    to_date(from_utc_timestamp({{ timestamp_expression }}, {{ time_zone_literal }}))
{%- endmacro %}

{#- The Monday starting the ISO week of a UTC timestamp's local date (reporting time zone). -#}
{% macro local_week_start(timestamp_expression) -%}
    cast({{ dbt.date_trunc('week', local_date(timestamp_expression)) }} as date)
{%- endmacro %}
