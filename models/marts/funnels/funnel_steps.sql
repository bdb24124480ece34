{#- One row per funnel × step × breakdown. Each user counts once per funnel, by their counted attempt
    (see funnel_user_progress); breakdowns describe the session in which the user entered step 1. The
    experiment_variant breakdown counts, per experiment, the user's best attempt that started after
    their first exposure (as experiment_results counts conversions after exposure). Steps of an
    unordered funnel are "any k of n steps": step k counts users who did any k of the steps. -#}
{%- set max_steps = var('funnel_max_steps') | int(8) %}

with

all_attempts as (
    select * from {{ ref('funnel_user_progress') }}
),

attempts as (
    select * from all_attempts
    where is_counted
),

sessions as (
    select
        session_key,
        channel,
        device_category,
        country
    from {{ ref('fct_sessions') }}
),

assignments as (
    select
        user_key,
        experiment_id,
        variant,
        first_exposed_at
    from {{ ref('int_experiment_assignments') }}
),

funnel_definitions as (
    select
        funnel,
        step_number,
        step_name,
        order_type
    from {{ ref('funnel_definitions') }}
),

funnel_sizes as (
    select
        funnel,
        max(step_number) as step_count
    from funnel_definitions
    group by funnel
),

-- An unordered funnel's step k is reached by doing any k of its steps: the label says so.
step_labels as (
    select
        funnel_definitions.funnel,
        funnel_definitions.step_number,
        case
            when funnel_definitions.order_type = 'unordered'
                then 'any ' || cast(funnel_definitions.step_number as {{ dbt.type_string() }})
                    || ' of ' || cast(funnel_sizes.step_count as {{ dbt.type_string() }}) || ' steps'
            else funnel_definitions.step_name
        end as step_name
    from funnel_definitions
    inner join funnel_sizes
        on funnel_definitions.funnel = funnel_sizes.funnel
),

-- Per experiment, the attempt the user would be counted by (not excluded, furthest, earliest) among
-- those that started after the user's first exposure.
exposed_attempts as (
    select
        all_attempts.*,
        assignments.experiment_id || ':' || assignments.variant as experiment_variant,
        row_number() over (
            partition by all_attempts.funnel, all_attempts.user_key, assignments.experiment_id
            order by
                all_attempts.furthest_step_number desc,
                all_attempts.entered_at asc,
                all_attempts.anchor_event_id asc
        ) as exposed_attempt_rank
    from all_attempts
    inner join assignments
        on all_attempts.user_key = assignments.user_key
        and all_attempts.entered_at > assignments.first_exposed_at
    where not all_attempts.is_excluded
),

entry_sessions as (
    select
        attempts.*,
        sessions.channel,
        sessions.device_category,
        sessions.country
    from attempts
    left join sessions
        on attempts.entry_session_key = sessions.session_key
),

breakdowns as (
    select
        funnel,
        furthest_step_number,
        {%- for step in range(1, max_steps + 1) %}
        step_{{ step }}_at,
        {%- endfor %}
        'all' as breakdown_dimension,
        'all' as breakdown_value
    from entry_sessions
    union all
    select
        funnel,
        furthest_step_number,
        {%- for step in range(1, max_steps + 1) %}
        step_{{ step }}_at,
        {%- endfor %}
        'channel' as breakdown_dimension,
        coalesce(channel, '(unknown)') as breakdown_value
    from entry_sessions
    union all
    select
        funnel,
        furthest_step_number,
        {%- for step in range(1, max_steps + 1) %}
        step_{{ step }}_at,
        {%- endfor %}
        'device_category' as breakdown_dimension,
        coalesce(device_category, '(unknown)') as breakdown_value
    from entry_sessions
    union all
    select
        funnel,
        furthest_step_number,
        {%- for step in range(1, max_steps + 1) %}
        step_{{ step }}_at,
        {%- endfor %}
        'country' as breakdown_dimension,
        coalesce(country, '(unknown)') as breakdown_value
    from entry_sessions
    union all
    select
        funnel,
        furthest_step_number,
        {%- for step in range(1, max_steps + 1) %}
        step_{{ step }}_at,
        {%- endfor %}
        'experiment_variant' as breakdown_dimension,
        experiment_variant as breakdown_value
    from exposed_attempts
    where exposed_attempt_rank = 1
),

user_steps as (
    select
        breakdowns.funnel,
        breakdowns.breakdown_dimension,
        breakdowns.breakdown_value,
        step_labels.step_number,
        step_labels.step_name,
        breakdowns.furthest_step_number >= step_labels.step_number as has_reached,
        case
            {%- for step in range(2, max_steps + 1) %}
            when step_labels.step_number = {{ step }} and breakdowns.furthest_step_number >= {{ step }}
                then {{ seconds_between('breakdowns.step_' ~ (step - 1) ~ '_at', 'breakdowns.step_' ~ step ~ '_at') }}
            {%- endfor %}
        end as seconds_from_previous
    from breakdowns
    inner join step_labels
        on breakdowns.funnel = step_labels.funnel
),

aggregated as (
    select
        funnel,
        step_number,
        step_name,
        breakdown_dimension,
        breakdown_value,
        sum(case when has_reached then 1 else 0 end) as users,
        {{ percentile_cont('seconds_from_previous', 0.5) }} as median_seconds_from_previous,
        {{ percentile_cont('seconds_from_previous', 0.9) }} as p90_seconds_from_previous
    from user_steps
    group by
        funnel,
        step_number,
        step_name,
        breakdown_dimension,
        breakdown_value
),

with_previous as (
    select
        aggregated.*,
        lag(aggregated.users) over (
            partition by aggregated.funnel, aggregated.breakdown_dimension, aggregated.breakdown_value
            order by aggregated.step_number
        ) as previous_step_users,
        first_value(aggregated.users) over (
            partition by aggregated.funnel, aggregated.breakdown_dimension, aggregated.breakdown_value
            order by aggregated.step_number
            rows between unbounded preceding and current row
        ) as start_users
    from aggregated
),

final as (
    select
        funnel,
        step_number,
        breakdown_dimension,
        breakdown_value,
        step_name,
        users,
        case
            when previous_step_users is null then 1.0
            when previous_step_users > 0 then cast(1 as double) * users / previous_step_users
        end as conversion_rate_from_previous,
        case when start_users > 0 then cast(1 as double) * users / start_users end as conversion_rate_from_start,
        coalesce(previous_step_users - users, 0) as drop_off_users,
        median_seconds_from_previous,
        p90_seconds_from_previous
    from with_previous
)

select * from final
