{#- Rule-based attribution credits (docs/statistics.md, "Attribution models") for one touchpoint, given its 1-based position, the
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

{#- The attribution_path_transform var as a list of steps applied in order: one name or a list of
    them. Names and meanings are Google fractribution's (templates/path_transforms.sql) and Snowplow
    attribution's (snowplow__path_transforms): `unique` leaves the path unchanged, `exposure` collapses
    consecutive repeats, `first` keeps each channel's first occurrence, `frequency` keeps each channel's
    first occurrence labelled with its count (`Email(2)`), `remove_if_not_all(<channel>)` drops every
    touch on that channel unless the path has nothing else, `remove_if_last_and_not_all(<channel>)`
    drops the trailing run of that channel unless the path has nothing else. Returns a list of
    {'name': …, 'channel': … or none}. -#}
{% macro path_transform_steps() -%}
    {%- set configured = var('attribution_path_transform') %}
    {%- set entries = [configured] if configured is string else configured %}
    {%- set steps = [] %}
    {%- for entry in entries %}
        {%- set entry = entry | string | trim %}
        {%- if entry in ['unique', 'exposure', 'first', 'frequency'] %}
            {%- do steps.append({'name': entry, 'channel': none}) %}
        {%- elif (entry.startswith('remove_if_not_all(') or entry.startswith('remove_if_last_and_not_all('))
            and entry.endswith(')') and entry.split('(', 1)[1][:-1] | trim != '' %}
            {%- do steps.append({'name': entry.split('(', 1)[0], 'channel': entry.split('(', 1)[1][:-1] | trim}) %}
        {%- else %}
            {{ exceptions.raise_compiler_error(
                "attribution_path_transform entries must be unique, exposure, first, frequency, "
                ~ "remove_if_not_all(<channel>) or remove_if_last_and_not_all(<channel>), not " ~ entry
            ) }}
        {%- endif %}
    {%- endfor %}
    {%- if not steps %}
        {%- do steps.append({'name': 'unique', 'channel': none}) %}
    {%- endif %}
    {{ return(steps) }}
{%- endmacro %}

{#- CTEs applying the attribution_path_transform steps to `input_cte` (columns `partition_column`,
    touch_number, channel: one row per touch), one CTE per step, the last named
    transformed_touchpoints (same columns; touch_number keeps the original order, with gaps). Written
    before `final`-side CTEs; ends with a comma. -#}
{% macro path_transform_ctes(input_cte, partition_column) -%}
    {%- set previous = namespace(name=input_cte) %}
    {%- for step in path_transform_steps() %}
    {%- set cte = 'path_transform_step_' ~ loop.index %}
    {%- set channel_literal = "'" ~ (step.channel | replace("'", "''")) ~ "'" if step.channel is not none else none %}
{{ cte }} as (
    select
        {{ partition_column }},
        touch_number,
        {%- if step.name == 'frequency' %}
        {{ dbt.concat(['channel', "'('", 'cast(channel_touches as ' ~ dbt.type_string() ~ ')', "')'"]) }} as channel
        {%- else %}
        channel
        {%- endif %}
    from (
        select
            {{ previous.name }}.{{ partition_column }},
            {{ previous.name }}.touch_number,
            {{ previous.name }}.channel,
            {%- if step.name == 'exposure' %}
            coalesce(
                {{ previous.name }}.channel != lag({{ previous.name }}.channel) over (
                    partition by {{ previous.name }}.{{ partition_column }} order by {{ previous.name }}.touch_number
                ),
                true
            ) as is_kept
            {%- elif step.name in ['first', 'frequency'] %}
            count(*) over (
                partition by {{ previous.name }}.{{ partition_column }}, {{ previous.name }}.channel
            ) as channel_touches,
            row_number() over (
                partition by {{ previous.name }}.{{ partition_column }}, {{ previous.name }}.channel
                order by {{ previous.name }}.touch_number
            ) = 1 as is_kept
            {%- elif step.name == 'remove_if_not_all' %}
            {{ previous.name }}.channel != {{ channel_literal }} or sum(
                case when {{ previous.name }}.channel != {{ channel_literal }} then 1 else 0 end
            ) over (partition by {{ previous.name }}.{{ partition_column }}) = 0 as is_kept
            {%- elif step.name == 'remove_if_last_and_not_all' %}
            coalesce(
                {{ previous.name }}.touch_number <= max(
                    case when {{ previous.name }}.channel != {{ channel_literal }} then {{ previous.name }}.touch_number end
                ) over (partition by {{ previous.name }}.{{ partition_column }}),
                true
            ) as is_kept
            {%- else %}
            true as is_kept
            {%- endif %}
        from {{ previous.name }}
    ) as {{ cte }}_touches
    where is_kept
),
    {%- set previous.name = cte %}
    {%- endfor %}

transformed_touchpoints as (
    select * from {{ previous.name }}
),
{%- endmacro %}
