-- Every funnel step names a micro- or macro-conversion of the catalogues (a typo would silently
-- produce an empty step).
-- Shown in Dagster as a check of funnel_definitions (a test reading several models needs one named).
{{ config(meta={'dagster': {'ref': {'name': 'funnel_definitions'}}}) }}

with

funnel_definitions as (
    select * from {{ ref('funnel_definitions') }}
),

micro_conversion_definitions as (
    select micro_conversion as conversion_name from {{ ref('micro_conversion_definitions') }}
),

macro_conversion_definitions as (
    select macro_conversion as conversion_name from {{ ref('macro_conversion_definitions') }}
),

known_conversions as (
    select conversion_name from micro_conversion_definitions
    union all
    select conversion_name from macro_conversion_definitions
),

final as (
    select
        funnel_definitions.funnel,
        funnel_definitions.step_number,
        funnel_definitions.step_name
    from funnel_definitions
    left join known_conversions
        on funnel_definitions.step_name = known_conversions.conversion_name
    where known_conversions.conversion_name is null
)

select * from final
