{#- One row per event source and event name as the source sent it, over the clean events: how often it
    came, from how many users, whether it maps onto a catalogue name, and, for a name in no catalogue
    seed that looks like a known one, the event_name_mappings row that would map it. -#}
with

events as (
    select * from {{ ref('int_events_validated') }}
    where row_status = 'clean'
),

-- The sessionized stream has every clean event with its stitched user.
sessionized_events as (
    select
        raw_row_key,
        user_key
    from {{ ref('int_events_sessionized') }}
),

event_name_mappings as (
    select * from {{ ref('event_name_mappings') }}
),

event_name_synonyms as (
    select * from {{ ref('event_name_synonyms') }}
),

tracked_event_names as (
    select event_name from {{ ref('tracked_event_names') }}
),

micro_conversion_definitions as (
    select distinct event_name from {{ ref('micro_conversion_definitions') }}
),

macro_conversion_definitions as (
    select distinct event_name from {{ ref('macro_conversion_definitions') }}
),

known_event_names as (
    select event_name from tracked_event_names
    union
    select event_name from micro_conversion_definitions
    union
    select event_name from macro_conversion_definitions
),

names_seen as (
    select
        events.event_source,
        events.source_event_name,
        max(events.event_name) as event_name,
        count(*) as events,
        count(distinct sessionized_events.user_key) as users,
        min(events.event_at) as first_seen_at,
        max(events.event_at) as last_seen_at
    from events
    left join sessionized_events
        on events.raw_row_key = sessionized_events.raw_row_key
    group by events.event_source, events.source_event_name
),

-- Names a mappings row maps, joined as staging joins them: Segment and Mixpanel names ignoring case and
-- spacing (event_name_key), the other sources' names exactly.
mapped_names as (
    select distinct
        names_seen.event_source,
        names_seen.source_event_name
    from names_seen
    inner join event_name_mappings
        on names_seen.event_source = event_name_mappings.event_source
        and (
            names_seen.source_event_name = event_name_mappings.source_event_name
            or (
                names_seen.event_source in ('segment', 'mixpanel')
                and {{ event_name_key('names_seen.source_event_name') }}
                = {{ event_name_key('event_name_mappings.source_event_name') }}
            )
        )
),

classified as (
    select
        names_seen.*,
        {{ event_name_slug('names_seen.source_event_name') }} as name_slug,
        mapped_names.source_event_name is not null as is_mapped,
        known_event_names.event_name is not null as is_known,
        micro_conversion_definitions.event_name is not null as is_micro_conversion,
        macro_conversion_definitions.event_name is not null as is_macro_conversion
    from names_seen
    left join mapped_names
        on names_seen.event_source = mapped_names.event_source
        and names_seen.source_event_name = mapped_names.source_event_name
    left join known_event_names
        on names_seen.event_name = known_event_names.event_name
    left join micro_conversion_definitions
        on names_seen.event_name = micro_conversion_definitions.event_name
    left join macro_conversion_definitions
        on names_seen.event_name = macro_conversion_definitions.event_name
),

-- A name in no catalogue seed and not mapped yet is matched on its slug: first against the known names
-- themselves, then against the synonyms seed.
suggested as (
    select
        classified.*,
        case
            when not classified.is_known and not classified.is_mapped
                then coalesce(known_event_names.event_name, event_name_synonyms.event_name)
        end as suggested_event_name
    from classified
    left join known_event_names
        on classified.name_slug = known_event_names.event_name
    left join event_name_synonyms
        on classified.name_slug = event_name_synonyms.name_slug
),

final as (
    select
        event_source,
        source_event_name,
        event_name,
        events,
        users,
        first_seen_at,
        last_seen_at,
        is_mapped,
        is_known,
        is_micro_conversion,
        is_macro_conversion,
        suggested_event_name,
        -- The line to add to seeds/event_name_mappings.csv, quoted as CSV when the name needs it.
        case
            when suggested_event_name is not null
                then event_source || ','
                    || case
                        when source_event_name like '%,%' or source_event_name like '%"%'
                            then '"' || replace(source_event_name, '"', '""') || '"'
                        else source_event_name
                    end
                    || ',' || suggested_event_name
        end as suggested_seed_row
    from suggested
)

select * from final
