{#- One row per day × channel × utm_campaign × rule-based attribution model with spend or sessions: what
    campaign_performance and channel_performance add up. Spend is dated by its report day; sessions and
    micro-conversions by the session's start day; attributed conversions and revenue by the day of the
    credited touchpoint session, as Google Ads' `Conversions` column counts a conversion on the day of
    the ad interaction (metrics.conversions, against metrics.conversions_by_conversion_date), so that a
    day's cost meets the conversions its clicks brought. A session without a campaign tag has
    utm_campaign '(not set)', as GA4 reports it. Data-driven models (markov, shapley) are computed over
    whole paths, not days: see channel_attribution. -#}
{%- set models = rule_based_models() %}
with

spend as (
    select * from {{ ref('fct_ad_spend') }}
),

sessions as (
    select
        session_key,
        session_date,
        channel,
        coalesce(lower(utm_campaign), '(not set)') as utm_campaign
    from {{ ref('fct_sessions') }}
),

micro_conversions as (
    select session_key from {{ ref('fct_micro_conversions') }}
),

credits as (
    select * from {{ ref('attribution_credits') }}
),

spend_daily as (
    select
        spend_date as date_day,
        channel,
        utm_campaign,
        sum(cost) as cost,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks
    from spend
    group by spend_date, channel, utm_campaign
),

sessions_daily as (
    select
        session_date as date_day,
        channel,
        utm_campaign,
        count(*) as sessions
    from sessions
    group by session_date, channel, utm_campaign
),

micro_conversions_daily as (
    select
        sessions.session_date as date_day,
        sessions.channel,
        sessions.utm_campaign,
        count(*) as micro_conversions
    from micro_conversions
    inner join sessions
        on micro_conversions.session_key = sessions.session_key
    group by sessions.session_date, sessions.channel, sessions.utm_campaign
),

credits_daily as (
    select
        sessions.session_date as date_day,
        sessions.channel,
        sessions.utm_campaign,
        credits.attribution_model,
        sum(credits.credit) as attributed_conversions,
        sum(credits.attributed_revenue) as attributed_revenue
    from credits
    inner join sessions
        on credits.session_key = sessions.session_key
    group by sessions.session_date, sessions.channel, sessions.utm_campaign, credits.attribution_model
),

keys as (
    select
        date_day,
        channel,
        utm_campaign
    from spend_daily
    union
    select
        date_day,
        channel,
        utm_campaign
    from sessions_daily
),

attribution_models as (
    {%- for model_name in models %}
    select '{{ model_name }}' as attribution_model
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        keys.date_day,
        keys.channel,
        keys.utm_campaign,
        attribution_models.attribution_model,
        spend_daily.cost,
        spend_daily.impressions,
        spend_daily.clicks,
        coalesce(sessions_daily.sessions, 0) as sessions,
        coalesce(micro_conversions_daily.micro_conversions, 0) as micro_conversions,
        coalesce(credits_daily.attributed_conversions, 0) as attributed_conversions,
        coalesce(credits_daily.attributed_revenue, 0) as attributed_revenue
    from keys
    cross join attribution_models
    left join spend_daily
        on keys.date_day = spend_daily.date_day
        and keys.channel = spend_daily.channel
        and keys.utm_campaign = spend_daily.utm_campaign
    left join sessions_daily
        on keys.date_day = sessions_daily.date_day
        and keys.channel = sessions_daily.channel
        and keys.utm_campaign = sessions_daily.utm_campaign
    left join micro_conversions_daily
        on keys.date_day = micro_conversions_daily.date_day
        and keys.channel = micro_conversions_daily.channel
        and keys.utm_campaign = micro_conversions_daily.utm_campaign
    left join credits_daily
        on keys.date_day = credits_daily.date_day
        and keys.channel = credits_daily.channel
        and keys.utm_campaign = credits_daily.utm_campaign
        and attribution_models.attribution_model = credits_daily.attribution_model
)

select * from final
