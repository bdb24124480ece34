{#- One row per funnel × user × attempt. An attempt starts at every step-1 conversion (every step
    conversion for unordered funnels); later steps must fall within conversion_window_days of the
    attempt's start (inclusive). Steps follow the funnel's event order (int_funnel_step_events):
    events with the same timestamp count in step order, so simultaneous events can complete
    consecutive steps (0 seconds apart) whatever their event ids, as Amplitude and PostHog do.
    - ordered: each next step is the earliest completion after the previous step (other events may
      happen between); greedy earliest is optimal, so one pass per step suffices.
    - strict: as ordered, and the next step must be the user's very next event: at the previous
      step's timestamp or at the user's next timestamp (other events at either timestamp are
      simultaneous and ignored, as Amplitude's exact-order funnels ignore them).
    - unordered: the steps completed within the window from the anchor, in any order; step k is the
      k-th distinct step completed.
    Ordered and strict funnels are matched in one pass over each user's step events, as ClickHouse's
    windowFunnel scans a user's events once: running counts give every step completion its number
    among the completions of its step and the number of the next step's first completion after it.
    The earliest next step depends only on the event, not on the attempt, so attempts that meet at a
    step share the rest of their chain: chains are built backwards, from the last step to step 1, one
    equi-join on (funnel, user, step, completion number) per step over that step's completions, never
    per attempt. Each attempt then keeps its steps up to the first one outside its window (step times
    never decrease along a chain). The attempt that reaches furthest (ties: the earliest) among those
    not disqualified by an exclusion is the counted one. -#}
{%- set max_steps = var('funnel_max_steps') | int(8) %}

with

step_events as (
    select * from {{ ref('int_funnel_step_events') }}
),

funnel_definitions as (
    select * from {{ ref('funnel_definitions') }}
),

funnel_exclusions as (
    select * from {{ ref('funnel_exclusions') }}
),

events as (
    select
        user_key,
        event_name,
        event_at
    from {{ ref('int_events_sessionized') }}
),

funnels as (
    select
        funnel,
        max(step_number) as step_count
    from funnel_definitions
    group by funnel
),

-- The one pass: per user and ordered or strict funnel, in funnel order, how many completions of each
-- step came at this event's position or before it (events of one position are one event).
ordered_counted as (
    select
        {%- for step in range(1, max_steps + 1) %}
        sum(case when step_number = {{ step }} then 1 else 0 end) over (
            partition by funnel, user_key order by funnel_event_number
            range between unbounded preceding and current row
        ) as completions_of_{{ step }},
        {%- endfor %}
        funnel,
        user_key,
        order_type,
        conversion_window_days,
        step_number,
        event_id,
        session_key,
        occurred_at,
        tie_first_event_number,
        tie_last_event_number
    from step_events
    where order_type in ('ordered', 'strict')
),

-- A step-k completion is the completion_number-th of step k; the first completion of step k + 1
-- strictly after it is the next_completion_number-th of step k + 1.
ordered_completions as (
    select
        funnel,
        user_key,
        order_type,
        conversion_window_days,
        step_number,
        event_id,
        session_key,
        occurred_at,
        tie_first_event_number,
        tie_last_event_number,
        case step_number
            {%- for step in range(1, max_steps + 1) %}
            when {{ step }} then completions_of_{{ step }}
            {%- endfor %}
        end as completion_number,
        case step_number
            {%- for step in range(1, max_steps) %}
            when {{ step }} then completions_of_{{ step + 1 }} + 1
            {%- endfor %}
        end as next_completion_number
    from ordered_counted
),

-- Chains from each completion of the last step back to step 1: a step-k completion continues with
-- the chain of the next step's first completion after it, when there is one and, for strict funnels,
-- it is at the same timestamp or the user's very next event.
chain_{{ max_steps }} as (
    select
        funnel,
        user_key,
        order_type,
        conversion_window_days,
        event_id,
        session_key,
        completion_number,
        next_completion_number,
        tie_first_event_number,
        tie_last_event_number,
        occurred_at as step_{{ max_steps }}_at
    from ordered_completions
    where step_number = {{ max_steps }}
),
{% for step in range(max_steps - 1, 0, -1) %}
{%- set later = 'chain_' ~ (step + 1) %}
chain_{{ step }} as (
    select
        ordered_completions.funnel,
        ordered_completions.user_key,
        ordered_completions.order_type,
        ordered_completions.conversion_window_days,
        ordered_completions.event_id,
        ordered_completions.session_key,
        ordered_completions.completion_number,
        ordered_completions.next_completion_number,
        ordered_completions.tie_first_event_number,
        ordered_completions.tie_last_event_number,
        {%- for later_step in range(step + 1, max_steps + 1) %}
        case
            when ordered_completions.order_type = 'ordered'
                or {{ later }}.step_{{ step + 1 }}_at = ordered_completions.occurred_at
                or {{ later }}.tie_first_event_number = ordered_completions.tie_last_event_number + 1
                then {{ later }}.step_{{ later_step }}_at
        end as step_{{ later_step }}_at,
        {%- endfor %}
        ordered_completions.occurred_at as step_{{ step }}_at
    from ordered_completions
    left join {{ later }}
        on ordered_completions.funnel = {{ later }}.funnel
        and ordered_completions.user_key = {{ later }}.user_key
        and ordered_completions.next_completion_number = {{ later }}.completion_number
    where ordered_completions.step_number = {{ step }}
),
{% endfor %}
-- Every step-1 completion starts an attempt; it keeps its steps up to the first one outside the
-- window (step times never decrease along a chain, so later steps are outside too).
ordered_attempts as (
    select
        funnel,
        user_key,
        order_type,
        conversion_window_days,
        event_id as anchor_event_id,
        session_key as entry_session_key,
        {%- for step in range(2, max_steps + 1) %}
        case
            when step_{{ step }}_at <= {{ dbt.dateadd('day', 'conversion_window_days', 'step_1_at') }}
                then step_{{ step }}_at
        end as step_{{ step }}_at,
        {%- endfor %}
        completion_number as attempt_number,
        step_1_at
    from chain_1
),

-- For every position of a user in an unordered funnel: when each step is next completed, at or after
-- this position.
unordered_positions as (
    select distinct
        funnel,
        user_key,
        {%- for step in range(1, max_steps + 1) %}
        min(case when step_number = {{ step }} then occurred_at end) over (
            partition by funnel, user_key order by funnel_event_number
            range between current row and unbounded following
        ) as from_here_{{ step }}_at,
        {%- endfor %}
        funnel_event_number
    from step_events
    where order_type = 'unordered'
),

unordered_anchors as (
    select
        step_events.funnel,
        step_events.user_key,
        step_events.conversion_window_days,
        step_events.event_id as anchor_event_id,
        step_events.session_key as entry_session_key,
        step_events.funnel_event_number as anchor_seq,
        step_events.occurred_at as anchor_at,
        row_number() over (
            partition by step_events.funnel, step_events.user_key, step_events.funnel_event_number
            order by step_events.step_number
        ) as anchor_rank
    from step_events
    where step_events.order_type = 'unordered'
),

unordered_reached as (
    {%- for step in range(1, max_steps + 1) %}
    select
        unordered_anchors.funnel,
        unordered_anchors.user_key,
        unordered_anchors.anchor_event_id,
        {{ step }} as step_number,
        unordered_positions.from_here_{{ step }}_at as reached_at
    from unordered_anchors
    inner join unordered_positions
        on unordered_anchors.funnel = unordered_positions.funnel
        and unordered_anchors.user_key = unordered_positions.user_key
        and unordered_anchors.anchor_seq = unordered_positions.funnel_event_number
    where unordered_anchors.anchor_rank = 1
        and unordered_positions.from_here_{{ step }}_at
        <= {{ dbt.dateadd('day', 'unordered_anchors.conversion_window_days', 'unordered_anchors.anchor_at') }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

unordered_ranked as (
    select
        unordered_reached.*,
        row_number() over (
            partition by unordered_reached.funnel, unordered_reached.user_key, unordered_reached.anchor_event_id
            order by unordered_reached.reached_at, unordered_reached.step_number
        ) as reached_rank
    from unordered_reached
),

unordered_attempts as (
    select
        unordered_anchors.funnel,
        unordered_anchors.user_key,
        'unordered' as order_type,
        unordered_anchors.conversion_window_days,
        unordered_anchors.anchor_event_id,
        unordered_anchors.entry_session_key,
        {%- for step in range(1, max_steps + 1) %}
        max(case when unordered_ranked.reached_rank = {{ step }} then unordered_ranked.reached_at end) as step_{{ step }}_at,
        {%- endfor %}
        count(*) as reached_step_count
    from unordered_anchors
    inner join unordered_ranked
        on unordered_anchors.funnel = unordered_ranked.funnel
        and unordered_anchors.user_key = unordered_ranked.user_key
        and unordered_anchors.anchor_event_id = unordered_ranked.anchor_event_id
    where unordered_anchors.anchor_rank = 1
    group by
        unordered_anchors.funnel,
        unordered_anchors.user_key,
        unordered_anchors.conversion_window_days,
        unordered_anchors.anchor_event_id,
        unordered_anchors.entry_session_key
),

unordered_numbered as (
    select
        unordered_attempts.*,
        row_number() over (
            partition by unordered_attempts.funnel, unordered_attempts.user_key
            order by unordered_attempts.step_1_at asc, unordered_attempts.anchor_event_id asc
        ) as attempt_number
    from unordered_attempts
),

attempts as (
    {%- for prefix in ['ordered_attempts', 'unordered_numbered'] %}
    select
        funnel,
        user_key,
        attempt_number,
        order_type,
        conversion_window_days,
        anchor_event_id,
        entry_session_key,
        {% for step in range(1, max_steps + 1) %}step_{{ step }}_at{{ ', ' if not loop.last }}{% endfor %}
    from {{ prefix }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

measured as (
    select
        attempts.*,
        funnels.step_count,
        {{ dbt.dateadd('day', 'attempts.conversion_window_days', 'attempts.step_1_at') }} as window_ends_at,
        (
            {%- for step in range(1, max_steps + 1) %}
            case when attempts.step_{{ step }}_at is not null then 1 else 0 end{{ ' +' if not loop.last }}
            {%- endfor %}
        ) as furthest_step_number
    from attempts
    inner join funnels
        on attempts.funnel = funnels.funnel
),

exclusion_windows as (
    select
        measured.funnel,
        measured.user_key,
        measured.anchor_event_id,
        funnel_exclusions.exclusion_event_name,
        case funnel_exclusions.from_step
            {%- for step in range(1, max_steps + 1) %}
            when {{ step }} then measured.step_{{ step }}_at
            {%- endfor %}
        end as excluded_after,
        coalesce(
            case funnel_exclusions.to_step
                {%- for step in range(1, max_steps + 1) %}
                when {{ step }} then measured.step_{{ step }}_at
                {%- endfor %}
            end,
            measured.window_ends_at
        ) as excluded_before
    from measured
    inner join funnel_exclusions
        on measured.funnel = funnel_exclusions.funnel
),

excluded_attempts as (
    select distinct
        exclusion_windows.funnel,
        exclusion_windows.user_key,
        exclusion_windows.anchor_event_id
    from exclusion_windows
    inner join events
        on exclusion_windows.user_key = events.user_key
        and exclusion_windows.exclusion_event_name = events.event_name
        and exclusion_windows.excluded_after < events.event_at
        and exclusion_windows.excluded_before > events.event_at
),

flagged as (
    select
        measured.*,
        excluded_attempts.anchor_event_id is not null as is_excluded
    from measured
    left join excluded_attempts
        on measured.funnel = excluded_attempts.funnel
        and measured.user_key = excluded_attempts.user_key
        and measured.anchor_event_id = excluded_attempts.anchor_event_id
),

-- The counted attempt is the one not excluded that reaches furthest, ties to the earliest (attempt
-- numbers follow entered_at, then anchor_event_id). One number orders them, furthest step first and
-- then attempt number reversed: the largest per user and funnel is the counted attempt.
preferences as (
    select
        flagged.*,
        cast(flagged.furthest_step_number as {{ dbt.type_bigint() }}) * 1000000000 - flagged.attempt_number as preference
    from flagged
),

counted as (
    select
        funnel,
        user_key,
        max(case when not is_excluded then preference end) as counted_preference
    from preferences
    group by
        funnel,
        user_key
),

ranked as (
    select
        preferences.*,
        counted.counted_preference
    from preferences
    inner join counted
        on preferences.funnel = counted.funnel
        and preferences.user_key = counted.user_key
),

final as (
    select
        {{ dbt.hash("ranked.funnel || ':' || ranked.user_key || ':' || ranked.anchor_event_id") }} as attempt_key,
        ranked.funnel,
        ranked.user_key,
        ranked.attempt_number,
        ranked.order_type,
        ranked.conversion_window_days,
        ranked.step_count,
        ranked.anchor_event_id,
        ranked.entry_session_key,
        ranked.step_1_at as entered_at,
        ranked.window_ends_at,
        {%- for step in range(1, max_steps + 1) %}
        ranked.step_{{ step }}_at,
        {%- endfor %}
        ranked.furthest_step_number,
        ranked.furthest_step_number = ranked.step_count as is_completed,
        ranked.is_excluded,
        coalesce(not ranked.is_excluded and ranked.preference = ranked.counted_preference, false) as is_counted
    from ranked
)

select * from final
