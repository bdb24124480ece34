"""End to end, publishing: the BI copy, the report in headless Chromium, the dashboard queries,
MetricFlow, dbt docs."""

from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e


def test_published_copy_holds_core_and_marts_only(pipeline) -> None:
    _, _, warehouse_path, _, _ = pipeline
    publish_dir = Path(os.environ["MICROCONV_PUBLISH_DIR"])
    published = publish_dir / "microconv.duckdb"
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute("select distinct table_schema from information_schema.tables").fetchall()
        schemas = {row[0] for row in rows}
        assert schemas == {"core", "marts", "config"}
        published_count = con.execute("select count(*) from marts.channel_attribution").fetchone()[0]
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        assert published_count == con.execute("select count(*) from marts.channel_attribution").fetchone()[0]
    assert (publish_dir / "parquet" / "marts" / "funnel_steps.parquet").exists()
    assert (publish_dir / "parquet" / "core" / "fct_sessions.parquet").exists()
    assert not list(publish_dir.rglob("*.tmp"))


# The dashboard's pages (tabs; report.html#<page>) and the sections each one shows.
REPORT_PAGES = {
    "overview": ("kpis", "revenue"),
    "funnels": ("funnel_steps", "funnel_trend"),
    "micro": ("trends", "movers", "anomalies"),
    "impact": ("impact_ranking", "value", "impact_table"),
    "attribution": ("attribution_models", "campaigns", "paths"),
    "experiments": ("experiment_results",),
    "cohorts": ("cohort_heatmap",),
    "journeys": ("journey_stages", "abandonment"),
    "marketing": ("spend", "audiences", "engagement"),
    "quality": ("quarantine", "data_tests"),
}
# Sections that are tables only (no chart): they must have rows (the flagged days may say none was).
TABLE_SECTIONS = {"movers", "impact_table", "anomalies"}
DRAWN_TRACE = re.compile(r'class="(point|trace bars|trace scatter|funnel|trace funnel|hm|heatmaplayer)')


def test_report_draws_every_section_without_errors_in_headless_chromium(pipeline, tmp_path: Path) -> None:
    """Every page (tab) of the dashboard opens in headless Chromium with each of its sections drawn with
    data and no console error; a screenshot of each page at 1400 px wide is saved in tmp_path."""
    from tests.browser import Browser

    result, _, _, _, _ = pipeline
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert "publish/report" in materialized
    report = Path(os.environ["MICROCONV_PUBLISH_DIR"]) / "report.html"
    source = report.read_text(encoding="utf-8")
    # Self-contained: plotly.js is inline, nothing is fetched from a CDN or any other URL.
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", source)
    with Browser(width=1400) as browser:
        _check_report_pages(browser, report, tmp_path)


