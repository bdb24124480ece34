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

{#- A timestamp text written without an offset (as Snowplow and warehouse exports do) marked as UTC, so
    that parsing never depends on the session's time zone; other text passes unchanged. -#}
{% macro utc_text(expression) -%}
    case
        when {{ regex_match(expression, "'(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'") }} then {{ expression }}
        else {{ dbt.concat([expression, "'Z'"]) }}
    end
{%- endmacro %}

{#- A YYYY-MM-DD text as a date; null when it is not one. -#}
{% macro safe_to_date(expression) -%}
    {{ return(adapter.dispatch('safe_to_date', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__safe_to_date(expression) -%}
    try_cast({{ expression }} as date)
{%- endmacro %}
