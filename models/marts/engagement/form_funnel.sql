{#- One row per form id × day (the day of the form start, or of the submit for a submit without a
    start). Pairing rule: within a session, a form_submit completes the same user's latest unmatched
    form_start of the same form id before it (at the same timestamp the start comes first); a submit
    with no unmatched start before it is counted as unmatched. This is bracket matching: with starts
    as +1 and submits as -1, the running sum floored at zero is the number of open starts; a submit is
    matched when starts are open, and its start is the latest start whose running sum is one above the
    submit's. Abandonment = 1 - starts completed by a submit / starts. -#}

with

form_events as (
    select
        event_id,
        event_at,
        event_date,
        session_key,
        user_key,
        element_id as form_id,
        role
    from {{ ref('int_element_events') }}
    where element_type = 'form' and role in ('start', 'completion')
),

walked as (
    select
        form_events.*,
        row_number() over (
            partition by form_events.session_key, form_events.user_key, form_events.form_id
            order by form_events.event_at, case when form_events.role = 'start' then 0 else 1 end, form_events.event_id
        ) as event_position,
        sum(case when form_events.role = 'start' then 1 else -1 end) over (
            partition by form_events.session_key, form_events.user_key, form_events.form_id
            order by form_events.event_at, case when form_events.role = 'start' then 0 else 1 end, form_events.event_id
            rows between unbounded preceding and current row
        ) as running_sum
    from form_events
),

floored as (
    select
        walked.*,
        least(
            0,
            coalesce(
                min(walked.running_sum) over (
                    partition by walked.session_key, walked.user_key, walked.form_id
                    order by walked.event_position
                    rows between unbounded preceding and 1 preceding
                ),
                0
            )
        ) as lowest_sum_before
    from walked
),

starts as (
    select * from floored
    where role = 'start'
),

submits as (
    select
        floored.*,
        floored.running_sum >= floored.lowest_sum_before as is_matched
    from floored
    where floored.role = 'completion'
),

pairs_ranked as (
    select
        submits.event_id as submit_event_id,
        starts.event_id as start_event_id,
        {{ seconds_between('starts.event_at', 'submits.event_at') }} as seconds_to_submit,
        row_number() over (
            partition by submits.session_key, submits.user_key, submits.form_id, submits.event_position
            order by starts.event_position desc
        ) as start_rank
    from submits
    inner join starts
        on submits.session_key = starts.session_key
        and submits.user_key = starts.user_key
        and submits.form_id = starts.form_id
        and submits.event_position > starts.event_position
        and submits.running_sum + 1 = starts.running_sum
    where submits.is_matched
),

pairs as (
    select * from pairs_ranked
    where start_rank = 1
),

starts_daily as (
    select
        starts.event_date as date_day,
        starts.form_id,
        count(*) as form_start_count,
        sum(case when pairs.start_event_id is not null then 1 else 0 end) as completed_start_count,
        {{ percentile_cont('pairs.seconds_to_submit', 0.5) }} as median_seconds_to_submit
    from starts
    left join pairs
        on starts.event_id = pairs.start_event_id
    group by starts.event_date, starts.form_id
),

submits_daily as (
    select
        event_date as date_day,
        form_id,
        count(*) as form_submit_count,
        sum(case when is_matched then 0 else 1 end) as unmatched_submit_count
    from submits
    group by event_date, form_id
),

form_days as (
    select
        date_day,
        form_id
    from starts_daily
    union
    select
        date_day,
        form_id
    from submits_daily
),

final as (
    select
        form_days.date_day,
        form_days.form_id,
        coalesce(starts_daily.form_start_count, 0) as form_start_count,
        coalesce(submits_daily.form_submit_count, 0) as form_submit_count,
        coalesce(starts_daily.completed_start_count, 0) as completed_start_count,
        coalesce(submits_daily.unmatched_submit_count, 0) as unmatched_submit_count,
        1 - cast(starts_daily.completed_start_count as double)
        / nullif(starts_daily.form_start_count, 0) as abandonment_rate,
        starts_daily.median_seconds_to_submit
    from form_days
    left join starts_daily
        on form_days.date_day = starts_daily.date_day
        and form_days.form_id = starts_daily.form_id
    left join submits_daily
        on form_days.date_day = submits_daily.date_day
        and form_days.form_id = submits_daily.form_id
)

select * from final
