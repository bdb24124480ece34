{#- One row per macro-conversion × touchpoint. Touchpoints are the converting user's sessions that
    started after converted_at minus attribution_lookback_days (a session exactly at the boundary is
    outside) and up to the conversion, the converting session included, ordered by start. One credit
    column per rule-based model; each sums to 1 per conversion. -#}
with

conversions as (
    select * from {{ ref('fct_macro_conversions') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

touchpoints as (
    select
        conversions.conversion_key,
        conversions.user_key,
        conversions.macro_conversion,
        conversions.converted_at,
        conversions.revenue,
        sessions.session_key,
        sessions.started_at,
        sessions.channel,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        row_number() over (
            partition by conversions.conversion_key
            order by sessions.started_at asc, sessions.session_key asc
        ) as touch_number,
        count(*) over (partition by conversions.conversion_key) as touch_count
    from conversions
    inner join sessions
        on conversions.user_key = sessions.user_key
        and conversions.converted_at >= sessions.started_at
        and sessions.started_at > {{ dbt.dateadd('day', '-1 * ' ~ var('attribution_lookback_days'), 'conversions.converted_at') }}
),

positioned as (
    select
        touchpoints.*,
        max(case when touchpoints.channel != 'Direct' then touchpoints.touch_number end) over (
            partition by touchpoints.conversion_key
        ) as last_non_direct_touch,
        {{ seconds_between('touchpoints.started_at', 'touchpoints.converted_at') }} / 86400.0 as days_before_conversion
    from touchpoints
),

final as (
    select
        conversion_key,
        session_key,
        touch_number,
        touch_count,
        user_key,
        macro_conversion,
        converted_at,
        revenue,
        started_at,
        days_before_conversion,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        {{ rule_based_credit_columns('touch_number', 'touch_count', 'last_non_direct_touch') }},
        {{ time_decay_weight('days_before_conversion') }}
        / sum({{ time_decay_weight('days_before_conversion') }}) over (partition by conversion_key) as time_decay_credit
    from positioned
)

select * from final
