{#- Parse an ISO-8601 string (with or without an offset) or a timestamp into a UTC timestamp; null when unparseable. -#}
{% macro parse_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(expression) -%}
    cast({{ expression }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(expression) -%}
    (try_cast({{ expression }} as timestamptz) at time zone 'UTC')
{%- endmacro %}

{% macro spark__parse_utc_timestamp(expression) -%}
    to_utc_timestamp(try_cast({{ expression }} as timestamp), 'UTC')
{%- endmacro %}

{#- Seconds from one timestamp to another, with fractions (positive when `later` is later). -#}
{% macro seconds_between(earlier, later) -%}
    {{ return(adapter.dispatch('seconds_between', 'microconv')(earlier, later)) }}
{%- endmacro %}

{% macro default__seconds_between(earlier, later) -%}
    (epoch({{ later }}) - epoch({{ earlier }}))
{%- endmacro %}

{% macro spark__seconds_between(earlier, later) -%}
    (cast({{ later }} as double) - cast({{ earlier }} as double))
{%- endmacro %}

{#- Day of the week of a date, 0 = Sunday … 6 = Saturday. -#}
{% macro day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('day_of_week', 'microconv')(date_expression)) }}
{%- endmacro %}

{% macro default__day_of_week(date_expression) -%}
    dayofweek({{ date_expression }})
{%- endmacro %}

{% macro spark__day_of_week(date_expression) -%}
    (dayofweek({{ date_expression }}) - 1)
{%- endmacro %}
