{#- Fails for every group whose credits (each listed column) do not add up to 1 (within 1e-9). -#}
{% test credits_sum_to_one(model, group_by, credit_columns) %}

select
    {{ group_by }},
    {%- for column in credit_columns %}
    sum({{ column }}) as {{ column }}_total{{ ',' if not loop.last }}
    {%- endfor %}
from {{ model }}
group by {{ group_by }}
having
    {%- for column in credit_columns %}
    abs(sum({{ column }}) - 1) > 1e-9{{ ' or' if not loop.last }}
    {%- endfor %}

{% endtest %}
