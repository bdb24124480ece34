{#- The de-identified events (raw.deidentified_events, written by the user-level retention pass,
    microconv/retention.py): one row per event of a person not seen for the retention period, in the
    columns every source's staging view returns, as that view read the event before its ids were
    replaced by pseudonyms and its e-mail and IP address dropped. int_events_unioned stacks it with the enabled sources. -#}

with

source as (
    select * from {{ source('privacy', 'deidentified_events') }}
),

final as (
    select {{ event_stream_columns() | join(', ') }}
    from source
)

select * from final
