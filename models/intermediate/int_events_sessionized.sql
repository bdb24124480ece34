{#- One row per clean event with its stitched user and its session. Sessions are per device
    (anonymous_id, or the user_id for events without one): the tracker's session_id when it sent one,
    otherwise a new session starts when more than session_inactivity_minutes passed since the
    device's previous event (a gap of exactly the threshold stays in the session). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
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

with_previous as (
    select
        keyed.*,
        lag(keyed.event_at) over (
            partition by keyed.device_id
            order by keyed.event_at, keyed.event_id
        ) as previous_event_at
    from keyed
),

gap_flagged as (
    select
        with_previous.*,
        case
            when with_previous.previous_event_at is null then 1
            when with_previous.event_at
                > {{ dbt.dateadd('minute', var('session_inactivity_minutes'), 'with_previous.previous_event_at') }}
                then 1
            else 0
        end as starts_gap_session
    from with_previous
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

final as (
    select
        raw_row_key,
        event_id,
        event_name,
        event_at,
        event_date,
        anonymous_id,
        user_id,
        device_id,
        user_key,
        tracker_session_id,
        session_id,
        {{ dbt.hash('session_id') }} as session_key,
        row_number() over (
            partition by session_id
            order by event_at, event_id
        ) as event_number_in_session,
        row_number() over (
            partition by user_key
            order by event_at, event_id
        ) as user_event_number,
        previous_event_at,
        starts_gap_session,
        gap_session_number,
        page_url,
        page_path,
        page_referrer,
        referrer_host,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        device_category,
        country,
        user_agent_hash,
        ip_address_hash,
        email_hash,
        properties,
        property_value,
        experiment_id,
        experiment_variant,
        loaded_at,
        source_file,
        ingested_at
    from session_identified
)

select * from final
