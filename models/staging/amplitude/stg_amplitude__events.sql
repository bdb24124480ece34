{#- Amplitude export rows (one event object per line of the hourly .json.gz files of the Export API's
    zip, or of the Amazon S3 / Google Cloud Storage export; amplitude.com/docs/apis/analytics/export)
    mapped onto the raw event contract (all text).
    - event_time ("2026-03-02 14:00:00.123000", UTC without an offset: "The Export API returns events
      timestamped in UTC") is written as ISO-8601 UTC; client_event_time when it is missing.
    - The event id follows Amplitude's dedupe rule (amplitude.com/docs/apis/analytics/http-v2,
      insert_id: a later event with the same insert_id on the same device_id is ignored): the
      $insert_id while it names one device's event, a hash of device_id and $insert_id when different
      devices send the same $insert_id, else the row's uuid (Amplitude's id of each stored event).
    - The device is device_id, the user user_id; the session is session_id (the session's start in
      milliseconds since the epoch, per device), none when it is -1 (an event sent outside a session,
      amplitude.com/docs/data/sources/instrument-track-sessions).
    - Pages come from the Browser SDK's page properties (amplitude.com/docs/get-started/event-property-definitions):
      [Amplitude] Page Location (with its query string, for click ids) or Page URL, Page Path; the
      referrer is [Amplitude] Previous Page Location when [Amplitude] Previous Page Type is external,
      else an event property `referrer`.
    - Campaigns: utm_* event properties (Browser SDK 2.45+ writes attribution on events), else the
      utm_* user properties the event carries (the user's attribution when it happened).
    - Revenue (amplitude.com/docs/sdks/analytics/browser/browser-sdk-2, revenue tracking): $revenue,
      else $price x $quantity (1 when absent), else an event property `value`; $productId or
      product_id; currency or $currency.
    - country is a country name (United States), turned into an ISO code with the seed country_codes;
      the device category is read from device_type / device_family, platform and os_name (which names
      the browser for web events: Chrome, Mobile Safari).
    - Event names map through event_name_mappings exactly (Amplitude event types are case-sensitive). -#}

with

source as (
    select * from {{ source('amplitude', 'amplitude_events') }}
),

-- One canonical name per Amplitude event type, so that the join can never multiply rows.
event_name_mappings as (
    {{ event_name_mappings_of('amplitude') }}
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
        {%- for column, path in [
            ('amplitude_event_type', '$.event_type'), ('amplitude_uuid', '$.uuid'),
            ('event_time', '$.event_time'), ('client_event_time', '$.client_event_time'),
            ('server_upload_time', '$.server_upload_time'), ('device_id', '$.device_id'),
            ('amplitude_user_id', '$.user_id'), ('amplitude_session_id', '$.session_id'),
            ('platform', '$.platform'), ('os_name', '$.os_name'), ('device_type', '$.device_type'),
            ('device_family', '$.device_family'), ('country_name', '$.country'), ('ip_address', '$.ip_address'),
            ('event_properties', '$.event_properties'), ('user_properties', '$.user_properties'),
        ] %}
        {{ json_path_text('source.record', path) }} as {{ column }},
        {%- endfor %}
        -- A key starting with '$' needs the quoted (DuckDB) or bracket (Spark) path form.
        {{ json_member_text('source.record', '$insert_id') }} as amplitude_insert_id,
        source.record
    from source
),

properties_read as (
    select
        {%- for column, key in [
            ('page_location', '[Amplitude] Page Location'), ('page_url_only', '[Amplitude] Page URL'),
            ('page_path', '[Amplitude] Page Path'), ('previous_page_location', '[Amplitude] Previous Page Location'),
            ('previous_page_type', '[Amplitude] Previous Page Type'), ('event_referrer', 'referrer'),
            ('event_utm_source', 'utm_source'), ('event_utm_medium', 'utm_medium'),
            ('event_utm_campaign', 'utm_campaign'), ('event_utm_content', 'utm_content'),
            ('event_utm_term', 'utm_term'), ('revenue', '$revenue'), ('revenue_price', '$price'),
            ('revenue_quantity', '$quantity'), ('revenue_product_id', '$productId'), ('product_id', 'product_id'),
            ('event_value', 'value'), ('event_currency', 'currency'), ('revenue_currency', '$currency'),
            ('event_email', 'email'),
        ] %}
        {{ json_member_text('extracted.event_properties', key) }} as {{ column }},
        {%- endfor %}
        {%- for column, key in [
            ('user_utm_source', 'utm_source'), ('user_utm_medium', 'utm_medium'),
            ('user_utm_campaign', 'utm_campaign'), ('user_utm_content', 'utm_content'),
            ('user_utm_term', 'utm_term'), ('user_email', 'email'),
        ] %}
        {{ json_member_text('extracted.user_properties', key) }} as {{ column }},
        {%- endfor %}
        extracted.*
    from extracted
),

mapped as (
    select
        properties_read.*,
        {{ safe_to_double('properties_read.revenue_price') }} * coalesce({{ safe_to_double('properties_read.revenue_quantity') }}, 1)
            as price_times_quantity,
        coalesce(event_name_mappings.event_name, properties_read.amplitude_event_type) as event_name,
        country_codes.country_code,
        lower(coalesce(properties_read.device_type, properties_read.device_family, '')) as device_name
    from properties_read
    left join event_name_mappings
        on properties_read.amplitude_event_type = event_name_mappings.source_event_name
    left join country_codes
        on lower(trim(properties_read.country_name)) = country_codes.country_name
),

-- An $insert_id sent from different devices names different events (Amplitude dedupes per device).
keyed as (
    select
        mapped.*,
        mapped.amplitude_insert_id is not null
        and min(coalesce(mapped.device_id, '')) over (partition by mapped.amplitude_insert_id)
        <> max(coalesce(mapped.device_id, '')) over (partition by mapped.amplitude_insert_id) as is_shared_insert_id
    from mapped
),

final as (
    select
        'amplitude' as event_source,
        amplitude_event_type as source_event_name,
        case
            when amplitude_insert_id is null then amplitude_uuid
            when is_shared_insert_id then {{ dbt.hash(dbt.concat(["coalesce(device_id, '')", "'|'", 'amplitude_insert_id'])) }}
            else amplitude_insert_id
        end as event_id,
        event_name,
        {{ amplitude_time_to_iso_text('coalesce(event_time, client_event_time)') }} as event_timestamp,
        device_id as anonymous_id,
        amplitude_user_id as user_id,
        case when amplitude_session_id <> '-1' then amplitude_session_id end as session_id,
        coalesce(page_location, page_url_only) as page_url,
        page_path,
        coalesce(
            case when lower(previous_page_type) = 'external' then previous_page_location end,
            event_referrer
        ) as page_referrer,
        coalesce(event_utm_source, user_utm_source) as utm_source,
        coalesce(event_utm_medium, user_utm_medium) as utm_medium,
        coalesce(event_utm_campaign, user_utm_campaign) as utm_campaign,
        coalesce(event_utm_content, user_utm_content) as utm_content,
        coalesce(event_utm_term, user_utm_term) as utm_term,
        -- Web events name the operating system in device_type / device_family (Windows, Mac OS X,
        -- Apple iPhone) and the browser in os_name; app events the model and ios / android.
        case
            when device_name like '%ipad%' or device_name like '%tablet%' then 'tablet'
            when device_name like '%iphone%' or device_name like '%android%' or device_name like '%phone%' then 'mobile'
            when lower(platform) in ('ios', 'android') or lower(os_name) in ('ios', 'android') then 'mobile'
            when lower(os_name) like '%mobile%' then 'mobile'
            when device_name in ('windows', 'mac', 'mac os x', 'macos', 'linux', 'ubuntu', 'chrome os') then 'desktop'
        end as device_category,
        coalesce(country_code, country_name) as country,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        ip_address,
        coalesce(event_email, user_email) as email,
        -- Amplitude's export documents no per-event consent field (opted-out devices send nothing).
        cast(null as {{ dbt.type_string() }}) as consent_analytics,
        {{ json_merge_text('event_properties', json_object_text([
            ('value', 'coalesce(revenue, cast(price_times_quantity as ' ~ dbt.type_string() ~ '), event_value)'),
            ('product_id', 'coalesce(revenue_product_id, product_id)'),
            ('currency', 'coalesce(event_currency, revenue_currency)'),
        ] + pii_property_removals())) }} as properties,
        case
            when server_upload_time is not null then {{ amplitude_time_to_iso_text('server_upload_time') }}
        end as loaded_at,
        _source_file,
        _file_id,
        _source_row,
        _ingested_at
    from keyed
)

select * from final
