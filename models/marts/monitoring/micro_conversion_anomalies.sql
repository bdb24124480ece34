{#- One row per date × micro-conversion: the day's occurrences against a trailing baseline of the
    previous anomaly_baseline_days days (the day itself excluded; only the same weekday when
    anomaly_compare_same_weekday is true). Flagged when |z| >= anomaly_z_threshold, once the baseline
    has enough points and a mean of at least anomaly_min_baseline_mean a day; a baseline without
    variation (stddev 0) gives no z-score and no flag. With anomaly_stddev_floor = poisson the z-score
    divides by max(sample stddev, sqrt(mean)): counts vary at least as much as a Poisson count would. -#}
{%- set same_weekday = var('anomaly_compare_same_weekday') in [true, 'true', 'True', 1, '1'] %}
{%- set baseline_days = var('anomaly_baseline_days') | int(28) %}
{%- set min_points = var('anomaly_min_baseline_points') | int(7) %}
{%- if var('anomaly_stddev_floor') == 'poisson' %}
{%- set stddev_expression = 'greatest(baselines.window_stddev, sqrt(baselines.window_mean))' %}
{%- else %}
{%- set stddev_expression = 'baselines.window_stddev' %}
{%- endif %}
{%- if same_weekday %}{% set min_points = [min_points, baseline_days // 7] | min %}{% endif %}

with

daily as (
    select * from {{ ref('micro_conversion_daily') }}
),

numbered as (
    select
        daily.date_day,
        daily.micro_conversion,
        daily.occurrences,
        {{ dbt.datediff("cast('1970-01-01' as date)", 'daily.date_day', 'day') }} as day_number,
        {{ day_of_week('daily.date_day') }} as day_of_week
    from daily
),

baselines as (
    select
        numbered.*,
        avg(numbered.occurrences) over baseline_window as window_mean,
        stddev_samp(numbered.occurrences) over baseline_window as window_stddev,
        count(numbered.occurrences) over baseline_window as baseline_points,
        max(numbered.date_day) over (partition by numbered.micro_conversion) as last_date
    from numbered
    window baseline_window as (
        partition by numbered.micro_conversion{{ ', numbered.day_of_week' if same_weekday }}
        order by numbered.day_number
        range between {{ baseline_days }} preceding and 1 preceding
    )
),

scored as (
    select
        baselines.*,
        baselines.baseline_points >= {{ min_points }} as has_enough_history,
        case
            when baselines.baseline_points >= {{ min_points }} and baselines.window_stddev > 0
                then (baselines.occurrences - baselines.window_mean) / {{ stddev_expression }}
        end as z_score,
        baselines.window_mean >= {{ var('anomaly_min_baseline_mean') }} as has_enough_volume
    from baselines
),

final as (
    select
        date_day,
        micro_conversion,
        occurrences,
        case when has_enough_history then window_mean end as baseline_mean,
        case when has_enough_history then window_stddev end as baseline_stddev,
        baseline_points,
        z_score,
        coalesce(has_enough_volume and abs(z_score) >= {{ var('anomaly_z_threshold') }}, false) as is_anomaly,
        case
            when has_enough_volume and abs(z_score) >= {{ var('anomaly_z_threshold') }} and z_score < 0 then 'drop'
            when has_enough_volume and abs(z_score) >= {{ var('anomaly_z_threshold') }} and z_score > 0 then 'spike'
        end as direction,
        has_enough_history,
        coalesce(has_enough_volume, false) as has_enough_volume,
        date_day < last_date as is_complete_day
    from scored
)

select * from final
