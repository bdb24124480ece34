{#- One row per experiment × variant × metric (every micro- and macro-conversion), for the variants
    that exposed at least one user. A user belongs to the variant of their first exposure and converts
    on a metric when they complete it after that exposure. The control is the variant named `control`,
    else the first by name. Uplift's confidence interval at the significance_level var is Newcombe's
    hybrid score interval (Newcombe 1998, method 10); the p-value is the two-sided pooled
    two-proportion z-test, q_value its Benjamini–Hochberg adjustment over all metrics and variants of
    the experiment, and is_significant compares q_value with significance_level. srm_p_value is a
    chi-square goodness-of-fit test of the users per variant against the configured split
    (experiment_variant_weights, normalised to sum 1; equal over the seen variants when the experiment
    is not listed), counting listed variants that received nobody, with k - 1 degrees of freedom for k
    variants; a seen variant the weights do not list (weight 0) is a mismatch, p-value 0. Users who saw
    several variants stay in their first one and are counted in multi_variant_users. -#}
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

-- Two-sided normal critical value of the confidence intervals, Φ⁻¹(1 - significance_level / 2).
critical_value as (
    select {{ significance_z() }} as z
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

configured_experiments as (
    select distinct variant_weights.experiment_id
    from variant_weights
    inner join variants
        on variant_weights.experiment_id = variants.experiment_id
),

-- Every variant the split expects (listed ones, even if nobody saw them) or that exposed someone.
split_variants as (
    select
        variant_weights.experiment_id,
        variant_weights.variant,
        cast(variant_weights.weight as double) as weight
    from variant_weights
    inner join configured_experiments
        on variant_weights.experiment_id = configured_experiments.experiment_id
    union all
    select
        variants.experiment_id,
        variants.variant,
        case when configured_experiments.experiment_id is null then cast(1 as double) else cast(0 as double) end as weight
    from variants
    left join configured_experiments
        on variants.experiment_id = configured_experiments.experiment_id
    left join variant_weights
        on variants.experiment_id = variant_weights.experiment_id
        and variants.variant = variant_weights.variant
    where variant_weights.variant is null
),

expected_shares as (
    select
        split_variants.experiment_id,
        split_variants.variant,
        coalesce(variants.exposed_users, 0) as exposed_users,
        sum(coalesce(variants.exposed_users, 0)) over (partition by split_variants.experiment_id) as experiment_users,
        split_variants.weight / sum(split_variants.weight) over (partition by split_variants.experiment_id) as expected_share
    from split_variants
    left join variants
        on split_variants.experiment_id = variants.experiment_id
        and split_variants.variant = variants.variant
),

sample_ratio_statistics as (
    select
        experiment_id,
        sum(case when expected_share > 0 then 1 else 0 end) - 1 as srm_degrees_of_freedom,
        sum(
            case
                when expected_share > 0
                    then power(exposed_users - experiment_users * expected_share, 2) / (experiment_users * expected_share)
                else 0
            end
        ) as srm_chi_square,
        max(case when expected_share <= 0 and exposed_users > 0 then 1 else 0 end) = 1 as has_unexpected_variant
    from expected_shares
    group by experiment_id
),

sample_ratio as (
    select
        experiment_id,
        srm_degrees_of_freedom,
        srm_chi_square,
        case
            when has_unexpected_variant then cast(0 as double)
            else {{ chi_square_p_value('srm_chi_square', 'srm_degrees_of_freedom') }}
        end as srm_p_value
    from sample_ratio_statistics
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
        {{ newcombe_difference_bound(
            'compared.converted_users', 'compared.exposed_users',
            'compared.control_converted_users', 'compared.control_exposed_users',
            'critical_value.z', -1
        ) }} as uplift_ci_low,
        {{ newcombe_difference_bound(
            'compared.converted_users', 'compared.exposed_users',
            'compared.control_converted_users', 'compared.control_exposed_users',
            'critical_value.z', 1
        ) }} as uplift_ci_high,
        {{ two_proportion_z_score(
            'compared.converted_users', 'compared.exposed_users',
            'compared.control_converted_users', 'compared.control_exposed_users'
        ) }} as z_score
    from compared
    cross join critical_value
),

p_values as (
    select
        tested.*,
        case when not tested.is_control then {{ normal_two_sided_p_value('tested.z_score') }} end as p_value
    from tested
),

ranked as (
    select
        p_values.*,
        {{ p_value_rank('p_values.p_value', 'p_values.experiment_id') }} as p_value_rank,
        {{ p_value_tests('p_values.p_value', 'p_values.experiment_id') }} as p_value_tests
    from p_values
),

adjusted as (
    select
        ranked.*,
        {{ benjamini_hochberg_q_value('ranked.p_value', 'ranked.p_value_rank', 'ranked.p_value_tests', 'ranked.experiment_id') }}
            as q_value
    from ranked
),

final as (
    select
        adjusted.experiment_id,
        adjusted.variant,
        adjusted.metric,
        adjusted.metric_type,
        adjusted.is_control,
        adjusted.control_variant,
        adjusted.exposed_users,
        adjusted.converted_users,
        adjusted.conversion_rate,
        adjusted.control_conversion_rate,
        case when not adjusted.is_control then adjusted.uplift end as uplift_vs_control,
        case when not adjusted.is_control then adjusted.uplift / nullif(adjusted.control_conversion_rate, 0) end
            as relative_uplift_vs_control,
        case when not adjusted.is_control then adjusted.uplift_ci_low end as ci_low,
        case when not adjusted.is_control then adjusted.uplift_ci_high end as ci_high,
        case when not adjusted.is_control then adjusted.z_score end as z_score,
        adjusted.p_value,
        adjusted.q_value,
        coalesce(adjusted.q_value < {{ var('significance_level') }}, false) as is_significant,
        sample_ratio.srm_chi_square,
        sample_ratio.srm_degrees_of_freedom,
        sample_ratio.srm_p_value,
        coalesce(sample_ratio.srm_p_value < {{ var('srm_alpha') }}, false) as has_sample_ratio_mismatch,
        adjusted.multi_variant_users
    from adjusted
    inner join sample_ratio
        on adjusted.experiment_id = sample_ratio.experiment_id
)

select * from final
