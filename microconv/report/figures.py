"""The dashboard's content: pages, their sections, and each section's blocks (Plotly figures and
sortable tables). A section whose builder returns no block shows "no rows in the marts yet".

Every rate names its denominator (in the label, the axis title or the hover) and money always carries
its currency; amounts in different currencies are never added up.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import shaping
from .data import ReportData

ATTRIBUTION_MODELS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "position_based",
    "time_decay",
    "markov",
    "shapley",
)
BREAKDOWNS = {"channel": "channel", "device_category": "device"}
# 10+ distinguishable colours (Plotly's default has 10 and would repeat).
PALETTE = plotly.colors.qualitative.Dark24
SIGNIFICANT, NOT_SIGNIFICANT, SMALL_SAMPLE = "#1f77b4", "#aab4c3", "#e0a526"
DROP, SPIKE = "#d62728", "#ff7f0e"
STEP_COLOR, STEP_DROP_COLOR = "#1f77b4", "#f3c6c6"
JOURNEY_STAGES = ("awareness", "consideration", "decision", "retention")


@dataclass
class Column:
    """A table column: the row key, its header, and how cells are written.

    kind: "text", "int", "num" (2 decimals), "pct" (share 0-1 as %), "signed_pct" (share points),
    "p" (a p- or q-value), "money" (2 decimals followed by the row's currency column `currency`)."""

    key: str
    label: str
    kind: str = "text"
    currency: str | None = None
    title: str = ""


@dataclass
class Table:
    """A sortable HTML table (click a header to sort; page.js does it)."""

    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    caption: str = ""
    table_id: str = ""

    def html(self) -> str:
        head = "".join(
            f'<th data-kind="{column.kind}" title="{html.escape(column.title)}">'
            f"{html.escape(column.label)}</th>"
            for column in self.columns
        )
        body = "".join(
            "<tr>" + "".join(_table_cell(column, row) for column in self.columns) + "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        ident = f' id="{html.escape(self.table_id)}"' if self.table_id else ""
        return (
            f'<div class="table-wrap"><table class="sortable"{ident}>{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>"
        )


@dataclass
class Html:
    """A piece of HTML written by this module (already escaped)."""

    text: str


Block = go.Figure | Table | Html


def _format(kind: str, value: Any, currency: str | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "num":
        return f"{value:,.2f}"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "signed_pct":
        return f"{value * 100:+.2f} pp"
    if kind == "p":
        return f"{value:.3g}" if value >= 0.001 else "<0.001"
    if kind == "money":
        return shaping.money(value, currency or "")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _table_cell(column: Column, row: dict[str, Any]) -> str:
    value = row.get(column.key)
    currency = row.get(column.currency) if column.currency else None
    text = _format(column.kind, value, currency)
    sort = "" if value is None or column.kind == "text" else f' data-sort="{value}"'
    return f"<td{sort}>{html.escape(text)}</td>"


def _layout(figure: go.Figure, title: str, height: int = 420, **extra: Any) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 30, "t": 70, "b": 60},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.2},
        **extra,
    )
    return figure


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _currency(data: ReportData) -> str:
    rows = data["reporting_currency"]
    return rows[0]["currency"] if rows else "reporting currency"


# --- Overview ---------------------------------------------------------------------------------------


def overview_blocks(data: ReportData) -> list[Block]:
    """KPI tiles (filled by page.js for the chosen period, channel and device), and sessions per day with
    the share of them that converted (redrawn by page.js when the channel or device changes)."""
    cube = data["session_cube"]
    if not cube:
        return []
    days = sorted({row["date_day"] for row in cube})
    sessions = {day: 0 for day in days}
    converting = {day: 0 for day in days}
    for row in cube:
        sessions[row["date_day"]] += row["sessions"]
        converting[row["date_day"]] += row["converting_sessions"]
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    figure.add_bar(
        name="sessions",
        x=days,
        y=[sessions[day] for day in days],
        marker={"color": "#9ec5e8"},
        hovertemplate="%{x|%a %Y-%m-%d}: %{y:,} sessions<extra></extra>",
    )
    figure.add_scatter(
        name="converting sessions, % of sessions",
        x=days,
        y=[converting[day] / sessions[day] if sessions[day] else None for day in days],
        mode="lines",
        line={"color": "#d62728"},
        hovertemplate=(
            "%{x|%a %Y-%m-%d}: %{y:.2%} of that day's sessions had a macro-conversion<extra></extra>"
        ),
        secondary_y=True,
    )
    figure.update_yaxes(title="sessions", secondary_y=False)
    figure.update_yaxes(
        title="converting sessions / sessions",
        tickformat=".1%",
        rangemode="tozero",
        tickmode="auto",
        showgrid=False,
        secondary_y=True,
    )
    _layout(figure, "Sessions per day and the share that converted", height=380)
    kpis = Html('<div class="tiles" id="kpi-tiles" data-filtered="1"></div>')
    return [kpis, figure]


def revenue_blocks(data: ReportData) -> list[Block]:
    """Revenue per day in each currency as sent (never summed across currencies), and a table per currency
    with the amount converted to the reporting currency."""
    rows = data["macro_cube"]
    if not rows:
        return []
    reporting = _currency(data)
    currencies = shaping.by_currency(rows, "revenue_original")
    # One panel per currency, each with its own axis: amounts in different currencies never share a scale.
    figure = make_subplots(
        rows=len(currencies),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[f"revenue in {currency}" for currency in currencies],
    )
    days = sorted({row["date_day"] for row in rows})
    for index, currency in enumerate(currencies, start=1):
        daily = dict.fromkeys(days, 0.0)
        for row in rows:
            if row["currency"] == currency:
                daily[row["date_day"]] += row["revenue_original"] or 0
        figure.add_bar(
            name=f"revenue in {currency}",
            x=days,
            y=[daily[day] for day in days],
            marker={"color": PALETTE[(index - 1) % len(PALETTE)]},
            hovertemplate=f"%{{x|%a %Y-%m-%d}}: %{{y:,.2f}} {currency}<extra></extra>",
            showlegend=False,
            row=index,
            col=1,
        )
        figure.update_yaxes(title=currency, row=index, col=1)
    _layout(
        figure,
        "Revenue per day in each currency as sent (not converted, never summed across currencies)",
        height=150 * len(currencies) + 130,
    )
    totals = []
    for currency in _unique(row["currency"] for row in rows):
        mine = [row for row in rows if row["currency"] == currency]
        totals.append(
            {
                "currency": currency,
                "conversions": sum(row["conversions"] for row in mine),
                "revenue_original": sum(row["revenue_original"] or 0 for row in mine),
                "revenue": sum(row["revenue"] or 0 for row in mine)
                if all(row["revenue"] is not None for row in mine)
                else None,
                "reporting": reporting,
                "unconverted": sum(row["unconverted"] for row in mine),
            }
        )
    table = Table(
        (
            Column("currency", "currency"),
            Column("conversions", "macro-conversions", "int"),
            Column("revenue_original", "revenue as sent", "money", "currency"),
            Column("revenue", f"converted to {reporting}", "money", "reporting", "exchange_rates seed"),
            Column("unconverted", "without an exchange rate", "int"),
        ),
        totals,
        caption=f"Whole period. The converted column is in {reporting} (the exchange_rates seed's rate on "
        "each conversion day); conversions without a rate are left out of it.",
    )
    return [figure, table]


# --- Funnels ----------------------------------------------------------------------------------------


TIME_TICKS = {1: "1 s", 60: "1 min", 3600: "1 h", 86400: "1 d"}


