{#- Right to erasure (microconv/erasure.py, docs/privacy.md): the suppression list's keyed hash of an
    id, and whether any id has been forgotten. -#}

{#- Hex SHA-256 of "microconv-erasure:" + salt + ":" + the id; null for a null id. Python's
    microconv.erasure.erasure_hash computes the same. -#}
{% macro erasure_hash(expression) -%}
    {{ return(adapter.dispatch('erasure_hash', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__erasure_hash(expression) -%}
    sha256('microconv-erasure:{{ pii_salt() }}:' || {{ expression }})
{%- endmacro %}

{% macro spark__erasure_hash(expression) -%}
    sha2(concat('microconv-erasure:{{ pii_salt() }}:', {{ expression }}), 256)
{%- endmacro %}

{#- True when the suppression list has rows: only then do the models hash every staged id to drop
    the forgotten ones (at parse time, and before the list exists, false). -#}
{% macro erasure_suppression_active() -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=target.database, schema='raw', identifier='erased_identities') -%}
    {%- if relation is none -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set counted = run_query('select count(*) from ' ~ relation) -%}
    {{ return(counted.columns[0].values()[0] > 0) }}
{%- endmacro %}
