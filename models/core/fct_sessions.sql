{#- One row per session (see int_events_sessionized for how sessions are cut and how user_id-only
    events join them). device_id is the device whose stream the session is: its browser device, or
    'user:' + user_id for a session of user_id-only events. Incremental by that device: the sessions of
    every user with an event on a reprocessed device are rebuilt from their whole event streams (so
    user_session_number equals a full refresh), and the reprocessed devices' rows are replaced, including
    devices that no longer own any session. -#}
{{ keyed_incremental_config(incremental_strategy=replace_reprocessed_devices_strategy()) }}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
    {%- if is_incremental() %}
    where
        user_key in (
            select user_events.user_key
            from {{ ref('int_events_sessionized') }} as user_events
            inner join {{ ref('int_devices_reprocessed') }} as reprocessed
                on user_events.device_id = reprocessed.device_id
        )
    {%- endif %}
),

traffic_sources as (
    select * from {{ ref('int_traffic_sources_classified') }}
),

macro_conversion_definitions as (
    select event_name from {{ ref('macro_conversion_definitions') }}
),

landing_events as (
    select
        session_key,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        referrer_host,
        page_path as landing_page_path,
        device_category,
        country
    from events
    where event_number_in_session = 1
),

session_totals as (
    select
        events.session_key,
        min(events.user_key) as user_key,
        coalesce(
            min(case when events.anonymous_id is not null then events.device_id end),
            min(events.device_id)
        ) as device_id,
        min(events.event_at) as started_at,
        max(events.event_at) as ended_at,
        count(*) as event_count,
        sum(case when events.event_name = 'page_view' then 1 else 0 end) as page_view_count,
        sum(case when macro_conversion_definitions.event_name is not null then 1 else 0 end) as macro_conversion_event_count
    from events
    left join macro_conversion_definitions
        on events.event_name = macro_conversion_definitions.event_name
    group by events.session_key
),

joined as (
    select
        session_totals.session_key,
        session_totals.user_key,
        session_totals.device_id,
        session_totals.started_at,
        session_totals.ended_at,
        {{ seconds_between('session_totals.started_at', 'session_totals.ended_at') }} as duration_seconds,
        coalesce(traffic_sources.channel, 'Other') as channel,
        landing_events.utm_source,
        landing_events.utm_medium,
        landing_events.utm_campaign,
        landing_events.utm_content,
        landing_events.utm_term,
        landing_events.referrer_host,
        landing_events.landing_page_path,
        landing_events.device_category,
        landing_events.country,
        session_totals.event_count,
        session_totals.page_view_count,
        session_totals.macro_conversion_event_count > 0 as has_macro_conversion
    from session_totals
    inner join landing_events
        on session_totals.session_key = landing_events.session_key
    left join traffic_sources
        on coalesce(landing_events.utm_source, '') = traffic_sources.source_value
        and coalesce(landing_events.utm_medium, '') = traffic_sources.medium_value
        and coalesce(landing_events.utm_campaign, '') = traffic_sources.campaign_value
        and coalesce(landing_events.referrer_host, '') = traffic_sources.referrer_value
),

user_numbered as (
    select
        joined.*,
        {{ local_date('joined.started_at') }} as session_date,
        (
            joined.duration_seconds >= {{ var('engaged_session_seconds') }}
            or joined.page_view_count >= 2
            or joined.has_macro_conversion
        ) as is_engaged,
        row_number() over (
            partition by joined.user_key
            order by joined.started_at, joined.session_key
        ) as user_session_number
    from joined
),

final as (
    select * from user_numbered
    {%- if is_incremental() %}
    where
        device_id in (
            select reprocessed.device_id from {{ ref('int_devices_reprocessed') }} as reprocessed
        )
    {%- endif %}
)

select * from final
