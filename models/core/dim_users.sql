{#- One row per stitched user (int_users_stitched: a user_id, or a never-identified device) with their
    first session and totals. total_revenue is in var reporting_currency (converted revenue only). -#}
with

users_stitched as (
    select * from {{ ref('int_users_stitched') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

micro_conversions as (
    select * from {{ ref('fct_micro_conversions') }}
),

macro_conversions as (
    select * from {{ ref('fct_macro_conversions') }}
),

identities as (
    select
        user_key,
        min(stitched_user_id) as user_id,
        count(distinct anonymous_id) as anonymous_id_count
    from users_stitched
    group by user_key
),

first_sessions as (
    select
        user_key,
        session_key as first_session_key,
        started_at as first_seen_at,
        channel as first_channel,
        device_category as first_device_category,
        country as first_country
    from sessions
    where user_session_number = 1
),

session_totals as (
    select
        user_key,
        max(ended_at) as last_seen_at,
        count(*) as session_count
    from sessions
    group by user_key
),

micro_totals as (
    select
        user_key,
        count(*) as micro_conversion_count,
        min(occurred_at) as first_micro_conversion_at
    from micro_conversions
    group by user_key
),

macro_totals as (
    select
        user_key,
        count(*) as macro_conversion_count,
        min(converted_at) as first_converted_at,
        sum(revenue) as total_revenue,
        sum(case when not is_currency_known then 1 else 0 end) as unconverted_conversion_count
    from macro_conversions
    group by user_key
),

final as (
    select
        first_sessions.user_key,
        identities.user_id,
        identities.user_id is not null as is_identified,
        coalesce(identities.anonymous_id_count, 0) as anonymous_id_count,
        first_sessions.first_seen_at,
        session_totals.last_seen_at,
        first_sessions.first_session_key,
        first_sessions.first_channel,
        first_sessions.first_device_category,
        first_sessions.first_country,
        session_totals.session_count,
        coalesce(micro_totals.micro_conversion_count, 0) as micro_conversion_count,
        micro_totals.first_micro_conversion_at,
        coalesce(macro_totals.macro_conversion_count, 0) as macro_conversion_count,
        macro_totals.first_converted_at,
        coalesce(macro_totals.total_revenue, 0) as total_revenue,
        coalesce(macro_totals.unconverted_conversion_count, 0) as unconverted_conversion_count,
        macro_totals.user_key is not null as is_converted
    from first_sessions
    inner join session_totals
        on first_sessions.user_key = session_totals.user_key
    left join identities
        on first_sessions.user_key = identities.user_key
    left join micro_totals
        on first_sessions.user_key = micro_totals.user_key
    left join macro_totals
        on first_sessions.user_key = macro_totals.user_key
)

select * from final
