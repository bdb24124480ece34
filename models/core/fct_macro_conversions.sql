{#- One row per macro-conversion (purchase, subscription, …) as defined by the
    macro_conversion_definitions seed. When the definition names a dedupe_property (order_id for
    purchases), a user's repeated events with the same value count once: the earliest. -#}
{{ config(
    materialized=keyed_incremental_materialization(),
    incremental_strategy=keyed_incremental_strategy(),
    unique_key='device_id',
    on_schema_change='fail'
) }}
-- depends_on: {{ ref('int_devices_reprocessed') }}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
    {%- if is_incremental() %}
    where
        device_id in (
            select reprocessed.device_id from {{ ref('int_devices_reprocessed') }} as reprocessed
        )
    {%- endif %}
),

definitions as (
    select * from {{ ref('macro_conversion_definitions') }}
),

sessions as (
    select
        session_key,
        channel
    from {{ ref('fct_sessions') }}
    {%- if is_incremental() %}
    where
        device_id in (
            select reprocessed.device_id from {{ ref('int_devices_reprocessed') }} as reprocessed
        )
    {%- endif %}
),

matched as (
    select
        events.event_source,
        events.event_id,
        events.device_id,
        events.user_key,
        events.session_key,
        events.event_at as converted_at,
        definitions.macro_conversion,
        {{ safe_to_double(json_value('events.properties', 'definitions.value_property')) }} as revenue,
        {{ json_value('events.properties', 'definitions.currency_property') }} as currency,
        {{ json_value('events.properties', 'definitions.dedupe_property') }} as dedupe_value,
        {{ json_key('events.properties', 'order_id') }} as order_id
    from events
    inner join definitions
        on events.event_name = definitions.event_name
),

ranked as (
    select
        matched.*,
        row_number() over (
            partition by
                matched.macro_conversion,
                matched.user_key,
                coalesce('d:' || matched.dedupe_value, 'e:' || matched.event_id)
            order by matched.converted_at, matched.event_id
        ) as dedupe_rank
    from matched
),

final as (
    select
        {{ dbt.hash("ranked.event_id || ':' || ranked.macro_conversion") }} as conversion_key,
        ranked.event_source,
        ranked.event_id,
        ranked.device_id,
        ranked.user_key,
        ranked.session_key,
        ranked.converted_at,
        cast(ranked.converted_at as date) as converted_date,
        ranked.macro_conversion,
        cast(coalesce(ranked.revenue, 0) as {{ dbt.type_numeric() }}) as revenue,
        ranked.currency,
        ranked.order_id,
        sessions.channel
    from ranked
    inner join sessions
        on ranked.session_key = sessions.session_key
    where ranked.dedupe_rank = 1
)

select * from final
