{#- One row per user: when each journey stage (awareness → consideration → decision → retention) was
    first reached through a micro-conversion of that stage, and the furthest stage reached. -#}
with

users as (
    select user_key from {{ ref('dim_users') }}
),

micro_conversions as (
    select * from {{ ref('fct_micro_conversions') }}
),

stage_firsts as (
    select
        user_key,
        min(case when journey_stage = 'awareness' then occurred_at end) as awareness_reached_at,
        min(case when journey_stage = 'consideration' then occurred_at end) as consideration_reached_at,
        min(case when journey_stage = 'decision' then occurred_at end) as decision_reached_at,
        min(case when journey_stage = 'retention' then occurred_at end) as retention_reached_at
    from micro_conversions
    group by user_key
),

final as (
    select
        users.user_key,
        case
            when stage_firsts.retention_reached_at is not null then 'retention'
            when stage_firsts.decision_reached_at is not null then 'decision'
            when stage_firsts.consideration_reached_at is not null then 'consideration'
            when stage_firsts.awareness_reached_at is not null then 'awareness'
        end as furthest_journey_stage,
        case
            when stage_firsts.retention_reached_at is not null then 4
            when stage_firsts.decision_reached_at is not null then 3
            when stage_firsts.consideration_reached_at is not null then 2
            when stage_firsts.awareness_reached_at is not null then 1
            else 0
        end as furthest_journey_stage_number,
        stage_firsts.awareness_reached_at,
        stage_firsts.consideration_reached_at,
        stage_firsts.decision_reached_at,
        stage_firsts.retention_reached_at
    from users
    left join stage_firsts
        on users.user_key = stage_firsts.user_key
)

select * from final
