{#- Heap Connect tables (help.heap.io/heap-connect/heap-connect-guide/data-schema) landed one folder per
    table under data/landing/heap/<table_name>/ and loaded together into raw.heap_events: the folder
    (the first part of _source_file) says which table a row comes from.
    - pageviews rows are page_view events; every other folder is a synced event's table, named by Heap
      after the event (lower case, words joined by '_', the category first when it has one): that name,
      less var heap_event_table_prefix, maps through event_name_mappings (case- and white-space-
      insensitively); a name without a row passes through (custom events are events). all_events (a
      warehouse-only view) names its event in event_table_name and repeats the event tables' rows: its
      rows get the same event id and count as duplicates, never as extra events.
    - sessions, users and user_migrations rows are not events. Identity follows Heap's identity
      resolution for S3 (help.heap.io/heap-connect/heap-connect-guide/identity-resolution): the event's
      user_id is first replaced by user_migrations.to_user_id where it is a from_user_id (the migration
      table is fully materialized: one step, no chains), and the resulting user's users.identity is the
      user_id, on every event of that user (Heap's identify is retroactive). The Heap user_id the event
      was recorded under is the anonymous_id (Heap's cookie id for a browser or device).
    - A sessions row gives its session's campaign (utm_*), referrer and landing page to the session's
      first event (the event at the session's `time`, joined on user_id and session_id); device type and
      country, session-level in Heap, fill events that lack them. Heap's session_id is not passed on as a
      tracker session: on the web Heap ends a session after 30 minutes without a page view
      (help.heap.io/data-management/managing-sessions/session-behavior), nearly session_inactivity_minutes'
      default rule, and the warehouse cuts sessions per device and stitched user.
    - The event id is Heap's event_id. An event_id is unique per (user_id, event_id) and table: the same
      raw event matched by two event definitions, or a pageview that is also a defined event, is in two
      tables (help.heap.io FAQ "Why is a given event_id included more than once on the all_events
      table"); such an event_id is suffixed with its table so that each definition stays one event.
    - `time` is UTC (a timestamp without offset in warehouse unloads). Revenue is the event's value,
      revenue or amount column; order_id, product_id and currency are the event's own property columns.
      Heap's built-in columns are left out of properties, as are e-mail and IP address. -#}

{%- set heap_columns = [
    'event_id', 'user_id', 'session_id', 'time', 'type', 'library', 'platform', 'device_type', 'country',
    'region', 'city', 'referrer', 'landing_page', 'landing_page_query', 'landing_page_hash',
    'browser', 'search_keyword', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term',
    'domain', 'path', 'query', 'hash', 'title', 'href', 'target_text', 'pageview_id', 'session_time',
    'event_table_name', 'heap_previous_page', 'device', 'carrier', 'app_name', 'app_version',
] -%}
{%- set table_prefix = var('heap_event_table_prefix') -%}
{%- set heap_column_removals = [] -%}
{%- for column in heap_columns -%}
{%- do heap_column_removals.append((column, 'null')) -%}
{%- endfor -%}

with

source as (
    select * from {{ source('heap', 'heap_events') }}
),

-- One canonical name per normalised source name, so that the join can never multiply rows.
event_name_mappings as (
    {{ event_name_mappings_of('heap', normalised=true) }}
),

country_codes as (
    {{ country_codes_by_name() }}
),

tabled as (
    select
        source.*,
        case
            when source._source_file like '%/%'
                then substring(source._source_file, 1, position('/' in source._source_file) - 1)
        end as table_name,
        {{ json_path_text('source.record', '$.user_id') }} as heap_user_id,
        {{ json_path_text('source.record', '$.session_id') }} as heap_session_id,
        {{ json_path_text('source.record', '$.time') }} as heap_time
    from source
),

-- A migration can be repeated by later syncs: one to_user_id per from_user_id (the latest).
migrations_ranked as (
    select
        {{ json_path_text('record', '$.from_user_id') }} as from_user_id,
        {{ json_path_text('record', '$.to_user_id') }} as to_user_id,
        row_number() over (
            partition by {{ json_path_text('record', '$.from_user_id') }}
            order by heap_time desc, {{ json_path_text('record', '$.to_user_id') }} desc
        ) as migration_rank
    from tabled
    where table_name = 'user_migrations'
),

migrations as (
    select
        from_user_id,
        to_user_id
    from migrations_ranked
    where migration_rank = 1 and from_user_id is not null and to_user_id is not null
),

-- The identity of every user after migration, as Heap's users_view resolves it (max identity).
identities as (
    select
        coalesce(migrations.to_user_id, tabled.heap_user_id) as resolved_user_id,
        max(nullif({{ json_path_text('tabled.record', '$.identity') }}, '')) as heap_identity
    from tabled
    left join migrations
        on tabled.heap_user_id = migrations.from_user_id
    where tabled.table_name = 'users'
    group by coalesce(migrations.to_user_id, tabled.heap_user_id)
),

sessions_ranked as (
    select
        heap_user_id,
        heap_session_id,
        {{ parse_utc_timestamp(utc_text('heap_time')) }} as session_started_at,
        {%- for column in ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'referrer', 'landing_page', 'device_type', 'country'] %}
        nullif({{ json_path_text('record', '$.' ~ column) }}, '') as session_{{ column }},
        {%- endfor %}
        row_number() over (
            partition by heap_user_id, heap_session_id
            order by heap_time asc, _ingested_at desc
        ) as session_rank
    from tabled
    where table_name = 'sessions'
),

sessions as (
    select * from sessions_ranked
    where session_rank = 1
),

events_extracted as (
    select
        tabled._source_file,
        tabled._file_id,
        tabled._source_row,
        tabled._ingested_at,
        tabled.table_name,
        case
            when tabled.table_name = 'all_events' then {{ json_path_text('tabled.record', '$.event_table_name') }}
            else tabled.table_name
        end as event_table,
        {{ json_path_text('tabled.record', '$.event_id') }} as heap_event_id,
        tabled.heap_user_id,
        tabled.heap_session_id,
        tabled.heap_time,
        {{ parse_utc_timestamp(utc_text('tabled.heap_time')) }} as event_at,
        {%- for column in ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'referrer', 'domain', 'path', 'query', 'device_type', 'country', 'ip', 'email'] %}
        nullif({{ json_path_text('tabled.record', '$.' ~ column) }}, '') as own_{{ column }},
        {%- endfor %}
        tabled.record
    from tabled
    where coalesce(tabled.table_name, '') not in ('sessions', 'users', 'user_migrations')
),

events_named as (
    select
        events_extracted.*,
        {%- if table_prefix %}
        case
            when events_extracted.event_table like '{{ table_prefix }}%'
                then substring(events_extracted.event_table, {{ table_prefix | length + 1 }})
            else events_extracted.event_table
        end as heap_event_name
        {%- else %}
        events_extracted.event_table as heap_event_name
        {%- endif %},
        -- The same (user_id, event_id) in two event tables is two events (two definitions of it).
        min(events_extracted.event_table) over (partition by events_extracted.heap_user_id, events_extracted.heap_event_id)
        <> max(events_extracted.event_table) over (partition by events_extracted.heap_user_id, events_extracted.heap_event_id)
            as is_shared_event_id,
        min(events_extracted.event_at) over (
            partition by events_extracted.heap_user_id, events_extracted.heap_session_id
        ) as first_event_at
    from events_extracted
),

events_joined as (
    select
        events_named.*,
        case
            when events_named.event_table = 'pageviews' then 'page_view'
            else coalesce(event_name_mappings.event_name, events_named.heap_event_name)
        end as event_name,
        coalesce(migrations.to_user_id, events_named.heap_user_id) as resolved_user_id,
        identities.heap_identity,
        sessions.session_utm_source,
        sessions.session_utm_medium,
        sessions.session_utm_campaign,
        sessions.session_utm_content,
        sessions.session_utm_term,
        sessions.session_referrer,
        sessions.session_device_type,
        sessions.session_country,
        -- The session's first event: the event at the session's start, or, without a sessions row, the
        -- earliest landed event of the session.
        coalesce(
            events_named.event_at = coalesce(sessions.session_started_at, events_named.first_event_at), false
        ) as is_session_start
    from events_named
    left join event_name_mappings
        on {{ event_name_key('events_named.heap_event_name') }} = event_name_mappings.source_event_name_key
    left join migrations
        on events_named.heap_user_id = migrations.from_user_id
    left join identities
        on coalesce(migrations.to_user_id, events_named.heap_user_id) = identities.resolved_user_id
    left join sessions
        on events_named.heap_user_id = sessions.heap_user_id
        and events_named.heap_session_id = sessions.heap_session_id
),

events_located as (
    select
        events_joined.*,
        coalesce(events_joined.own_country, events_joined.session_country) as location_country
    from events_joined
),

final as (
    select
        'heap' as event_source,
        events_located.event_table as source_event_name,
        case
            when events_located.is_shared_event_id
                then {{ dbt.concat(["events_located.heap_event_id", "':'", "events_located.event_table"]) }}
            else events_located.heap_event_id
        end as event_id,
        events_located.event_name,
        -- Text that is not a timestamp passes unchanged, for staging's validation to quarantine.
        {{ utc_text('events_located.heap_time') }} as event_timestamp,
        events_located.heap_user_id as anonymous_id,
        events_located.heap_identity as user_id,
        cast(null as {{ dbt.type_string() }}) as session_id,
        case
            when events_located.own_domain is not null
                then {{ dbt.concat([
                    "'https://'", "events_located.own_domain", "coalesce(events_located.own_path, '')",
                    "case when events_located.own_query is null then '' when events_located.own_query like '?%' then events_located.own_query else " ~ dbt.concat(["'?'", "events_located.own_query"]) ~ " end",
                ]) }}
        end as page_url,
        events_located.own_path as page_path,
        case
            when events_located.is_session_start
                then coalesce(events_located.session_referrer, events_located.own_referrer)
        end as page_referrer,
        {%- for utm in ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] %}
        case
            when events_located.is_session_start
                then coalesce(events_located.session_{{ utm }}, events_located.own_{{ utm }})
        end as {{ utm }},
        {%- endfor %}
        -- Heap's Device Type: Desktop, Mobile or Tablet.
        lower(coalesce(events_located.own_device_type, events_located.session_device_type)) as device_category,
        coalesce(country_codes.country_code, events_located.location_country) as country,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        events_located.own_ip as ip_address,
        events_located.own_email as email,
        -- Heap's export documents no per-event consent field.
        cast(null as {{ dbt.type_string() }}) as consent_analytics,
        {{ json_merge_text('events_located.record', json_object_text([
            ('value', 'coalesce(' ~ json_path_text('events_located.record', '$.value') ~ ', ' ~ json_path_text('events_located.record', '$.revenue') ~ ', ' ~ json_path_text('events_located.record', '$.amount') ~ ')'),
        ] + pii_property_removals() + heap_column_removals)) }} as properties,
        cast(null as {{ dbt.type_string() }}) as loaded_at,
        events_located._source_file,
        events_located._file_id,
        events_located._source_row,
        events_located._ingested_at
    from events_located
    left join country_codes
        on lower(events_located.location_country) = country_codes.country_name
)

select * from final
