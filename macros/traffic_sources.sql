{#- Traffic-source helpers: query parameters of a URL and ad-platform click ids (var click_id_sources). -#}

{#- The value of query parameter `name` (a plain word) in a URL, as written (not URL-decoded); null when
    the URL has no such parameter or it is empty. -#}
{% macro url_query_parameter(expression, name) -%}
    {{ return(adapter.dispatch('url_query_parameter', 'microconv')(expression, name)) }}
{%- endmacro %}

{% macro duckdb__url_query_parameter(expression, name) -%}
    nullif(regexp_extract({{ expression }}, '[?&]{{ name }}=([^&#]*)', 1), '')
{%- endmacro %}

{% macro spark__url_query_parameter(expression, name) -%}
    nullif(regexp_extract({{ expression }}, '[?&]{{ name }}=([^&#]*)', 1), '')
{%- endmacro %}

{#- The source (field 'source') or medium (field 'medium') that the first click id of var
    click_id_sources found in the URL stands for; null when the URL carries none. -#}
{% macro click_id_traffic_source(url_expression, field) -%}
    {%- set click_ids = var('click_id_sources') -%}
    {%- if click_ids is string or click_ids | length == 0 -%}
    cast(null as {{ dbt.type_string() }})
    {%- else -%}
    case
        {%- for click_id in click_ids %}
        when {{ url_query_parameter(url_expression, click_id['parameter']) }} is not null
            then '{{ click_id[field] }}'
        {%- endfor %}
    end
    {%- endif %}
{%- endmacro %}

{#- The CTEs that classify the distinct traffic sources of `input_cte` (columns source_value,
    medium_value, campaign_value, referrer_value: text, '' for none) into GA4's default channel group
    ("[GA4] Default channel group", support.google.com/analytics/answer/9756891), ending with a CTE named
    `final` of one row per input row: GA4-style source / medium (untagged traffic gets one first: a link
    from another site is <referrer host> / referral, no referrer or one from our own site (var
    own_domains) is (direct) / (none), tags without a medium are <source> / (not set)), the source's
    category (traffic_source_categories: equal, or a subdomain of a listed host) and the channel of the
    first channel_grouping_rules rule (by rule_order) that matches, else Other. Reads the seeds
    channel_grouping_rules and traffic_source_categories itself (CTEs `rules`, `source_categories`). Used by int_traffic_sources_classified (sessions) and
    int_ad_spend_channels (ad spend), so that both follow the same rules. -#}
{% macro traffic_source_classification(input_cte) -%}
{%- set own_domains = var('own_domains') %}
{%- if own_domains is string %}{% set own_domains = [own_domains] %}{% endif %}
rules as (
    select * from {{ ref('channel_grouping_rules') }}
),

source_categories as (
    select
        lower(source) as listed_source,
        category
    from {{ ref('traffic_source_categories') }}
),

referrers_typed as (
    select
        {{ input_cte }}.*,
        case
            when {{ input_cte }}.referrer_value = '' then false
            {%- for domain in own_domains %}
            when {{ input_cte }}.referrer_value = '{{ domain | lower }}'
                or {{ input_cte }}.referrer_value like '%.{{ domain | lower }}' then true
            {%- endfor %}
            else false
        end as is_internal_referrer
    from {{ input_cte }}
),

ga4_sources as (
    select
        referrers_typed.source_value,
        referrers_typed.medium_value,
        referrers_typed.campaign_value,
        referrers_typed.referrer_value,
        referrers_typed.is_internal_referrer,
        lower(referrers_typed.campaign_value) as campaign_name,
        case
            when referrers_typed.source_value != '' then referrers_typed.source_value
            when referrers_typed.medium_value != '' then '(not set)'
            when referrers_typed.referrer_value != '' and not referrers_typed.is_internal_referrer
                then referrers_typed.referrer_value
            else '(direct)'
        end as ga4_source,
        case
            when referrers_typed.medium_value != '' then referrers_typed.medium_value
            when referrers_typed.source_value != '' then '(not set)'
            when referrers_typed.referrer_value != '' and not referrers_typed.is_internal_referrer
                then 'referral'
            else '(none)'
        end as ga4_medium
    from referrers_typed
),

categorized as (
    select
        ga4_sources.*,
        source_categories.category as source_category,
        row_number() over (
            partition by
                ga4_sources.source_value, ga4_sources.medium_value,
                ga4_sources.campaign_value, ga4_sources.referrer_value
            order by length(source_categories.listed_source) desc
        ) as category_rank
    from ga4_sources
    left join source_categories
        on ga4_sources.ga4_source = source_categories.listed_source
        or ga4_sources.ga4_source like {{ dbt.concat(["'%.'", "source_categories.listed_source"]) }}
),

sources_categorized as (
    select * from categorized
    where category_rank = 1
),

matches as (
    select
        sources_categorized.source_value,
        sources_categorized.medium_value,
        sources_categorized.campaign_value,
        sources_categorized.referrer_value,
        rules.channel,
        rules.rule_order,
        row_number() over (
            partition by
                sources_categorized.source_value, sources_categorized.medium_value,
                sources_categorized.campaign_value, sources_categorized.referrer_value
            order by rules.rule_order
        ) as match_rank
    from sources_categorized
    inner join rules
        on (rules.source_pattern is null or {{ regex_match('sources_categorized.ga4_source', 'rules.source_pattern') }})
        and (rules.source_category is null or sources_categorized.source_category = rules.source_category)
        and (rules.medium_pattern is null or {{ regex_match('sources_categorized.ga4_medium', 'rules.medium_pattern') }})
        and (
            rules.campaign_pattern is null
            or {{ regex_match('sources_categorized.campaign_name', 'rules.campaign_pattern') }}
        )
),

final as (
    select
        sources_categorized.source_value,
        sources_categorized.medium_value,
        sources_categorized.campaign_value,
        sources_categorized.referrer_value,
        sources_categorized.is_internal_referrer,
        sources_categorized.ga4_source,
        sources_categorized.ga4_medium,
        sources_categorized.source_category,
        coalesce(matches.channel, 'Other') as channel,
        matches.rule_order
    from sources_categorized
    left join matches
        on sources_categorized.source_value = matches.source_value
        and sources_categorized.medium_value = matches.medium_value
        and sources_categorized.campaign_value = matches.campaign_value
        and sources_categorized.referrer_value = matches.referrer_value
        and matches.match_rank = 1
)
{%- endmacro %}
