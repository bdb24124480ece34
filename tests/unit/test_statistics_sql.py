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


def test_chi_square_p_value_matches_scipy_for_any_degree(con) -> None:
    # The regularized upper incomplete gamma function Q(df / 2, x / 2) = scipy.stats.chi2.sf(x, df), for
    # df 1 … 30 and statistics from 0 to 200 (the old closed forms stopped at 9 degrees of freedom);
    # relative error that of the erfc fit (1.2e-7) for odd df.
    statistics = np.concatenate([[0.0, 1e-6, 0.01, 0.5, 3.84], np.linspace(1.0, 200.0, 200)])
    degrees = np.arange(1, 31)
    grid_x, grid_df = np.meshgrid(statistics, degrees)
    ours = _evaluate(
        con,
        macros.chi_square_p_value("statistic", "degrees"),
        {"statistic": grid_x.ravel(), "degrees": grid_df.ravel()},
    )
    reference = stats.chi2.sf(grid_x.ravel(), grid_df.ravel())
    np.testing.assert_allclose(ours, reference, rtol=2e-7, atol=1e-300)


def test_chi_square_p_value_beyond_the_unrolled_sums_is_close(con) -> None:
    # Above max_degrees (100) the Wilson-Hilferty approximation: absolute error below 1e-3.
    degrees = np.repeat([101, 150, 400], 5)
    statistics = np.tile([60.0, 100.0, 130.0, 180.0, 500.0], 3)
    ours = _evaluate(
        con, macros.chi_square_p_value("statistic", "degrees"), {"statistic": statistics, "degrees": degrees}
    )
    np.testing.assert_allclose(ours, stats.chi2.sf(statistics, degrees), atol=1e-3)
    assert ((ours >= 0) & (ours <= 1)).all()


def test_p_values_never_leave_zero_one_at_a_tie(con) -> None:
    # erfc's Chebyshev fit gives 1.00000003 at 0: two variants converting at the same rate (z = 0) or an
    # independent 2x2 table (chi-square 0) must give exactly 1, or accepted_range fails the whole run.
    zero = {"statistic": np.array([0.0]), "degrees": np.array([1])}
    assert _evaluate(con, macros.normal_two_sided_p_value("statistic"), zero)[0] == 1.0
    assert _evaluate(con, macros.chi_square_1df_p_value("statistic"), zero)[0] == 1.0
    assert _evaluate(con, macros.chi_square_p_value("statistic", "degrees"), zero)[0] == 1.0
    tiny = {"statistic": np.array([1e-12, 1e-9, 1e-6, 40.0, 80.0])}
    for sql in (macros.normal_two_sided_p_value("statistic"), macros.chi_square_1df_p_value("statistic")):
        values = _evaluate(con, sql, tiny)
        assert ((values >= 0) & (values <= 1)).all(), values


def test_normal_quantile_matches_scipy(con) -> None:
    probability = np.array(
        [1e-10, 1e-4, 0.0001, 0.01, 0.02425, 0.025, 0.3, 0.5, 0.8, 0.95, 0.975, 0.995, 0.99999]
    )
    ours = _evaluate(con, macros.normal_quantile("probability"), {"probability": probability})
    np.testing.assert_allclose(ours, stats.norm.ppf(probability), rtol=1.2e-9, atol=1e-12)


def _wilson(x: float, n: float, z: float) -> tuple[float, float]:
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.01])
def test_newcombe_interval_of_a_difference_matches_a_reference(con, alpha: float) -> None:
    # Newcombe (1998) method 10, written out from the paper with scipy's normal quantile; his own
    # example 56/70 - 48/80 has the 95% interval 0.0524 … 0.3339 (Table II, method 10).
    tables = [*TABLES, (56, 70, 48, 80), (0, 10, 0, 10), (10, 10, 0, 20)]
    x1, n1, x2, n2 = (np.array(column, dtype=float) for column in zip(*tables, strict=True))
    z = stats.norm.ppf(1 - alpha / 2)
    columns = dict(x1=x1, n1=n1, x2=x2, n2=n2)
    z_sql = macros.normal_quantile(f"1 - {alpha} / 2")
    low = _evaluate(con, macros.newcombe_difference_bound("x1", "n1", "x2", "n2", z_sql, -1), columns)
    high = _evaluate(con, macros.newcombe_difference_bound("x1", "n1", "x2", "n2", z_sql, 1), columns)
    for index, (a, na, b, nb) in enumerate(tables):
        l1, u1 = _wilson(a, na, z)
        l2, u2 = _wilson(b, nb, z)
        d = a / na - b / nb
        expected_low = d - np.sqrt((a / na - l1) ** 2 + (u2 - b / nb) ** 2)
        expected_high = d + np.sqrt((u1 - a / na) ** 2 + (b / nb - l2) ** 2)
        assert low[index] == pytest.approx(expected_low, rel=1e-7, abs=1e-8), tables[index]
        assert high[index] == pytest.approx(expected_high, rel=1e-7, abs=1e-8), tables[index]
        assert -1 <= low[index] <= d <= high[index] <= 1
    if alpha == 0.05:
        assert (low[-3], high[-3]) == pytest.approx((0.0524, 0.3339), abs=1e-4)


