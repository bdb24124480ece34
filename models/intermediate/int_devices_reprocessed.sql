{#- One row per device whose events this run (re)computes in the incremental core models.

    A device is reprocessed when it has a clean event from a file no run has processed yet (so a late
    event is never lost, however late), a clean event dated in the reprocessing window (the partition
    plus late_arrival_lookback_days before it: what a rerun or backfill of days recomputes), or when
    its stitched user changed since the last run; then every device of the users involved (old and
    new user) is reprocessed too, because per-user numbering spans devices. On a full refresh, or
    before the core tables exist, every device is. -#}
{%- set previous_sessions = existing_model_relation('fct_sessions') -%}
{%- set processed_files = existing_model_relation('int_files_processed') -%}
{%- set incremental = previous_sessions is not none and processed_files is not none and not flags.FULL_REFRESH %}
-- depends_on: {{ ref('stg_tracking__events') }}

with

devices as (
    select
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
    from {{ ref('stg_tracking__events') }}
    where row_status = 'clean'
),

processed_files as (
    select file_id from {{ processed_files }}
),

window_devices as (
    select distinct events.device_id
    from events
    left join processed_files
        on events.file_id = processed_files.file_id
    where processed_files.file_id is null
        or {{ in_reprocessing_window('events.event_date') }}
),

previous_devices as (
    select distinct
        device_id,
        user_key
    from {{ previous_sessions }}
),

restitched_devices as (
    select
        previous_devices.device_id,
        previous_devices.user_key as previous_user_key
    from previous_devices
    left join devices
        on previous_devices.device_id = devices.device_id
    where devices.user_key is null
        or devices.user_key != previous_devices.user_key
),

changed_devices as (
    select device_id from window_devices
    union
    select device_id from restitched_devices
),

affected_users as (
    select devices.user_key
    from devices
    inner join changed_devices
        on devices.device_id = changed_devices.device_id
    union
    select previous_user_key as user_key
    from restitched_devices
),

affected_devices as (
    select devices.device_id
    from devices
    inner join affected_users
        on devices.user_key = affected_users.user_key
    union
    select previous_devices.device_id
    from previous_devices
    inner join affected_users
        on previous_devices.user_key = affected_users.user_key
),
{%- else -%}
affected_devices as (
    select device_id
    from devices
),
{%- endif %}

final as (
    select distinct device_id
    from affected_devices
)

select * from final
