{#- One row per utm_campaign × rule-based attribution model ('(none)' for sessions without a
    campaign tag). -#}
with

touchpoints as (
    select * from {{ ref('attribution_touchpoints') }}
),

final as (
    {%- for model_name in rule_based_models() %}
    select
        coalesce(utm_campaign, '(none)') as utm_campaign,
        '{{ model_name }}' as attribution_model,
        sum({{ model_name }}_credit) as attributed_conversions,
        sum({{ model_name }}_credit * revenue) as attributed_revenue
    from touchpoints
    group by coalesce(utm_campaign, '(none)')
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from final
