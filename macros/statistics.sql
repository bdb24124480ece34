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
        (1.0 / (1.0 + 0.5 * ({{ expression }})))
        * exp(
            -({{ expression }}) * ({{ expression }}) - 1.26551223
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (1.00002368
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (0.37409196
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (0.09678418
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (-0.18628806
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (0.27886807
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (-1.13520398
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (1.48851587
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * (-0.82215223
            + (1.0 / (1.0 + 0.5 * ({{ expression }}))) * 0.17087277))))))))
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
