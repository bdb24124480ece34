{#- One row per raw.ad_spend row, typed, with the reason it cannot count as a day's spend (null when it
    can). The loader (microconv/spend.py) has already mapped each platform's columns onto the spend
    contract and written readable dates and numbers in one format; what it could not read is still
    text here and gets its reason: report summary rows (Google Ads' `Total: …`, Yandex Direct's
    `Total rows: N`, Microsoft Advertising's copyright footer), an unreadable date or cost, a missing
    campaign or platform, a negative cost. Platform defaults (source, medium, currency) come from the
    ad_platforms seed. -#}
with

raw_spend as (
    select * from {{ source('ad_spend', 'ad_spend') }}
),

platforms as (
    select * from {{ ref('ad_platforms') }}
),

typed as (
    select
        {{ dbt.concat(['raw_spend._file_id', "'-'", dbt.cast('raw_spend._source_row', dbt.type_string())]) }}
            as spend_row_key,
        raw_spend.date as date_text,
        {{ safe_to_date('raw_spend.date') }} as spend_date,
        lower(trim(raw_spend.platform)) as platform,
        nullif(trim(raw_spend.source), '') as source_sent,
        nullif(trim(raw_spend.medium), '') as medium_sent,
        nullif(trim(raw_spend.campaign), '') as campaign,
        nullif(trim(raw_spend.ad_group), '') as ad_group,
        raw_spend.cost as cost_text,
        {{ safe_to_double('raw_spend.cost') }} as cost_original,
        upper(nullif(trim(raw_spend.currency), '')) as currency_sent,
        cast({{ safe_to_double('raw_spend.impressions') }} as bigint) as impressions,
        cast({{ safe_to_double('raw_spend.clicks') }} as bigint) as clicks,
        raw_spend.report_format,
        raw_spend.raw_row,
        raw_spend._source_file,
        raw_spend._file_id,
        raw_spend._source_row,
        raw_spend._ingested_at
    from raw_spend
),

final as (
    select
        typed.spend_row_key,
        typed.spend_date,
        typed.platform,
        lower(coalesce(typed.source_sent, platforms.source)) as utm_source,
        lower(coalesce(typed.medium_sent, platforms.medium)) as utm_medium,
        typed.campaign,
        typed.ad_group,
        typed.cost_original,
        coalesce(typed.currency_sent, platforms.default_currency, '{{ var("reporting_currency") }}') as currency,
        typed.impressions,
        typed.clicks,
        case
            when {{ regex_match('lower(typed.date_text)', "'^(total|итого|©)'") }}
                then 'report_summary_row'
            when typed.spend_date is null then 'unparseable_date'
            when typed.platform is null then 'missing_platform'
            when typed.campaign is null then 'missing_campaign'
            when typed.cost_original is null then 'unparseable_cost'
            when typed.cost_original < 0 then 'negative_cost'
        end as rejection_reason,
        typed.date_text,
        typed.cost_text,
        typed.report_format,
        typed.raw_row,
        typed._source_file,
        typed._file_id,
        typed._source_row,
        typed._ingested_at
    from typed
    left join platforms
        on typed.platform = platforms.platform
)

select * from final
