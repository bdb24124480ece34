"""Assemble the dashboard: one static HTML file with plotly.js embedded (no CDN, no network), a tab per
page (the URL's #fragment picks it: report.html#funnels), a filter bar, and the data the filters add up
embedded as JSON (dashboard.js reads it)."""

from __future__ import annotations

import html
import json
import os
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import plotly
import plotly.graph_objects as go
import plotly.offline

from . import REPORT_FILE, shaping
from .data import ReportData, read_report_data
from .figures import Html, Table, build_pages

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

ASSETS = resources.files(__package__)


def _asset(name: str) -> str:
    return ASSETS.joinpath(name).read_text(encoding="utf-8")


def _figure_html(figure: go.Figure, div_id: str) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def embedded_data(data: ReportData) -> dict[str, Any]:
    """What the filters add up in the browser: compact cubes (shaping.cube) of sessions, macro-conversions
    and micro-conversions per day, channel and device, the newest day, and the reporting currency."""
    latest = data["latest_day"][0]["latest_session_date"] if data["latest_day"] else None
    return {
        "latest_day": latest.isoformat() if isinstance(latest, date) else None,
        "reporting_currency": data["reporting_currency"][0]["currency"]
        if data["reporting_currency"]
        else None,
        "presets": list(shaping.RANGE_PRESETS),
        "sessions": shaping.cube(
            data["session_cube"],
            ("date_day", "channel", "device"),
            ("sessions", "engaged_sessions", "converting_sessions"),
        ),
        "macro": shaping.cube(
            data["macro_cube"],
            ("date_day", "channel", "device", "currency"),
            ("conversions", "revenue_original"),
        ),
        "micro": shaping.cube(
            data["micro_cube"], ("date_day", "micro_conversion", "channel", "device"), ("occurrences",)
        ),
    }


def _filters(data: ReportData) -> str:
    channels = sorted({row["channel"] for row in data["session_cube"]})
    devices = sorted({row["device"] for row in data["session_cube"]})
    ranges = "".join(
        f'<option value="{days}"{" selected" if days == 28 else ""}>last {days} days</option>'
        for days in shaping.RANGE_PRESETS
    )
    channel_options = "".join(f'<option value="{html.escape(c)}">{html.escape(c)}</option>' for c in channels)
    device_options = "".join(f'<option value="{html.escape(d)}">{html.escape(d)}</option>' for d in devices)
    return (
        '<form id="filters" onsubmit="return false">'
        f'<label>Period <select id="f-range">{ranges}<option value="all">all data</option>'
        '<option value="custom">custom…</option></select></label>'
        '<label class="custom">from <input type="date" id="f-start"></label>'
        '<label class="custom">to <input type="date" id="f-end"></label>'
        f'<label>Channel <select id="f-channel"><option value="">all channels</option>{channel_options}'
        "</select></label>"
        f'<label>Device <select id="f-device"><option value="">all devices</option>{device_options}'
        "</select></label>"
        '<span id="f-summary"></span>'
        '<span class="scope" title="Channel and device: the key numbers, the sessions chart and top movers">'
        "period: every daily chart; channel/device: key numbers, sessions chart, top movers</span>"
        "</form>"
    )


def render_report(
    data: ReportData, published_at: str | None = None, anomaly_caption: str | None = None
) -> str:
    """The whole page as one HTML string."""
    caption = anomaly_caption or shaping.anomaly_caption(shaping.anomaly_settings(None))
    pages = build_pages(data, caption)
    headline = data["headline"][0] if data["headline"] else {}
    period = ""
    first, last = headline.get("first_session_at"), headline.get("last_session_at")
    if first and last:
        period = f"Sessions from {first:%Y-%m-%d} to {last:%Y-%m-%d}. "
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = f"Published copy of {published_at}. " if published_at else ""
    nav = "".join(f'<a href="#{key}" data-page="{key}">{html.escape(title)}</a>' for key, title, _ in pages)
    parts = []
    for page_key, page_title, page_sections in pages:
        rendered = []
        for section in page_sections:
            pieces, charts = [], 0
            for block in section.blocks:
                if isinstance(block, go.Figure):
                    pieces.append(
                        f'<div class="chart">{_figure_html(block, f"{section.key}-chart-{charts}")}</div>'
                    )
                    charts += 1
                elif isinstance(block, Table):
                    pieces.append(block.html())
                elif isinstance(block, Html):
                    pieces.append(block.text)
            if not section.blocks:
                pieces = ['<p class="empty">No rows in the marts for this section yet.</p>']
            rendered.append(
                f'<section id="{section.key}" data-page="{page_key}" data-charts="{charts}">'
                f'<h2>{html.escape(section.title)}</h2><p class="intro">{html.escape(section.intro)}</p>'
                f"{''.join(pieces)}</section>"
            )
        title = html.escape(page_title)
        parts.append(f'<div class="page" id="page-{page_key}" data-title="{title}">{"".join(rendered)}</div>')
    payload = json.dumps(embedded_data(data), separators=(",", ":")).replace("</", "<\\/")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Microconv dashboard</title>"
        f"<style>{_asset('report.css')}</style><script>{_asset('errors.js')}</script>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        f"<header><h1>Microconv dashboard</h1><p>{html.escape(period + source)}Generated {generated} "
        f"with Plotly {html.escape(plotly.__version__)}.</p></header>"
        f'<div id="bar"><nav>{nav}</nav>{_filters(data)}</div>'
        f'<main><ul id="report-errors"></ul>{"".join(parts)}</main>'
        f'<script type="application/json" id="dashboard-data">{payload}</script>'
        f"<script>{_asset('dashboard.js')}</script>"
        "</body></html>\n"
    )


def write_report(publish_dir: Path, project_dir: Path | None = None) -> Path:
    """Render the dashboard from the published copy in `publish_dir` and replace report.html atomically.
    `project_dir` is the dbt project whose anomaly settings the trend caption states (default: the
    settings' project)."""
    if project_dir is None:
        from ..settings import get_settings

        project_dir = get_settings().project_dir
    manifest_path = publish_dir / "manifest.json"
    published_at = (
        json.loads(manifest_path.read_text()).get("published_at") if manifest_path.exists() else None
    )
    caption = shaping.anomaly_caption(shaping.anomaly_settings(project_dir))
    page = render_report(read_report_data(publish_dir / "microconv.duckdb"), published_at, caption)
    target = publish_dir / REPORT_FILE
    staging = target.with_name(f".{REPORT_FILE}.{os.getpid()}.tmp")
    staging.write_text(page, encoding="utf-8")
    os.replace(staging, target)
    return target
