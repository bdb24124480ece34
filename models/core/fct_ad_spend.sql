{#- One row per day × ad platform × campaign × ad group of clean spend (int_ad_spend_rows, row_status
    clean): cost in the report's currency and in var reporting_currency (exchange_rates seed, the rate in
    force on the day, as fct_macro_conversions converts revenue), impressions, clicks. The campaign is
    matched to sessions' utm_campaign case-insensitively (lower-cased), or through the
    campaign_name_mappings seed when the platform's name differs from the tag. The channel is GA4's
    default channel group of the spend's source / medium / campaign (int_ad_spend_channels, the same
    rules as sessions), so spend and sessions of the same traffic fall in the same channel. -#}
with

spend_rows as (
    select * from {{ ref('int_ad_spend_rows') }}
    where row_status = 'clean'
),

exchange_rates as (
    select
        upper(currency) as currency,
        valid_from,
        usd_per_unit
    from {{ ref('exchange_rates') }}
),

traffic_sources as (
    select * from {{ ref('int_ad_spend_channels') }}
),

mapped as (
    select
        spend_rows.spend_date,
        spend_rows.platform,
        spend_rows.utm_source,
        spend_rows.utm_medium,
        spend_rows.campaign,
        spend_rows.utm_campaign,
        coalesce(spend_rows.ad_group, '') as ad_group,
        spend_rows.currency,
        spend_rows.cost_original,
        spend_rows.impressions,
        spend_rows.clicks
    from spend_rows
),

aggregated as (
    select
        spend_date,
        platform,
        utm_campaign,
        ad_group,
        currency,
        min(campaign) as campaign,
        min(utm_source) as utm_source,
        min(utm_medium) as utm_medium,
        sum(cost_original) as cost_original,
        cast(sum(impressions) as bigint) as impressions,
        cast(sum(clicks) as bigint) as clicks,
        count(*) as report_rows
    from mapped
    group by spend_date, platform, utm_campaign, ad_group, currency
),

-- The rate of each currency in force on the spend day (latest valid_from on or before it).
rates_in_force as (
    select
        spend_days.spend_date,
        exchange_rates.currency,
        exchange_rates.usd_per_unit,
        row_number() over (
            partition by spend_days.spend_date, exchange_rates.currency
            order by exchange_rates.valid_from desc
        ) as recency_rank
    from (select distinct spend_date from aggregated) as spend_days
    inner join exchange_rates
        on spend_days.spend_date >= exchange_rates.valid_from
),

converted as (
    select
        aggregated.*,
        aggregated.cost_original * source_rates.usd_per_unit / reporting_rates.usd_per_unit as cost
    from aggregated
    left join rates_in_force as source_rates
        on aggregated.spend_date = source_rates.spend_date
        and aggregated.currency = source_rates.currency
        and source_rates.recency_rank = 1
    left join rates_in_force as reporting_rates
        on aggregated.spend_date = reporting_rates.spend_date
        and reporting_rates.currency = '{{ var("reporting_currency") }}'
        and reporting_rates.recency_rank = 1
),

final as (
    select
        {{ dbt.concat([
            dbt.cast('converted.spend_date', dbt.type_string()), "'|'", 'converted.platform', "'|'",
            'converted.utm_campaign', "'|'", 'converted.ad_group', "'|'", 'converted.currency'
        ]) }} as ad_spend_key,
        converted.spend_date,
        converted.platform,
        converted.campaign,
        converted.utm_campaign,
        nullif(converted.ad_group, '') as ad_group,
        converted.utm_source,
        converted.utm_medium,
        coalesce(traffic_sources.channel, 'Other') as channel,
        converted.currency,
        converted.cost_original,
        converted.cost,
        converted.cost is not null as is_currency_known,
        converted.impressions,
        converted.clicks,
        converted.report_rows
    from converted
    left join traffic_sources
        on converted.utm_source = traffic_sources.source_value
        and converted.utm_medium = traffic_sources.medium_value
        and converted.utm_campaign = traffic_sources.campaign_value
)

select * from final
