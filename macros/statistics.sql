{#- Statistical helpers used by the impact and experiment marts. -#}

{#- Continuous percentile (linear interpolation, as numpy's default) of an expression, 0 <= p <= 1. -#}
{% macro percentile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('percentile_cont', 'microconv')(expression, fraction)) }}
{%- endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro spark__percentile_cont(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{#- Complementary error function, fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc,
    a Chebyshev fit); expression must be >= 0. The fit's polynomial in t = 1 / (1 + z/2) is written as
    a flat sum of powers, not in Horner form, so the SQL stays shallow for parsers and linters. -#}
{% macro erfc_nonnegative(expression) -%}
    {%- set t = '(cast(1 as double) / (1.0 + 0.5 * (' ~ expression ~ ')))' -%}
    {%- set coefficients = [1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277] -%}
    (
        {{ t }} * exp(
            -({{ expression }}) * ({{ expression }}) - 1.26551223
            {%- for coefficient in coefficients %}
            {{ '+' if coefficient >= 0 else '-' }} {{ coefficient | abs }} * power({{ t }}, {{ loop.index }})
            {%- endfor %}
        )
    )
{%- endmacro %}

{#- A probability forced into [0, 1]: the approximations above can overshoot by ~1e-7 (erfc(0) gives
    1.00000003), which would fail accepted_range on every tie. -#}
{% macro clamp_probability(expression) -%}
    least(cast(1 as double), greatest(cast(0 as double), {{ expression }}))
{%- endmacro %}

{#- Upper-tail p-value of a chi-square statistic with one degree of freedom: erfc(sqrt(x / 2)), in [0, 1]. -#}
{% macro chi_square_1df_p_value(statistic) -%}
    {{ clamp_probability(erfc_nonnegative('sqrt((' ~ statistic ~ ') / 2.0)')) }}
{%- endmacro %}

{#- Two-sided p-value of a standard normal z statistic: erfc(|z| / sqrt(2)), in [0, 1]. -#}
{% macro normal_two_sided_p_value(z) -%}
    {{ clamp_probability(erfc_nonnegative('abs(' ~ z ~ ') / sqrt(2.0)')) }}
{%- endmacro %}

{#- Natural log of the gamma function. -#}
{% macro ln_gamma(expression) -%}
    {{ return(adapter.dispatch('ln_gamma', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__ln_gamma(expression) -%}
    lgamma({{ expression }})
{%- endmacro %}

{#- Spark has no lgamma: shift the argument up by 6 (lgamma(x) = lgamma(x + 6) - ln(x (x+1) … (x+5)))
    and use Stirling's series there, accurate to about 1e-12 for x > 0. -#}
{% macro spark__ln_gamma(expression) -%}
    {%- set x = '(' ~ expression ~ ')' -%}
    {%- set z = '(' ~ x ~ ' + 6.0)' -%}
    (
        ({{ z }} - 0.5) * ln({{ z }}) - {{ z }} + 0.91893853320467274178
        + cast(1 as double) / (12.0 * {{ z }}) - cast(1 as double) / (360.0 * power({{ z }}, 3)) + cast(1 as double) / (1260.0 * power({{ z }}, 5))
        - cast(1 as double) / (1680.0 * power({{ z }}, 7))
        - ln({{ x }} * ({{ x }} + 1.0) * ({{ x }} + 2.0) * ({{ x }} + 3.0) * ({{ x }} + 4.0) * ({{ x }} + 5.0))
    )
{%- endmacro %}

{#- Upper-tail p-value of a chi-square statistic with `degrees` degrees of freedom (>= 1, any number),
    the regularized upper incomplete gamma function Q(degrees / 2, statistic / 2). Its shape parameter is
    always a whole or half number, where Q has exact finite sums (Abramowitz & Stegun 26.4.4, 26.4.5):
    even df = 2k: Q = exp(-x) sum_{i<k} x^i / i!; odd df = 2k + 1: Q = erfc(sqrt(x)) + exp(-x)
    sum_{1<=i<=k} x^(i - 1/2) / Γ(i + 1/2), with x = statistic / 2. All terms are positive (no
    cancellation) and flat, so the SQL runs on any engine. The sums are unrolled up to `max_degrees`
    (relative error below 2e-7, that of erfc, checked against scipy); above it the Wilson–Hilferty
    cube-root normal approximation (absolute error below 1e-3). -#}
{% macro chi_square_p_value(statistic, degrees, max_degrees=100) -%}
    {%- set x = '(cast(' ~ statistic ~ ' as double) / 2.0)' -%}
    {%- set df = '(' ~ degrees ~ ')' -%}
    {%- set ln_x = 'ln(greatest(' ~ x ~ ', 1e-300))' -%}
    {{ clamp_probability(
        'case
            when ' ~ statistic ~ ' is null or ' ~ degrees ~ ' is null or ' ~ df ~ ' < 1 then null
            when ' ~ x ~ ' <= 0 then cast(1 as double)
            when ' ~ df ~ ' > ' ~ max_degrees ~ ' then ' ~ normal_upper_tail(
                '(power(cast(' ~ statistic ~ ' as double) / ' ~ df ~ ', 1.0 / 3.0) - (1.0 - 2.0 / (9.0 * ' ~ df ~ ')))'
                ~ ' / sqrt(2.0 / (9.0 * ' ~ df ~ '))'
            ) ~ '
            when mod(' ~ df ~ ', 2) = 0 then 0.0'
            ~ chi_square_even_terms(x, ln_x, df, max_degrees) ~ '
            else ' ~ erfc_nonnegative('sqrt(' ~ x ~ ')')
            ~ chi_square_odd_terms(x, ln_x, df, max_degrees) ~ '
        end'
    ) }}
{%- endmacro %}

{%- macro chi_square_even_terms(x, ln_x, df, max_degrees) -%}
    {%- for i in range(0, max_degrees // 2) %}
                + case when {{ df }} > {{ 2 * i }} then exp({{ i }}.0 * {{ ln_x }} - {{ x }} - {{ ln_gamma((i + 1) ~ '.0') }}) else 0.0 end
    {%- endfor %}
{%- endmacro %}

{%- macro chi_square_odd_terms(x, ln_x, df, max_degrees) -%}
    {%- for i in range(1, (max_degrees - 1) // 2 + 1) %}
                + case when {{ df }} > {{ 2 * i }} then exp({{ i - 0.5 }} * {{ ln_x }} - {{ x }} - {{ ln_gamma((i + 0.5) ~ '') }}) else 0.0 end
    {%- endfor %}
{%- endmacro %}

{#- Upper tail 1 - Φ(z) of the standard normal, any z. -#}
{% macro normal_upper_tail(z) -%}
    (case
        when ({{ z }}) >= 0 then {{ erfc_nonnegative('(' ~ z ~ ') / sqrt(2.0)') }} / 2.0
        else 1.0 - {{ erfc_nonnegative('-(' ~ z ~ ') / sqrt(2.0)') }} / 2.0
    end)
{%- endmacro %}

{#- Two-proportion z statistic with the pooled standard error (the classic two-sided z-test):
    variant with x1 successes of n1 against control with x2 of n2. Null when the pooled rate is 0 or 1. -#}
{% macro two_proportion_z_score(x1, n1, x2, n2) -%}
    (
        (cast(1 as double) * ({{ x1 }}) / ({{ n1 }}) - cast(1 as double) * ({{ x2 }}) / ({{ n2 }}))
        / nullif(
            sqrt(
                (cast(1 as double) * (({{ x1 }}) + ({{ x2 }})) / (({{ n1 }}) + ({{ n2 }})))
                * (1 - cast(1 as double) * (({{ x1 }}) + ({{ x2 }})) / (({{ n1 }}) + ({{ n2 }})))
                * (cast(1 as double) / ({{ n1 }}) + cast(1 as double) / ({{ n2 }}))
            ),
            0
        )
    )
{%- endmacro %}

{#- Unpooled standard error of the difference of two proportions (for its confidence interval). -#}
{% macro proportion_difference_se(x1, n1, x2, n2) -%}
    sqrt(
        (cast(1 as double) * ({{ x1 }}) / ({{ n1 }})) * (1 - cast(1 as double) * ({{ x1 }}) / ({{ n1 }})) / ({{ n1 }})
        + (cast(1 as double) * ({{ x2 }}) / ({{ n2 }})) * (1 - cast(1 as double) * ({{ x2 }}) / ({{ n2 }})) / ({{ n2 }})
    )
{%- endmacro %}

{#- Standard normal quantile Φ⁻¹(probability), 0 < probability < 1: Acklam's rational approximation
    (relative error below 1.15e-9), e.g. the two-sided critical value Φ⁻¹(1 - α/2). -#}
{% macro normal_quantile(probability) -%}
    {%- set p = '(cast(' ~ probability ~ ' as double))' -%}
    {%- set tail = 'sqrt(-2.0 * ln(greatest(least(' ~ p ~ ', 1.0 - ' ~ p ~ '), 1e-300)))' -%}
    {%- set r = '((' ~ p ~ ' - 0.5) * (' ~ p ~ ' - 0.5))' -%}
    case
        when {{ p }} <= 0 or {{ p }} >= 1 then null
        when {{ p }} >= 0.02425 and {{ p }} <= 0.97575 then
            (((((-3.969683028665376e+01 * {{ r }} + 2.209460984245205e+02) * {{ r }} - 2.759285104469687e+02) * {{ r }}
            + 1.383577518672690e+02) * {{ r }} - 3.066479806614716e+01) * {{ r }} + 2.506628277459239e+00) * ({{ p }} - 0.5)
            / (((((-5.447609879822406e+01 * {{ r }} + 1.615858368580409e+02) * {{ r }} - 1.556989798598866e+02) * {{ r }}
            + 6.680131188771972e+01) * {{ r }} - 1.328068155288572e+01) * {{ r }} + 1.0)
        else
            (case when {{ p }} < 0.5 then 1.0 else -1.0 end)
            * (((((-7.784894002430293e-03 * {{ tail }} - 3.223964580411365e-01) * {{ tail }} - 2.400758277161838e+00) * {{ tail }}
            - 2.549732539343734e+00) * {{ tail }} + 4.374664141464968e+00) * {{ tail }} + 2.938163982698783e+00)
            / ((((7.784695709041462e-03 * {{ tail }} + 3.224671290700398e-01) * {{ tail }} + 2.445134137142996e+00) * {{ tail }}
            + 3.754408661907416e+00) * {{ tail }} + 1.0)
    end
{%- endmacro %}

{#- Two-sided critical value of the standard normal at the significance_level var: Φ⁻¹(1 - α/2). -#}
{% macro significance_z() -%}
    {{ normal_quantile('1.0 - ' ~ var('significance_level') ~ ' / 2.0') }}
{%- endmacro %}

{#- Wilson score interval bound of a proportion x / n at critical value z (sign -1 lower, +1 upper). -#}
{% macro wilson_bound(x, n, z, sign) -%}
    (
        (cast(1 as double) * ({{ x }}) / ({{ n }}) + ({{ z }}) * ({{ z }}) / (2.0 * ({{ n }}))
            + ({{ sign }}) * ({{ z }}) * sqrt(
                cast(1 as double) * ({{ x }}) / ({{ n }}) * (1 - cast(1 as double) * ({{ x }}) / ({{ n }})) / ({{ n }})
                + ({{ z }}) * ({{ z }}) / (4.0 * ({{ n }}) * ({{ n }}))
            ))
        / (1 + ({{ z }}) * ({{ z }}) / ({{ n }}))
    )
{%- endmacro %}

{#- Confidence bound of the difference of proportions x1/n1 - x2/n2 by Newcombe's hybrid score method
    (Newcombe 1998, Statistics in Medicine 17:873, method 10): the two Wilson intervals combined,
    lower = d - sqrt((p1 - l1)² + (u2 - p2)²), upper = d + sqrt((u1 - p1)² + (p2 - l2)²). Unlike the
    Wald interval it stays inside [-1, 1] and keeps its coverage at rates near 0 or 1. -#}
{% macro newcombe_difference_bound(x1, n1, x2, n2, z, sign) -%}
    {%- set p1 = '(cast(1 as double) * (' ~ x1 ~ ') / (' ~ n1 ~ '))' -%}
    {%- set p2 = '(cast(1 as double) * (' ~ x2 ~ ') / (' ~ n2 ~ '))' -%}
    {%- if sign | int < 0 %}
    ({{ p1 }} - {{ p2 }} - sqrt(
        power({{ p1 }} - {{ wilson_bound(x1, n1, z, -1) }}, 2) + power({{ wilson_bound(x2, n2, z, 1) }} - {{ p2 }}, 2)
    ))
    {%- else %}
    ({{ p1 }} - {{ p2 }} + sqrt(
        power({{ wilson_bound(x1, n1, z, 1) }} - {{ p1 }}, 2) + power({{ p2 }} - {{ wilson_bound(x2, n2, z, -1) }}, 2)
    ))
    {%- endif %}
{%- endmacro %}

{#- Benjamini–Hochberg step-up adjustment (Benjamini & Hochberg 1995), in two window steps because
    window functions cannot nest: first p_value_rank (1 = smallest p-value of the family; a null p-value
    is no test and gets no rank) and p_value_tests (m, the family's number of p-values) as columns, then
    benjamini_hochberg_q_value over them: q_i = min over ranks j >= i of p_j × m / j, capped at 1 (as
    scipy.stats.false_discovery_control). `partition_by` lists the family's columns, none for one family. -#}
{% macro p_value_rank(p_value, partition_by=none) -%}
    case when {{ p_value }} is not null then row_number() over (
        {% if partition_by %}partition by {{ partition_by }}{% endif %}
        order by case when {{ p_value }} is null then 1 else 0 end, {{ p_value }}
    ) end
{%- endmacro %}

{% macro p_value_tests(p_value, partition_by=none) -%}
    count({{ p_value }}) over ({% if partition_by %}partition by {{ partition_by }}{% endif %})
{%- endmacro %}

{% macro benjamini_hochberg_q_value(p_value, rank, tests, partition_by=none) -%}
    case when {{ p_value }} is not null then least(
        cast(1 as double),
        min(cast(1 as double) * {{ p_value }} * {{ tests }} / {{ rank }}) over (
            {% if partition_by %}partition by {{ partition_by }}{% endif %}
            order by {{ rank }} desc nulls last
            rows between unbounded preceding and current row
        )
    ) end
{%- endmacro %}
