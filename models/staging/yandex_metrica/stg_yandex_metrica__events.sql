{#- Yandex Metrica Logs API exports (yandex.com/dev/metrika/en/logs/) mapped onto the raw event contract
    (all text). The API writes two tables as tab-separated text (ClickHouse TSV: backslash escapes, \N
    for NULL, arrays written [1,2] and ['a','b']), both landed under data/landing/yandex_metrica/ and
    loaded into raw.yandex_metrica_events; a row is a hit when its fields are ym:pv:*, a visit when they
    are ym:s:* (whatever its folder).
    - Hits (logs/fields/hits): a page view (ym:pv:isPageView not 0) is one event at ym:pv:dateTime; each
      goal id in ym:pv:goalsID is one goal reach at the hit's time; a hit that is neither (a link click,
      a file download, a non-bounce event) is one event named link, download or not_bounce.
    - Visits (logs/fields/visits): each goal reach (ym:s:goalsID with goalsDateTime, goalsPrice,
      goalsOrder, goalsCurrency at the same position) and each e-commerce purchase (ym:s:purchaseID with
      purchaseDateTime, purchaseRevenue, purchaseCurrency; its product from productsPurchaseID and
      productsID) is one event with the visit's campaign and visit id. A visit's goal or purchase that
      the hits already carry (same client, event name and second) is not counted again; nor a goal reach
      that is the same instant as one of the visit's purchases.
    - Times: ym:pv:dateTime, ym:s:dateTime and purchaseDateTime are in the counter's time zone (var
      yandex_metrica_timezone); goalsDateTime is documented in UTC+3 (Europe/Moscow). All become UTC.
    - Goal ids map to events through the seed yandex_metrica_goals (an id without a row: `goal_<id>`,
      a custom event); other names (pageview, link, download, purchase) through event_name_mappings.
    - Identity: anonymous_id is ym:pv:clientID / ym:s:clientID (the first-party cookie id); user_id and
      e-mail come from the hit's params JSON (keys UserID and email), the only place the export carries
      what the site sends; session_id is the visit id (ym:pv:visitID, exported since 10 October 2025,
      and ym:s:visitID).
    - event_id: the site's own event_id param, else ym:pv:watchID; a page view's goal reaches and every
      goal after the first of one hit append ':<goal id>'. A visit's events: visit id, kind and position.
    - Campaign: the UTM fields; without any, ym:*:lastTrafficSource gives the medium (ad -> cpc, organic,
      social, email) and the ad, search or social engine the source. deviceCategory 1-4 -> desktop,
      mobile, tablet, tv; regionCountry as an ISO code, or an English name looked up in country_codes.
    - _source_row is the raw row number times 1000 plus the event's position in that row, so that every
      event keeps a row key of its own; a row that cannot be read (neither table, an array that does not
      parse) still comes out once, without an event name, for validation to quarantine. -#}

{%- set counter_time_zone = yandex_metrica_timezone() %}

with

source as (
    select * from {{ source('yandex_metrica', 'yandex_metrica_events') }}
),

goals as (
    select
        goal_id,
        min(event_name) as event_name
    from {{ ref('yandex_metrica_goals') }}
    group by goal_id
),

event_name_mappings as (
    {{ event_name_mappings_of('yandex_metrica') }}
),

country_codes as (
    {{ country_codes_by_name() }}
),

-- Positions 0-498 of the arrays a row carries (a visit's goals and purchases), as integers (the series is
-- a sum of powers of two: a double on some engines, and an array index must read "$[1]", not "$[1.0]").
positions as (
    select cast(series.generated_number - 1 as integer) as array_position
    from ({{ dbt.generate_series(499) }}) as series
),

