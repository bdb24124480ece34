{#- Rule-based attribution credits (SPEC §4) for one touchpoint, given its 1-based position, the
    number of touchpoints of its conversion, the position of the last non-Direct touch (or null) and
    its time-decay weight normalised over the conversion (computed by the caller). -#}
{% macro rule_based_credit_columns(touch_number, touch_count, last_non_direct_touch=none) -%}
        cast(case when {{ touch_number }} = 1 then 1 else 0 end as double) as first_touch_credit,
        cast(case when {{ touch_number }} = {{ touch_count }} then 1 else 0 end as double) as last_touch_credit,
        {%- if last_non_direct_touch is not none %}
        cast(
            case when {{ touch_number }} = coalesce({{ last_non_direct_touch }}, {{ touch_count }}) then 1 else 0 end
            as double
        ) as last_non_direct_credit,
        {%- endif %}
        cast(1 as double) / {{ touch_count }} as linear_credit,
        {#- Doubles on every engine: Spark types 0.2 / n as a 22-digit decimal. -#}
        case
            when {{ touch_count }} = 1 then cast(1 as double)
            when {{ touch_count }} = 2 then cast(0.5 as double)
            when {{ touch_number }} = 1 or {{ touch_number }} = {{ touch_count }} then cast(0.4 as double)
            else cast(0.2 as double) / ({{ touch_count }} - 2)
        end as position_based_credit
{%- endmacro %}

{#- Unnormalised time-decay weight 2^(-days / half-life) of a touch `days_before` days before the conversion. -#}
{% macro time_decay_weight(days_before) -%}
    power(2.0, -cast(1 as double) * ({{ days_before }}) / {{ var('time_decay_half_life_days') }})
{%- endmacro %}

{#- The rule-based models of attribution_touchpoints, in mart order. -#}
{% macro rule_based_models() -%}
    {{ return(['first_touch', 'last_touch', 'last_non_direct', 'linear', 'position_based', 'time_decay']) }}
{%- endmacro %}

{#- True for the touches a path keeps under the attribution_path_transform var: `exposure` drops a
    touch on the same channel as the previous one, `unique` (alias `first`, fractribution's name)
    keeps each channel's first touch, `none` keeps all. -#}
{% macro path_transform_keep(partition_expression, order_expression, channel_expression) -%}
    {%- set transform = var('attribution_path_transform') %}
    {%- if transform not in ['exposure', 'unique', 'first', 'none'] %}
    {{ exceptions.raise_compiler_error("attribution_path_transform must be exposure, unique, first or none, not " ~ transform) }}
    {%- endif %}
    {%- if transform == 'none' -%}
    true
    {%- elif transform in ['unique', 'first'] -%}
    row_number() over (
        partition by {{ partition_expression }}, {{ channel_expression }} order by {{ order_expression }}
    ) = 1
    {%- else -%}
    coalesce(
        {{ channel_expression }} != lag({{ channel_expression }}) over (
            partition by {{ partition_expression }} order by {{ order_expression }}
        ),
        true
    )
    {%- endif -%}
{%- endmacro %}
