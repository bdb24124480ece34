{#- One row per user journey that did not convert: the channels of the user's sessions in the
    attribution_lookback_days before (and including) their last session, in order, raw and transformed
    like conversion_paths. A user who converted contributes the sessions that started after their last
    macro-conversion (those belong to no conversion path); a user without such sessions has no row.
    Markov and Shapley need these null paths: leaving converters out entirely would make the channels
    that bring converters back look like they always convert. -#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

conversions as (
    select * from {{ ref('fct_macro_conversions') }}
),

last_conversions as (
    select
        user_key,
        max(converted_at) as last_converted_at
    from conversions
    group by user_key
),

unconverted_sessions as (
    select
        sessions.user_key,
        sessions.session_key,
        sessions.started_at,
        sessions.channel,
        last_conversions.user_key is not null as is_after_conversion
    from sessions
    left join last_conversions
        on sessions.user_key = last_conversions.user_key
    where last_conversions.user_key is null
        or sessions.started_at > last_conversions.last_converted_at
),

last_sessions as (
    select
        user_key,
        max(started_at) as last_started_at
    from unconverted_sessions
    group by user_key
),

touchpoints as (
    select
        unconverted_sessions.user_key,
        unconverted_sessions.session_key,
        unconverted_sessions.started_at,
        unconverted_sessions.channel,
        unconverted_sessions.is_after_conversion,
        row_number() over (
            partition by unconverted_sessions.user_key
            order by unconverted_sessions.started_at asc, unconverted_sessions.session_key asc
        ) as touch_number
    from unconverted_sessions
    inner join last_sessions
        on unconverted_sessions.user_key = last_sessions.user_key
    where unconverted_sessions.started_at > {{ dbt.dateadd('day', '-1 * ' ~ var('attribution_lookback_days'), 'last_sessions.last_started_at') }}
),

touches as (
    select
        user_key,
        touch_number,
        channel
    from touchpoints
),

{{ path_transform_ctes('touches', 'user_key') }}

raw_paths as (
    select
        user_key,
        is_after_conversion,
        count(*) as path_length,
        {{ dbt.listagg('channel', "' > '", 'order by touch_number') }} as raw_path
    from touchpoints
    group by user_key, is_after_conversion
),

transformed_paths as (
    select
        user_key,
        count(*) as transformed_path_length,
        {{ dbt.listagg('channel', "' > '", 'order by touch_number') }} as path
    from transformed_touchpoints
    group by user_key
),

final as (
    select
        raw_paths.user_key,
        raw_paths.raw_path,
        transformed_paths.path,
        raw_paths.path_length,
        transformed_paths.transformed_path_length,
        raw_paths.is_after_conversion
    from raw_paths
    inner join transformed_paths
        on raw_paths.user_key = transformed_paths.user_key
)

select * from final
