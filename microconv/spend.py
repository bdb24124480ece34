"""Ad spend: report exports of the ad platforms -> raw.ad_spend, one text row per report row.

A spend landing folder (`data/landing/spend/`, MICROCONV_SPEND_LANDING_DIR) takes files in the spend
contract (docs/ad-spend.md: date, platform, source, medium, campaign, ad_group, cost, currency,
impressions, clicks; CSV, Parquet or JSON lines) and the campaign reports people download from the ad
platforms, as those platforms write them:

- google_ads (header Day, Campaign, Cost; Impr., Currency code): title and date-range lines above the
  header, `Total: …` rows, the UTF-16 tab-separated "Excel CSV", thousands separators, `--` for none;
- meta_ads (Campaign name, Amount spent (XXX), Day or Reporting starts): the currency in the cost
  column's name;
- microsoft_ads (TimePeriod or Gregorian date, CampaignName, Spend): the `Report Name:` preamble, the
  copyright footer, m/d/yyyy dates;
- yandex_direct_api (Reports service TSV: Date, CampaignName, Cost): the report-name line, the
  `Total rows:` line, money in micros unless the report was asked with returnMoneyInMicros: false;
- yandex_direct (Report Wizard export: Дата, Кампания, Расход): decimal commas, dd.mm.yyyy dates, spaces
  as thousands separators.

What the loader does is reshape, never judge: it finds the header row, maps the platform's column names
onto the contract, writes dates as YYYY-MM-DD and numbers with a '.' decimal point when it can read them,
and keeps anything it cannot read as the text it found. Every report row, summary rows included, becomes
one raw row; the staging model stg_ad_spend__reports types the rows and quarantines what is not a day's
spend (a `Total:` row, an unparseable date or cost) with its reason. A file whose header matches no
format is rejected as a file (moved to `_rejected/` with the reason), like an unreadable event file.

Sources of the column names: Google Ads Help, "Download a report" (CSV and Excel CSV); Meta Business
Help Center, "Export data from Ads Manager"; Microsoft Advertising's Reporting service,
CampaignPerformanceReportColumn (learn.microsoft.com/advertising/reporting-service); Yandex Direct's
Reports service (yandex.com/dev/direct/doc/en/reports; headers returnMoneyInMicros, skipReportHeader,
skipReportSummary).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from .ingest import (
    RAW_SPEND_DDL,
    SPEND_COLUMNS,
    UNREADABLE_FILE_ERRORS,
    LoadReport,
    describe_load_error,
    discover_files,
    ensure_raw_tables,
    file_digest,
    landing_format,
    reject_file,
    source_name,
)
from .progress import progress_bar
from .sql import quote_literal

RAW_SPEND_COLUMNS: tuple[str, ...] = (
    *SPEND_COLUMNS,
    "report_format",
    "raw_row",
    "_source_file",
    "_file_id",
    "_source_row",
    "_ingested_at",
)
# How many lines above the header a report may carry (titles, date ranges, Microsoft's preamble).
MAX_PREAMBLE_LINES = 20
_MONEY_COLUMN = re.compile(r"^amount spent \((?P<currency>[a-z]{3})\)$")


class UnknownSpendReportError(ValueError):
    """A spend file whose header matches neither the spend contract nor a known platform export."""


@dataclass(frozen=True)
class ReportFormat:
    """One ad platform's report export: which header names hold each contract column (lower-case,
    first present wins), which must all be there to recognise it, and how its values are written."""

    name: str
    platform: str | None
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    date_order: str = "ymd"  # ymd (2026-01-31), mdy (1/31/2026) or dmy (31.01.2026)
    cost_in_micros: bool = False
    extra: Mapping[str, str] = field(default_factory=dict)

    def header_map(self, header: list[str]) -> dict[str, int] | None:
        """{contract column: position} when this header is one of this format's, else None."""
        names = [cell.strip().lower() for cell in header]
        found: dict[str, int] = {}
        for column, aliases in self.columns.items():
            for alias in aliases:
                if alias in names:
                    found[column] = names.index(alias)
                    break
        money_column = _meta_money_column(names) if self.name == "meta_ads" else None
        if money_column is not None:
            found.setdefault("cost", money_column)
        if all(column in found for column in self.required):
            return found
        return None


def _meta_money_column(names: list[str]) -> int | None:
    for position, name in enumerate(names):
        if _MONEY_COLUMN.match(name):
            return position
    return None


