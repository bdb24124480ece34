{#- Helpers for reading vendor exports as they really come: event names in any case and spacing, and
    Mixpanel times written in the project's time zone. -#}

{#- An event name as the key the name mappings are joined on: trimmed, lower-cased, every run of
    white space made one space ("Order  Completed " and "order completed" -> "order completed").
    RudderStack's SDKs send the e-commerce spec names in lower case, and its destinations match them
    "after trimming whitespace, without regard to case" (rudderstack.com/docs, Braze recommended
    e-commerce events). -#}
{% macro event_name_key(expression) -%}
    {{ return(adapter.dispatch('event_name_key', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__event_name_key(expression) -%}
    lower(trim(regexp_replace({{ expression }}, '[ \t\r\n]+', ' ', 'g')))
{%- endmacro %}

{#- Spark's regexp_replace replaces every match without a flag. -#}
{% macro spark__event_name_key(expression) -%}
    lower(trim(regexp_replace({{ expression }}, '[ \t\r\n]+', ' ')))
{%- endmacro %}

{#- The body of a vendor staging model's `event_name_mappings` CTE: one canonical name per source name
    of this source in the seed event_name_mappings (min() so that the join never multiplies rows).
    normalised: keyed by event_name_key(source_event_name) as source_event_name_key, for sources whose
    names arrive in any case and spacing (Segment / RudderStack, Mixpanel, PostHog, Heap); else keyed by
    the exact source_event_name (GA4, Snowplow, Amplitude, whose names are case-sensitive, …). -#}
{% macro event_name_mappings_of(event_source, normalised=false) -%}
    {%- set key = event_name_key('source_event_name') if normalised else 'source_event_name' %}
    select
        {{ key }} as {{ 'source_event_name_key' if normalised else 'source_event_name' }},
        min(event_name) as event_name
    from {{ ref('event_name_mappings') }}
    where event_source = '{{ event_source }}'
    group by {{ key }}
{%- endmacro %}

{#- The project time zone of a Mixpanel export (var mixpanel_timezone), checked against the IANA names. -#}
{% macro mixpanel_timezone() -%}
    {{ return(checked_time_zone_var('mixpanel_timezone', 'MICROCONV_MIXPANEL_TIMEZONE')) }}
{%- endmacro %}

{#- A var naming a vendor project's time zone (set by `env_name`), checked against the IANA names. -#}
{% macro checked_time_zone_var(var_name, env_name) -%}
    {%- set time_zone = var(var_name) | trim -%}
    {%- if time_zone not in modules.pytz.all_timezones -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ var_name ~ " (" ~ env_name ~ ") is '" ~ time_zone ~ "', not an IANA time zone name "
            ~ "such as UTC, Europe/Madrid or America/New_York"
        ) }}
    {%- endif -%}
    {{ return(time_zone) }}
{%- endmacro %}

{#- Mixpanel's `time` (seconds since the epoch, or milliseconds when larger than 1e11) as an ISO-8601
    UTC text. Projects created before 2023 export the wall-clock time of the project's time zone
    written as if it were UTC; `time_zone` (an IANA name) turns it into the real UTC instant, with the
    offset in force at that local time (DST-aware). Null when `time` is not a number. -#}
{% macro mixpanel_time_to_iso_text(time_expression, time_zone) -%}
    {%- set microseconds -%}
        cast(round(
            case
                when try_cast({{ time_expression }} as double) > 1e11 then try_cast({{ time_expression }} as double) * 1000
                else try_cast({{ time_expression }} as double) * 1000000
            end
        ) as bigint)
    {%- endset -%}
    {{ return(wall_micros_to_iso_text(microseconds, time_zone)) }}
{%- endmacro %}

{#- Microseconds since the epoch of a wall-clock time in `time_zone` (an IANA name), written as if it
    were UTC, as the ISO-8601 UTC text of the real instant (DST-aware, see local_micros_to_iso_text). -#}
{% macro wall_micros_to_iso_text(microseconds, time_zone) -%}
    {%- if time_zone in ('UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'Zulu', 'Etc/Zulu', 'Universal', 'Etc/Universal', 'GMT', 'Etc/GMT') -%}
        {{ return(adapter.dispatch('epoch_to_iso_text', 'microconv')(microseconds, 1)) }}
    {%- else -%}
        {{ return(adapter.dispatch('local_micros_to_iso_text', 'microconv')(microseconds, "'" ~ time_zone ~ "'")) }}
    {%- endif -%}
{%- endmacro %}

{#- Microseconds since the epoch of a local wall-clock time in `time_zone_literal`, as ISO UTC text. A
    wall time the clocks go back over names two instants: the earlier one (summer time) is taken, as
    Spark's to_utc_timestamp (java.time) does; ICU takes the later, so the instant an hour before it is
    used when it shows the same wall time. -#}
{% macro default__local_micros_to_iso_text(microseconds, time_zone_literal) -%}
    {%- set wall_time = 'make_timestamp(' ~ microseconds ~ ')' -%}
    {%- set later = "timezone('UTC', timezone(" ~ time_zone_literal ~ ", " ~ wall_time ~ "))" -%}
    strftime(
        case
            when timezone({{ time_zone_literal }}, timezone('UTC', {{ later }} - interval 1 hour)) = {{ wall_time }}
                then {{ later }} - interval 1 hour
            else {{ later }}
        end,
        '%Y-%m-%dT%H:%M:%S.%fZ'
    )
{%- endmacro %}

{% macro spark__local_micros_to_iso_text(microseconds, time_zone_literal) -%}
    date_format(
        to_utc_timestamp(
            to_utc_timestamp(timestamp_micros({{ microseconds }}), current_timezone()),
            {{ time_zone_literal }}
        ),
        "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'"
    )
{%- endmacro %}

{#- The body of a vendor staging model's `country_codes` CTE: one ISO 3166-1 alpha-2 code per country
    name of the seed country_codes (min() so that the join never multiplies rows), for exports that
    write names (GA4's geo.country, Amplitude's and Yandex Metrica's country, …). -#}
{% macro country_codes_by_name() -%}
    select
        country_name,
        min(country_code) as country_code
    from {{ ref('country_codes') }}
    group by country_name
{%- endmacro %}
