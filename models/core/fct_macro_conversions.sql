{#- One row per macro-conversion (purchase, subscription, …) as defined by the
    macro_conversion_definitions seed.

    When the definition names a dedupe_property (order_id for purchases), events with the same value
    count once across the whole warehouse, whoever sent them (an order seen under two unstitched
    identities is one order): the earliest. A missing, blank or placeholder value (var
    order_id_placeholders: '(not set)', 'null', '0', …) never merges two events.

    Revenue is never added up across currencies: revenue_original is the amount in `currency` (the
    event's currency property, else var reporting_currency), and revenue is that amount converted to
    reporting_currency with the exchange_rates seed (rate in force on the conversion date). A currency
    without a rate leaves revenue null (is_currency_known false, and a warning test), so sums skip it
    instead of mixing it in. A plain table: order dedupe spans devices, so it cannot be rebuilt device
    by device, and macro-conversions are few. -#}
with

events as (
    select * from {{ ref('int_events_sessionized') }}
),

definitions as (
    select * from {{ ref('macro_conversion_definitions') }}
),

exchange_rates as (
    select
        upper(currency) as currency,
        valid_from,
        usd_per_unit
    from {{ ref('exchange_rates') }}
),

sessions as (
    select
        session_key,
        channel
    from {{ ref('fct_sessions') }}
),

matched as (
    select
        events.event_source,
        events.event_id,
        events.device_id,
        events.user_key,
        events.session_key,
        events.event_at as converted_at,
        {{ local_date('events.event_at') }} as converted_date,
        definitions.macro_conversion,
        {{ safe_to_double(json_value('events.properties', 'definitions.value_property')) }} as revenue_original,
        upper(trim({{ json_value('events.properties', 'definitions.currency_property') }})) as currency_sent,
        trim({{ json_value('events.properties', 'definitions.dedupe_property') }}) as dedupe_value,
        {{ json_key('events.properties', 'order_id') }} as order_id
    from events
    inner join definitions
        on events.event_name = definitions.event_name
),

normalized as (
    select
        matched.*,
        case
            when matched.currency_sent is null or matched.currency_sent = '' then '{{ var("reporting_currency") }}'
            else matched.currency_sent
        end as currency,
        matched.dedupe_value is not null
        and lower(matched.dedupe_value) not in (
            {%- for placeholder in var('order_id_placeholders') %}
            '{{ placeholder | lower }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as has_dedupe_value
    from matched
),

ranked as (
    select
        normalized.*,
        row_number() over (
            partition by
                normalized.macro_conversion,
                case
                    when normalized.has_dedupe_value then 'd:' || normalized.dedupe_value
                    else 'e:' || normalized.event_id
                end
            order by normalized.converted_at, normalized.event_id
        ) as dedupe_rank
    from normalized
),

deduplicated as (
    select * from ranked
    where dedupe_rank = 1
),

-- The rate of each currency in force on the conversion date (latest valid_from on or before it).
rates_in_force as (
    select
        deduplicated.event_id,
        deduplicated.macro_conversion,
        exchange_rates.currency,
        exchange_rates.usd_per_unit,
        row_number() over (
            partition by deduplicated.event_id, deduplicated.macro_conversion, exchange_rates.currency
            order by exchange_rates.valid_from desc
        ) as recency_rank
    from deduplicated
    inner join exchange_rates
        on exchange_rates.currency in (deduplicated.currency, '{{ var("reporting_currency") }}')
        and deduplicated.converted_date >= exchange_rates.valid_from
),

converted as (
    select
        deduplicated.*,
        cast(coalesce(deduplicated.revenue_original, 0) as {{ dbt.type_numeric() }}) as amount,
        source_rates.usd_per_unit / reporting_rates.usd_per_unit as rate_to_reporting_currency
    from deduplicated
    left join rates_in_force as source_rates
        on deduplicated.event_id = source_rates.event_id
        and deduplicated.macro_conversion = source_rates.macro_conversion
        and deduplicated.currency = source_rates.currency
        and source_rates.recency_rank = 1
    left join rates_in_force as reporting_rates
        on deduplicated.event_id = reporting_rates.event_id
        and deduplicated.macro_conversion = reporting_rates.macro_conversion
        and reporting_rates.currency = '{{ var("reporting_currency") }}'
        and reporting_rates.recency_rank = 1
),

final as (
    select
        {{ dbt.hash("converted.event_id || ':' || converted.macro_conversion") }} as conversion_key,
        converted.event_source,
        converted.event_id,
        converted.device_id,
        converted.user_key,
        converted.session_key,
        converted.converted_at,
        converted.converted_date,
        converted.macro_conversion,
        cast(
            converted.amount * converted.rate_to_reporting_currency as {{ dbt.type_numeric() }}
        ) as revenue,
        converted.amount as revenue_original,
        converted.currency,
        converted.rate_to_reporting_currency is not null as is_currency_known,
        converted.order_id,
        sessions.channel
    from converted
    inner join sessions
        on converted.session_key = sessions.session_key
)

select * from final
