-- For every attribution model, the credited conversions equal the number of macro-conversions and the
-- credited revenue their revenue (1e-9 relative), in channel, campaign and micro-conversion attribution.
-- Shown in Dagster as a check of channel_attribution (a test reading several models needs one named).
{{ config(meta={'dagster': {'ref': {'name': 'channel_attribution'}}}) }}

with

conversions as (
    select
        count(*) as total_conversions,
        cast(sum(revenue) as double) as total_revenue
    from {{ ref('fct_macro_conversions') }}
),

channel_totals as (
    select
        'channel_attribution' as mart,
        attribution_model,
        sum(attributed_conversions) as attributed_conversions,
        sum(attributed_revenue) as attributed_revenue
    from {{ ref('channel_attribution') }}
    group by attribution_model
),

campaign_totals as (
    select
        'campaign_attribution' as mart,
        attribution_model,
        sum(attributed_conversions) as attributed_conversions,
        sum(attributed_revenue) as attributed_revenue
    from {{ ref('campaign_attribution') }}
    group by attribution_model
),

micro_conversion_totals as (
    select
        'micro_conversion_attribution' as mart,
        attribution_model,
        sum(attributed_conversions) as attributed_conversions,
        sum(attributed_revenue) as attributed_revenue
    from {{ ref('micro_conversion_attribution') }}
    group by attribution_model
),

all_totals as (
    select * from channel_totals
    union all
    select * from campaign_totals
    union all
    select * from micro_conversion_totals
),

final as (
    select
        all_totals.*,
        conversions.total_conversions,
        conversions.total_revenue
    from all_totals
    cross join conversions
    where abs(all_totals.attributed_conversions - conversions.total_conversions)
        > 1e-9 * greatest(conversions.total_conversions, 1)
        or abs(all_totals.attributed_revenue - conversions.total_revenue)
        > 1e-9 * greatest(conversions.total_revenue, 1)
)

select * from final
