"""Turn simulated events into raw contract rows (with dirty and late rows) and write landing files.

Row selection, duplication and ordering happen on NumPy arrays; catalogue strings are decoded with
Arrow `take`; the remaining string building (ids, JSON properties, timestamps) is one streaming DuckDB
projection, and the day files are written in parallel.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..progress import progress_bar
from . import catalog
from .simulate import EVENT_CODE, EVENT_NAMES, GeneratorConfig, simulate, traffic_options
from .spend import write_spend_reports
from .vendors import VENDOR_FORMATS, VendorFormat, register_lookups, vendor_select, write_amplitude_zip

FORMATS = ("parquet", "csv", "jsonl")
# Dirty kinds injected per row (share of the dirty rows), with the quarantine reason each must get.
# An unknown event name is not one: custom events (catalog.CUSTOM_EVENTS) are simulated as clean events.
DIRTY_KINDS: tuple[tuple[str, float, str | None], ...] = (
    ("resent_duplicate", 0.20, None),
    ("exact_duplicate", 0.15, None),
    ("missing_event_id", 0.08, "missing_event_id"),
    ("missing_event_name", 0.04, "missing_event_name"),
    ("unparseable_timestamp", 0.10, "unparseable_timestamp"),
    ("future_timestamp", 0.08, "future_timestamp"),
    ("missing_identity", 0.05, "missing_identity"),
    ("malformed_properties", 0.10, "malformed_properties"),
    ("negative_revenue", 0.10, "negative_revenue"),
)
DIRTY_CODE = {name: code for code, (name, _, _) in enumerate(DIRTY_KINDS, start=1)}
DAY_MS = 86_400_000

Progress = Callable[[str], None]


@dataclass
class GenerationResult:
    files: list[Path]
    rows: int
    manifest: dict


def _decode(codes: np.ndarray, values: pa.Array) -> pa.Array:
    """Strings for integer codes (a position in `values`); a negative code gives null."""
    return values.take(pa.array(codes, pa.int32(), mask=codes < 0))


def _strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(list(values), pa.string())


def _assign_dirty(
    rng: np.random.Generator,
    events: dict[str, np.ndarray],
    clean_candidates: np.ndarray,
    config: GeneratorConfig,
) -> np.ndarray:
    """A dirty-kind code per event (0 = untouched); negative revenue only on purchases."""
    kinds = np.zeros(len(events["session"]), dtype=np.int64)
    total_dirty = round(config.dirty_share * len(kinds))
    candidates = rng.permutation(np.flatnonzero(clean_candidates))
    is_purchase = events["event_code"] == EVENT_CODE["purchase"]
    cursor = 0
    for name, share, _ in DIRTY_KINDS:
        wanted = round(total_dirty * share)
        if name == "negative_revenue":
            pool = candidates[cursor:][is_purchase[candidates[cursor:]]]
            chosen = pool[: min(wanted, max(1, len(pool) // 10))]
            kinds[chosen] = DIRTY_CODE[name]
            continue
        chosen = candidates[cursor : cursor + wanted]
        cursor += len(chosen)
        kinds[chosen] = DIRTY_CODE[name]
    return kinds


def _landing_rows(loaded_ms: np.ndarray, dirty: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every landing row as (source event, loaded_ms), unordered.

    Duplicates are extra copies of their source event: an exact copy, or a copy re-sent later.
    """
    resent = np.flatnonzero(dirty == DIRTY_CODE["resent_duplicate"])
    exact = np.flatnonzero(dirty == DIRTY_CODE["exact_duplicate"])
    source = np.concatenate([np.arange(len(loaded_ms)), resent, exact])
    loaded = np.concatenate(
        [loaded_ms, loaded_ms[resent] + 3_600_000 + (resent % 86_400) * 1000, loaded_ms[exact]]
    )
    return source, loaded


def _visitor_strings(visitors: int) -> dict[str, pa.Array]:
    """Per-visitor strings, indexed by visitor number: device ids (first devices, then second
    devices), user id, IP address (IPv6 for every third visitor) and e-mail."""
    with duckdb.connect() as con:
        table = con.sql(
            f"""
            select
                'a' || lpad(cast(visitor as varchar), 9, '0') as first_device_id,
                'b' || lpad(cast(visitor as varchar), 9, '0') as second_device_id,
                'u' || lpad(cast(visitor as varchar), 9, '0') as user_id,
                case
                    when visitor % 3 = 0 then '2001:db8::' || lower(to_hex(visitor // 65536 % 65536))
                        || ':' || lower(to_hex(visitor % 65536))
                    else '10.' || (visitor // 65536 % 256) || '.' || (visitor // 256 % 256)
                        || '.' || (visitor % 256)
                end as ip_address,
                'visitor' || visitor || '@example.com' as email
            from range({visitors}) as visitors (visitor)
            order by visitor
            """
        ).to_arrow_table()
    strings = {name: table[name].combine_chunks() for name in table.column_names}
    strings["device_id"] = pa.concat_arrays([strings.pop("first_device_id"), strings.pop("second_device_id")])
    return strings


