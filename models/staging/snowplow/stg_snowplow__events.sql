{#- Snowplow atomic events mapped onto the raw event contract (all text), from any of Snowplow's
    warehouse layouts: self-describing events and entities as the JSON columns unstruct_event /
    contexts / derived_contexts, or as one column per schema version (unstruct_event_<vendor>_<name>_1,
    contexts_<vendor>_<name>_1_0_2, …; see macros/snowplow.sql).
    The event name is the page view or page ping itself, a structured event's se_action, a mobile
    screen view (a page view, the screen's name as its path), the action type of Snowplow's
    e-commerce plugin (product_view, add_to_cart, checkout_step, transaction, …) or a self-describing
    event's schema name, mapped to canonical names through event_name_mappings. A self-describing
    event's data (or a structured event's se_* fields) become the properties, with the value,
    currency and order id of the e-commerce transaction / refund entity or the legacy tr_* fields and
    the product entity's id. Identity: a web session keeps the first domain_userid it was seen with
    (the tracker may rotate it within one domain_sessionid); mobile events take user and session from
    the client_session entity. Timestamps without an offset are UTC, as Snowplow writes them. -#}

with

source as (
    select * from {{ source('snowplow', 'snowplow_events') }}
),

event_name_mappings as (
    {{ event_name_mappings_of('snowplow') }}
),

{%- set atomic_columns = [
    'event_id', 'event', 'event_name', 'platform', 'domain_userid', 'user_id', 'domain_sessionid',
    'derived_tstamp', 'dvce_created_tstamp', 'collector_tstamp', 'load_tstamp',
    'page_url', 'page_urlpath', 'page_referrer', 'refr_urlscheme', 'refr_urlhost', 'refr_urlpath',
    'refr_medium', 'mkt_source', 'mkt_medium', 'mkt_campaign', 'mkt_content', 'mkt_term',
    'dvce_type', 'dvce_ismobile', 'geo_country', 'useragent', 'user_ipaddress',
    'se_category', 'se_action', 'se_label', 'se_property', 'se_value',
    'tr_orderid', 'tr_total', 'tr_currency', 'unstruct_event', 'contexts', 'derived_contexts',
] %}
{%- set record_keys = atomic_columns + atomic_columns | map('upper') | list %}

-- Atomic columns by name, lower case or (Snowflake) upper case, from one parse of the row.
parsed as (
    select
        source.*,
        {{ snowplow_record_values('source.record', record_keys) }} as record_values,
        {{ snowplow_schema_keys('source.record') }} as schema_keys
    from source
),

extracted as (
    select
        parsed._source_file,
        parsed._file_id,
        parsed._source_row,
        parsed._ingested_at,
        {%- for column in atomic_columns %}
        coalesce(
            {{ snowplow_record_value('parsed.record_values', record_keys, column) }},
            {{ snowplow_record_value('parsed.record_values', record_keys, column | upper) }}
        ) as {{ column }},
        {%- endfor %}
        parsed.schema_keys,
        parsed.record
    from parsed
),

self_described as (
    select
        extracted.*,
        {{ json_path_text('extracted.unstruct_event', '$.data.schema') }} as event_schema,
        coalesce(
            {{ json_path_text('extracted.unstruct_event', '$.data.data') }},
            {{ json_value('extracted.record', snowplow_schema_column('extracted.schema_keys', 'unstruct_event_.+')) }}
        ) as event_data,
        {{ snowplow_entity('extracted.record', 'extracted.contexts', 'extracted.derived_contexts', 'extracted.schema_keys', 'com.snowplowanalytics.snowplow', 'client_session') }} as client_session,
        {{ snowplow_entity('extracted.record', 'extracted.contexts', 'extracted.derived_contexts', 'extracted.schema_keys', 'com.snowplowanalytics.snowplow.ecommerce', 'transaction') }} as transaction_entity,
        {{ snowplow_entity('extracted.record', 'extracted.contexts', 'extracted.derived_contexts', 'extracted.schema_keys', 'com.snowplowanalytics.snowplow.ecommerce', 'refund') }} as refund_entity,
        {{ snowplow_entity('extracted.record', 'extracted.contexts', 'extracted.derived_contexts', 'extracted.schema_keys', 'com.snowplowanalytics.snowplow.ecommerce', 'product') }} as product_entity,
        {{ snowplow_entity('extracted.record', 'extracted.contexts', 'extracted.derived_contexts', 'extracted.schema_keys', 'nl.basjes', 'yauaa_context') }} as yauaa_entity,
        {{ snowplow_entity('extracted.record', 'extracted.contexts', 'extracted.derived_contexts', 'extracted.schema_keys', 'com.snowplowanalytics.snowplow', 'ua_parser_context') }} as ua_parser_entity,
        {{ snowplow_timestamp_text('coalesce(extracted.derived_tstamp, extracted.dvce_created_tstamp, extracted.collector_tstamp)') }} as snowplow_timestamp
    from extracted
),

named as (
    select
        self_described.*,
        coalesce(split_part(self_described.event_schema, '/', 2), self_described.event_name) as schema_name,
        {{ json_path_text('self_described.event_data', '$.type') }} as ecommerce_type
    from self_described
),

renamed as (
    select
        named.*,
        case
            when named.event = 'struct' then named.se_action
            when named.schema_name = 'snowplow_ecommerce_action' then named.ecommerce_type
            when named.schema_name = 'screen_view' then 'screen_view'
            when named.event = 'unstruct' then coalesce(named.event_name, split_part(named.event_schema, '/', 2))
            else coalesce(named.event_name, named.event)
        end as source_event_name,
        case
            when named.event = 'struct' then {{ json_object_text([
                ('category', 'named.se_category'), ('action', 'named.se_action'), ('label', 'named.se_label'),
                ('property', 'named.se_property'), ('value', 'named.se_value'),
            ]) }}
            else named.event_data
        end as snowplow_properties,
        {{ json_path_text('named.product_entity', '$.price') }} as product_price,
        {{ json_path_text('named.product_entity', '$.quantity') }} as product_quantity,
        -- BigQuery and Databricks name nested fields in snake case, Snowflake keeps the schema's names.
        lower(coalesce(
            {{ json_path_text('named.yauaa_entity', '$.deviceClass') }},
            {{ json_path_text('named.yauaa_entity', '$.device_class') }}
        )) as yauaa_device_class,
        lower(coalesce(
            {{ json_path_text('named.ua_parser_entity', '$.deviceFamily') }},
            {{ json_path_text('named.ua_parser_entity', '$.device_family') }}
        )) as ua_parser_device_family,
        {{ parse_utc_timestamp('named.snowplow_timestamp') }} as snowplow_at
    from named
),

-- Snowplow's web tracker can rotate domain_userid within one domain_sessionid; its own models
-- count that as one session of one user, so the session keeps the first domain_userid seen.
identified as (
    select
        renamed.*,
        first_value(renamed.domain_userid) over (
            partition by renamed.domain_sessionid
            order by
                case when renamed.domain_userid is null then 1 else 0 end,
                renamed.snowplow_at,
                renamed._source_file,
                renamed._source_row
            rows between unbounded preceding and unbounded following
        ) as session_first_domain_userid
    from renamed
),

mapped as (
    select
        identified.*,
        coalesce(event_name_mappings.event_name, identified.source_event_name) as canonical_event_name,
        coalesce(
            {{ json_path_text('identified.snowplow_properties', '$.value') }},
            {{ json_path_text('identified.snowplow_properties', '$.revenue') }},
            {{ json_path_text('identified.snowplow_properties', '$.total') }},
            {{ json_path_text('identified.transaction_entity', '$.revenue') }},
            {{ json_path_text('identified.refund_entity', '$.refund_amount') }},
            case
                when coalesce(identified.ecommerce_type, '') not in ('add_to_cart', 'remove_from_cart') then null
                when identified.product_quantity is null or {{ safe_to_double('identified.product_quantity') }} = 1
                    then identified.product_price
                else cast({{ safe_to_double('identified.product_price') }} * {{ safe_to_double('identified.product_quantity') }} as {{ dbt.type_string() }})
            end,
            identified.tr_total
        ) as snowplow_value
    from identified
    left join event_name_mappings
        on identified.source_event_name = event_name_mappings.source_event_name
),

contract_shaped as (
    select
        'snowplow' as event_source,
        source_event_name,
        event_id,
        canonical_event_name as event_name,
        snowplow_timestamp as event_timestamp,
        coalesce(
            case when domain_sessionid is not null then session_first_domain_userid end,
            domain_userid,
            {{ json_path_text('client_session', '$.userId') }},
            {{ json_path_text('client_session', '$.user_id') }}
        ) as anonymous_id,
        user_id,
        coalesce(
            domain_sessionid,
            {{ json_path_text('client_session', '$.sessionId') }},
            {{ json_path_text('client_session', '$.session_id') }}
        ) as session_id,
        page_url,
        coalesce(
            page_urlpath,
            case when schema_name = 'screen_view' then {{ json_path_text('event_data', '$.name') }} end
        ) as page_path,
        case
            -- Snowplow's referer parser marks links from the site's own domains as internal.
            when lower(refr_medium) = 'internal' then null
            when page_referrer is not null then page_referrer
            when refr_urlhost is not null
                then {{ dbt.concat(["coalesce(refr_urlscheme, 'https')", "'://'", "refr_urlhost", "coalesce(refr_urlpath, '/')"]) }}
        end as page_referrer,
        mkt_source as utm_source,
        mkt_medium as utm_medium,
        mkt_campaign as utm_campaign,
        mkt_content as utm_content,
        mkt_term as utm_term,
        -- YAUAA's deviceClass first, then ua-parser's device family, the legacy dvce_* fields, the platform.
        case
            when yauaa_device_class in ('phone', 'mobile', 'watch') then 'mobile'
            when yauaa_device_class in ('tablet', 'ereader') then 'tablet'
            when yauaa_device_class = 'desktop' then 'desktop'
            when ua_parser_device_family = 'ipad' then 'tablet'
            when ua_parser_device_family = 'iphone' then 'mobile'
            when lower(dvce_type) in ('mobile', 'phone') then 'mobile'
            when lower(dvce_type) = 'computer' then 'desktop'
            when dvce_type is not null then lower(dvce_type)
            when dvce_ismobile in ('true', '1') then 'mobile'
            when dvce_ismobile in ('false', '0') then 'desktop'
            when platform = 'mob' then 'mobile'
        end as device_category,
        geo_country as country,
        useragent as user_agent,
        user_ipaddress as ip_address,
        cast(null as {{ dbt.type_string() }}) as email,
        -- Consent events: the basic consent_granted / consent_withdrawn and the enhanced consent
        -- plugin's consent_preferences (eventType; allow_selected grants analytics when its
        -- consentScopes name it). Other events state none; consent_carried gives them their device's.
        case
            when schema_name = 'consent_granted' then 'granted'
            when schema_name = 'consent_withdrawn' then 'denied'
            when schema_name = 'consent_preferences' then
                case
                    when {{ json_path_text('event_data', '$.eventType') }} in ('allow_all', 'implicit_consent') then 'granted'
                    when {{ json_path_text('event_data', '$.eventType') }} in ('deny_all', 'withdrawn', 'expired') then 'denied'
                    when {{ json_path_text('event_data', '$.eventType') }} = 'allow_selected' then
                        case
                            when lower({{ json_path_text('event_data', '$.consentScopes') }}) like '%"analytics"%' then 'granted'
                            else 'denied'
                        end
                end
        end as stated_consent,
        {{ json_merge_text('snowplow_properties', json_object_text([
            ('value', 'snowplow_value'),
            ('order_id', 'coalesce(' ~ json_path_text('snowplow_properties', '$.order_id') ~ ', ' ~ json_path_text('snowplow_properties', '$.transaction_id') ~ ', ' ~ json_path_text('transaction_entity', '$.transaction_id') ~ ', ' ~ json_path_text('refund_entity', '$.transaction_id') ~ ', tr_orderid)'),
            ('currency', 'coalesce(' ~ json_path_text('snowplow_properties', '$.currency') ~ ', ' ~ json_path_text('transaction_entity', '$.currency') ~ ', ' ~ json_path_text('refund_entity', '$.currency') ~ ', ' ~ json_path_text('product_entity', '$.currency') ~ ', tr_currency)'),
            ('product_id', 'coalesce(' ~ json_path_text('snowplow_properties', '$.product_id') ~ ', ' ~ json_path_text('product_entity', '$.id') ~ ')'),
        ] + pii_property_removals())) }} as properties,
        {{ snowplow_timestamp_text('coalesce(load_tstamp, collector_tstamp)') }} as loaded_at,
        snowplow_at,
        _source_file,
        _file_id,
        _source_row,
        _ingested_at
    from mapped
),

-- A consent event states its device's consent from then on: each event takes the latest statement of
-- its anonymous id at or before its time (ties included; denied when two share the instant). An event
-- without a time or an anonymous id keeps only what it states itself.
consent_stated as (
    select
        contract_shaped.*,
        max(
            case
                when contract_shaped.stated_consent is not null then contract_shaped.snowplow_at
            end
        ) over (
            partition by contract_shaped.anonymous_id
            order by contract_shaped.snowplow_at
        ) as consent_stated_at
    from contract_shaped
),

consent_carried as (
    select
        consent_stated.*,
        min(
            case
                when consent_stated.snowplow_at = consent_stated.consent_stated_at
                    then consent_stated.stated_consent
            end
        ) over (
            partition by consent_stated.anonymous_id, consent_stated.consent_stated_at
        ) as carried_consent
    from consent_stated
),

consent_chosen as (
    select
        consent_carried.*,
        case
            when consent_carried.anonymous_id is null or consent_carried.snowplow_at is null
                then consent_carried.stated_consent
            else consent_carried.carried_consent
        end as consent_analytics
    from consent_carried
),

final as (
    select {{ event_stream_columns() | join(', ') }}
    from consent_chosen
)

select * from final