def _share(rate: float | None) -> str:
    """A share as a percentage, with a decimal below 10% so that 0.4% does not read as 0%."""
    if rate is None:
        return "-"
    return f"{rate:.0%}" if rate >= 0.095 else f"{rate:.1%}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172_800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def funnel_figures(data: ReportData) -> list[Block]:
    """Per funnel: users per step as horizontal bars labelled with both rates (of the previous step and
    of step 1) and the time from the previous step; then step 1 → last step by channel and device."""
    rows = data["funnel_steps"]
    times = {(row["funnel"], row["step_number"]): row for row in data["funnel_times"]}
    blocks: list[Block] = []
    for funnel in _unique(row["funnel"] for row in rows):
        steps = [row for row in rows if row["funnel"] == funnel and row["breakdown_dimension"] == "all"]
        if not steps:
            continue
        labels = [f"{row['step_number']}. {row['step_name']}" for row in steps]
        figure = make_subplots(
            rows=1,
            cols=2,
            shared_yaxes=True,
            column_widths=[0.72, 0.28],
            horizontal_spacing=0.03,
            subplot_titles=("users per step", "median time from the previous step"),
        )
        top = max(row["users"] for row in steps) or 1
        text = [
            f"{row['users']:,} users"
            if row["step_number"] == 1
            else f"{row['users']:,} · {_share(row['conversion_rate_from_previous'])} of previous step · "
            f"{_share(row['conversion_rate_from_start'])} of step 1"
            for row in steps
        ]
        figure.add_bar(
            y=labels,
            x=[row["users"] for row in steps],
            orientation="h",
            marker={"color": STEP_COLOR},
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=[
                [
                    row["conversion_rate_from_previous"],
                    row["conversion_rate_from_start"],
                    row["drop_off_users"],
                ]
                for row in steps
            ],
            hovertemplate=(
                "%{y}<br>%{x:,} users<br>%{customdata[0]:.1%} of the previous step's users"
                "<br>%{customdata[1]:.1%} of step 1's users<br>dropped off after the previous step: "
                "%{customdata[2]:,}<extra></extra>"
            ),
            showlegend=False,
            row=1,
            col=1,
        )
        medians = [
            times.get((funnel, row["step_number"]), {}).get("median_seconds_from_previous") for row in steps
        ]
        p90s = [times.get((funnel, row["step_number"]), {}).get("p90_seconds_from_previous") for row in steps]
        figure.add_bar(
            y=labels,
            # A log axis in seconds: a 20-second step and a 27-hour one both stay readable.
            x=[None if value is None else max(value, 1) for value in medians],
            orientation="h",
            marker={"color": "#8c6bb1"},
            text=[_duration(value) if value is not None else "" for value in medians],
            textposition="outside",
            cliponaxis=False,
            customdata=[[_duration(m), _duration(p)] for m, p in zip(medians, p90s, strict=True)],
            hovertemplate="%{y}<br>median %{customdata[0]}, 90th percentile %{customdata[1]}<extra></extra>",
            showlegend=False,
            row=1,
            col=2,
        )
        figure.update_yaxes(autorange="reversed", automargin=True, row=1, col=1)
        figure.update_xaxes(range=[0, top * 1.9], title="users", row=1, col=1)
        longest = max((value or 1 for value in medians), default=1)
        figure.update_xaxes(
            type="log",
            range=[0, math.log10(max(longest, 60)) + 0.6],
            tickvals=list(TIME_TICKS),
            ticktext=list(TIME_TICKS.values()),
            title="median time (log scale)",
            row=1,
            col=2,
        )
        _layout(
            figure,
            f"Funnel “{funnel}”: users per step, % of previous step and % of step 1",
            height=max(260, 56 * len(steps) + 140),
        )
        figure.update_layout(margin={"l": 170})
        blocks.append(figure)
        blocks.append(_funnel_breakdown(funnel, rows, steps[-1]["step_number"]))
    return blocks


def _funnel_breakdown(funnel: str, rows: list[dict[str, Any]], last_step: int) -> go.Figure:
    """Share of step 1's users reaching the last step, per channel and per device (bars, sorted)."""
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.6, 0.4],
        horizontal_spacing=0.22,
        subplot_titles=("by channel", "by device"),
    )
    for column, dimension in enumerate(BREAKDOWNS, start=1):
        firsts = {
            row["breakdown_value"]: row["users"]
            for row in rows
            if row["funnel"] == funnel and row["breakdown_dimension"] == dimension and row["step_number"] == 1
        }
        lasts = [
            row
            for row in rows
            if row["funnel"] == funnel
            and row["breakdown_dimension"] == dimension
            and row["step_number"] == last_step
        ]
        lasts.sort(key=lambda row: row["conversion_rate_from_start"] or 0)
        figure.add_bar(
            y=[str(row["breakdown_value"]) for row in lasts],
            x=[row["conversion_rate_from_start"] for row in lasts],
            orientation="h",
            marker={"color": PALETTE[column]},
            text=[_share(row["conversion_rate_from_start"]) for row in lasts],
            textposition="outside",
            cliponaxis=False,
            customdata=[[row["users"], firsts.get(row["breakdown_value"])] for row in lasts],
            hovertemplate=(
                "%{y}: %{x:.1%} of step 1's users completed the funnel<br>"
                "(%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>"
            ),
            showlegend=False,
            row=1,
            col=column,
        )
        top = max((row["conversion_rate_from_start"] or 0 for row in lasts), default=0) or 1
        figure.update_xaxes(
            tickformat=".0%" if top >= 0.05 else ".1%" if top >= 0.005 else ".2%",
            range=[0, top * 1.35],
            title="% of step 1 reaching the last step",
            row=1,
            col=column,
        )
        figure.update_yaxes(automargin=True, row=1, col=column)
    height = max(
        260,
        24
        * max(
            1,
            len(
                {
                    row["breakdown_value"]
                    for row in rows
                    if row["funnel"] == funnel and row["breakdown_dimension"] == "channel"
                }
            ),
        )
        + 150,
    )
    return _layout(
        figure, f"Funnel “{funnel}”: completion (% of step 1) by channel and device", height=height
    )


def funnel_trend_figures(data: ReportData) -> list[Block]:
    """Completion rate per cohort day (users entering step 1 that day) for every funnel."""
    rows = data["funnel_daily"]
    if not rows:
        return []
    figure = go.Figure()
    for index, funnel in enumerate(_unique(row["funnel"] for row in rows)):
        mine = [row for row in rows if row["funnel"] == funnel]
        last = max(row["step_number"] for row in mine)
        series = [row for row in mine if row["step_number"] == last]
        figure.add_scatter(
            name=funnel,
            x=[row["cohort_date"] for row in series],
            y=[row["conversion_rate_from_start"] for row in series],
            mode="lines",
            line={"color": PALETTE[index % len(PALETTE)]},
            customdata=[[row["users"], row["entered_users"]] for row in series],
            hovertemplate=(
                f"{funnel}<br>%{{x|%a %Y-%m-%d}}: %{{y:.1%}} of the users entering step 1 that "
                "day completed it"
                "<br>(%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>"
            ),
        )
    _layout(figure, "Funnel completion rate by the day users entered step 1", height=380)
    figure.update_yaxes(title="completed / entered step 1 that day", tickformat=".0%")
    return [figure]


# --- Micro-conversions ------------------------------------------------------------------------------


