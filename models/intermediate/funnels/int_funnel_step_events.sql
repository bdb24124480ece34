{#- One row per funnel × step × conversion occurrence that completes the step. A conversion can
    complete several steps (repeated step names) and several funnels.
    funnel_event_number orders a user's step events within the funnel: by time, and events with the
    same timestamp in step order (the k-th event of a name at a timestamp takes the k-th step of that
    name), so a run of simultaneous events matching steps i … i+k-1 advances through them whatever
    their event ids, as Amplitude and PostHog count simultaneous events. tie_first_event_number and
    tie_last_event_number bound all the user's events (not only steps) at that timestamp in the user's
    event stream: strict funnels need them to tell the very next event. -#}
with

conversions as (
    select * from {{ ref('int_conversions_unioned') }}
),

funnel_definitions as (
    select * from {{ ref('funnel_definitions') }}
),

events as (
    select
        user_key,
        event_at,
        user_event_number
    from {{ ref('int_events_sessionized') }}
),

named_steps as (
    select
        funnel_definitions.funnel,
        funnel_definitions.order_type,
        funnel_definitions.conversion_window_days,
        funnel_definitions.step_number,
        funnel_definitions.step_name,
        row_number() over (
            partition by funnel_definitions.funnel, funnel_definitions.step_name
            order by funnel_definitions.step_number
        ) as step_name_rank,
        count(*) over (
            partition by funnel_definitions.funnel, funnel_definitions.step_name
        ) as step_name_count
    from funnel_definitions
),

step_events as (
    select
        named_steps.funnel,
        named_steps.order_type,
        named_steps.conversion_window_days,
        named_steps.step_number,
        named_steps.step_name,
        named_steps.step_name_rank,
        named_steps.step_name_count,
        conversions.conversion_type,
        conversions.event_id,
        conversions.user_key,
        conversions.session_key,
        conversions.occurred_at,
        conversions.user_event_number
    from named_steps
    inner join conversions
        on named_steps.step_name = conversions.conversion_name
),

-- A step whose name appears once in its funnel ranks its events by its own number. Only the events of
-- a repeated step name need the k-th-event-of-a-timestamp rule, so only they pay for its two windows.
repeated_name_events as (
    select
        step_events.*,
        -- the k-th event of this name at this timestamp (by id: same-named simultaneous events are interchangeable)
        dense_rank() over (
            partition by step_events.funnel, step_events.user_key, step_events.step_name, step_events.occurred_at
            order by step_events.event_id
        ) as same_time_name_rank
    from step_events
    where step_events.step_name_count > 1
),

tie_ordered as (
    select
        step_events.*,
        step_events.step_number as tie_step_number
    from step_events
    where step_events.step_name_count = 1
    union all
    select
        {%- for column in ['funnel', 'order_type', 'conversion_window_days', 'step_number', 'step_name', 'step_name_rank',
            'step_name_count', 'conversion_type', 'event_id', 'user_key', 'session_key', 'occurred_at', 'user_event_number'] %}
        repeated_name_events.{{ column }},
        {%- endfor %}
        min(
            case
                when repeated_name_events.step_name_rank
                    = least(repeated_name_events.same_time_name_rank, repeated_name_events.step_name_count)
                    then repeated_name_events.step_number
            end
        ) over (
            partition by repeated_name_events.funnel, repeated_name_events.user_key, repeated_name_events.event_id
        ) as tie_step_number
    from repeated_name_events
),

-- The user's step times (repeats are harmless: min and max ignore them, and the join is cheaper
-- than removing them first).
step_times as (
    select
        user_key,
        occurred_at
    from step_events
),

timestamp_bounds as (
    select
        events.user_key,
        events.event_at,
        min(events.user_event_number) as tie_first_event_number,
        max(events.user_event_number) as tie_last_event_number
    from events
    inner join step_times
        on events.user_key = step_times.user_key
        and events.event_at = step_times.occurred_at
    group by
        events.user_key,
        events.event_at
),

final as (
    select
        tie_ordered.funnel,
        tie_ordered.order_type,
        tie_ordered.conversion_window_days,
        tie_ordered.step_number,
        tie_ordered.step_name,
        tie_ordered.conversion_type,
        tie_ordered.event_id,
        tie_ordered.user_key,
        tie_ordered.session_key,
        tie_ordered.occurred_at,
        tie_ordered.user_event_number,
        dense_rank() over (
            partition by tie_ordered.funnel, tie_ordered.user_key
            order by tie_ordered.occurred_at, tie_ordered.tie_step_number, tie_ordered.event_id
        ) as funnel_event_number,
        coalesce(timestamp_bounds.tie_first_event_number, tie_ordered.user_event_number) as tie_first_event_number,
        coalesce(timestamp_bounds.tie_last_event_number, tie_ordered.user_event_number) as tie_last_event_number
    from tie_ordered
    left join timestamp_bounds
        on tie_ordered.user_key = timestamp_bounds.user_key
        and tie_ordered.occurred_at = timestamp_bounds.event_at
)

select * from final
