{#- One row per micro- or macro-conversion occurrence, in one shape, with the event's position in the
    user's event stream. Funnel steps, cohorts and impact scoring read conversions from here. -#}
with

micro_conversions as (
    select * from {{ ref('fct_micro_conversions') }}
),

macro_conversions as (
    select * from {{ ref('fct_macro_conversions') }}
),

events as (
    select
        event_id,
        user_event_number
    from {{ ref('int_events_sessionized') }}
),

unioned as (
    select
        micro_conversion_key as conversion_occurrence_key,
        'micro' as conversion_type,
        micro_conversion as conversion_name,
        event_id,
        user_key,
        session_key,
        occurred_at
    from micro_conversions
    union all
    select
        conversion_key as conversion_occurrence_key,
        'macro' as conversion_type,
        macro_conversion as conversion_name,
        event_id,
        user_key,
        session_key,
        converted_at as occurred_at
    from macro_conversions
),

final as (
    select
        unioned.conversion_occurrence_key,
        unioned.conversion_type,
        unioned.conversion_name,
        unioned.event_id,
        unioned.user_key,
        unioned.session_key,
        unioned.occurred_at,
        events.user_event_number
    from unioned
    inner join events
        on unioned.event_id = events.event_id
)

select * from final
