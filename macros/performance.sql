{#- The body of campaign_performance and channel_performance: int_campaign_channel_daily summed per day ×
    `dimension` × attribution model, with the key `key_name`, currency, CPA, ROAS, cost per
    micro-conversion (null when the divisor is 0 or missing) and has_unmatched_spend (cost reported, no
    session). -#}
{% macro performance_mart(dimension, key_name) -%}
with

daily as (
    select * from {{ ref('int_campaign_channel_daily') }}
),

aggregated as (
    select
        date_day,
        {{ dimension }},
        attribution_model,
        sum(cost) as cost,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(micro_conversions) as bigint) as micro_conversions,
        sum(attributed_conversions) as attributed_conversions,
        sum(attributed_revenue) as attributed_revenue
    from daily
    group by date_day, {{ dimension }}, attribution_model
),

final as (
    select
        {{ dbt.concat([dbt.cast('date_day', dbt.type_string()), "'|'", dimension, "'|'", 'attribution_model']) }}
            as {{ key_name }},
        date_day,
        {{ dimension }},
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
{%- endmacro %}
