{#- One row per raw row of every enabled event source (var event_sources): the staging views
    stg_<source>__events, which map the event contract (stg_microconv__events) and the GA4, Segment,
    Snowplow and Mixpanel exports onto the same text columns, stacked in union order. A view in the
    staging schema, beside the views it stacks: it passes their raw personal data through, which only
    raw and staging may hold; int_events_validated, the first model stored, hashes it. -#}
{{ config(materialized='view', schema='staging') }}

{%- set stream_columns = event_stream_columns() %}
{#- Every staging model is a dependency whichever sources are enabled, so that the DAG (and the unit
    tests' inputs) do not change with the var; only the enabled ones are read. #}
-- depends_on: {{ ref('stg_microconv__events') }}
-- depends_on: {{ ref('stg_ga4__events') }}
-- depends_on: {{ ref('stg_segment__events') }}
-- depends_on: {{ ref('stg_snowplow__events') }}
-- depends_on: {{ ref('stg_mixpanel__events') }}

with

unioned as (
    {%- for source_name in enabled_event_sources() %}
    select {{ stream_columns | join(', ') }}
    from {{ ref('stg_' ~ source_name ~ '__events') }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select * from unioned
)

select * from final
