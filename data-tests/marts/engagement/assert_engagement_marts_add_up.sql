-- The engagement marts account for every event they count: page_performance's views equal the
-- sessions' page views and its micro-conversions every micro-conversion (each on exactly one page and
-- day); form_funnel's starts and submits equal the form events of int_element_events; in
-- element_performance the element sessions of each type equal its distinct session × element pairs.
-- Shown in Dagster as a check of page_performance (a test reading several models needs one named).
{{ config(meta={'dagster': {'ref': {'name': 'page_performance'}}}) }}

with

expected as (
    select
        'page views' as measure,
        sum(page_view_count) as expected_count
    from {{ ref('fct_sessions') }}
    union all
    select
        'micro-conversions' as measure,
        count(*) as expected_count
    from {{ ref('fct_micro_conversions') }}
    union all
    select
        'form starts' as measure,
        sum(case when role = 'start' then 1 else 0 end) as expected_count
    from {{ ref('int_element_events') }}
    where element_type = 'form'
    union all
    select
        'form submits' as measure,
        sum(case when role = 'completion' then 1 else 0 end) as expected_count
    from {{ ref('int_element_events') }}
    where element_type = 'form'
    union all
    select
        'element sessions' as measure,
        count(distinct session_key || '#' || element_type || '#' || element_id) as expected_count
    from {{ ref('int_element_events') }}
),

actual as (
    select
        'page views' as measure,
        sum(view_count) as actual_count
    from {{ ref('page_performance') }}
    union all
    select
        'micro-conversions' as measure,
        sum(micro_conversion_count) as actual_count
    from {{ ref('page_performance') }}
    union all
    select
        'form starts' as measure,
        sum(form_start_count) as actual_count
    from {{ ref('form_funnel') }}
    union all
    select
        'form submits' as measure,
        sum(form_submit_count) as actual_count
    from {{ ref('form_funnel') }}
    union all
    select
        'element sessions' as measure,
        sum(element_session_count) as actual_count
    from {{ ref('element_performance') }}
),

final as (
    select
        expected.measure,
        expected.expected_count,
        actual.actual_count
    from expected
    inner join actual
        on expected.measure = actual.measure
    where coalesce(expected.expected_count, 0) != coalesce(actual.actual_count, 0)
)

select * from final
