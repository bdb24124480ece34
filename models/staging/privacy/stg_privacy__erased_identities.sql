{#- The suppression list of forgotten ids (keyed hashes), one row per hash: int_events_unioned drops
    every staged event whose anonymous or user id hashes to one of them. -#}

with

source as (
    select * from {{ source('privacy', 'erased_identities') }}
),

final as (
    select
        identity_hash,
        min(erased_at) as erased_at
    from source
    group by identity_hash
)

select * from final
