{#- One row per clean event with the page it happened on. Trackers that send page context with every
    event (GA4's page_location) fill page_path themselves; for an event without one (a scroll, a click
    or an add_to_cart sent without the page), the page is the one of the session's latest page_view at
    or before it, in session order. Events before the session's first page view, and sessions without
    page views, keep a null page. -#}

with

events as (
    select
        raw_row_key,
        event_source,
        event_id,
        event_name,
        event_at,
        event_date,
        session_key,
        user_key,
        event_number_in_session,
        page_path,
        properties
    from {{ ref('int_events_sessionized') }}
),

-- Each page view opens a page group; the events after it, up to the next page view, belong to it.
page_grouped as (
    select
        events.*,
        sum(case when events.event_name = 'page_view' then 1 else 0 end) over (
            partition by events.session_key
            order by events.event_number_in_session
            rows between unbounded preceding and current row
        ) as page_group_number
    from events
),

page_contexts as (
    select
        page_grouped.*,
        max(case when page_grouped.event_name = 'page_view' then page_grouped.page_path end) over (
            partition by page_grouped.session_key, page_grouped.page_group_number
        ) as viewed_page_path
    from page_grouped
),

final as (
    select
        raw_row_key,
        event_source,
        event_id,
        event_name,
        event_at,
        event_date,
        session_key,
        user_key,
        coalesce(page_path, case when page_group_number > 0 then viewed_page_path end) as page_path,
        page_path is null and page_group_number > 0 and viewed_page_path is not null as is_page_path_inferred,
        properties
    from page_contexts
)

select * from final
