{#- One row per rejected raw row, with its reason. PII stays hashed here as everywhere outside raw. -#}
with

staged_events as (
    select * from {{ ref('int_events_validated') }}
),

final as (
    select
        raw_row_key,
        rejection_reason,
        event_source,
        event_id,
        event_name,
        source_event_name,
        event_timestamp_raw as event_timestamp,
        event_at,
        coalesce(event_date, {{ local_date('loaded_at') }}) as event_date,
        anonymous_id,
        user_id,
        tracker_session_id as session_id,
        page_url,
        page_path,
        page_referrer,
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
        loaded_at,
        source_file,
        source_row,
        ingested_at
    from staged_events
    where row_status = 'quarantined'
)

select * from final
