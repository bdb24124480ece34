"""Write the demo events in a vendor's export format (GA4, Segment, Snowplow, Mixpanel, Heap, …).

Each vendor row is a DuckDB projection of the contract row the generator would have written, so that
the same demo through a vendor adapter (models/staging/<vendor>/) gives the same marts as the contract
path. Event names are translated with the seed event_name_mappings (in reverse), GA4 countries with the
seed country_codes. A dirty row a vendor's format cannot carry (GA4 has no text timestamps, Mixpanel no
user agents, …) is left out, as that vendor's own collection would never have exported it; the
manifest lists what was left out. Vendor session ids are not written: sessions are then derived by
inactivity, exactly as on the contract path.
"""

from __future__ import annotations

import csv
import gzip
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from . import catalog, simulate

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"


@dataclass(frozen=True)
class VendorFormat:
    name: str
    # Landing-file formats the vendor's export comes in; the first one is used when the requested
    # format is not among them.
    formats: tuple[str, ...]
    file_prefix: str
    # Dirty kinds (see writer.DIRTY_KINDS) the format cannot represent, and whether bot traffic is
    # exported at all.
    dropped_kinds: tuple[str, ...]
    exports_bots: bool
    sql: str
    # Vendors exporting one table per folder (Heap): the column of `sql` naming each row's table (the
    # folder it is written to, the column itself left out), and further tables of the same day as
    # (folder, projection of `contract`).
    table_column: str | None = None
    extra_tables: tuple[tuple[str, str], ...] = ()


# Property keys of the contract's properties JSON that are numbers.
_NUMERIC_PROPERTIES = ("value", "video_percent", "scroll_percent", "seconds_on_page")
_TEXT_PROPERTIES = ("currency", "order_id", "product_id", "cta_id", "form_id", "experiment_id", "variant")


def _property(key: str) -> str:
    return f"json_extract_string(properties, '$.{key}')"


def _number(key: str) -> str:
    return f"try_cast({_property(key)} as double)"


def _ga4_param(key: str, text: str | None = None, number: str | None = None) -> str:
    string_value = text if text is not None else "null"
    double_value = number if number is not None else "null"
    return (
        f"{{'key': '{key}', 'value': {{'string_value': cast({string_value} as varchar), "
        f"'int_value': cast(null as bigint), 'float_value': cast(null as double), "
        f"'double_value': cast({double_value} as double)}}}}"
    )


_NOT_PURCHASE = "event_name is distinct from 'purchase'"
_GA4_PARAMS = ", ".join(
    [
        _ga4_param("event_id", text="event_id"),
        _ga4_param("page_location", text="page_url"),
        _ga4_param("page_referrer", text="page_referrer"),
        *(_ga4_param(key, number=_number(key)) for key in _NUMERIC_PROPERTIES[1:]),
        # A purchase's value and order id go in its ecommerce record, as GA4 exports them.
        _ga4_param("value", number=f"case when {_NOT_PURCHASE} then {_number('value')} end"),
        _ga4_param("order_id", text=f"case when {_NOT_PURCHASE} then {_property('order_id')} end"),
        *(_ga4_param(key, text=_property(key)) for key in _TEXT_PROPERTIES if key != "order_id"),
    ]
)

# The contract row's columns (all text) are in `contract`; `vendor_event_name` is the event name in the
# vendor's words, `event_at` the parsed event time (null when unparseable), `loaded_ms` the load time.
_GA4_SQL = f"""
select
    strftime(event_at, '%Y%m%d') as event_date,
    epoch_us(event_at) as event_timestamp,
    vendor_event_name as event_name,
    list_filter(
        [{_GA4_PARAMS}],
        lambda param: param.value.string_value is not null or param.value.double_value is not null
    ) as event_params,
    cast(null as varchar) as event_bundle_sequence_id,
    user_id,
    anonymous_id as user_pseudo_id,
    {{'category': device_category}} as device,
    {{'country': country_name}} as geo,
    {{'manual_source': utm_source, 'manual_medium': utm_medium, 'manual_campaign_name': utm_campaign}}
        as collected_traffic_source,
    -- GA4 exports "(not set)" for a purchase sent without a transaction id.
    case when event_name = 'purchase' then {{
        'purchase_revenue': try_cast({_property("value")} as double),
        'transaction_id': coalesce({_property("order_id")}, '(not set)')
    }} end as ecommerce,
    case when {_property("product_id")} is not null
        then [{{'item_id': {_property("product_id")}}}]
    end as items,
    -- Consent mode's analytics_storage: Yes / No, null for a visit without a consent state.
    {{'analytics_storage': case consent_analytics when 'granted' then 'Yes' when 'denied' then 'No' end}}
        as privacy_info
from contract
"""

