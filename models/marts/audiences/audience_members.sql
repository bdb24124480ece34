{#- One row per audience × user who has ever been a member: the latest membership's entered_at and
    exited_at (null while it lasts), and is_current. Rules come from the audience_definitions seed: a
    qualifying event (a micro-conversion, a macro-conversion, or any micro-conversion that
    micro_conversion_impact finds significantly raising the odds of qualifying_name) makes the user a
    member from delay_days after it until window_days after that (no end when window_days is empty),
    or until the user's next exit_macro_conversion after the qualifying event, whichever comes first.
    Overlapping memberships of one user merge; the latest is reported. "Now" is the newest event in
    the warehouse (the latest session start), so a membership still running then is current. The rule
    shape (a condition, a membership duration, an exclusion on a later event) is GA4's audience builder
    ("membership duration", "exclude users when"); docs/audiences.md. -#}
with

definitions as (
    select * from {{ ref('audience_definitions') }}
),

-- A de-identified person (user-level retention, docs/privacy.md) is somebody nobody can reach: no
-- audience takes them.
micro_conversions as (
    select
        user_key,
        micro_conversion,
        occurred_at
    from {{ ref('fct_micro_conversions') }}
    where not {{ is_deidentified('device_id') }}
),

macro_conversions as (
    select
        user_key,
        macro_conversion,
        converted_at
    from {{ ref('fct_macro_conversions') }}
    where not {{ is_deidentified('device_id') }}
),

impact as (
    select
        micro_conversion,
        macro_conversion
    from {{ ref('micro_conversion_impact') }}
    where is_significant and lift > 1
),

sessions as (
    select started_at from {{ ref('fct_sessions') }}
),

data_end as (
    select max(started_at) as now_at from sessions
),

qualifying_events as (
    select
        definitions.audience,
        micro_conversions.user_key,
        micro_conversions.occurred_at as qualified_at
    from definitions
    inner join micro_conversions
        on definitions.qualifying_kind = 'micro_conversion'
        and definitions.qualifying_name = micro_conversions.micro_conversion
    union all
    select
        definitions.audience,
        macro_conversions.user_key,
        macro_conversions.converted_at as qualified_at
    from definitions
    inner join macro_conversions
        on definitions.qualifying_kind = 'macro_conversion'
        and definitions.qualifying_name = macro_conversions.macro_conversion
    union all
    select
        definitions.audience,
        micro_conversions.user_key,
        micro_conversions.occurred_at as qualified_at
    from definitions
    inner join impact
        on definitions.qualifying_kind = 'top_impact_micro_conversion'
        and definitions.qualifying_name = impact.macro_conversion
    inner join micro_conversions
        on impact.micro_conversion = micro_conversions.micro_conversion
),

-- The first exit event after each qualifying event.
next_exits as (
    select
        qualifying_events.audience,
        qualifying_events.user_key,
        qualifying_events.qualified_at,
        min(macro_conversions.converted_at) as exit_at
    from qualifying_events
    inner join definitions
        on qualifying_events.audience = definitions.audience
    inner join macro_conversions
        on qualifying_events.user_key = macro_conversions.user_key
        and definitions.exit_macro_conversion = macro_conversions.macro_conversion
        and qualifying_events.qualified_at < macro_conversions.converted_at
    group by qualifying_events.audience, qualifying_events.user_key, qualifying_events.qualified_at
),

-- Each qualifying event's membership interval [starts_at, ends_at); a window without end runs 100
-- years, so that intervals can be merged by their ends.
intervals as (
    select distinct
        qualifying_events.audience,
        qualifying_events.user_key,
        {{ dbt.dateadd('day', 'coalesce(definitions.delay_days, 0)', 'qualifying_events.qualified_at') }}
            as starts_at,
        case
            when next_exits.exit_at is not null
                and (
                    definitions.window_days is null
                    or next_exits.exit_at < {{ dbt.dateadd(
                        'day', 'coalesce(definitions.delay_days, 0) + definitions.window_days',
                        'qualifying_events.qualified_at'
                    ) }}
                )
                then next_exits.exit_at
            else {{ dbt.dateadd(
                'day', 'coalesce(definitions.delay_days, 0) + coalesce(definitions.window_days, 36500)',
                'qualifying_events.qualified_at'
            ) }}
        end as ends_at
    from qualifying_events
    inner join definitions
        on qualifying_events.audience = definitions.audience
    left join next_exits
        on qualifying_events.audience = next_exits.audience
        and qualifying_events.user_key = next_exits.user_key
        and qualifying_events.qualified_at = next_exits.qualified_at
),

-- Intervals that have begun by now and are not empty (an exit before the delay ends leaves none).
started_intervals as (
    select intervals.*
    from intervals
    cross join data_end
    where intervals.starts_at <= data_end.now_at
        and intervals.ends_at > intervals.starts_at
),

ordered as (
    select
        audience,
        user_key,
        starts_at,
        ends_at,
        max(ends_at) over (
            partition by audience, user_key
            order by starts_at, ends_at
            rows between unbounded preceding and 1 preceding
        ) as ends_before
    from started_intervals
),

grouped as (
    select
        audience,
        user_key,
        starts_at,
        ends_at,
        sum(case when ends_before is null or starts_at > ends_before then 1 else 0 end) over (
            partition by audience, user_key
            order by starts_at, ends_at
            rows between unbounded preceding and current row
        ) as membership_number
    from ordered
),

memberships as (
    select
        audience,
        user_key,
        membership_number,
        min(starts_at) as entered_at,
        max(ends_at) as ends_at,
        max(membership_number) over (partition by audience, user_key) as latest_membership_number
    from grouped
    group by audience, user_key, membership_number
),

final as (
    select
        {{ dbt.concat(['memberships.audience', "'|'", 'memberships.user_key']) }} as audience_member_key,
        memberships.audience,
        memberships.user_key,
        memberships.entered_at,
        case when memberships.ends_at <= data_end.now_at then memberships.ends_at end as exited_at,
        memberships.ends_at > data_end.now_at as is_current,
        cast(memberships.membership_number as bigint) as membership_count
    from memberships
    cross join data_end
    where memberships.membership_number = memberships.latest_membership_number
)

select * from final
