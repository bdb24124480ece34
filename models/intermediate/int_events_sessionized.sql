{#- One row per clean event with its stitched user and its session. Sessions are per device
    (anonymous_id, or the user_id for events without one): the tracker's session_id when it sent one,
    otherwise a new session starts when more than session_inactivity_minutes passed since the
    device's previous event (a gap of exactly the threshold stays in the session). -#}
{{ config(
    materialized=keyed_incremental_materialization(),
    incremental_strategy=keyed_incremental_strategy(),
    unique_key='device_id',
    on_schema_change='fail'
) }}
-- depends_on: {{ ref('int_devices_reprocessed') }}

with

events as (
    select * from {{ ref('stg_tracking__events') }}
    where
        row_status = 'clean'
        {%- if is_incremental() %}
        and coalesce(anonymous_id, 'user:' || user_id) in (
            select reprocessed.device_id from {{ ref('int_devices_reprocessed') }} as reprocessed
        )
        {%- endif %}
),

users_stitched as (
    select
        device_id,
        user_key
    from {{ ref('int_users_stitched') }}
),

keyed as (
    select
        events.*,
        users_stitched.device_id,
        users_stitched.user_key
    from events
    inner join users_stitched
        on coalesce(events.anonymous_id, 'user:' || events.user_id) = users_stitched.device_id
),

-- The window functions run on a narrow projection (keys and times only) and are joined back: sorting
-- forty columns per event costs several times more than sorting six.
positions as (
    select
        raw_row_key,
        event_id,
        event_at,
        device_id,
        user_key,
        tracker_session_id,
        lag(event_at) over (
            partition by device_id
            order by event_at, event_id
        ) as previous_event_at
    from keyed
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
            partition by gap_flagged.device_id
            order by gap_flagged.event_at, gap_flagged.event_id
            rows between unbounded preceding and current row
        ) as gap_session_number
    from gap_flagged
),

session_identified as (
    select
        gap_numbered.*,
        gap_numbered.device_id || '#' || coalesce(
            't:' || gap_numbered.tracker_session_id,
            'g:' || cast(gap_numbered.gap_session_number as {{ dbt.type_string() }})
        ) as session_id
    from gap_numbered
),

numbered as (
    select
        raw_row_key,
        previous_event_at,
        starts_gap_session,
        gap_session_number,
        session_id,
        row_number() over (
            partition by session_id
            order by event_at, event_id
        ) as event_number_in_session,
        row_number() over (
            partition by user_key
            order by event_at, event_id
        ) as user_event_number
    from session_identified
),

final as (
    select
        keyed.raw_row_key,
        keyed.event_source,
        keyed.event_id,
        keyed.event_name,
        keyed.event_at,
        keyed.event_date,
        keyed.anonymous_id,
        keyed.user_id,
        keyed.device_id,
        keyed.user_key,
        keyed.tracker_session_id,
        numbered.session_id,
        {{ dbt.hash('numbered.session_id') }} as session_key,
        numbered.event_number_in_session,
        numbered.user_event_number,
        numbered.previous_event_at,
        numbered.starts_gap_session,
        numbered.gap_session_number,
        keyed.page_url,
        keyed.page_path,
        keyed.page_referrer,
        keyed.referrer_host,
        keyed.utm_source,
        keyed.utm_medium,
        keyed.utm_campaign,
        keyed.utm_content,
        keyed.utm_term,
        keyed.device_category,
        keyed.country,
        keyed.user_agent_hash,
        keyed.ip_address_hash,
        keyed.email_hash,
        keyed.properties,
        keyed.property_value,
        keyed.experiment_id,
        keyed.experiment_variant,
        keyed.loaded_at,
        keyed.source_file,
        keyed.ingested_at
    from keyed
    inner join numbered
        on keyed.raw_row_key = numbered.raw_row_key
)

select * from final
