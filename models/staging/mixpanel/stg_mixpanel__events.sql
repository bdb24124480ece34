{#- Mixpanel raw export rows ({"event": …, "properties": {…}}, docs.mixpanel.com/reference/raw-event-export)
    mapped onto the raw event contract (all text).
    - properties.time is seconds since the epoch (milliseconds when larger than 1e11, as
      time_in_ms exports send). Projects created before 2023 export it in the project's time zone
      (var mixpanel_timezone, an IANA name): it is turned into UTC here, before any validation.
    - The event id follows Mixpanel's dedupe rule (event name, distinct_id, time and $insert_id,
      docs.mixpanel.com/reference/event-deduplication): the $insert_id while it names one event, a
      hash of the four when the same $insert_id is shared by different events, a hash of event,
      distinct_id and time without an $insert_id.
    - The device is $device_id, else $distinct_id_before_identity or the distinct_id, without the
      "$device:" prefix; the user is $user_id.
    - Event names map through event_name_mappings case- and white-space-insensitively. -#}

with

source as (
    select * from {{ source('mixpanel', 'mixpanel_events') }}
),

-- One canonical name per normalised source name, so that the join can never multiply rows.
event_name_mappings as (
    {{ event_name_mappings_of('mixpanel', normalised=true) }}
),

extracted as (
    select
        source._source_file,
        source._file_id,
        source._source_row,
        source._ingested_at,
        {{ json_path_text('source.record', '$.event') }} as mixpanel_event,
        {{ json_path_text('source.record', '$.properties') }} as mixpanel_properties,
        {%- for column, key in [
            ('event_time', 'time'), ('distinct_id', 'distinct_id'), ('insert_id', '"$insert_id"'),
            ('device_id', '"$device_id"'), ('mixpanel_user_id', '"$user_id"'),
            ('distinct_id_before_identity', '"$distinct_id_before_identity"'),
            ('current_url', '"$current_url"'), ('referrer', '"$referrer"'),
            ('utm_source', 'utm_source'), ('utm_medium', 'utm_medium'), ('utm_campaign', 'utm_campaign'),
            ('utm_content', 'utm_content'), ('utm_term', 'utm_term'),
            ('device_category', 'device_category'), ('device_name', '"$device"'), ('os_name', '"$os"'),
            ('browser_name', '"$browser"'),
            ('country_code', 'mp_country_code'), ('email', '"$email"'),
            ('processing_time_ms', 'mp_processing_time_ms'),
        ] %}
        {{ json_path_text('source.record', '$.properties.' ~ key) }} as {{ column }},
        {%- endfor %}
        source.record
    from source
),

mapped as (
    select
        extracted.*,
        coalesce(event_name_mappings.event_name, extracted.mixpanel_event) as event_name,
        {{ mixpanel_time_to_iso_text('extracted.event_time', mixpanel_timezone()) }} as event_time_iso,
        {{ dbt.concat([
            "coalesce(extracted.mixpanel_event, '')", "'|'", "coalesce(extracted.distinct_id, '')", "'|'",
            "coalesce(extracted.event_time, '')",
        ]) }} as event_key
    from extracted
    left join event_name_mappings
        on {{ event_name_key('extracted.mixpanel_event') }} = event_name_mappings.source_event_name_key
),

-- An $insert_id shared by events that differ in name, distinct_id or time names several events.
keyed as (
    select
        mapped.*,
        mapped.insert_id is not null
        and min(mapped.event_key) over (partition by mapped.insert_id)
        <> max(mapped.event_key) over (partition by mapped.insert_id) as is_shared_insert_id
    from mapped
),

final as (
    select
        'mixpanel' as event_source,
        mixpanel_event as source_event_name,
        case
            when insert_id is null then {{ dbt.hash('event_key') }}
            when is_shared_insert_id then {{ dbt.hash(dbt.concat(['event_key', "'|'", 'insert_id'])) }}
            else insert_id
        end as event_id,
        event_name,
        -- Text that is not a number passes unchanged, for staging's validation to quarantine.
        coalesce(event_time_iso, event_time) as event_timestamp,
        coalesce(
            device_id,
            case
                when distinct_id_before_identity like '$device:%' then substring(distinct_id_before_identity, 9)
                else distinct_id_before_identity
            end,
            case when distinct_id like '$device:%' then substring(distinct_id, 9) else distinct_id end
        ) as anonymous_id,
        mixpanel_user_id as user_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        current_url as page_url,
        cast(null as {{ dbt.type_string() }}) as page_path,
        case when referrer <> '$direct' then referrer end as page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        -- Mixpanel's default properties (docs.mixpanel.com, default properties): $device is set on
        -- mobile only; $os names the system (iOS, Android, iPadOS, Windows, Mac OS X, …); $browser
        -- names mobile browsers "Mobile Safari", "Android Mobile", "Chrome iOS", ….
        coalesce(
            lower(device_category),
            case
                when lower(device_name) like '%ipad%' or lower(device_name) like '%tablet%' then 'tablet'
                when device_name is not null then 'mobile'
                when lower(os_name) = 'ipados' then 'tablet'
                when lower(os_name) in ('ios', 'android', 'windows phone') then 'mobile'
                when lower(browser_name) like '%mobile%' or lower(browser_name) like '% ios' then 'mobile'
                when lower(os_name) in ('windows', 'mac os x', 'macos', 'linux', 'chrome os', 'ubuntu') then 'desktop'
            end
        ) as device_category,
        country_code as country,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        cast(null as {{ dbt.type_string() }}) as ip_address,
        email,
        -- Mixpanel documents no per-event consent property: opt_out_tracking() stops sending events.
        cast(null as {{ dbt.type_string() }}) as consent_analytics,
        {{ json_merge_text('mixpanel_properties', json_object_text([
            ('value', 'coalesce(' ~ json_path_text('mixpanel_properties', '$.value') ~ ', ' ~ json_path_text('mixpanel_properties', '$.revenue') ~ ', ' ~ json_path_text('mixpanel_properties', '$.amount') ~ ')'),
        ] + pii_property_removals())) }} as properties,
        case
            when processing_time_ms is not null then {{ epoch_to_iso_text('processing_time_ms', 'milliseconds') }}
        end as loaded_at,
        _source_file,
        _file_id,
        _source_row,
        _ingested_at
    from keyed
)

select * from final