@dataclass
class LandingRows:
    """Every landing row grouped by load day; columns are per simulated event and are gathered,
    ordered and decoded into strings one file at a time."""

    events: dict[str, np.ndarray]
    visitor_strings: dict[str, pa.Array]
    source: np.ndarray  # source event of each landing row, grouped by load day
    loaded_ms: np.ndarray
    day_bounds: list[tuple[str, int, int]]  # (load date, first row, end row)
    manifest: dict
    # Each simulated session's day index (from start_date) and traffic option: the demo's ad spend.
    session_day: np.ndarray
    session_option: np.ndarray

    def arrow_slice(self, start: int, end: int) -> pa.Table:
        """The rows of [start, end) in file order (load time, then source event)."""
        order = np.lexsort((self.source[start:end], self.loaded_ms[start:end]))
        source = self.source[start:end][order]
        part = {name: values[source] for name, values in self.events.items()}
        visitor = part.pop("visitor")
        strings = self.visitor_strings
        decoded = {
            "anonymous_id": strings["device_id"].take(
                visitor + len(strings["user_id"]) * part["second_device"]
            ),
            "known_user_id": strings["user_id"].take(visitor),
            "ip_address": strings["ip_address"].take(visitor),
            "email": strings["email"].take(pa.array(visitor, mask=~part["has_email"])),
            **{name: _decode(part[code], _LOOKUPS[name]) for name, code in _DECODED_FROM.items()},
        }
        for code in {*_DECODED_FROM.values(), "second_device", "has_email"}:
            del part[code]
        # NaN marks an absent property; Arrow nulls make it SQL null.
        floats = {name: pa.array(part.pop(name), from_pandas=True) for name in _FLOAT_PROPERTIES}
        return pa.table(
            {"source": source, "loaded_ms": self.loaded_ms[start:end][order], **part, **floats, **decoded}
        )


_PAGE_PATHS = [path for path, _ in catalog.CONTENT_PAGES] + [
    f"/products/p_{product:04d}" for product in range(catalog.PRODUCT_COUNT)
]
_OPTIONS = [option for _, option in traffic_options()]
# Catalogue strings per decoded column, indexed by the simulation's integer codes.
_LOOKUPS: dict[str, pa.Array] = {
    "event_name": _strings(EVENT_NAMES),
    "page_path": _strings(_PAGE_PATHS),
    "page_url": _strings([f"https://{catalog.SITE_HOST}{path}" for path in _PAGE_PATHS]),
    "utm_source": _strings([option.utm_source for option in _OPTIONS]),
    "utm_medium": _strings([option.utm_medium for option in _OPTIONS]),
    "utm_campaign": _strings([option.utm_campaign for option in _OPTIONS]),
    "page_referrer": _strings([option.referrer for option in _OPTIONS]),
    "device_category": _strings([name for name, _ in catalog.DEVICES]),
    "country": _strings([code for code, _ in catalog.COUNTRIES]),
    "user_agent": _strings(catalog.USER_AGENTS + catalog.BOT_USER_AGENTS),
    "currency_name": _strings(catalog.CURRENCIES),
    "cta_id": _strings(catalog.CTA_IDS),
    "form_id": _strings(catalog.FORM_IDS),
    "experiment_id": _strings([name for name, _, _ in catalog.EXPERIMENTS]),
    "variant_name": _strings([variant for _, variants, _ in catalog.EXPERIMENTS for variant in variants]),
}
# The simulation code column each decoded string column is looked up from.
_DECODED_FROM = {
    "event_name": "event_code",
    "page_path": "page",
    "page_url": "page",
    "utm_source": "landing_option",
    "utm_medium": "landing_option",
    "utm_campaign": "landing_option",
    "page_referrer": "landing_option",
    "device_category": "device",
    "country": "country",
    "user_agent": "user_agent",
    "currency_name": "currency",
    "cta_id": "cta",
    "form_id": "form",
    "experiment_id": "experiment",
    "variant_name": "variant",
}
_FLOAT_PROPERTIES = ("value", "video_percent", "scroll_percent", "seconds_on_page")
_EMAIL_EVENTS = [EVENT_CODE[name] for name in ("sign_up", "newsletter_signup", "webinar_signup")]


