{#- Surrogate keys. A user key is derived from the user_id when one is known, otherwise from the
    anonymous (device) id, so that a device's pre-login events join the user after stitching. -#}
{% macro user_key(user_id_expression, anonymous_id_expression) -%}
    {{ dbt.hash(
        "case when " ~ user_id_expression ~ " is not null then 'user:' || " ~ user_id_expression
        ~ " else 'anon:' || " ~ anonymous_id_expression ~ " end"
    ) }}
{%- endmacro %}
