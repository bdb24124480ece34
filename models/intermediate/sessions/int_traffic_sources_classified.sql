{#- One row per distinct (utm_source, utm_medium, utm_campaign, referrer_host) seen on a clean event,
    with GA4's default channel group ("[GA4] Default channel group",
    support.google.com/analytics/answer/9756891): the first rule of channel_grouping_rules (by
    rule_order) that matches. As GA4 does, untagged traffic gets a source / medium first: a link from
    another site is <referrer host> / referral, no referrer or one from our own site (var own_domains) is
    (direct) / (none), tags without a medium are <source> / (not set). The source's category comes from
    traffic_source_categories (equal, or a subdomain of a listed host). Classifying distinct combinations
    keeps the regular expressions off the event-sized tables. The classification itself is the macro
    traffic_source_classification (macros/traffic_sources.sql), shared with ad spend. -#}

with

events as (
    select
        utm_source,
        utm_medium,
        utm_campaign,
        referrer_host
    from {{ ref('int_events_validated') }}
    where row_status = 'clean'
),

traffic_sources as (
    select distinct
        coalesce(utm_source, '') as source_value,
        coalesce(utm_medium, '') as medium_value,
        coalesce(utm_campaign, '') as campaign_value,
        coalesce(referrer_host, '') as referrer_value
    from events
),

{{ traffic_source_classification('traffic_sources') }}

select * from final
