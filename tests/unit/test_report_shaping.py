"""The dashboard's data shaping (microconv/report/shaping.py) on hand-computed inputs."""

from __future__ import annotations

from datetime import date

import pytest

from microconv.report import shaping


def test_periods_end_on_the_newest_day_and_the_previous_one_has_the_same_length() -> None:
    assert shaping.period(date(2026, 11, 30), 28) == (date(2026, 11, 3), date(2026, 11, 30))
    assert shaping.period(date(2026, 11, 30), 1) == (date(2026, 11, 30), date(2026, 11, 30))
    # 7 days, 24-30 November: the previous period is 17-23 November.
    assert shaping.previous_period(date(2026, 11, 24), date(2026, 11, 30)) == (
        date(2026, 11, 17),
        date(2026, 11, 23),
    )
    with pytest.raises(ValueError):
        shaping.period(date(2026, 11, 30), 0)


def test_period_over_period_change_is_relative_and_never_divides_by_zero() -> None:
    assert shaping.change(120, 100) == pytest.approx(0.2)
    assert shaping.change(75, 100) == pytest.approx(-0.25)
    assert shaping.change(5, 0) is None
    assert shaping.change(None, 10) is None


def test_sums_in_a_period_include_both_ends_and_treat_null_as_zero() -> None:
    rows = [
        {"date_day": date(2026, 1, 1), "sessions": 10},
        {"date_day": date(2026, 1, 2), "sessions": None},
        {"date_day": date(2026, 1, 3), "sessions": 7},
        {"date_day": date(2026, 1, 4), "sessions": 100},
    ]
    assert shaping.sum_in_period(rows, "sessions", date(2026, 1, 1), date(2026, 1, 3)) == 17


def test_money_is_added_up_per_currency_never_across() -> None:
    rows = [
        {"currency": "USD", "amount": 10.0},
        {"currency": "EUR", "amount": 20.0},
        {"currency": "USD", "amount": 5.5},
        {"currency": "GBP", "amount": None},
        {"currency": None, "amount": 1.0},
    ]
    assert shaping.by_currency(rows, "amount") == {"EUR": 20.0, "USD": 15.5, "unknown currency": 1.0}
    assert shaping.money(1234.5, "EUR") == "1,234.50 EUR"
    assert shaping.money(None, "EUR") == ""


def test_cohort_cells_of_incomplete_weeks_are_left_out() -> None:
    def cell(week: date, since: int) -> dict:
        return {"cohort_week": week, "weeks_since_cohort": since}

    # Data from Sunday 2026-08-23 (its week began on Monday 08-17) to Monday 2026-09-14 (partial).
    first, latest = date(2026, 8, 23), date(2026, 9, 14)
    rows = [
        cell(date(2026, 8, 17), 0),  # cut by the start of the data
        cell(date(2026, 8, 24), 0),  # 24-30 Aug: 08-24 + 7 = 08-31 <= 09-14, kept
        cell(date(2026, 8, 24), 2),  # 7-13 Sep: 08-24 + 21 = 09-14 <= 09-14, kept
        cell(date(2026, 8, 24), 3),  # 14-20 Sep: not over yet
        cell(date(2026, 9, 7), 0),  # 7-13 Sep: kept
        cell(date(2026, 9, 14), 0),  # the partial week
    ]
    kept = shaping.complete_cohort_rows(rows, latest, first)
    assert [(row["cohort_week"].isoformat(), row["weeks_since_cohort"]) for row in kept] == [
        ("2026-08-24", 0),
        ("2026-08-24", 2),
        ("2026-09-07", 0),
    ]
    # Without a first day only the end is checked; without data nothing is shown.
    assert len(shaping.complete_cohort_rows(rows, latest)) == 4
    assert shaping.complete_cohort_rows(rows, None) == []


