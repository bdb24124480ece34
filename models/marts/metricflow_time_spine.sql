{#- One row per day from time_spine_start to time_spine_end: the calendar MetricFlow joins metrics to. -#}
with

days as (
    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('" ~ var('time_spine_start') ~ "' as date)",
        end_date="cast('" ~ var('time_spine_end') ~ "' as date)",
    ) }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
