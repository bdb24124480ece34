{#- One row per macro-conversion × touchpoint × rule-based attribution model: attribution_touchpoints
    with its credit columns turned into rows, for slicing attribution by model, channel and day (the
    MetricFlow metrics attributed_conversions and attributed_revenue read it). -#}
with

touchpoints as (
    select * from {{ ref('attribution_touchpoints') }}
),

credits as (
    {%- for model_name in rule_based_models() %}
    select
        conversion_key,
        touch_number,
        '{{ model_name }}' as attribution_model,
        session_key,
        user_key,
        macro_conversion,
        converted_at,
        {{ local_date('converted_at') }} as converted_date,
        channel,
        utm_campaign,
        {{ model_name }}_credit as credit,
        {{ model_name }}_credit * revenue as attributed_revenue
    from touchpoints
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        {{ dbt.concat(['conversion_key', "'-'", dbt.cast('touch_number', dbt.type_string()), "'-'", 'attribution_model']) }}
            as attribution_credit_key,
        credits.*
    from credits
)

select * from final
