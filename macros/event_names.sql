{#- An event name as a snake_case slug, for matching a vendor's or a custom name against the canonical
    names: camelCase split ("addToCart" -> add_to_cart), lower-cased, every run of other characters
    made one underscore ("Add To Cart", "add-to-cart" -> add_to_cart), no leading or trailing one. -#}
{% macro event_name_slug(expression) -%}
    {{ return(adapter.dispatch('event_name_slug', 'microconv')(expression)) }}
{%- endmacro %}

{% macro default__event_name_slug(expression) -%}
    regexp_replace(
        regexp_replace(
            lower(regexp_replace({{ expression }}, '([a-z0-9])([A-Z])', '\1_\2', 'g')),
            '[^a-z0-9]+', '_', 'g'
        ),
        '^_+|_+$', '', 'g'
    )
{%- endmacro %}

{#- Spark's regexp_replace replaces every match and writes back-references as $1. -#}
{% macro spark__event_name_slug(expression) -%}
    regexp_replace(
        regexp_replace(
            lower(regexp_replace({{ expression }}, '([a-z0-9])([A-Z])', '$1_$2')),
            '[^a-z0-9]+', '_'
        ),
        '^_+|_+$', ''
    )
{%- endmacro %}
