{#- One row per distinct (utm_source, utm_medium, referrer_host) seen on a clean event, with the
    channel of the first matching rule of the channel_grouping_rules seed. Classifying distinct
    combinations keeps the regular expressions off the event-sized tables. -#}
with

events as (
    select
        utm_source,
        utm_medium,
        referrer_host
    from {{ ref('stg_tracking__events') }}
    where row_status = 'clean'
),

rules as (
    select * from {{ ref('channel_grouping_rules') }}
),

traffic_sources as (
    select distinct
        coalesce(utm_source, '') as source_value,
        coalesce(utm_medium, '') as medium_value,
        coalesce(referrer_host, '') as referrer_value
    from events
),

matches as (
    select
        traffic_sources.source_value,
        traffic_sources.medium_value,
        traffic_sources.referrer_value,
        rules.channel,
        rules.rule_order,
        row_number() over (
            partition by traffic_sources.source_value, traffic_sources.medium_value, traffic_sources.referrer_value
            order by rules.rule_order
        ) as match_rank
    from traffic_sources
    inner join rules
        on (rules.source_pattern is null or {{ regex_match('traffic_sources.source_value', 'rules.source_pattern') }})
        and (rules.medium_pattern is null or {{ regex_match('traffic_sources.medium_value', 'rules.medium_pattern') }})
        and (rules.referrer_pattern is null or {{ regex_match('traffic_sources.referrer_value', 'rules.referrer_pattern') }})
),

final as (
    select
        traffic_sources.source_value,
        traffic_sources.medium_value,
        traffic_sources.referrer_value,
        coalesce(matches.channel, 'Other') as channel,
        matches.rule_order
    from traffic_sources
    left join matches
        on traffic_sources.source_value = matches.source_value
        and traffic_sources.medium_value = matches.medium_value
        and traffic_sources.referrer_value = matches.referrer_value
        and matches.match_rank = 1
)

select * from final
