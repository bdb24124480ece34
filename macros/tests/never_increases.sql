{#- Fails for every row whose column is larger than on the previous row of its group, in `order_by`
    order (for example: users never grow along a funnel's steps). -#}
{% test never_increases(model, column_name, group_by, order_by) %}

with

ordered as (
    select
        {{ group_by | join(', ') }},
        {{ order_by }} as sort_value,
        {{ column_name }} as checked_value,
        lag({{ column_name }}) over (
            partition by {{ group_by | join(', ') }}
            order by {{ order_by }}
        ) as previous_value
    from {{ model }}
)

select *
from ordered
where checked_value > previous_value

{% endtest %}
