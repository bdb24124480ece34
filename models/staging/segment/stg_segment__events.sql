{#- Segment (or RudderStack) rows mapped onto the raw event contract (all text). Reads both shapes a
    Segment export comes in: the message JSON of the S3 / single-table export (messageId, anonymousId,
    context.campaign.source, properties{…}) and the warehouse tables tracks, pages and identifies
    (id, anonymous_id, context_campaign_source, property columns of the per-event tables), landed in
    folders named after the table. Track names map to canonical names through event_name_mappings
    ("Product Added" -> add_to_cart), case- and white-space-insensitively: RudderStack's SDKs send the
    e-commerce spec names in lower case ("order completed"); pages become page_view, screens
    screen_view, identifies identify. -#}

with

source as (
    select * from {{ source('segment', 'segment_events') }}
),

-- One canonical name per normalised source name, so that the join can never multiply rows.
event_name_mappings as (
    {{ event_name_mappings_of('segment', normalised=true) }}
),

country_codes as (
    {{ country_codes_by_name() }}
),

extracted as (
    select
        source._source_file,
        source._file_id,
        source._source_row,
        source._ingested_at,
        coalesce(
            lower({{ json_path_text('source.record', '$.type') }}),
            case
                when source._source_file like 'pages/%' or source._source_file like '%/pages/%' then 'page'
                when source._source_file like 'screens/%' or source._source_file like '%/screens/%' then 'screen'
                when source._source_file like 'identifies/%' or source._source_file like '%/identifies/%' then 'identify'
                else 'track'
            end
        ) as call_type,
        -- Warehouse tables hold the original name in event_text and a slug in event.
        coalesce(
            {{ json_path_text('source.record', '$.event_text') }},
            {{ json_path_text('source.record', '$.event') }}
        ) as track_event,
        coalesce(
            {{ json_path_text('source.record', '$.messageId') }},
            {{ json_path_text('source.record', '$.message_id') }},
            {{ json_path_text('source.record', '$.id') }}
        ) as message_id,
        coalesce(
            {{ json_path_text('source.record', '$.timestamp') }},
            {{ json_path_text('source.record', '$.originalTimestamp') }},
            {{ json_path_text('source.record', '$.original_timestamp') }}
        ) as event_timestamp,
        coalesce(
            {{ json_path_text('source.record', '$.anonymousId') }},
            {{ json_path_text('source.record', '$.anonymous_id') }}
        ) as anonymous_id,
        coalesce(
            {{ json_path_text('source.record', '$.userId') }},
            {{ json_path_text('source.record', '$.user_id') }}
        ) as user_id,
        coalesce(
            {{ json_path_text('source.record', '$.context.page.url') }},
            {{ json_path_text('source.record', '$.properties.url') }},
            {{ json_path_text('source.record', '$.context_page_url') }},
            {{ json_path_text('source.record', '$.url') }}
        ) as page_url,
        coalesce(
            {{ json_path_text('source.record', '$.context.page.path') }},
            {{ json_path_text('source.record', '$.properties.path') }},
            {{ json_path_text('source.record', '$.context_page_path') }},
            {{ json_path_text('source.record', '$.path') }}
        ) as page_path,
        coalesce(
            {{ json_path_text('source.record', '$.context.page.referrer') }},
            {{ json_path_text('source.record', '$.properties.referrer') }},
            {{ json_path_text('source.record', '$.context_page_referrer') }},
            {{ json_path_text('source.record', '$.referrer') }}
        ) as page_referrer,
        {%- for utm, campaign in [('source', 'source'), ('medium', 'medium'), ('campaign', 'name'), ('content', 'content'), ('term', 'term')] %}
        coalesce(
            {{ json_path_text('source.record', '$.context.campaign.' ~ campaign) }},
            {{ json_path_text('source.record', '$.context_campaign_' ~ campaign) }}
        ) as utm_{{ utm }},
        {%- endfor %}
        lower(coalesce(
            {{ json_path_text('source.record', '$.context.device.type') }},
            {{ json_path_text('source.record', '$.context_device_type') }}
        )) as device_type,
        coalesce(
            {{ json_path_text('source.record', '$.context.location.country') }},
            {{ json_path_text('source.record', '$.context_location_country') }}
        ) as location_country,
        coalesce(
            {{ json_path_text('source.record', '$.context.userAgent') }},
            {{ json_path_text('source.record', '$.context_user_agent') }}
        ) as user_agent,
        coalesce(
            {{ json_path_text('source.record', '$.context.ip') }},
            {{ json_path_text('source.record', '$.context_ip') }}
        ) as ip_address,
        coalesce(
            {{ json_path_text('source.record', '$.traits.email') }},
            {{ json_path_text('source.record', '$.context.traits.email') }},
            {{ json_path_text('source.record', '$.email') }},
            {{ json_path_text('source.record', '$.context_traits_email') }}
        ) as email,
        -- Consent Management's consent object: the category var segment_consent_analytics_category
        -- (a key other than letters, digits and _ is quoted).
        {%- set category = var('segment_consent_analytics_category') | string %}
        {%- set category_key = category if (category | replace('_', '')).isalnum() else '"' ~ category ~ '"' %}
        {{ json_path_text('source.record', '$.context.consent.categoryPreferences.' ~ category_key) }} as consent_analytics,
        coalesce(
            {{ json_path_text('source.record', '$.receivedAt') }},
            {{ json_path_text('source.record', '$.received_at') }}
        ) as received_at,
        -- Warehouse rows (no `type`) carry their properties as columns: the whole row stands for them.
        coalesce(
            {{ json_path_text('source.record', '$.properties') }},
            case when {{ json_path_text('source.record', '$.type') }} is null then source.record end
        ) as segment_properties
    from source
),

named as (
    select
        extracted.*,
        case extracted.call_type
            when 'track' then extracted.track_event
            else extracted.call_type
        end as source_event_name,
        case extracted.call_type
            when 'track' then coalesce(event_name_mappings.event_name, extracted.track_event)
            when 'page' then 'page_view'
            when 'screen' then 'screen_view'
            else extracted.call_type
        end as event_name,
        coalesce(country_codes.country_code, extracted.location_country) as country
    from extracted
    left join event_name_mappings
        on {{ event_name_key('extracted.track_event') }} = event_name_mappings.source_event_name_key
    left join country_codes
        on lower(extracted.location_country) = country_codes.country_name
),

final as (
    select
        'segment' as event_source,
        source_event_name,
        message_id as event_id,
        event_name,
        event_timestamp,
        anonymous_id,
        user_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        page_url,
        page_path,
        page_referrer,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        case when device_type in ('ios', 'android') then 'mobile' else device_type end as device_category,
        country,
        user_agent,
        ip_address,
        email,
        consent_analytics,
        {{ json_merge_text('segment_properties', json_object_text([
            ('value', 'coalesce(' ~ json_path_text('segment_properties', '$.value') ~ ', ' ~ json_path_text('segment_properties', '$.revenue') ~ ', ' ~ json_path_text('segment_properties', '$.total') ~ ', ' ~ json_path_text('segment_properties', '$.price') ~ ')'),
        ] + pii_property_removals())) }} as properties,
        received_at as loaded_at,
        _source_file,
        _file_id,
        _source_row,
        _ingested_at
    from named
)

select * from final
