{#- One row per day × channel × rule-based attribution model: GA4's default channel group (spend
    classified by its platform's source / medium, the ad_platforms seed). Cost in var reporting_currency;
    CPA = cost / attributed conversions, ROAS = attributed revenue / cost, cost per micro-conversion =
    cost / micro-conversions (null when the divisor is 0). Spend that matches no session keeps its row
    (sessions 0, has_unmatched_spend true) instead of being dropped. -#}
{{ performance_mart('channel', 'channel_performance_key') }}
