{#- One row per raw row of every enabled event source (var event_sources): the staging views
    stg_<source>__events, which map the event contract (stg_microconv__events) and the GA4, Segment,
    Snowplow, Mixpanel, Yandex Metrica, Amplitude, PostHog and Heap exports onto the same text columns, stacked in union order, and the events the user-level
    retention pass de-identified (stg_privacy__deidentified_events). A view in the
    staging schema, beside the views it stacks: it passes their raw personal data through, which only
    raw and staging may hold; int_events_validated, the first model stored, hashes it. The events of
    forgotten people (their ids on the suppression list, docs/privacy.md) are left out here. -#}
{{ config(materialized='view', schema='staging') }}

{%- set stream_columns = event_stream_columns() %}
{#- Every staging model is a dependency whichever sources are enabled, so that the DAG (and the unit
    tests' inputs) do not change with the var; only the enabled ones are read. #}
-- depends_on: {{ ref('stg_microconv__events') }}
-- depends_on: {{ ref('stg_privacy__erased_identities') }}
-- depends_on: {{ ref('stg_ga4__events') }}
-- depends_on: {{ ref('stg_segment__events') }}
-- depends_on: {{ ref('stg_snowplow__events') }}
-- depends_on: {{ ref('stg_mixpanel__events') }}
-- depends_on: {{ ref('stg_yandex_metrica__events') }}
-- depends_on: {{ ref('stg_amplitude__events') }}
-- depends_on: {{ ref('stg_posthog__events') }}
-- depends_on: {{ ref('stg_heap__events') }}

with

unioned as (
    {%- for source_name in enabled_event_sources() %}
    select {{ stream_columns | join(', ') }}
    from {{ ref('stg_' ~ source_name ~ '__events') }}
    union all
    {%- endfor %}
    -- Events past the user-level retention (microconv/retention.py): every source's, already staged.
    select {{ stream_columns | join(', ') }}
    from {{ ref('stg_privacy__deidentified_events') }}
),

{%- if erasure_suppression_active() %}

-- Forgotten people (microconv forget, docs/privacy.md): their ids' keyed hashes are on the suppression
-- list, and none of their events passes, whatever the run or the landing files.
erased_identities as (
    select identity_hash from {{ ref('stg_privacy__erased_identities') }}
),

final as (
    select unioned.*
    from unioned
    where
        not exists (
            select 1 from erased_identities
            where erased_identities.identity_hash = {{ erasure_hash('unioned.anonymous_id') }}
        )
        and not exists (
            select 1 from erased_identities
            where erased_identities.identity_hash = {{ erasure_hash('unioned.user_id') }}
        )
)
{%- else %}

final as (
    select * from unioned
)
{%- endif %}

select * from final