def _page_codes(events: dict[str, np.ndarray]) -> np.ndarray:
    """Index into `_PAGE_PATHS` per event: a content page, a product page (page views and item
    views of a product), or -1."""
    on_product_page = (
        (events["page_code"] < 0)
        & (events["product"] >= 0)
        & np.isin(events["event_code"], [EVENT_CODE["page_view"], EVENT_CODE["view_item"]])
    )
    return np.where(
        events["page_code"] >= 0,
        events["page_code"],
        np.where(on_product_page, len(catalog.CONTENT_PAGES) + events["product"], -1),
    )


def build_rows(config: GeneratorConfig, progress: Progress) -> LandingRows:
    """Simulate, inject dirty, late and duplicate rows, and order every landing row by load time."""
    started = time.perf_counter()
    visitors, sessions, events, signup_time = simulate(config)
    rng = np.random.default_rng(config.seed + 1)
    progress(
        f"simulated {len(events['session']):,} events in {len(sessions.visitor):,} sessions "
        f"({time.perf_counter() - started:.1f}s)"
    )

    session = events["session"]
    visitor = sessions.visitor[session]
    seconds = sessions.start[session] + events["offset"]
    start_epoch = datetime(
        config.start_date.year, config.start_date.month, config.start_date.day, tzinfo=UTC
    ).timestamp()
    event_ms = np.round((start_epoch + seconds) * 1000.0).astype(np.int64)
    is_late = rng.random(len(session)) < config.late_share
    delay_ms = (
        1000.0
        + rng.exponential(300_000.0, len(session))
        + is_late * rng.uniform(1.0, 4.0, len(session)) * 86_400_000.0
    )
    is_bot = visitors.is_bot[visitor]
    dirty = _assign_dirty(rng, events, ~is_bot, config)
    is_landing = (events["event_code"] == EVENT_CODE["page_view"]) & (events["offset"] == 0.0)
    variant_offsets = np.cumsum([0] + [len(variants) for _, variants, _ in catalog.EXPERIMENTS])

    per_event = {
        "dirty": dirty,
        "event_code": events["event_code"],
        "event_ms": event_ms,
        "visitor": visitor,
        "has_user": seconds >= signup_time[visitor],
        # The simulated session and its landing event: vendors with session tables (Heap) write them.
        "session": session,
        "is_landing": is_landing,
        "second_device": sessions.second_device[session],
        "has_email": np.isin(events["event_code"], _EMAIL_EVENTS),
        "page": _page_codes(events),
        "landing_option": np.where(is_landing, sessions.option[session], -1),
        "device": visitors.device[visitor],
        "country": visitors.country[visitor],
        "user_agent": np.where(
            is_bot,
            len(catalog.USER_AGENTS) + visitor % len(catalog.BOT_USER_AGENTS),
            visitors.user_agent[visitor],
        ),
        "variant": np.where(
            events["experiment"] >= 0,
            variant_offsets[np.maximum(events["experiment"], 0)] + events["variant"],
            -1,
        ),
        **{
            name: events[name]
            for name in ("product", "cta", "form", "experiment", "order_number", "currency")
        },
        **{name: events[name] for name in _FLOAT_PROPERTIES},
    }
    source, loaded_ms = _landing_rows(event_ms + delay_ms.astype(np.int64), dirty)
    load_day = loaded_ms // DAY_MS
    first_day = int(load_day.min())
    # A stable sort of 8- or 16-bit integers is a radix sort: cheap even at tens of millions of rows.
    day_index = load_day - first_day
    by_day = np.argsort(day_index.astype(np.min_scalar_type(day_index.max())), kind="stable")
    source, loaded_ms, load_day = source[by_day], loaded_ms[by_day], load_day[by_day]
    days = np.unique(load_day)
    starts = np.searchsorted(load_day, days, side="left")
    ends = np.searchsorted(load_day, days, side="right")
    day_bounds = [
        (np.datetime64(int(day), "D").item().isoformat(), int(start), int(end))
        for day, start, end in zip(days, starts, ends, strict=True)
    ]

    counts = np.bincount(dirty, minlength=len(DIRTY_KINDS) + 1)
    is_kept = ~is_bot & np.isin(dirty, [0, DIRTY_CODE["resent_duplicate"], DIRTY_CODE["exact_duplicate"]])
    manifest = {
        "config": {**asdict(config), "start_date": config.start_date.isoformat()},
        "generated_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": len(source),
        "simulated_events": len(session),
        "sessions": len(sessions.visitor),
        "visitors": len(visitors.device),
        "bot_rows": int(is_bot.sum()),
        "late_rows": int(is_late[source].sum()),
        "dirty_source_rows": {name: int(counts[code]) for name, code in DIRTY_CODE.items()},
        "expected_quarantine": {
            **{reason: int(counts[DIRTY_CODE[name]]) for name, _, reason in DIRTY_KINDS if reason},
            "bot_user_agent": int(is_bot.sum()),
        },
        # Clean rows expected per custom event: neither bot traffic nor corrupted (copies are duplicates).
        "custom_events": {
            name: int(((events["event_code"] == EVENT_CODE[name]) & is_kept).sum())
            for name, _, _, _ in catalog.CUSTOM_EVENTS
        },
        "expected_duplicates": int(
            counts[DIRTY_CODE["resent_duplicate"]] + counts[DIRTY_CODE["exact_duplicate"]]
        ),
        "anomaly": {
            "event_name": config.anomaly_event,
            "date": (np.datetime64(config.start_date.isoformat()) + np.timedelta64(config.anomaly_day, "D"))
            .item()
            .isoformat(),
            "factor": config.anomaly_factor,
        },
        "experiment_effect": {
            experiment: dict(zip(variants, effects, strict=True))
            for experiment, variants, effects in catalog.EXPERIMENTS
        },
    }
    progress(f"assembled {manifest['rows']:,} raw rows ({time.perf_counter() - started:.1f}s)")
    return LandingRows(
        events=per_event,
        visitor_strings=_visitor_strings(len(visitors.device)),
        source=source,
        loaded_ms=loaded_ms,
        day_bounds=day_bounds,
        manifest=manifest,
        session_day=(sessions.start // 86_400).astype(np.int64),
        session_option=sessions.option,
    )


# The contract row of every landing row. Dirty kinds other than duplicates corrupt the row itself.
_CONTRACT_SQL = """
select
    case when dirty = {codes[missing_event_id]} then null else md5('{seed}:' || source) end as event_id,
    case
        when dirty = {codes[missing_event_name]} then null
        else event_name
    end as event_name,
    case
        when dirty = {codes[unparseable_timestamp]} then '2026-13-45 25:61:00'
        when dirty = {codes[future_timestamp]}
            then strftime(make_timestamp((event_ms + 2592000000) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')
        else strftime(make_timestamp(event_ms * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')
    end as event_timestamp,
    case when dirty <> {codes[missing_identity]} then anonymous_id end as anonymous_id,
    case when dirty <> {codes[missing_identity]} and has_user then known_user_id end as user_id,
    cast(null as varchar) as session_id,
    page_url,
    page_path,
    page_referrer,
    utm_source,
    utm_medium,
    utm_campaign,
    cast(null as varchar) as utm_content,
    cast(null as varchar) as utm_term,
    device_category,
    country,
    user_agent,
    ip_address,
    email,
    -- Analytics consent per visitor (both devices): 1 in 20 denied, 9 in 20 granted, the rest sent
    -- without a consent state (docs/privacy.md, Consent).
    case cast(right(anonymous_id, 9) as bigint) % 20
        when 7 then 'denied'
        when 0 then 'granted' when 1 then 'granted' when 2 then 'granted' when 3 then 'granted'
        when 4 then 'granted' when 5 then 'granted' when 6 then 'granted' when 8 then 'granted'
        when 9 then 'granted'
    end as consent_analytics,
    case
        when dirty = {codes[malformed_properties]} then '{{"value": 12.5, "currency": '
        else '{{' || concat_ws(', ',
            case when value is not null then '"value": '
                || case when dirty = {codes[negative_revenue]} then '-' else '' end || value end,
            case when currency_name is not null then '"currency": "' || currency_name || '"' end,
            case when order_number >= 0
                then '"order_id": "o' || lpad(cast(order_number as varchar), 8, '0') || '"' end,
            case when product >= 0
                then '"product_id": "p_' || lpad(cast(product as varchar), 4, '0') || '"' end,
            case when video_percent is not null
                then '"video_percent": ' || cast(video_percent as integer) end,
            case when scroll_percent is not null
                then '"scroll_percent": ' || cast(scroll_percent as integer) end,
            case when seconds_on_page is not null
                then '"seconds_on_page": ' || cast(seconds_on_page as integer) end,
            case when cta_id is not null then '"cta_id": "' || cta_id || '"' end,
            case when form_id is not null then '"form_id": "' || form_id || '"' end,
            case when experiment_id is not null then '"experiment_id": "' || experiment_id || '"' end,
            case when variant_name is not null then '"variant": "' || variant_name || '"' end
        ) || '}}'
    end as properties,
    strftime(make_timestamp(loaded_ms * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') as loaded_at{extra_columns}
from day_rows
"""
# What a vendor projection (vendors.py) needs besides the contract columns.
_VENDOR_EXTRA_COLUMNS = (
    ",\n    dirty as _dirty,\n    row_number() over () as _row_order,"
    '\n    "session" as _session,\n    is_landing as _is_landing'
)


def _file_name(vendor: str | None, day: str) -> str:
    """events_<date> for the contract; each vendor's usual export name otherwise (GA4: events_YYYYMMDD)."""
    if vendor is None:
        return f"events_{day}"
    if vendor == "ga4":
        return f"events_{day.replace('-', '')}"
    if vendor == "posthog":  # a daily batch export run's object key: <interval start>-<interval end>
        start = date.fromisoformat(day)
        return f"{start.isoformat()}T00:00:00+00:00-{(start + timedelta(days=1)).isoformat()}T00:00:00+00:00"
    return f"{VENDOR_FORMATS[vendor].file_prefix}{day}"


def write_landing_files(
    rows: LandingRows,
    seed: int,
    out_dir: Path,
    file_format: str,
    compress: bool,
    progress: Progress,
    vendor: str | None = None,
) -> list[Path]:
    """One file per load date: a day's file also carries late rows of earlier days. With a vendor, rows
    are written in that vendor's export format (vendors.py). Files are built and written in parallel,
    one DuckDB cursor per worker thread; Parquet is written by pyarrow (faster than DuckDB's writer for
    this shape), CSV and JSON lines by DuckDB."""
    if file_format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {file_format!r}")
    if vendor is not None and vendor not in VENDOR_FORMATS:
        raise ValueError(f"vendor must be one of {tuple(VENDOR_FORMATS)}, not {vendor!r}")
    if vendor is not None and file_format not in VENDOR_FORMATS[vendor].formats:
        file_format = VENDOR_FORMATS[vendor].formats[0]
    suffix = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl"}[file_format]
    copy_options = {"csv": "format csv, header true", "jsonl": "format json"}.get(file_format, "")
    if compress and file_format != "parquet":
        copy_options += ", compression gzip"
        suffix += ".gz"
    if vendor == "amplitude":  # the Export API's answer: a zip of hourly .json.gz files
        suffix = ".zip"
    if vendor == "yandex_metrica":  # the Logs API's download: tab-separated, a header row, no quoting
        suffix = ".tsv"
        copy_options = "format csv, header true, delimiter '\\t', quote '', escape ''"
    out_dir.mkdir(parents=True, exist_ok=True)
    contract = ""
    if vendor is None:
        select = _CONTRACT_SQL.format(seed=seed, codes=DIRTY_CODE, extra_columns="")
    else:
        contract = _CONTRACT_SQL.format(seed=seed, codes=DIRTY_CODE, extra_columns=_VENDOR_EXTRA_COLUMNS)
        select = vendor_select(VENDOR_FORMATS[vendor], contract, DIRTY_CODE, catalog.BOT_USER_AGENTS)

    with duckdb.connect(config={"threads": 1}) as con:
        con.execute("set timezone = 'UTC'")
        if vendor is not None:
            register_lookups(con, vendor)

        def write_day(bounds: tuple[str, int, int]) -> list[Path]:
            day, start, end = bounds
            if vendor is not None and VENDOR_FORMATS[vendor].table_column is not None:
                day_rows = rows.arrow_slice(start, end)
                return _write_vendor_tables(
                    con, day_rows, contract, vendor, day, out_dir, suffix, copy_options
                )
            target = out_dir / f"{_file_name(vendor, day)}{suffix}"
            partial = target.with_name(target.name + ".partial")
            with con.cursor() as cursor:
                cursor.register("day_rows", rows.arrow_slice(start, end))
                if vendor == "amplitude":
                    write_amplitude_zip(cursor, select, partial)
                elif file_format == "parquet":
                    pq.write_table(cursor.sql(select).to_arrow_table(), partial)
                else:
                    cursor.execute(f"copy ({select}) to '{partial}' ({copy_options})")
            partial.replace(target)
            return [target]

        with (
            progress_bar(f"writing {file_format} files", len(rows.day_bounds)) as advance,
            ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool,
        ):
            files = []
            for paths in pool.map(write_day, rows.day_bounds):
                files.extend(paths)
                advance()
    progress(f"wrote {len(files)} {vendor or 'contract'} {file_format} files")
    return files


def _write_vendor_tables(
    con: duckdb.DuckDBPyConnection,
    day_rows: pa.Table,
    contract: str,
    vendor: str,
    day: str,
    out_dir: Path,
    suffix: str,
    copy_options: str,
) -> list[Path]:
    """One day's files of a vendor that exports one folder per table (Heap): the main projection split
    by its table column, then each extra table, as `<table>/<file prefix><day><suffix>`."""
    vendor_format = VENDOR_FORMATS[vendor]
    column = vendor_format.table_column or ""
    bots = catalog.BOT_USER_AGENTS
    tables: list[tuple[str, pa.Table]] = []
    written: list[Path] = []
    with con.cursor() as cursor:
        cursor.register("day_rows", day_rows)
        rows = cursor.sql(vendor_select(vendor_format, contract, DIRTY_CODE, bots)).to_arrow_table()
        names = rows.column(column)
        for name in sorted(name for name in pc.unique(names).to_pylist() if name is not None):
            tables.append((name, rows.filter(pc.equal(names, name)).drop_columns([column])))
        for name, sql in vendor_format.extra_tables:
            extra = vendor_select(vendor_format, contract, DIRTY_CODE, bots, sql=sql)
            tables.append((name, cursor.sql(extra).to_arrow_table()))
        for name, table in tables:
            if table.num_rows == 0:
                continue
            target = out_dir / name / f"{vendor_format.file_prefix}{day}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            if suffix == ".parquet":
                pq.write_table(table, partial)
            else:
                cursor.register("table_rows", table)
                cursor.execute(f"copy (select * from table_rows) to '{partial}' ({copy_options})")
                cursor.unregister("table_rows")
            partial.replace(target)
            written.append(target)
    return written


def generate(
    config: GeneratorConfig,
    out_dir: Path,
    file_format: str = "parquet",
    compress: bool = False,
    progress: Progress | None = None,
    vendor: str | None = None,
    spend_dir: Path | None = None,
) -> GenerationResult:
    """Generate demo events into `out_dir` (in a vendor's export format when `vendor` is given) and
    write `_manifest.json` describing what was injected; with `spend_dir`, also the ad-platform spend
    reports of the simulated paid traffic there (generator/spend.py)."""
    report = progress or (lambda message: None)
    rows = build_rows(config, report)
    files = write_landing_files(rows, config.seed, out_dir, file_format, compress, report, vendor)
    if spend_dir is not None:
        spend_files = write_spend_reports(
            rows.session_day, rows.session_option, config.start_date, config.days, config.seed, spend_dir
        )
        report(f"wrote {len(spend_files)} ad spend reports to {spend_dir}")
    manifest = rows.manifest
    if vendor is not None:
        _describe_vendor_rows(manifest, VENDOR_FORMATS[vendor])
    manifest["files"] = [path.relative_to(out_dir).as_posix() for path in files]
    manifest["format"] = files[0].name.split(".", 1)[1] if files else file_format
    (out_dir / "_manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return GenerationResult(files=files, rows=int(manifest["rows"]), manifest=manifest)


def _describe_vendor_rows(manifest: dict, vendor: VendorFormat) -> None:
    """Record in the manifest which injected rows the vendor format left out, and what is then
    expected in quarantine."""
    reasons = {name: reason for name, _, reason in DIRTY_KINDS}
    left_out = {kind: manifest["dirty_source_rows"][kind] for kind in vendor.dropped_kinds}
    if not vendor.exports_bots:
        left_out["bot_traffic"] = manifest["bot_rows"]
    manifest["vendor"] = vendor.name
    manifest["left_out_rows"] = left_out
    manifest["rows"] -= sum(left_out.values())
    for kind in vendor.dropped_kinds:
        manifest["expected_quarantine"].pop(reasons[kind] or "", None)
    if not vendor.exports_bots:
        manifest["expected_quarantine"].pop("bot_user_agent", None)
