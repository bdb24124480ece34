{#- One row per date whose rows the daily marts (micro_conversion_daily, event_quality_daily) recompute
    in this run: every date of a clean event of a reprocessed device (int_devices_reprocessed), and the
    date of every raw row from a file no run has finished processing.

    The first set holds every date a reprocessed device's fact rows had before the run and have after
    it. Events are only ever added (validation appends, a clean row stays clean), so a device's event
    dates now include all it had before. A session is dated by its first event and a micro-conversion by
    its event, and every device holding an event of a session whose rows change is reprocessed (sessions
    and stitching are per user, and int_devices_reprocessed takes every device of the users involved),
    so old and new session and micro-conversion dates are all among these event dates.
    The second set is what the raw-row counts of event_quality_daily need (quarantined rows have no
    reprocessed device); a file counts as new until int_files_processed commits it, which happens after
    the daily marts, so a killed run's dates are recomputed by the next run. Every date on a full
    refresh or before int_files_processed exists. -#}
{%- set processed_files = existing_model_relation('int_files_processed') -%}
{%- set incremental = processed_files is not none and not should_full_refresh() %}

with

events as (
    select
        coalesce(anonymous_id, 'user:' || user_id) as device_id,
        row_status,
        file_id,
        coalesce(event_date, {{ local_date('loaded_at') }}) as accounting_date
    from {{ ref('int_events_validated') }}
),

reprocessed_devices as (
    select device_id from {{ ref('int_devices_reprocessed') }}
),

{% if incremental -%}
processed_files as (
    select file_id from {{ processed_files }}
),

new_file_dates as (
    select events.accounting_date as date_day
    from events
    left join processed_files
        on events.file_id = processed_files.file_id
    where processed_files.file_id is null
),
{%- else -%}
new_file_dates as (
    select accounting_date as date_day
    from events
),
{%- endif %}

device_dates as (
    select events.accounting_date as date_day
    from events
    inner join reprocessed_devices
        on events.device_id = reprocessed_devices.device_id
    where events.row_status = 'clean'
),

final as (
    select date_day from new_file_dates
    union
    select date_day from device_dates
)

select * from final
