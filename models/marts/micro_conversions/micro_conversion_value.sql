{#- One row per micro-conversion × macro-conversion: what a micro-conversion is worth in money, for
    reports and as the conversion value to send ad platforms for value-based bidding on it.
    value = (macro_rate_with - macro_rate_without) × average_value: the difference the micro-conversion
    makes to the probability of the macro-conversion in micro_conversion_impact's landmark design
    (exposure in the first impact_exposure_days, outcome in the impact_outcome_days after), times the
    macro-conversion's mean revenue per conversion (reporting currency, conversions whose currency has a
    rate). The interval is Newcombe's hybrid score interval of the difference (Newcombe 1998, method 10)
    at 1 - significance_level, times average_value (its own uncertainty is not included). The design
    removes look-ahead bias, not confounding: users who would buy anyway also do more micro-conversions,
    so the value is an upper-leaning estimate unless the micro-conversion was randomised (an experiment
    gives the causal figure). Null value for a macro-conversion without revenue. -#}
with

impact as (
    select * from {{ ref('micro_conversion_impact') }}
),

macro_conversions as (
    select
        macro_conversion,
        revenue,
        converted_at
    from {{ ref('fct_macro_conversions') }}
),

average_values as (
    select
        macro_conversion,
        cast(avg(revenue) as double) as average_value,
        count(revenue) as valued_conversions
    from macro_conversions
    where revenue is not null
    group by macro_conversion
),

data_end as (
    select {{ local_date('max(converted_at)') }} as as_of_date from macro_conversions
),

-- The two-sided critical value at 1 - significance_level, computed once.
critical_value as (
    select {{ significance_z() }} as z
),

differences as (
    select
        impact.micro_conversion,
        impact.macro_conversion,
        impact.users_with,
        impact.users_without,
        impact.converted_with,
        impact.converted_without,
        impact.macro_rate_with - impact.macro_rate_without as incremental_probability,
        case when impact.users_with > 0 and impact.users_without > 0 then
            {{ newcombe_difference_bound(
                'impact.converted_with', 'impact.users_with', 'impact.converted_without', 'impact.users_without',
                'critical_value.z', -1
            ) }}
        end as incremental_probability_ci_low,
        case when impact.users_with > 0 and impact.users_without > 0 then
            {{ newcombe_difference_bound(
                'impact.converted_with', 'impact.users_with', 'impact.converted_without', 'impact.users_without',
                'critical_value.z', 1
            ) }}
        end as incremental_probability_ci_high,
        impact.is_significant,
        impact.is_small_sample
    from impact
    cross join critical_value
),

final as (
    select
        {{ dbt.concat(['differences.micro_conversion', "'|'", 'differences.macro_conversion']) }}
            as micro_conversion_value_key,
        differences.micro_conversion,
        differences.macro_conversion,
        differences.incremental_probability * average_values.average_value as value,
        differences.incremental_probability_ci_low * average_values.average_value as value_ci_low,
        differences.incremental_probability_ci_high * average_values.average_value as value_ci_high,
        '{{ var("reporting_currency") }}' as currency,
        differences.incremental_probability,
        differences.incremental_probability_ci_low,
        differences.incremental_probability_ci_high,
        average_values.average_value,
        coalesce(average_values.valued_conversions, 0) as valued_conversions,
        differences.users_with,
        differences.users_without,
        differences.users_with + differences.users_without as sample_size,
        differences.is_significant,
        differences.is_small_sample,
        data_end.as_of_date
    from differences
    left join average_values
        on differences.macro_conversion = average_values.macro_conversion
    cross join data_end
)

select * from final
