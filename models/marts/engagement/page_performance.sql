{#- One row per day × page path. Views are page_view events (GA4's Views); sessions are the sessions
    that viewed the path at least once that day (GA4's Sessions with a page dimension). An engaged view
    is a page view in an engaged session (fct_sessions.is_engaged: GA4's engaged session, longer than
    engaged_session_seconds, a key event, or 2+ page views). Micro-conversions count on the page path
    and day where they happened, by kind (an event sent without a page is on the session's latest page view before it,
    int_events_page_context). A session converts later when it has a macro-conversion at or
    after its first view of the page. Paths missing from an event read '(not set)'. -#}

with

events as (
    select
        session_key,
        event_at,
        event_date,
        coalesce(page_path, '(not set)') as page_path
    from {{ ref('int_events_page_context') }}
    where event_name = 'page_view'
),

page_contexts as (
    select
        event_source,
        event_id,
        session_key,
        page_path
    from {{ ref('int_events_page_context') }}
),

sessions as (
    select
        session_key,
        is_engaged
    from {{ ref('fct_sessions') }}
),

micro_conversions as (
    select
        fct_micro_conversions.occurred_date,
        coalesce(fct_micro_conversions.page_path, page_contexts.page_path, '(not set)') as page_path,
        fct_micro_conversions.kind
    from {{ ref('fct_micro_conversions') }} as fct_micro_conversions
    left join page_contexts
        on fct_micro_conversions.event_source = page_contexts.event_source
        and fct_micro_conversions.event_id = page_contexts.event_id
        and fct_micro_conversions.session_key = page_contexts.session_key
),

macro_conversions as (
    select
        session_key,
        converted_at
    from {{ ref('fct_macro_conversions') }}
),

views_daily as (
    select
        events.event_date as date_day,
        events.page_path,
        count(*) as view_count,
        sum(case when sessions.is_engaged then 1 else 0 end) as engaged_view_count
    from events
    inner join sessions
        on events.session_key = sessions.session_key
    group by events.event_date, events.page_path
),

session_pages as (
    select
        session_key,
        event_date as date_day,
        page_path,
        min(event_at) as first_viewed_at
    from events
    group by session_key, event_date, page_path
),

session_pages_converted as (
    select
        session_pages.date_day,
        session_pages.page_path,
        session_pages.session_key,
        max(
            case when macro_conversions.converted_at >= session_pages.first_viewed_at then 1 else 0 end
        ) as converts_later
    from session_pages
    left join macro_conversions
        on session_pages.session_key = macro_conversions.session_key
    group by
        session_pages.date_day,
        session_pages.page_path,
        session_pages.session_key
),

sessions_daily as (
    select
        date_day,
        page_path,
        count(*) as session_count,
        sum(converts_later) as converting_session_count
    from session_pages_converted
    group by date_day, page_path
),

micro_daily as (
    select
        occurred_date as date_day,
        page_path,
        count(*) as micro_conversion_count,
        sum(case when kind = 'supporting' then 1 else 0 end) as supporting_micro_conversion_count,
        sum(case when kind = 'direct' then 1 else 0 end) as direct_micro_conversion_count
    from micro_conversions
    group by occurred_date, page_path
),

page_days as (
    select
        date_day,
        page_path
    from views_daily
    union
    select
        date_day,
        page_path
    from micro_daily
),

final as (
    select
        page_days.date_day,
        page_days.page_path,
        coalesce(views_daily.view_count, 0) as view_count,
        coalesce(views_daily.engaged_view_count, 0) as engaged_view_count,
        coalesce(sessions_daily.session_count, 0) as session_count,
        coalesce(sessions_daily.converting_session_count, 0) as converting_session_count,
        cast(sessions_daily.converting_session_count as double)
        / nullif(sessions_daily.session_count, 0) as session_conversion_rate,
        coalesce(micro_daily.micro_conversion_count, 0) as micro_conversion_count,
        coalesce(micro_daily.supporting_micro_conversion_count, 0) as supporting_micro_conversion_count,
        coalesce(micro_daily.direct_micro_conversion_count, 0) as direct_micro_conversion_count
    from page_days
    left join views_daily
        on page_days.date_day = views_daily.date_day
        and page_days.page_path = views_daily.page_path
    left join sessions_daily
        on page_days.date_day = sessions_daily.date_day
        and page_days.page_path = sessions_daily.page_path
    left join micro_daily
        on page_days.date_day = micro_daily.date_day
        and page_days.page_path = micro_daily.page_path
)

select * from final
