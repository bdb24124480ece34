"""Plotly figures, one list per report section; an empty list means the marts had no rows for it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import plotly.colors
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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
# Devices get their own colours so that they never look like a channel of the neighbouring chart.
BREAKDOWN_COLORS = {
    "channel": plotly.colors.qualitative.Plotly,
    "device_category": ("#2f4b7c", "#a05195", "#ffa600", "#665191", "#f95d6a"),
}
SIGNIFICANT, NOT_SIGNIFICANT, SMALL_SAMPLE = "#1f77b4", "#aab4c3", "#e0a526"
DROP, SPIKE = "#d62728", "#ff7f0e"


def _layout(figure: go.Figure, title: str, height: int = 420, **extra: Any) -> go.Figure:
    figure.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 50},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.18},
        **extra,
    )
    return figure


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def funnel_figures(data: ReportData) -> list[go.Figure]:
    """One figure per funnel: users per step with step conversion and drop-off, then conversion from the
    first step broken down by channel and by device."""
    rows = data["funnel_steps"]
    figures: list[go.Figure] = []
    for funnel in _unique(row["funnel"] for row in rows):
        steps = [row for row in rows if row["funnel"] == funnel and row["breakdown_dimension"] == "all"]
        figure = make_subplots(
            rows=1,
            cols=1 + len(BREAKDOWNS),
            column_widths=[0.4, 0.35, 0.25],
            horizontal_spacing=0.08,
            subplot_titles=(
                "users per step",
                *(f"share of step 1, by {label}" for label in BREAKDOWNS.values()),
            ),
        )
        figure.add_trace(
            go.Funnel(
                y=[f"{row['step_number']}. {row['step_name']}" for row in steps],
                x=[row["users"] for row in steps],
                customdata=[
                    [
                        row["conversion_rate_from_previous"],
                        row["conversion_rate_from_start"],
                        row["drop_off_users"],
                    ]
                    for row in steps
                ],
                texttemplate="%{x:,} (%{customdata[0]:.0%})",
                textposition="auto",
                hovertemplate=(
                    "%{y}<br>%{x:,} users<br>%{customdata[0]:.1%} of the previous step"
                    "<br>%{customdata[1]:.1%} of step 1<br>dropped off: %{customdata[2]:,}<extra></extra>"
                ),
                marker={"color": "#1f77b4"},
                connector={"line": {"color": "#aab4c3"}},
                showlegend=False,
            ),
            row=1,
            col=1,
        )
        # Drop-off between steps, written next to each step.
        for row in steps[1:]:
            figure.add_annotation(
                x=1.0,
                xref="x domain",
                y=f"{row['step_number']}. {row['step_name']}",
                yref="y",
                text=f"\u2212{row['drop_off_users']:,} dropped",
                showarrow=False,
                xanchor="left",
                font={"color": DROP, "size": 11},
            )
        for column, dimension in enumerate(BREAKDOWNS, start=2):
            broken = [
                row for row in rows if row["funnel"] == funnel and row["breakdown_dimension"] == dimension
            ]
            palette = BREAKDOWN_COLORS[dimension]
            for index, value in enumerate(_unique(row["breakdown_value"] for row in broken)):
                series = [row for row in broken if row["breakdown_value"] == value]
                figure.add_bar(
                    name=str(value),
                    marker_color=palette[index % len(palette)],
                    legendgroup=dimension,
                    legendgrouptitle_text=BREAKDOWNS[dimension],
                    x=[row["step_name"] for row in series],
                    y=[row["conversion_rate_from_start"] for row in series],
                    customdata=[row["users"] for row in series],
                    hovertemplate=(
                        f"{value}<br>%{{x}}: %{{y:.1%}} of step 1 (%{{customdata:,}} users)<extra></extra>"
                    ),
                    row=1,
                    col=column,
                )
            figure.update_yaxes(tickformat=".0%", row=1, col=column)
        _layout(figure, f"Funnel “{funnel}”", height=460, barmode="group")
        figure.update_layout(legend={"orientation": "v", "y": 1.0, "x": 1.02, "groupclick": "toggleitem"})
        figures.append(figure)
    return figures


def trend_figures(data: ReportData) -> list[go.Figure]:
    """Daily occurrences per micro-conversion with the anomaly detector's drops and spikes marked."""
    daily, anomalies = data["micro_conversion_daily"], data["anomalies"]
    if not daily:
        return []
    figure = go.Figure()
    for name in _unique(row["micro_conversion"] for row in daily):
        series = [row for row in daily if row["micro_conversion"] == name]
        figure.add_scatter(
            name=name,
            mode="lines",
            x=[row["date_day"] for row in series],
            y=[row["occurrences"] for row in series],
            hovertemplate=f"{name}<br>%{{x|%Y-%m-%d}}: %{{y:,}}<extra></extra>",
        )
    for direction, color in (("drop", DROP), ("spike", SPIKE)):
        marked = [row for row in anomalies if row["direction"] == direction]
        if not marked:
            continue
        figure.add_scatter(
            name=f"anomaly: {direction}",
            mode="markers",
            x=[row["date_day"] for row in marked],
            y=[row["occurrences"] for row in marked],
            marker={"color": color, "size": 13, "symbol": "x", "line": {"width": 1, "color": "#222"}},
            customdata=[[row["micro_conversion"], row["baseline_mean"], row["z_score"]] for row in marked],
            hovertemplate=(
                "%{customdata[0]} on %{x|%Y-%m-%d}: %{y:,}<br>baseline %{customdata[1]:,.1f}, "
                f"z = %{{customdata[2]:.1f}} ({direction})<extra></extra>"
            ),
        )
    _layout(figure, "Micro-conversions per day (anomalies marked)", height=520)
    figure.update_yaxes(title="occurrences")
    return [figure]