_SEGMENT_SQL = """
select
    case when event_name = 'page_view' then 'page' else 'track' end as type,
    case when event_name is distinct from 'page_view' then vendor_event_name end as event,
    event_id as messageId,
    anonymous_id as anonymousId,
    user_id as userId,
    event_timestamp as timestamp,
    loaded_at as receivedAt,
    {
        'page': {'url': page_url, 'path': page_path, 'referrer': page_referrer},
        'campaign': {'source': utm_source, 'medium': utm_medium, 'name': utm_campaign},
        'userAgent': user_agent,
        'ip': ip_address,
        'location': {'country': country},
        'device': {'type': device_category},
        'traits': {'email': email},
        'consent': {'categoryPreferences': {'Analytics': case consent_analytics
            when 'granted' then true when 'denied' then false end}}
    } as context,
    cast(properties as json) as properties
from contract
"""

# Snowplow's e-commerce plugin: every action is one self-describing event whose `type` is the action;
# its data (product, checkout step, order) travels in entities.
_SNOWPLOW_ECOMMERCE_ACTIONS = (
    "product_view", "list_view", "list_click", "add_to_cart", "remove_from_cart",
    "checkout_step", "transaction", "refund", "promo_view", "promo_click",
)  # fmt: skip
_SNOWPLOW_ECOMMERCE = "com_snowplowanalytics_snowplow_ecommerce"