REPORT_FORMATS: tuple[ReportFormat, ...] = (
    ReportFormat(
        "microconv",
        None,
        {column: (column,) for column in SPEND_COLUMNS},
        ("date", "platform", "campaign", "cost"),
    ),
    ReportFormat(
        "google_ads",
        "google_ads",
        {
            "date": ("day",),
            "campaign": ("campaign",),
            "ad_group": ("ad group",),
            "cost": ("cost",),
            "currency": ("currency code", "currency"),
            "impressions": ("impr.", "impressions"),
            "clicks": ("clicks",),
        },
        ("date", "campaign", "cost"),
    ),
    ReportFormat(
        "meta_ads",
        "meta_ads",
        {
            "date": ("day", "reporting starts"),
            "campaign": ("campaign name",),
            "ad_group": ("ad set name",),
            "cost": ("amount spent",),
            "currency": ("currency",),
            "impressions": ("impressions",),
            "clicks": ("link clicks", "clicks (all)"),
        },
        ("date", "campaign", "cost"),
    ),
    ReportFormat(
        "microsoft_ads",
        "microsoft_ads",
        {
            "date": ("timeperiod", "gregorian date", "day"),
            "campaign": ("campaignname", "campaign name", "campaign"),
            "ad_group": ("adgroupname", "ad group"),
            "cost": ("spend",),
            "currency": ("currencycode", "currency code"),
            "impressions": ("impressions", "impr."),
            "clicks": ("clicks",),
        },
        ("date", "campaign", "cost"),
        date_order="mdy",
    ),
    ReportFormat(
        "yandex_direct_api",
        "yandex_direct",
        {
            "date": ("date",),
            "campaign": ("campaignname",),
            "ad_group": ("adgroupname",),
            "cost": ("cost",),
            "impressions": ("impressions",),
            "clicks": ("clicks",),
        },
        ("date", "campaign", "cost"),
        cost_in_micros=True,
    ),
    ReportFormat(
        "yandex_direct",
        "yandex_direct",
        {
            "date": ("дата", "день"),
            "campaign": ("кампания", "название кампании"),
            "ad_group": ("группа", "название группы"),
            "cost": ("расход (руб.)", "расход", "расход, руб.", "стоимость"),  # noqa: RUF001
            "impressions": ("показы",),
            "clicks": ("клики",),
        },
        ("date", "campaign", "cost"),
        date_order="dmy",
    ),
)


def _decode(raw: bytes) -> str:
    """The text of a report file: UTF-16 when it starts with a byte-order mark (Google Ads' "Excel CSV"),
    else UTF-8 (a BOM dropped). Raises UnicodeDecodeError for anything else."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    return raw.decode("utf-8-sig")


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def find_header(lines: list[str]) -> tuple[int, str, ReportFormat, dict[str, int]]:
    """(line number of the header, delimiter, format, {contract column: position}) of a report's text.

    Raises UnknownSpendReportError naming the first line when no line of the first
    MAX_PREAMBLE_LINES + 1 matches a format."""
    for number, line in enumerate(lines[: MAX_PREAMBLE_LINES + 1]):
        for delimiter in ("\t", ";", ","):
            if delimiter not in line:
                continue
            header = _split(line, delimiter)
            for report_format in REPORT_FORMATS:
                found = report_format.header_map(header)
                if found is not None:
                    return number, delimiter, report_format, found
    first = lines[0][:200] if lines else ""
    raise UnknownSpendReportError(
        "no spend header found: the spend contract needs date, platform, campaign and cost; a platform "
        "export needs its date, campaign and cost columns (Google Ads: Day, Campaign, Cost; Meta: Day, "
        "Campaign name, Amount spent (XXX); Microsoft Advertising: TimePeriod, CampaignName, Spend; "
        f"Yandex Direct: Date, CampaignName, Cost) in one of the first {MAX_PREAMBLE_LINES + 1} lines "
        f"(first line: {first!r})"
    )


_NUMBER_NOISE = re.compile(r"[\s\u00a0\u202f'$€£¥₽%]")


def decimal_separator(values: Iterable[str]) -> str:
    """',' when a file's numbers use a decimal comma ("1.234,56", "12,5"), else '.'.

    A value with both marks decides by the last one; a comma followed by exactly three digits is read as
    a thousands separator ("1,234") unless another value shows a decimal comma."""
    comma_decimal = dot_decimal = False
    for value in values:
        text = _NUMBER_NOISE.sub("", value or "")
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                comma_decimal = True
            else:
                dot_decimal = True
        elif re.search(r",\d{1,2}$", text) or re.search(r",\d{4,}$", text):
            comma_decimal = True
        elif re.search(r"\.\d+$", text):
            dot_decimal = True
    return "," if comma_decimal and not dot_decimal else "."


def normalize_number(value: str | None, separator: str, micros: bool = False) -> str | None:
    """A report's number as plain text with a '.' decimal point ("1 234,50" -> "1234.50"); the text
    unchanged when it is not a number (staging quarantines it); None for an empty cell or Google's `--`."""
    if value is None:
        return None
    text = _NUMBER_NOISE.sub("", value)
    if text in ("", "--", "-"):
        return None
    thousands = "." if separator == "," else ","
    candidate = text.replace(thousands, "").replace(separator, ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", candidate):
        return value
    if micros:
        if "." in candidate:  # returnMoneyInMicros: false writes decimals
            return candidate
        return f"{int(candidate) / 1_000_000:.6f}"
    return candidate


def normalize_date(value: str | None, order: str) -> str | None:
    """A report's day as YYYY-MM-DD; the text unchanged when it is not a date (a `Total:` row)."""
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return text
    parts = re.fullmatch(r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})", text)
    if not parts:
        return value
    first, second, third = (int(part) for part in parts.groups())
    if len(parts.group(1)) == 4:
        year, month, day = first, second, third
    elif order == "mdy" or (order == "ymd" and "/" in text):
        month, day, year = first, second, third
    else:
        day, month, year = first, second, third
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return value


