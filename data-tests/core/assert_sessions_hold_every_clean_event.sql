-- Every clean event belongs to exactly one session: session event counts add up to the event stream.
-- Shown in Dagster as a check of fct_sessions (a test reading several models needs one named).
{{ config(meta={'dagster': {'ref': {'name': 'fct_sessions'}}}) }}

with

events as (
    select count(*) as event_rows from {{ ref('int_events_sessionized') }}
),

sessions as (
    select coalesce(sum(event_count), 0) as session_event_rows from {{ ref('fct_sessions') }}
),

final as (
    select
        events.event_rows,
        sessions.session_event_rows
    from events
    cross join sessions
    where events.event_rows != sessions.session_event_rows
)

select * from final
