{#- One row per funnel × step × breakdown. Each user counts once per funnel, by their counted attempt
    (see funnel_user_progress); breakdowns describe the session in which the user entered step 1, or
    the user's experiment variants. -#}
{%- set max_steps = var('funnel_max_steps') | int(8) %}

with

attempts as (
    select * from {{ ref('funnel_user_progress') }}
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
        variant
    from {{ ref('int_experiment_assignments') }}
),

funnel_definitions as (
    select
        funnel,
        step_number,
        step_name
    from {{ ref('funnel_definitions') }}
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
        entry_sessions.*,
        'all' as breakdown_dimension,
        'all' as breakdown_value
    from entry_sessions
    union all
    select
        entry_sessions.*,
        'channel' as breakdown_dimension,
        coalesce(entry_sessions.channel, '(unknown)') as breakdown_value
    from entry_sessions
    union all
    select
        entry_sessions.*,
        'device_category' as breakdown_dimension,
        coalesce(entry_sessions.device_category, '(unknown)') as breakdown_value
    from entry_sessions
    union all
    select
        entry_sessions.*,
        'country' as breakdown_dimension,
        coalesce(entry_sessions.country, '(unknown)') as breakdown_value
    from entry_sessions
    union all
    select
        entry_sessions.*,
        'experiment_variant' as breakdown_dimension,
        assignments.experiment_id || ':' || assignments.variant as breakdown_value
    from entry_sessions
    inner join assignments
        on entry_sessions.user_key = assignments.user_key
),

user_steps as (
    select
        breakdowns.funnel,
        breakdowns.breakdown_dimension,
        breakdowns.breakdown_value,
        funnel_definitions.step_number,
        funnel_definitions.step_name,
        breakdowns.furthest_step_number >= funnel_definitions.step_number as has_reached,
        case
            {%- for step in range(2, max_steps + 1) %}
            when funnel_definitions.step_number = {{ step }} and breakdowns.furthest_step_number >= {{ step }}
                then {{ seconds_between('breakdowns.step_' ~ (step - 1) ~ '_at', 'breakdowns.step_' ~ step ~ '_at') }}
            {%- endfor %}
        end as seconds_from_previous
    from breakdowns
    inner join funnel_definitions
        on breakdowns.funnel = funnel_definitions.funnel
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