extracted as (
    select
        source._source_file,
        source._file_id,
        source._source_row,
        source._ingested_at,
        source.record like '%"ym:pv:%' as is_hit,
        source.record like '%"ym:s:%' and source.record not like '%"ym:pv:%' as is_visit,
        {%- for column, field in [
            ('watch_id', 'ym:pv:watchID'), ('hit_visit_id', 'ym:pv:visitID'), ('hit_client_id', 'ym:pv:clientID'),
            ('hit_time', 'ym:pv:dateTime'), ('hit_url', 'ym:pv:URL'), ('hit_referrer', 'ym:pv:referer'),
            ('hit_goal_ids', 'ym:pv:goalsID'), ('is_page_view_flag', 'ym:pv:isPageView'),
            ('link_flag', 'ym:pv:link'), ('download_flag', 'ym:pv:download'), ('not_bounce_flag', 'ym:pv:notBounce'),
            ('hit_params', 'ym:pv:params'),
            ('hit_utm_source', 'ym:pv:UTMSource'), ('hit_utm_medium', 'ym:pv:UTMMedium'),
            ('hit_utm_campaign', 'ym:pv:UTMCampaign'), ('hit_utm_content', 'ym:pv:UTMContent'),
            ('hit_utm_term', 'ym:pv:UTMTerm'), ('hit_traffic_source', 'ym:pv:lastTrafficSource'),
            ('hit_adv_engine', 'ym:pv:lastAdvEngine'), ('hit_search_engine', 'ym:pv:lastSearchEngineRoot'),
            ('hit_social_network', 'ym:pv:lastSocialNetwork'), ('hit_device_category', 'ym:pv:deviceCategory'),
            ('hit_country', 'ym:pv:regionCountry'), ('hit_ip_address', 'ym:pv:ipAddress'),
            ('visit_id', 'ym:s:visitID'), ('visit_client_id', 'ym:s:clientID'),
            ('visit_goal_ids', 'ym:s:goalsID'), ('visit_goal_times', 'ym:s:goalsDateTime'),
            ('visit_goal_prices', 'ym:s:goalsPrice'), ('visit_goal_orders', 'ym:s:goalsOrder'),
            ('visit_goal_currencies', 'ym:s:goalsCurrency'),
            ('purchase_ids', 'ym:s:purchaseID'), ('purchase_times', 'ym:s:purchaseDateTime'),
            ('purchase_revenues', 'ym:s:purchaseRevenue'), ('purchase_currencies', 'ym:s:purchaseCurrency'),
            ('product_purchase_ids', 'ym:s:productsPurchaseID'), ('product_ids', 'ym:s:productsID'),
            ('visit_traffic_source', 'ym:s:lastTrafficSource'), ('visit_lastsign_traffic_source', 'ym:s:lastsignTrafficSource'),
            ('visit_adv_engine', 'ym:s:lastAdvEngine'), ('visit_search_engine', 'ym:s:lastSearchEngineRoot'),
            ('visit_social_network', 'ym:s:lastSocialNetwork'), ('visit_device_category', 'ym:s:deviceCategory'),
            ('visit_country', 'ym:s:regionCountry'), ('visit_ip_address', 'ym:s:ipAddress'),
        ] %}
        {{ yandex_metrica_field('source.record', field) }} as {{ column }},
        {%- endfor %}
        {%- for column in ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] %}
        {%- set field = 'UTM' ~ column[4:] | capitalize %}
        coalesce(
            {{ yandex_metrica_field('source.record', 'ym:s:lastsign' ~ field) }},
            {{ yandex_metrica_field('source.record', 'ym:s:last' ~ field) }},
            {{ yandex_metrica_field('source.record', 'ym:s:' ~ field) }}
        ) as visit_{{ column }},
        {%- endfor %}
        source.record
    from source
),

