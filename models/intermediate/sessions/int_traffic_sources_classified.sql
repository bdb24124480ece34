{#- One row per distinct (utm_source, utm_medium, utm_campaign, referrer_host) seen on a clean event or
    a clean ad spend row (int_ad_spend_rows: its utm_campaign, no referrer),
    with GA4's default channel group ("[GA4] Default channel group",
    support.google.com/analytics/answer/9756891): the first rule of channel_grouping_rules (by
    rule_order) that matches. As GA4 does, untagged traffic gets a source / medium first: a link from
    another site is <referrer host> / referral, no referrer or one from our own site (var own_domains) is
    (direct) / (none), tags without a medium are <source> / (not set). The source's category comes from
    traffic_source_categories (equal, or a subdomain of a listed host). Classifying distinct combinations
    keeps the regular expressions off the event-sized tables. -#}

{%- set own_domains = var('own_domains') %}
{%- if own_domains is string %}{% set own_domains = [own_domains] %}{% endif %}

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

rules as (
    select * from {{ ref('channel_grouping_rules') }}
),

source_categories as (
    select
        lower(source) as listed_source,
        category
    from {{ ref('traffic_source_categories') }}
),

-- Ad spend is classified with the same rules (fct_ad_spend): its source / medium / campaign, no referrer.
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
        coalesce(referrer_host, '') as referrer_value
    from events
    union
    select
        coalesce(utm_source, '') as source_value,
        coalesce(utm_medium, '') as medium_value,
        coalesce(utm_campaign, '') as campaign_value,
        '' as referrer_value
    from spend
),

referrers_typed as (
    select
        traffic_sources.*,
        case
            when traffic_sources.referrer_value = '' then false
            {%- for domain in own_domains %}
            when traffic_sources.referrer_value = '{{ domain | lower }}'
                or traffic_sources.referrer_value like '%.{{ domain | lower }}' then true
            {%- endfor %}
            else false
        end as is_internal_referrer
    from traffic_sources
),

ga4_sources as (
    select
        referrers_typed.source_value,
        referrers_typed.medium_value,
        referrers_typed.campaign_value,
        referrers_typed.referrer_value,
        referrers_typed.is_internal_referrer,
        lower(referrers_typed.campaign_value) as campaign_name,
        case
            when referrers_typed.source_value != '' then referrers_typed.source_value
            when referrers_typed.medium_value != '' then '(not set)'
            when referrers_typed.referrer_value != '' and not referrers_typed.is_internal_referrer
                then referrers_typed.referrer_value
            else '(direct)'
        end as ga4_source,
        case
            when referrers_typed.medium_value != '' then referrers_typed.medium_value
            when referrers_typed.source_value != '' then '(not set)'
            when referrers_typed.referrer_value != '' and not referrers_typed.is_internal_referrer
                then 'referral'
            else '(none)'
        end as ga4_medium
    from referrers_typed
),

categorized as (
    select
        ga4_sources.*,
        source_categories.category as source_category,
        row_number() over (
            partition by
                ga4_sources.source_value, ga4_sources.medium_value,
                ga4_sources.campaign_value, ga4_sources.referrer_value
            order by length(source_categories.listed_source) desc
        ) as category_rank
    from ga4_sources
    left join source_categories
        on ga4_sources.ga4_source = source_categories.listed_source
        or ga4_sources.ga4_source like {{ dbt.concat(["'%.'", "source_categories.listed_source"]) }}
),

sources_categorized as (
    select * from categorized
    where category_rank = 1
),

matches as (
    select
        sources_categorized.source_value,
        sources_categorized.medium_value,
        sources_categorized.campaign_value,
        sources_categorized.referrer_value,
        rules.channel,
        rules.rule_order,
        row_number() over (
            partition by
                sources_categorized.source_value, sources_categorized.medium_value,
                sources_categorized.campaign_value, sources_categorized.referrer_value
            order by rules.rule_order
        ) as match_rank
    from sources_categorized
    inner join rules
        on (rules.source_pattern is null or {{ regex_match('sources_categorized.ga4_source', 'rules.source_pattern') }})
        and (rules.source_category is null or sources_categorized.source_category = rules.source_category)
        and (rules.medium_pattern is null or {{ regex_match('sources_categorized.ga4_medium', 'rules.medium_pattern') }})
        and (
            rules.campaign_pattern is null
            or {{ regex_match('sources_categorized.campaign_name', 'rules.campaign_pattern') }}
        )
),

final as (
    select
        sources_categorized.source_value,
        sources_categorized.medium_value,
        sources_categorized.campaign_value,
        sources_categorized.referrer_value,
        sources_categorized.is_internal_referrer,
        sources_categorized.ga4_source,
        sources_categorized.ga4_medium,
        sources_categorized.source_category,
        coalesce(matches.channel, 'Other') as channel,
        matches.rule_order
    from sources_categorized
    left join matches
        on sources_categorized.source_value = matches.source_value
        and sources_categorized.medium_value = matches.medium_value
        and sources_categorized.campaign_value = matches.campaign_value
        and sources_categorized.referrer_value = matches.referrer_value
        and matches.match_rank = 1
)

select * from final
