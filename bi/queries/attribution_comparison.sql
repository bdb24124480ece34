-- Attribution comparison: conversions credited to each channel by every attribution model.
-- In a BI tool: grouped bars, x = channel, colour = attribution_model.
select
    channel,
    attribution_model,
    attributed_conversions,
    attributed_revenue,
    attributed_conversions / sum(attributed_conversions) over (partition by attribution_model)
        as share_of_conversions
from marts.channel_attribution
order by channel, attribution_model
