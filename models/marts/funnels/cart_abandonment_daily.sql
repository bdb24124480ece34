{#- One row per date: carts (users with an add_to_cart that day; the cart starts at the user's first
    add_to_cart of the day), how many of those carts a checkout and a purchase completed, and the
    shares abandoned. Each checkout (each purchase) completes the user's most recent cart before it that
    no earlier checkout (purchase) completed, when it comes within the cart funnel's conversion window
    of that cart's start; otherwise it completes no cart. So one purchase completes at most one cart:
    three daily carts and one order are one purchased and two abandoned carts. Which micro-/macro-
    conversions and funnel apply is configured by vars.
    The match is a last-in-first-out stack per user: carts push, completions pop. Its depth is a
    running sum floored at zero (sum minus the running minimum below zero), and a completion pops the
    latest cart that pushed to its depth. The window is checked after matching: when the top cart is
    out of the window, so is every older open cart, so no completion is lost. -#}
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

daily_carts as (
    select
        user_key,
        {{ local_date('occurred_at') }} as date_day,
        min(occurred_at) as cart_at
    from conversions
    where conversion_name = '{{ var("cart_micro_conversion") }}'
    group by
        user_key,
        {{ local_date('occurred_at') }}
),

completion_kinds as (
    select 'checkout' as completion_kind
    union all
    select 'purchase' as completion_kind
),

completions as (
    select
        user_key,
        case
            when conversion_name = '{{ var("checkout_micro_conversion") }}' then 'checkout'
            else 'purchase'
        end as completion_kind,
        occurred_at as completed_at
    from conversions
    where conversion_name in ('{{ var("checkout_micro_conversion") }}', '{{ var("purchase_macro_conversion") }}')
),

-- One timeline per user and kind: carts push (+1), checkouts or purchases pop (-1); a cart sorts
-- before a completion at the same timestamp.
timeline as (
    select
        daily_carts.user_key,
        completion_kinds.completion_kind,
        daily_carts.cart_at as event_at,
        0 as event_order,
        1 as stack_change
    from daily_carts
    cross join completion_kinds
    union all
    select
        completions.user_key,
        completions.completion_kind,
        completions.completed_at as event_at,
        1 as event_order,
        -1 as stack_change
    from completions
),

positioned as (
    select
        timeline.*,
        row_number() over (
            partition by timeline.user_key, timeline.completion_kind
            order by timeline.event_at, timeline.event_order
        ) as timeline_number,
        sum(timeline.stack_change) over (
            partition by timeline.user_key, timeline.completion_kind
            order by timeline.event_at, timeline.event_order
            rows between unbounded preceding and current row
        ) as running_sum
    from timeline
),

stacked as (
    select
        positioned.*,
        positioned.running_sum - least(
            0,
            min(positioned.running_sum) over (
                partition by positioned.user_key, positioned.completion_kind
                order by positioned.timeline_number
                rows between unbounded preceding and current row
            )
        ) as open_carts
    from positioned
),

with_depth_before as (
    select
        stacked.*,
        lag(stacked.open_carts, 1, 0) over (
            partition by stacked.user_key, stacked.completion_kind
            order by stacked.timeline_number
        ) as open_carts_before
    from stacked
),

pushes as (
    select
        user_key,
        completion_kind,
        timeline_number,
        event_at as cart_at,
        open_carts as stack_depth
    from with_depth_before
    where stack_change = 1
),

pops as (
    select
        user_key,
        completion_kind,
        timeline_number,
        event_at as completed_at,
        open_carts_before as stack_depth
    from with_depth_before
    where stack_change = -1
        and open_carts_before > 0
),

matches as (
    select
        pops.user_key,
        pops.completion_kind,
        pops.completed_at,
        pushes.cart_at,
        row_number() over (
            partition by pops.user_key, pops.completion_kind, pops.timeline_number
            order by pushes.timeline_number desc
        ) as push_rank
    from pops
    inner join pushes
        on pops.user_key = pushes.user_key
        and pops.completion_kind = pushes.completion_kind
        and pops.stack_depth = pushes.stack_depth
        and pops.timeline_number > pushes.timeline_number
),

completed_carts as (
    select
        matches.user_key,
        matches.completion_kind,
        matches.cart_at
    from matches
    cross join cart_window
    where matches.push_rank = 1
        and matches.completed_at <= {{ dbt.dateadd('day', 'cart_window.window_days', 'matches.cart_at') }}
),

outcomes as (
    select
        daily_carts.date_day,
        daily_carts.user_key,
        checkouts.cart_at is not null as has_checkout,
        purchases.cart_at is not null as has_purchase
    from daily_carts
    left join completed_carts as checkouts
        on daily_carts.user_key = checkouts.user_key
        and daily_carts.cart_at = checkouts.cart_at
        and checkouts.completion_kind = 'checkout'
    left join completed_carts as purchases
        on daily_carts.user_key = purchases.user_key
        and daily_carts.cart_at = purchases.cart_at
        and purchases.completion_kind = 'purchase'
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
