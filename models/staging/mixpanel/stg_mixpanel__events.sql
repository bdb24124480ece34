{#- Mixpanel raw export rows ({"event": …, "properties": {…}}) mapped onto the raw event contract (all
    text). properties.time is seconds since the epoch (milliseconds when it is larger than 1e11, as
    newer projects send); $insert_id is Mixpanel's own dedupe key and becomes the event id (else a
    hash of event, distinct_id and time). The device is $device_id, else the distinct_id without its
    "$device:" prefix; the user is $user_id. -#}

with

source as (
    select * from {{ source('mixpanel', 'mixpanel_events') }}
),

event_name_mappings as (
    select
        source_event_name,
        event_name
    from {{ ref('event_name_mappings') }}
    where event_source = 'mixpanel'
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
            ('current_url', '"$current_url"'), ('referrer', '"$referrer"'),
            ('utm_source', 'utm_source'), ('utm_medium', 'utm_medium'), ('utm_campaign', 'utm_campaign'),
            ('utm_content', 'utm_content'), ('utm_term', 'utm_term'),
            ('device_category', 'device_category'), ('device_name', '"$device"'), ('os_name', '"$os"'),
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
        case
            when try_cast(extracted.event_time as double) > 1e11
                then {{ epoch_to_iso_text('extracted.event_time', 'milliseconds') }}
            when try_cast(extracted.event_time as double) is not null
                then {{ epoch_to_iso_text('extracted.event_time', 'seconds') }}
            else extracted.event_time
        end as event_timestamp
    from extracted
    left join event_name_mappings
        on extracted.mixpanel_event = event_name_mappings.source_event_name
),

final as (
    select
        'mixpanel' as event_source,
        mixpanel_event as source_event_name,
        coalesce(
            insert_id,
            {{ dbt.hash(dbt.concat([
                "coalesce(mixpanel_event, '')", "'|'", "coalesce(distinct_id, '')", "'|'", "coalesce(event_time, '')",
            ])) }}
        ) as event_id,
        event_name,
        event_timestamp,
        coalesce(
            device_id,
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
        coalesce(
            lower(device_category),
            case
                when lower(device_name) like '%ipad%' or lower(device_name) like '%tablet%' then 'tablet'
                when device_name is not null then 'mobile'
                when os_name in ('Windows', 'Mac OS X', 'Linux', 'Chrome OS', 'Ubuntu') then 'desktop'
            end
        ) as device_category,
        country_code as country,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        cast(null as {{ dbt.type_string() }}) as ip_address,
        email,
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
    from mapped
)

select * from final
