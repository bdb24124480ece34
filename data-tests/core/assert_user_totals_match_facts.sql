-- dim_users totals agree with the facts they summarise (no user lost or double counted).
-- Shown in Dagster as a check of dim_users (a test reading several models needs one named).
{{ config(meta={'dagster': {'ref': {'name': 'dim_users'}}}) }}

with

users as (
    select
        sum(session_count) as sessions,
        sum(micro_conversion_count) as micro_conversions,
        sum(macro_conversion_count) as macro_conversions
    from {{ ref('dim_users') }}
),

sessions as (
    select count(*) as sessions from {{ ref('fct_sessions') }}
),

micro_conversions as (
    select count(*) as micro_conversions from {{ ref('fct_micro_conversions') }}
),

macro_conversions as (
    select count(*) as macro_conversions from {{ ref('fct_macro_conversions') }}
),

final as (
    select
        users.sessions as user_sessions,
        sessions.sessions as fact_sessions,
        users.micro_conversions as user_micro_conversions,
        micro_conversions.micro_conversions as fact_micro_conversions,
        users.macro_conversions as user_macro_conversions,
        macro_conversions.macro_conversions as fact_macro_conversions
    from users
    cross join sessions
    cross join micro_conversions
    cross join macro_conversions
    where users.sessions != sessions.sessions
        or users.micro_conversions != micro_conversions.micro_conversions
        or users.macro_conversions != macro_conversions.macro_conversions
)

select * from final