def _snowplow_event_names() -> list[str]:
    """Snowplow schema names of the demo's self-describing events other than e-commerce actions: one
    warehouse column each. Read here (not with _reverse_name_mappings) because the SQL is built at import."""
    names = dict(catalog.custom_event_names("snowplow"))
    with (SEEDS_DIR / "event_name_mappings.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["event_source"] == "snowplow":
                names.setdefault(row["event_name"], row["source_event_name"])
    vendor_names = {names.get(name, name) for name in simulate.EVENT_NAMES if name != "page_view"}
    return sorted(vendor_names - set(_SNOWPLOW_ECOMMERCE_ACTIONS))


# The layout the Snowflake, Databricks and BigQuery (Loader 2) loaders write: one column per
# self-describing event schema and one per entity schema (an array of entities), named
# <unstruct_event|contexts>_<vendor with dots as underscores>_<name>_<major version>, as JSON; timestamps
# as BigQuery exports them (' UTC'); the device class in the YAUAA enrichment's entity.
_SNOWPLOW_EVENT_COLUMNS = "".join(
    f"""
    case when vendor_event_name = '{name}' then cast(properties as json) end
        as unstruct_event_io_microconv_{name}_1,"""
    for name in _snowplow_event_names()
)
_CART_ACTION = "vendor_event_name in ('add_to_cart', 'remove_from_cart')"
_ECOMMERCE_ACTION = f"vendor_event_name in {_SNOWPLOW_ECOMMERCE_ACTIONS}"
_SNOWPLOW_SQL = f"""
select
    event_id,
    case when event_name = 'page_view' then 'page_view' else 'unstruct' end as event,
    case when event_name = 'page_view' then 'com.snowplowanalytics.snowplow'
        when {_ECOMMERCE_ACTION} then 'com.snowplowanalytics.snowplow.ecommerce'
        when vendor_event_name is not null then 'io.microconv' end as event_vendor,
    case when event_name = 'page_view' then 'page_view'
        when {_ECOMMERCE_ACTION} then 'snowplow_ecommerce_action'
        else vendor_event_name end as event_name,
    case when {_ECOMMERCE_ACTION} then json_object('type', vendor_event_name) end
        as unstruct_event_{_SNOWPLOW_ECOMMERCE}_snowplow_ecommerce_action_1,{_SNOWPLOW_EVENT_COLUMNS}
    case when {_property("product_id")} is not null then json_array(json_object(
        'id', {_property("product_id")},
        'price', case when {_CART_ACTION} then json_extract(properties, '$.value') end,
        'currency', case when {_CART_ACTION} then {_property("currency")} end,
        'quantity', case when {_CART_ACTION} then 1 end
    )) end as contexts_{_SNOWPLOW_ECOMMERCE}_product_1,
    case when vendor_event_name = 'transaction' then json_array(json_object(
        'transaction_id', {_property("order_id")},
        'revenue', json_extract(properties, '$.value'),
        'currency', {_property("currency")},
        'payment_method', 'card',
        'total_quantity', 1
    )) end as contexts_{_SNOWPLOW_ECOMMERCE}_transaction_1,
    case when vendor_event_name = 'checkout_step' then json_array(json_object('step', 1)) end
        as contexts_{_SNOWPLOW_ECOMMERCE}_checkout_step_1,
    case device_category when 'desktop' then json_array(json_object('deviceClass', 'Desktop'))
        when 'mobile' then json_array(json_object('deviceClass', 'Phone'))
        when 'tablet' then json_array(json_object('deviceClass', 'Tablet')) end
        as contexts_nl_basjes_yauaa_context_1,
    anonymous_id as domain_userid,
    user_id,
    coalesce(strftime(event_at, '%Y-%m-%d %H:%M:%S.%g UTC'), event_timestamp) as derived_tstamp,
    strftime(loaded_at_ts, '%Y-%m-%d %H:%M:%S.%g UTC') as collector_tstamp,
    page_url,
    page_path as page_urlpath,
    page_referrer,
    utm_source as mkt_source,
    utm_medium as mkt_medium,
    utm_campaign as mkt_campaign,
    country as geo_country,
    user_agent as useragent,
    ip_address as user_ipaddress
from contract
"""

# The demo's Mixpanel project predates Mixpanel's 2023 switch to UTC: its export writes `time` as the
# project time zone's wall-clock time as if it were UTC (stg_mixpanel__events converts it back with
# MICROCONV_MIXPANEL_TIMEZONE, which the demo sets to this). Los Angeles has DST; the demo's default
# dates (January-February) hold no fall-back hour, the only local times that map to two instants.
MIXPANEL_DEMO_TIMEZONE = "America/Los_Angeles"

_MIXPANEL_SQL = f"""
select
    vendor_event_name as event,
    json_merge_patch(
        cast(properties as json),
        json_object(
            'time', coalesce(
                to_json(epoch_ms((event_at at time zone 'UTC') at time zone '{MIXPANEL_DEMO_TIMEZONE}')),
                to_json(event_timestamp)
            ),
            'distinct_id', coalesce(user_id, '$device:' || anonymous_id),
            '$device_id', anonymous_id,
            '$user_id', user_id,
            '$insert_id', event_id,
            '$current_url', page_url,
            '$referrer', coalesce(page_referrer, '$direct'),
            'utm_source', utm_source,
            'utm_medium', utm_medium,
            'utm_campaign', utm_campaign,
            'mp_country_code', country,
            '$email', email,
            -- Half the phones are Android, exported with $os but no $device (the Android SDK sends $model).
            '$device', case device_category when 'tablet' then 'iPad'
                when 'mobile' then case when hash(anonymous_id) % 2 = 0 then 'iPhone' end end,
            '$os', case device_category when 'tablet' then 'iOS'
                when 'mobile' then case when hash(anonymous_id) % 2 = 0 then 'iOS' else 'Android' end
                when 'desktop' then 'Windows' end,
            'mp_processing_time_ms', epoch_ms(loaded_at_ts)
        )
    ) as properties
from contract
"""

# PostHog's batch export (events model, JSON lines): properties as a nested object, times as ISO 8601
# text, created_at the ingestion time. posthog-js sends $device_id and $is_identified on every event;
# an identified event's distinct_id is the user. The e-commerce spec's Order Completed carries revenue.
_POSTHOG_TIME = "'%Y-%m-%dT%H:%M:%S.%f+00:00'"
_POSTHOG_SQL = f"""
select
    event_id as uuid,
    vendor_event_name as event,
    coalesce(user_id, anonymous_id) as distinct_id,
    cast(cast(md5(coalesce(user_id, anonymous_id)) as uuid) as varchar) as person_id,
    json_merge_patch(
        cast(properties as json),
        json_object(
            'value', case when {_NOT_PURCHASE} then json_extract(properties, '$.value') end,
            'revenue', case when event_name = 'purchase' then json_extract(properties, '$.value') end,
            '$device_id', anonymous_id,
            '$is_identified', user_id is not null,
            '$current_url', page_url,
            '$pathname', page_path,
            '$referrer', coalesce(page_referrer, '$direct'),
            'utm_source', utm_source,
            'utm_medium', utm_medium,
            'utm_campaign', utm_campaign,
            '$device_type', case device_category when 'desktop' then 'Desktop' when 'mobile' then 'Mobile'
                when 'tablet' then 'Tablet' end,
            '$geoip_country_code', country,
            '$raw_user_agent', user_agent,
            '$ip', ip_address,
            '$set', case when email is not null then json_object('email', email) end,
            '$lib', 'web'
        )
    ) as properties,
    json_object() as person_properties,
    '' as elements_chain,
    strftime(event_at, {_POSTHOG_TIME}) as timestamp,
    strftime(loaded_at_ts, {_POSTHOG_TIME}) as created_at,
    strftime(loaded_at_ts, {_POSTHOG_TIME}) as _inserted_at
from contract
"""


# Heap Connect tables (help.heap.io, Heap Connect: Data Schema), as a warehouse unload lands them: one
# folder per table. Page views go to pageviews, every other event to its event's table; the landing page
# view's campaign, referrer and landing page also make its session's sessions row. Heap's ids are 64-bit
# numbers; the demo writes the contract's ids in their place (text), so that the same devices, users and
# events come out. Every event is recorded under its device's Heap user (the anonymous_id); a device on
# which its visitor logged in (a clean event with a user_id) is migrated in user_migrations to the
# visitor's identified Heap user ('9' + the user id's digits), whose users row has the user id as
# identity. Bot traffic is left out: Heap's tables carry no user agent (only the parsed browser), so it
# could not be recognised; so are future times: without a load time a skewed clock cannot be told.
def _heap_property_columns() -> str:
    numbers = ", ".join(
        f"{_number(key)} as {key}" if key == "value" else f"try_cast({_property(key)} as integer) as {key}"
        for key in _NUMERIC_PROPERTIES
    )
    texts = ", ".join(f"{_property(key)} as {key}" for key in _TEXT_PROPERTIES)
    return f"{numbers}, {texts}"


_HEAP_DEVICE_TYPE = "upper(device_category[1]) || device_category[2:]"
_HEAP_SQL = f"""
select
    case when event_name = 'page_view' then 'pageviews' else vendor_event_name end as _heap_table,
    event_id,
    anonymous_id as user_id,
    cast(_session as varchar) as session_id,
    event_at as time,
    'web' as library,
    {_HEAP_DEVICE_TYPE} as device_type,
    coalesce(upper(country_name[1]) || country_name[2:], country) as country,
    ip_address as ip,
    regexp_extract(page_url, '^https?://([^/?#]+)', 1) as domain,
    page_path as path,
    cast(null as varchar) as query,
    page_referrer as referrer,
    utm_source,
    utm_medium,
    utm_campaign,
    email,
    {_heap_property_columns()}
from contract
"""
_HEAP_SESSIONS_SQL = f"""
select
    cast(_session as varchar) as session_id,
    anonymous_id as user_id,
    event_at as time,
    'web' as library,
    {_HEAP_DEVICE_TYPE} as device_type,
    coalesce(upper(country_name[1]) || country_name[2:], country) as country,
    ip_address as ip,
    page_referrer as referrer,
    page_url as landing_page,
    utm_source,
    utm_medium,
    utm_campaign
from contract
where _is_landing
"""
# Logins: the clean events with a user id (a migration or identity only from quarantined rows would
# identify events the contract path leaves anonymous).
_HEAP_USERS_SQL = """
select
    '9' || substring(user_id, 2) as user_id,
    user_id as identity,
    min(event_at) as joindate
from contract
where user_id is not null and _is_clean_row
group by user_id
order by 1
"""
_HEAP_USER_MIGRATIONS_SQL = """
select
    anonymous_id as from_user_id,
    '9' || substring(user_id, 2) as to_user_id,
    min(event_at) as time
from contract
where user_id is not null and _is_clean_row
group by anonymous_id, user_id
order by 1
"""

# Amplitude's Export API (amplitude.com/docs/apis/analytics/export): one event object per line, times
# as UTC text without an offset, revenue as $revenue/$price/$quantity event properties, the Browser
# SDK's page properties, country names. The demo's events come from a server-side source without
# Amplitude sessions (session_id -1), so sessions are derived by inactivity as on the contract path;
# campaigns travel as utm_* event properties and in the user properties of the event that set them.
AMPLITUDE_DEMO_PROJECT_ID = 187520
_AMPLITUDE_TIME = "'%Y-%m-%d %H:%M:%S.%f'"
_AMPLITUDE_SQL = f"""
select
    {AMPLITUDE_DEMO_PROJECT_ID} as app,
    event_id as "$insert_id",
    cast(cast(md5(event_id || '|' || coalesce(loaded_at, '')) as uuid) as varchar) as uuid,
    abs(hash(coalesce(user_id, anonymous_id))) % 1000000000000 as amplitude_id,
    vendor_event_name as event_type,
    strftime(event_at, {_AMPLITUDE_TIME}) as event_time,
    strftime(event_at, {_AMPLITUDE_TIME}) as client_event_time,
    strftime(loaded_at_ts, {_AMPLITUDE_TIME}) as client_upload_time,
    strftime(loaded_at_ts, {_AMPLITUDE_TIME}) as server_received_time,
    strftime(loaded_at_ts, {_AMPLITUDE_TIME}) as server_upload_time,
    anonymous_id as device_id,
    user_id,
    -1 as session_id,
    'Web' as platform,
    case device_category when 'desktop' then 'Chrome' when 'mobile' then 'Mobile Safari'
        when 'tablet' then 'Mobile Safari' end as os_name,
    case device_category when 'desktop' then 'Windows' when 'mobile' then 'Apple iPhone'
        when 'tablet' then 'Apple iPad' end as device_family,
    case device_category when 'desktop' then 'Windows' when 'mobile' then 'Apple iPhone'
        when 'tablet' then 'Apple iPad' end as device_type,
    list_aggr(
        list_transform(string_split(country_name, ' '), lambda word: upper(word[1]) || word[2:]),
        'string_agg',
        ' '
    ) as country,
    ip_address,
    'amplitude-ts/2.11.0' as library,
    json_merge_patch(
        cast(properties as json),
        json_object(
            '[Amplitude] Page Location', page_url,
            '[Amplitude] Page URL', page_url,
            '[Amplitude] Page Path', page_path,
            '[Amplitude] Previous Page Location', page_referrer,
            '[Amplitude] Previous Page Type', case when page_referrer is not null then 'external' end,
            'utm_source', utm_source,
            'utm_medium', utm_medium,
            'utm_campaign', utm_campaign,
            -- A purchase carries its revenue as Amplitude's revenue properties (price x quantity).
            'value', case when {_NOT_PURCHASE} then json_extract(properties, '$.value') end,
            '$price', case when event_name = 'purchase' then json_extract(properties, '$.value') end,
            '$quantity', case when event_name = 'purchase' and {_property("value")} is not null then 1 end,
            '$revenueType', case when event_name = 'purchase' then 'purchase' end
        )
    ) as event_properties,
    json_merge_patch(
        json_object(),
        json_object(
            'email', email, 'utm_source', utm_source, 'utm_medium', utm_medium, 'utm_campaign', utm_campaign
        )
    ) as user_properties,
    json_object() as groups,
    json_object() as group_properties
from contract
"""

# Yandex Metrica's Logs API: a hits table (ym:pv:*) and a visits table (ym:s:*) per day, tab-separated.
# The demo counter's time zone (ym:pv:dateTime, ym:s:dateTime, purchaseDateTime; goalsDateTime is UTC+3):
# Berlin has DST, and is not UTC+3, so that a time read in the wrong zone shows.
YANDEX_METRICA_DEMO_TIMEZONE = "Europe/Berlin"


def _yandex_metrica_goal_ids() -> str:
    """VALUES rows (event_name, goal_id) of the seed yandex_metrica_goals: the demo counter's goals."""
    with (SEEDS_DIR / "yandex_metrica_goals.csv").open(newline="") as handle:
        rows = [(row["event_name"], row["goal_id"]) for row in csv.DictReader(handle)]
    return ", ".join(f"('{name}', '{goal}')" for name, goal in rows)


def _yandex_metrica_wall(time_zone: str) -> str:
    return f"strftime((event_at at time zone 'UTC') at time zone '{time_zone}', '%Y-%m-%d %H:%M:%S')"


def _clickhouse_strings(expression: str, where: str) -> str:
    """A ClickHouse Array(String) text ['a','b'] of one text per row where `where` holds, in row order."""
    quoted = f"'''' || replace(coalesce({expression}, ''), '''', '\\''') || ''''"
    return f"'[' || coalesce(string_agg({quoted}, ',' order by _row_order) filter (where {where}), '') || ']'"


# Each demo event is one hit: a page view, or a goal reach (a JavaScript event goal, isPageView 0)
# whose reachGoal params carry the event's properties, its own event_id, the site's UserID and e-mail.
# The demo's events have no visit id on their hits (ym:pv:visitID not exported), so that sessions are
# cut by inactivity as on the contract path. Client ids are the contract's device ids.
_YANDEX_METRICA_GOALS = f"""
yandex_goals as (
    select * from (values {_yandex_metrica_goal_ids()}) as goals (event_name, goal_id)
),
hits as (
    select
        contract.*,
        case
            when vendor_event_name like 'goal_%' then substring(vendor_event_name, 6)
            else yandex_goals.goal_id
        end as goal_id
    from contract
    left join yandex_goals on contract.event_name = yandex_goals.event_name
)"""

_YANDEX_METRICA_HITS_SQL = f"""
, {_YANDEX_METRICA_GOALS}
select
    'hits' as _yandex_table,
    cast(hash(event_id) % 9223372036854775807 as varchar) as "ym:pv:watchID",
    anonymous_id as "ym:pv:clientID",
    {_yandex_metrica_wall(YANDEX_METRICA_DEMO_TIMEZONE)} as "ym:pv:dateTime",
    page_url as "ym:pv:URL",
    coalesce(page_referrer, '') as "ym:pv:referer",
    case when event_name = 'page_view' then '[]' else '[' || coalesce(goal_id, '') || ']' end
        as "ym:pv:goalsID",
    case when event_name = 'page_view' then 1 else 0 end as "ym:pv:isPageView",
    0 as "ym:pv:artificial",
    coalesce(utm_source, '') as "ym:pv:UTMSource",
    coalesce(utm_medium, '') as "ym:pv:UTMMedium",
    coalesce(utm_campaign, '') as "ym:pv:UTMCampaign",
    case
        when utm_source is not null or utm_medium is not null then 'ad'
        when page_referrer is null then 'direct'
        else 'internal'
    end as "ym:pv:lastTrafficSource",
    case device_category when 'desktop' then '1' when 'mobile' then '2' when 'tablet' then '3' else '' end
        as "ym:pv:deviceCategory",
    coalesce(country_name, '') as "ym:pv:regionCountry",
    coalesce(ip_address, '') as "ym:pv:ipAddress",
    cast(json_merge_patch(
        cast(properties as json),
        json_object('event_id', event_id, 'UserID', user_id, 'email', email)
    ) as varchar) as "ym:pv:params"
from hits
order by _row_order
"""

# One visit per simulated session in the day's file, repeating its goal reaches and purchases as the
# visits table does (goal times in UTC+3): staging counts each once, from the hit.
_YANDEX_METRICA_VISITS_SQL = f"""
, {_YANDEX_METRICA_GOALS},
visit_events as (
    select
        hits.*,
        hits.event_name <> 'page_view' as is_goal,
        hits.event_name = 'purchase' and {_property("order_id")} is not null as is_purchase,
        {_property("order_id")} as order_id,
        {_property("product_id")} as product_id,
        {_property("currency")} as currency_code,
        {_property("value")} as value_text
    from hits
)
select
    cast(1000000000 + _session as varchar) as "ym:s:visitID",
    min(anonymous_id) as "ym:s:clientID",
    min({_yandex_metrica_wall(YANDEX_METRICA_DEMO_TIMEZONE)}) as "ym:s:dateTime",
    coalesce(arg_min(page_url, _row_order), '') as "ym:s:startURL",
    coalesce(arg_min(page_referrer, _row_order), '') as "ym:s:referer",
    coalesce(arg_min(utm_source, _row_order), '') as "ym:s:lastUTMSource",
    coalesce(arg_min(utm_medium, _row_order), '') as "ym:s:lastUTMMedium",
    coalesce(arg_min(utm_campaign, _row_order), '') as "ym:s:lastUTMCampaign",
    '[' || coalesce(string_agg(goal_id, ',' order by _row_order) filter (where is_goal), '') || ']'
        as "ym:s:goalsID",
    {_clickhouse_strings(_yandex_metrica_wall("Europe/Moscow"), "is_goal")} as "ym:s:goalsDateTime",
    '[' || coalesce(string_agg(
        case when is_purchase then cast(round(try_cast(value_text as double)) as bigint) else 0 end, ','
        order by _row_order
    ) filter (where is_goal), '') || ']' as "ym:s:goalsPrice",
    {_clickhouse_strings("case when is_purchase then order_id end", "is_goal")} as "ym:s:goalsOrder",
    {_clickhouse_strings("currency_code", "is_goal")} as "ym:s:goalsCurrency",
    {_clickhouse_strings("order_id", "is_purchase")} as "ym:s:purchaseID",
    {_clickhouse_strings(_yandex_metrica_wall(YANDEX_METRICA_DEMO_TIMEZONE), "is_purchase")}
        as "ym:s:purchaseDateTime",
    '[' || coalesce(string_agg(value_text, ',' order by _row_order) filter (where is_purchase), '') || ']'
        as "ym:s:purchaseRevenue",
    {_clickhouse_strings("currency_code", "is_purchase")} as "ym:s:purchaseCurrency",
    {_clickhouse_strings("order_id", "is_purchase and product_id is not null")} as "ym:s:productsPurchaseID",
    {_clickhouse_strings("product_id", "is_purchase and product_id is not null")} as "ym:s:productsID"
from visit_events
group by _session
order by min(_row_order)
"""

VENDOR_FORMATS: dict[str, VendorFormat] = {
    "ga4": VendorFormat(
        "ga4",
        ("parquet", "jsonl"),
        "events_",
        ("missing_event_id", "unparseable_timestamp", "future_timestamp", "malformed_properties"),
        False,
        _GA4_SQL,
    ),
    "segment": VendorFormat("segment", ("jsonl",), "segment_", ("malformed_properties",), True, _SEGMENT_SQL),
    "snowplow": VendorFormat(
        "snowplow", ("parquet", "csv", "jsonl"), "events_", ("malformed_properties",), True, _SNOWPLOW_SQL
    ),
    "mixpanel": VendorFormat(
        "mixpanel", ("jsonl",), "export_", ("missing_event_id", "malformed_properties"), False, _MIXPANEL_SQL
    ),
    "heap": VendorFormat(
        "heap",
        ("parquet", "csv", "jsonl"),
        "sync_",
        (
            "missing_event_id",
            "missing_event_name",
            "unparseable_timestamp",
            "future_timestamp",
            "missing_identity",
            "malformed_properties",
        ),
        False,
        _HEAP_SQL,
        table_column="_heap_table",
        extra_tables=(
            ("sessions", _HEAP_SESSIONS_SQL),
            ("users", _HEAP_USERS_SQL),
            ("user_migrations", _HEAP_USER_MIGRATIONS_SQL),
        ),
    ),
    # PostHog assigns every event a uuid, rejects events without a name or distinct_id, stores
    # properties as an object and replaces an unparseable timestamp with the capture time
    # (posthog.com/docs/data/ingestion-warnings); posthog-js drops known bots. Events more than 23
    # hours ahead are stored (and exported) as sent: they stay, for validation to quarantine.
    "posthog": VendorFormat(
        "posthog",
        ("jsonl",),
        "",
        (
            "missing_event_id",
            "missing_event_name",
            "missing_identity",
            "malformed_properties",
            "unparseable_timestamp",
        ),
        False,
        _POSTHOG_SQL,
    ),
    # Amplitude assigns every event a uuid, requires event_type and a user_id or device_id, stores
    # properties as objects and its own server-side times (amplitude.com/docs/apis/analytics/http-v2),
    # and blocks known bots; the Export API answers with a zip of hourly .json.gz files (writer.py).
    "amplitude": VendorFormat(
        "amplitude",
        ("jsonl",),
        "export_",
        (
            "missing_event_id",
            "missing_event_name",
            "missing_identity",
            "malformed_properties",
            "unparseable_timestamp",
        ),
        False,
        _AMPLITUDE_SQL,
    ),
    # Yandex Metrica gives every hit a watchID, a clientID and a time of its own (never unparseable or
    # in the future), stores params as valid JSON and filters robots (the counter's default); the Logs
    # API writes two tab-separated tables, hits/ and visits/ (writer.py).
    "yandex_metrica": VendorFormat(
        "yandex_metrica",
        ("csv",),
        "",
        (
            "missing_event_id",
            "missing_event_name",
            "unparseable_timestamp",
            "future_timestamp",
            "missing_identity",
            "malformed_properties",
        ),
        False,
        _YANDEX_METRICA_HITS_SQL,
        table_column="_yandex_table",
        extra_tables=(("visits", _YANDEX_METRICA_VISITS_SQL),),
    ),
}


def _reverse_name_mappings(vendor: str) -> list[tuple[str, str]]:
    """(canonical name, vendor name): the first seed row of each canonical name for the vendor."""
    pairs: dict[str, str] = {}
    with (SEEDS_DIR / "event_name_mappings.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["event_source"] == vendor:
                pairs.setdefault(row["event_name"], row["source_event_name"])
    return list(pairs.items())


def _country_names() -> list[tuple[str, str]]:
    """(code, name): the shortest seed name of every country code the demo uses."""
    names: dict[str, str] = {}
    with (SEEDS_DIR / "country_codes.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            code, name = row["country_code"], row["country_name"]
            if code in dict(catalog.COUNTRIES) and (code not in names or len(name) < len(names[code])):
                names[code] = name
    return list(names.items())


def register_lookups(con: duckdb.DuckDBPyConnection, vendor: str) -> None:
    """Tables the vendor projection joins: vendor event names and country names."""
    con.execute("create or replace table vendor_event_names (event_name varchar, vendor_name varchar)")
    # Custom events (in no seed) take the vendor's own naming style; unmapped, they stay custom events.
    pairs = _reverse_name_mappings(vendor) + catalog.custom_event_names(vendor)
    if pairs:
        con.executemany("insert into vendor_event_names values (?, ?)", pairs)
    con.execute("create or replace table country_names (country_code varchar, country_name varchar)")
    con.executemany("insert into country_names values (?, ?)", _country_names())


def vendor_select(
    vendor: VendorFormat,
    contract_sql: str,
    dirty_codes: dict[str, int],
    bot_agents: list[str],
    sql: str | None = None,
) -> str:
    """The vendor rows of one day file (or, with `sql`, of one of the vendor's extra tables): the contract
    projection, less what the vendor cannot carry."""
    dropped = [dirty_codes[kind] for kind in vendor.dropped_kinds]
    keep = [f"contract_rows._dirty not in ({', '.join(map(str, dropped))})"] if dropped else []
    if not vendor.exports_bots:
        quoted = ", ".join("'" + agent.replace("'", "''") + "'" for agent in bot_agents)
        keep.append(f"coalesce(contract_rows.user_agent not in ({quoted}), true)")
    where = f"where {' and '.join(keep)}" if keep else ""
    # Rows that stay clean on the contract path (copies are duplicates of clean events).
    clean = ", ".join(
        str(code) for code in (0, dirty_codes["resent_duplicate"], dirty_codes["exact_duplicate"])
    )
    return f"""
    with contract as (
        select
            contract_rows.*,
            coalesce(vendor_event_names.vendor_name, contract_rows.event_name) as vendor_event_name,
            try_cast(contract_rows.event_timestamp as timestamptz) at time zone 'UTC' as event_at,
            try_cast(contract_rows.loaded_at as timestamptz) at time zone 'UTC' as loaded_at_ts,
            country_names.country_name,
            contract_rows._dirty in ({clean}) as _is_clean_row
        from ({contract_sql}) as contract_rows
        left join vendor_event_names on contract_rows.event_name = vendor_event_names.event_name
        left join country_names on contract_rows.country = country_names.country_code
        {where}
        order by contract_rows._row_order
    )
    {vendor.sql if sql is None else sql}
    """


def write_amplitude_zip(cursor: duckdb.DuckDBPyConnection, select: str, target: Path) -> None:
    """One day of the Amplitude projection as the Export API answers: a zip holding one gzipped JSON
    lines file per hour of server_upload_time, <project_id>/<project_id>_<YYYY-MM-DD>_<H>#0.json.gz
    (hour without a leading zero), rows in load order."""
    rows = cursor.execute(
        f"select substr(server_upload_time, 1, 10), cast(substr(server_upload_time, 12, 2) as integer), "
        f"cast(to_json(amplitude_rows) as varchar) from ({select}) as amplitude_rows"
    ).fetchall()
    hours: dict[tuple[str, int], list[str]] = {}
    for day, hour, line in rows:
        hours.setdefault((day, hour), []).append(line)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for (day, hour), lines in hours.items():
            member = f"{AMPLITUDE_DEMO_PROJECT_ID}/{AMPLITUDE_DEMO_PROJECT_ID}_{day}_{hour}#0.json.gz"
            archive.writestr(member, gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