def trend_figures(data: ReportData) -> list[Block]:
    """Small multiples: one panel per micro-conversion (occurrences per day), anomalies marked."""
    daily, anomalies = data["micro_conversion_daily"], data["anomalies"]
    if not daily:
        return []
    names = sorted(_unique(row["micro_conversion"] for row in daily))
    kinds = {row["micro_conversion"]: row.get("kind") for row in daily}
    columns = 4
    rows_count = math.ceil(len(names) / columns)
    figure = make_subplots(
        rows=rows_count,
        cols=columns,
        shared_xaxes=True,
        vertical_spacing=min(0.3 / max(rows_count - 1, 1), 0.06),
        horizontal_spacing=0.05,
        subplot_titles=[f"{name} ({kinds.get(name) or '?'})" for name in names],
    )
    for index, name in enumerate(names):
        row_number, column_number = index // columns + 1, index % columns + 1
        series = [row for row in daily if row["micro_conversion"] == name]
        figure.add_scatter(
            x=[row["date_day"] for row in series],
            y=[row["occurrences"] for row in series],
            mode="lines",
            line={"color": "#1f77b4", "width": 1.5},
            customdata=[[row["rate_per_session"]] for row in series],
            hovertemplate=(
                f"{name}<br>%{{x|%a %Y-%m-%d}}: %{{y:,}} occurrences<br>%{{customdata[0]:.2%}} of that day's "
                "sessions had one<extra></extra>"
            ),
            showlegend=False,
            row=row_number,
            col=column_number,
        )
        for direction, color in (("drop", DROP), ("spike", SPIKE)):
            marked = [
                row for row in anomalies if row["micro_conversion"] == name and row["direction"] == direction
            ]
            if not marked:
                continue
            figure.add_scatter(
                x=[row["date_day"] for row in marked],
                y=[row["occurrences"] for row in marked],
                mode="markers",
                marker={"color": color, "size": 10, "symbol": "x", "line": {"width": 1, "color": "#222"}},
                customdata=[[row["baseline_mean"], row["z_score"]] for row in marked],
                hovertemplate=(
                    f"{name} on %{{x|%a %Y-%m-%d}}: %{{y:,}}<br>baseline mean %{{customdata[0]:,.1f}}, "
                    f"z = %{{customdata[1]:.1f}} ({direction})<extra></extra>"
                ),
                showlegend=False,
                row=row_number,
                col=column_number,
            )
    for label, color in (("anomaly: drop", DROP), ("anomaly: spike", SPIKE)):
        figure.add_scatter(
            x=[None], y=[None], mode="markers", name=label, marker={"color": color, "symbol": "x", "size": 10}
        )
    figure.update_annotations(font_size=12)
    figure.update_yaxes(rangemode="tozero", tickformat="~s")
    _layout(
        figure,
        "Occurrences per day, one panel per micro-conversion (each panel has its own scale)",
        height=170 * rows_count + 120,
    )
    figure.update_layout(
        legend={"orientation": "h", "y": 0.0, "x": 0.0, "yanchor": "bottom", "yref": "container"},
        margin={"b": 100},
    )
    return [figure]


def anomaly_table(data: ReportData) -> list[Block]:
    rows = data["anomalies"]
    if not data["micro_conversion_daily"]:
        return []
    if not rows:
        return [Html('<p class="note">The detector flagged no day in this period.</p>')]
    return [
        Table(
            (
                Column("date_day", "day"),
                Column("micro_conversion", "micro-conversion"),
                Column("direction", "direction"),
                Column("occurrences", "occurrences", "int"),
                Column("baseline_mean", "baseline mean", "num"),
                Column("z_score", "z", "num", title="(occurrences - baseline mean) / baseline stddev"),
            ),
            rows,
            caption="Days flagged by the anomaly detector",
        )
    ]


def mover_blocks(data: ReportData) -> list[Block]:
    """Top movers: filled by page.js from the micro-conversion cube for the chosen period and filters."""
    if not data["micro_cube"]:
        return []
    table = Table(
        (
            Column("micro_conversion", "micro-conversion"),
            Column("current", "this period", "int"),
            Column("previous", "previous period", "int"),
            Column("delta", "change", "int"),
            Column("change", "change %", "pct", title="this period / previous period - 1"),
        ),
        [],
        caption="Largest changes in occurrences against the previous period of equal length",
        table_id="top-movers",
    )
    return [table]


# --- What predicts purchase -------------------------------------------------------------------------


def _significance_colors(rows: list[dict[str, Any]]) -> list[str]:
    """A marker colour per row: small sample, else significant, else not significant."""
    return [
        SMALL_SAMPLE if row["is_small_sample"] else SIGNIFICANT if row["is_significant"] else NOT_SIGNIFICANT
        for row in rows
    ]


def _impact_figure(ranked: list[dict[str, Any]], title: str) -> go.Figure:
    colors = _significance_colors(ranked)
    names = [row["micro_conversion"] for row in ranked]
    hover = [
        [
            row["macro_rate_with"],
            row["macro_rate_without"],
            row["p_value"],
            row["users_with"],
            row.get("q_value"),
            row["lift"],
        ]
        for row in ranked
    ]
    figure = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        subplot_titles=("lift: rate with ÷ rate without (log)", "odds ratio, 95% CI (log)"),
    )
    # Bars grow from 1 (no effect) to the lift, leftwards for a lift below 1 (base + x = lift).
    figure.add_bar(
        y=names,
        x=[row["lift"] - 1 for row in ranked],
        base=1.0,
        orientation="h",
        marker={"color": colors},
        customdata=hover,
        hovertemplate=(
            "%{y}: lift %{customdata[5]:.2f}<br>converted: %{customdata[0]:.2%} of users with it, "
            "%{customdata[1]:.2%} of users without<br>p = %{customdata[2]:.2g}, "
            "q = %{customdata[4]:.2g} (Benjamini-Hochberg), %{customdata[3]:,} users with it<extra></extra>"
        ),
        showlegend=False,
        row=1,
        col=1,
    )
    figure.add_scatter(
        y=names,
        x=[row["odds_ratio"] for row in ranked],
        mode="markers",
        marker={"color": colors, "size": 9},
        error_x=_interval(ranked, "odds_ratio", "odds_ratio_ci_low", "odds_ratio_ci_high"),
        customdata=[
            [row["odds_ratio_ci_low"], row["odds_ratio_ci_high"], row.get("q_value")] for row in ranked
        ],
        hovertemplate=(
            "%{y}: odds ratio %{x:.2f} [%{customdata[0]:.2f}, %{customdata[1]:.2f}], q = %{customdata[2]:.2g}"
            "<extra></extra>"
        ),
        showlegend=False,
        row=1,
        col=2,
    )
    figure.add_vline(x=1.0, line_dash="dot", line_color="#666", row=1, col=1)
    figure.add_vline(x=1.0, line_dash="dot", line_color="#666", row=1, col=2)
    figure.update_xaxes(type="log")
    figure.update_yaxes(automargin=True)
    _legend_swatches(figure)
    return _layout(figure, title, height=max(300, 26 * len(ranked) + 150))


def impact_figures(data: ReportData) -> list[Block]:
    """Per macro-conversion, two rankings: supporting micro-conversions (not steps of any funnel), and the
    funnels' own steps (which lead to the macro-conversion by construction)."""
    rows = data["impact"]
    step_names = shaping.funnel_step_names(data["funnel_steps"])
    figures: list[Block] = []
    for macro in _unique(row["macro_conversion"] for row in rows):
        # Lift and odds ratio are ratios: log axes keep 0.5 and 2 equally far from 1.
        ranked = [row for row in rows if row["macro_conversion"] == macro and (row["lift"] or 0) > 0]
        ranked.sort(key=lambda row: row["lift"])
        steps, others = shaping.split_impact(ranked, step_names)
        if others:
            figures.append(_impact_figure(others, f"What predicts “{macro}”: supporting micro-conversions"))
        if steps:
            figures.append(
                _impact_figure(steps, f"What predicts “{macro}”: funnel steps (on the path by construction)")
            )
    return figures


