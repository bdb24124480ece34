{#- One row per event date: every raw row is counted once, as clean (it reached the sessionized event
    stream), excluded by consent (valid, but var consent_policy keeps it out of user-level tables),
    quarantined (with its reason) or a removed duplicate. Rows whose timestamp cannot be parsed
    are dated by their load date. Incremental by date: a run recounts the days in int_dates_reprocessed
    (every date of a raw row from a file not yet committed as processed; rows never change status once
    validated) and keeps the others. -#}
{{ reprocessed_dates_config('event_date', 'event_date') }}

with

staged_events as (
    select * from {{ ref('int_events_validated') }}
),

clean_events as (
    select * from {{ ref('int_events_sessionized') }}
    {%- if is_incremental() %}
    where {{ in_reprocessed_dates('event_date') }}
    {%- endif %}
),

quarantined_events as (
    select * from {{ ref('quarantined_events') }}
    {%- if is_incremental() %}
    where {{ in_reprocessed_dates('event_date') }}
    {%- endif %}
),

dated_events as (
    select
        staged_events.*,
        coalesce(staged_events.event_date, {{ local_date('staged_events.loaded_at') }}) as accounting_date
    from staged_events
    {%- if is_incremental() %}
    where {{ in_reprocessed_dates('coalesce(staged_events.event_date, ' ~ local_date('staged_events.loaded_at') ~ ')') }}
    {%- endif %}
),

raw_counts as (
    select
        accounting_date as event_date,
        count(*) as raw_rows,
        sum(case when row_status = 'duplicate' then 1 else 0 end) as duplicate_rows,
        sum(
            case when row_status = 'clean' and not ({{ consent_allows_user_level() }}) then 1 else 0 end
        ) as consent_excluded_rows,
        sum(
            case
                when row_status != 'quarantined'
                    and loaded_at > {{ dbt.dateadd('hour', var('late_arrival_threshold_hours'), 'event_at') }}
                    then 1
                else 0
            end
        ) as late_rows,
        min(ingested_at) as first_ingested_at,
        max(ingested_at) as last_ingested_at
    from dated_events
    group by accounting_date
),

clean_counts as (
    select
        event_date,
        count(*) as clean_rows
    from clean_events
    group by event_date
),

quarantine_counts as (
    select
        event_date,
        {%- for reason in rejection_reasons() %}
        sum(case when rejection_reason = '{{ reason }}' then 1 else 0 end) as quarantined_{{ reason }},  -- noqa: LT02
        {%- endfor %}
        count(*) as quarantined_rows
    from quarantined_events
    group by event_date
),

final as (
    select
        raw_counts.event_date,
        raw_counts.raw_rows,
        coalesce(clean_counts.clean_rows, 0) as clean_rows,
        coalesce(quarantine_counts.quarantined_rows, 0) as quarantined_rows,
        raw_counts.consent_excluded_rows,
        raw_counts.duplicate_rows,
        raw_counts.late_rows,
        {%- for reason in rejection_reasons() %}
        coalesce(quarantine_counts.quarantined_{{ reason }}, 0) as quarantined_{{ reason }},  -- noqa: LT02
        {%- endfor %}
        (
            raw_counts.raw_rows
            = coalesce(clean_counts.clean_rows, 0)
            + raw_counts.consent_excluded_rows
            + coalesce(quarantine_counts.quarantined_rows, 0)
            + raw_counts.duplicate_rows
        ) as is_balanced,
        raw_counts.first_ingested_at,
        raw_counts.last_ingested_at
    from raw_counts
    left join clean_counts
        on raw_counts.event_date = clean_counts.event_date
    left join quarantine_counts
        on raw_counts.event_date = quarantine_counts.event_date
)

select * from final
