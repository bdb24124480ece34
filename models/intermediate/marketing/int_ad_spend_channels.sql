{#- One row per distinct utm_source × utm_medium × utm_campaign of clean ad spend (int_ad_spend_rows),
    with GA4's default channel group by the same rules as sessions (macro
    traffic_source_classification: channel_grouping_rules, traffic_source_categories; no referrer), so
    that Google Ads spend and `google / cpc` sessions both land in Paid Search. Apart from
    int_traffic_sources_classified so that spend never touches the incremental event models. -#}
with

spend as (
    select
        utm_source,
        utm_medium,
        utm_campaign
    from {{ ref('int_ad_spend_rows') }}
    where row_status = 'clean'
),

traffic_sources as (
    select distinct
        coalesce(utm_source, '') as source_value,
        coalesce(utm_medium, '') as medium_value,
        coalesce(utm_campaign, '') as campaign_value,
        '' as referrer_value
    from spend
),

{{ traffic_source_classification('traffic_sources') }}

select * from final