def _significance_colors(rows: list[dict[str, Any]]) -> list[str]:
    """A marker colour per row: small sample, else significant, else not significant."""
    return [
        SMALL_SAMPLE if row["is_small_sample"] else SIGNIFICANT if row["is_significant"] else NOT_SIGNIFICANT
        for row in rows
    ]


def impact_figures(data: ReportData) -> list[go.Figure]:
    """Per macro-conversion: micro-conversions ranked by lift, and odds ratios with 95% intervals."""
    rows = data["impact"]
    figures: list[go.Figure] = []
    for macro in _unique(row["macro_conversion"] for row in rows):
        # Lift and odds ratio are ratios: log axes keep 0.5 and 2 equally far from 1.
        ranked = [row for row in rows if row["macro_conversion"] == macro and (row["lift"] or 0) > 0]
        ranked.sort(key=lambda row: row["lift"])
        if not ranked:
            continue
        colors = _significance_colors(ranked)
        names = [row["micro_conversion"] for row in ranked]
        hover = [
            [
                row["macro_rate_with"],
                row["macro_rate_without"],
                row["p_value"],
                row["users_with"],
                row.get("q_value"),
            ]
            for row in ranked
        ]
        figure = make_subplots(
            rows=1,
            cols=2,
            shared_yaxes=True,
            subplot_titles=("lift (log scale)", "odds ratio, 95% CI (log scale)"),
        )
        figure.add_bar(
            y=names,
            x=[row["lift"] for row in ranked],
            orientation="h",
            marker={"color": colors},
            customdata=hover,
            hovertemplate=(
                "%{y}: lift %{x:.2f}<br>rate with %{customdata[0]:.2%}, without %{customdata[1]:.2%}"
                "<br>p = %{customdata[2]:.2g}, q = %{customdata[4]:.2g} (false discovery rate), "
                "%{customdata[3]:,} users with it<extra></extra>"
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
            customdata=[[row["odds_ratio_ci_low"], row["odds_ratio_ci_high"]] for row in ranked],
            hovertemplate=(
                "%{y}: odds ratio %{x:.2f} [%{customdata[0]:.2f}, %{customdata[1]:.2f}]<extra></extra>"
            ),
            showlegend=False,
            row=1,
            col=2,
        )
        figure.add_vline(x=1.0, line_dash="dot", line_color="#666", row=1, col=1)
        figure.add_vline(x=1.0, line_dash="dot", line_color="#666", row=1, col=2)
        figure.update_xaxes(type="log")
        _legend_swatches(figure)
        figures.append(
            _layout(
                figure,
                f"What predicts “{macro}”: lift and odds ratio",
                height=max(360, 28 * len(ranked) + 140),
            )
        )
    return figures


def value_figures(data: ReportData) -> list[go.Figure]:
    """Per macro-conversion: what each micro-conversion is worth (probability difference times mean revenue),
    with its interval, beside the impact scores."""
    rows = data["micro_conversion_value"]
    figures = []
    for macro in _unique(row["macro_conversion"] for row in rows):
        ranked = [row for row in rows if row["macro_conversion"] == macro]
        colors = _significance_colors(ranked)
        figure = make_subplots(rows=1, cols=1)
        figure.add_scatter(
            y=[row["micro_conversion"] for row in ranked],
            x=[row["value"] for row in ranked],
            mode="markers",
            marker={"color": colors, "size": 9},
            error_x=_interval(ranked, "value", "value_ci_low", "value_ci_high"),
            customdata=[[row["value_ci_low"], row["value_ci_high"], row["sample_size"]] for row in ranked],
            hovertemplate=(
                f"%{{y}}: %{{x:,.2f}} {ranked[0]['currency']} per user [%{{customdata[0]:,.2f}}, "
                "%{customdata[1]:,.2f}]<br>%{customdata[2]:,} users<extra></extra>"
            ),
            showlegend=False,
        )
        figure.add_vline(x=0.0, line_dash="dot", line_color="#666")
        figure.update_xaxes(title=f"value per user ({ranked[0]['currency']}), 95% CI")
        _legend_swatches(figure)
        figures.append(
            _layout(
                figure,
                f"What a micro-conversion is worth in “{macro}”",
                height=max(360, 28 * len(ranked) + 140),
            )
        )
    return figures


def spend_figures(data: ReportData) -> list[go.Figure]:
    """Cost against attributed revenue per campaign (last non-direct click), and ROAS by model."""
    rows = data["campaign_spend"]
    if not rows:
        return []
    campaigns = _unique(row["utm_campaign"] for row in rows)
    chosen = {row["utm_campaign"]: row for row in rows if row["attribution_model"] == "last_non_direct"}
    money = go.Figure()
    for measure, label in (("cost", "cost"), ("attributed_revenue", "attributed revenue")):
        money.add_bar(
            name=label,
            x=campaigns,
            y=[chosen.get(campaign, {}).get(measure) for campaign in campaigns],
            hovertemplate=f"%{{x}}: %{{y:,.2f}} {label}<extra></extra>",
        )
    _layout(money, "Cost and attributed revenue per campaign (last non-direct click)", barmode="group")
    roas = go.Figure()
    by_key = {(row["utm_campaign"], row["attribution_model"]): row["roas"] for row in rows}
    for model in _unique(row["attribution_model"] for row in rows):
        roas.add_bar(
            name=model,
            x=campaigns,
            y=[by_key.get((campaign, model)) for campaign in campaigns],
            hovertemplate=f"{model}<br>%{{x}}: ROAS %{{y:.2f}}<extra></extra>",
        )
    _layout(roas, "ROAS per campaign, by attribution model", barmode="group")
    roas.update_yaxes(title="attributed revenue / cost")
    return [money, roas]


def audience_figures(data: ReportData) -> list[go.Figure]:
    """Members of each audience per day."""
    rows = data["audience_sizes"]
    if not rows:
        return []
    figure = go.Figure()
    for audience in _unique(row["audience"] for row in rows):
        mine = [row for row in rows if row["audience"] == audience]
        figure.add_scatter(
            name=audience,
            x=[row["date_day"] for row in mine],
            y=[row["members"] for row in mine],
            mode="lines+markers",
            hovertemplate=f"{audience}<br>%{{x|%Y-%m-%d}}: %{{y:,}} members<extra></extra>",
        )
    _layout(figure, "Audience members per day")
    figure.update_yaxes(title="members")
    return [figure]


def engagement_figures(data: ReportData) -> list[go.Figure]:
    """Most viewed pages (views, engaged views), form abandonment, and scroll and video depth reached."""
    figures = []
    pages = data["pages"]
    if pages:
        figure = go.Figure()
        paths = [row["page_path"] for row in pages]
        for measure, label in (("views", "views"), ("engaged_views", "engaged views")):
            figure.add_bar(
                name=label,
                x=paths,
                y=[row[measure] for row in pages],
                hovertemplate=f"%{{x}}: %{{y:,}} {label}<extra></extra>",
            )
        figures.append(
            _layout(figure, "Most viewed pages: views and views in engaged sessions", barmode="group")
        )
    forms = data["forms"]
    if forms:
        figure = go.Figure()
        figure.add_bar(
            x=[row["form_id"] for row in forms],
            y=[row["abandonment_rate"] for row in forms],
            customdata=[[row["starts"], row["completed_starts"]] for row in forms],
            hovertemplate=(
                "%{x}: %{y:.0%} abandoned<br>%{customdata[0]:,} starts, "
                "%{customdata[1]:,} submitted<extra></extra>"
            ),
            showlegend=False,
        )
        figure.update_yaxes(title="abandonment rate", tickformat=".0%", range=[0, 1])
        figures.append(_layout(figure, "Form abandonment: starts without a submit"))
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
                hovertemplate=f"{row['element_type']}: %{{y:.0%}} of sessions reach %{{x}}<extra></extra>",
            )
        figure.update_yaxes(title="share of sessions with the element", tickformat=".0%")
        figures.append(_layout(figure, "How far people scroll and watch (a view is not engagement)"))
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
        ("significant (p < 0.05)", SIGNIFICANT),
        ("not significant", NOT_SIGNIFICANT),
        ("sample too small", SMALL_SAMPLE),
    ):
        figure.add_scatter(
            x=[None], y=[None], mode="markers", marker={"color": color, "size": 10}, name=label, row=1, col=1
        )


