"""Path-level attribution over a distinct-path summary: exact Markov removal effects and Google
fractribution's simplified Shapley (counterfactual) model.

Input: one row per distinct transformed channel path (channels joined by ' > ') with its conversions,
non-conversions and revenue. Used by the dbt Python model `int_attribution_data_driven` and, on the
fractribution fixture, by the tests: one code path.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

PATH_SEPARATOR = " > "


@dataclass(frozen=True)
class PathSummary:
    path: tuple[str, ...]
    conversions: float
    non_conversions: float
    revenue: float


def summaries_from_columns(
    paths: Sequence[str | None],
    conversions: Sequence[float | None],
    non_conversions: Sequence[float | None],
    revenue: Sequence[float | None],
) -> list[PathSummary]:
    """Distinct paths (duplicates merged); empty paths are dropped (nothing to credit)."""
    merged: dict[tuple[str, ...], list[float]] = {}
    for path, converted, not_converted, value in zip(
        paths, conversions, non_conversions, revenue, strict=True
    ):
        channels = tuple(path.split(PATH_SEPARATOR)) if path else ()
        if not channels:
            continue
        totals = merged.setdefault(channels, [0.0, 0.0, 0.0])
        totals[0] += float(converted or 0)
        totals[1] += float(not_converted or 0)
        totals[2] += float(value or 0)
    return [PathSummary(path, *totals) for path, totals in merged.items()]


def channels_of(summaries: Iterable[PathSummary]) -> list[str]:
    return sorted({channel for summary in summaries for channel in summary.path})


def shapley_credits(summaries: Sequence[PathSummary]) -> dict[str, tuple[float, float]]:
    """Fractribution's simplified Shapley: per converting path, each touch's marginal contribution is
    P(path) - P(path without that touch), floored at 0 (a single-channel path gets P(path)); the
    contributions are normalised to 1 (all to the last touch if they are all 0) and summed per channel,
    weighted by the path's conversions and revenue. P(path) = conversions / (conversions + non-conversions),
    0 for a path never observed."""
    probability = {
        summary.path: summary.conversions / (summary.conversions + summary.non_conversions)
        if summary.conversions + summary.non_conversions
        else 0.0
        for summary in summaries
    }
    credits = {channel: [0.0, 0.0] for channel in channels_of(summaries)}
    for summary in summaries:
        if not summary.conversions:
            continue
        path = summary.path
        own = probability[path]
        if len(path) == 1:
            contributions = [own]
        else:
            contributions = [
                max(own - probability.get(path[:i] + path[i + 1 :], 0.0), 0.0) for i in range(len(path))
            ]
        total = sum(contributions)
        if total:
            shares = [contribution / total for contribution in contributions]
        else:
            shares = [0.0] * (len(path) - 1) + [1.0]
        for channel, share in zip(path, shares, strict=True):
            credits[channel][0] += share * summary.conversions
            credits[channel][1] += share * summary.revenue
    return {channel: (values[0], values[1]) for channel, values in credits.items()}


def last_touch_credits(summaries: Sequence[PathSummary]) -> dict[str, tuple[float, float]]:
    """Every conversion and its revenue to the last channel of its path."""
    credits = {channel: [0.0, 0.0] for channel in channels_of(summaries)}
    for summary in summaries:
        credits[summary.path[-1]][0] += summary.conversions
        credits[summary.path[-1]][1] += summary.revenue
    return {channel: (values[0], values[1]) for channel, values in credits.items()}


def _absorption(transitions: np.ndarray, absorbed: np.ndarray) -> float:
    """Expected absorbed quantity starting from state 0 of a chain with transient matrix `transitions`."""
    size = transitions.shape[0]
    return float(np.linalg.solve(np.eye(size) - transitions, absorbed)[0])


def markov_credits(summaries: Sequence[PathSummary]) -> dict[str, tuple[float, float, float]]:
    """First-order absorbing Markov chain (start -> channels -> conversion | null), solved exactly.

    Removal effect of channel c = 1 - P(conversion | c removed) / P(conversion), where removing c sends
    every transition into c to null. Conversions are credited total x effect / sum of effects. Revenue
    uses the same chain with each conversion edge weighted by its paths' revenue (expected revenue
    instead of conversion probability). Returns channel -> (conversions, revenue, removal effect).
    """
    channels = channels_of(summaries)
    index = {channel: position + 1 for position, channel in enumerate(channels)}
    size = len(channels) + 1
    counts = np.zeros((size, size))
    to_conversion = np.zeros(size)
    to_null = np.zeros(size)
    to_revenue = np.zeros(size)
    for summary in summaries:
        weight = summary.conversions + summary.non_conversions
        states = [0] + [index[channel] for channel in summary.path]
        for origin, target in itertools.pairwise(states):
            counts[origin, target] += weight
        to_conversion[states[-1]] += summary.conversions
        to_null[states[-1]] += summary.non_conversions
        to_revenue[states[-1]] += summary.revenue
    outflow = counts.sum(axis=1) + to_conversion + to_null
    outflow[outflow == 0] = 1.0
    transitions = counts / outflow[:, None]
    conversion_rate = to_conversion / outflow
    revenue_rate = to_revenue / outflow
    base_conversion = _absorption(transitions, conversion_rate) if conversion_rate.any() else 0.0
    base_revenue = _absorption(transitions, revenue_rate) if revenue_rate.any() else 0.0
    effects, revenue_effects = [], []
    for channel in channels:
        removed = transitions.copy()
        removed[:, index[channel]] = 0.0
        removed[index[channel], :] = 0.0
        kept_conversion, kept_revenue = conversion_rate.copy(), revenue_rate.copy()
        kept_conversion[index[channel]] = 0.0
        kept_revenue[index[channel]] = 0.0
        effects.append(
            1 - _absorption(removed, kept_conversion) / base_conversion if base_conversion else 0.0
        )
        revenue_effects.append(1 - _absorption(removed, kept_revenue) / base_revenue if base_revenue else 0.0)
    total_conversions = sum(summary.conversions for summary in summaries)
    total_revenue = sum(summary.revenue for summary in summaries)
    effect_sum, revenue_effect_sum = sum(effects), sum(revenue_effects)
    return {
        channel: (
            total_conversions * effect / effect_sum if effect_sum else 0.0,
            total_revenue * revenue_effect / revenue_effect_sum if revenue_effect_sum else 0.0,
            effect,
        )
        for channel, effect, revenue_effect in zip(channels, effects, revenue_effects, strict=True)
    }


_FREQUENCY_LABEL = re.compile(r"^(.*)\((\d+)\)$")


def channel_of_label(label: str) -> str:
    """The channel of a path element: `Email(2)` (the `frequency` path transform's label, fractribution's
    notation for a channel seen twice) is Email; any other element is its own channel."""
    match = _FREQUENCY_LABEL.match(label)
    return match.group(1) if match else label


def _by_channel(credits: dict[str, tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
    """Credits per path element summed per channel (frequency labels of one channel added up)."""
    totals: dict[str, list[float]] = {}
    for label, values in credits.items():
        summed = totals.setdefault(channel_of_label(label), [0.0] * len(values))
        for position, value in enumerate(values):
            summed[position] += value
    return {channel: tuple(values) for channel, values in totals.items()}


def data_driven_credits(path_summary: pa.Table) -> pa.Table:
    """Markov and Shapley credits per channel for a path summary table
    (columns path, conversions, non_conversions, revenue). Under the `frequency` path transform the
    models see `Email(1)` and `Email(2)` as different states; their credits (and Markov removal
    effects) are summed into Email."""
    columns = path_summary.to_pydict()
    summaries = summaries_from_columns(
        columns["path"], columns["conversions"], columns["non_conversions"], columns["revenue"]
    )
    rows: dict[str, list] = {
        "channel": [],
        "attribution_model": [],
        "attributed_conversions": [],
        "attributed_revenue": [],
        "removal_effect": [],
    }
    for channel, (conversions, revenue, effect) in _by_channel(markov_credits(summaries)).items():
        for key, value in zip(rows, (channel, "markov", conversions, revenue, effect), strict=True):
            rows[key].append(value)
    for channel, (conversions, revenue) in _by_channel(shapley_credits(summaries)).items():
        for key, value in zip(rows, (channel, "shapley", conversions, revenue, None), strict=True):
            rows[key].append(value)
    return pa.table(
        {
            "channel": pa.array(rows["channel"], pa.string()),
            "attribution_model": pa.array(rows["attribution_model"], pa.string()),
            "attributed_conversions": pa.array(rows["attributed_conversions"], pa.float64()),
            "attributed_revenue": pa.array(rows["attributed_revenue"], pa.float64()),
            "removal_effect": pa.array(rows["removal_effect"], pa.float64()),
        }
    )
