"""Assemble the report: one static HTML file with plotly.js embedded (no CDN, no network)."""

from __future__ import annotations

import html
import json
import os
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.offline

from . import REPORT_FILE
from .data import ReportData, read_report_data
from .figures import build_sections

PLOT_CONFIG = {"displaylogo": False, "responsive": True}

ASSETS = resources.files(__package__)


def _asset(name: str) -> str:
    return ASSETS.joinpath(name).read_text(encoding="utf-8")


def _figure_html(figure: go.Figure, div_id: str) -> str:
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG)


def _headline(data: ReportData) -> str:
    rows = data["headline"]
    if not rows:
        return ""
    row = rows[0]
    tiles = (
        ("sessions", f"{row['sessions']:,}"),
        ("users", f"{row['users']:,}"),
        ("micro-conversions", f"{row['micro_conversions']:,}"),
        ("macro-conversions", f"{row['macro_conversions']:,}"),
        ("revenue", f"{row['revenue']:,.2f}"),
    )
    body = "".join(f'<div class="tile">{html.escape(label)}<b>{value}</b></div>' for label, value in tiles)
    return f'<div class="tiles">{body}</div>'


def render_report(data: ReportData, published_at: str | None = None) -> str:
    """The whole page as one HTML string."""
    sections = build_sections(data)
    headline = data["headline"][0] if data["headline"] else {}
    period = ""
    first, last = headline.get("first_session_at"), headline.get("last_session_at")
    if first and last:
        period = f"Sessions from {first:%Y-%m-%d} to {last:%Y-%m-%d}. "
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    source = f"Published copy of {published_at}. " if published_at else ""
    nav = "".join(f'<a href="#{key}">{html.escape(title)}</a>' for key, title, _, _ in sections)
    parts = []
    for key, title, intro, figures in sections:
        charts = "".join(
            f'<div class="chart">{_figure_html(figure, f"{key}-chart-{index}")}</div>'
            for index, figure in enumerate(figures)
        )
        if not figures:
            charts = '<p class="empty">No rows in the marts for this section yet.</p>'
        parts.append(
            f'<section id="{key}" data-charts="{len(figures)}"><h2>{html.escape(title)}</h2>'
            f'<p class="intro">{html.escape(intro)}</p>{charts}</section>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Microconv report</title>"
        f"<style>{_asset('report.css')}</style><script>{_asset('errors.js')}</script>"
        f"<script>{plotly.offline.get_plotlyjs()}</script></head><body>"
        f"<header><h1>Microconv report</h1><p>{html.escape(period + source)}Generated {generated} "
        f"with Plotly {html.escape(plotly.__version__)}.</p></header>"
        f'<nav>{nav}</nav><main>{_headline(data)}<ul id="report-errors"></ul>{"".join(parts)}</main>'
        "</body></html>\n"
    )


def write_report(publish_dir: Path) -> Path:
    """Render the report from the published copy in `publish_dir` and replace report.html atomically."""
    manifest_path = publish_dir / "manifest.json"
    published_at = (
        json.loads(manifest_path.read_text()).get("published_at") if manifest_path.exists() else None
    )
    page = render_report(read_report_data(publish_dir / "microconv.duckdb"), published_at)
    target = publish_dir / REPORT_FILE
    staging = target.with_name(f".{REPORT_FILE}.{os.getpid()}.tmp")
    staging.write_text(page, encoding="utf-8")
    os.replace(staging, target)
    return target
