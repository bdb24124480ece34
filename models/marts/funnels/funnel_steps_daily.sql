{#- One row per funnel × step × cohort date (the UTC date the user's counted attempt entered step 1).
    Steps of an unordered funnel are "any k of n steps", as in funnel_steps. -#}
with

attempts as (
    select * from {{ ref('funnel_user_progress') }}
    where is_counted
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

user_steps as (
    select
        attempts.funnel,
        {{ local_date('attempts.entered_at') }} as cohort_date,
        step_labels.step_number,
        step_labels.step_name,
        case when attempts.furthest_step_number >= step_labels.step_number then 1 else 0 end as has_reached
    from attempts
    inner join step_labels
        on attempts.funnel = step_labels.funnel
),

aggregated as (
    select
        funnel,
        step_number,
        cohort_date,
        step_name,
        sum(has_reached) as users
    from user_steps
    group by
        funnel,
        step_number,
        cohort_date,
        step_name
),

cohort_sizes as (
    select
        aggregated.*,
        first_value(aggregated.users) over (
            partition by aggregated.funnel, aggregated.cohort_date
            order by aggregated.step_number
            rows between unbounded preceding and current row
        ) as entered_users
    from aggregated
),

final as (
    select
        cohort_sizes.*,
        cast(1 as double) * cohort_sizes.users / cohort_sizes.entered_users as conversion_rate_from_start
    from cohort_sizes
)

select * from final
