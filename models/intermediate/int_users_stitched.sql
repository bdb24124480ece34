{#- One row per anonymous (device) id with the user it belongs to: the first user_id ever seen on
    that device. Applied retroactively, so the device's events before the login join the user too. -#}
with

events as (
    select
        event_id,
        event_at,
        anonymous_id,
        user_id
    from {{ ref('stg_tracking__events') }}
    where row_status = 'clean'
        and anonymous_id is not null
),

identifications as (
    select
        anonymous_id,
        user_id,
        row_number() over (
            partition by anonymous_id
            order by event_at, event_id
        ) as identification_rank
    from events
    where user_id is not null
),

first_identifications as (
    select
        anonymous_id,
        user_id
    from identifications
    where identification_rank = 1
),

anonymous_ids as (
    select
        anonymous_id,
        min(event_at) as first_seen_at,
        count(distinct user_id) as user_id_count
    from events
    group by anonymous_id
),

final as (
    select
        anonymous_ids.anonymous_id,
        first_identifications.user_id,
        {{ user_key('first_identifications.user_id', 'anonymous_ids.anonymous_id') }} as user_key,
        first_identifications.user_id is not null as is_identified,
        anonymous_ids.user_id_count,
        anonymous_ids.first_seen_at
    from anonymous_ids
    left join first_identifications
        on anonymous_ids.anonymous_id = first_identifications.anonymous_id
)

select * from final
