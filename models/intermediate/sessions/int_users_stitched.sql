{#- One row per clean event (under var consent_policy, one with analytics consent) with the user it
    belongs to (identity stitching at event grain, as Amplitude assigns users: the user id wins, since
    several people can share a device, and a device's anonymous events join the user who identifies
    there).
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
    from {{ ref('int_events_validated') }}
    where
        row_status = 'clean'
        and {{ consent_allows_user_level() }}
),

-- Devices that only ever saw one user_id (nearly all) need no window: every event is that user's.
device_users as (
    select
        device_id,
        count(distinct user_id) as user_id_count,
        min(user_id) as only_user_id,
        min(case when user_id is not null then event_at end) as first_login_at
    from events
    group by device_id
),

first_logins as (
    select
        events.device_id,
        min(events.event_id) as first_login_event_id
    from events
    inner join device_users
        on events.device_id = device_users.device_id
        and events.event_at = device_users.first_login_at
    where events.user_id is not null and device_users.user_id_count = 1
    group by events.device_id
),

single_user_stitched as (
    select
        events.raw_row_key,
        events.event_id,
        events.event_at,
        events.anonymous_id,
        events.user_id,
        events.device_id,
        coalesce(events.user_id, device_users.only_user_id) as stitched_user_id,
        case
            when events.user_id is not null then 'own_user_id'
            when device_users.only_user_id is null then 'anonymous'
            when
                events.event_at < device_users.first_login_at
                or (events.event_at = device_users.first_login_at and events.event_id < first_logins.first_login_event_id)
                then 'first_login_after'
            else 'last_login_before'
        end as stitch_rule
    from events
    inner join device_users
        on events.device_id = device_users.device_id
    left join first_logins
        on events.device_id = first_logins.device_id
    where device_users.user_id_count <= 1
),

-- Shared devices: how many identified events the device sent up to and including this one (time,
-- then event_id).
shared_device_events as (
    select events.*
    from events
    inner join device_users
        on events.device_id = device_users.device_id
    where device_users.user_id_count > 1
),

positioned as (
    select
        shared_device_events.*,
        count(shared_device_events.user_id) over (
            partition by shared_device_events.device_id
            order by shared_device_events.event_at, shared_device_events.event_id
            rows between unbounded preceding and current row
        ) as identifications_so_far
    from shared_device_events
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
shared_device_stitched as (
    select
        positioned.raw_row_key,
        positioned.event_id,
        positioned.event_at,
        positioned.anonymous_id,
        positioned.user_id,
        positioned.device_id,
        coalesce(positioned.user_id, identifications.user_id) as stitched_user_id,
        case
            when positioned.user_id is not null then 'own_user_id'
            when positioned.identifications_so_far > 0 then 'last_login_before'
            else 'first_login_after'
        end as stitch_rule
    from positioned
    left join identifications
        on positioned.device_id = identifications.device_id
        and positioned.user_id is null
        and identifications.identification_number
        = case when positioned.identifications_so_far > 0 then positioned.identifications_so_far else 1 end
),

stitched as (
    select * from single_user_stitched
    union all
    select * from shared_device_stitched
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
