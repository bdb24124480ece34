{#- One row per raw row of every enabled event source (int_events_unioned: the contract's
    stg_microconv__events and the vendor staging views stg_<source>__events), typed, validated and
    deduplicated. The first materialized model after raw: email, IP address and user agent are replaced
    by salted hashes here, so no table outside raw holds them unhashed (a view would also store the PII
    salt in the warehouse catalogue).
    Incremental by load: each run appends the raw rows of files not processed before, and a new row
    whose event_id is already clean here counts as a duplicate, exactly as in a full refresh (the
    earliest-ingested copy wins). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail'
) }}

with

source as (
    select * from {{ ref('int_events_unioned') }}
    {%- if is_incremental() %}
    where _file_id not in (select distinct processed.file_id from {{ this }} as processed)
    {%- endif %}
),

bot_user_agent_patterns as (
    select pattern from {{ ref('bot_user_agent_patterns') }}
),

bot_regex as (
    select {{ dbt.listagg(measure='pattern', delimiter_text="'|'") }} as pattern
    from bot_user_agent_patterns
),

-- User agents repeat a lot: classify and hash each distinct one once, not once per row.
user_agents as (
    select distinct user_agent
    from source
    where user_agent is not null
),

user_agents_classified as (
    select
        user_agents.user_agent,
        {{ hash_pii('user_agents.user_agent') }} as user_agent_hash,
        coalesce({{ regex_match('lower(trim(user_agents.user_agent))', 'bot_regex.pattern') }}, false) as is_bot
    from user_agents
    cross join bot_regex
),

renamed as (
    select
        source._file_id || '-' || cast(source._source_row as {{ dbt.type_string() }}) as raw_row_key,
        source.event_source,
        source.source_event_name,
        nullif(trim(source.event_id), '') as event_id,
        lower(nullif(trim(source.event_name), '')) as event_name,
        nullif(trim(source.event_timestamp), '') as event_timestamp_raw,
        {{ parse_utc_timestamp('nullif(trim(source.event_timestamp), \'\')') }} as event_at,
        nullif(trim(source.anonymous_id), '') as anonymous_id,
        nullif(trim(source.user_id), '') as user_id,
        nullif(trim(source.session_id), '') as tracker_session_id,
        nullif(trim(source.page_url), '') as page_url,
        coalesce(
            nullif(trim(source.page_path), ''),
            {{ url_path('source.page_url') }}
        ) as page_path,
        nullif(trim(source.page_referrer), '') as page_referrer,
        {{ url_host('source.page_referrer') }} as referrer_host,
        -- Without campaign tags, an ad click id in the page URL (var click_id_sources) names the source.
        lower(coalesce(
            nullif(trim(source.utm_source), ''),
            case
                when nullif(trim(source.utm_medium), '') is null
                    then {{ click_id_traffic_source('source.page_url', 'source') }}
            end
        )) as utm_source,
        lower(coalesce(
            nullif(trim(source.utm_medium), ''),
            case
                when nullif(trim(source.utm_source), '') is null
                    then {{ click_id_traffic_source('source.page_url', 'medium') }}
            end
        )) as utm_medium,
        nullif(trim(source.utm_campaign), '') as utm_campaign,
        nullif(trim(source.utm_content), '') as utm_content,
        nullif(trim(source.utm_term), '') as utm_term,
        lower(nullif(trim(source.device_category), '')) as device_category,
        upper(nullif(trim(source.country), '')) as country,
        user_agents_classified.user_agent_hash,
        coalesce(user_agents_classified.is_bot, false) as is_bot,
        {{ hash_pii('source.ip_address') }} as ip_address_hash,
        {{ hash_pii('source.email') }} as email_hash,
        -- Analytics consent (docs/privacy.md, Consent): granted / denied in any of the accepted
        -- spellings, unknown when absent; any other value is invalid (quarantined below).
        case
            when nullif(trim(source.consent_analytics), '') is null then 'unknown'
            when lower(trim(source.consent_analytics)) in ('granted', 'true', 'yes', '1') then 'granted'
            when lower(trim(source.consent_analytics)) in ('denied', 'false', 'no', '0') then 'denied'
        end as consent_analytics,
        nullif(trim(source.properties), '') as properties,
        coalesce(
            {{ parse_utc_timestamp('nullif(trim(source.loaded_at), \'\')') }},
            source._ingested_at
        ) as loaded_at,
        source._source_file as source_file,
        source._file_id as file_id,
        source._source_row as source_row,
        source._ingested_at as ingested_at
    from source
    left join user_agents_classified
        on source.user_agent = user_agents_classified.user_agent
),

