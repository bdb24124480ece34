{#- One row per day × element type × element id. The unit is an element session: a session with any
    event of the element, dated by its first such event. A session starts the element with a start
    event (page_view for scroll, video_start, form_start; CTAs have none in the event contract) and
    completes it with a completion event or a progress event at or above the type's completion depth
    (scroll 90 %, video 100 %). The depth distribution counts element sessions by the deepest point
    they reached, so a page view or a video start without progress is not counted as engagement. -#}

with

element_events as (
    select * from {{ ref('int_element_events') }}
),

definitions as (
    select * from {{ ref('element_event_definitions') }}
),

depth_tracking as (
    select
        element_type,
        max(case when depth_property is not null then 1 else 0 end) as tracks_depth
    from definitions
    group by element_type
),

element_sessions as (
    select
        element_events.session_key,
        element_events.element_type,
        element_events.element_id,
        min(element_events.event_at) as first_event_at,
        sum(case when element_events.role = 'start' then 1 else 0 end) as start_count,
        sum(case when element_events.is_completion then 1 else 0 end) as completion_count,
        max(case when element_events.role = 'start' then 1 else 0 end) as is_started,
        max(case when element_events.is_completion then 1 else 0 end) as is_completed,
        max(element_events.depth_percent) as max_depth_percent
    from element_events
    group by
        element_events.session_key,
        element_events.element_type,
        element_events.element_id
),

daily as (
    select
        {{ local_date('element_sessions.first_event_at') }} as date_day,
        element_sessions.element_type,
        element_sessions.element_id,
        count(*) as element_session_count,
        sum(element_sessions.start_count) as start_count,
        sum(element_sessions.completion_count) as completion_count,
        sum(element_sessions.is_started) as started_session_count,
        sum(element_sessions.is_completed) as completed_session_count,
        sum(element_sessions.is_started * element_sessions.is_completed) as started_and_completed_session_count,
        sum(case when element_sessions.max_depth_percent >= 25 then 1 else 0 end) as reached_25_count,
        sum(case when element_sessions.max_depth_percent >= 50 then 1 else 0 end) as reached_50_count,
        sum(case when element_sessions.max_depth_percent >= 75 then 1 else 0 end) as reached_75_count,
        sum(case when element_sessions.max_depth_percent >= 90 then 1 else 0 end) as reached_90_count,
        sum(case when element_sessions.max_depth_percent >= 100 then 1 else 0 end) as reached_100_count
    from element_sessions
    group by
        {{ local_date('element_sessions.first_event_at') }},
        element_sessions.element_type,
        element_sessions.element_id
),

final as (
    select
        daily.date_day,
        daily.element_type,
        daily.element_id,
        daily.element_session_count,
        daily.start_count,
        daily.completion_count,
        daily.started_session_count,
        daily.completed_session_count,
        cast(daily.started_and_completed_session_count as double)
        / nullif(daily.started_session_count, 0) as completion_rate,
        case when depth_tracking.tracks_depth = 1 then daily.reached_25_count end as sessions_reaching_25_percent,
        case when depth_tracking.tracks_depth = 1 then daily.reached_50_count end as sessions_reaching_50_percent,
        case when depth_tracking.tracks_depth = 1 then daily.reached_75_count end as sessions_reaching_75_percent,
        case when depth_tracking.tracks_depth = 1 then daily.reached_90_count end as sessions_reaching_90_percent,
        case when depth_tracking.tracks_depth = 1 then daily.reached_100_count end as sessions_reaching_100_percent
    from daily
    left join depth_tracking
        on daily.element_type = depth_tracking.element_type
)

select * from final
