{#- One row per micro-conversion × macro-conversion: does doing the micro-conversion early go with
    converting later? A landmark (cohort) design, the same for every user, so nothing the user did after
    converting can count (no look-ahead bias; Anderson, Cain & Gelber 1983, J Clin Oncol 1:710):
    - exposure window [first_seen_at, first_seen_at + impact_exposure_days): "with" = did the
      micro-conversion in it;
    - outcome window [first_seen_at + impact_exposure_days, + impact_outcome_days): "converted" = a
      macro-conversion in it;
    - users who already converted (this macro) inside the exposure window are no longer at risk and are
      left out of that macro-conversion's table; users whose outcome window ends after the latest event
      in the warehouse (max last_seen_at) are left out, not counted as non-converters.
    2×2 table: a = with & converted, b = with & not, c = without & converted, d = without & not.
    Odds ratio with +0.5 on every cell when one is zero; Woolf CI on the log scale at the
    significance_level var; two-sided p-value from Pearson's chi-square (no continuity correction), or
    Fisher's exact test when an expected cell is under 5 (over the table's full hypergeometric support,
    from max(0, converted - users_without), when it has at most fisher_max_support + 1 tables, else the
    chi-square); q_value is the Benjamini–Hochberg adjustment over all rows. -#}
with

users as (
    select * from {{ ref('dim_users') }}
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

observation as (
    select max(last_seen_at) as observed_until from users
),

eligible_users as (
    select
        users.user_key,
        users.first_seen_at,
        {{ dbt.dateadd('day', var('impact_exposure_days'), 'users.first_seen_at') }} as landmark_at,
        {{ dbt.dateadd('day', var('impact_exposure_days') + var('impact_outcome_days'), 'users.first_seen_at') }}
            as outcome_ends_at
    from users
    cross join observation
    where {{ dbt.dateadd('day', var('impact_exposure_days') + var('impact_outcome_days'), 'users.first_seen_at') }}
        <= observation.observed_until
),

exposed_users as (
    select distinct
        eligible_users.user_key,
        micro_conversions.micro_conversion
    from eligible_users
    inner join micro_conversions
        on eligible_users.user_key = micro_conversions.user_key
        and eligible_users.first_seen_at <= micro_conversions.occurred_at
        and eligible_users.landmark_at > micro_conversions.occurred_at
),

macro_outcomes as (
    select
        eligible_users.user_key,
        macro_conversions.macro_conversion,
        max(case when macro_conversions.converted_at < eligible_users.landmark_at then 1 else 0 end)
            as converted_before_landmark,
        max(
            case
                when macro_conversions.converted_at >= eligible_users.landmark_at
                    and macro_conversions.converted_at < eligible_users.outcome_ends_at
                    then 1
                else 0
            end
        ) as converted_in_outcome_window
    from eligible_users
    inner join macro_conversions
        on eligible_users.user_key = macro_conversions.user_key
    group by eligible_users.user_key, macro_conversions.macro_conversion
),

users_at_risk as (
    select
        eligible_users.user_key,
        macro_definitions.macro_conversion,
        coalesce(macro_outcomes.converted_in_outcome_window, 0) as is_converted
    from eligible_users
    cross join macro_definitions
    left join macro_outcomes
        on eligible_users.user_key = macro_outcomes.user_key
        and macro_definitions.macro_conversion = macro_outcomes.macro_conversion
    where coalesce(macro_outcomes.converted_before_landmark, 0) = 0
),

at_risk_totals as (
    select
        macro_conversion,
        count(*) as total_users,
        sum(is_converted) as converted_users
    from users_at_risk
    group by macro_conversion
),

with_micro as (
    select
        exposed_users.micro_conversion,
        users_at_risk.macro_conversion,
        sum(users_at_risk.is_converted) as with_converted,
        sum(1 - users_at_risk.is_converted) as with_not_converted
    from exposed_users
    inner join users_at_risk
        on exposed_users.user_key = users_at_risk.user_key
    group by exposed_users.micro_conversion, users_at_risk.macro_conversion
),

cells as (
    select
        micro_definitions.micro_conversion,
        macro_definitions.macro_conversion,
        coalesce(with_micro.with_converted, 0) as cell_a,
        coalesce(with_micro.with_not_converted, 0) as cell_b,
        coalesce(at_risk_totals.converted_users, 0) - coalesce(with_micro.with_converted, 0) as cell_c,
        coalesce(at_risk_totals.total_users, 0)
        - coalesce(with_micro.with_not_converted, 0)
        - coalesce(at_risk_totals.converted_users, 0) as cell_d
    from micro_definitions
    cross join macro_definitions
    left join with_micro
        on micro_definitions.micro_conversion = with_micro.micro_conversion
        and macro_definitions.macro_conversion = with_micro.macro_conversion
    left join at_risk_totals
        on macro_definitions.macro_conversion = at_risk_totals.macro_conversion
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

-- Fisher's exact test: hypergeometric probability of every table with the observed margins, a from
-- its lower bound max(0, converted - users_without) to its upper bound min(users_with, converted).
fisher_supports as (
    select
        statistics.*,
        greatest(0, statistics.converted_users - statistics.users_without) as support_low,
        least(statistics.users_with, statistics.converted_users) as support_high
    from statistics
    where statistics.min_expected_cell < 5
        and statistics.chi_square is not null
        and least(statistics.users_with, statistics.converted_users)
        - greatest(0, statistics.converted_users - statistics.users_without)
        < {{ var('fisher_max_support') | int(5000) + 1 }}
),

fisher_tables as (
    select
        fisher_supports.micro_conversion,
        fisher_supports.macro_conversion,
        fisher_supports.cell_a,
        fisher_supports.support_low + support_numbers.generated_number - 1 as candidate_a,
        {{ ln_gamma('fisher_supports.users_with + 1') }}
        + {{ ln_gamma('fisher_supports.users_without + 1') }}
        + {{ ln_gamma('fisher_supports.converted_users + 1') }}
        + {{ ln_gamma('fisher_supports.not_converted_users + 1') }}
        - {{ ln_gamma('fisher_supports.total_users + 1') }}
        - {{ ln_gamma('fisher_supports.support_low + support_numbers.generated_number') }}
        - {{ ln_gamma('fisher_supports.users_with - fisher_supports.support_low - support_numbers.generated_number + 2') }}
        - {{ ln_gamma('fisher_supports.converted_users - fisher_supports.support_low - support_numbers.generated_number + 2') }}
        - {{ ln_gamma(
            'fisher_supports.users_without - fisher_supports.converted_users'
            ~ ' + fisher_supports.support_low + support_numbers.generated_number'
        ) }}
            as log_probability
    from fisher_supports
    inner join support_numbers
        on support_numbers.generated_number - 1 <= fisher_supports.support_high - fisher_supports.support_low
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
        {{ clamp_probability(
            'sum(case when fisher_tables.log_probability <= fisher_observed.observed_log_probability + 1e-7'
            ~ ' then exp(fisher_tables.log_probability) else 0 end)'
        ) }} as fisher_p_value
    from fisher_tables
    inner join fisher_observed
        on fisher_tables.micro_conversion = fisher_observed.micro_conversion
        and fisher_tables.macro_conversion = fisher_observed.macro_conversion
    group by fisher_tables.micro_conversion, fisher_tables.macro_conversion
),

tested as (
    select
        statistics.*,
        case
            when statistics.chi_square is null then null
            when fisher.fisher_p_value is not null then 'fisher_exact'
            else 'chi_square'
        end as test_used,
        case
            when statistics.chi_square is null then null
            when fisher.fisher_p_value is not null then fisher.fisher_p_value
            else {{ chi_square_1df_p_value('statistics.chi_square') }}
        end as p_value
    from statistics
    left join fisher
        on statistics.micro_conversion = fisher.micro_conversion
        and statistics.macro_conversion = fisher.macro_conversion
),

ranked as (
    select
        tested.*,
        {{ p_value_rank('tested.p_value') }} as p_value_rank,
        {{ p_value_tests('tested.p_value') }} as p_value_tests
    from tested
),

adjusted as (
    select
        ranked.*,
        {{ benjamini_hochberg_q_value('ranked.p_value', 'ranked.p_value_rank', 'ranked.p_value_tests') }} as q_value
    from ranked
),

final as (
    select
        adjusted.micro_conversion,
        adjusted.macro_conversion,
        adjusted.users_with,
        adjusted.users_without,
        adjusted.cell_a as converted_with,
        adjusted.cell_c as converted_without,
        case when adjusted.users_with > 0 then cast(1 as double) * adjusted.cell_a / adjusted.users_with end as macro_rate_with,
        case when adjusted.users_without > 0 then cast(1 as double) * adjusted.cell_c / adjusted.users_without end
            as macro_rate_without,
        (cast(1 as double) * adjusted.cell_a / nullif(adjusted.users_with, 0))
        / nullif(cast(1 as double) * adjusted.cell_c / nullif(adjusted.users_without, 0), 0) as lift,
        adjusted.odds_ratio,
        exp(ln(adjusted.odds_ratio) - {{ significance_z() }} * adjusted.log_odds_ratio_se) as odds_ratio_ci_low,
        exp(ln(adjusted.odds_ratio) + {{ significance_z() }} * adjusted.log_odds_ratio_se) as odds_ratio_ci_high,
        adjusted.chi_square,
        adjusted.min_expected_cell,
        adjusted.test_used,
        adjusted.p_value,
        adjusted.q_value,
        coalesce(adjusted.q_value < {{ var('significance_level') }}, false) as is_significant,
        least(adjusted.users_with, adjusted.users_without) < {{ var('impact_min_users') }}
        or least(adjusted.cell_a, adjusted.cell_c) < {{ var('impact_min_conversions') }} as is_small_sample
    from adjusted
)

select * from final
