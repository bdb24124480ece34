"""The statistics macros, rendered to SQL and run in DuckDB, against scipy on many tables."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from scipy import stats

from tests.sql_macros import load_macros

macros = load_macros("statistics.sql")


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _evaluate(con: duckdb.DuckDBPyConnection, expression: str, columns: dict[str, np.ndarray]) -> np.ndarray:
    con.register("inputs", {name: np.asarray(values) for name, values in columns.items()})
    return np.array(
        [row[0] for row in con.execute(f"select {expression} from inputs").fetchall()], dtype=float
    )


def test_chi_square_p_value_matches_scipy_for_every_supported_degree(con) -> None:
    statistics = np.array([0.0, 0.01, 0.5, 1.0, 3.84, 7.5, 15.0, 40.0, 120.0])
    for degrees in range(1, 10):
        sql = macros.chi_square_p_value("statistic", "degrees")
        ours = _evaluate(con, sql, {"statistic": statistics, "degrees": np.full(len(statistics), degrees)})
        reference = stats.chi2.sf(statistics, degrees)
        np.testing.assert_allclose(ours, reference, rtol=2e-6, atol=1e-12, err_msg=f"df={degrees}")


def test_normal_p_value_matches_scipy(con) -> None:
    z = np.array([-6.0, -3.0, -1.959963984540054, -0.5, 0.0, 0.7, 2.5, 8.0])
    ours = _evaluate(con, macros.normal_two_sided_p_value("z"), {"z": z})
    np.testing.assert_allclose(ours, 2 * stats.norm.sf(np.abs(z)), rtol=2e-6, atol=1e-15)


TABLES = [  # (converted variant, exposed variant, converted control, exposed control)
    (120, 1000, 100, 1000),
    (35, 400, 20, 410),
    (5, 50, 9, 52),
    (970, 8211, 732, 8132),
    (0, 30, 3, 31),
]


def test_two_proportion_z_test_and_interval_match_references(con) -> None:
    x1, n1, x2, n2 = (np.array(column, dtype=float) for column in zip(*TABLES, strict=True))
    z = _evaluate(
        con, macros.two_proportion_z_score("x1", "n1", "x2", "n2"), dict(x1=x1, n1=n1, x2=x2, n2=n2)
    )
    p_value = _evaluate(
        con,
        macros.normal_two_sided_p_value(macros.two_proportion_z_score("x1", "n1", "x2", "n2")),
        dict(x1=x1, n1=n1, x2=x2, n2=n2),
    )
    se = _evaluate(
        con, macros.proportion_difference_se("x1", "n1", "x2", "n2"), dict(x1=x1, n1=n1, x2=x2, n2=n2)
    )
    for index, (a, na, b, nb) in enumerate(TABLES):
        # Reference: the pooled two-proportion z-test (statsmodels' proportions_ztest) via scipy.
        pooled = (a + b) / (na + nb)
        reference_z = (a / na - b / nb) / np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        assert z[index] == pytest.approx(reference_z, rel=1e-12)
        assert p_value[index] == pytest.approx(2 * stats.norm.sf(abs(reference_z)), rel=2e-6)
        reference_se = np.sqrt(a / na * (1 - a / na) / na + b / nb * (1 - b / nb) / nb)
        assert se[index] == pytest.approx(reference_se, rel=1e-12)


@pytest.mark.parametrize(
    ("counts", "weights"),
    [([5000, 5100], None), ([980, 1000, 1040], None), ([700, 300], [0.7, 0.3]), ([100, 90, 120, 95], None)],
)
def test_sample_ratio_mismatch_matches_scipy_chisquare(
    con, counts: list[int], weights: list[float] | None
) -> None:
    observed = np.array(counts, dtype=float)
    shares = np.array(weights) if weights else np.full(len(counts), 1 / len(counts))
    expected = observed.sum() * shares
    statistic = float(((observed - expected) ** 2 / expected).sum())
    sql = macros.chi_square_p_value("statistic", "degrees")
    ours = _evaluate(con, sql, {"statistic": np.array([statistic]), "degrees": np.array([len(counts) - 1])})[
        0
    ]
    assert ours == pytest.approx(stats.chisquare(observed, expected).pvalue, rel=2e-6)


def test_a_a_tables_are_rejected_at_about_the_nominal_rate(con) -> None:
    rng = np.random.default_rng(20261127)
    tables = 20_000
    n1 = rng.integers(500, 5000, tables).astype(float)
    n2 = rng.integers(500, 5000, tables).astype(float)
    rate = rng.uniform(0.02, 0.3, tables)
    x1 = rng.binomial(n1.astype(int), rate).astype(float)
    x2 = rng.binomial(n2.astype(int), rate).astype(float)
    p_value = _evaluate(
        con,
        macros.normal_two_sided_p_value(macros.two_proportion_z_score("x1", "n1", "x2", "n2")),
        dict(x1=x1, n1=n1, x2=x2, n2=n2),
    )
    rejection_rate = float((p_value < 0.05).mean())
    print(f"A/A rejection rate at alpha 0.05 over {tables} tables: {rejection_rate:.4f}")
    # Binomial sd of the rate at 20,000 tables is 0.0015: 0.05 +/- 0.006 is four of them.
    assert 0.044 < rejection_rate < 0.056