with_properties as (
    select
        renamed.*,
        {{ is_json_object('renamed.properties') }} as has_valid_properties
    from renamed
),

parsed as (
    select
        with_properties.*,
        case
            when with_properties.has_valid_properties
                then {{ json_key('with_properties.properties', 'value') }}
        end as property_value_text,
        case
            when with_properties.has_valid_properties
                then {{ safe_to_double(json_key('with_properties.properties', 'value')) }}
        end as property_value,
        case
            when with_properties.has_valid_properties
                then {{ json_key('with_properties.properties', 'experiment_id') }}
        end as experiment_id,
        case
            when with_properties.has_valid_properties
                then {{ json_key('with_properties.properties', 'variant') }}
        end as experiment_variant
    from with_properties
),

-- Only broken rows are rejected. A well-formed event whose name is in no catalogue seed (a custom
-- event) is clean: it counts as activity, just not as a conversion; event_name_catalogue lists it.
validated as (
    select
        parsed.*,
        case
            when parsed.event_id is null then 'missing_event_id'
            when parsed.event_name is null then 'missing_event_name'
            when parsed.event_timestamp_raw is null then 'missing_timestamp'
            when parsed.event_at is null then 'unparseable_timestamp'
            when parsed.anonymous_id is null and parsed.user_id is null then 'missing_identity'
            when parsed.event_at > {{ dbt.dateadd('minute', var('future_timestamp_tolerance_minutes'), 'parsed.loaded_at') }}
                then 'future_timestamp'
            when parsed.event_at < cast('{{ var("min_valid_event_date") }}' as {{ dbt.type_timestamp() }})
                then 'timestamp_too_old'
            when parsed.properties is not null and not parsed.has_valid_properties then 'malformed_properties'
            when parsed.property_value_text is not null and parsed.property_value is null
                then 'non_numeric_revenue'
            when parsed.property_value < 0 then 'negative_revenue'
            when parsed.consent_analytics is null then 'invalid_consent'
            when parsed.is_bot then 'bot_user_agent'
        end as rejection_reason
    from parsed
),

{% if is_incremental() -%}
processed_event_ids as (
    select distinct processed.event_id
    from {{ this }} as processed
    where processed.row_status = 'clean'
),
{%- else %}
processed_event_ids as (
    select cast(null as {{ dbt.type_string() }}) as event_id
    where false
),
{%- endif %}

-- Deduplication ranks a narrow projection of the clean candidates (key, event_id, times) and joins
-- back only the later copies, a small set: a window over the wide rows sorts all forty columns
-- (1M raw rows: 4.5 s for the model that way against 3.6 s; bench/RESULTS.md).
clean_candidates_ranked as (
    select
        raw_row_key,
        row_number() over (
            partition by event_id
            order by ingested_at, loaded_at, raw_row_key
        ) as event_id_rank
    from validated
    where rejection_reason is null
),

later_copies as (
    select raw_row_key
    from clean_candidates_ranked
    where event_id_rank > 1
),

ranked as (
    select
        validated.*,
        later_copies.raw_row_key is not null as is_later_copy,
        processed_event_ids.event_id is not null as is_processed_event_id
    from validated
    left join later_copies
        on validated.raw_row_key = later_copies.raw_row_key
    left join processed_event_ids
        on validated.event_id = processed_event_ids.event_id
        and validated.rejection_reason is null
),

final as (
    select
        raw_row_key,
        event_source,
        source_event_name,
        event_id,
        event_name,
        event_timestamp_raw,
        event_at,
        {{ local_date('event_at') }} as event_date,
        anonymous_id,
        user_id,
        tracker_session_id,
        page_url,
        page_path,
        page_referrer,
        referrer_host,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        device_category,
        country,
        user_agent_hash,
        ip_address_hash,
        email_hash,
        consent_analytics,
        properties,
        has_valid_properties,
        property_value_text,
        property_value,
        experiment_id,
        experiment_variant,
        loaded_at,
        source_file,
        file_id,
        source_row,
        ingested_at,
        rejection_reason,
        case
            when rejection_reason is not null then 'quarantined'
            when is_later_copy or is_processed_event_id then 'duplicate'
            else 'clean'
        end as row_status
    from ranked
)

select * from final
