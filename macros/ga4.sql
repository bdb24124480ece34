{#- GA4 BigQuery export records (https://support.google.com/analytics/answer/7029846): the repeated
    event_params as (key, value) records, one parameter's value, and all of them as one JSON object. -#}

{#- GA4's event_params (a JSON array of {key, value: {string_value, int_value, float_value,
    double_value}}) as a list of (key, value text) records, and one parameter's value from it. -#}
{% macro ga4_event_params(json_expression) -%}
    {{ return(adapter.dispatch('ga4_event_params', 'microconv')(json_expression)) }}
{%- endmacro %}

{% macro default__ga4_event_params(json_expression) -%}
    list_transform(
        coalesce(
            json_transform(
                json_extract({{ json_expression }}, '$.event_params'),
                '[{"key": "VARCHAR", "value": {"string_value": "VARCHAR", "int_value": "VARCHAR", "float_value": "VARCHAR", "double_value": "VARCHAR"}}]'
            ),
            []
        ),
        lambda param: {
            'key': param.key,
            'value': coalesce(
                param.value.string_value, param.value.int_value, param.value.double_value, param.value.float_value
            )
        }
    )
{%- endmacro %}

{% macro spark__ga4_event_params(json_expression) -%}
    transform(
        coalesce(
            from_json(
                get_json_object({{ json_expression }}, '$.event_params'),
                'array<struct<key:string,value:struct<string_value:string,int_value:string,float_value:string,double_value:string>>>'
            ),
            array()
        ),
        param -> named_struct(
            'key', param.key,
            'value', coalesce(
                param.value.string_value, param.value.int_value, param.value.double_value, param.value.float_value
            )
        )
    )
{%- endmacro %}

{% macro ga4_event_param(params_expression, key) -%}
    {{ return(adapter.dispatch('ga4_event_param', 'microconv')(params_expression, "'" ~ key ~ "'")) }}
{%- endmacro %}

{% macro default__ga4_event_param(params_expression, key_literal) -%}
    list_filter({{ params_expression }}, lambda param: param.key = {{ key_literal }})[1].value
{%- endmacro %}

{% macro spark__ga4_event_param(params_expression, key_literal) -%}
    element_at(filter({{ params_expression }}, param -> param.key = {{ key_literal }}), 1).value
{%- endmacro %}

{#- Every GA4 event parameter as one JSON object text (the first value of a repeated key wins). -#}
{% macro ga4_event_params_object(params_expression) -%}
    {{ return(adapter.dispatch('ga4_event_params_object', 'microconv')(params_expression)) }}
{%- endmacro %}

{% macro default__ga4_event_params_object(params_expression) -%}
    cast(to_json(map_from_entries(list_distinct(
        list_transform({{ params_expression }}, lambda param: param.key)
    ).list_transform(lambda key: {
        'key': key,
        'value': list_filter({{ params_expression }}, lambda param: param.key = key)[1].value
    }))) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__ga4_event_params_object(params_expression) -%}
    to_json(map_from_entries(transform(
        array_distinct(transform({{ params_expression }}, param -> param.key)),
        key -> named_struct('key', key, 'value', element_at(filter({{ params_expression }}, param -> param.key = key), 1).value)
    )))
{%- endmacro %}
