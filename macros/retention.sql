{#- User-level retention (microconv/retention.py, docs/privacy.md): the ids of people not seen for
    MICROCONV_USER_LEVEL_RETENTION_DAYS are replaced by pseudonyms, which start with 'deidentified:'
    (Python's PSEUDONYM_PREFIX). -#}

{#- True for a device made of de-identified events (its anonymous id, or 'user:' + its user id, is a
    pseudonym): a person nobody can reach, so no audience takes it. False for a null device. -#}
{% macro is_deidentified(device_id) -%}
    coalesce({{ device_id }} like 'deidentified:%' or {{ device_id }} like 'user:deidentified:%', false)
{%- endmacro %}
