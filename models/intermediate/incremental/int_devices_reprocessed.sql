{#- One row per device whose events this run (re)computes in the incremental core models.

    A device is reprocessed when it has a clean event from a file no run has processed yet (so a late
    event is never lost, however late) or a clean event dated in the reprocessing window (the partition
    plus late_arrival_lookback_days before it: what a rerun or backfill of days recomputes). Stitching
    is per event but only depends on the events of the same device, so only those devices' events can
    change user: the users they belong to now and belonged to in the previous run are the users
    involved, and every device holding an event of one of them is reprocessed too, because sessions
    (user_id-only events join the user's session in progress) and per-user numbering span devices. On a
    full refresh, or before the core tables exist, every device is. -#}
{%- set previous_sessions = existing_model_relation('fct_sessions') -%}
{%- set previous_events = existing_model_relation('int_events_sessionized') -%}
{%- set processed_files = existing_model_relation('int_files_processed') -%}
{%- set incremental = previous_sessions is not none and previous_events is not none
    and processed_files is not none and not should_full_refresh() %}
-- depends_on: {{ ref('int_events_validated') }}

with

stitched_events as (
    select
        raw_row_key,
        device_id,
        user_key
    from {{ ref('int_users_stitched') }}
),

{% if incremental -%}
events as (
    select
        coalesce(anonymous_id, 'user:' || user_id) as device_id,
        event_date,
        file_id
    from {{ ref('int_events_validated') }}
    where
        row_status = 'clean'
        -- Events var consent_policy keeps out of the user-level tables change no device's sessions.
        and {{ consent_allows_user_level() }}
),

processed_files as (
    select file_id from {{ processed_files }}
),

changed_devices as (
    select distinct events.device_id
    from events
    left join processed_files
        on events.file_id = processed_files.file_id
    where processed_files.file_id is null
        or {{ in_reprocessing_window('events.event_date') }}
),

affected_users as (
    select stitched_events.user_key
    from stitched_events
    inner join changed_devices
        on stitched_events.device_id = changed_devices.device_id
    union
    select previous_events.user_key
    from {{ previous_events }} as previous_events
    inner join changed_devices
        on previous_events.device_id = changed_devices.device_id
),

affected_devices as (
    select changed_devices.device_id
    from changed_devices
    union
    select stitched_events.device_id
    from stitched_events
    inner join affected_users
        on stitched_events.user_key = affected_users.user_key
),
{%- else -%}
affected_devices as (
    select device_id
    from stitched_events
),
{%- endif %}

final as (
    select distinct device_id
    from affected_devices
)

select * from final
