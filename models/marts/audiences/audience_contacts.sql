{#- One row per user in any audience whose events carried an e-mail address, with the SHA-256 of the
    latest address (normalised for ad platforms' customer lists), when the var
    audience_export_email_sha256 is true; empty otherwise. Publishing adds it to the audience exports. -#}
with

audience_users as (
    select distinct user_key from {{ ref('audience_members') }}
),

email_hashes as (
    select * from {{ ref('int_events_email_sha256') }}
),

events as (
    select
        raw_row_key,
        user_key,
        event_at
    from {{ ref('int_events_sessionized') }}
),

ranked as (
    select
        events.user_key,
        email_hashes.email_sha256,
        row_number() over (
            partition by events.user_key
            order by events.event_at desc, events.raw_row_key desc
        ) as recency_rank
    from email_hashes
    inner join events
        on email_hashes.raw_row_key = events.raw_row_key
    inner join audience_users
        on events.user_key = audience_users.user_key
),

final as (
    select
        user_key,
        email_sha256
    from ranked
    where recency_rank = 1
)

select * from final
