{#- One row per raw row that carries an e-mail address, with the address's unsalted SHA-256 as ad
    platforms' customer lists expect it (macro email_sha256: trimmed, lower-cased), when the var
    audience_export_email_sha256 is true; no rows otherwise, so no address is read. A view in the
    staging schema: it reads raw personal data (int_events_unioned), and only the hash leaves it, into
    audience_contacts. A privacy decision: see docs/audiences.md. -#}
{{ config(materialized='view', schema='staging') }}

with

events as (
    select * from {{ ref('int_events_unioned') }}
),

final as (
    select
        {{ dbt.concat(['events._file_id', "'-'", dbt.cast('events._source_row', dbt.type_string())]) }} as raw_row_key,
        {{ email_sha256('events.email') }} as email_sha256
    from events
    {%- if var('audience_export_email_sha256') %}
    where nullif(trim(events.email), '') is not null
    {%- else %}
    where 1 = 0
    {%- endif %}
)

select * from final