-- Rows as one shape: the fields hits and visits share, arrays as JSON, times in UTC.
rows_read as (
    select
        extracted.*,
        coalesce(extracted.hit_client_id, extracted.visit_client_id) as client_id,
        coalesce(extracted.hit_visit_id, extracted.visit_id) as session_id,
        coalesce(extracted.hit_device_category, extracted.visit_device_category) as device_code,
        coalesce(extracted.hit_country, extracted.visit_country) as region_country,
        coalesce(extracted.hit_ip_address, extracted.visit_ip_address) as ip_address,
        coalesce(
            extracted.hit_traffic_source, extracted.visit_lastsign_traffic_source, extracted.visit_traffic_source
        ) as traffic_source,
        coalesce(extracted.hit_adv_engine, extracted.visit_adv_engine) as adv_engine,
        coalesce(extracted.hit_search_engine, extracted.visit_search_engine) as search_engine,
        coalesce(extracted.hit_social_network, extracted.visit_social_network) as social_network,
        {%- for column in ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] %}
        coalesce(extracted.hit_{{ column }}, extracted.visit_{{ column }}) as {{ column }},
        {%- endfor %}
        {%- for column in [
            'hit_goal_ids', 'visit_goal_ids', 'visit_goal_times', 'visit_goal_prices', 'visit_goal_orders',
            'visit_goal_currencies', 'purchase_ids', 'purchase_times', 'purchase_revenues', 'purchase_currencies',
            'product_purchase_ids', 'product_ids',
        ] %}
        {{ yandex_metrica_array_json('extracted.' ~ column) }} as {{ column }}_json,
        {%- endfor %}
        {{ yandex_metrica_time_to_iso_text('extracted.hit_time', counter_time_zone) }} as hit_time_iso
    from extracted
),

sized as (
    select
        rows_read.*,
        coalesce({{ json_array_size('rows_read.hit_goal_ids_json') }}, 0) as hit_goal_count,
        coalesce({{ json_array_size('rows_read.visit_goal_ids_json') }}, 0) as visit_goal_count,
        coalesce({{ json_array_size('rows_read.purchase_ids_json') }}, 0) as purchase_count,
        coalesce({{ json_array_size('rows_read.product_ids_json') }}, 0) as product_count,
        -- An array field that is there but does not parse: the row cannot be read whole.
        (rows_read.hit_goal_ids is not null and {{ json_array_size('rows_read.hit_goal_ids_json') }} is null)
        or (rows_read.visit_goal_ids is not null and {{ json_array_size('rows_read.visit_goal_ids_json') }} is null)
        or (rows_read.purchase_ids is not null and {{ json_array_size('rows_read.purchase_ids_json') }} is null)
            as has_unreadable_array,
        case when rows_read.is_hit then coalesce(rows_read.is_page_view_flag, '1') <> '0' else false end
            as is_page_view,
        coalesce(
            {{ json_path_text('rows_read.hit_params', '$.event_id') }}, rows_read.watch_id
        ) as hit_event_id
    from rows_read
),

-- A hit's own event: its page view, or the link, download or non-bounce a hit without goals is; and
-- the one event of a row that is no hit or visit, or whose arrays do not parse.
hit_own_events as (
    select
        sized.*,
        0 as event_position,
        case
            when sized.has_unreadable_array or not (sized.is_hit or sized.is_visit) then null
            when sized.is_page_view then 'pageview'
            when sized.link_flag = '1' then 'link'
            when sized.download_flag = '1' then 'download'
            when sized.not_bounce_flag = '1' then 'not_bounce'
            else 'hit'
        end as yandex_event,
        cast(null as {{ dbt.type_string() }}) as goal_id,
        sized.hit_event_id as event_id,
        sized.hit_time_iso as event_time_iso,
        sized.hit_time as event_time_text,
        cast(null as {{ dbt.type_string() }}) as goal_value,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as product_id,
        'hit' as table_kind
    from sized
    where sized.has_unreadable_array
        or not (sized.is_hit or sized.is_visit)
        or (sized.is_hit and (sized.is_page_view or sized.hit_goal_count = 0))
),

hit_goal_events as (
    select
        sized.*,
        positions.array_position + 1 as event_position,
        'goal' as yandex_event,
        {{ json_array_item_text('sized.hit_goal_ids_json', 'positions.array_position') }} as goal_id,
        case
            when not sized.is_page_view and positions.array_position = 0 then sized.hit_event_id
            else {{ dbt.concat([
                'sized.hit_event_id', "':'",
                json_array_item_text('sized.hit_goal_ids_json', 'positions.array_position'),
            ]) }}
        end as event_id,
        sized.hit_time_iso as event_time_iso,
        sized.hit_time as event_time_text,
        cast(null as {{ dbt.type_string() }}) as goal_value,
        cast(null as {{ dbt.type_string() }}) as order_id,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as {{ dbt.type_string() }}) as product_id,
        'hit' as table_kind
    from sized
    inner join positions
        on sized.hit_goal_count > positions.array_position
    where sized.is_hit and not sized.has_unreadable_array
),