def impact_table(data: ReportData) -> list[Block]:
    rows = data["impact"]
    if not rows:
        return []
    step_names = shaping.funnel_step_names(data["funnel_steps"])
    shaped = [
        {**row, "group": "funnel step" if row["micro_conversion"] in step_names else "supporting"}
        for row in rows
    ]
    return [
        Table(
            (
                Column("macro_conversion", "macro-conversion"),
                Column("micro_conversion", "micro-conversion"),
                Column("group", "group"),
                Column("users_with", "users with it", "int"),
                Column("macro_rate_with", "converted, of users with", "pct"),
                Column("macro_rate_without", "converted, of users without", "pct"),
                Column("lift", "lift", "num", title="rate with / rate without"),
                Column("odds_ratio", "odds ratio", "num"),
                Column("odds_ratio_ci_low", "OR 95% low", "num"),
                Column("odds_ratio_ci_high", "OR 95% high", "num"),
                Column("p_value", "p", "p"),
                Column("q_value", "q (FDR)", "p", title="Benjamini-Hochberg adjusted p-value"),
            ),
            shaped,
            caption="Every micro-conversion against every macro-conversion (click a header to sort)",
        )
    ]


def value_figures(data: ReportData) -> list[Block]:
    """Per macro-conversion: what each micro-conversion is worth (probability difference times mean revenue),
    with its interval, beside the impact scores."""
    rows = data["micro_conversion_value"]
    figures: list[Block] = []
    for macro in _unique(row["macro_conversion"] for row in rows):
        ranked = [row for row in rows if row["macro_conversion"] == macro]
        colors = _significance_colors(ranked)
        currency = ranked[0]["currency"]
        figure = make_subplots(rows=1, cols=1)
        figure.add_scatter(
            y=[row["micro_conversion"] for row in ranked],
            x=[row["value"] for row in ranked],
            mode="markers",
            marker={"color": colors, "size": 9},
            error_x=_interval(ranked, "value", "value_ci_low", "value_ci_high"),
            customdata=[[row["value_ci_low"], row["value_ci_high"], row["sample_size"]] for row in ranked],
            hovertemplate=(
                f"%{{y}}: %{{x:,.2f}} {currency} per user [%{{customdata[0]:,.2f}}, "
                "%{customdata[1]:,.2f}]<br>%{customdata[2]:,} users<extra></extra>"
            ),
            showlegend=False,
        )
        figure.add_vline(x=0.0, line_dash="dot", line_color="#666")
        figure.update_xaxes(title=f"value per user ({currency}), 95% CI")
        figure.update_yaxes(automargin=True)
        _legend_swatches(figure)
        figures.append(
            _layout(
                figure,
                f"What a micro-conversion is worth in “{macro}” ({currency})",
                height=max(360, 26 * len(ranked) + 140),
            )
        )
    return figures


def _gap(high: float | None, low: float | None) -> float | None:
    return None if high is None or low is None else max(0.0, high - low)


def _interval(rows: list[dict[str, Any]], point: str, low: str, high: str) -> dict[str, Any]:
    """Asymmetric error bars from each row's point estimate to its interval bounds."""
    return {
        "type": "data",
        "color": "#444",
        "symmetric": False,
        "array": [_gap(row[high], row[point]) for row in rows],
        "arrayminus": [_gap(row[point], row[low]) for row in rows],
    }


def _legend_swatches(figure: go.Figure) -> None:
    """Legend entries explaining the colours (invisible points)."""
    for label, color in (
        ("significant (q < 0.05)", SIGNIFICANT),
        ("not significant", NOT_SIGNIFICANT),
        ("sample too small", SMALL_SAMPLE),
    ):
        figure.add_scatter(
            x=[None], y=[None], mode="markers", marker={"color": color, "size": 10}, name=label, row=1, col=1
        )


# --- Attribution ------------------------------------------------------------------------------------


def attribution_figures(data: ReportData) -> list[Block]:
    """Attributed conversions and revenue per channel under the eight attribution models, side by side."""
    rows = data["channel_attribution"]
    if not rows:
        return []
    currency = _currency(data)
    channels = _unique(row["channel"] for row in rows)
    figures: list[Block] = []
    for measure, label, tick, unit in (
        ("attributed_conversions", "conversions", ",.0f", "conversions"),
        ("attributed_revenue", f"revenue ({currency})", ",.0f", currency),
    ):
        figure = go.Figure()
        by_key = {(row["channel"], row["attribution_model"]): row[measure] for row in rows}
        for index, model in enumerate(ATTRIBUTION_MODELS):
            figure.add_bar(
                name=model,
                x=channels,
                y=[by_key.get((channel, model)) for channel in channels],
                marker={"color": PALETTE[index]},
                hovertemplate=f"{model}<br>%{{x}}: %{{y:{tick}}} {unit}<extra></extra>",
            )
        _layout(figure, f"Attributed {label} per channel, by model", barmode="group")
        figure.update_yaxes(title=f"attributed {label}", tickformat=tick)
        figures.append(figure)
    return figures


def campaign_attribution_figures(data: ReportData) -> list[Block]:
    rows = data["campaign_attribution"]
    if not rows:
        return []
    currency = _currency(data)
    by_key = {(row["utm_campaign"], row["attribution_model"]): row["attributed_conversions"] for row in rows}
    # Most credited first (by the mean over models).
    campaigns = sorted(
        _unique(row["utm_campaign"] for row in rows),
        key=lambda campaign: (
            -sum((row["attributed_conversions"] or 0) for row in rows if row["utm_campaign"] == campaign)
        ),
    )
    figure = go.Figure()
    for index, model in enumerate(_unique(row["attribution_model"] for row in rows)):
        figure.add_bar(
            name=model,
            y=campaigns,
            x=[by_key.get((campaign, model)) for campaign in campaigns],
            orientation="h",
            marker={"color": PALETTE[index % len(PALETTE)]},
            hovertemplate=f"{model}<br>%{{y}}: %{{x:,.1f}} conversions<extra></extra>",
        )
    figure.update_xaxes(title="attributed conversions")
    figure.update_yaxes(automargin=True, autorange="reversed")
    _layout(
        figure,
        "Attributed conversions per campaign, by model",
        height=max(380, 60 * len(campaigns) + 140),
        barmode="group",
    )
    table = Table(
        (
            Column("utm_campaign", "campaign"),
            Column("attribution_model", "model"),
            Column("attributed_conversions", "conversions", "num"),
            Column("attributed_revenue", "revenue", "money", "currency"),
        ),
        [{**row, "currency": currency} for row in rows],
        caption=f"Per campaign and model; revenue in {currency}",
    )
    return [figure, table]