def attribution_figures(data: ReportData) -> list[go.Figure]:
    """Attributed conversions and revenue per channel under the eight attribution models."""
    rows = data["channel_attribution"]
    if not rows:
        return []
    channels = _unique(row["channel"] for row in rows)
    figures = []
    for measure, label, tick in (
        ("attributed_conversions", "conversions", ",.0f"),
        ("attributed_revenue", "revenue", ",.0f"),
    ):
        figure = go.Figure()
        by_key = {(row["channel"], row["attribution_model"]): row[measure] for row in rows}
        for model in ATTRIBUTION_MODELS:
            figure.add_bar(
                name=model,
                x=channels,
                y=[by_key.get((channel, model)) for channel in channels],
                hovertemplate=f"{model}<br>%{{x}}: %{{y:{tick}}} {label}<extra></extra>",
            )
        _layout(figure, f"Attributed {label} per channel, by model", barmode="group")
        figure.update_yaxes(title=f"attributed {label}", tickformat=tick)
        figures.append(figure)
    return figures


def experiment_figures(data: ReportData) -> list[go.Figure]:
    """Per experiment: each variant's uplift over control per metric, with its 95% interval."""
    rows = data["experiments"]
    figures: list[go.Figure] = []
    for experiment in _unique(row["experiment_id"] for row in rows):
        variants = [row for row in rows if row["experiment_id"] == experiment and not row["is_control"]]
        if not variants:
            continue
        figure = go.Figure()
        for variant in _unique(row["variant"] for row in variants):
            series = [
                row for row in variants if row["variant"] == variant and row["uplift_vs_control"] is not None
            ]
            figure.add_scatter(
                name=str(variant),
                mode="markers",
                y=[row["metric"] for row in series],
                x=[row["uplift_vs_control"] for row in series],
                marker={
                    "size": 10,
                    "color": [SIGNIFICANT if row["is_significant"] else NOT_SIGNIFICANT for row in series],
                    "line": {"width": 1, "color": "#222"},
                },
                error_x=_interval(series, "uplift_vs_control", "ci_low", "ci_high"),
                customdata=[
                    [
                        row["ci_low"],
                        row["ci_high"],
                        row["p_value"],
                        row["conversion_rate"],
                        row["exposed_users"],
                        row.get("q_value"),
                    ]
                    for row in series
                ],
                hovertemplate=(
                    f"{variant} · %{{y}}<br>uplift %{{x:+.2%}} "
                    "[%{customdata[0]:+.2%}, %{customdata[1]:+.2%}]<br>rate %{customdata[3]:.2%} "
                    "of %{customdata[4]:,} exposed users, p = %{customdata[2]:.2g}, q = %{customdata[5]:.2g}"
                    "<extra></extra>"
                ),
            )
        figure.add_vline(x=0.0, line_dash="dot", line_color="#666")
        srm = any(row["has_sample_ratio_mismatch"] for row in rows if row["experiment_id"] == experiment)
        title = f"Experiment “{experiment}”: uplift over control (95% CI)"
        _layout(
            figure,
            title + (" — sample ratio mismatch!" if srm else ""),
            height=max(320, 26 * len(variants) + 160),
        )
        figure.update_xaxes(tickformat="+.1%", title="conversion rate minus control's (share points)")
        figures.append(figure)
    return figures


