{#- One row per date × micro-conversion over a complete calendar (every day from the first to the last
    day of data, zero when nothing happened, so a tracking outage shows), scored against a trailing
    baseline of the previous anomaly_baseline_days days (the day itself excluded; only the same weekday
    when anomaly_compare_same_weekday is true).
    1. Robust screen (Hampel identifier; Leys et al. 2013): baseline days farther than
       anomaly_z_threshold robust standard deviations (1.4826 × MAD, at least sqrt(median) with the
       Poisson floor) from the window's median are left out, so an earlier promotion spike or outage
       cannot mask a later one.
    2. baseline_mean / baseline_stddev are the mean and sample standard deviation of the days kept;
       z_score = (occurrences - mean) / scale, scale = max(stddev, sqrt(mean)) with
       anomaly_stddev_floor = poisson (a perfectly flat baseline still has Poisson noise), else stddev,
       or sqrt(mean) when the stddev is 0 (and sqrt(median) for the screen when the MAD is 0).
    3. Flagged when |z_score| >= z_threshold, the prediction-interval bound for one new day:
       q × sqrt(1 + 1/n) with n kept days and q the Student-t quantile for n - 1 degrees of freedom at
       the tail probability of anomaly_z_threshold (the normal quantile itself when the Poisson floor
       sets the scale, which is then not estimated from the sample).
    The last day of data may still be filling: it is marked is_complete_day = false and never scored.
    Days are local days of var reporting_timezone (micro_conversion_daily's date_day), so the latest
    complete day is the day before the last local day with data. -#}
{%- set same_weekday = var('anomaly_compare_same_weekday') in [true, 'true', 'True', 1, '1'] %}
{%- set window_days = var('anomaly_baseline_days') | int(28) %}
{%- set min_points = var('anomaly_min_baseline_points') | int(7) %}
{%- set z_threshold = var('anomaly_z_threshold') | float %}
{%- set poisson_floor = var('anomaly_stddev_floor') == 'poisson' %}
{%- set robust_stddev = mad_to_stddev() ~ ' * baseline_spreads.baseline_mad' %}
{%- if poisson_floor %}
{%- set screen_scale = 'greatest(' ~ robust_stddev ~ ', sqrt(baseline_deviations.baseline_median))' %}
{%- else %}
{#- Without the floor, a MAD of 0 (most days equal the median) would screen out every other day and
    leave a baseline of sd 0 that can never score: the Poisson scale stands in for it then. -#}
{%- set screen_scale = 'case when baseline_spreads.baseline_mad > 0 then ' ~ robust_stddev
    ~ ' else sqrt(baseline_deviations.baseline_median) end' %}
{%- endif %}
{#- The baseline's sample sd is the scale when it is positive and, with the floor, above sqrt(mean). -#}
{%- set sample_scale_applies = 'baseline_statistics.kept_stddev > 0' ~ (
    ' and baseline_statistics.kept_stddev > sqrt(baseline_statistics.kept_mean)' if poisson_floor else '') %}
{%- if same_weekday %}{% set min_points = [min_points, window_days // 7] | min %}{% endif %}

with

daily as (
    select * from {{ ref('micro_conversion_daily') }}
),

calendar as (
    select * from {{ ref('metricflow_time_spine') }}
),

data_range as (
    select
        min(date_day) as first_day,
        max(date_day) as last_day
    from daily
),

series as (
    select distinct micro_conversion
    from daily
),

days as (
    select
        calendar.date_day,
        series.micro_conversion,
        coalesce(daily.occurrences, 0) as occurrences,
        calendar.date_day < data_range.last_day as is_complete_day,
        {{ dbt.datediff("cast('1970-01-01' as date)", 'calendar.date_day', 'day') }} as day_number,
        {{ day_of_week('calendar.date_day') }} as day_of_week
    from calendar
    inner join data_range
        on calendar.date_day >= data_range.first_day
        and calendar.date_day <= data_range.last_day
    cross join series
    left join daily
        on calendar.date_day = daily.date_day
        and series.micro_conversion = daily.micro_conversion
),

baseline_pairs as (
    select
        days.date_day,
        days.micro_conversion,
        baseline_days.occurrences as baseline_occurrences
    from days
    inner join days as baseline_days
        on days.micro_conversion = baseline_days.micro_conversion
        and days.day_number > baseline_days.day_number
        and days.day_number - {{ window_days }} <= baseline_days.day_number{{ '
        and days.day_of_week = baseline_days.day_of_week' if same_weekday }}
),

baseline_medians as (
    select
        date_day,
        micro_conversion,
        count(*) as window_points,
        cast({{ percentile_cont('baseline_occurrences', 0.5) }} as double) as baseline_median
    from baseline_pairs
    group by date_day, micro_conversion
),

baseline_deviations as (
    select
        baseline_pairs.date_day,
        baseline_pairs.micro_conversion,
        baseline_pairs.baseline_occurrences,
        baseline_medians.baseline_median,
        abs(baseline_pairs.baseline_occurrences - baseline_medians.baseline_median) as absolute_deviation
    from baseline_pairs
    inner join baseline_medians
        on baseline_pairs.date_day = baseline_medians.date_day
        and baseline_pairs.micro_conversion = baseline_medians.micro_conversion
),

baseline_spreads as (
    select
        date_day,
        micro_conversion,
        cast({{ percentile_cont('absolute_deviation', 0.5) }} as double) as baseline_mad
    from baseline_deviations
    group by date_day, micro_conversion
),

-- A baseline day is kept when within anomaly_z_threshold robust standard deviations of the median.
screened as (
    select
        baseline_deviations.date_day,
        baseline_deviations.micro_conversion,
        baseline_deviations.baseline_occurrences,
        baseline_deviations.absolute_deviation <= {{ z_threshold }} * {{ screen_scale }} as is_kept
    from baseline_deviations
    inner join baseline_spreads
        on baseline_deviations.date_day = baseline_spreads.date_day
        and baseline_deviations.micro_conversion = baseline_spreads.micro_conversion
),

baseline_statistics as (
    select
        date_day,
        micro_conversion,
        sum(case when is_kept then 1 else 0 end) as baseline_points,
        sum(case when is_kept then 0 else 1 end) as baseline_excluded_days,
        avg(case when is_kept then baseline_occurrences end) as kept_mean,
        stddev_samp(case when is_kept then baseline_occurrences end) as kept_stddev
    from screened
    group by date_day, micro_conversion
),

baselines as (
    select
        days.date_day,
        days.micro_conversion,
        days.occurrences,
        days.is_complete_day,
        coalesce(baseline_medians.window_points, 0) as window_points,
        baseline_medians.baseline_median,
        baseline_spreads.baseline_mad,
        coalesce(baseline_statistics.baseline_points, 0) as baseline_points,
        coalesce(baseline_statistics.baseline_excluded_days, 0) as baseline_excluded_days,
        baseline_statistics.kept_mean,
        baseline_statistics.kept_stddev,
        -- The Poisson scale sqrt(mean) when it is larger (with the floor) or when the sd is 0 (a
        -- flat baseline still scores without the floor too).
        case
            when {{ sample_scale_applies }} then baseline_statistics.kept_stddev
            else sqrt(baseline_statistics.kept_mean)
        end as scale,
        not coalesce({{ sample_scale_applies }}, false) as is_poisson_scale
    from days
    left join baseline_medians
        on days.date_day = baseline_medians.date_day
        and days.micro_conversion = baseline_medians.micro_conversion
    left join baseline_spreads
        on days.date_day = baseline_spreads.date_day
        and days.micro_conversion = baseline_spreads.micro_conversion
    left join baseline_statistics
        on days.date_day = baseline_statistics.date_day
        and days.micro_conversion = baseline_statistics.micro_conversion
),

scored as (
    select
        baselines.*,
        baselines.window_points >= {{ min_points }} and baselines.baseline_points >= 2 as has_enough_history,
        coalesce(baselines.kept_mean >= {{ var('anomaly_min_baseline_mean') }}, false) as has_enough_volume,
        case
            when baselines.is_poisson_scale
                then {{ z_threshold }} * sqrt(1.0 + cast(1 as double) / baselines.baseline_points)
            when baselines.baseline_points >= 2
                then
                    ({{ student_t_quantile_at_normal_z(z_threshold, 'baselines.baseline_points - 1') }})
                    * sqrt(1.0 + cast(1 as double) / baselines.baseline_points)
        end as prediction_threshold
    from baselines
),

evaluated as (
    select
        scored.*,
        case
            when scored.has_enough_history and scored.is_complete_day and scored.scale > 0
                then (scored.occurrences - scored.kept_mean) / scored.scale
        end as z_score
    from scored
),

final as (
    select
        date_day,
        micro_conversion,
        occurrences,
        case when has_enough_history then kept_mean end as baseline_mean,
        case when has_enough_history then kept_stddev end as baseline_stddev,
        case when has_enough_history then baseline_median end as baseline_median,
        case when has_enough_history then baseline_mad end as baseline_mad,
        baseline_points,
        baseline_excluded_days,
        z_score,
        case when has_enough_history then prediction_threshold end as z_threshold,
        coalesce(has_enough_volume and abs(z_score) >= prediction_threshold, false) as is_anomaly,
        case
            when has_enough_volume and abs(z_score) >= prediction_threshold and z_score < 0 then 'drop'
            when has_enough_volume and abs(z_score) >= prediction_threshold and z_score > 0 then 'spike'
        end as direction,
        has_enough_history,
        has_enough_volume,
        is_complete_day
    from evaluated
)

select * from final
