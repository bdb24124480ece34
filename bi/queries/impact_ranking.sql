-- Impact ranking: which micro-conversions predict a purchase, strongest lift first.
-- In a BI tool: horizontal bars of lift, with the odds ratio interval and significance as columns.
select
    micro_conversion,
    users_with,
    macro_rate_with,
    macro_rate_without,
    lift,
    odds_ratio,
    odds_ratio_ci_low,
    odds_ratio_ci_high,
    p_value,
    q_value,
    is_significant,
    is_small_sample
from marts.micro_conversion_impact
where macro_conversion = 'purchase'
order by lift desc nulls last
