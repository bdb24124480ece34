{#- GA4 BigQuery export rows mapped onto the raw event contract (all text), for the shared cleaning,
    quarantine and dedupe in int_events_validated. The export has no event id: the custom parameter
    event_id is used when the site sends one, else a hash of the fields that identify an event, which
    are the same in events_intraday_* and in the daily table that later repeats it (so the copy counts
    once, as a duplicate). Campaign fields come from collected_traffic_source (event-scoped), then the
    event's source/medium/campaign parameters, then a click id (collected gclid / dclid: google / cpc;
    else one of var click_id_sources in page_location, as int_events_validated reads it). first_visit,
    session_start and the landing page_view share a timestamp and only some of them carry the source, so
    an event of a GA4 session (user_pseudo_id + ga_session_id) without campaign fields, at or before the
    session's first event that has some, takes that event's (likewise page_location and page_referrer):
    whichever of them sorts first, the session's landing event has the session's source. traffic_source
    is the user's first-touch source and is used only on events of the user's first session. A
    transaction_id of "(not set)" or '' (GA4's value for a purchase sent without one) is no order id. -#}

with

source as (
    select * from {{ source('ga4', 'ga4_events') }}
),

event_name_mappings as (
    {{ event_name_mappings_of('ga4') }}
),

country_codes as (
    {{ country_codes_by_name() }}
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
        {{ json_path_text('params_listed.record', '$.privacy_info.analytics_storage') }} as analytics_storage,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_source') }} as collected_source,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_medium') }} as collected_medium,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_campaign_name') }} as collected_campaign,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_content') }} as collected_content,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.manual_term') }} as collected_term,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.gclid') }} as gclid,
        {{ json_path_text('params_listed.record', '$.collected_traffic_source.dclid') }} as dclid,
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
        coalesce(country_codes.country_code, nullif(extracted.geo_country, '(not set)')) as country,
        cast(extracted.event_timestamp_micros as bigint) as event_micros,
        coalesce(extracted.collected_source, extracted.param_source) as own_source,
        coalesce(extracted.collected_medium, extracted.param_medium) as own_medium,
        coalesce(extracted.collected_campaign, extracted.param_campaign) as own_campaign,
        coalesce(extracted.collected_content, extracted.param_content) as own_content,
        coalesce(extracted.collected_term, extracted.param_term) as own_term,
        -- Google Ads auto-tagging as the export records it (collected gclid / dclid), else any click id
        -- of var click_id_sources in page_location.
        case
            when coalesce(extracted.gclid, extracted.dclid) is not null then 'google'
            else {{ click_id_traffic_source('extracted.page_location', 'source') }}
        end as click_source,
        case
            when coalesce(extracted.gclid, extracted.dclid) is not null then 'cpc'
            else {{ click_id_traffic_source('extracted.page_location', 'medium') }}
        end as click_medium,
        -- The first of the three that is a real id: a "(not set)" transaction_id does not hide the
        -- event's own transaction_id / order_id parameter.
        coalesce(
            case when lower(trim(extracted.transaction_id)) not in ('', '(not set)') then extracted.transaction_id end,
            case
                when lower(trim(extracted.param_transaction_id)) not in ('', '(not set)')
                    then extracted.param_transaction_id
            end,
            case when lower(trim(extracted.param_order_id)) not in ('', '(not set)') then extracted.param_order_id end
        ) as order_id
    from extracted
    left join event_name_mappings
        on extracted.ga4_event_name = event_name_mappings.source_event_name
    left join country_codes
        on lower(extracted.geo_country) = country_codes.country_name
),

sourced as (
    select
        mapped.*,
        mapped.own_source is not null
        or mapped.own_medium is not null
        or mapped.click_source is not null as has_campaign
    from mapped
),

-- The first event of each GA4 session that carries campaign fields, and the first with a referrer.
session_campaigns as (
    select
        user_pseudo_id,
        ga_session_id,
        event_micros as campaign_micros,
        own_source as session_source,
        own_medium as session_medium,
        own_campaign as session_campaign,
        own_content as session_content,
        own_term as session_term,
        click_source as session_click_source,
        click_medium as session_click_medium,
        row_number() over (
            partition by user_pseudo_id, ga_session_id
            order by event_micros, event_id
        ) as campaign_rank
    from sourced
    where ga_session_id is not null and has_campaign
),

session_referrers as (
    select
        user_pseudo_id,
        ga_session_id,
        event_micros as referrer_micros,
        page_referrer as session_referrer,
        row_number() over (
            partition by user_pseudo_id, ga_session_id
            order by event_micros, event_id
        ) as referrer_rank
    from sourced
    where ga_session_id is not null and page_referrer is not null
),

