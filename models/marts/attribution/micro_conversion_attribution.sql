{#- One row per micro-conversion × rule-based attribution model: macro-conversions and revenue
    credited to the micro-conversions the user completed in the attribution_lookback_days before
    converting (the conversion's own event excluded). Conversions with no micro-conversion before them
    are credited to '(none)', so every model still adds up to the total. last_non_direct is a channel
    rule and does not apply here. -#}
with

conversions as (
    select * from {{ ref('fct_macro_conversions') }}
),

micro_conversions as (
    select * from {{ ref('fct_micro_conversions') }}
),

matched as (
    select
        conversions.conversion_key,
        conversions.converted_at,
        conversions.revenue,
        micro_conversions.micro_conversion,
        micro_conversions.occurred_at,
        micro_conversions.micro_conversion_key
    from conversions
    inner join micro_conversions
        on conversions.user_key = micro_conversions.user_key
        and conversions.converted_at > micro_conversions.occurred_at
        and micro_conversions.occurred_at > {{ dbt.dateadd('day', '-1 * ' ~ var('attribution_lookback_days'), 'conversions.converted_at') }}
),

unmatched as (
    select
        conversions.conversion_key,
        conversions.converted_at,
        conversions.revenue,
        '(none)' as micro_conversion,
        conversions.converted_at as occurred_at,
        conversions.conversion_key as micro_conversion_key
    from conversions
    left join matched
        on conversions.conversion_key = matched.conversion_key
    where matched.conversion_key is null
),

touchpoints as (
    select
        all_touches.*,
        row_number() over (
            partition by all_touches.conversion_key
            order by all_touches.occurred_at asc, all_touches.micro_conversion_key asc
        ) as touch_number,
        count(*) over (partition by all_touches.conversion_key) as touch_count,
        {{ seconds_between('all_touches.occurred_at', 'all_touches.converted_at') }} / 86400.0 as days_before_conversion
    from (
        select * from matched
        union all
        select * from unmatched
    ) as all_touches
),

credited as (
    select
        touchpoints.*,
        {{ rule_based_credit_columns('touchpoints.touch_number', 'touchpoints.touch_count') }},
        {{ time_decay_weight('touchpoints.days_before_conversion') }}
        / sum({{ time_decay_weight('touchpoints.days_before_conversion') }}) over (
            partition by touchpoints.conversion_key
        ) as time_decay_credit
    from touchpoints
),

final as (
    {%- for model_name in rule_based_models() if model_name != 'last_non_direct' %}
    select
        micro_conversion,
        '{{ model_name }}' as attribution_model,
        sum({{ model_name }}_credit) as attributed_conversions,
        sum({{ model_name }}_credit * revenue) as attributed_revenue
    from credited
    group by micro_conversion
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from final