def path_blocks(data: ReportData) -> list[Block]:
    paths, lengths = data["conversion_paths"], data["path_lengths"]
    if not paths:
        return []
    currency = _currency(data)
    figure = go.Figure(
        go.Bar(
            x=[row["path_length"] for row in lengths],
            y=[row["conversions"] for row in lengths],
            marker={"color": "#2ca02c"},
            hovertemplate="%{x} touchpoints: %{y:,} conversions<extra></extra>",
        )
    )
    figure.update_xaxes(title="touchpoints (sessions) on the path", dtick=1)
    figure.update_yaxes(title="conversions")
    _layout(figure, "Conversion path length", height=320)
    table = Table(
        (
            Column("path", "path (channels of the sessions, in order)"),
            Column("macro_conversion", "macro-conversion"),
            Column("conversions", "conversions", "int"),
            Column("revenue", "revenue", "money", "currency"),
            Column("mean_days_to_convert", "mean days to convert", "num"),
        ),
        [{**row, "currency": currency} for row in paths],
        caption=f"The 25 most frequent conversion paths (revenue in {currency})",
    )
    return [figure, table]


# --- Experiments ------------------------------------------------------------------------------------


def experiment_figures(data: ReportData) -> list[Block]:
    """Per experiment: an SRM verdict and the variants (users per arm), each variant's uplift per metric
    with its 95% interval (significance by q-value), and the full table."""
    rows = data["experiments"]
    blocks: list[Block] = []
    for experiment in _unique(row["experiment_id"] for row in rows):
        mine = [row for row in rows if row["experiment_id"] == experiment]
        variants = [row for row in mine if not row["is_control"]]
        if not variants:
            continue
        control = mine[0]["control_variant"] or next(
            (row["variant"] for row in mine if row["is_control"]), "control"
        )
        arms: dict[str, int] = {}
        for row in mine:
            arms[row["variant"]] = max(arms.get(row["variant"], 0), row["exposed_users"] or 0)
        srm = any(row["has_sample_ratio_mismatch"] for row in mine)
        srm_p = next((row["srm_p_value"] for row in mine if row["srm_p_value"] is not None), None)
        verdict = (
            f'<b class="bad">sample ratio mismatch (p = {srm_p:.2g}): do not trust the results</b>'
            if srm
            else f'<b class="good">no sample ratio mismatch</b> (p = {srm_p:.2g})'
            if srm_p is not None
            else "sample ratio not tested"
        )
        arm_text = ", ".join(
            f"<b>{html.escape(str(variant))}</b>"
            f"{' (control)' if variant == control and variant != 'control' else ''}: {users:,} users"
            for variant, users in arms.items()
        )
        significant = sum(1 for row in variants if row["is_significant"])
        blocks.append(
            Html(
                f'<h3>{html.escape(str(experiment))}</h3><p class="verdict">{verdict}. Variants: {arm_text}. '
                f"{significant} of {len(variants)} metric comparisons significant at q &lt; 0.05.</p>"
            )
        )
        figure = go.Figure()
        for index, variant in enumerate(_unique(row["variant"] for row in variants)):
            # In percentage points (x 100), the most significant at the top.
            series = [
                {
                    **row,
                    "uplift_pp": row["uplift_vs_control"] * 100,
                    "ci_low_pp": None if row["ci_low"] is None else row["ci_low"] * 100,
                    "ci_high_pp": None if row["ci_high"] is None else row["ci_high"] * 100,
                }
                for row in variants
                if row["variant"] == variant and row["uplift_vs_control"] is not None
            ]
            series.sort(
                key=lambda row: (
                    -(row["q_value"] if row["q_value"] is not None else 1),
                    -(row["p_value"] if row["p_value"] is not None else 1),
                )
            )
            figure.add_scatter(
                name=f"{variant} vs {control}",
                mode="markers",
                y=[row["metric"] for row in series],
                x=[row["uplift_pp"] for row in series],
                marker={
                    "size": 10,
                    "symbol": ("circle", "diamond", "square")[index % 3],
                    "color": [SIGNIFICANT if row["is_significant"] else NOT_SIGNIFICANT for row in series],
                    "line": {"width": 1, "color": "#222"},
                },
                error_x=_interval(series, "uplift_pp", "ci_low_pp", "ci_high_pp"),
                customdata=[
                    [
                        row["ci_low_pp"],
                        row["ci_high_pp"],
                        row["p_value"],
                        row["conversion_rate"],
                        row["exposed_users"],
                        row["q_value"],
                        row["control_conversion_rate"],
                    ]
                    for row in series
                ],
                hovertemplate=(
                    f"{variant} vs {control} · %{{y}}<br>uplift %{{x:+.2f}} pp "
                    "[%{customdata[0]:+.2f}, %{customdata[1]:+.2f}]<br>"
                    f"{variant}: %{{customdata[3]:.2%}} of %{{customdata[4]:,}} exposed users; "
                    f"{control}: %{{customdata[6]:.2%}}<br>p = %{{customdata[2]:.2g}}, q = "
                    f"%{{customdata[5]:.2g}}"
                    "<extra></extra>"
                ),
            )
        figure.add_vline(x=0.0, line_dash="dot", line_color="#666")
        metrics = len({row["metric"] for row in variants})
        _layout(
            figure,
            f"“{experiment}”: {', '.join(str(v) for v in _unique(row['variant'] for row in variants))} "
            f"vs {control}, per metric (95% CI; blue = significant at q < 0.05)",
            height=max(320, 22 * metrics + 170),
        )
        figure.update_xaxes(
            tickformat="+.1f",
            ticksuffix=" pp",
            title=f"variant's conversion rate minus {control}'s "
            "(percentage points; rates are of exposed users)",
        )
        figure.update_yaxes(automargin=True)
        blocks.append(figure)
        shaped = sorted(
            variants, key=lambda row: (row["q_value"] if row["q_value"] is not None else 2, row["metric"])
        )
        blocks.append(
            Table(
                (
                    Column("metric", "metric"),
                    Column("variant", "variant"),
                    Column("exposed_users", "variant users", "int"),
                    Column("conversion_rate", "variant rate", "pct", title="converted / exposed users"),
                    Column("control_conversion_rate", f"{control} rate", "pct"),
                    Column("uplift_vs_control", "uplift", "signed_pct", title="variant rate - control rate"),
                    Column("ci_low", "95% low", "signed_pct"),
                    Column("ci_high", "95% high", "signed_pct"),
                    Column("relative_uplift_vs_control", "relative uplift", "pct"),
                    Column("p_value", "p", "p"),
                    Column(
                        "q_value", "q (FDR)", "p", title="Benjamini-Hochberg over every metric and variant"
                    ),
                ),
                shaped,
                caption=f"“{experiment}”: rates are converted users / exposed users of the arm",
            )
        )
    return blocks


# --- Cohorts ----------------------------------------------------------------------------------------


