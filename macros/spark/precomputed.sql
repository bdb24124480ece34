{#- A Python model whose table a step outside dbt wrote through the engine's own client (dbt-spark runs
    Python models only on Databricks): dbt checks the table exists and registers it. -#}
{% materialization precomputed, adapter='spark', supported_languages=['python', 'sql'] %}
    {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
    {%- if existing is none -%}
        {{ exceptions.raise_compiler_error(
            this ~ " has not been written: on Spark it is computed by a Python step after its parents "
            ~ "(python -m microconv.engines.spark attribution)"
        ) }}
    {%- endif -%}
    {% call statement('main') %}
        select count(*) from {{ existing }}
    {% endcall %}
    {{ return({'relations': [existing]}) }}
{% endmaterialization %}
