"""Path-level attribution: the fractribution fixture, and Markov removal effects in closed form."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pytest

from microconv.attribution import (
    data_driven_credits,
    last_touch_credits,
    markov_credits,
    shapley_credits,
    summaries_from_columns,
)

FIXTURE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "fractribution"


def _fixture_summaries():
    with (FIXTURE / "path_summary_expected.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return summaries_from_columns(
        [row["transformed_path"] for row in rows],
        [float(row["conversions"]) for row in rows],
        [float(row["non_conversions"]) for row in rows],
        [float(row["revenue"] or 0) for row in rows],
    )


def _fixture_expected(model: str) -> dict[str, tuple[float, float]]:
    with (FIXTURE / "channel_attribution_expected.csv").open() as handle:
        return {
            row["CHANNEL"]: (float(row["CONVERSIONS"]), float(row["REVENUE"]))
            for row in csv.DictReader(handle)
            if row["ATTRIBUTION_TYPE"] == model
        }


@pytest.mark.parametrize(
    ("model", "function"), [("shapley", shapley_credits), ("last_touch", last_touch_credits)]
)
def test_reproduces_the_fractribution_fixture(model: str, function) -> None:
    ours = function(_fixture_summaries())
    expected = _fixture_expected(model)
    assert set(ours) == set(expected)
    for channel, (conversions, revenue) in expected.items():
        assert ours[channel][0] == pytest.approx(conversions, abs=1e-6), channel
        assert ours[channel][1] == pytest.approx(revenue, abs=1e-6), channel


def test_markov_toy_chain_in_closed_form() -> None:
    # start -> A -> B (4 journeys, 2 convert, revenue 100) and start -> B (4 journeys, 1 converts, 50).
    # P(convert) = 3/8; without A it halves (RE 1/2); without B nothing converts (RE 1).
    # Credits of 3 conversions: A 3 * 0.5 / 1.5 = 1, B 2; revenue 150 splits 50 / 100 the same way.
    summaries = summaries_from_columns(["A > B", "B"], [2, 1], [2, 3], [100.0, 50.0])
    credits = markov_credits(summaries)
    assert credits["A"] == pytest.approx((1.0, 50.0, 0.5))
    assert credits["B"] == pytest.approx((2.0, 100.0, 1.0))


def test_markov_handles_loops_and_channels_that_never_convert() -> None:
    # A repeats (a self-loop under the `none` transform); C is only seen on a non-converting path.
    summaries = summaries_from_columns(["A > A", "A", "C"], [1, 1, 0], [1, 2, 3], [10.0, 10.0, 0.0])
    credits = markov_credits(summaries)
    assert credits["C"] == pytest.approx((0.0, 0.0, 0.0))
    assert credits["A"][0] == pytest.approx(2.0)
    assert credits["A"][2] == pytest.approx(1.0)


def test_data_driven_table_holds_both_models_and_totals() -> None:
    table = pa.table(
        {
            "path": ["Email > Direct", "Direct", "Paid Search", "Email"],
            "conversions": [3, 2, 0, 1],
            "non_conversions": [5, 20, 7, 4],
            "revenue": [300.0, 100.0, 0.0, 40.0],
        }
    )
    result = data_driven_credits(table).to_pydict()
    for model in ("markov", "shapley"):
        rows = [i for i, name in enumerate(result["attribution_model"]) if name == model]
        assert {result["channel"][i] for i in rows} == {"Email", "Direct", "Paid Search"}
        assert sum(result["attributed_conversions"][i] for i in rows) == pytest.approx(6.0)
        assert sum(result["attributed_revenue"][i] for i in rows) == pytest.approx(440.0)


def test_frequency_labels_are_credited_to_their_channel() -> None:
    # Under the `frequency` transform a path reads `Email(2) > Direct(1)`: the models see Email(2) and
    # Email(1) as different states, channel_attribution reports Email. Shapley by hand: P(Email(2) >
    # Direct(1)) = 2/4, P(Email(2)) = 0 (never seen alone), P(Direct(1)) = 1/4: contributions
    # Email(2) 1/2 - 1/4 = 1/4, Direct(1) 1/2 - 0 = 1/2, shares 1/3 and 2/3 of 2 conversions; the
    # single-channel paths Direct(1) and Email(1) keep their own conversion: Email 2/3 + 1 = 5/3 and
    # revenue 20 + 30, Direct 4/3 + 1 = 7/3 and revenue 40 + 10.
    table = pa.table(
        {
            "path": ["Email(2) > Direct(1)", "Direct(1)", "Email(1)"],
            "conversions": [2, 1, 1],
            "non_conversions": [2, 3, 1],
            "revenue": [60.0, 10.0, 30.0],
        }
    )
    result = data_driven_credits(table).to_pydict()
    shapley = {
        channel: (conversions, revenue)
        for channel, model, conversions, revenue in zip(
            result["channel"],
            result["attribution_model"],
            result["attributed_conversions"],
            result["attributed_revenue"],
            strict=True,
        )
        if model == "shapley"
    }
    assert set(shapley) == {"Email", "Direct"}
    assert shapley["Email"] == pytest.approx((5 / 3, 20.0 + 30.0))
    assert shapley["Direct"] == pytest.approx((7 / 3, 40.0 + 10.0))
    markov_channels = {
        c for c, m in zip(result["channel"], result["attribution_model"], strict=True) if m == "markov"
    }
    assert markov_channels == {"Email", "Direct"}
