"""Ad spend through the shared end-to-end build: the generator's spend reports (Google Ads, Microsoft
Advertising, Meta, Yandex Direct and the spend contract) -> raw.ad_spend -> fct_ad_spend -> the
performance marts. The generator's manifest says what it spent; the warehouse must agree."""

from __future__ import annotations

import json

import pytest


def _rows(warehouse, sql: str) -> dict:
    return dict(warehouse.execute(sql).fetchall())


def _scalar(warehouse, sql: str):
    return warehouse.execute(sql).fetchone()[0]


@pytest.fixture
def spend_manifest(pipeline):
    _, _, _, landing, _ = pipeline
    return json.loads((landing.parent / "spend" / "_manifest.json").read_text())


def test_every_spend_report_row_is_clean_quarantined_or_superseded(warehouse, spend_manifest) -> None:
    raw = warehouse.execute("select count(*) from raw.ad_spend").fetchone()[0]
    statuses = dict(
        warehouse.execute(
            "select row_status, count(*) from intermediate.int_ad_spend_rows group by 1"
        ).fetchall()
    )
    summed = warehouse.execute("select sum(report_rows) from core.fct_ad_spend").fetchone()[0]
    quarantined = dict(
        warehouse.execute(
            "select rejection_reason, count(*) from core.quarantined_ad_spend group by 1"
        ).fetchall()
    )
    assert raw > 0
    assert raw == sum(statuses.values())
    assert summed == statuses["clean"]
    assert quarantined == {"report_summary_row": spend_manifest["summary_rows"]}
    assert sum(quarantined.values()) == statuses["quarantined"]


def test_cost_per_platform_and_currency_is_what_the_generator_spent(warehouse, spend_manifest) -> None:
    loaded = {
        f"{platform} ({currency})": cost
        for platform, currency, cost in warehouse.execute(
            "select platform, currency, sum(cost_original) from core.fct_ad_spend group by 1, 2"
        ).fetchall()
    }
    assert loaded.keys() == spend_manifest["cost_by_platform"].keys()
    for key, cost in spend_manifest["cost_by_platform"].items():
        assert loaded[key] == pytest.approx(cost, abs=0.01), key


def test_performance_marts_add_up_to_the_spend_and_the_conversions(warehouse) -> None:
    total_cost = warehouse.execute("select sum(cost) from core.fct_ad_spend").fetchone()[0]
    conversions = warehouse.execute(
        "select count(distinct conversion_key) from marts.attribution_touchpoints"
    ).fetchone()[0]
    for mart in ("campaign_performance", "channel_performance"):
        per_model = warehouse.execute(
            f"select attribution_model, sum(cost), sum(attributed_conversions) from marts.{mart} group by 1"
        ).fetchall()
        assert len(per_model) == 6, mart
        for model, cost, attributed in per_model:
            assert cost == pytest.approx(total_cost), (mart, model)
            assert attributed == pytest.approx(conversions), (mart, model)


def test_spend_without_tagged_sessions_is_kept_and_flagged(warehouse, spend_manifest) -> None:
    rows = warehouse.execute(
        "select count(*), bool_and(has_unmatched_spend), sum(sessions), min(cost) "
        "from marts.campaign_performance where utm_campaign = ? and attribution_model = 'linear'",
        [spend_manifest["untracked_campaign"]],
    ).fetchone()
    days, all_unmatched, sessions, lowest_cost = rows
    assert days > 0 and all_unmatched and sessions == 0 and lowest_cost > 0
    paid = _scalar(
        warehouse,
        "select count(*) from marts.campaign_performance "
        "where utm_campaign = 'brand_search' and cost > 0 and sessions > 0 and roas is not null",
    )
    assert paid > 0
    # CPA is null exactly when nothing was attributed.
    inconsistent = _scalar(
        warehouse,
        "select count(*) from marts.campaign_performance "
        "where cost > 0 and (cpa is null) <> (attributed_conversions = 0)",
    )
    assert inconsistent == 0
