{#- One row per event date, event source and analytics consent state: the valid, deduplicated events
    and the tracker sessions they came in, whatever var consent_policy keeps out of the user-level
    tables. Events without consent are counted here only, in aggregate, as GA4's consent mode keeps
    cookieless pings out of user-level reports (docs/privacy.md, Consent). -#}

with

events as (
    select * from {{ ref('int_events_validated') }}
    where row_status = 'clean'
),

counted as (
    select
        event_date,
        event_source,
        consent_analytics,
        count(*) as events,
        count(distinct tracker_session_id) as tracker_sessions,
        sum(case when {{ consent_allows_user_level() }} then 1 else 0 end) as user_level_events
    from events
    group by
        event_date,
        event_source,
        consent_analytics
),

final as (
    select
        event_date,
        event_source,
        consent_analytics,
        events,
        tracker_sessions,
        user_level_events,
        events - user_level_events as consent_excluded_events
    from counted
)

select * from final
