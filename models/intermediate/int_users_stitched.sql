{#- One row per device (anonymous_id, or 'user:' + user_id for events sent without one) with the user
    it belongs to: the first user_id ever seen on that device. Applied retroactively, so the device's
    events before the login join the user too. -#}
with

events as (
    select
        event_id,
        event_at,
        anonymous_id,
        user_id,
        coalesce(anonymous_id, 'user:' || user_id) as device_id
    from {{ ref('stg_tracking__events') }}
    where row_status = 'clean'
),

identifications as (
    select
        device_id,
        user_id,
        row_number() over (
            partition by device_id
            order by event_at, event_id
        ) as identification_rank
    from events
    where user_id is not null
),

first_identifications as (
    select
        device_id,
        user_id
    from identifications
    where identification_rank = 1
),

devices as (
    select
        device_id,
        min(anonymous_id) as anonymous_id,
        min(event_at) as first_seen_at,
        count(distinct user_id) as user_id_count
    from events
    group by device_id
),

final as (
    select
        devices.device_id,
        devices.anonymous_id,
        first_identifications.user_id,
        {{ user_key('first_identifications.user_id', 'devices.anonymous_id') }} as user_key,
        first_identifications.user_id is not null as is_identified,
        devices.user_id_count,
        devices.first_seen_at
    from devices
    left join first_identifications
        on devices.device_id = first_identifications.device_id
)

select * from final
