{#- One row per day × utm_campaign × rule-based attribution model: the campaign tag (utm_campaign,
    lower-cased; spend matched by campaign name or the campaign_name_mappings seed), over every channel it
    ran in. Cost in var reporting_currency;
    CPA = cost / attributed conversions, ROAS = attributed revenue / cost, cost per micro-conversion =
    cost / micro-conversions (null when the divisor is 0). Spend that matches no session keeps its row
    (sessions 0, has_unmatched_spend true) instead of being dropped. -#}
{{ performance_mart('utm_campaign', 'campaign_performance_key') }}