def report_rows(path: Path) -> tuple[ReportFormat, list[dict[str, str | None]]]:
    """The rows of one spend file in the spend contract's columns (text), plus `raw_row` (the report row
    as a JSON object of its own header names), in file order. Raises UnknownSpendReportError, or the
    reader's error for an unreadable file."""
    if landing_format(path) != "csv":
        return _contract_rows(path)
    raw = path.read_bytes()
    lines = _decode(gzip.decompress(raw) if path.name.lower().endswith(".gz") else raw).splitlines()
    number, delimiter, report_format, found = find_header(lines)
    header = [cell.strip() for cell in _split(lines[number], delimiter)]
    body = [
        cells
        for cells in csv.reader(lines[number + 1 :], delimiter=delimiter)
        if any(text.strip() for text in cells)
    ]
    cost_at = found.get("cost")
    separator = decimal_separator(
        cells[cost_at] for cells in body if cost_at is not None and cost_at < len(cells)
    )
    header_currency = _MONEY_COLUMN.match(header[cost_at].lower()) if cost_at is not None else None
    rows = []
    for cells in body:

        def cell(column: str, cells: list[str] = cells) -> str | None:
            position = found.get(column)
            if position is None or position >= len(cells):
                return None
            return cells[position].strip() or None

        row: dict[str, str | None] = {column: cell(column) for column in SPEND_COLUMNS}
        row["platform"] = row["platform"] or report_format.platform
        if row["currency"] is None and header_currency:
            row["currency"] = header_currency.group("currency").upper()
        # A summary row ("Total: Account", "Total rows: 12") may leave the date column empty: keep what
        # it says instead, so that staging can name it.
        day = row["date"] if row["date"] is not None else (cells[0].strip() or None)
        row["date"] = normalize_date(day, report_format.date_order)
        row["cost"] = normalize_number(row["cost"], separator, report_format.cost_in_micros)
        row["impressions"] = normalize_number(row["impressions"], separator)
        row["clicks"] = normalize_number(row["clicks"], separator)
        row["report_format"] = report_format.name
        row["raw_row"] = json.dumps(dict(zip(header, cells, strict=False)), ensure_ascii=False)
        rows.append(row)
    return report_format, rows


