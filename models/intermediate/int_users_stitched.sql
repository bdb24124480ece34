{#- One row per clean event with the user it belongs to (identity stitching at event grain, as
    Amplitude assigns users: the user id wins, since several people can share a device, and a device's
    anonymous events join the user who identifies there).
    An event carrying a user_id belongs to that user, whatever device sent it. An anonymous event belongs
    to the user who last identified on its device (anonymous_id) at or before it; before the device's
    first login, to the first user to log in there; on a never-identified device, to the device itself.
    So a shared device's events change hands at each login instead of belonging to its first user. -#}
with

events as (
    select
        raw_row_key,
        event_id,
        event_at,
        anonymous_id,
        user_id,
        coalesce(anonymous_id, 'user:' || user_id) as device_id
    from {{ ref('stg_tracking__events') }}
    where row_status = 'clean'
),

-- How many identified events the device sent up to and including this one (time, then event_id).
positioned as (
    select
        events.*,
        count(events.user_id) over (
            partition by events.device_id
            order by events.event_at, events.event_id
            rows between unbounded preceding and current row
        ) as identifications_so_far
    from events
),

identifications as (
    select
        device_id,
        user_id,
        identifications_so_far as identification_number
    from positioned
    where user_id is not null
),

-- The last identification at or before the event, or the device's first one when there is none yet.
stitched as (
    select
        positioned.*,
        coalesce(positioned.user_id, identifications.user_id) as stitched_user_id,
        case
            when positioned.user_id is not null then 'own_user_id'
            when positioned.identifications_so_far > 0 then 'last_login_before'
            when identifications.user_id is not null then 'first_login_after'
            else 'anonymous'
        end as stitch_rule
    from positioned
    left join identifications
        on positioned.device_id = identifications.device_id
        and positioned.user_id is null
        and identifications.identification_number
        = case when positioned.identifications_so_far > 0 then positioned.identifications_so_far else 1 end
),

final as (
    select
        raw_row_key,
        event_id,
        event_at,
        device_id,
        anonymous_id,
        user_id,
        stitched_user_id,
        {{ user_key('stitched_user_id', 'anonymous_id') }} as user_key,
        stitched_user_id is not null as is_identified,
        stitch_rule
    from stitched
)

select * from final
