{#- One row per funnel × step × cohort date (the UTC date the user's counted attempt entered step 1). -#}
with

attempts as (
    select * from {{ ref('funnel_user_progress') }}
    where is_counted
),

funnel_definitions as (
    select
        funnel,
        step_number,
        step_name
    from {{ ref('funnel_definitions') }}
),

user_steps as (
    select
        attempts.funnel,
        cast(attempts.entered_at as date) as cohort_date,
        funnel_definitions.step_number,
        funnel_definitions.step_name,
        case when attempts.furthest_step_number >= funnel_definitions.step_number then 1 else 0 end as has_reached
    from attempts
    inner join funnel_definitions
        on attempts.funnel = funnel_definitions.funnel
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
