{#- GA4 BigQuery export rows mapped onto the raw event contract (all text), for the shared cleaning,
    quarantine and dedupe in stg_tracking__events. The export has no event id: the custom parameter
    event_id is used when the site sends one, else a hash of the fields that identify an event, which
    are the same in events_intraday_* and in the daily table that later repeats it (so the copy counts
    once, as a duplicate). Campaign fields come from collected_traffic_source (event-scoped), then the
    event's source/medium/campaign parameters, then a gclid (google / cpc); traffic_source is the
    user's first-touch source and is used only on events of the user's first session. -#}

with

source as (
    select * from {{ source('ga4', 'ga4_events') }}
),

event_name_mappings as (
    select
        source_event_name,
        event_name
    from {{ ref('event_name_mappings') }}
    where event_source = 'ga4'
),

country_codes as (
    select
        country_name,
        country_code
    from {{ ref('country_codes') }}
),

params_listed as (
    select
        source.*,
        {{ ga4_event_params('source.record') }} as event_params
    from source
),

extracted as (
    select
        params_listed.record,
        params_listed._source_file,
        params_listed._file_id,
        params_listed._source_row,
        params_listed._ingested_at,
        params_listed.event_params,
        {{ json_path_text('params_listed.record', '$.event_name') }} as ga4_event_name,
        {{ json_path_text('params_listed.record', '$.event_timestamp') }} as event_timestamp_micros,
        {{ json_path_text('params_listed.record', '$.event_bundle_sequence_id') }} as event_bundle_sequence_id,
        {{ json_path_text('params_listed.record', '$.batch_event_index') }} as batch_event_index,
        {{ json_path_text('params_listed.record', '$.user_pseudo_id') }} as user_pseudo_id,
        {{ json_path_text('params_listed.record', '$.user_id') }} as ga4_user_id,
        {{ json_path_text('params_listed.record', '$.device.category') }} as device_category,
        {{ json_path_text('params_listed.record', '$.geo.country') }} as geo_country,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_source') }} as collected_source,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_medium') }} as collected_medium,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_campaign_name') }} as collected_campaign,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_content') }} as collected_content,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_term') }} as collected_term,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.gclid') }} as gclid,
        {{ json_path_text('params_listed.record', '$.traffic_source.source') }} as first_touch_source,
        {{ json_path_text('params_listed.record', '$.traffic_source.medium') }} as first_touch_medium,
        {{ json_path_text('params_listed.record', '$.traffic_source.name') }} as first_touch_campaign,
        {{ json_path_text('params_listed.record', '$.ecommerce.purchase_revenue') }} as purchase_revenue,
        {{ json_path_text('params_listed.record', '$.ecommerce.transaction_id') }} as transaction_id,
        {{ json_path_text('params_listed.record', '$.items[0].item_id') }} as first_item_id,
        {{ ga4_event_param('params_listed.event_params', 'event_id') }} as param_event_id,
        {{ ga4_event_param('params_listed.event_params', 'ga_session_id') }} as ga_session_id,
        {{ ga4_event_param('params_listed.event_params', 'ga_session_number') }} as ga_session_number,
        {{ ga4_event_param('params_listed.event_params', 'page_location') }} as page_location,
        {{ ga4_event_param('params_listed.event_params', 'page_referrer') }} as page_referrer,
        {{ ga4_event_param('params_listed.event_params', 'source') }} as param_source,
        {{ ga4_event_param('params_listed.event_params', 'medium') }} as param_medium,
        {{ ga4_event_param('params_listed.event_params', 'campaign') }} as param_campaign,
        {{ ga4_event_param('params_listed.event_params', 'content') }} as param_content,
        {{ ga4_event_param('params_listed.event_params', 'term') }} as param_term,
        {{ ga4_event_param('params_listed.event_params', 'value') }} as param_value,
        {{ ga4_event_param('params_listed.event_params', 'transaction_id') }} as param_transaction_id,
        {{ ga4_event_param('params_listed.event_params', 'order_id') }} as param_order_id,
        {{ ga4_event_param('params_listed.event_params', 'product_id') }} as param_product_id,
        {{ ga4_event_param('params_listed.event_params', 'scroll_percent') }} as param_scroll_percent,
        {{ ga4_event_param('params_listed.event_params', 'percent_scrolled') }} as param_percent_scrolled,
        {{ ga4_event_param('params_listed.event_params', 'seconds_on_page') }} as param_seconds_on_page,
        {{ ga4_event_param('params_listed.event_params', 'engagement_time_msec') }} as engagement_time_msec
    from params_listed
),

mapped as (
    select
        extracted.*,
        coalesce(event_name_mappings.event_name, extracted.ga4_event_name) as event_name,
        coalesce(
            extracted.param_event_id,
            {{ dbt.hash(dbt.concat([
                "coalesce(extracted.user_pseudo_id, '')", "'|'",
                "coalesce(extracted.event_timestamp_micros, '')", "'|'",
                "coalesce(extracted.ga4_event_name, '')", "'|'",
                "coalesce(extracted.event_bundle_sequence_id, '')", "'|'",
                "coalesce(extracted.batch_event_index, '')",
            ])) }}
        ) as event_id,
        extracted.ga_session_number = '1' as is_first_session,
        coalesce(country_codes.country_code, nullif(extracted.geo_country, '(not set)')) as country
    from extracted
    left join event_name_mappings
        on extracted.ga4_event_name = event_name_mappings.source_event_name
    left join country_codes
        on lower(extracted.geo_country) = country_codes.country_name
),

final as (
    select
        'ga4' as event_source,
        ga4_event_name as source_event_name,
        event_id,
        event_name,
        {{ epoch_to_iso_text('event_timestamp_micros', 'microseconds') }} as event_timestamp,
        user_pseudo_id as anonymous_id,
        ga4_user_id as user_id,
        case
            when ga_session_id is not null then {{ dbt.concat(["user_pseudo_id", "'.'", "ga_session_id"]) }}
        end as session_id,
        page_location as page_url,
        cast(null as {{ dbt.type_string() }}) as page_path,
        page_referrer,
        coalesce(
            collected_source, param_source,
            case when gclid is not null then 'google' end,
            case when is_first_session then first_touch_source end
        ) as utm_source,
        coalesce(
            collected_medium, param_medium,
            case when gclid is not null then 'cpc' end,
            case when is_first_session then first_touch_medium end
        ) as utm_medium,
        coalesce(
            collected_campaign, param_campaign,
            case when is_first_session then first_touch_campaign end
        ) as utm_campaign,
        coalesce(collected_content, param_content) as utm_content,
        coalesce(collected_term, param_term) as utm_term,
        device_category,
        country,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        cast(null as {{ dbt.type_string() }}) as ip_address,
        cast(null as {{ dbt.type_string() }}) as email,
        {{ json_merge_text(ga4_event_params_object('event_params'), json_object_text([
            ('value', 'coalesce(purchase_revenue, param_value)'),
            ('order_id', 'coalesce(transaction_id, param_transaction_id, param_order_id)'),
            ('product_id', 'coalesce(param_product_id, first_item_id)'),
            ('scroll_percent', 'coalesce(param_scroll_percent, param_percent_scrolled)'),
            ('seconds_on_page', 'coalesce(param_seconds_on_page, ' ~ dbt.cast('try_cast(engagement_time_msec as double) / 1000', dbt.type_string()) ~ ')'),
        ])) }} as properties,
        cast(null as {{ dbt.type_string() }}) as loaded_at,
        _source_file,
        _file_id,
        _source_row,
        _ingested_at
    from mapped
)

select * from final
