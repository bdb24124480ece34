{#- Salted SHA-256 of a PII value (email, IP address, user agent), normalised by trim + lower-case.
    The salt comes from MICROCONV_PII_SALT; keep it secret and stable, or hashes stop joining across runs. -#}
{% macro hash_pii(expression) -%}
    {{ return(adapter.dispatch('hash_pii', 'microconv')(expression)) }}
{%- endmacro %}

{% macro pii_salt() -%}
    {{ return(env_var('MICROCONV_PII_SALT', 'microconv-default-salt-change-me')) }}
{%- endmacro %}

{% macro duckdb__hash_pii(expression) -%}
    case when nullif(trim({{ expression }}), '') is not null
        then sha256('{{ pii_salt() }}' || lower(trim({{ expression }})))
    end
{%- endmacro %}

{% macro spark__hash_pii(expression) -%}
    case when nullif(trim({{ expression }}), '') is not null
        then sha2(concat('{{ pii_salt() }}', lower(trim({{ expression }}))), 256)
    end
{%- endmacro %}

{#- (key, null) pairs that, merged into a vendor's properties with json_merge_text, remove the keys
    that may hold personal data: int_events_validated stores properties as they are, and PII is never
    stored outside raw except hashed. -#}
{% macro pii_property_removals() -%}
    {{ return([
        ('email', 'null'), ('$email', 'null'), ('context_traits_email', 'null'),
        ('ip', 'null'), ('$ip', 'null'), ('context_ip', 'null'),
        ('user_agent', 'null'), ('context_user_agent', 'null'),
    ]) }}
{%- endmacro %}

{#- Unsalted SHA-256 (hex, lower case) of an e-mail address normalised as ad platforms' customer lists
    expect it: trimmed and lower-cased (Google Ads Customer Match, Meta Custom Audiences); null for an
    empty value. Only for audience_export_email_sha256: a salted hash (hash_pii) cannot be matched by
    the platforms, and an unsalted one can be matched by anyone holding the address. -#}
{% macro email_sha256(expression) -%}
    {{ return(adapter.dispatch('email_sha256', 'microconv')(expression)) }}
{%- endmacro %}

{% macro duckdb__email_sha256(expression) -%}
    case when nullif(trim({{ expression }}), '') is not null then sha256(lower(trim({{ expression }}))) end
{%- endmacro %}

{% macro spark__email_sha256(expression) -%}
    case when nullif(trim({{ expression }}), '') is not null then sha2(lower(trim({{ expression }})), 256) end
{%- endmacro %}
