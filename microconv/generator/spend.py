"""Demo ad spend: report files that match the simulated paid traffic, in each platform's export layout.

For every day and paid traffic option of the simulation (catalog.CHANNELS), clicks are the sessions it
started times a click-to-session ratio (some clicks never load the page), impressions follow from a
click-through rate and cost from a cost per click, with seeded noise. The files are written as the
platforms write them (microconv/spend.py reads them back): a Google Ads campaign report with its title
lines and total row, a Microsoft Advertising report with its preamble and footer, a Meta Ads Manager
export in euros, a Yandex Direct Report Wizard export with decimal commas (its campaign has no tagged
sessions: spend that matches nothing), and the spend contract for the rest.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ..ingest import SPEND_COLUMNS
from . import catalog

MANIFEST_NAME = "_manifest.json"


@dataclass(frozen=True)
class PaidOption:
    """How one paid traffic option of the catalogue is bought: platform, layout, prices."""

    utm_source: str
    utm_medium: str
    utm_campaign: str
    platform: str
    layout: str  # google_ads, microsoft_ads, meta_ads or contract
    campaign_name: str  # as the platform names it (matched to utm_campaign case-insensitively)
    cost_per_click: float  # in `currency`
    click_through_rate: float
    currency: str = "USD"


PAID_OPTIONS: tuple[PaidOption, ...] = (
    PaidOption("google", "cpc", "brand_search", "google_ads", "google_ads", "Brand_Search", 0.45, 0.12),
    PaidOption("google", "cpc", "generic_search", "google_ads", "google_ads", "Generic_Search", 1.35, 0.04),
    PaidOption(
        "bing", "cpc", "generic_search", "microsoft_ads", "microsoft_ads", "generic_search", 0.95, 0.035
    ),
    PaidOption(
        "facebook", "paid_social", "spring_sale", "meta_ads", "meta_ads", "Spring_Sale", 0.55, 0.011, "EUR"
    ),
    PaidOption(
        "instagram", "paid_social", "spring_sale", "meta_ads", "meta_ads", "Spring_Sale", 0.55, 0.011, "EUR"
    ),
    PaidOption("tiktok", "cpc", "retargeting", "tiktok_ads", "contract", "retargeting", 0.35, 0.008),
    PaidOption("gdn", "display", "prospecting", "google_ads", "contract", "prospecting", 0.30, 0.002),
    PaidOption("youtube", "video", "product_demo", "google_ads", "contract", "product_demo", 0.20, 0.015),
)
# Spend on a campaign whose links carry no tags the site sees (a broken tracking template).
UNTRACKED_CAMPAIGN = ("yandex_direct", "ya_brand", 900.0)  # platform, campaign, daily cost in RUB


def paid_clicks(
    session_day: np.ndarray, session_option: np.ndarray, days: int, rng: np.random.Generator
) -> dict[tuple[int, PaidOption], int]:
    """{(day index, paid option): clicks} from the sessions each option started each day."""
    options = [option for _, option in _flat_options()]
    clicks: dict[tuple[int, PaidOption], int] = {}
    for index, option in enumerate(options):
        paid = _paid_option(option)
        if paid is None:
            continue
        per_day = np.bincount(session_day[session_option == index], minlength=days)[:days]
        for day, sessions in enumerate(per_day):
            if sessions:
                # Some clicks never become a tracked session (bounce before the tag fires, blockers).
                clicks[(day, paid)] = int(sessions * rng.uniform(1.08, 1.25) + 0.5)
    return clicks


def _flat_options() -> list[tuple[int, catalog.TrafficOption]]:
    return [(index, option) for index, channel in enumerate(catalog.CHANNELS) for option in channel.options]


def _paid_option(option: catalog.TrafficOption) -> PaidOption | None:
    for paid in PAID_OPTIONS:
        if (paid.utm_source, paid.utm_medium, paid.utm_campaign) == (
            option.utm_source,
            option.utm_medium,
            option.utm_campaign,
        ):
            return paid
    return None


@dataclass(frozen=True)
class SpendRow:
    day: date
    option: PaidOption
    clicks: int
    impressions: int
    cost: float


def spend_rows(
    clicks: dict[tuple[int, PaidOption], int], start: date, rng: np.random.Generator
) -> list[SpendRow]:
    rows = []
    for (day, option), count in sorted(clicks.items(), key=lambda item: (item[0][0], item[0][1].platform)):
        impressions = int(count / option.click_through_rate * rng.uniform(0.85, 1.15) + 0.5)
        cost = round(count * option.cost_per_click * rng.uniform(0.8, 1.2), 2)
        rows.append(SpendRow(start + timedelta(days=day), option, count, impressions, cost))
    return rows


def _grouped(value: float, decimals: int = 2) -> str:
    """A number as Google Ads and Microsoft Advertising write it in English: 1,234.56."""
    return f"{value:,.{decimals}f}"


def _csv(rows: list[list[object]], delimiter: str = ",") -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _merge(rows: list[SpendRow], layout: str) -> dict[tuple[date, str], list[SpendRow]]:
    """The rows of one layout by (day, campaign name): one report row per campaign and day."""
    merged: dict[tuple[date, str], list[SpendRow]] = {}
    for row in rows:
        if row.option.layout == layout:
            merged.setdefault((row.day, row.option.campaign_name), []).append(row)
    return merged


def google_ads_report(rows: list[SpendRow], start: date, end: date) -> str:
    body = [["Day", "Campaign", "Campaign type", "Currency code", "Cost", "Impr.", "Clicks"]]
    total_cost = total_impressions = total_clicks = 0.0
    for (day, name), group in sorted(_merge(rows, "google_ads").items()):
        cost = sum(row.cost for row in group)
        impressions = sum(row.impressions for row in group)
        clicks = sum(row.clicks for row in group)
        total_cost, total_impressions, total_clicks = (
            total_cost + cost,
            total_impressions + impressions,
            total_clicks + clicks,
        )
        body.append(
            [day.isoformat(), name, "Search", "USD", _grouped(cost), _grouped(impressions, 0), clicks]
        )
    body.append(
        [
            "Total: Account",
            "--",
            "--",
            "USD",
            _grouped(total_cost),
            _grouped(total_impressions, 0),
            int(total_clicks),
        ]
    )
    title = f'Campaign report\n"{start:%B} {start.day}, {start.year} - {end:%B} {end.day}, {end.year}"\n'
    return title + _csv(body)


def microsoft_ads_report(rows: list[SpendRow]) -> str:
    merged = sorted(_merge(rows, "microsoft_ads").items())
    preamble = [
        ["Report Name: Campaign performance"],
        ["Report Time: daily"],
        ["Time Zone: (GMT) Coordinated Universal Time"],
        ["Report Aggregation: Daily"],
        [f"Rows: {len(merged)}"],
        [],
    ]
    body = [["TimePeriod", "AccountName", "CampaignName", "Impressions", "Clicks", "Spend", "CurrencyCode"]]
    for (day, name), group in merged:
        body.append(
            [
                f"{day.month}/{day.day}/{day.year}",
                "Demo shop",
                name,
                _grouped(sum(row.impressions for row in group), 0),
                sum(row.clicks for row in group),
                f"{sum(row.cost for row in group):.2f}",
                "USD",
            ]
        )
    footer = [["©2026 Microsoft Corporation. All rights reserved."]]
    return "\ufeff" + _csv(preamble + body + footer)


def meta_ads_export(rows: list[SpendRow], start: date, end: date) -> str:
    body = [
        [
            "Reporting starts",
            "Reporting ends",
            "Campaign name",
            "Ad set name",
            "Day",
            "Amount spent (EUR)",
            "Impressions",
            "Link clicks",
        ]
    ]
    for (day, name), group in sorted(_merge(rows, "meta_ads").items()):
        body.append(
            [
                start.isoformat(),
                end.isoformat(),
                name,
                "Broad audience",
                day.isoformat(),
                f"{sum(row.cost for row in group):.2f}",
                sum(row.impressions for row in group),
                sum(row.clicks for row in group),
            ]
        )
    return _csv(body)


def yandex_wizard_export(start: date, days: int, rng: np.random.Generator) -> tuple[str, float]:
    """The export's text and its total cost (RUB)."""
    platform, campaign, daily_cost = UNTRACKED_CAMPAIGN
    del platform
    body = [["Дата", "Кампания", "Показы", "Клики", "Расход (руб.)"]]  # noqa: RUF001
    total = 0.0
    for offset in range(days):
        day = start + timedelta(days=offset)
        cost = round(daily_cost * rng.uniform(0.8, 1.2), 2)
        total += cost
        clicks = int(rng.integers(40, 80))
        impressions = clicks * int(rng.integers(25, 40))
        body.append(
            [
                f"{day:%d.%m.%Y}",
                campaign,
                f"{impressions:,}".replace(",", " "),
                clicks,
                f"{cost:,.2f}".replace(",", " ").replace(".", ","),
            ]
        )
    body.append(["Итого", "", "", "", f"{total:,.2f}".replace(",", " ").replace(".", ",")])
    return _csv(body, delimiter=";"), round(total, 2)