def quality_figures(data: ReportData) -> list[go.Figure]:
    """Quarantined rows by reason, and the daily accounting of raw rows with late rows."""
    figures: list[go.Figure] = []
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
    ("test_name", "test"),
    ("model_name", "model"),
    ("column_name", "column"),
    ("current_status", "status"),
    ("previous_status", "previous"),
    ("current_failures", "failing rows"),
    ("runs", "runs"),
    ("flakiness_rate", "flakiness"),
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def data_test_figures(data: ReportData) -> list[go.Figure]:
    """Warned, failed and errored dbt data tests per dbt invocation, and a table of the tests failing
    now or flipping between statuses."""
    figures: list[go.Figure] = []
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
        figure = go.Figure(
            go.Table(
                header={"values": [label for _, label in PROBLEM_COLUMNS], "align": "left"},
                cells={
                    "values": [[_cell(row[column]) for row in problems] for column, _ in PROBLEM_COLUMNS],
                    "align": "left",
                },
            )
        )
        figures.append(
            _layout(
                figure, "Tests failing or warning now, or flaky", height=max(260, 28 * len(problems) + 120)
            )
        )
    return figures


def _impact_and_value(data: ReportData) -> list[go.Figure]:
    return [*impact_figures(data), *value_figures(data)]


SECTIONS: tuple[tuple[str, str, str, Any], ...] = (
    (
        "funnels",
        "Funnels",
        "Users reaching each step in order within the funnel's window, how many dropped off, and how "
        "conversion from the first step differs by channel and device.",
        funnel_figures,
    ),
    (
        "trends",
        "Micro-conversion trends",
        "Daily occurrences of every micro-conversion; crosses mark days the anomaly detector flagged "
        "(z-score against the same-weekday baseline).",
        trend_figures,
    ),
    (
        "impact",
        "Which micro-conversions predict conversion",
        "Users who completed a micro-conversion against those who did not: lift of the macro-conversion "
        "rate, odds ratio with its 95% interval, and significance; then what each is worth: the difference "
        "it makes to the conversion probability times the mean revenue, with its 95% interval.",
        _impact_and_value,
    ),
    (
        "attribution",
        "Attribution models compared",
        "Conversions and revenue credited to each channel by the six rule-based models and the two "
        "data-driven ones (Markov removal effect, Shapley).",
        attribution_figures,
    ),
    (
        "spend",
        "Ad spend and ROAS",
        "What each campaign cost against the revenue the attribution models credit to its sessions; "
        "campaigns whose clicks carry no tags show cost without revenue.",
        spend_figures,
    ),
    (
        "engagement",
        "Pages, forms and depth",
        "Where engagement happens: the most viewed pages with their views in engaged sessions, the share of "
        "form starts never submitted, and how far sessions scroll and watch videos.",
        engagement_figures,
    ),
    (
        "audiences",
        "Audiences",
        "Users in each remarketing audience on each day (audience_definitions: cart abandoners, signed "
        "up but not bought, engaged not converted, lapsed buyers).",
        audience_figures,
    ),
    (
        "experiments",
        "Experiments",
        "Each variant's conversion rate minus control's, per metric, with a 95% confidence interval; "
        "filled blue points are significant at 5%.",
        experiment_figures,
    ),
    (
        "quality",
        "Data quality",
        "Every raw row is clean, quarantined with a reason, or a counted duplicate; late rows arrived "
        "after their event day and were reprocessed.",
        quality_figures,
    ),
    (
        "data_tests",
        "Data quality: failing and warned tests over time",
        "Every dbt run stores each data test's result (marts.data_test_results); bars count the tests "
        "that warned, failed or errored in each run. The table lists tests failing now and flaky ones "
        "(flakiness: status changes over the last runs divided by runs minus one).",
        data_test_figures,
    ),
)


def build_sections(data: ReportData) -> list[tuple[str, str, str, list[go.Figure]]]:
    return [(key, title, intro, builder(data)) for key, title, intro, builder in SECTIONS]
