"""Turn simulated events into raw contract rows (with dirty and late rows) and write landing files.

String building, dirty-row injection and file writing run as DuckDB SQL over Arrow arrays.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from . import catalog
from .simulate import EVENT_CODE, EVENT_NAMES, EventArrays, GeneratorConfig, simulate, traffic_options

FORMATS = ("parquet", "csv", "jsonl")
# Dirty kinds injected per row (share of the dirty rows), with the quarantine reason each must get.
DIRTY_KINDS: tuple[tuple[str, float, str | None], ...] = (
    ("resent_duplicate", 0.20, None),
    ("exact_duplicate", 0.15, None),
    ("missing_event_id", 0.08, "missing_event_id"),
    ("missing_event_name", 0.04, "missing_event_name"),
    ("unparseable_timestamp", 0.10, "unparseable_timestamp"),
    ("future_timestamp", 0.08, "future_timestamp"),
    ("missing_identity", 0.05, "missing_identity"),
    ("malformed_properties", 0.10, "malformed_properties"),
    ("unknown_event_name", 0.10, "unknown_event_name"),
    ("negative_revenue", 0.10, "negative_revenue"),
)
DIRTY_CODE = {name: code for code, (name, _, _) in enumerate(DIRTY_KINDS, start=1)}

Progress = Callable[[str], None]


@dataclass
class GenerationResult:
    files: list[Path]
    rows: int
    manifest: dict


def _lookup(con: duckdb.DuckDBPyConnection, name: str, values: list) -> None:
    """Register a small code -> values table (code is the list position)."""
    columns = list(zip(*values, strict=True)) if values and isinstance(values[0], tuple) else [values]
    arrays = {"code": pa.array(range(len(values)), pa.int64())}
    for index, column in enumerate(columns):
        arrays[f"v{index}"] = pa.array(list(column), pa.string())
    con.register(name, pa.table(arrays))


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


def build_rows(config: GeneratorConfig, progress: Progress) -> tuple[duckdb.DuckDBPyConnection, dict]:
    """Simulate and assemble every raw row in an in-memory DuckDB table `landing_rows`."""
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

    table = pa.table(
        {
            "row_number": np.arange(len(session), dtype=np.int64),
            "session": session,
            "visitor": visitor,
            "event_code": events["event_code"],
            "event_ms": event_ms,
            "loaded_ms": event_ms + delay_ms.astype(np.int64),
            "has_user": seconds >= signup_time[visitor],
            "second_device": sessions.second_device[session],
            "is_landing": is_landing,
            "is_late": is_late,
            "option": sessions.option[session],
            "device": visitors.device[visitor],
            "country": visitors.country[visitor],
            "user_agent": np.where(
                is_bot, visitor % len(catalog.BOT_USER_AGENTS), visitors.user_agent[visitor]
            ),
            "is_bot": is_bot,
            "dirty": dirty,
            **{
                name: events[name]
                for name in EventArrays.INT_COLUMNS
                if name not in ("session", "event_code")
            },
            # NaN marks an absent property; Arrow nulls make it SQL null.
            **{
                name: pa.array(events[name], from_pandas=True)
                for name in EventArrays.FLOAT_COLUMNS
                if name != "offset"
            },
        }
    )
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    con.register("simulated", table)
    _lookup(con, "event_names", list(EVENT_NAMES))
    _lookup(con, "pages", [path for path, _ in catalog.CONTENT_PAGES])
    _lookup(
        con,
        "options",
        [
            (
                catalog.CHANNELS[channel].name,
                option.utm_source,
                option.utm_medium,
                option.utm_campaign,
                option.referrer,
            )
            for channel, option in traffic_options()
        ],
    )
    _lookup(con, "devices", [name for name, _ in catalog.DEVICES])
    _lookup(con, "countries", [code for code, _ in catalog.COUNTRIES])
    _lookup(con, "user_agents", list(catalog.USER_AGENTS))
    _lookup(con, "bot_user_agents", list(catalog.BOT_USER_AGENTS))
    _lookup(con, "ctas", list(catalog.CTA_IDS))
    _lookup(con, "forms", list(catalog.FORM_IDS))
    _lookup(con, "currencies", list(catalog.CURRENCIES))
    _lookup(con, "experiments", [experiment for experiment, _, _ in catalog.EXPERIMENTS])
    _lookup(
        con,
        "variants",
        [(experiment, variant) for experiment, variants, _ in catalog.EXPERIMENTS for variant in variants],
    )
    variant_offsets = np.cumsum([0] + [len(variants) for _, variants, _ in catalog.EXPERIMENTS])
    con.execute(
        f"create table variant_offsets as select unnest({variant_offsets.tolist()}) as start_code, "
        "generate_subscripts([" + ",".join(["0"] * len(variant_offsets)) + "], 1) - 1 as experiment"
    )
    con.execute(_ROWS_SQL.format(seed=config.seed, site=catalog.SITE_HOST, codes=DIRTY_CODE))
    counts = dict(con.execute("select dirty, count(*) from base_rows group by dirty").fetchall())
    manifest = {
        "config": {**asdict(config), "start_date": config.start_date.isoformat()},
        "generated_at_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "rows": con.execute("select count(*) from landing_rows").fetchone()[0],
        "simulated_events": len(session),
        "sessions": len(sessions.visitor),
        "visitors": len(visitors.device),
        "bot_rows": int(is_bot.sum()),
        "late_rows": int(con.execute("select count(*) from landing_rows where is_late").fetchone()[0]),
        "dirty_source_rows": {name: int(counts.get(code, 0)) for name, code in DIRTY_CODE.items()},
        "expected_quarantine": {
            **{reason: int(counts.get(DIRTY_CODE[name], 0)) for name, _, reason in DIRTY_KINDS if reason},
            "bot_user_agent": int(is_bot.sum()),
        },
        "expected_duplicates": int(
            counts.get(DIRTY_CODE["resent_duplicate"], 0) + counts.get(DIRTY_CODE["exact_duplicate"], 0)
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
    return con, manifest


# Builds the contract rows. Duplicates are extra copies of their original row; other dirty kinds
# corrupt the row itself. Only the landing page view carries campaign tags and the referrer.
_ROWS_SQL = """
create table base_rows as
with simulated_rows as (
    select
        simulated.*,
        md5('{seed}:' || simulated.row_number) as event_id,
        event_names.v0 as event_name,
        case
            when simulated.page_code >= 0 then pages.v0
            when simulated.product >= 0 and event_names.v0 in ('page_view', 'view_item')
                then '/products/p_' || lpad(cast(simulated.product as varchar), 4, '0')
        end as page_path,
        options.v1 as utm_source,
        options.v2 as utm_medium,
        options.v3 as utm_campaign,
        options.v4 as referrer
    from simulated
    inner join event_names on simulated.event_code = event_names.code
    inner join options on simulated.option = options.code
    left join pages on simulated.page_code = pages.code
)
select
    simulated_rows.row_number,
    simulated_rows.dirty,
    simulated_rows.is_late,
    simulated_rows.event_id,
    simulated_rows.event_name,
    simulated_rows.event_ms,
    simulated_rows.loaded_ms,
    case when simulated_rows.second_device then 'b' else 'a' end
        || lpad(cast(simulated_rows.visitor as varchar), 9, '0') as anonymous_id,
    case
        when simulated_rows.has_user then 'u' || lpad(cast(simulated_rows.visitor as varchar), 9, '0')
    end as user_id,
    cast(null as varchar) as session_id,
    case
        when simulated_rows.page_path is not null then 'https://{site}' || simulated_rows.page_path
    end as page_url,
    simulated_rows.page_path,
    case when simulated_rows.is_landing then simulated_rows.referrer end as page_referrer,
    case when simulated_rows.is_landing then simulated_rows.utm_source end as utm_source,
    case when simulated_rows.is_landing then simulated_rows.utm_medium end as utm_medium,
    case when simulated_rows.is_landing then simulated_rows.utm_campaign end as utm_campaign,
    cast(null as varchar) as utm_content,
    cast(null as varchar) as utm_term,
    devices.v0 as device_category,
    countries.v0 as country,
    case when simulated_rows.is_bot then bot_user_agents.v0 else user_agents.v0 end as user_agent,
    case
        when simulated_rows.visitor % 3 = 0
            then '2001:db8::' || lower(to_hex(simulated_rows.visitor // 65536 % 65536))
                || ':' || lower(to_hex(simulated_rows.visitor % 65536))
        else '10.' || (simulated_rows.visitor // 65536 % 256) || '.' || (simulated_rows.visitor // 256 % 256)
            || '.' || (simulated_rows.visitor % 256)
    end as ip_address,
    case when simulated_rows.event_name in ('sign_up', 'newsletter_signup', 'webinar_signup')
        then 'visitor' || simulated_rows.visitor || '@example.com' end as email,
    '{{' || concat_ws(', ',
        case when simulated_rows.value is not null then '"value": ' || simulated_rows.value end,
        case when simulated_rows.currency >= 0 then '"currency": "' || currencies.v0 || '"' end,
        case when simulated_rows.order_number >= 0
            then '"order_id": "o' || lpad(cast(simulated_rows.order_number as varchar), 8, '0') || '"' end,
        case when simulated_rows.product >= 0
            then '"product_id": "p_' || lpad(cast(simulated_rows.product as varchar), 4, '0') || '"' end,
        case when simulated_rows.video_percent is not null
            then '"video_percent": ' || cast(simulated_rows.video_percent as integer) end,
        case when simulated_rows.scroll_percent is not null
            then '"scroll_percent": ' || cast(simulated_rows.scroll_percent as integer) end,
        case when simulated_rows.seconds_on_page is not null
            then '"seconds_on_page": ' || cast(simulated_rows.seconds_on_page as integer) end,
        case when simulated_rows.cta >= 0 then '"cta_id": "' || ctas.v0 || '"' end,
        case when simulated_rows.form >= 0 then '"form_id": "' || forms.v0 || '"' end,
        case when simulated_rows.experiment >= 0 then '"experiment_id": "' || experiments.v0 || '"' end,
        case when simulated_rows.experiment >= 0 then '"variant": "' || variants.v1 || '"' end
    ) || '}}' as properties
from simulated_rows
inner join devices on simulated_rows.device = devices.code
inner join countries on simulated_rows.country = countries.code
inner join user_agents on simulated_rows.user_agent = user_agents.code
left join bot_user_agents on simulated_rows.user_agent = bot_user_agents.code
left join currencies on simulated_rows.currency = currencies.code
left join ctas on simulated_rows.cta = ctas.code
left join forms on simulated_rows.form = forms.code
left join experiments on simulated_rows.experiment = experiments.code
left join variant_offsets on simulated_rows.experiment = variant_offsets.experiment
left join variants on variant_offsets.start_code + simulated_rows.variant = variants.code;

create table landing_rows as
with corrupted as (
    select
        * replace (
            case when dirty = {codes[missing_event_id]} then null else event_id end as event_id,
            case
                when dirty = {codes[missing_event_name]} then null
                when dirty = {codes[unknown_event_name]} then event_name || '_tset'
                else event_name
            end as event_name,
            case when dirty in ({codes[missing_identity]}) then null else anonymous_id end as anonymous_id,
            case when dirty in ({codes[missing_identity]}) then null else user_id end as user_id,
            case
                when dirty = {codes[malformed_properties]} then '{{"value": 12.5, "currency": '
                when dirty = {codes[negative_revenue]} then replace(properties, '"value": ', '"value": -')
                else properties
            end as properties
        ),
        case
            when dirty = {codes[unparseable_timestamp]} then '2026-13-45 25:61:00'
            when dirty = {codes[future_timestamp]}
                then strftime(make_timestamp((event_ms + 2592000000) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')
            else strftime(make_timestamp(event_ms * 1000), '%Y-%m-%dT%H:%M:%S.%gZ')
        end as event_timestamp
    from base_rows
),
copies as (
    select * from corrupted
    union all
    select * replace (loaded_ms + 3600000 + (row_number % 86400) * 1000 as loaded_ms)
    from corrupted where dirty = {codes[resent_duplicate]}
    union all
    select * from corrupted where dirty = {codes[exact_duplicate]}
)
select
    *,
    strftime(make_timestamp(loaded_ms * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') as loaded_at,
    cast(make_timestamp(loaded_ms * 1000) as date) as loaded_date
from copies
"""

CONTRACT_SELECT = """
    event_id, event_name, event_timestamp, anonymous_id, user_id, session_id, page_url, page_path,
    page_referrer, utm_source, utm_medium, utm_campaign, utm_content, utm_term, device_category,
    country, user_agent, ip_address, email, properties, loaded_at
"""


def write_landing_files(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    file_format: str,
    compress: bool,
    progress: Progress,
) -> list[Path]:
    """One file per load date (`events_<date>.<ext>`): a day's file also carries late rows of earlier days.

    DuckDB writes all days in one partitioned COPY; the partition files are then renamed.
    """
    if file_format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {file_format!r}")
    options = {"parquet": "format parquet", "csv": "format csv, header true", "jsonl": "format json"}
    suffix = {"parquet": ".parquet", "csv": ".csv", "jsonl": ".jsonl"}[file_format]
    copy_options = options[file_format]
    if compress and file_format != "parquet":
        copy_options += ", compression gzip"
        suffix += ".gz"
    out_dir.mkdir(parents=True, exist_ok=True)
    staging_dir = out_dir / "_partitions"
    shutil.rmtree(staging_dir, ignore_errors=True)
    con.execute(
        f"copy (select {CONTRACT_SELECT}, loaded_date from landing_rows order by loaded_ms, row_number) "
        f"to '{staging_dir}' ({copy_options}, partition_by (loaded_date), file_extension '{suffix[1:]}')"
    )
    files = []
    for partition in sorted(staging_dir.glob("loaded_date=*")):
        day = partition.name.split("=", 1)[1]
        (part,) = partition.iterdir()
        target = out_dir / f"events_{day}{suffix}"
        part.replace(target)
        files.append(target)
    shutil.rmtree(staging_dir)
    progress(f"wrote {len(files)} {file_format} files")
    return files


def generate(
    config: GeneratorConfig,
    out_dir: Path,
    file_format: str = "parquet",
    compress: bool = False,
    progress: Progress | None = None,
) -> GenerationResult:
    """Generate demo events into `out_dir` and write `_manifest.json` describing what was injected."""
    report = progress or (lambda message: None)
    con, manifest = build_rows(config, report)
    try:
        files = write_landing_files(con, out_dir, file_format, compress, report)
    finally:
        con.close()
    manifest["files"] = [path.name for path in files]
    manifest["format"] = file_format
    (out_dir / "_manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return GenerationResult(files=files, rows=int(manifest["rows"]), manifest=manifest)
