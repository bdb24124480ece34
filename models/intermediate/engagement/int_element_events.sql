{#- One row per clean event that belongs to a page element: its element type, id, role and depth, from
    the element_event_definitions seed. The id is read from the seed's property key (then its
    fallback key), '(not set)' when the event carries neither; scroll elements (no id key) are
    identified by the page path (int_events_page_context: the event's own page, else the page of
    the session's latest page view before it). A depth that is not a number reads as null; a completion event of a
    type that tracks depth without sending it reached 100 %. Events with other names are not
    elements and are left out here (they stay in every other model). -#}

with

events as (
    select
        raw_row_key,
        event_source,
        event_id,
        event_name,
        event_at,
        event_date,
        session_key,
        user_key,
        page_path,
        properties
    from {{ ref('int_events_page_context') }}
),

definitions as (
    select * from {{ ref('element_event_definitions') }}
),

matched as (
    select
        events.raw_row_key,
        events.event_source,
        events.event_id,
        events.event_name,
        events.event_at,
        events.event_date,
        events.session_key,
        events.user_key,
        events.page_path,
        definitions.element_type,
        definitions.role,
        definitions.depth_property,
        definitions.completion_depth_percent,
        case
            when definitions.id_property is null then coalesce(events.page_path, '(not set)')
            else
                coalesce(
                    nullif({{ json_value('events.properties', 'definitions.id_property') }}, ''),
                    nullif({{ json_value('events.properties', 'definitions.fallback_id_property') }}, ''),
                    '(not set)'
                )
        end as element_id,
        {{ safe_to_double(json_value('events.properties', 'definitions.depth_property')) }} as sent_depth_percent
    from events
    inner join definitions
        on events.event_name = definitions.event_name
),

final as (
    select
        raw_row_key,
        event_source,
        event_id,
        event_name,
        event_at,
        event_date,
        session_key,
        user_key,
        page_path,
        element_type,
        element_id,
        role,
        case
            when depth_property is null then null
            when role = 'completion' then coalesce(sent_depth_percent, 100.0)
            else sent_depth_percent
        end as depth_percent,
        case
            when role = 'completion' then true
            when role = 'progress' and sent_depth_percent >= completion_depth_percent then true
            else false
        end as is_completion
    from matched
)

select * from final