session_pages as (
    select
        user_pseudo_id,
        ga_session_id,
        event_micros as page_micros,
        page_location as session_page_location,
        row_number() over (
            partition by user_pseudo_id, ga_session_id
            order by event_micros, event_id
        ) as page_rank
    from sourced
    where ga_session_id is not null and page_location is not null
),

session_filled as (
    select
        sourced.*,
        coalesce(
            not sourced.has_campaign and sourced.event_micros <= session_campaigns.campaign_micros, false
        ) as takes_session_campaign,
        session_campaigns.session_source,
        session_campaigns.session_medium,
        session_campaigns.session_campaign,
        session_campaigns.session_content,
        session_campaigns.session_term,
        session_campaigns.session_click_source,
        session_campaigns.session_click_medium,
        coalesce(
            sourced.page_referrer,
            case when sourced.event_micros <= session_referrers.referrer_micros then session_referrers.session_referrer end
        ) as landing_referrer,
        coalesce(
            sourced.page_location,
            case when sourced.event_micros <= session_pages.page_micros then session_pages.session_page_location end
        ) as landing_page_location
    from sourced
    left join session_campaigns
        on sourced.user_pseudo_id = session_campaigns.user_pseudo_id
        and sourced.ga_session_id = session_campaigns.ga_session_id
        and session_campaigns.campaign_rank = 1
    left join session_referrers
        on sourced.user_pseudo_id = session_referrers.user_pseudo_id
        and sourced.ga_session_id = session_referrers.ga_session_id
        and session_referrers.referrer_rank = 1
    left join session_pages
        on sourced.user_pseudo_id = session_pages.user_pseudo_id
        and sourced.ga_session_id = session_pages.ga_session_id
        and session_pages.page_rank = 1
),

campaigns_chosen as (
    select
        session_filled.*,
        case
            when session_filled.has_campaign then session_filled.own_source
            when session_filled.takes_session_campaign then session_filled.session_source
        end as campaign_source,
        case
            when session_filled.has_campaign then session_filled.own_medium
            when session_filled.takes_session_campaign then session_filled.session_medium
        end as campaign_medium,
        case
            when session_filled.has_campaign then session_filled.own_campaign
            when session_filled.takes_session_campaign then session_filled.session_campaign
        end as campaign_name,
        case
            when session_filled.has_campaign then session_filled.own_content
            when session_filled.takes_session_campaign then session_filled.session_content
        end as campaign_content,
        case
            when session_filled.has_campaign then session_filled.own_term
            when session_filled.takes_session_campaign then session_filled.session_term
        end as campaign_term,
        case
            when session_filled.has_campaign then session_filled.click_source
            when session_filled.takes_session_campaign then session_filled.session_click_source
        end as campaign_click_source,
        case
            when session_filled.has_campaign then session_filled.click_medium
            when session_filled.takes_session_campaign then session_filled.session_click_medium
        end as campaign_click_medium
    from session_filled
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
        landing_page_location as page_url,
        cast(null as {{ dbt.type_string() }}) as page_path,
        landing_referrer as page_referrer,
        coalesce(
            campaign_source,
            case when campaign_medium is null then campaign_click_source end,
            case when is_first_session then first_touch_source end
        ) as utm_source,
        coalesce(
            campaign_medium,
            case when campaign_source is null then campaign_click_medium end,
            case when is_first_session then first_touch_medium end
        ) as utm_medium,
        coalesce(
            campaign_name,
            case when is_first_session then first_touch_campaign end
        ) as utm_campaign,
        campaign_content as utm_content,
        campaign_term as utm_term,
        device_category,
        country,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        cast(null as {{ dbt.type_string() }}) as ip_address,
        cast(null as {{ dbt.type_string() }}) as email,
        -- Consent mode's analytics_storage as exported: Yes / No, null without consent mode.
        analytics_storage as consent_analytics,
        {{ json_merge_text(ga4_event_params_object('event_params'), json_object_text([
            ('value', 'coalesce(purchase_revenue, param_value)'),
            ('order_id', 'order_id'),
            ('product_id', 'coalesce(param_product_id, first_item_id)'),
            ('scroll_percent', 'coalesce(param_scroll_percent, param_percent_scrolled)'),
            ('seconds_on_page', 'coalesce(param_seconds_on_page, ' ~ dbt.cast('try_cast(engagement_time_msec as double) / 1000', dbt.type_string()) ~ ')'),
        ])) }} as properties,
        cast(null as {{ dbt.type_string() }}) as loaded_at,
        _source_file,
        _file_id,
        _source_row,
        _ingested_at
    from campaigns_chosen
)

select * from final
