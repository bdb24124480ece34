{#- Snowplow atomic events mapped onto the raw event contract (all text). The event name is the page
    view or page ping itself, a structured event's se_action, a self-describing event's schema name
    (for Snowplow's e-commerce plugin, its action type: product_view, add_to_cart, transaction, …),
    mapped to canonical names through event_name_mappings. A self-describing event's data (or a
    structured event's se_* fields) become the properties. Timestamps without an offset are UTC, as
    Snowplow writes them. -#}

with

source as (
    select * from {{ source('snowplow', 'snowplow_events') }}
),

event_name_mappings as (
    select
        source_event_name,
        event_name
    from {{ ref('event_name_mappings') }}
    where event_source = 'snowplow'
),

extracted as (
    select
        source._source_file,
        source._file_id,
        source._source_row,
        source._ingested_at,
        {%- for column in [
            'event_id', 'event', 'event_name', 'domain_userid', 'user_id', 'domain_sessionid',
            'derived_tstamp', 'dvce_created_tstamp', 'collector_tstamp', 'load_tstamp',
            'page_url', 'page_urlpath', 'page_referrer', 'refr_urlscheme', 'refr_urlhost', 'refr_urlpath',
            'mkt_source', 'mkt_medium', 'mkt_campaign', 'mkt_content', 'mkt_term',
            'dvce_type', 'dvce_ismobile', 'geo_country', 'useragent', 'user_ipaddress',
            'se_category', 'se_action', 'se_label', 'se_property', 'se_value',
            'tr_orderid', 'tr_total', 'tr_currency', 'unstruct_event',
        ] %}
        {{ json_path_text('source.record', '$.' ~ column) }} as {{ column }},
        {%- endfor %}
        source.record
    from source
),

self_described as (
    select
        extracted.*,
        {{ json_path_text('extracted.unstruct_event', '$.data.schema') }} as event_schema,
        {{ json_path_text('extracted.unstruct_event', '$.data.data') }} as event_data
    from extracted
),

named as (
    select
        self_described.*,
        case
            when self_described.event = 'struct' then self_described.se_action
            when self_described.event = 'unstruct'
                and split_part(self_described.event_schema, '/', 2) = 'snowplow_ecommerce_action'
                then {{ json_path_text('self_described.event_data', '$.type') }}
            when self_described.event = 'unstruct'
                then coalesce(self_described.event_name, split_part(self_described.event_schema, '/', 2))
            else coalesce(self_described.event_name, self_described.event)
        end as source_event_name
    from self_described
),

mapped as (
    select
        named.*,
        coalesce(event_name_mappings.event_name, named.source_event_name) as canonical_event_name,
        case
            when named.event = 'struct' then {{ json_object_text([
                ('category', 'named.se_category'), ('action', 'named.se_action'), ('label', 'named.se_label'),
                ('property', 'named.se_property'), ('value', 'named.se_value'),
            ]) }}
            else named.event_data
        end as snowplow_properties,
        coalesce(named.derived_tstamp, named.dvce_created_tstamp, named.collector_tstamp) as snowplow_timestamp
    from named
    left join event_name_mappings
        on named.source_event_name = event_name_mappings.source_event_name
),

final as (
    select
        'snowplow' as event_source,
        source_event_name,
        event_id,
        canonical_event_name as event_name,
        {{ utc_text('snowplow_timestamp') }} as event_timestamp,
        domain_userid as anonymous_id,
        user_id,
        domain_sessionid as session_id,
        page_url,
        page_urlpath as page_path,
        coalesce(
            page_referrer,
            case
                when refr_urlhost is not null
                    then {{ dbt.concat(["coalesce(refr_urlscheme, 'https')", "'://'", "refr_urlhost", "coalesce(refr_urlpath, '/')"]) }}
            end
        ) as page_referrer,
        mkt_source as utm_source,
        mkt_medium as utm_medium,
        mkt_campaign as utm_campaign,
        mkt_content as utm_content,
        mkt_term as utm_term,
        case
            when lower(dvce_type) in ('mobile', 'phone') then 'mobile'
            when dvce_type is not null then lower(dvce_type)
            when dvce_ismobile in ('true', '1') then 'mobile'
            when dvce_ismobile in ('false', '0') then 'desktop'
        end as device_category,
        geo_country as country,
        useragent as user_agent,
        user_ipaddress as ip_address,
        cast(null as {{ dbt.type_string() }}) as email,
        {{ json_merge_text('snowplow_properties', json_object_text([
            ('value', 'coalesce(' ~ json_path_text('snowplow_properties', '$.value') ~ ', ' ~ json_path_text('snowplow_properties', '$.revenue') ~ ', ' ~ json_path_text('snowplow_properties', '$.total') ~ ', tr_total)'),
            ('order_id', 'coalesce(' ~ json_path_text('snowplow_properties', '$.order_id') ~ ', ' ~ json_path_text('snowplow_properties', '$.transaction_id') ~ ', tr_orderid)'),
            ('currency', 'coalesce(' ~ json_path_text('snowplow_properties', '$.currency') ~ ', tr_currency)'),
        ] + pii_property_removals())) }} as properties,
        {{ utc_text('coalesce(load_tstamp, collector_tstamp)') }} as loaded_at,
        _source_file,
        _file_id,
        _source_row,
        _ingested_at
    from mapped
)

select * from final