def cohort_figures(data: ReportData) -> list[Block]:
    """A heatmap per micro-conversion (a drop-down picks it): cohort week x weeks since, the cumulative
    share of the cohort's users that converted; only fully observed weeks."""
    days = data["latest_day"][0] if data["latest_day"] else {}
    rows = shaping.complete_cohort_rows(
        data["cohorts"], days.get("latest_session_date"), days.get("first_session_date")
    )
    if not rows:
        return []
    names = sorted(_unique(row["micro_conversion"] for row in rows))
    preferred = "add_to_cart" if "add_to_cart" in names else names[0]
    figure = go.Figure()
    for name in names:
        mine = [row for row in rows if row["micro_conversion"] == name]
        weeks = sorted({row["cohort_week"] for row in mine})
        since = sorted({row["weeks_since_cohort"] for row in mine})
        cells = {(row["cohort_week"], row["weeks_since_cohort"]): row for row in mine}
        sizes = {row["cohort_week"]: row["cohort_users"] for row in mine}
        z = [
            [(cells.get((week, w)) or {}).get("cumulative_conversion_rate") for w in since] for week in weeks
        ]
        custom = [
            [
                [
                    (cells.get((week, w)) or {}).get("converted_users"),
                    (cells.get((week, w)) or {}).get("cohort_users"),
                ]
                for w in since
            ]
            for week in weeks
        ]
        figure.add_heatmap(
            x=[f"week {w}" for w in since],
            y=[f"{week:%Y-%m-%d} ({sizes.get(week, 0):,} users)" for week in weeks],
            z=z,
            customdata=custom,
            colorscale="Blues",
            zmin=0,
            texttemplate="%{z:.0%}",
            colorbar={"title": "converted", "tickformat": ".0%"},
            hovertemplate=(
                f"{name}, cohort of %{{y}}<br>by the end of %{{x}}: %{{z:.1%}} of the cohort's users had a "
                "macro-conversion<br>(%{customdata[0]:,} of %{customdata[1]:,})<extra></extra>"
            ),
            visible=name == preferred,
            name=name,
        )
    buttons = [
        {
            "label": name,
            "method": "update",
            "args": [
                {"visible": [other == name for other in names]},
                {
                    "title.text": f"Cohorts of “{name}”: share of users converted by week "
                    "(complete weeks only)"
                },
            ],
        }
        for name in names
    ]
    _layout(
        figure,
        f"Cohorts of “{preferred}”: share of users converted by week (complete weeks only)",
        height=520,
        updatemenus=[
            {
                "buttons": buttons,
                "x": 0.0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
                "active": names.index(preferred),
            }
        ],
    )
    figure.update_yaxes(title="cohort week (first occurrence)", autorange="reversed", type="category")
    figure.update_xaxes(title="weeks since the cohort week started")
    figure.update_layout(margin={"t": 110})
    return [figure]


# --- Journeys and abandonment -----------------------------------------------------------------------


def journey_figures(data: ReportData) -> list[Block]:
    stages = data["journey_stages"]
    if not stages or not stages[0]["users"]:
        return []
    totals = stages[0]
    figure = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("users reaching each stage", "furthest stage reached"),
        horizontal_spacing=0.15,
    )
    figure.add_bar(
        x=list(JOURNEY_STAGES),
        y=[totals[stage] for stage in JOURNEY_STAGES],
        text=[f"{totals[stage] / totals['users']:.0%} of users" for stage in JOURNEY_STAGES],
        textposition="outside",
        cliponaxis=False,
        marker={"color": "#1f77b4"},
        customdata=[totals["users"]] * len(JOURNEY_STAGES),
        hovertemplate="%{x}: %{y:,} users reached it (%{text} of all %{customdata:,} users)<extra></extra>",
        showlegend=False,
        row=1,
        col=1,
    )
    furthest = data["journey_furthest"]
    figure.add_bar(
        x=[row["stage"] for row in furthest],
        y=[row["users"] for row in furthest],
        text=[f"{row['users'] / totals['users']:.0%}" for row in furthest],
        textposition="outside",
        cliponaxis=False,
        marker={"color": "#8c6bb1"},
        hovertemplate="%{x} is the furthest stage of %{y:,} users (%{text} of all users)<extra></extra>",
        showlegend=False,
        row=1,
        col=2,
    )
    figure.update_yaxes(title="users", rangemode="tozero")
    top = max(totals[stage] for stage in JOURNEY_STAGES)
    figure.update_yaxes(range=[0, top * 1.15], row=1, col=1)
    figure.update_yaxes(range=[0, max(row["users"] for row in furthest) * 1.15], row=1, col=2)
    return [_layout(figure, f"Journey stages of all {totals['users']:,} users", height=380)]


def abandonment_figures(data: ReportData) -> list[Block]:
    rows = data["cart_abandonment"]
    if not rows:
        return []
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    days = [row["date_day"] for row in rows]
    figure.add_bar(
        name="carts (users with an add_to_cart that day)",
        x=days,
        y=[row["carts"] for row in rows],
        marker={"color": "#dfe6ee"},
        hovertemplate="%{x|%a %Y-%m-%d}: %{y:,} carts<extra></extra>",
    )
    for column, label, color in (
        ("abandonment_rate", "cart abandonment: carts without a purchase / carts", DROP),
        ("checkout_abandonment_rate", "carts without a checkout / carts", SPIKE),
    ):
        figure.add_scatter(
            name=label,
            x=days,
            y=[row[column] for row in rows],
            mode="lines",
            line={"color": color},
            customdata=[[row["carts"], row["checkouts"], row["purchases"]] for row in rows],
            hovertemplate=(
                f"%{{x|%a %Y-%m-%d}}: %{{y:.1%}} ({label})<br>%{{customdata[0]:,}} carts, "
                "%{customdata[1]:,} checked out, %{customdata[2]:,} purchased<extra></extra>"
            ),
            secondary_y=True,
        )
    figure.update_yaxes(title="carts", secondary_y=False)
    # Own ticks (not synced to the carts' gridlines, which gave 21%, 41%, 62%...).
    figure.update_yaxes(
        title="share of the day's carts",
        tickformat=".0%",
        range=[0, 1],
        tickmode="auto",
        showgrid=False,
        secondary_y=True,
    )

    _layout(figure, "Cart and checkout abandonment per day (by the day of the cart)", height=420)
    # The share axis stays 0-100% when the period filter zooms (dashboard.js reads meta.fixed_y).
    figure.update_layout(meta={"fixed_y": ["yaxis2"]}, legend={"y": -0.28})
    return [figure]


# --- Marketing --------------------------------------------------------------------------------------


def spend_figures(data: ReportData) -> list[Block]:
    """Per currency: cost against attributed revenue per campaign (last non-direct click), ROAS and CPA per
    campaign by model; and the channel table."""
    rows = data["campaign_spend"]
    if not rows:
        return []
    blocks: list[Block] = []
    for currency in _unique(row["currency"] for row in rows):
        mine = [row for row in rows if row["currency"] == currency]
        campaigns = _unique(row["utm_campaign"] for row in mine)
        chosen = {row["utm_campaign"]: row for row in mine if row["attribution_model"] == "last_non_direct"}
        money = go.Figure()
        for index, (measure, label) in enumerate(
            (("cost", "cost"), ("attributed_revenue", "attributed revenue"))
        ):
            money.add_bar(
                name=f"{label} ({currency})",
                x=campaigns,
                y=[chosen.get(campaign, {}).get(measure) for campaign in campaigns],
                marker={"color": ("#d62728", "#2ca02c")[index]},
                hovertemplate=f"%{{x}}: %{{y:,.2f}} {currency} {label}<extra></extra>",
            )
        _layout(
            money,
            f"Cost and attributed revenue per campaign, {currency} (last non-direct click)",
            barmode="group",
        )
        money.update_yaxes(title=currency)
        blocks.append(money)
        ratios = make_subplots(
            rows=2,
            cols=1,
            vertical_spacing=0.14,
            subplot_titles=(
                "ROAS: attributed revenue / cost",
                f"CPA: cost / attributed conversion ({currency})",
            ),
        )
        for index, model in enumerate(_unique(row["attribution_model"] for row in mine)):
            by_campaign = {row["utm_campaign"]: row for row in mine if row["attribution_model"] == model}
            for column, measure, unit in ((1, "roas", "x cost"), (2, "cpa", currency)):
                ratios.add_bar(
                    name=model,
                    legendgroup=model,
                    showlegend=column == 1,
                    x=campaigns,
                    y=[by_campaign.get(campaign, {}).get(measure) for campaign in campaigns],
                    marker={"color": PALETTE[index % len(PALETTE)]},
                    hovertemplate=f"{model}<br>%{{x}}: {measure.upper()} %{{y:,.2f}} {unit}<extra></extra>",
                    row=column,
                    col=1,
                )
        _layout(
            ratios,
            f"ROAS and CPA per campaign by attribution model ({currency})",
            barmode="group",
            height=640,
        )
        blocks.append(ratios)
    channel_rows = data["channel_spend"]
    if channel_rows:
        blocks.append(
            Table(
                (
                    Column("channel", "channel"),
                    Column("attribution_model", "model"),
                    Column("cost", "cost", "money", "currency"),
                    Column("attributed_revenue", "attributed revenue", "money", "currency"),
                    Column("attributed_conversions", "attributed conversions", "num"),
                    Column("roas", "ROAS", "num", title="attributed revenue / cost"),
                    Column("cpa", "CPA", "money", "currency", "cost / attributed conversions"),
                ),
                channel_rows,
                caption="Paid channels under each model (channels with spend only)",
            )
        )
    return blocks


