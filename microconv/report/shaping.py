"""Pure data shaping for the dashboard: periods, currencies, complete cohort weeks, impact groups,
top movers, the anomaly caption, and the compact cubes the page's filters add up in the browser.

Everything here takes and returns plain Python values (rows are dicts keyed by column name), so that
it is unit-tested on hand-computed inputs without a browser or a warehouse.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

Row = dict[str, Any]

# The date-range presets of the filter bar, in days ending on the newest day of data (inclusive).
RANGE_PRESETS = (7, 28, 90)


def period(end: date, days: int) -> tuple[date, date]:
    """The `days`-day period ending on `end` (both inclusive), e.g. (Nov 3, Nov 30) for 28 days."""
    if days < 1:
        raise ValueError(f"a period has at least one day, not {days}")
    return end - timedelta(days=days - 1), end


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of equal length just before [start, end] (both inclusive)."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def change(current: float | None, previous: float | None) -> float | None:
    """Relative period-over-period change (current / previous - 1); None when there is nothing to
    compare with (previous missing or 0), so that a change is never shown as infinite."""
    if current is None or previous is None or previous == 0:
        return None
    return current / previous - 1


def sum_in_period(rows: Iterable[Row], column: str, start: date, end: date, day: str = "date_day") -> float:
    """Sum of `column` over rows whose `day` lies in [start, end] (nulls count as 0)."""
    return sum(row[column] or 0 for row in rows if start <= row[day] <= end)


def by_currency(rows: Iterable[Row], amount: str, currency: str = "currency") -> dict[str, float]:
    """{currency: sum of amount} — amounts are added up within a currency only, never across.
    A row without a currency is kept under "unknown currency" rather than merged into another."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        if row[amount] is None:
            continue
        totals[row[currency] or "unknown currency"] += row[amount]
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def money(amount: float | None, currency: str) -> str:
    """An amount with its currency, e.g. "1,234.50 EUR"; an empty string for a missing amount."""
    return "" if amount is None else f"{amount:,.2f} {currency}"


def complete_cohort_rows(
    rows: Iterable[Row], latest_day: date | None, first_day: date | None = None
) -> list[Row]:
    """Cohort cells of complete weeks only.

    A cell (cohort_week, w) is kept when week w is fully observed, cohort_week + (w + 1) x 7 days on or
    before `latest_day` (the newest day with data, taken as partial; the mart applies the same rule), and
    when the cohort week itself is complete: it starts on or after `first_day`, the first day with data
    (a cohort week cut by the start of the data holds only the users of its last days)."""
    if latest_day is None:
        return []
    return [
        row
        for row in rows
        if row["cohort_week"] + timedelta(days=7 * (row["weeks_since_cohort"] + 1)) <= latest_day
        and (first_day is None or row["cohort_week"] >= first_day)
    ]


def funnel_step_names(funnel_rows: Iterable[Row]) -> set[str]:
    """Names of every funnel's steps (funnel_steps.step_name, ordered funnels only name one event)."""
    return {row["step_name"] for row in funnel_rows}


def split_impact(rows: Sequence[Row], step_names: set[str]) -> tuple[list[Row], list[Row]]:
    """Impact rows in two groups: micro-conversions that are themselves funnel steps (they lead to the
    purchase by construction, so they top any ranking), and the supporting ones."""
    steps = [row for row in rows if row["micro_conversion"] in step_names]
    others = [row for row in rows if row["micro_conversion"] not in step_names]
    return steps, others