def test_benjamini_hochberg_q_values_match_scipy_per_family(con) -> None:
    rng = np.random.default_rng(7)
    families, p_values = [], []
    for family, size in enumerate([1, 2, 5, 24, 60]):
        values = np.concatenate([rng.uniform(0, 1, size - size // 3), rng.uniform(0, 0.01, size // 3)])
        if size >= 5:
            values[1] = values[2]  # a tie
        families += [family] * size
        p_values += list(values)
    families += [1, 3]  # rows without a test: no q-value, and not counted in m
    p_values += [None, None]
    con.register(
        "tests_run",
        {"family": np.array(families), "p_value": np.array(p_values, dtype=object).astype(float)},
    )
    ranked = (
        f"select family, p_value, {macros.p_value_rank('p_value', 'family')} as p_value_rank, "
        f"{macros.p_value_tests('p_value', 'family')} as p_value_tests from tests_run"
    )
    rows = con.execute(
        "select family, p_value, "
        + macros.benjamini_hochberg_q_value("p_value", "p_value_rank", "p_value_tests", "family")
        + f" from ({ranked}) as ranked"
    ).fetchall()
    assert len(rows) == len(p_values)
    for family in set(families):
        got = sorted((p, q) for f, p, q in rows if f == family and p is not None and not np.isnan(p))
        expected = stats.false_discovery_control([p for p, _ in got], method="bh")
        np.testing.assert_allclose([q for _, q in got], expected, rtol=1e-12)
        assert all(q is None or np.isnan(q) for f, p, q in rows if f == family and (p is None or np.isnan(p)))
    # One family over everything: no partition.
    single = con.execute(
        "select p_value, "
        + macros.benjamini_hochberg_q_value("p_value", "p_value_rank", "p_value_tests")
        + " from (select p_value, "
        + macros.p_value_rank("p_value")
        + " as p_value_rank, "
        + macros.p_value_tests("p_value")
        + " as p_value_tests from tests_run where p_value is not null) as ranked order by p_value"
    ).fetchall()
    expected = stats.false_discovery_control([p for p, _ in single], method="bh")
    np.testing.assert_allclose([q for _, q in single], expected, rtol=1e-12)


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


def test_micro_conversion_value_interval_covers_a_known_effect_at_the_nominal_rate(con) -> None:
    # micro_conversion_value = (rate with - rate without) x average order value, with the Newcombe
    # interval of the difference times the average. A simulated population whose micro-conversion is
    # assigned at random: 30% of 300 users with it and 10% of 1,200 without it buy, orders worth 50, so
    # the true value is 0.2 x 50 = 10 per user. Over 2,000 seeded studies the 95% interval holds 10 in
    # about 95% of them (Newcombe 1998 reports coverage close to nominal for method 10).
    rng = np.random.default_rng(7)
    studies = 2000
    columns = {
        "x1": rng.binomial(300, 0.3, studies).astype(float),
        "n1": np.full(studies, 300.0),
        "x2": rng.binomial(1200, 0.1, studies).astype(float),
        "n2": np.full(studies, 1200.0),
    }
    z_sql = macros.normal_quantile("1 - 0.05 / 2")
    average_value = 50.0
    low = average_value * _evaluate(
        con, macros.newcombe_difference_bound("x1", "n1", "x2", "n2", z_sql, -1), columns
    )
    high = average_value * _evaluate(
        con, macros.newcombe_difference_bound("x1", "n1", "x2", "n2", z_sql, 1), columns
    )
    estimate = average_value * (columns["x1"] / 300 - columns["x2"] / 1200)
    coverage = np.mean((low <= 10.0) & (high >= 10.0))
    assert 0.935 <= coverage <= 0.965, coverage
    assert abs(estimate.mean() - 10.0) < 0.1  # unbiased under random assignment