def audience_figures(data: ReportData) -> list[Block]:
    """Members of each audience per day."""
    rows = data["audience_sizes"]
    if not rows:
        return []
    figure = go.Figure()
    for index, audience in enumerate(_unique(row["audience"] for row in rows)):
        mine = [row for row in rows if row["audience"] == audience]
        figure.add_scatter(
            name=audience,
            x=[row["date_day"] for row in mine],
            y=[row["members"] for row in mine],
            mode="lines",
            line={"color": PALETTE[index % len(PALETTE)]},
            hovertemplate=f"{audience}<br>%{{x|%a %Y-%m-%d}}: %{{y:,}} members<extra></extra>",
        )
    _layout(figure, "Audience members per day")
    figure.update_yaxes(title="members")
    return [figure]


def engagement_figures(data: ReportData) -> list[Block]:
    """Most viewed pages (views, engaged views), form abandonment, scroll and video depth, landing pages."""
    figures: list[Block] = []
    pages = data["pages"]
    if pages:
        figure = go.Figure()
        paths = [row["page_path"] for row in pages][::-1]
        for measure, label, color in (
            ("views", "views", "#9ec5e8"),
            ("engaged_views", "views in engaged sessions", "#1f77b4"),
        ):
            figure.add_bar(
                name=label,
                y=paths,
                x=[row[measure] for row in pages][::-1],
                orientation="h",
                marker={"color": color},
                hovertemplate=f"%{{y}}: %{{x:,}} {label}<extra></extra>",
            )
        figure.update_yaxes(automargin=True)
        figures.append(
            _layout(
                figure, "Most viewed pages: views and views in engaged sessions", barmode="group", height=560
            )
        )
    forms = data["forms"]
    if forms:
        figure = go.Figure()
        figure.add_bar(
            x=[row["form_id"] for row in forms],
            y=[row["abandonment_rate"] for row in forms],
            text=[f"{row['abandonment_rate']:.0%}" for row in forms],
            textposition="outside",
            customdata=[[row["starts"], row["completed_starts"]] for row in forms],
            hovertemplate=(
                "%{x}: %{y:.0%} of form starts never submitted<br>%{customdata[0]:,} starts, "
                "%{customdata[1]:,} submitted<extra></extra>"
            ),
            showlegend=False,
        )
        figure.update_yaxes(title="starts without a submit / starts", tickformat=".0%", range=[0, 1.1])
        figures.append(_layout(figure, "Form abandonment: share of form starts never submitted", height=360))
    depths = data["depths"]
    if depths:
        figure = go.Figure()
        steps = (25, 50, 75, 90, 100)
        for row in depths:
            figure.add_scatter(
                name=row["element_type"],
                x=[f"{step}%" for step in steps],
                y=[
                    (row[f"reached_{step}"] or 0) / row["sessions"] if row["sessions"] else None
                    for step in steps
                ],
                mode="lines+markers",
                hovertemplate=(
                    f"{row['element_type']}: %{{y:.0%}} of sessions with it reach %{{x}}<extra></extra>"
                ),
            )
        figure.update_yaxes(title="sessions reaching the depth / sessions with the element", tickformat=".0%")
        figures.append(
            _layout(figure, "How far people scroll and watch (a view is not engagement)", height=360)
        )
    landing = data["landing_pages"]
    if landing:
        figures.append(
            Table(
                (
                    Column("landing_page_path", "landing page"),
                    Column("sessions", "sessions", "int"),
                    Column("engagement_rate", "engaged, of sessions", "pct"),
                    Column("session_conversion_rate", "converting, of sessions", "pct"),
                    Column("macro_conversions", "macro-conversions", "int"),
                ),
                landing,
                caption="The 20 landing pages with most sessions (the first page of a session)",
            )
        )
    return figures


# --- Data quality -----------------------------------------------------------------------------------


def quality_figures(data: ReportData) -> list[Block]:
    """Quarantined rows by reason, and the daily accounting of raw rows with late rows."""
    figures: list[Block] = []
    reasons = data["quarantine_reasons"]
    if reasons:
        figure = go.Figure(
            go.Bar(
                y=[row["rejection_reason"] for row in reasons][::-1],
                x=[row["rows"] for row in reasons][::-1],
                orientation="h",
                marker={"color": DROP},
                hovertemplate="%{y}: %{x:,} rows<extra></extra>",
            )
        )
        figure.update_yaxes(automargin=True)
        figure.update_xaxes(title="quarantined rows")
        figures.append(
            _layout(figure, "Quarantined rows by reason", height=max(300, 26 * len(reasons) + 120))
        )
    daily = data["quality_daily"]
    if daily:
        days = [row["event_date"] for row in daily]
        figure = go.Figure()
        for column, label, color in (
            ("clean_rows", "clean", "#2ca02c"),
            ("quarantined_rows", "quarantined", DROP),
            ("duplicate_rows", "duplicates", "#9467bd"),
        ):
            figure.add_bar(
                name=label,
                x=days,
                y=[row[column] for row in daily],
                marker={"color": color},
                hovertemplate=f"%{{x|%Y-%m-%d}}: %{{y:,}} {label} rows<extra></extra>",
            )
        figure.add_scatter(
            name="late rows (loaded after their day)",
            mode="lines+markers",
            x=days,
            y=[row["late_rows"] for row in daily],
            line={"color": "#111"},
            hovertemplate="%{x|%Y-%m-%d}: %{y:,} late rows<extra></extra>",
        )
        _layout(figure, "Raw rows per event day: clean, quarantined, duplicates, and late", barmode="stack")
        figures.append(figure)
    return figures


TEST_STATUSES = (("warned", "warn", SPIKE), ("failed", "fail", DROP), ("errored", "error", "#7f7f7f"))
PROBLEM_COLUMNS = (
    Column("test_name", "test"),
    Column("model_name", "model"),
    Column("column_name", "column"),
    Column("current_status", "status"),
    Column("previous_status", "previous"),
    Column("current_failures", "failing rows", "int"),
    Column("runs", "runs", "int"),
    Column("flakiness_rate", "flakiness", "pct", title="status changes over the last runs / (runs - 1)"),
)


