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
    a Chebyshev fit); expression must be >= 0. -#}
{% macro erfc_nonnegative(expression) -%}
    (
        (cast(1 as double) / (1.0 + 0.5 * ({{ expression }})))
        * exp(
            -({{ expression }}) * ({{ expression }}) - 1.26551223
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (1.00002368
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (0.37409196
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (0.09678418
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (-0.18628806
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (0.27886807
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (-1.13520398
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (1.48851587
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * (-0.82215223
            + (cast(1 as double) / (1.0 + 0.5 * ({{ expression }}))) * 0.17087277))))))))
        )
    )
{%- endmacro %}

{#- Upper-tail p-value of a chi-square statistic with one degree of freedom: erfc(sqrt(x / 2)). -#}
{% macro chi_square_1df_p_value(statistic) -%}
    {{ erfc_nonnegative('sqrt((' ~ statistic ~ ') / 2.0)') }}
{%- endmacro %}

{#- Two-sided p-value of a standard normal z statistic: erfc(|z| / sqrt(2)). -#}
{% macro normal_two_sided_p_value(z) -%}
    {{ erfc_nonnegative('abs(' ~ z ~ ') / sqrt(2.0)') }}
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

{#- Upper-tail p-value of a chi-square statistic with `degrees` degrees of freedom (1 … 9, a SQL
    expression), exact closed forms of the regularized upper incomplete gamma function. -#}
{% macro chi_square_p_value(statistic, degrees) -%}
    case {{ degrees }}
    {%- for df in range(1, 10) %}
        {%- set half = '((' ~ statistic ~ ') / 2.0)' %}
        when {{ df }} then
        {%- if df % 2 == 0 %}
            exp(-{{ half }}) * (
            {%- for i in range(0, df // 2) %}
                {{ ' + ' if not loop.first }}power({{ half }}, {{ i }}) / {{ [1, 1, 2, 6, 24, 120, 720, 5040, 40320][i] }}.0
            {%- endfor %}
            )
        {%- else %}
            {{ erfc_nonnegative('sqrt(' ~ half ~ ')') }}
            {%- for i in range(1, (df - 1) // 2 + 1) %}
            + exp(-{{ half }}) * power({{ half }}, {{ i }} - 0.5) / exp({{ ln_gamma(i ~ ' + 0.5') }})
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
    end
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
