{#- One row per user × experiment: the variant of the user's first exposure (a user belongs to the
    first variant seen) and how many distinct variants the user was exposed to. -#}
with

exposures as (
    select
        user_key,
        session_key,
        event_id,
        event_at,
        experiment_id,
        experiment_variant
    from {{ ref('int_events_sessionized') }}
    where event_name = 'experiment_exposure'
        and experiment_id is not null
        and experiment_variant is not null
),

ranked as (
    select
        exposures.*,
        row_number() over (
            partition by exposures.user_key, exposures.experiment_id
            order by exposures.event_at, exposures.event_id
        ) as exposure_rank
    from exposures
),

variant_counts as (
    select
        user_key,
        experiment_id,
        count(distinct experiment_variant) as variant_count,
        count(*) as exposure_count
    from exposures
    group by user_key, experiment_id
),

final as (
    select
        ranked.user_key,
        ranked.experiment_id,
        ranked.experiment_variant as variant,
        ranked.event_at as first_exposed_at,
        ranked.session_key as first_exposure_session_key,
        variant_counts.variant_count,
        variant_counts.exposure_count,
        variant_counts.variant_count > 1 as has_multiple_variants
    from ranked
    inner join variant_counts
        on ranked.user_key = variant_counts.user_key
        and ranked.experiment_id = variant_counts.experiment_id
    where ranked.exposure_rank = 1
)

select * from final
