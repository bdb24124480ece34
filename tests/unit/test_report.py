"""The HTML report's page assembly, on hand-made mart rows (the browser test is in tests/e2e)."""

from __future__ import annotations

import re
from datetime import date, datetime

from microconv.report.data import QUERIES, ReportData
from microconv.report.figures import data_test_figures, funnel_figures, impact_figures
from microconv.report.page import render_report


def _funnel_row(step: int, name: str, dimension: str, value: str, users: int, rate: float) -> dict:
    return {
        "funnel": "shop",
        "step_number": step,
        "step_name": name,
        "breakdown_dimension": dimension,
        "breakdown_value": value,
        "users": users,
        "conversion_rate_from_previous": rate,
        "conversion_rate_from_start": rate,
        "drop_off_users": 0 if step == 1 else 10,
    }


def _data(**rows: list[dict]) -> ReportData:
    empty = {name: [] for name in QUERIES}
    empty["headline"] = [
        {
            "sessions": 10,
            "users": 8,
            "micro_conversions": 5,
            "macro_conversions": 2,
            "revenue": 12.5,
            "first_session_at": datetime(2026, 1, 1),
            "last_session_at": datetime(2026, 1, 9),
        }
    ]
    return ReportData({**empty, **rows})


FUNNEL = [
    _funnel_row(1, "view_item", "all", "all", 20, 1.0),
    _funnel_row(2, "purchase", "all", "all", 10, 0.5),
    _funnel_row(1, "view_item", "channel", "Email", 5, 1.0),
    _funnel_row(2, "purchase", "channel", "Email", 4, 0.8),
    _funnel_row(1, "view_item", "device_category", "mobile", 9, 1.0),
    _funnel_row(2, "purchase", "device_category", "mobile", 3, 0.33),
]


def test_a_funnel_has_its_steps_with_both_rates_labelled_and_both_breakdowns() -> None:
    steps, breakdown = funnel_figures(_data(funnel_steps=FUNNEL))
    assert list(steps.data[0].x) == [20, 10]
    # Every step after the first says what its rates are of.
    assert list(steps.data[0].text) == ["20 users", "10 · 50% of previous step · 50% of step 1"]
    # Step 1 -> last step by channel and by device, as a share of step 1.
    assert [list(trace.y) for trace in breakdown.data] == [["Email"], ["mobile"]]
    assert [list(trace.x) for trace in breakdown.data] == [[0.8], [0.33]]
    assert "of step 1" in breakdown.data[0].hovertemplate


# A significant micro_conversion_impact row (lift and micro_conversion left to each test).
IMPACT_ROW = {
    "macro_conversion": "purchase",
    "users_with": 10,
    "macro_rate_with": 0.2,
    "macro_rate_without": 0.1,
    "odds_ratio": 2.2,
    "odds_ratio_ci_low": 1.1,
    "odds_ratio_ci_high": 4.0,
    "p_value": 0.01,
    "q_value": 0.02,
    "is_significant": True,
    "is_small_sample": False,
}


def test_impact_leaves_out_rows_a_log_axis_cannot_show() -> None:
    base = {key: value for key, value in IMPACT_ROW.items() if key != "q_value"}
    rows = [
        {**base, "micro_conversion": "add_to_cart", "lift": 2.0},
        {**base, "micro_conversion": "never_converts", "lift": 0.0},
        {**base, "micro_conversion": "unknown", "lift": None},
    ]
    (figure,) = impact_figures(_data(impact=rows))
    assert list(figure.data[0].y) == ["add_to_cart"]
    # The bar grows from 1 (no effect) to the lift: base 1, length lift - 1.
    assert figure.data[0].base == 1.0 and list(figure.data[0].x) == [1.0]


