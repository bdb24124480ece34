{#- Anomaly detection helpers (micro_conversion_anomalies). -#}

{#- Scale of the median absolute deviation that estimates a normal standard deviation (1 / Phi^-1(3/4);
    Rousseeuw & Croux 1993, Leys et al. 2013). -#}
{% macro mad_to_stddev() -%}
    1.4826
{%- endmacro %}

{#- Upper quantile of Student's t with `degrees` degrees of freedom at the upper-tail probability of a
    standard normal at `z` (a number, z >= 0): the t critical value equivalent to a |z| threshold.
    Exact for 1 and 2 degrees of freedom; from 3 on the Cornish-Fisher expansion of Abramowitz & Stegun
    26.7.5 in powers of 1 / degrees (relative error below 2.5% at 3 degrees, 0.2% from 6 on, at z <= 3;
    checked against scipy.stats.t in tests/unit/test_anomalies_sql.py). Null below 1 degree. -#}
{% macro student_t_quantile_at_normal_z(z, degrees) -%}
    {%- set z = z | float %}
    {%- set g1 = (z ** 3 + z) / 4 %}
    {%- set g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96 %}
    {%- set g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384 %}
    {%- set g4 = (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160 %}
    {%- set tail = '(' ~ erfc_nonnegative(z ~ ' / sqrt(2.0)') ~ ' / 2.0)' %}
    case
        when {{ degrees }} < 1 then null
        when {{ degrees }} = 1 then cast(1 as double) / tan(pi() * {{ tail }})
        when {{ degrees }} = 2 then (1.0 - 2.0 * {{ tail }}) / sqrt(2.0 * {{ tail }} * (1.0 - {{ tail }}))
        else cast({{ z }} as double)
            + cast({{ g1 }} as double) / ({{ degrees }})
            + cast({{ g2 }} as double) / power({{ degrees }}, 2)
            + cast({{ g3 }} as double) / power({{ degrees }}, 3)
            + cast({{ g4 }} as double) / power({{ degrees }}, 4)
    end
{%- endmacro %}
