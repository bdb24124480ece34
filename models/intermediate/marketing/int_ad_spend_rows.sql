{#- One row per spend report row (stg_ad_spend__reports) with its row_status: `quarantined` (it has a
    rejection_reason), `superseded` (a file loaded later reports the same platform, day, campaign and ad
    group: platforms restate recent days' cost as invalid clicks are refunded, so the newest report of a
    campaign's day wins; files of other campaigns, such as a second export of the same platform, do not
    interfere), else `clean`. Every raw row gets exactly one status: raw rows = clean +
    quarantined + superseded. Rows of the same campaign and day within the winning file are all clean and
    are summed by fct_ad_spend (two accounts may share a campaign name). utm_campaign is the campaign
    name the sessions' tags should carry: the campaign_name_mappings seed's, else the reported name
    lower-cased (tags are matched case-insensitively). -#}
with

reports as (
    select * from {{ ref('stg_ad_spend__reports') }}
),

campaign_mappings as (
    select
        lower(trim(platform)) as platform,
        lower(trim(campaign)) as campaign_name,
        lower(trim(utm_campaign)) as utm_campaign
    from {{ ref('campaign_name_mappings') }}
),

-- The newest file (by load time, then file id) reporting each platform × day × campaign × ad group.
newest_files as (
    select
        platform,
        spend_date,
        lower(campaign) as campaign_name,
        coalesce(lower(ad_group), '') as ad_group_name,
        _file_id,
        row_number() over (
            partition by platform, spend_date, lower(campaign), coalesce(lower(ad_group), '')
            order by max(_ingested_at) desc, _file_id desc
        ) as file_rank
    from reports
    where rejection_reason is null
    group by platform, spend_date, lower(campaign), coalesce(lower(ad_group), ''), _file_id
),

final as (
    select
        reports.*,
        coalesce(campaign_mappings.utm_campaign, lower(reports.campaign)) as utm_campaign,
        case
            when reports.rejection_reason is not null then 'quarantined'
            when newest_files.file_rank = 1 then 'clean'
            else 'superseded'
        end as row_status
    from reports
    left join newest_files
        on reports.platform = newest_files.platform
        and reports.spend_date = newest_files.spend_date
        and lower(reports.campaign) = newest_files.campaign_name
        and coalesce(lower(reports.ad_group), '') = newest_files.ad_group_name
        and reports._file_id = newest_files._file_id
    left join campaign_mappings
        on reports.platform = campaign_mappings.platform
        and lower(reports.campaign) = campaign_mappings.campaign_name
)

select * from final