def test_funnel_steps_are_ranked_apart_from_supporting_micro_conversions() -> None:
    funnel = [{"step_name": "view_item"}, {"step_name": "add_to_cart"}, {"step_name": "purchase"}]
    impact = [{"micro_conversion": name} for name in ("add_to_cart", "faq_view", "view_item", "share")]
    steps, others = shaping.split_impact(impact, shaping.funnel_step_names(funnel))
    assert [row["micro_conversion"] for row in steps] == ["add_to_cart", "view_item"]
    assert [row["micro_conversion"] for row in others] == ["faq_view", "share"]


def test_top_movers_compare_with_the_previous_period_of_equal_length() -> None:
    def day(n: int, name: str, occurrences: int) -> dict:
        return {"date_day": date(2026, 1, n), "micro_conversion": name, "occurrences": occurrences}

    rows = [
        # previous period: 1-2 January; current period: 3-4 January
        day(1, "a", 10),
        day(2, "a", 10),
        day(3, "a", 5),
        day(4, "a", 5),  # a: 20 -> 10
        day(2, "b", 4),
        day(3, "b", 30),  # b: 4 -> 30
        day(4, "c", 3),  # c: 0 -> 3 (no change % without a previous value)
        day(5, "a", 999),  # after the period
    ]
    movers = shaping.top_movers(rows, date(2026, 1, 3), date(2026, 1, 4))
    assert [(row["micro_conversion"], row["current"], row["previous"], row["delta"]) for row in movers] == [
        ("b", 30, 4, 26),
        ("a", 10, 20, -10),
        ("c", 3, 0, 3),
    ]
    assert movers[0]["change"] == pytest.approx(6.5)
    assert movers[1]["change"] == pytest.approx(-0.5)
    assert movers[2]["change"] is None
    assert len(shaping.top_movers(rows, date(2026, 1, 3), date(2026, 1, 4), limit=1)) == 1


def test_the_anomaly_caption_states_the_baseline_actually_configured(tmp_path) -> None:
    (tmp_path / "dbt_project.yml").write_text(
        "name: x\nvars:\n  anomaly_baseline_days: 21\n  anomaly_compare_same_weekday: false\n"
    )
    settings = shaping.anomaly_settings(tmp_path)
    assert settings["anomaly_baseline_days"] == 21 and settings["anomaly_z_threshold"] == 3
    caption = shaping.anomaly_caption(settings)
    assert "every day of the previous 21 days" in caption
    assert "same weekday in" not in caption
    (tmp_path / "dbt_project.yml").write_text("vars:\n  anomaly_compare_same_weekday: true\n")
    assert "the same weekday in the previous 28 days" in shaping.anomaly_caption(
        shaping.anomaly_settings(tmp_path)
    )
    # No project file: dbt_project.yml's defaults (weekdays not separated).
    assert shaping.anomaly_settings(tmp_path / "missing") == shaping.ANOMALY_DEFAULTS


def test_the_repository_default_does_not_compare_same_weekdays() -> None:
    from pathlib import Path

    project = Path(__file__).resolve().parents[2]
    assert "weekdays not separated" in shaping.anomaly_caption(shaping.anomaly_settings(project))


def test_a_cube_lists_each_dimension_value_once_and_rows_as_indexes() -> None:
    rows = [
        {"date_day": date(2026, 1, 1), "channel": "Email", "sessions": 3, "rate": 0.123456},
        {"date_day": date(2026, 1, 1), "channel": "Direct", "sessions": 2, "rate": 1.0},
        {"date_day": date(2026, 1, 2), "channel": "Email", "sessions": 1, "rate": None},
    ]
    assert shaping.cube(rows, ("date_day", "channel"), ("sessions", "rate")) == {
        "dimensions": {"date_day": ["2026-01-01", "2026-01-02"], "channel": ["Email", "Direct"]},
        "measures": ["sessions", "rate"],
        "rows": [[0, 0, 3, 0.1235], [0, 1, 2, 1], [1, 0, 1, None]],
    }
