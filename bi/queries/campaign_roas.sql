-- Campaign ROAS: cost, attributed revenue, ROAS and CPA per campaign over the whole period, under the
-- last non-direct click model (change the filter to compare models). In a BI tool: a table sorted by
-- cost, or bars of ROAS per campaign; unmatched spend marks campaigns whose clicks carry no tags.
select
    utm_campaign,
    sum(cost) as cost,
    sum(sessions) as sessions,
    sum(micro_conversions) as micro_conversions,
    sum(attributed_conversions) as attributed_conversions,
    sum(attributed_revenue) as attributed_revenue,
    sum(attributed_revenue) / nullif(sum(cost), 0) as roas,
    sum(cost) / nullif(sum(attributed_conversions), 0) as cpa,
    sum(cost) / nullif(sum(micro_conversions), 0) as cost_per_micro_conversion,
    bool_or(has_unmatched_spend) as has_unmatched_spend
from marts.campaign_performance
where attribution_model = 'last_non_direct'
group by utm_campaign
having sum(cost) > 0
order by cost desc
