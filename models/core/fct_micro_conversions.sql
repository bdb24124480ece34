{#- One row per micro-conversion occurrence. An event becomes a micro-conversion when its name matches
    a row of the micro_conversion_definitions seed and the row's optional property threshold and page
    path pattern hold; rows with count_scope = session keep only the first match per session.
    Incremental by device: the whole event streams of the users with an event on a reprocessed device
    are read (a session can hold a user_id-only event of another device), and the reprocessed devices'
    rows are replaced, including a device whose rows all disappear (a user_id-only session-scoped
    micro-conversion that is no longer the first of its session once that session joins a browser
    session). -#}
{{ keyed_incremental_config(incremental_strategy=replace_reprocessed_devices_strategy()) }}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
    {%- if is_incremental() %}
    where
        user_key in (
            select user_events.user_key
            from {{ ref('int_events_sessionized') }} as user_events
            inner join {{ ref('int_devices_reprocessed') }} as reprocessed
                on user_events.device_id = reprocessed.device_id
        )
    {%- endif %}
),

definitions as (
    select * from {{ ref('micro_conversion_definitions') }}
),

sessions as (
    select
        session_key,
        channel
    from {{ ref('fct_sessions') }}
),

matched as (
    select
        events.event_source,
        events.event_id,
        events.device_id,
        events.user_key,
        events.session_key,
        events.event_at as occurred_at,
        events.event_name,
        events.page_path,
        events.device_category,
        events.country,
        definitions.micro_conversion,
        definitions.kind,
        definitions.journey_stage,
        definitions.weight,
        definitions.count_scope
    from events
    inner join definitions
        on events.event_name = definitions.event_name
    where
        (
            definitions.property is null
            or {{ compare_property(
                safe_to_double(json_value('events.properties', 'definitions.property')),
                'definitions.operator',
                'definitions.threshold'
            ) }}
        )
        and (
            definitions.page_path_pattern is null
            or {{ regex_match('coalesce(events.page_path, \'\')', 'definitions.page_path_pattern') }}
        )
),

-- Only session-scoped definitions need a window; every other match counts as it is.
scoped as (
    select
        matched.*,
        1 as scope_rank
    from matched
    where coalesce(matched.count_scope, 'event') != 'session'
    union all
    select
        matched.*,
        row_number() over (
            partition by matched.micro_conversion, matched.session_key
            order by matched.occurred_at, matched.event_id
        ) as scope_rank
    from matched
    where matched.count_scope = 'session'
),

final as (
    select
        {{ dbt.hash("scoped.event_id || ':' || scoped.micro_conversion") }} as micro_conversion_key,
        scoped.event_source,
        scoped.event_id,
        scoped.device_id,
        scoped.user_key,
        scoped.session_key,
        scoped.occurred_at,
        {{ local_date('scoped.occurred_at') }} as occurred_date,
        scoped.micro_conversion,
        scoped.event_name,
        scoped.kind,
        scoped.journey_stage,
        scoped.weight,
        sessions.channel,
        scoped.page_path,
        scoped.device_category,
        scoped.country
    from scoped
    inner join sessions
        on scoped.session_key = sessions.session_key
    where
        scoped.scope_rank = 1
        {%- if is_incremental() %}
        and scoped.device_id in (
            select reprocessed.device_id from {{ ref('int_devices_reprocessed') }} as reprocessed
        )
        {%- endif %}
)

select * from final
