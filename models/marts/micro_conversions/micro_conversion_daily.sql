{#- One row per date × micro-conversion: occurrences, distinct users and sessions, and the share of
    the day's sessions with the micro-conversion. Every micro-conversion of the catalogue gets a row
    for every day with sessions, zero when it did not happen (so drops to zero stay visible).
    Incremental by date: a run recomputes the days in int_dates_reprocessed (replacing all their rows)
    from the sessions that started on them and the micro-conversions that occurred on them or belong to
    those sessions; every other day's rows stay. -#}
{{ reprocessed_dates_config('date_day', ['date_day', 'micro_conversion']) }}

with

sessions as (
    select * from {{ ref('fct_sessions') }}
    {%- if is_incremental() %}
    where {{ in_reprocessed_dates('session_date') }}
    {%- endif %}
),

micro_conversions as (
    select * from {{ ref('fct_micro_conversions') }}
    {%- if is_incremental() %}
    where
        {{ in_reprocessed_dates('occurred_date') }}
        or session_key in (select sessions.session_key from sessions)
    {%- endif %}
),

definitions as (
    select
        micro_conversion,
        kind,
        journey_stage
    from {{ ref('micro_conversion_definitions') }}
),

daily_sessions as (
    select
        session_date as date_day,
        count(*) as total_sessions,
        count(distinct user_key) as total_users
    from sessions
    group by session_date
),

daily_micro_conversions as (
    select
        occurred_date as date_day,
        micro_conversion,
        count(*) as occurrences,
        count(distinct user_key) as users,
        count(distinct session_key) as sessions
    from micro_conversions
    {%- if is_incremental() %}
    where {{ in_reprocessed_dates('occurred_date') }}
    {%- endif %}
    group by occurred_date, micro_conversion
),

-- The rate's numerator counts sessions by the day they started, like its denominator: a session that
-- spans midnight converts on the day after it started, and counting it there could push a rate past 1.
converting_sessions as (
    select
        sessions.session_date as date_day,
        micro_conversions.micro_conversion,
        count(distinct micro_conversions.session_key) as converting_sessions
    from micro_conversions
    inner join sessions
        on micro_conversions.session_key = sessions.session_key
    group by sessions.session_date, micro_conversions.micro_conversion
),

final as (
    select
        daily_sessions.date_day,
        definitions.micro_conversion,
        definitions.kind,
        definitions.journey_stage,
        coalesce(daily_micro_conversions.occurrences, 0) as occurrences,
        coalesce(daily_micro_conversions.users, 0) as users,
        coalesce(daily_micro_conversions.sessions, 0) as sessions,
        coalesce(converting_sessions.converting_sessions, 0) as converting_sessions,
        daily_sessions.total_sessions,
        daily_sessions.total_users,
        cast(1 as double) * coalesce(converting_sessions.converting_sessions, 0)
        / daily_sessions.total_sessions as rate_per_session
    from daily_sessions
    cross join definitions
    left join daily_micro_conversions
        on daily_sessions.date_day = daily_micro_conversions.date_day
        and definitions.micro_conversion = daily_micro_conversions.micro_conversion
    left join converting_sessions
        on daily_sessions.date_day = converting_sessions.date_day
        and definitions.micro_conversion = converting_sessions.micro_conversion
)

select * from final