def contract_file(rows: list[SpendRow]) -> str:
    body: list[list[object]] = [list(SPEND_COLUMNS)]
    for row in rows:
        if row.option.layout != "contract":
            continue
        option = row.option
        body.append(
            [
                row.day.isoformat(),
                option.platform,
                option.utm_source,
                option.utm_medium,
                option.campaign_name,
                "",
                f"{row.cost:.2f}",
                option.currency,
                row.impressions,
                row.clicks,
            ]
        )
    return _csv(body)


def write_spend_reports(
    session_day: np.ndarray, session_option: np.ndarray, start: date, days: int, seed: int, out_dir: Path
) -> list[Path]:
    """Write the demo's spend reports into `out_dir` and its `_manifest.json` (the files written, the
    summary rows, the cost per platform and currency);
    returns the files."""
    rng = np.random.default_rng(seed + 24)
    rows = spend_rows(paid_clicks(session_day, session_option, days, rng), start, rng)
    end = start + timedelta(days=days - 1)
    stamp = f"{start:%Y%m%d}_{end:%Y%m%d}"
    yandex_text, yandex_total = yandex_wizard_export(start, days, rng)
    out_dir.mkdir(parents=True, exist_ok=True)
    documents = {
        f"google_ads_campaign_report_{stamp}.csv": (google_ads_report(rows, start, end), "utf-8"),
        f"microsoft_ads_campaign_performance_{stamp}.csv": (microsoft_ads_report(rows), "utf-8"),
        f"meta_ads_manager_{stamp}.csv": (meta_ads_export(rows, start, end), "utf-8"),
        f"yandex_direct_report_wizard_{stamp}.csv": (yandex_text, "utf-8"),
        f"spend_contract_{stamp}.csv": (contract_file(rows), "utf-8"),
    }
    files = []
    for name, (text, encoding) in documents.items():
        path = out_dir / name
        path.write_text(text, encoding=encoding)
        files.append(path)
    cost_by_platform: dict[str, float] = {}
    for row in rows:
        key = f"{row.option.platform} ({row.option.currency})"
        cost_by_platform[key] = round(cost_by_platform.get(key, 0.0) + row.cost, 2)
    cost_by_platform[f"{UNTRACKED_CAMPAIGN[0]} (RUB)"] = yandex_total
    manifest = {
        "files": [path.name for path in files],
        # Summary rows (Google's total, Microsoft's footer, Yandex's Итого) are not spend rows.
        "summary_rows": 3,
        "cost_by_platform": cost_by_platform,
        "untracked_campaign": UNTRACKED_CAMPAIGN[1],
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    return files
