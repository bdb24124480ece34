-- Warns, naming each micro- or macro-conversion definition (seed row) that matches no event in the
-- warehouse: a misspelt event_name, property or page_path_pattern would otherwise just count 0.
-- Shown in Dagster as a check of fct_micro_conversions (a test reading several models needs one named).
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_micro_conversions'}}}) }}

with

micro_conversion_definitions as (
    select * from {{ ref('micro_conversion_definitions') }}
),

macro_conversion_definitions as (
    select * from {{ ref('macro_conversion_definitions') }}
),

micro_conversions as (
    select distinct micro_conversion from {{ ref('fct_micro_conversions') }}
),

macro_conversions as (
    select distinct macro_conversion from {{ ref('fct_macro_conversions') }}
),

unmatched_micro_conversions as (
    select
        'micro_conversion_definitions' as definitions_seed,
        micro_conversion_definitions.micro_conversion as conversion_name,
        micro_conversion_definitions.event_name
    from micro_conversion_definitions
    left join micro_conversions
        on micro_conversion_definitions.micro_conversion = micro_conversions.micro_conversion
    where micro_conversions.micro_conversion is null
),

unmatched_macro_conversions as (
    select
        'macro_conversion_definitions' as definitions_seed,
        macro_conversion_definitions.macro_conversion as conversion_name,
        macro_conversion_definitions.event_name
    from macro_conversion_definitions
    left join macro_conversions
        on macro_conversion_definitions.macro_conversion = macro_conversions.macro_conversion
    where macro_conversions.macro_conversion is null
),

final as (
    select * from unmatched_micro_conversions
    union all
    select * from unmatched_macro_conversions
)

select * from final
