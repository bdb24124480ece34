{#- One row per experiment × variant × metric (every micro- and macro-conversion). A user belongs to
    the variant of their first exposure and converts on a metric when they complete it after that
    exposure. The control is the variant named `control`, else the first by name. Uplift and its 95%
    CI use the unpooled standard error of the difference; the p-value is the two-sided pooled
    two-proportion z-test. srm_p_value tests the exposed users per variant against the expected split
    (experiment_variant_weights, equal by default) with a chi-square goodness-of-fit test. Users who
    saw several variants stay in their first one and are counted in multi_variant_users. -#}
with

assignments as (
    select * from {{ ref('int_experiment_assignments') }}
),

conversions as (
    select * from {{ ref('int_conversions_unioned') }}
),

micro_conversion_definitions as (
    select micro_conversion as metric from {{ ref('micro_conversion_definitions') }}
),

macro_conversion_definitions as (
    select macro_conversion as metric from {{ ref('macro_conversion_definitions') }}
),

variant_weights as (
    select * from {{ ref('experiment_variant_weights') }}
),

metrics as (
    select
        metric,
        'micro' as metric_type
    from micro_conversion_definitions
    union all
    select
        metric,
        'macro' as metric_type
    from macro_conversion_definitions
),

variants as (
    select
        experiment_id,
        variant,
        count(*) as exposed_users,
        sum(case when has_multiple_variants then 1 else 0 end) as multi_variant_users
    from assignments
    group by experiment_id, variant
),

controls as (
    select
        experiment_id,
        variant as control_variant
    from (
        select
            experiment_id,
            variant,
            row_number() over (
                partition by experiment_id
                order by case when variant = 'control' then 0 else 1 end, variant
            ) as control_rank
        from variants
    ) as ranked_variants
    where control_rank = 1
),

expected_shares as (
    select
        variants.experiment_id,
        variants.variant,
        variants.exposed_users,
        sum(variants.exposed_users) over (partition by variants.experiment_id) as experiment_users,
        count(*) over (partition by variants.experiment_id) as variant_count,
        coalesce(
            variant_weights.weight / sum(variant_weights.weight) over (partition by variants.experiment_id),
            cast(1 as double) / count(*) over (partition by variants.experiment_id)
        ) as expected_share
    from variants
    left join variant_weights
        on variants.experiment_id = variant_weights.experiment_id
        and variants.variant = variant_weights.variant
),

sample_ratio as (
    select
        experiment_id,
        max(variant_count) - 1 as srm_degrees_of_freedom,
        sum(
            power(exposed_users - experiment_users * expected_share, 2) / (experiment_users * expected_share)
        ) as srm_chi_square
    from expected_shares
    group by experiment_id
),

converted as (
    select
        assignments.experiment_id,
        assignments.variant,
        conversions.conversion_name as metric,
        count(distinct assignments.user_key) as converted_users
    from assignments
    inner join conversions
        on assignments.user_key = conversions.user_key
        and assignments.first_exposed_at < conversions.occurred_at
    group by assignments.experiment_id, assignments.variant, conversions.conversion_name
),

rates as (
    select
        variants.experiment_id,
        variants.variant,
        metrics.metric,
        metrics.metric_type,
        variants.exposed_users,
        variants.multi_variant_users,
        coalesce(converted.converted_users, 0) as converted_users,
        cast(1 as double) * coalesce(converted.converted_users, 0) / variants.exposed_users as conversion_rate
    from variants
    cross join metrics
    left join converted
        on variants.experiment_id = converted.experiment_id
        and variants.variant = converted.variant
        and metrics.metric = converted.metric
),

compared as (
    select
        rates.*,
        controls.control_variant,
        rates.variant = controls.control_variant as is_control,
        control_rates.exposed_users as control_exposed_users,
        control_rates.converted_users as control_converted_users,
        control_rates.conversion_rate as control_conversion_rate
    from rates
    inner join controls
        on rates.experiment_id = controls.experiment_id
    inner join rates as control_rates
        on controls.experiment_id = control_rates.experiment_id
        and controls.control_variant = control_rates.variant
        and rates.metric = control_rates.metric
),

tested as (
    select
        compared.*,
        compared.conversion_rate - compared.control_conversion_rate as uplift,
        {{ proportion_difference_se(
            'compared.converted_users', 'compared.exposed_users',
            'compared.control_converted_users', 'compared.control_exposed_users'
        ) }} as difference_se,
        {{ two_proportion_z_score(
            'compared.converted_users', 'compared.exposed_users',
            'compared.control_converted_users', 'compared.control_exposed_users'
        ) }} as z_score
    from compared
),

final as (
    select
        tested.experiment_id,
        tested.variant,
        tested.metric,
        tested.metric_type,
        tested.is_control,
        tested.control_variant,
        tested.exposed_users,
        tested.converted_users,
        tested.conversion_rate,
        tested.control_conversion_rate,
        case when not tested.is_control then tested.uplift end as uplift_vs_control,
        case when not tested.is_control then tested.uplift / nullif(tested.control_conversion_rate, 0) end
            as relative_uplift_vs_control,
        case when not tested.is_control then tested.uplift - 1.959963984540054 * tested.difference_se end as ci_low,
        case when not tested.is_control then tested.uplift + 1.959963984540054 * tested.difference_se end as ci_high,
        case when not tested.is_control then tested.z_score end as z_score,
        case when not tested.is_control then {{ normal_two_sided_p_value('tested.z_score') }} end as p_value,
        coalesce(
            not tested.is_control and {{ normal_two_sided_p_value('tested.z_score') }} < {{ var('significance_level') }},
            false
        ) as is_significant,
        sample_ratio.srm_chi_square,
        {{ chi_square_p_value('sample_ratio.srm_chi_square', 'sample_ratio.srm_degrees_of_freedom') }} as srm_p_value,
        coalesce(
            {{ chi_square_p_value('sample_ratio.srm_chi_square', 'sample_ratio.srm_degrees_of_freedom') }}
            < {{ var('srm_alpha') }},
            false
        ) as has_sample_ratio_mismatch,
        tested.multi_variant_users
    from tested
    inner join sample_ratio
        on tested.experiment_id = sample_ratio.experiment_id
)

select * from final