def test_funnel_steps_are_ranked_apart_from_supporting_micro_conversions() -> None:
    base = IMPACT_ROW
    rows = [
        {**base, "micro_conversion": "view_item", "lift": 3.0},
        {**base, "micro_conversion": "faq_view", "lift": 0.5},
        {**base, "micro_conversion": "share", "lift": 1.5},
    ]
    supporting, steps = impact_figures(_data(impact=rows, funnel_steps=FUNNEL))
    assert "supporting" in supporting.layout.title.text and "funnel steps" in steps.layout.title.text
    # Ranked by lift (the top of the chart is the last category); a lift below 1 grows leftwards from 1.
    assert list(supporting.data[0].y) == ["faq_view", "share"]
    assert list(supporting.data[0].x) == [-0.5, 0.5]
    assert list(steps.data[0].y) == ["view_item"]


def test_every_section_is_on_the_page_and_empty_ones_say_so() -> None:
    daily = [
        {
            "date_day": date(2026, 1, day),
            "micro_conversion": "cta_click",
            "occurrences": day,
            "rate_per_session": 0.1,
        }
        for day in range(1, 4)
    ]
    page = render_report(
        _data(funnel_steps=FUNNEL, micro_conversion_daily=daily), "2026-01-10T00:00:00+00:00"
    )
    sections = dict(re.findall(r'<section id="([^"]+)" data-page="[^"]+" data-charts="(\d+)">', page))
    assert sections == {
        "kpis": "0",
        "revenue": "0",
        "funnel_steps": "2",
        "funnel_trend": "0",
        "trends": "1",
        "movers": "0",
        "anomalies": "0",
        "impact_ranking": "0",
        "value": "0",
        "impact_table": "0",
        "attribution_models": "0",
        "campaigns": "0",
        "paths": "0",
        "experiment_results": "0",
        "cohort_heatmap": "0",
        "journey_stages": "0",
        "abandonment": "0",
        "spend": "0",
        "audiences": "0",
        "engagement": "0",
        "quarantine": "0",
        "data_tests": "0",
    }
    # Every section but the funnels, the trends and the flagged days (none flagged) has no rows.
    assert page.count("No rows in the marts for this section yet.") == len(sections) - 3
    assert "The detector flagged no day in this period." in page
    assert "Sessions from 2026-01-01 to 2026-01-09" in page
    # plotly.js is inline: the page needs no network.
    assert "<script src=" not in page and len(page) > 1_000_000


def test_report_data_is_read_while_a_bi_driver_holds_the_published_copy_open(tmp_path, monkeypatch) -> None:
    """A BI driver in the same process (duckdb-engine sets its own settings) must not block the report."""
    import duckdb

    from microconv.report import data

    published = tmp_path / "microconv.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute("create schema marts; create table marts.answers as select 42 as answer")
    monkeypatch.setattr(data, "QUERIES", {"answers": "select answer from marts.answers"})
    with duckdb.connect(str(published), read_only=True, config={"custom_user_agent": "bi-tool"}) as bi:
        assert data.read_report_data(published)["answers"] == [{"answer": 42}]
        assert bi.execute("select count(*) from marts.answers").fetchone() == (1,)


def test_decimal_columns_reach_the_charts_as_floats(tmp_path, monkeypatch) -> None:
    """A mart built by another engine may type a ratio as DECIMAL; the charts subtract it from floats."""
    import duckdb

    from microconv.report import data

    published = tmp_path / "microconv.duckdb"
    with duckdb.connect(str(published)) as con:
        con.execute(
            "create schema marts; create table marts.ratios as select cast(1.25 as decimal(38, 6)) as ratio"
        )
    monkeypatch.setattr(data, "QUERIES", {"ratios": "select ratio from marts.ratios"})
    [row] = data.read_report_data(published)["ratios"]
    assert row == {"ratio": 1.25} and isinstance(row["ratio"], float)


