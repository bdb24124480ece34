{#- One row per clean event with its stitched user (int_users_stitched) and its session; under var
    consent_policy, events without analytics consent are left out (docs/privacy.md, Consent).
    Sessions are cut per device and stitched user (a shared device starts a new session when another
    user logs in): the tracker's session_id when it sent one, otherwise a new session starts when more
    than session_inactivity_minutes passed since the previous event of that device and user (a gap of
    exactly the threshold stays in the session). An event with a user_id and no anonymous_id
    (server-side purchase, CRM import) joins the user's session in progress: the latest one that started
    at or before it and whose last browser event is at most session_inactivity_minutes before it; only
    when there is none does it open a session of its own.

    Incremental by device (int_devices_reprocessed); the windows run over the complete event streams of
    every user with an event on a reprocessed device, so that sessions and numbering equal a full
    refresh, and only the reprocessed devices' rows are written. Every row of a reprocessed device is
    replaced, so a device whose events all left (a user-level retention pass, a forgotten person) keeps
    none. -#}
{{ keyed_incremental_config(incremental_strategy=replace_reprocessed_devices_strategy()) }}

with

{% if is_incremental() -%}
reprocessed_devices as (
    select device_id from {{ ref('int_devices_reprocessed') }}
),

reprocessed_users as (
    select distinct stitched.user_key
    from {{ ref('int_users_stitched') }} as stitched
    inner join reprocessed_devices
        on stitched.device_id = reprocessed_devices.device_id
),

{% endif -%}
users_stitched as (
    select
        raw_row_key,
        device_id,
        user_key
    from {{ ref('int_users_stitched') }}
    {%- if is_incremental() %}
    where user_key in (select reprocessed_users.user_key from reprocessed_users)
    {%- endif %}
),

event_keys as (
    select
        raw_row_key,
        event_id,
        event_at,
        anonymous_id,
        tracker_session_id
    from {{ ref('int_events_validated') }}
    where
        row_status = 'clean'
        and {{ consent_allows_user_level() }}
),

-- The window functions run on a narrow projection (keys and times only, read straight from the two
-- tables) and the wide columns are joined back once in final. A wide CTE read twice (by the windows
-- and by final) is materialized whole by DuckDB and its forty columns ride through the first window's
-- sort: 1M events, 5.0 s for the model that way against 4.2 s (bench/RESULTS.md).
positions as (
    select
        event_keys.raw_row_key,
        event_keys.event_id,
        event_keys.event_at,
        users_stitched.device_id,
        users_stitched.user_key,
        event_keys.anonymous_id is null as is_user_only,
        event_keys.tracker_session_id,
        lag(event_keys.event_at) over (
            partition by users_stitched.device_id, users_stitched.user_key
            order by event_keys.event_at, event_keys.event_id
        ) as previous_event_at
    from event_keys
    inner join users_stitched
        on event_keys.raw_row_key = users_stitched.raw_row_key
),

gap_flagged as (
    select
        positions.*,
        case
            when positions.previous_event_at is null then 1
            when positions.event_at
                > {{ dbt.dateadd('minute', var('session_inactivity_minutes'), 'positions.previous_event_at') }}
                then 1
            else 0
        end as starts_gap_session
    from positions
),

gap_numbered as (
    select
        gap_flagged.*,
        sum(gap_flagged.starts_gap_session) over (
            partition by gap_flagged.device_id, gap_flagged.user_key
            order by gap_flagged.event_at, gap_flagged.event_id
            rows between unbounded preceding and current row
        ) as gap_session_number
    from gap_flagged
),

stream_sessions as (
    select
        gap_numbered.*,
        gap_numbered.device_id || '#' || gap_numbered.user_key || '#' || coalesce(
            't:' || gap_numbered.tracker_session_id,
            'g:' || cast(gap_numbered.gap_session_number as {{ dbt.type_string() }})
        ) as stream_session_id
    from gap_numbered
),

browser_sessions as (
    select
        stream_session_id as session_id,
        user_key,
        min(event_at) as started_at,
        max(event_at) as last_event_at
    from stream_sessions
    where not is_user_only
    group by stream_session_id, user_key
),

-- A user_id-only event joins the user's latest browser session in progress at its time.
sessions_in_progress as (
    select
        stream_sessions.raw_row_key,
        browser_sessions.session_id,
        row_number() over (
            partition by stream_sessions.raw_row_key
            order by browser_sessions.started_at desc, browser_sessions.session_id desc
        ) as recency_rank
    from stream_sessions
    inner join browser_sessions
        on stream_sessions.user_key = browser_sessions.user_key
        and stream_sessions.event_at >= browser_sessions.started_at
        and stream_sessions.event_at
        <= {{ dbt.dateadd('minute', var('session_inactivity_minutes'), 'browser_sessions.last_event_at') }}
    where stream_sessions.is_user_only
),

session_identified as (
    select
        stream_sessions.*,
        coalesce(sessions_in_progress.session_id, stream_sessions.stream_session_id) as session_id
    from stream_sessions
    left join sessions_in_progress
        on stream_sessions.raw_row_key = sessions_in_progress.raw_row_key
        and sessions_in_progress.recency_rank = 1
),

numbered as (
    select
        raw_row_key,
        device_id,
        user_key,
        previous_event_at,
        starts_gap_session,
        gap_session_number,
        session_id,
        row_number() over (
            partition by session_id
            order by event_at, case when is_user_only then 1 else 0 end, event_id
        ) as event_number_in_session,
        row_number() over (
            partition by user_key
            order by event_at, event_id
        ) as user_event_number
    from session_identified
),

events as (
    select * from {{ ref('int_events_validated') }}
    where
        row_status = 'clean'
        and {{ consent_allows_user_level() }}
),

final as (
    select
        events.raw_row_key,
        events.event_source,
        events.event_id,
        events.event_name,
        events.event_at,
        events.event_date,
        events.anonymous_id,
        events.user_id,
        numbered.device_id,
        numbered.user_key,
        events.tracker_session_id,
        numbered.session_id,
        {{ dbt.hash('numbered.session_id') }} as session_key,
        numbered.event_number_in_session,
        numbered.user_event_number,
        numbered.previous_event_at,
        numbered.starts_gap_session,
        numbered.gap_session_number,
        events.page_url,
        events.page_path,
        events.page_referrer,
        events.referrer_host,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.utm_content,
        events.utm_term,
        events.device_category,
        events.country,
        events.user_agent_hash,
        events.ip_address_hash,
        events.email_hash,
        events.properties,
        events.property_value,
        events.experiment_id,
        events.experiment_variant,
        events.loaded_at,
        events.source_file,
        events.ingested_at
    from events
    inner join numbered
        on events.raw_row_key = numbered.raw_row_key
    {%- if is_incremental() %}
    where numbered.device_id in (select reprocessed_devices.device_id from reprocessed_devices)
    {%- endif %}
)

select * from final
