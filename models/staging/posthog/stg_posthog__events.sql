{#- PostHog events export rows (the events model of a batch export or file download export:
    uuid, event, distinct_id, person_id, properties, person_properties, elements_chain, timestamp,
    created_at; posthog.com/docs/cdp/batch-exports/s3) mapped onto the raw event contract (all text).
    - properties is a nested object in JSON lines and a JSON-encoded string in Parquet (and in the
      warehouse destinations): both read the same. Timestamps are ISO 8601 text in JSON lines and
      offset-less UTC timestamps in Parquet; the latter are marked as UTC.
    - The event id is uuid, PostHog's event id; its own dedupe on it is not guaranteed (ClickHouse
      merges, posthog.com/docs/data/ingestion-warnings), so an export can repeat one: validation keeps
      the first copy.
    - Identity (posthog.com/docs/product-analytics/identify): an anonymous visitor's distinct_id is
      the SDK's anonymous id, and posthog-js sends the same device id as $device_id on every event;
      identify() sends an $identify event whose distinct_id is the user and whose $anon_distinct_id is
      the anonymous id PostHog merges into that person; alias() sends $create_alias, merging
      properties.alias and distinct_id into one person. So the device (anonymous_id) is $device_id,
      else $anon_distinct_id, else an anonymous distinct_id; the user (user_id) is the distinct_id of
      an $identify or $create_alias event, of an event posthog-js marks $is_identified, or of one whose
      distinct_id is not its $device_id (server-side SDKs send no $device_id: their distinct_id is the
      user). On $create_alias the other id, properties.alias, is the device, except when posthog-js
      aliases while still anonymous (distinct_id = $device_id): then alias is the user.
      int_users_stitched then gives the device's anonymous events, before and after the login, to
      that user: PostHog's person merge.
    - Sessions are $session_id (posthog.com/docs/data/sessions); $referrer "$direct" means none;
      the device category is $device_type (Desktop, Mobile, Tablet); the country $geoip_country_code;
      the e-mail the person property email in $set; value is value, else the e-commerce spec's
      revenue, total or price (posthog.com/docs/data/event-spec/ecommerce-events).
    - $set and $set_once (person updates, not event properties), $ip and $raw_user_agent are removed
      from properties. Event names map through event_name_mappings case- and white-space-insensitively;
      $identify, $autocapture, $feature_flag_called and other names without a row stay events. -#}

with

source as (
    select * from {{ source('posthog', 'posthog_events') }}
),

-- One canonical name per normalised source name, so that the join can never multiply rows.
event_name_mappings as (
    {{ event_name_mappings_of('posthog', normalised=true) }}
),

records as (
    select
        source._source_file,
        source._file_id,
        source._source_row,
        source._ingested_at,
        {{ json_path_text('source.record', '$.uuid') }} as event_uuid,
        {{ json_path_text('source.record', '$.event') }} as posthog_event,
        nullif({{ json_path_text('source.record', '$.distinct_id') }}, '') as distinct_id,
        {{ json_path_text('source.record', '$.timestamp') }} as event_time,
        {{ json_path_text('source.record', '$.created_at') }} as created_at,
        -- An object's JSON text, or the text of a JSON-encoded string: the same properties either way.
        {{ json_path_text('source.record', '$.properties') }} as raw_properties
    from source
),

-- Only an object is read: malformed text passes unchanged to properties, for validation to quarantine.
checked as (
    select
        records.*,
        {{ is_json_object('records.raw_properties') }} as has_properties,
        case when {{ is_json_object('records.raw_properties') }} then records.raw_properties end as properties_text
    from records
),

