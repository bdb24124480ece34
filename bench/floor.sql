-- The floor: the dominant work of a build done once, by hand, in plain DuckDB over raw.events.
-- Dedupe, sessionize (30-minute gap per device), detect the ordered ecommerce funnel per device, and
-- give every purchase to the last session that started before it. No validation, no PII hashing,
-- no tests: what any implementation must at least pay.
create or replace temp table floor_events as
select
    event_id,
    event_name,
    coalesce(anonymous_id, 'user:' || user_id) as device_id,
    try_cast(event_timestamp as timestamptz) as event_at,
    coalesce(utm_source, '') || '/' || coalesce(utm_medium, '') as source_medium
from raw.events
where event_id is not null and event_name is not null
qualify row_number() over (partition by event_id order by _ingested_at, _source_row) = 1;

create or replace temp table floor_sessions as
with gaps as (
    select
        *,
        case
            when event_at > lag(event_at) over by_device + interval 30 minute
                or lag(event_at) over by_device is null then 1
            else 0
        end as is_new_session
    from floor_events
    where event_at is not null
    window by_device as (partition by device_id order by event_at, event_id)
),
numbered as (
    select
        *,
        sum(is_new_session) over (
            partition by device_id order by event_at, event_id rows unbounded preceding
        ) as session_number
    from gaps
)
select
    device_id,
    session_number,
    min(event_at) as started_at,
    arg_min(source_medium, event_at) as source_medium,
    count(*) as events
from numbered
group by device_id, session_number;

create or replace temp table floor_funnel as
with firsts as (
    select
        device_id,
        min(event_at) filter (where event_name = 'view_item') as step_1,
        min(event_at) filter (where event_name = 'add_to_cart') as step_2,
        min(event_at) filter (where event_name = 'begin_checkout') as step_3,
        min(event_at) filter (where event_name = 'add_payment_info') as step_4,
        min(event_at) filter (where event_name = 'purchase') as step_5
    from floor_events
    group by device_id
)
select
    count(step_1) as step_1_devices,
    count(*) filter (where step_2 >= step_1) as step_2_devices,
    count(*) filter (where step_3 >= step_2 and step_2 >= step_1) as step_3_devices,
    count(*) filter (where step_4 >= step_3 and step_3 >= step_2 and step_2 >= step_1) as step_4_devices,
    count(*) filter (where step_5 >= step_4 and step_4 >= step_3 and step_3 >= step_2 and step_2 >= step_1)
        as step_5_devices
from firsts;

create or replace temp table floor_last_touch as
select
    sessions.source_medium,
    count(*) as conversions
from floor_events as purchases
asof join floor_sessions as sessions
    on purchases.device_id = sessions.device_id
    and purchases.event_at >= sessions.started_at
where purchases.event_name = 'purchase'
group by sessions.source_medium;
