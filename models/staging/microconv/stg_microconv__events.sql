{#- The event contract's raw rows (raw.events, loaded by `microconv load`) as text, shaped like the
    vendor staging views: the contract's own event names mapped through event_name_mappings (rows of
    event_source microconv; names without a mapping pass unchanged), the name as sent kept in
    source_event_name. Typing, validation, PII hashing and dedupe happen in int_events_validated. -#}

with

source as (
    select * from {{ source('microconv', 'events') }}
),

event_name_mappings as (
    {{ event_name_mappings_of('microconv') }}
),

final as (
    select
        'microconv' as event_source,
        source.event_name as source_event_name,
        source.event_id,
        coalesce(event_name_mappings.event_name, source.event_name) as event_name,
        source.event_timestamp,
        source.anonymous_id,
        source.user_id,
        source.session_id,
        source.page_url,
        source.page_path,
        source.page_referrer,
        source.utm_source,
        source.utm_medium,
        source.utm_campaign,
        source.utm_content,
        source.utm_term,
        source.device_category,
        source.country,
        source.user_agent,
        source.ip_address,
        source.email,
        source.consent_analytics,
        source.properties,
        source.loaded_at,
        source._source_file,
        source._file_id,
        source._source_row,
        source._ingested_at
    from source
    left join event_name_mappings
        on source.event_name = event_name_mappings.source_event_name
)

select * from final
