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
    Each step is one window function or one equi-join on the user's event position: the cost grows
    linearly with conversions, with no self-join of step pairs. The attempt that reaches furthest
    (ties: the earliest) among those not disqualified by an exclusion is the counted one. -#}
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

-- For every position (event) of a user in an ordered or strict funnel: when each later step is next
-- completed, strictly after this position (and, for strict funnels, where that event's timestamp
-- starts in the user's whole event stream). Step 1 never follows another step, so it needs no window.
ordered_positions as (
    select distinct
        funnel,
        user_key,
        {%- for step in range(2, max_steps + 1) %}
        min(case when step_number = {{ step }} then funnel_event_number end) over (
            partition by funnel, user_key order by funnel_event_number
            range between 1 following and unbounded following
        ) as next_{{ step }}_seq,
        min(case when step_number = {{ step }} then occurred_at end) over (
            partition by funnel, user_key order by funnel_event_number
            range between 1 following and unbounded following
        ) as next_{{ step }}_at,
        min(case when step_number = {{ step }} then tie_first_event_number end) over (
            partition by funnel, user_key order by funnel_event_number
            range between 1 following and unbounded following
        ) as next_{{ step }}_tie_first,
        {%- endfor %}
        tie_last_event_number,
        funnel_event_number
    from step_events
    where order_type in ('ordered', 'strict')
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

-- Every step-1 completion of an ordered or strict funnel starts an attempt.
attempt_starts as (
    select
        funnel,
        user_key,
        order_type,
        conversion_window_days,
        event_id as anchor_event_id,
        session_key as entry_session_key,
        funnel_event_number as step_1_seq,
        occurred_at as step_1_at
    from step_events
    where order_type in ('ordered', 'strict')
        and step_number = 1
),

ordered_1 as (
    select * from attempt_starts
),

{% for step in range(2, max_steps + 1) %}
{%- set previous = 'ordered_' ~ (step - 1) %}
-- Step {{ step }} is reached when its next completion is within the window and, for strict funnels, at
-- the previous step's timestamp or at the user's very next timestamp.
ordered_{{ step }}_candidates as (
    select
        {{ previous }}.*,
        ordered_positions.next_{{ step }}_seq as candidate_seq,
        ordered_positions.next_{{ step }}_at as candidate_at,
        ordered_positions.next_{{ step }}_at
        <= {{ dbt.dateadd('day', previous ~ '.conversion_window_days', previous ~ '.step_1_at') }}
        and (
            {{ previous }}.order_type = 'ordered'
            or ordered_positions.next_{{ step }}_at = {{ previous }}.step_{{ step - 1 }}_at
            or ordered_positions.next_{{ step }}_tie_first = ordered_positions.tie_last_event_number + 1
        ) as is_reached
    from {{ previous }}
    left join ordered_positions
        on {{ previous }}.funnel = ordered_positions.funnel
        and {{ previous }}.user_key = ordered_positions.user_key
        and {{ previous }}.step_{{ step - 1 }}_seq = ordered_positions.funnel_event_number
),

ordered_{{ step }} as (
    select
        {%- for earlier in range(1, step) %}
        {%- if earlier > 1 %}
        step_{{ earlier }}_seq,
        {%- endif %}
        step_{{ earlier }}_at,
        {%- endfor %}
        funnel,
        user_key,
        order_type,
        conversion_window_days,
        anchor_event_id,
        entry_session_key,
        step_1_seq,
        case when is_reached then candidate_seq end as step_{{ step }}_seq,
        case when is_reached then candidate_at end as step_{{ step }}_at
    from ordered_{{ step }}_candidates
),
{% endfor %}

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

attempts as (
    {%- for prefix in ['ordered_' ~ max_steps, 'unordered_attempts'] %}
    select
        funnel,
        user_key,
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

ranked as (
    select
        flagged.*,
        row_number() over (
            partition by flagged.funnel, flagged.user_key
            order by flagged.step_1_at asc, flagged.anchor_event_id asc
        ) as attempt_number,
        row_number() over (
            partition by flagged.funnel, flagged.user_key
            order by
                case when flagged.is_excluded then 1 else 0 end asc,
                flagged.furthest_step_number desc,
                flagged.step_1_at asc,
                flagged.anchor_event_id asc
        ) as preference_rank
    from flagged
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
        ranked.preference_rank = 1 and not ranked.is_excluded as is_counted
    from ranked
)

select * from final
