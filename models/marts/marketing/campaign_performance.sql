{#- One row per day × utm_campaign × rule-based attribution model: the campaign tag (utm_campaign,
    lower-cased; spend matched by campaign name or the campaign_name_mappings seed), over every channel it
    ran in. Cost in var reporting_currency;
    CPA = cost / attributed conversions, ROAS = attributed revenue / cost, cost per micro-conversion =
    cost / micro-conversions (null when the divisor is 0). Spend that matches no session keeps its row
    (sessions 0, has_unmatched_spend true) instead of being dropped. -#}
with

daily as (
    select * from {{ ref('int_campaign_channel_daily') }}
),

aggregated as (
    select
        date_day,
        utm_campaign,
        attribution_model,
        sum(cost) as cost,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(micro_conversions) as bigint) as micro_conversions,
        sum(attributed_conversions) as attributed_conversions,
        sum(attributed_revenue) as attributed_revenue
    from daily
    group by date_day, utm_campaign, attribution_model
),

final as (
    select
        {{ dbt.concat([dbt.cast('date_day', dbt.type_string()), "'|'", 'utm_campaign', "'|'", 'attribution_model']) }}
            as campaign_performance_key,
        date_day,
        utm_campaign,
        attribution_model,
        cost,
        '{{ var("reporting_currency") }}' as currency,
        impressions,
        clicks,
        sessions,
        micro_conversions,
        attributed_conversions,
        attributed_revenue,
        cost / nullif(attributed_conversions, 0) as cpa,
        attributed_revenue / nullif(cost, 0) as roas,
        cost / nullif(micro_conversions, 0) as cost_per_micro_conversion,
        coalesce(cost, 0) > 0 and sessions = 0 as has_unmatched_spend
    from aggregated
)

select * from final
