{#- One row per cohort week × micro-conversion × weeks since cohort start. A user joins the cohort of
    the week of their first occurrence of the micro-conversion; converted_users counts cohort members
    whose first macro-conversion at or after that occurrence came within weeks_since_cohort weeks
    (cumulative), measured from the start of the cohort week. A week is reported only once it is fully
    observed: the latest day with sessions is taken as still in progress, so week w of a cohort
    appears when cohort_week + (w + 1) * 7 days <= that day (all seven days of week w are complete). -#}
with

micro_conversions as (
    select * from {{ ref('fct_micro_conversions') }}
),

macro_conversions as (
    select * from {{ ref('fct_macro_conversions') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

week_numbers as (
    {{ dbt.generate_series(var('cohort_max_weeks') | int(52) + 1) }}
),

-- The latest day with sessions: it may be partial, the day before it is the latest complete day.
data_end as (
    select max(session_date) as latest_date from sessions
),

first_occurrences as (
    select
        user_key,
        micro_conversion,
        min(occurred_at) as first_occurred_at
    from micro_conversions
    group by user_key, micro_conversion
),

members as (
    select
        first_occurrences.user_key,
        first_occurrences.micro_conversion,
        {{ local_week_start('first_occurrences.first_occurred_at') }} as cohort_week,
        min(macro_conversions.converted_at) as first_converted_at
    from first_occurrences
    left join macro_conversions
        on first_occurrences.user_key = macro_conversions.user_key
        and first_occurrences.first_occurred_at <= macro_conversions.converted_at
    group by
        first_occurrences.user_key,
        first_occurrences.micro_conversion,
        {{ local_week_start('first_occurrences.first_occurred_at') }}
),

members_timed as (
    select
        members.*,
        floor({{ dbt.datediff('members.cohort_week', local_date('members.first_converted_at'), 'day') }} / 7) as weeks_to_convert
    from members
),

cohorts as (
    select
        cohort_week,
        micro_conversion,
        count(*) as cohort_users
    from members_timed
    group by cohort_week, micro_conversion
),

grid as (
    select
        cohorts.cohort_week,
        cohorts.micro_conversion,
        cohorts.cohort_users,
        cast(week_numbers.generated_number - 1 as {{ dbt.type_int() }}) as weeks_since_cohort
    from cohorts
    cross join week_numbers
    cross join data_end
    where {{ dbt.dateadd('day', '7 * week_numbers.generated_number', 'cohorts.cohort_week') }} <= data_end.latest_date
),

final as (
    select
        grid.cohort_week,
        grid.micro_conversion,
        grid.weeks_since_cohort,
        grid.cohort_users,
        count(members_timed.user_key) as converted_users,
        cast(1 as double) * count(members_timed.user_key) / grid.cohort_users as cumulative_conversion_rate
    from grid
    left join members_timed
        on grid.cohort_week = members_timed.cohort_week
        and grid.micro_conversion = members_timed.micro_conversion
        and grid.weeks_since_cohort >= members_timed.weeks_to_convert
    group by
        grid.cohort_week,
        grid.micro_conversion,
        grid.weeks_since_cohort,
        grid.cohort_users
)

select * from final
