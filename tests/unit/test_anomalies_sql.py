"""The anomaly detector's Student-t critical value (macros/anomalies.sql), rendered to SQL and run in
DuckDB, against scipy.stats.t."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from scipy import stats

from tests.sql_macros import load_macros

macros = load_macros("statistics.sql", "anomalies.sql")


def _quantiles(z: float, degrees: list[int]) -> np.ndarray:
    with duckdb.connect() as con:
        con.register("inputs", {"degrees": np.array(degrees)})
        sql = macros.student_t_quantile_at_normal_z(z, "degrees")
        return np.array([row[0] for row in con.execute(f"select {sql} from inputs").fetchall()], dtype=float)


@pytest.mark.parametrize("z", [2.0, 2.5, 3.0])
def test_t_quantile_is_exact_for_one_and_two_degrees(z: float) -> None:
    expected = stats.t.isf(stats.norm.sf(z), [1, 2])
    np.testing.assert_allclose(_quantiles(z, [1, 2]), expected, rtol=1e-6)


@pytest.mark.parametrize("z", [2.0, 2.5, 3.0])
def test_t_quantile_matches_scipy_within_the_documented_error(z: float) -> None:
    degrees = [3, 4, 5, 6, 7, 10, 13, 20, 27, 50, 200]
    ours = _quantiles(z, degrees)
    expected = stats.t.isf(stats.norm.sf(z), degrees)
    relative_error = np.abs(ours / expected - 1)
    assert relative_error[0] < 0.025  # 3 degrees of freedom
    assert (relative_error[3:] < 0.002).all(), dict(zip(degrees, relative_error, strict=True))
    # The normal quantile is the limit: the bound shrinks towards z as the baseline grows.
    assert (np.diff(ours) < 0).all() and ours[-1] == pytest.approx(z, rel=0.015)


def test_t_quantile_of_the_documented_examples() -> None:
    # The bounds quoted in _micro_conversions__models.yml: t(2 df) at z = 2 and t(6 df) at z = 3.
    assert _quantiles(2.0, [2])[0] == pytest.approx(4.5265, abs=1e-4)
    assert _quantiles(3.0, [6])[0] == pytest.approx(stats.t.isf(stats.norm.sf(3.0), 6), rel=0.002)
    assert stats.t.isf(stats.norm.sf(3.0), 6) == pytest.approx(4.9041, abs=1e-4)


def test_no_quantile_without_a_degree_of_freedom() -> None:
    assert np.isnan(_quantiles(3.0, [0])[0])
