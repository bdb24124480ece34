{#- One row per date: users who added to cart that day (their first cart of the day), how many of those
    carts reached a checkout and a purchase within the cart funnel's conversion window, and the share
    abandoned. Which micro-/macro-conversions and funnel apply is configured by vars. -#}
with

conversions as (
    select * from {{ ref('int_conversions_unioned') }}
    where conversion_name in ('{{ var("cart_micro_conversion") }}', '{{ var("checkout_micro_conversion") }}', '{{ var("purchase_macro_conversion") }}')
),

funnel_definitions as (
    select * from {{ ref('funnel_definitions') }}
),

cart_window as (
    select coalesce(max(conversion_window_days), 7) as window_days
    from funnel_definitions
    where funnel = '{{ var("cart_funnel") }}'
),

timeline as (
    select
        conversions.user_key,
        conversions.event_id,
        conversions.conversion_name,
        conversions.occurred_at,
        min(case when conversions.conversion_name = '{{ var("checkout_micro_conversion") }}' then conversions.occurred_at end) over (
            partition by conversions.user_key
            order by conversions.occurred_at, conversions.event_id
            rows between current row and unbounded following
        ) as next_checkout_at,
        min(case when conversions.conversion_name = '{{ var("purchase_macro_conversion") }}' then conversions.occurred_at end) over (
            partition by conversions.user_key
            order by conversions.occurred_at, conversions.event_id
            rows between current row and unbounded following
        ) as next_purchase_at
    from conversions
),

carts as (
    select
        timeline.*,
        cast(timeline.occurred_at as date) as date_day,
        row_number() over (
            partition by timeline.user_key, cast(timeline.occurred_at as date)
            order by timeline.occurred_at, timeline.event_id
        ) as cart_rank_in_day
    from timeline
    where timeline.conversion_name = '{{ var("cart_micro_conversion") }}'
),

outcomes as (
    select
        carts.date_day,
        carts.user_key,
        carts.next_checkout_at <= {{ dbt.dateadd('day', 'cart_window.window_days', 'carts.occurred_at') }} as has_checkout,
        carts.next_purchase_at <= {{ dbt.dateadd('day', 'cart_window.window_days', 'carts.occurred_at') }} as has_purchase
    from carts
    cross join cart_window
    where carts.cart_rank_in_day = 1
),

final as (
    select
        date_day,
        count(*) as carts,
        sum(case when has_checkout then 1 else 0 end) as checkouts,
        sum(case when has_purchase then 1 else 0 end) as purchases,
        1.0 - cast(1 as double) * sum(case when has_purchase then 1 else 0 end) / count(*) as abandonment_rate,
        1.0 - cast(1 as double) * sum(case when has_checkout then 1 else 0 end) / count(*) as checkout_abandonment_rate
    from outcomes
    group by date_day
)

select * from final