def test_data_tests_chart_counts_warned_failed_errored_per_run_and_lists_the_problems() -> None:
    runs = [
        {
            "invocation_id": "a",
            "run_started_at": datetime(2026, 1, 1, 8),
            "tests": 40,
            "warned": 0,
            "failed": 0,
            "errored": 0,
        },
        {
            "invocation_id": "b",
            "run_started_at": datetime(2026, 1, 2, 8),
            "tests": 41,
            "warned": 2,
            "failed": 1,
            "errored": 0,
        },
    ]
    problems = [
        {
            "test_name": "unique_a",
            "model_name": "fct_sessions",
            "column_name": "session_key",
            "current_status": "fail",
            "previous_status": "pass",
            "current_failures": 3,
            "runs": 2,
            "recent_flips": 1,
            "flakiness_rate": 1.0,
            "is_new_failure": True,
        },
    ]
    chart, table = data_test_figures(_data(data_test_runs=runs, data_test_problems=problems))
    assert [trace.name for trace in chart.data] == ["warn", "fail", "error", "tests run"]
    assert list(chart.data[0].y) == [0, 2] and list(chart.data[1].y) == [0, 1]
    assert list(chart.data[0].x) == ["2026-01-01 08:00:00", "2026-01-02 08:00:00"]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table.html())
    assert cells == ["unique_a", "fct_sessions", "session_key", "fail", "pass", "3", "2", "100.0%"]
    # No run stored yet: no chart (the section says it has no rows).
    assert data_test_figures(_data()) == []


def test_spend_value_and_audience_figures_draw_their_rows() -> None:
    from microconv.report.figures import audience_figures, spend_figures, value_figures

    spend = [
        {
            "utm_campaign": "brand",
            "attribution_model": model,
            "currency": "EUR",
            "cost": 10.0,
            "attributed_revenue": revenue,
            "attributed_conversions": 1.0,
            "roas": revenue / 10.0,
            "cpa": 10.0,
            "has_unmatched_spend": False,
        }
        for model, revenue in (("last_non_direct", 40.0), ("linear", 30.0))
    ]
    money, ratios = spend_figures(_data(campaign_spend=spend))
    assert [list(trace.y) for trace in money.data] == [[10.0], [40.0]]
    # Money is labelled with its currency.
    assert [trace.name for trace in money.data] == ["cost (EUR)", "attributed revenue (EUR)"]
    # ROAS (first panel) and CPA (second panel) per model.
    roas = {trace.name: list(trace.y) for trace in ratios.data if trace.yaxis == "y"}
    cpa = {trace.name: list(trace.y) for trace in ratios.data if trace.yaxis == "y2"}
    assert roas == {"last_non_direct": [4.0], "linear": [3.0]}
    assert cpa == {"last_non_direct": [10.0], "linear": [10.0]}
    value = [
        {
            "micro_conversion": "add_to_cart",
            "macro_conversion": "purchase",
            "value": 12.5,
            "value_ci_low": 10.0,
            "value_ci_high": 16.0,
            "currency": "USD",
            "sample_size": 120,
            "is_significant": True,
            "is_small_sample": False,
        }
    ]
    (figure,) = value_figures(_data(micro_conversion_value=value))
    assert list(figure.data[0].x) == [12.5]
    assert list(figure.data[0].error_x.array) == [3.5] and list(figure.data[0].error_x.arrayminus) == [2.5]
    sizes = [{"audience": "cart", "date_day": date(2026, 1, day), "members": day} for day in (1, 2)]
    (figure,) = audience_figures(_data(audience_sizes=sizes))
    assert list(figure.data[0].y) == [1, 2]


def test_engagement_figures_show_pages_forms_and_depth() -> None:
    from microconv.report.figures import engagement_figures

    pages = [{"page_path": "/", "views": 10, "engaged_views": 4, "session_conversion_rate": 0.1}]
    forms = [{"form_id": "contact", "starts": 4, "completed_starts": 1, "abandonment_rate": 0.75}]
    depths = [
        {
            "element_type": "scroll",
            "sessions": 10,
            "reached_25": 8,
            "reached_50": 5,
            "reached_75": 3,
            "reached_90": 2,
            "reached_100": None,
        }
    ]
    page_figure, form_figure, depth_figure = engagement_figures(
        _data(pages=pages, forms=forms, depths=depths)
    )
    assert [list(trace.x) for trace in page_figure.data] == [[10], [4]]
    assert list(form_figure.data[0].y) == [0.75]
    assert list(depth_figure.data[0].y) == [0.8, 0.5, 0.3, 0.2, 0.0]
    assert engagement_figures(_data()) == []
