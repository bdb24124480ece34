-- Steps of a funnel are numbered 1..n without gaps and share one window and one order type.
with

funnel_definitions as (
    select * from {{ ref('funnel_definitions') }}
),

funnels as (
    select
        funnel,
        count(*) as step_rows,
        max(step_number) as last_step,
        count(distinct conversion_window_days) as windows,
        count(distinct order_type) as order_types
    from funnel_definitions
    group by funnel
),

final as (
    select * from funnels
    where step_rows != last_step
        or windows != 1
        or order_types != 1
)

select * from final