def _check_report_pages(browser, report: Path, tmp_path: Path) -> None:
    dashboard = browser.open(report)
    for page_key, expected in REPORT_PAGES.items():
        dom = dashboard.show(page_key)
        # The tab is the one shown.
        assert re.search(rf'<div class="page active" id="page-{page_key}"', dom), page_key
        sections = {
            key: (section_page, int(charts), body)
            for key, section_page, charts, body in re.findall(
                r'<section id="([^"]+)" data-page="([^"]+)" data-charts="(\d+)">(.*?)</section>',
                dom,
                re.S,
            )
        }
        assert {key for key, (on, _, _) in sections.items() if on == page_key} == set(expected), page_key
        for key in expected:
            _, charts, body = sections[key]
            assert "No rows in the marts for this section yet." not in body, key
            drawn = len(
                re.findall(r'class="plot-container plotly"[^>]*><div[^>]*><svg class="main-svg"', body)
            )
            assert drawn == charts, (key, charts, drawn)
            if key in TABLE_SECTIONS:
                assert re.search(r"<tbody><tr>", body) or (
                    key == "anomalies" and "The detector flagged no day in this period." in body
                ), key
            else:
                # Each chart has data drawn in it, not just axes: bars, lines, markers or heatmap cells.
                assert charts >= 1 and DRAWN_TRACE.search(body), key
        if page_key == "overview":
            # The key numbers are computed in the page for the default period (last 28 days).
            tiles = re.findall(r'<div class="tile"><span class="label">([^<]+)</span>', dom)
            assert {"sessions", "converting sessions", "macro-conversions"} <= set(tiles), tiles
            assert any(label.startswith("revenue in ") for label in tiles), tiles
            assert "previous 28 days" in dom
        assert '<ul id="report-errors"></ul>' in dom, page_key
        assert dashboard.console == [], (page_key, dashboard.console)
        shot = dashboard.screenshot(tmp_path / f"dashboard-{page_key}.png")
        assert shot.read_bytes().startswith(b"\x89PNG"), shot
    # The page's own arithmetic agrees with shaping.py on the published copy: sessions of the last 28 days,
    # and the top movers of the last 7 days on mobile.
    from microconv.report import shaping
    from microconv.report.data import read_report_data

    data = read_report_data(report.with_name("microconv.duckdb"))
    latest = data["latest_day"][0]["latest_session_date"]
    start, end = shaping.period(latest, 28)
    overview = dashboard.show("overview")
    shown = re.search(r'<span class="label">sessions</span><b>([0-9,]+)</b>', overview)
    assert shown and int(shown.group(1).replace(",", "")) == shaping.sum_in_period(
        data["session_cube"], "sessions", start, end
    )
    filtered = browser.open(report, query="range=7&device=mobile")
    dom = filtered.show("micro")
    start, end = shaping.period(latest, 7)
    mobile = [row for row in data["micro_cube"] if row["device"] == "mobile"]
    expected = [
        (row["micro_conversion"], f"{row['current']:,.0f}", f"{row['previous']:,.0f}")
        for row in shaping.top_movers(mobile, start, end)
    ]
    table = re.search(r'id="top-movers">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    cells = [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table)]
    assert [tuple(row[:3]) for row in cells] == expected
    assert re.search(r'<span id="f-summary">[0-9-]+ to [0-9-]+ \(7 days\), all channels, mobile</span>', dom)
    assert re.search(r'<table class="sortable" id="top-movers"><caption>[^<]*7 days[^<]*</caption>', dom)
    assert re.search(r'id="top-movers">.*?<tbody><tr>', dom, re.S)
    assert '<ul id="report-errors"></ul>' in dom and filtered.console == [], filtered.console


DASHBOARD_QUERIES = Path(__file__).resolve().parents[2] / "bi" / "queries"


def test_example_dashboard_queries_run_through_sqlalchemy_on_the_published_copy(pipeline) -> None:
    """The queries docs/bi-tools.md offers for dashboards, through duckdb-engine as Superset runs them."""
    import sqlalchemy

    published = Path(os.environ["MICROCONV_PUBLISH_DIR"]) / "microconv.duckdb"
    engine = sqlalchemy.create_engine(f"duckdb:///{published}", connect_args={"read_only": True})
    results = {}
    with engine.connect() as connection:
        for path in sorted(DASHBOARD_QUERIES.glob("*.sql")):
            results[path.stem] = connection.execute(sqlalchemy.text(path.read_text())).mappings().all()
    engine.dispose()
    assert set(results) == {
        "funnel_chart",
        "attribution_comparison",
        "anomaly_list",
        "impact_ranking",
        "experiment_readout",
        "campaign_roas",
        "audience_sizes",
    }
    assert all(results.values()), [name for name, rows in results.items() if not rows]
    users = [row["users"] for row in results["funnel_chart"]]
    assert users == sorted(users, reverse=True) and len(users) >= 3
    shares: dict[str, float] = {}
    for row in results["attribution_comparison"]:
        assert 0 <= row["share_of_conversions"] <= 1
        shares[row["attribution_model"]] = (
            shares.get(row["attribution_model"], 0.0) + row["share_of_conversions"]
        )
    assert len(shares) == 8 and all(total == pytest.approx(1.0) for total in shares.values())
    assert {row["direction"] for row in results["anomaly_list"]} <= {"drop", "spike"}
    assert all(row["cost"] > 0 and row["roas"] >= 0 for row in results["campaign_roas"])
    assert any(row["has_unmatched_spend"] for row in results["campaign_roas"])
    assert {row["audience"] for row in results["audience_sizes"]} >= {"cart_abandoners_7d"}
    readout = results["experiment_readout"]
    assert all(
        row["ci_low"] <= row["uplift_vs_control"] <= row["ci_high"]
        for row in readout
        if not row["is_control"]
    )


def _mf_query(out_dir: Path, metrics: str, group_by: str) -> list[dict[str, str]]:
    from microconv.cli import main

    out = out_dir / f"{metrics.replace(',', '_')}.csv"
    assert main(["metrics", "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out)]) == 0
    with out.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _number(value: str | None) -> float | None:
    return None if value in (None, "", "None", "nan") else float(value)


def _by_key(rows: list[dict[str, str]], keys: tuple[str, ...], value: str) -> dict[tuple, float | None]:
    """Rows by their group-by values (metric_time as a plain date)."""
    return {
        tuple(row[key][:10] if key.startswith("metric_time") else row[key] for key in keys): _number(
            row[value]
        )
        for row in rows
    }


def test_metricflow_configs_are_valid_and_queries_agree_with_the_marts(pipeline, tmp_path: Path) -> None:
    """`mf validate-configs` passes and `mf query` returns, per metric and day, the marts' numbers."""
    from microconv.cli import main

    _, _, warehouse_path, _, _ = pipeline
    assert main(["metrics", "validate-configs"]) == 0
    daily = _mf_query(
        tmp_path,
        "revenue,macro_conversions,macro_conversion_rate,cart_abandonment_rate,sessions_on_day",
        "metric_time__day",
    )
    micro = _mf_query(
        tmp_path,
        "micro_conversion_rate_per_session,micro_conversions",
        "metric_time__day,micro_conversion_day__micro_conversion",
    )
    funnel = _mf_query(
        tmp_path,
        "funnel_conversion_rate",
        "metric_time__day,funnel_cohort_step__funnel,funnel_cohort_step__step_number",
    )
    credited = _mf_query(
        tmp_path,
        "attributed_conversions,attributed_revenue",
        "attribution_credit__attribution_model,attribution_credit__touchpoint_channel",
    )
    day = ("metric_time__day",)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        expected = {
            "revenue": "select converted_date, sum(revenue) from core.fct_macro_conversions group by 1",
            "macro_conversions": "select converted_date, count(*) from core.fct_macro_conversions group by 1",
            "macro_conversion_rate": (
                "select session_date, avg(case when has_macro_conversion then 1.0 else 0 end) "
                "from core.fct_sessions group by 1"
            ),
            "cart_abandonment_rate": (
                "select date_day, abandonment_rate from marts.cart_abandonment_daily where carts > 0"
            ),
            # Each session once: a measure on a per-micro-conversion mart would multiply it by the catalogue.
            "sessions_on_day": "select session_date, count(*) from core.fct_sessions group by 1",
        }
        for metric, sql in expected.items():
            got = _by_key(daily, day, metric)
            want = {(str(key),): float(value) for key, value in con.execute(sql).fetchall()}
            assert want, metric
            assert {key: got.get(key) for key in want} == pytest.approx(want), metric
        micro_keys = ("metric_time__day", "micro_conversion_day__micro_conversion")
        rows = con.execute(
            """
            select date_day, micro_conversion, rate_per_session, occurrences
            from marts.micro_conversion_daily
            """
        ).fetchall()
        got_rate = _by_key(micro, micro_keys, "micro_conversion_rate_per_session")
        got_count = _by_key(micro, micro_keys, "micro_conversions")
        assert {(str(d), m): got_rate[(str(d), m)] for d, m, _, _ in rows} == pytest.approx(
            {(str(d), m): rate for d, m, rate, _ in rows}
        )
        assert {(str(d), m): got_count[(str(d), m)] for d, m, _, _ in rows} == {
            (str(d), m): count for d, m, _, count in rows
        }
        funnel_keys = ("metric_time__day", "funnel_cohort_step__funnel", "funnel_cohort_step__step_number")
        got_funnel = _by_key(funnel, funnel_keys, "funnel_conversion_rate")
        want_funnel = {
            (str(cohort), name, str(step)): rate
            for cohort, name, step, rate in con.execute(
                """
                select cohort_date, funnel, step_number, conversion_rate_from_start
                from marts.funnel_steps_daily
                """
            ).fetchall()
        }
        assert want_funnel and got_funnel == pytest.approx(want_funnel)
        model_keys = ("attribution_credit__attribution_model", "attribution_credit__touchpoint_channel")
        got_credit = _by_key(credited, model_keys, "attributed_conversions")
        got_revenue = _by_key(credited, model_keys, "attributed_revenue")
        rule_based = con.execute(
            """
            select attribution_model, channel, attributed_conversions, attributed_revenue
            from marts.channel_attribution
            where attribution_model not in ('markov', 'shapley') and attributed_conversions > 0
            """
        ).fetchall()
        assert {(m, c): got_credit[(m, c)] for m, c, _, _ in rule_based} == pytest.approx(
            {(m, c): value for m, c, value, _ in rule_based}
        )
        assert {(m, c): got_revenue[(m, c)] for m, c, _, _ in rule_based} == pytest.approx(
            {(m, c): float(value) for m, c, _, value in rule_based}
        )


def test_metricflow_ad_cost_roas_and_cpa_agree_with_the_spend_marts(pipeline, tmp_path: Path) -> None:
    """ad_cost per day is fct_ad_spend's; roas and cpa per model and channel are channel_performance's
    revenue / cost and cost / conversions summed over its days."""
    _, _, warehouse_path, _, _ = pipeline
    cost = _mf_query(tmp_path, "ad_cost", "metric_time__day")
    keys = ("channel_performance__attribution_model", "channel_performance__channel")
    ratios = _mf_query(tmp_path, "roas,cpa", ",".join(keys))
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        want_cost = {
            (str(day),): value
            for day, value in con.execute(
                "select spend_date, sum(cost) from core.fct_ad_spend group by 1"
            ).fetchall()
        }
        rows = con.execute(
            """
            select attribution_model, channel,
                sum(attributed_revenue) / sum(cost), sum(cost) / nullif(sum(attributed_conversions), 0)
            from marts.channel_performance
            group by 1, 2
            having sum(cost) > 0
            """
        ).fetchall()
    assert want_cost and _by_key(cost, ("metric_time__day",), "ad_cost") == pytest.approx(want_cost)
    got_roas, got_cpa = _by_key(ratios, keys, "roas"), _by_key(ratios, keys, "cpa")
    assert rows
    assert {(m, c): got_roas[(m, c)] for m, c, _, _ in rows} == pytest.approx(
        {(m, c): r for m, c, r, _ in rows}
    )
    assert {(m, c): got_cpa[(m, c)] for m, c, _, cpa in rows if cpa is not None} == pytest.approx(
        {(m, c): cpa for m, c, _, cpa in rows if cpa is not None}
    )


def test_docs_catalogue_has_every_model_and_the_exposures(pipeline, capsys) -> None:
    """`microconv docs` writes the catalogue and the page into the settings' dbt target path (each
    pytest-xdist worker has its own) and says where."""
    from microconv.cli import main
    from microconv.settings import get_settings

    assert main(["docs"]) == 0
    settings = get_settings()
    target = settings.project_dir / settings.dbt_target_path
    assert str(target / "static_index.html") in capsys.readouterr().err
    catalog = json.loads((target / "catalog.json").read_text())
    assert {"model.microconv.fct_sessions", "model.microconv.attribution_credits"} <= set(catalog["nodes"])
    assert "session_key" in catalog["nodes"]["model.microconv.fct_sessions"]["columns"]
    page = (target / "static_index.html").read_text()
    assert "microconv_report" in page and "dashboard_experiment_readout" in page
