{#- One row per funnel × step × conversion occurrence that completes the step. A conversion can
    complete several steps (repeated step names) and several funnels. -#}
with

conversions as (
    select * from {{ ref('int_conversions_unioned') }}
),

funnel_definitions as (
    select * from {{ ref('funnel_definitions') }}
),

final as (
    select
        funnel_definitions.funnel,
        funnel_definitions.order_type,
        funnel_definitions.conversion_window_days,
        funnel_definitions.step_number,
        funnel_definitions.step_name,
        conversions.conversion_type,
        conversions.event_id,
        conversions.user_key,
        conversions.session_key,
        conversions.occurred_at,
        conversions.user_event_number
    from funnel_definitions
    inner join conversions
        on funnel_definitions.step_name = conversions.conversion_name
)

select * from final