extracted as (
    select
        {%- for column, key in [
            ('device_id', '"$device_id"'), ('anon_distinct_id', '"$anon_distinct_id"'),
            ('alias_id', 'alias'), ('is_identified', '"$is_identified"'), ('posthog_session_id', '"$session_id"'),
            ('current_url', '"$current_url"'), ('pathname', '"$pathname"'), ('referrer', '"$referrer"'),
            ('utm_source', 'utm_source'), ('utm_medium', 'utm_medium'), ('utm_campaign', 'utm_campaign'),
            ('utm_content', 'utm_content'), ('utm_term', 'utm_term'),
            ('device_type', '"$device_type"'), ('country_code', '"$geoip_country_code"'),
            ('raw_user_agent', '"$raw_user_agent"'), ('ip', '"$ip"'), ('set_email', '"$set".email'),
        ] %}
        nullif({{ json_path_text('checked.properties_text', '$.' ~ key) }}, '') as {{ column }},
        {%- endfor %}
        checked.*
    from checked
),

identified as (
    select
        extracted.*,
        extracted.distinct_id is not null
        and (
            coalesce(extracted.posthog_event in ('$identify', '$create_alias'), false)
            or lower(extracted.is_identified) = 'true'
            or (
                extracted.is_identified is null
                and extracted.distinct_id <> coalesce(extracted.device_id, '')
            )
        ) as is_user_distinct_id,
        -- posthog-js alias(alias) while still anonymous: distinct_id is the device's, alias the user's.
        case
            when
                extracted.posthog_event = '$create_alias'
                and (extracted.distinct_id = extracted.device_id or lower(extracted.is_identified) = 'false')
                then extracted.alias_id
        end as alias_user_id
    from extracted
),

final as (
    select
        'posthog' as event_source,
        identified.posthog_event as source_event_name,
        identified.event_uuid as event_id,
        coalesce(event_name_mappings.event_name, identified.posthog_event) as event_name,
        -- Text that does not parse passes unchanged, for staging's validation to quarantine.
        case when identified.event_time is not null then {{ utc_text('identified.event_time') }} end as event_timestamp,
        coalesce(
            case when identified.posthog_event = '$create_alias' and identified.alias_user_id is null then identified.alias_id end,
            identified.device_id,
            identified.anon_distinct_id,
            case when identified.alias_user_id is not null or not identified.is_user_distinct_id then identified.distinct_id end
        ) as anonymous_id,
        coalesce(
            identified.alias_user_id,
            case when identified.is_user_distinct_id then identified.distinct_id end
        ) as user_id,
        identified.posthog_session_id as session_id,
        identified.current_url as page_url,
        identified.pathname as page_path,
        case when identified.referrer <> '$direct' then identified.referrer end as page_referrer,
        identified.utm_source,
        identified.utm_medium,
        identified.utm_campaign,
        identified.utm_content,
        identified.utm_term,
        lower(identified.device_type) as device_category,
        identified.country_code as country,
        identified.raw_user_agent as user_agent,
        identified.ip as ip_address,
        identified.set_email as email,
        -- PostHog documents no per-event consent field: opt_out_capturing() stops all capture.
        cast(null as {{ dbt.type_string() }}) as consent_analytics,
        case when identified.has_properties then {{ json_merge_text('identified.properties_text', json_object_text([
            ('value', 'coalesce(' ~ json_path_text('identified.properties_text', '$.value') ~ ', ' ~ json_path_text('identified.properties_text', '$.revenue') ~ ', ' ~ json_path_text('identified.properties_text', '$.total') ~ ', ' ~ json_path_text('identified.properties_text', '$.price') ~ ')'),
            ('$set', 'null'), ('$set_once', 'null'), ('$raw_user_agent', 'null'),
        ] + pii_property_removals())) }} else identified.raw_properties end as properties,
        case when identified.created_at is not null then {{ utc_text('identified.created_at') }} end as loaded_at,
        identified._source_file,
        identified._file_id,
        identified._source_row,
        identified._ingested_at
    from identified
    left join event_name_mappings
        on {{ event_name_key('identified.posthog_event') }} = event_name_mappings.source_event_name_key
)

select * from final