def data_test_figures(data: ReportData) -> list[Block]:
    """Warned, failed and errored dbt data tests per dbt invocation, and a table of the tests failing
    now or flipping between statuses."""
    figures: list[Block] = []
    runs = data["data_test_runs"]
    if runs:
        labels = [f"{row['run_started_at']:%Y-%m-%d %H:%M:%S}" for row in runs]
        figure = go.Figure()
        for column, status, color in TEST_STATUSES:
            figure.add_bar(
                name=status,
                x=labels,
                y=[row[column] for row in runs],
                marker={"color": color},
                hovertemplate=f"%{{x}}: %{{y}} tests {status}<extra></extra>",
            )
        figure.add_scatter(
            name="tests run",
            mode="lines+markers",
            x=labels,
            y=[row["tests"] for row in runs],
            yaxis="y2",
            line={"color": "#111"},
            hovertemplate="%{x}: %{y} tests run<extra></extra>",
        )
        _layout(
            figure,
            "dbt data tests that warned, failed or errored, per dbt run",
            barmode="stack",
            xaxis={"type": "category", "title": "dbt run started (UTC)"},
            yaxis={"title": "tests", "rangemode": "tozero"},
            yaxis2={"title": "tests run", "overlaying": "y", "side": "right", "rangemode": "tozero"},
        )
        figures.append(figure)
    problems = data["data_test_problems"]
    if problems:
        figures.append(Table(PROBLEM_COLUMNS, problems, caption="Tests failing or warning now, or flaky"))
    return figures


# --- Pages ------------------------------------------------------------------------------------------


@dataclass
class Section:
    key: str
    title: str
    intro: str
    build: Callable[[ReportData], list[Block]]
    blocks: list[Block] = field(default_factory=list)


PAGES: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("funnels", "Funnels"),
    ("micro", "Micro-conversions"),
    ("impact", "What predicts purchase"),
    ("attribution", "Attribution"),
    ("experiments", "Experiments"),
    ("cohorts", "Cohorts"),
    ("journeys", "Journeys & abandonment"),
    ("marketing", "Marketing"),
    ("quality", "Data quality"),
)


def sections(anomaly_caption: str) -> dict[str, list[Section]]:
    """Each page's sections, in order (the anomaly caption says which baseline the detector used)."""
    return {
        "overview": [
            Section(
                "kpis",
                "Key numbers",
                "Totals over the chosen period against the period of equal length just before it. Conversion "
                "rates are converting sessions / sessions; revenue is shown per currency as sent.",
                overview_blocks,
            ),
            Section(
                "revenue",
                "Revenue by currency",
                "Amounts are added up within a currency only; the table adds the amount converted to the "
                "reporting currency.",
                revenue_blocks,
            ),
        ],
        "funnels": [
            Section(
                "funnel_steps",
                "Funnels",
                "Users reaching each step in order within the funnel's window. Each bar says the "
                "share of the "
                "previous step's users and of step 1's users; the right panel is the median time from the "
                "previous step. Below each funnel: the share of step 1's users completing it, by channel and "
                "device.",
                funnel_figures,
            ),
            Section(
                "funnel_trend",
                "Funnel completion over time",
                "For each day, users who entered step 1 that day and completed the funnel / users "
                "who entered "
                "step 1 that day. The newest days are still open (their users have time left).",
                funnel_trend_figures,
            ),
        ],
        "micro": [
            Section("trends", "Micro-conversion trends", anomaly_caption, trend_figures),
            Section(
                "movers",
                "Top movers",
                "Micro-conversions whose occurrences changed most against the previous period of "
                "equal length "
                "(follows the period, channel and device filters).",
                mover_blocks,
            ),
            Section(
                "anomalies",
                "Flagged days",
                "Every day the detector marked, with the baseline it was compared with (see the trends' "
                "note).",
                anomaly_table,
            ),
        ],
        "impact": [
            Section(
                "impact_ranking",
                "Which micro-conversions predict conversion",
                "Users who completed a micro-conversion against those who did not: lift = macro-conversion "
                "rate of users with it / rate of users without it; odds ratio with its 95% "
                "interval; q is the "
                "Benjamini-Hochberg adjusted p-value (false discovery rate). Funnel steps are ranked apart: "
                "they are on the way to the purchase by construction.",
                impact_figures,
            ),
            Section(
                "value",
                "What a micro-conversion is worth",
                "The difference it makes to the conversion probability times the mean order value, per user, "
                "with its 95% interval, in the reporting currency.",
                value_figures,
            ),
            Section("impact_table", "All impact scores", "Click a header to sort.", impact_table),
        ],
        "attribution": [
            Section(
                "attribution_models",
                "Attribution models compared",
                "Conversions and revenue credited to each channel by the six rule-based models and the two "
                "data-driven ones (Markov removal effect, Shapley).",
                attribution_figures,
            ),
            Section(
                "campaigns",
                "Campaigns",
                "Conversions credited to each campaign (utm_campaign; (none) for untagged sessions).",
                campaign_attribution_figures,
            ),
            Section(
                "paths",
                "Conversion paths",
                "The channels of the sessions before each conversion, in order (after the path transform).",
                path_blocks,
            ),
        ],
        "experiments": [
            Section(
                "experiment_results",
                "Experiments",
                "Per experiment: the sample-ratio check, users per variant, and each variant's "
                "conversion rate "
                "minus control's per metric (converted users / exposed users) with its 95% interval; a "
                "comparison is significant when its q-value (Benjamini-Hochberg over every metric "
                "and variant of "
                "the experiment) is below 0.05.",
                experiment_figures,
            ),
        ],
        "cohorts": [
            Section(
                "cohort_heatmap",
                "Cohorts",
                "Users grouped by the week of their first occurrence of a micro-conversion (pick it in the "
                "menu); each cell is the share of the cohort's users with a macro-conversion by "
                "the end of that "
                "week. Only fully observed weeks are shown.",
                cohort_figures,
            ),
        ],
        "journeys": [
            Section(
                "journey_stages",
                "Journey stages",
                "Each user's furthest stage (awareness → consideration → decision → retention) from the "
                "journey_stage of the micro-conversions they completed; percentages are of all users.",
                journey_figures,
            ),
            Section(
                "abandonment",
                "Cart and checkout abandonment",
                "Each day's carts (users with an add_to_cart that day) and the share of them that "
                "no purchase "
                "(or no checkout) completed within the window.",
                abandonment_figures,
            ),
        ],
        "marketing": [
            Section(
                "spend",
                "Ad spend, ROAS and CPA",
                "What each campaign cost against the revenue the attribution models credit to its "
                "sessions, per "
                "currency; campaigns whose clicks carry no tags show cost without revenue.",
                spend_figures,
            ),
            Section(
                "audiences",
                "Audiences",
                "Users in each remarketing audience on each day (audience_definitions).",
                audience_figures,
            ),
            Section(
                "engagement",
                "Pages, forms and depth",
                "The most viewed pages with their views in engaged sessions, the share of form starts never "
                "submitted, how far sessions scroll and watch videos, and landing pages.",
                engagement_figures,
            ),
        ],
        "quality": [
            Section(
                "quarantine",
                "Data quality",
                "Every raw row is clean, quarantined with a reason, or a counted duplicate; late "
                "rows arrived "
                "after their event day and were reprocessed.",
                quality_figures,
            ),
            Section(
                "data_tests",
                "Data tests over time",
                "Every dbt run stores each data test's result (marts.data_test_results); bars "
                "count the tests "
                "that warned, failed or errored in each run. The table lists tests failing now "
                "and flaky ones.",
                data_test_figures,
            ),
        ],
    }


def build_pages(data: ReportData, anomaly_caption: str) -> list[tuple[str, str, list[Section]]]:
    """[(page key, page title, its sections with their blocks built)]."""
    built = sections(anomaly_caption)
    pages = []
    for key, title in PAGES:
        for section in built[key]:
            section.blocks = section.build(data)
        pages.append((key, title, built[key]))
    return pages
