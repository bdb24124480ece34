{#- One row per rejected raw row, with its reason. PII stays hashed here as everywhere outside raw.
    Under a strict var consent_policy, a row without analytics consent (or whose consent could not be
    read) keeps no identifier: ids and hashes are null (docs/privacy.md, Consent). -#}
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
        case when {{ consent_keeps_identifiers() }} then anonymous_id end as anonymous_id,
        case when {{ consent_keeps_identifiers() }} then user_id end as user_id,
        case when {{ consent_keeps_identifiers() }} then tracker_session_id end as session_id,
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
        case when {{ consent_keeps_identifiers() }} then user_agent_hash end as user_agent_hash,
        case when {{ consent_keeps_identifiers() }} then ip_address_hash end as ip_address_hash,
        case when {{ consent_keeps_identifiers() }} then email_hash end as email_hash,
        properties,
        loaded_at,
        source_file,
        source_row,
        ingested_at
    from staged_events
    where row_status = 'quarantined'
)

select * from final
