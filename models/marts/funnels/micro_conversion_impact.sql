{#- One row per micro-conversion × macro-conversion: does doing the micro-conversion go with converting?
    Users "with" the micro-conversion: converters who did it before their first macro-conversion (no
    leakage from after the purchase), non-converters who did it at all. 2×2 table:
    a = with & converted, b = with & not, c = without & converted, d = without & not.
    Odds ratio with +0.5 on every cell when one is zero; 95% Woolf CI on the log scale; two-sided
    p-value from Pearson's chi-square (no continuity correction), or Fisher's exact test when an
    expected cell is under 5. -#}
with

users as (
    select user_key from {{ ref('dim_users') }}
),

micro_conversions as (
    select * from {{ ref('fct_micro_conversions') }}
),

macro_conversions as (
    select * from {{ ref('fct_macro_conversions') }}
),

micro_definitions as (
    select micro_conversion from {{ ref('micro_conversion_definitions') }}
),

macro_definitions as (
    select macro_conversion from {{ ref('macro_conversion_definitions') }}
),

support_numbers as (
    {{ dbt.generate_series(var('fisher_max_support') | int(5000) + 1) }}
),

user_count as (
    select count(*) as total_users from users
),

first_micro as (
    select
        user_key,
        micro_conversion,
        min(occurred_at) as first_occurred_at
    from micro_conversions
    group by user_key, micro_conversion
),

first_macro as (
    select
        user_key,
        macro_conversion,
        min(converted_at) as first_converted_at
    from macro_conversions
    group by user_key, macro_conversion
),

converters as (
    select
        macro_conversion,
        count(*) as converted_users
    from first_macro
    group by macro_conversion
),

with_micro as (
    select
        first_micro.micro_conversion,
        macro_definitions.macro_conversion,
        sum(case when first_macro.first_converted_at is null then 0 else 1 end) as with_converted,
        sum(case when first_macro.first_converted_at is null then 1 else 0 end) as with_not_converted
    from first_micro
    cross join macro_definitions
    left join first_macro
        on first_micro.user_key = first_macro.user_key
        and macro_definitions.macro_conversion = first_macro.macro_conversion
    where first_macro.first_converted_at is null
        or first_micro.first_occurred_at < first_macro.first_converted_at
    group by first_micro.micro_conversion, macro_definitions.macro_conversion
),

cells as (
    select
        micro_definitions.micro_conversion,
        macro_definitions.macro_conversion,
        coalesce(with_micro.with_converted, 0) as cell_a,
        coalesce(with_micro.with_not_converted, 0) as cell_b,
        coalesce(converters.converted_users, 0) - coalesce(with_micro.with_converted, 0) as cell_c,
        user_count.total_users
        - coalesce(with_micro.with_converted, 0)
        - coalesce(with_micro.with_not_converted, 0)
        - (coalesce(converters.converted_users, 0) - coalesce(with_micro.with_converted, 0)) as cell_d
    from micro_definitions
    cross join macro_definitions
    cross join user_count
    left join with_micro
        on micro_definitions.micro_conversion = with_micro.micro_conversion
        and macro_definitions.macro_conversion = with_micro.macro_conversion
    left join converters
        on macro_definitions.macro_conversion = converters.macro_conversion
),

margins as (
    select
        cells.*,
        cells.cell_a + cells.cell_b as users_with,
        cells.cell_c + cells.cell_d as users_without,
        cells.cell_a + cells.cell_c as converted_users,
        cells.cell_b + cells.cell_d as not_converted_users,
        cells.cell_a + cells.cell_b + cells.cell_c + cells.cell_d as total_users,
        cast(1 as double) * cells.cell_a * cells.cell_d - cast(1 as double) * cells.cell_b * cells.cell_c as determinant,
        cast(
            case when cells.cell_a = 0 or cells.cell_b = 0 or cells.cell_c = 0 or cells.cell_d = 0 then 0.5 else 0.0 end
            as double
        )
            as continuity_correction
    from cells
),

statistics as (
    select
        margins.*,
        least(
            cast(1 as double) * margins.users_with * margins.converted_users,
            cast(1 as double) * margins.users_with * margins.not_converted_users,
            cast(1 as double) * margins.users_without * margins.converted_users,
            cast(1 as double) * margins.users_without * margins.not_converted_users
        ) / nullif(margins.total_users, 0) as min_expected_cell,
        (margins.cell_a + margins.continuity_correction) * (margins.cell_d + margins.continuity_correction)
        / ((margins.cell_b + margins.continuity_correction) * (margins.cell_c + margins.continuity_correction))
            as odds_ratio,
        sqrt(
            cast(1 as double) / (margins.cell_a + margins.continuity_correction)
            + cast(1 as double) / (margins.cell_b + margins.continuity_correction)
            + cast(1 as double) / (margins.cell_c + margins.continuity_correction)
            + cast(1 as double) / (margins.cell_d + margins.continuity_correction)
        ) as log_odds_ratio_se,
        margins.total_users * margins.determinant * margins.determinant / nullif(
            cast(1 as double) * margins.users_with * margins.users_without * margins.converted_users * margins.not_converted_users, 0
        ) as chi_square
    from margins
),

-- Fisher's exact test: hypergeometric probability of every table with the observed margins.
fisher_tables as (
    select
        statistics.micro_conversion,
        statistics.macro_conversion,
        statistics.cell_a,
        support_numbers.generated_number - 1 as candidate_a,
        {{ ln_gamma('statistics.users_with + 1') }}
        + {{ ln_gamma('statistics.users_without + 1') }}
        + {{ ln_gamma('statistics.converted_users + 1') }}
        + {{ ln_gamma('statistics.not_converted_users + 1') }}
        - {{ ln_gamma('statistics.total_users + 1') }}
        - {{ ln_gamma('support_numbers.generated_number') }}
        - {{ ln_gamma('statistics.users_with - support_numbers.generated_number + 2') }}
        - {{ ln_gamma('statistics.converted_users - support_numbers.generated_number + 2') }}
        - {{ ln_gamma('statistics.users_without - statistics.converted_users + support_numbers.generated_number') }}
            as log_probability
    from statistics
    inner join support_numbers
        on support_numbers.generated_number - 1 >= statistics.converted_users - statistics.users_without
        and support_numbers.generated_number - 1 <= least(statistics.users_with, statistics.converted_users)
    where statistics.min_expected_cell < 5
        and statistics.chi_square is not null
),

fisher_observed as (
    select
        micro_conversion,
        macro_conversion,
        log_probability as observed_log_probability
    from fisher_tables
    where candidate_a = cell_a
),

fisher as (
    select
        fisher_tables.micro_conversion,
        fisher_tables.macro_conversion,
        least(
            1.0,
            sum(
                case
                    when fisher_tables.log_probability <= fisher_observed.observed_log_probability + 1e-7
                        then exp(fisher_tables.log_probability)
                    else 0
                end
            )
        ) as fisher_p_value
    from fisher_tables
    inner join fisher_observed
        on fisher_tables.micro_conversion = fisher_observed.micro_conversion
        and fisher_tables.macro_conversion = fisher_observed.macro_conversion
    group by fisher_tables.micro_conversion, fisher_tables.macro_conversion
),

final as (
    select
        statistics.micro_conversion,
        statistics.macro_conversion,
        statistics.users_with,
        statistics.users_without,
        statistics.cell_a as converted_with,
        statistics.cell_c as converted_without,
        case when statistics.users_with > 0 then cast(1 as double) * statistics.cell_a / statistics.users_with end as macro_rate_with,
        case when statistics.users_without > 0 then cast(1 as double) * statistics.cell_c / statistics.users_without end
            as macro_rate_without,
        (cast(1 as double) * statistics.cell_a / nullif(statistics.users_with, 0))
        / nullif(cast(1 as double) * statistics.cell_c / nullif(statistics.users_without, 0), 0) as lift,
        statistics.odds_ratio,
        exp(ln(statistics.odds_ratio) - 1.959963984540054 * statistics.log_odds_ratio_se) as odds_ratio_ci_low,
        exp(ln(statistics.odds_ratio) + 1.959963984540054 * statistics.log_odds_ratio_se) as odds_ratio_ci_high,
        statistics.chi_square,
        statistics.min_expected_cell,
        case
            when statistics.chi_square is null then null
            when statistics.min_expected_cell < 5 then 'fisher_exact'
            else 'chi_square'
        end as test_used,
        case
            when statistics.chi_square is null then null
            when statistics.min_expected_cell < 5 then fisher.fisher_p_value
            else {{ chi_square_1df_p_value('statistics.chi_square') }}
        end as p_value,
        coalesce(
            case
                when statistics.chi_square is null then null
                when statistics.min_expected_cell < 5 then fisher.fisher_p_value
                else {{ chi_square_1df_p_value('statistics.chi_square') }}
            end < {{ var('significance_level') }},
            false
        ) as is_significant,
        least(statistics.users_with, statistics.users_without) < {{ var('impact_min_users') }} as is_small_sample
    from statistics
    left join fisher
        on statistics.micro_conversion = fisher.micro_conversion
        and statistics.macro_conversion = fisher.macro_conversion
)

select * from final
