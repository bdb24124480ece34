{#- Numeric comparison `value <operator> threshold` where the operator is data (a seed column). -#}
{% macro compare_property(value_expression, operator_expression, threshold_expression) -%}
    case {{ operator_expression }}
        when '>=' then {{ value_expression }} >= {{ threshold_expression }}
        when '>' then {{ value_expression }} > {{ threshold_expression }}
        when '<=' then {{ value_expression }} <= {{ threshold_expression }}
        when '<' then {{ value_expression }} < {{ threshold_expression }}
        when '=' then {{ value_expression }} = {{ threshold_expression }}
        when '!=' then {{ value_expression }} != {{ threshold_expression }}
        else false
    end
{%- endmacro %}
