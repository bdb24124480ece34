{#- One row per user who never converted: the channels of their sessions in the
    attribution_lookback_days before (and including) their last session, in order, raw and
    transformed like conversion_paths. -#}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

users as (
    select * from {{ ref('dim_users') }}
    where not is_converted
),

last_sessions as (
    select
        user_key,
        max(started_at) as last_started_at
    from sessions
    group by user_key
),

touchpoints as (
    select
        sessions.user_key,
        sessions.session_key,
        sessions.started_at,
        sessions.channel,
        row_number() over (
            partition by sessions.user_key
            order by sessions.started_at asc, sessions.session_key asc
        ) as touch_number
    from sessions
    inner join users
        on sessions.user_key = users.user_key
    inner join last_sessions
        on sessions.user_key = last_sessions.user_key
    where sessions.started_at > {{ dbt.dateadd('day', '-1 * ' ~ var('attribution_lookback_days'), 'last_sessions.last_started_at') }}
),

flagged as (
    select
        touchpoints.*,
        {{ path_transform_keep('touchpoints.user_key', 'touchpoints.touch_number', 'touchpoints.channel') }} as is_kept
    from touchpoints
),

raw_paths as (
    select
        user_key,
        count(*) as path_length,
        {{ dbt.listagg('channel', "' > '", 'order by touch_number') }} as raw_path
    from flagged
    group by user_key
),

transformed_paths as (
    select
        user_key,
        count(*) as transformed_path_length,
        {{ dbt.listagg('channel', "' > '", 'order by touch_number') }} as path
    from flagged
    where is_kept
    group by user_key
),

final as (
    select
        raw_paths.user_key,
        raw_paths.raw_path,
        transformed_paths.path,
        raw_paths.path_length,
        transformed_paths.transformed_path_length
    from raw_paths
    inner join transformed_paths
        on raw_paths.user_key = transformed_paths.user_key
)

select * from final