visit_goal_events as (
    select
        sized.*,
        positions.array_position + 1 as event_position,
        'goal' as yandex_event,
        {{ json_array_item_text('sized.visit_goal_ids_json', 'positions.array_position') }} as goal_id,
        {{ dbt.concat([
            'sized.visit_id', "':goal:'", "cast(positions.array_position as " ~ dbt.type_string() ~ ")",
        ]) }} as event_id,
        {{ yandex_metrica_time_to_iso_text(
            json_array_item_text('sized.visit_goal_times_json', 'positions.array_position'), 'Europe/Moscow'
        ) }} as event_time_iso,
        {{ json_array_item_text('sized.visit_goal_times_json', 'positions.array_position') }} as event_time_text,
        -- A goal without a revenue set exports 0.
        nullif({{ json_array_item_text('sized.visit_goal_prices_json', 'positions.array_position') }}, '0') as goal_value,
        nullif({{ json_array_item_text('sized.visit_goal_orders_json', 'positions.array_position') }}, '') as order_id,
        nullif({{ json_array_item_text('sized.visit_goal_currencies_json', 'positions.array_position') }}, '') as currency,
        cast(null as {{ dbt.type_string() }}) as product_id,
        'visit_goal' as table_kind
    from sized
    inner join positions
        on sized.visit_goal_count > positions.array_position
    where sized.is_visit and not sized.has_unreadable_array
),

-- The first product of each purchase (the contract carries one product id per event).
purchase_products as (
    select
        sized._file_id,
        sized._source_row,
        {{ json_array_item_text('sized.product_purchase_ids_json', 'positions.array_position') }} as purchase_id,
        {{ json_array_item_text('sized.product_ids_json', 'positions.array_position') }} as product_id,
        row_number() over (
            partition by
                sized._file_id,
                sized._source_row,
                {{ json_array_item_text('sized.product_purchase_ids_json', 'positions.array_position') }}
            order by positions.array_position
        ) as product_number
    from sized
    inner join positions
        on sized.product_count > positions.array_position
    where sized.is_visit
),

visit_purchase_events as (
    select
        sized.*,
        positions.array_position + 501 as event_position,
        'purchase' as yandex_event,
        cast(null as {{ dbt.type_string() }}) as goal_id,
        {{ dbt.concat([
            'sized.visit_id', "':purchase:'", json_array_item_text('sized.purchase_ids_json', 'positions.array_position'),
        ]) }} as event_id,
        {{ yandex_metrica_time_to_iso_text(
            json_array_item_text('sized.purchase_times_json', 'positions.array_position'), counter_time_zone
        ) }} as event_time_iso,
        {{ json_array_item_text('sized.purchase_times_json', 'positions.array_position') }} as event_time_text,
        {{ json_array_item_text('sized.purchase_revenues_json', 'positions.array_position') }} as goal_value,
        {{ json_array_item_text('sized.purchase_ids_json', 'positions.array_position') }} as order_id,
        nullif({{ json_array_item_text('sized.purchase_currencies_json', 'positions.array_position') }}, '') as currency,
        purchase_products.product_id,
        'visit_purchase' as table_kind
    from sized
    inner join positions
        on sized.purchase_count > positions.array_position
    left join purchase_products
        on sized._file_id = purchase_products._file_id
        and sized._source_row = purchase_products._source_row
        and {{ json_array_item_text('sized.purchase_ids_json', 'positions.array_position') }}
        = purchase_products.purchase_id
        and purchase_products.product_number = 1
    where sized.is_visit and not sized.has_unreadable_array
),

all_events as (
    select * from hit_own_events
    union all
    select * from hit_goal_events
    union all
    select * from visit_goal_events
    union all
    select * from visit_purchase_events
),

named as (
    select
        all_events.*,
        case
            when all_events.yandex_event = 'goal' then {{ dbt.concat(["'goal_'", 'all_events.goal_id']) }}
            else all_events.yandex_event
        end as source_event_name,
        coalesce(
            goals.event_name,
            event_name_mappings.event_name,
            case
                when all_events.yandex_event = 'goal' then {{ dbt.concat(["'goal_'", 'all_events.goal_id']) }}
                else all_events.yandex_event
            end
        ) as event_name
    from all_events
    left join goals
        on all_events.goal_id = goals.goal_id
    left join event_name_mappings
        on all_events.yandex_event = event_name_mappings.source_event_name
),

