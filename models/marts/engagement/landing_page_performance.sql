{#- One row per day × landing page path × channel (the session's start day, first page and GA4
    default channel group, from fct_sessions). Sessions, engaged sessions (GA4's engaged session),
    sessions with a macro-conversion (fct_macro_conversions: an order counts once, in the session that
    sent it first), and the macro-conversions and revenue of those sessions. Sessions
    whose first event carried no page read '(not set)'. -#}

with

sessions as (
    select
        session_key,
        session_date,
        coalesce(landing_page_path, '(not set)') as landing_page_path,
        channel,
        is_engaged
    from {{ ref('fct_sessions') }}
),

macro_conversions as (
    select
        session_key,
        count(*) as macro_conversion_count,
        sum(revenue) as revenue
    from {{ ref('fct_macro_conversions') }}
    group by session_key
),

daily as (
    select
        sessions.session_date as date_day,
        sessions.landing_page_path,
        sessions.channel,
        count(*) as session_count,
        sum(case when sessions.is_engaged then 1 else 0 end) as engaged_session_count,
        sum(case when macro_conversions.session_key is not null then 1 else 0 end) as converting_session_count,
        coalesce(sum(macro_conversions.macro_conversion_count), 0) as macro_conversion_count,
        coalesce(sum(macro_conversions.revenue), 0) as revenue
    from sessions
    left join macro_conversions
        on sessions.session_key = macro_conversions.session_key
    group by
        sessions.session_date,
        sessions.landing_page_path,
        sessions.channel
),

final as (
    select
        date_day,
        landing_page_path,
        channel,
        session_count,
        engaged_session_count,
        cast(engaged_session_count as double) / session_count as engagement_rate,
        converting_session_count,
        cast(converting_session_count as double) / session_count as session_conversion_rate,
        macro_conversion_count,
        revenue
    from daily
)

select * from final
