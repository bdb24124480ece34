{#- One row per macro-conversion: its touchpoints' channels in order (raw_path) and after the
    attribution_path_transform var (path; the steps and their meaning are in macros/attribution.sql:
    fractribution's unique, exposure, first, frequency, remove_if_not_all, remove_if_last_and_not_all). -#}
with

touchpoints as (
    select * from {{ ref('attribution_touchpoints') }}
),

touches as (
    select
        conversion_key,
        touch_number,
        channel
    from touchpoints
),

{{ path_transform_ctes('touches', 'conversion_key') }}

raw_paths as (
    select
        conversion_key,
        user_key,
        macro_conversion,
        converted_at,
        revenue,
        count(*) as path_length,
        min(started_at) as first_touch_at,
        {{ dbt.listagg('channel', "' > '", 'order by touch_number') }} as raw_path
    from touchpoints
    group by conversion_key, user_key, macro_conversion, converted_at, revenue
),

transformed_paths as (
    select
        conversion_key,
        count(*) as transformed_path_length,
        {{ dbt.listagg('channel', "' > '", 'order by touch_number') }} as path
    from transformed_touchpoints
    group by conversion_key
),

final as (
    select
        raw_paths.conversion_key,
        raw_paths.user_key,
        raw_paths.macro_conversion,
        raw_paths.converted_at,
        raw_paths.revenue,
        raw_paths.raw_path,
        transformed_paths.path,
        raw_paths.path_length,
        transformed_paths.transformed_path_length,
        {{ seconds_between('raw_paths.first_touch_at', 'raw_paths.converted_at') }} / 86400.0 as days_to_convert
    from raw_paths
    inner join transformed_paths
        on raw_paths.conversion_key = transformed_paths.conversion_key
)

select * from final