keyed as (
    select
        named.*,
        {{ dbt.concat([
            "coalesce(named.client_id, '')", "'|'", "coalesce(named.event_name, '')", "'|'",
            "coalesce(named.event_time_iso, '')",
        ]) }} as reach_key
    from named
),

-- What a visit repeats: reaches the hits carry, and goal reaches at the instant of a purchase.
hit_reaches as (
    select distinct reach_key from keyed
    where table_kind = 'hit'
),

purchase_reaches as (
    select distinct reach_key from keyed
    where table_kind = 'visit_purchase'
),

deduplicated as (
    select keyed.*
    from keyed
    left join hit_reaches
        on keyed.reach_key = hit_reaches.reach_key
        and keyed.table_kind <> 'hit'
    left join purchase_reaches
        on keyed.reach_key = purchase_reaches.reach_key
        and keyed.table_kind = 'visit_goal'
    where hit_reaches.reach_key is null
        and purchase_reaches.reach_key is null
),

located as (
    select
        deduplicated.*,
        country_codes.country_code as region_country_code
    from deduplicated
    left join country_codes
        on lower(trim(deduplicated.region_country)) = country_codes.country_name
),

final as (
    select
        'yandex_metrica' as event_source,
        source_event_name,
        event_id,
        event_name,
        -- Text that is not a time passes unchanged, for staging's validation to quarantine.
        coalesce(event_time_iso, event_time_text) as event_timestamp,
        client_id as anonymous_id,
        {{ json_path_text('hit_params', '$.UserID') }} as user_id,
        session_id,
        case when table_kind = 'hit' then hit_url end as page_url,
        cast(null as {{ dbt.type_string() }}) as page_path,
        case when table_kind = 'hit' then hit_referrer end as page_referrer,
        coalesce(
            utm_source,
            case
                when utm_medium is null and utm_campaign is null
                    then case traffic_source
                            when 'ad' then adv_engine
                            when 'organic' then search_engine
                            when 'social' then social_network
                        end
            end
        ) as utm_source,
        coalesce(
            utm_medium,
            case
                when utm_source is null and utm_campaign is null
                    then case traffic_source
                            when 'ad' then 'cpc'
                            when 'organic' then 'organic'
                            when 'social' then 'social'
                            when 'email' then 'email'
                        end
            end
        ) as utm_medium,
        utm_campaign,
        utm_content,
        utm_term,
        case device_code
            when '1' then 'desktop'
            when '2' then 'mobile'
            when '3' then 'tablet'
            when '4' then 'tv'
        end as device_category,
        case
            when length(region_country) = 2 then upper(region_country)
            else region_country_code
        end as country,
        cast(null as {{ dbt.type_string() }}) as user_agent,
        ip_address,
        {{ json_path_text('hit_params', '$.email') }} as email,
        -- The Logs API documents no consent field on hits.
        cast(null as {{ dbt.type_string() }}) as consent_analytics,
        {{ json_merge_text('hit_params', json_object_text([
            ('value', 'coalesce(goal_value, '
                ~ json_path_text('hit_params', '$.value') ~ ', '
                ~ json_path_text('hit_params', '$.order_price') ~ ', '
                ~ json_path_text('hit_params', '$.price') ~ ')'),
            ('currency', 'coalesce(currency, ' ~ json_path_text('hit_params', '$.currency') ~ ')'),
            ('order_id', 'coalesce(order_id, ' ~ json_path_text('hit_params', '$.order_id') ~ ')'),
            ('product_id', 'coalesce(product_id, ' ~ json_path_text('hit_params', '$.product_id') ~ ')'),
            ('event_id', 'null'), ('UserID', 'null'),
        ] + pii_property_removals())) }} as properties,
        cast(null as {{ dbt.type_string() }}) as loaded_at,
        _source_file,
        _file_id,
        _source_row * 1000 + event_position as _source_row,
        _ingested_at
    from located
)

select * from final