def top_movers(
    rows: Iterable[Row], start: date, end: date, limit: int = 10, key: str = "micro_conversion"
) -> list[Row]:
    """Micro-conversions with the largest absolute change in occurrences between [start, end] and the
    period of equal length before it: [{micro_conversion, current, previous, delta, change}], largest
    |delta| first (ties: larger current count, then name). dashboard.js computes the same in the page."""
    previous_start, previous_end = previous_period(start, end)
    current: dict[str, float] = defaultdict(float)
    previous: dict[str, float] = defaultdict(float)
    for row in rows:
        if start <= row["date_day"] <= end:
            current[row[key]] += row["occurrences"] or 0
        elif previous_start <= row["date_day"] <= previous_end:
            previous[row[key]] += row["occurrences"] or 0
    movers = [
        {
            key: name,
            "current": current[name],
            "previous": previous[name],
            "delta": current[name] - previous[name],
            "change": change(current[name], previous[name]),
        }
        for name in set(current) | set(previous)
    ]
    # The same order as dashboard.js: largest |delta|, then the larger current count, then the name.
    movers.sort(key=lambda row: (-abs(row["delta"]), -row["current"], row[key]))
    return movers[:limit]


# dbt_project.yml's defaults of the anomaly settings (used when the project file cannot be read).
ANOMALY_DEFAULTS = {
    "anomaly_baseline_days": 28,
    "anomaly_z_threshold": 3,
    "anomaly_min_baseline_points": 7,
    "anomaly_min_baseline_mean": 5,
    "anomaly_stddev_floor": "poisson",
    "anomaly_compare_same_weekday": False,
}


def anomaly_settings(project_dir: Path | None) -> dict[str, Any]:
    """The anomaly detector's dbt vars from the project's dbt_project.yml (defaults when absent)."""
    settings = dict(ANOMALY_DEFAULTS)
    if project_dir is None:
        return settings
    try:
        project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return settings
    variables = project.get("vars") or {}
    settings.update({name: variables[name] for name in ANOMALY_DEFAULTS if name in variables})
    return settings


def _is_true(value: Any) -> bool:
    return value in (True, "true", "True", 1, "1")


def anomaly_caption(settings: dict[str, Any]) -> str:
    """What the anomaly markers mean, from the settings actually in force (never a baseline that is off)."""
    days = settings["anomaly_baseline_days"]
    if _is_true(settings["anomaly_compare_same_weekday"]):
        baseline = f"the same weekday in the previous {days} days (anomaly_compare_same_weekday: true)"
    else:
        baseline = (
            f"every day of the previous {days} days, weekdays not separated (anomaly_compare_same_weekday: "
            "false; set it to true to compare Mondays with Mondays)"
        )
    floor = (
        " The scale is at least sqrt(mean) (anomaly_stddev_floor: poisson): Poisson noise is not flagged."
        if str(settings["anomaly_stddev_floor"]).lower() == "poisson"
        else ""
    )
    return (
        f"Baseline: {baseline}, outlier days screened out. A day is marked when |z| = |count - baseline "
        f"mean| / baseline standard deviation reaches the prediction-interval bound of anomaly_z_threshold "
        f"= {settings['anomaly_z_threshold']}; a series needs {settings['anomaly_min_baseline_points']} "
        f"baseline days and a mean of {settings['anomaly_min_baseline_mean']} a day to be scored, and the "
        f"newest (still filling) day is never scored.{floor}"
    )


def cube(rows: Sequence[Row], dimensions: Sequence[str], measures: Sequence[str]) -> dict[str, Any]:
    """A compact table for the page's filters: each dimension's distinct values once, and every row as
    [dimension indexes…, measures…]. Dates become ISO strings. E.g. dimensions ("date_day", "channel")
    give {"dimensions": {"date_day": ["2026-01-01"], "channel": ["Email"]}, "measures": [...],
    "rows": [[0, 0, 12]]}."""
    values: dict[str, dict[Any, int]] = {dimension: {} for dimension in dimensions}
    encoded = []
    for row in rows:
        indexes = []
        for dimension in dimensions:
            value = row[dimension]
            value = value.isoformat() if isinstance(value, date) else value
            indexes.append(values[dimension].setdefault(value, len(values[dimension])))
        encoded.append(indexes + [_compact(row[measure]) for measure in measures])
    return {
        "dimensions": {dimension: list(seen) for dimension, seen in values.items()},
        "measures": list(measures),
        "rows": encoded,
    }


def _compact(value: Any) -> Any:
    """Integers stay integers; other numbers are rounded to 4 decimals to keep the page small."""
    if value is None or isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else round(number, 4)