def _contract_rows(path: Path) -> tuple[ReportFormat, list[dict[str, str | None]]]:
    """Parquet or JSON-lines files in the spend contract (vendors export CSV only)."""
    literal = quote_literal(str(path))
    reader = (
        f"read_parquet({literal})"
        if landing_format(path) == "parquet"
        else f"read_json_objects({literal}, format = 'auto')"
    )
    with duckdb.connect() as con:
        if landing_format(path) == "parquet":
            relation = con.sql(f"select * from {reader}")
            names = [name.lower() for name in relation.columns]
            records = [
                dict(zip(names, (None if value is None else str(value) for value in values), strict=True))
                for values in relation.fetchall()
            ]
        else:
            records = [
                {
                    key.lower(): (None if value is None else str(value))
                    for key, value in json.loads(text).items()
                }
                for (text,) in con.execute(f"select json from {reader}").fetchall()
            ]
    report_format = REPORT_FORMATS[0]
    if records and report_format.header_map(list(records[0])) is None:
        raise UnknownSpendReportError(
            f"a {landing_format(path)} spend file must be in the spend contract (date, platform, campaign, "
            f"cost, …); columns found: {', '.join(records[0])}"
        )
    rows = []
    for record in records:
        row: dict[str, str | None] = {column: record.get(column) for column in SPEND_COLUMNS}
        row["report_format"] = report_format.name
        row["raw_row"] = json.dumps(record, ensure_ascii=False)
        rows.append(row)
    return report_format, rows


def raw_values(
    rows: list[dict[str, str | None]], source_file: str, file_id: str, ingested_at: datetime
) -> list[list[object]]:
    """One file's rows in raw.ad_spend's column order (RAW_SPEND_COLUMNS), numbered from 1."""
    return [
        [
            *(row[column] for column in SPEND_COLUMNS),
            row["report_format"],
            row["raw_row"],
            source_file,
            file_id,
            number,
            ingested_at,
        ]
        for number, row in enumerate(rows, start=1)
    ]


def insert_raw_spend(con: duckdb.DuckDBPyConnection, values: list[list[object]]) -> None:
    """Append rows in RAW_SPEND_COLUMNS order to raw.ad_spend."""
    if values:
        placeholders = ", ".join("?" for _ in RAW_SPEND_COLUMNS)
        con.executemany(f"insert into raw.ad_spend values ({placeholders})", values)


def ensure_spend_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW_SPEND_DDL)


def load_spend_file(con: duckdb.DuckDBPyConnection, path: Path, landing_dir: Path) -> int:
    """Insert one spend file's rows into raw.ad_spend in one transaction; -1 when a file with the same
    content was loaded before (raw.loaded_files, shared with the event files)."""
    file_id = file_digest(path)
    if con.execute("select 1 from raw.loaded_files where file_id = ?", [file_id]).fetchone():
        return -1
    _, rows = report_rows(path)
    relative = source_name(path, landing_dir)
    ingested_at = datetime.now(UTC).replace(tzinfo=None)
    values = raw_values(rows, relative, file_id[:16], ingested_at)
    con.execute("begin transaction")
    try:
        insert_raw_spend(con, values)
        con.execute(
            "insert into raw.loaded_files values (?, ?, ?, ?, ?)",
            [file_id, f"spend/{relative}", path.stat().st_size, len(values), ingested_at],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return len(values)


def load_spend_files(con: duckdb.DuckDBPyConnection, landing_dir: Path, pattern: str = "**/*") -> LoadReport:
    """Load every new spend file under `landing_dir` (nothing when the folder does not exist: spend is
    optional). Unreadable files and files of no known layout are moved to `_rejected/`, never fatal."""
    ensure_raw_tables(con)
    ensure_spend_table(con)
    report = LoadReport()
    paths = discover_files(landing_dir, pattern)
    with progress_bar("loading spend files", len(paths)) as advance:
        for path in paths:
            try:
                rows = load_spend_file(con, path, landing_dir)
            except (*UNREADABLE_FILE_ERRORS, UnknownSpendReportError, csv.Error) as error:
                report.rejected.append((str(path), reject_file(con, path, landing_dir, error)))
            else:
                if rows < 0:
                    report.skipped.append(str(path))
                else:
                    report.loaded.append((str(path), rows))
            advance()
    return report


def normalized_spend_rows(
    landing_dir: Path, pattern: str = "**/*"
) -> tuple[list[list[object]], list[tuple[str, str]]]:
    """Every spend file's rows in raw.ad_spend's column order, without a warehouse (the Spark engine
    writes them to Parquet for its raw.ad_spend view), and the files that could not be read."""
    rows: list[list[object]] = []
    rejected: list[tuple[str, str]] = []
    for path in discover_files(landing_dir, pattern):
        try:
            _, file_rows = report_rows(path)
        except (*UNREADABLE_FILE_ERRORS, UnknownSpendReportError, csv.Error) as error:
            rejected.append((str(path), describe_load_error(error)))
            continue
        file_id = file_digest(path)[:16]
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)
        relative = source_name(path, landing_dir)
        rows.extend(raw_values(file_rows, relative, file_id, modified))
    return rows, rejected
