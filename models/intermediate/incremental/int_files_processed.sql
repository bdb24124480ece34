{#- One row per landing file (raw.events._file_id) whose rows the incremental core models have
    processed. Built after them, so it commits a run's work: when a run fails or is killed before
    this model, the next run still sees the files as new and reprocesses their devices. Also built after
    the marts kept up to date by date (int_dates_reprocessed), so a killed run's dates are redone too. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail'
) }}
-- depends_on: {{ ref('fct_sessions') }}
-- depends_on: {{ ref('fct_micro_conversions') }}
-- depends_on: {{ ref('fct_macro_conversions') }}
-- depends_on: {{ ref('micro_conversion_daily') }}
-- depends_on: {{ ref('event_quality_daily') }}

with

events as (
    select
        file_id,
        source_file
    from {{ ref('int_events_validated') }}
),

final as (
    select
        file_id,
        min(source_file) as source_file
    from events
    {%- if is_incremental() %}
    where file_id not in (select processed.file_id from {{ this }} as processed)
    {%- endif %}
    group by file_id
)

select * from final
