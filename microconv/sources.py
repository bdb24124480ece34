"""The event sources Microconv reads: its own event contract and eight vendors' exports.

Each source has its own landing directory and raw table. The contract's files are loaded column by
column (raw.events); a vendor's rows are kept whole, one JSON object per row (raw.<source>_events,
column `record`), and its staging model (stg_<source>__events) maps them onto the contract. Which
sources the dbt models read is the dbt var `event_sources`; the loader loads whatever has landed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# The event contract's columns (docs/event-contract.md), in raw.events' order.
CONTRACT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "event_name",
    "event_timestamp",
    "anonymous_id",
    "user_id",
    "session_id",
    "page_url",
    "page_path",
    "page_referrer",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "device_category",
    "country",
    "user_agent",
    "ip_address",
    "email",
    # Optional: the event's analytics consent (granted / denied, or true/false, yes/no, 1/0); docs/privacy.md.
    "consent_analytics",
    "properties",
    "loaded_at",
)


@dataclass(frozen=True)
class EventSource:
    name: str
    raw_table: str
    title: str
    # SQL over the raw table's columns: the event's UTC time as text or timestamp (used only to pick
    # which daily partitions a run covers; staging does the real parsing and validation).
    event_time_sql: str
    # How many staged events one raw row may become: the staging view numbers its events
    # raw row * this + the event's position in the row (Yandex Metrica's visits hold several goal
    # reaches and purchases), else 1 (one event per raw row, numbered as the raw row).
    staged_rows_per_raw_row: int = 1
    # SQL over `record`: the list of anonymous ids a raw row names, for the vendors with raw rows that
    # stage no event (they are found by these ids when a person's rows are removed: retention, erasure).
    raw_identities_sql: str | None = None

    def raw_row_sql(self, staged_row: str) -> str:
        """SQL for the raw table's `_source_row` of the staged event numbered `staged_row`."""
        if self.staged_rows_per_raw_row == 1:
            return staged_row
        return f"({staged_row} // {self.staged_rows_per_raw_row})"

    # The setting (a Settings field) naming the time zone in which event_time_sql is a wall-clock time
    # without an offset (Yandex Metrica's counter, an older Mixpanel project); None: it is UTC or carries
    # its offset.
    local_time_zone_setting: str | None = None

    def event_at_sql(self, time_zone: str | None = None) -> str:
        """The event time as a timestamptz, null when the text does not parse. `time_zone`: the IANA zone
        of a source with local_time_zone_setting (the setting's value; UTC when None)."""
        if self.local_time_zone_setting is None:
            return f"try_cast({self.event_time_sql} as timestamptz)"
        zone = (time_zone or "UTC").replace("'", "''")
        return f"timezone('{zone}', try_cast({self.event_time_sql} as timestamp))"

    def time_zone_in(self, settings: object) -> str | None:
        """This source's wall-clock time zone in `settings` (None when its times carry their zone)."""
        return getattr(settings, self.local_time_zone_setting) if self.local_time_zone_setting else None

    @property
    def is_contract(self) -> bool:
        return self.name == CONTRACT.name

    @property
    def landing_dir_setting(self) -> str:
        """The environment variable that sets this source's landing directory."""
        return "MICROCONV_LANDING_DIR" if self.is_contract else f"MICROCONV_{self.name.upper()}_LANDING_DIR"

    def landing_dir(self, contract_landing_dir: Path, override: Path | None = None) -> Path:
        """A vendor's own folder (`override`: MICROCONV_<SOURCE>_LANDING_DIR, read by settings.py),
        else a sibling of the contract's landing directory (data/landing/events -> data/landing/ga4)."""
        if self.is_contract:
            return contract_landing_dir
        return override or contract_landing_dir.parent / self.name


def _first_text(*paths: str) -> str:
    """The first of these JSON paths of `record` that holds a value, as text."""
    return "coalesce(" + ", ".join(f"json_extract_string(record, '{path}')" for path in paths) + ")"


def _epoch_seconds(expression: str) -> str:
    """Seconds or milliseconds since the epoch (told apart by size) as a timestamp."""
    number = f"try_cast({expression} as double)"
    return f"to_timestamp(case when {number} > 1e11 then {number} / 1000 else {number} end)"


CONTRACT = EventSource("microconv", "events", "Microconv event contract", "event_timestamp")
VENDORS: tuple[EventSource, ...] = (
    EventSource(
        "ga4",
        "ga4_events",
        "Google Analytics 4 BigQuery export",
        "to_timestamp(try_cast(json_extract_string(record, '$.event_timestamp') as double) / 1e6)",
    ),
    EventSource(
        "segment",
        "segment_events",
        "Segment / RudderStack",
        _first_text("$.timestamp", "$.original_timestamp"),
    ),
    EventSource(
        "snowplow",
        "snowplow_events",
        "Snowplow atomic events",
        _first_text("$.derived_tstamp", "$.collector_tstamp"),
    ),
    EventSource(
        "mixpanel",
        "mixpanel_events",
        "Mixpanel raw export",
        # Projects created before 2023 write `time` as seconds in the project's time zone.
        "timezone('UTC', " + _epoch_seconds("json_extract_string(record, '$.properties.time')") + ")",
        local_time_zone_setting="mixpanel_timezone",
    ),
    EventSource(
        "yandex_metrica",
        "yandex_metrica_events",
        "Yandex Metrica Logs API",
        _first_text('$."ym:pv:dateTime"', '$."ym:s:dateTime"'),
        # ym:pv:dateTime is the counter's local time, without an offset.
        local_time_zone_setting="yandex_metrica_timezone",
        # stg_yandex_metrica__events: _source_row * 1000 + event_position.
        staged_rows_per_raw_row=1000,
        # A visit whose goals the hits already carry stages no event.
        raw_identities_sql=(
            """[json_extract_string(record, '$."ym:pv:clientID"'), """
            """json_extract_string(record, '$."ym:s:clientID"')]"""
        ),
    ),
    EventSource(
        "amplitude",
        "amplitude_events",
        "Amplitude export",
        _first_text("$.event_time", "$.client_event_time"),
    ),
    EventSource(
        "posthog",
        "posthog_events",
        "PostHog events export",
        _first_text("$.timestamp"),
    ),
    EventSource(
        "heap",
        "heap_events",
        "Heap Connect tables",
        _first_text("$.time"),
        # The users, sessions and user_migrations tables stage no event.
        raw_identities_sql=(
            "[json_extract_string(record, '$.user_id'), json_extract_string(record, '$.from_user_id'), "
            "json_extract_string(record, '$.to_user_id')]"
        ),
    ),
)
EVENT_SOURCES: dict[str, EventSource] = {source.name: source for source in (CONTRACT, *VENDORS)}
