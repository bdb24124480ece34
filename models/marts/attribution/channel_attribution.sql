{#- One row per channel × attribution model: the six rule-based models aggregated from
    attribution_touchpoints and the Markov and Shapley models over the transformed paths. Every
    model's conversions add up to the total conversions and its revenue to the total revenue. -#}
with

touchpoints as (
    select * from {{ ref('attribution_touchpoints') }}
),

data_driven as (
    select * from {{ ref('int_attribution_data_driven') }}
),

rule_based as (
    {%- for model_name in rule_based_models() %}
    select
        channel,
        '{{ model_name }}' as attribution_model,
        sum({{ model_name }}_credit) as attributed_conversions,
        sum({{ model_name }}_credit * revenue) as attributed_revenue,
        cast(null as double) as removal_effect
    from touchpoints
    group by channel
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

credited as (
    select * from rule_based
    union all
    select
        channel,
        attribution_model,
        attributed_conversions,
        attributed_revenue,
        removal_effect
    from data_driven
),

channels as (
    select distinct channel from credited
),

models as (
    select distinct attribution_model from credited
),

totals as (
    select
        count(distinct conversion_key) as total_conversions,
        sum(case when touch_number = 1 then revenue else 0 end) as total_revenue
    from touchpoints
),

final as (
    select
        channels.channel,
        models.attribution_model,
        coalesce(credited.attributed_conversions, 0) as attributed_conversions,
        coalesce(credited.attributed_revenue, 0) as attributed_revenue,
        coalesce(credited.attributed_conversions, 0) / nullif(totals.total_conversions, 0) as conversion_share,
        credited.removal_effect
    from channels
    cross join models
    cross join totals
    left join credited
        on channels.channel = credited.channel
        and models.attribution_model = credited.attribution_model
)

select * from final
