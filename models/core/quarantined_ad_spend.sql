{#- One row per spend report row that cannot count as a day's spend, with its rejection_reason and the
    row as the report wrote it: nothing is dropped silently (raw.ad_spend rows = fct_ad_spend's
    report_rows + quarantined + superseded, see int_ad_spend_rows). -#}
with

spend_rows as (
    select * from {{ ref('int_ad_spend_rows') }}
    where row_status = 'quarantined'
),

final as (
    select
        spend_row_key,
        rejection_reason,
        platform,
        report_format,
        date_text,
        spend_date,
        campaign,
        cost_text,
        raw_row,
        _source_file as source_file,
        _source_row as source_row,
        _ingested_at as ingested_at
    from spend_rows
)

select * from final
