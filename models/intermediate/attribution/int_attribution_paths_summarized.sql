{#- One row per distinct transformed channel path: how many conversions and non-converting journeys
    followed it, and their revenue. The input of the Markov and Shapley models. -#}
with

conversion_paths as (
    select * from {{ ref('conversion_paths') }}
),

non_conversion_paths as (
    select * from {{ ref('non_conversion_paths') }}
),

journeys as (
    select
        path,
        1 as conversions,
        0 as non_conversions,
        revenue
    from conversion_paths
    union all
    select
        path,
        0 as conversions,
        1 as non_conversions,
        0 as revenue
    from non_conversion_paths
),

final as (
    select
        path,
        sum(conversions) as conversions,
        sum(non_conversions) as non_conversions,
        -- A path whose every conversion is in an unknown currency has no revenue (null in the facts):
        -- 0 here, so that the Python models get a number; the facts flag those conversions.
        coalesce(cast(sum(revenue) as double), 0.0) as revenue
    from journeys
    group by path
)

select * from final
