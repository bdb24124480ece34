"""micro_conversion_impact's SQL, compiled by dbt and run in DuckDB on simulated users.

The inputs (dim_users, fct_micro_conversions, fct_macro_conversions and the two definition seeds) are
built here from populations whose truth is known: an event drawn independently of buying must come out
with lift ~ 1 and not significant, an event that doubles the purchase probability with lift ~ 2, and
Fisher's exact test must agree with scipy on tables whose support starts far from 0.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import stats

PROJECT_DIR = Path(__file__).resolve().parents[2]
START = datetime(2026, 1, 1)
EXPOSURE_DAYS = 3
OUTCOME_DAYS = 7
VARS = {
    "impact_exposure_days": EXPOSURE_DAYS,
    "impact_outcome_days": OUTCOME_DAYS,
    "significance_level": 0.05,
    "fisher_max_support": 5000,
    "impact_min_users": 30,
    "impact_min_conversions": 10,
}


@pytest.fixture(scope="module")
def impact_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The model's SQL as dbt compiles it for DuckDB, its relations renamed to bare table names."""
    root = tmp_path_factory.mktemp("impact")
    env = {
        **os.environ,
        "MICROCONV_DUCKDB_PATH": str(root / "compile.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "compile",
            "--select",
            "micro_conversion_impact",
            "--vars",
            json.dumps(VARS),
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
            "--quiet",
        ],
        cwd=PROJECT_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    (compiled,) = (root / "target" / "compiled").rglob("micro_conversion_impact.sql")
    return re.sub(r'"[^"]+"\."[^"]+"\."(\w+)"', r"\1", compiled.read_text())


def _table(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list | np.ndarray]) -> None:
    con.register(f"{name}_input", {column: np.asarray(values) for column, values in columns.items()})
    con.execute(f"create table {name} as select * from {name}_input")


def _run(sql: str, users: dict, micro: dict, macro: dict, micro_names: list[str]) -> dict:
    """Rows of the model keyed by micro_conversion (macro_conversion is always `purchase`)."""
    con = duckdb.connect()
    _table(con, "dim_users", users)
    _table(con, "fct_micro_conversions", micro)
    _table(con, "fct_macro_conversions", macro)
    _table(con, "micro_conversion_definitions", {"micro_conversion": micro_names})
    _table(con, "macro_conversion_definitions", {"macro_conversion": ["purchase"]})
    cursor = con.execute(sql)
    names = [column[0] for column in cursor.description]
    rows = {
        row[names.index("micro_conversion")]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()
    }
    con.close()
    return rows


def _at(days: np.ndarray | float) -> np.ndarray:
    """Timestamps `days` after START (microsecond precision)."""
    return np.datetime64(START, "us") + np.round(np.asarray(days) * 86_400e6).astype("timedelta64[us]")


def _simulate(seed: int, users: int) -> tuple[dict, dict, dict]:
    """Users first seen over 30 days, observed until day 40. `login`: Poisson(1.5) logins anywhere in
    the user's first 20 days, independent of everything. `wishlist`: done in the exposure window by 30%
    of users, and it doubles the chance of buying in the outcome window (8% -> 16%). Some users buy
    early (inside the exposure window), logins keep coming after purchases, as in real data, and
    purchases after the outcome window count for nothing."""
    rng = np.random.default_rng(seed)
    keys = np.array([f"u{index}" for index in range(users)] + ["observer"])
    seen = np.append(rng.uniform(0, 30, users), 0.0)
    last = np.append(seen[:-1] + 0.1, 40.0)  # the observer's last event closes the observation
    logins = rng.poisson(1.5, users)
    login_user = np.repeat(np.arange(users), logins)
    login_at = seen[login_user] + rng.uniform(0, 20, len(login_user))
    has_wishlist = rng.random(users) < 0.3
    wishlist_user = np.flatnonzero(has_wishlist)
    wishlist_at = seen[wishlist_user] + rng.uniform(0, EXPOSURE_DAYS, len(wishlist_user))
    early = np.flatnonzero(rng.random(users) < 0.1)
    in_window = np.flatnonzero(rng.random(users) < np.where(has_wishlist, 0.16, 0.08))
    late = np.flatnonzero(rng.random(users) < 0.1)
    buyers = np.concatenate([early, in_window, late])
    bought_at = seen[buyers] + np.concatenate(
        [
            rng.uniform(0, EXPOSURE_DAYS, len(early)),
            rng.uniform(EXPOSURE_DAYS, EXPOSURE_DAYS + OUTCOME_DAYS, len(in_window)),
            rng.uniform(EXPOSURE_DAYS + OUTCOME_DAYS, 30, len(late)),
        ]
    )
    return (
        {"user_key": keys, "first_seen_at": _at(seen), "last_seen_at": _at(last)},
        {
            "user_key": keys[np.concatenate([login_user, wishlist_user])],
            "micro_conversion": np.array(["login"] * len(login_user) + ["wishlist"] * len(wishlist_user)),
            "occurred_at": _at(np.concatenate([login_at, wishlist_at])),
        },
        {
            "user_key": keys[buyers],
            "macro_conversion": np.full(len(buyers), "purchase"),
            "converted_at": _at(bought_at),
        },
    )


def test_independent_event_has_no_lift_and_a_doubling_event_has_lift_two(impact_sql: str) -> None:
    users, micro, macro = _simulate(seed=20261130, users=30_000)
    rows = _run(impact_sql, users, micro, macro, ["login", "wishlist"])
    login, wishlist = rows["login"], rows["wishlist"]
    print({name: (row["lift"], row["p_value"]) for name, row in rows.items()})
    # Users first seen after day 30 (= 40 - 3 - 7) are not fully observed: none here but the observer,
    # whose window ends after day 40.
    assert login["users_with"] + login["users_without"] == wishlist["users_with"] + wishlist["users_without"]
    assert login["lift"] == pytest.approx(1.0, abs=0.1)
    assert not login["is_significant"] and login["p_value"] > 0.05
    assert wishlist["lift"] == pytest.approx(2.0, abs=0.2)
    assert wishlist["is_significant"] and wishlist["p_value"] < 1e-6
    # Two tests in the family: the larger p-value keeps its value, the smaller one is doubled.
    assert wishlist["q_value"] == pytest.approx(min(2 * wishlist["p_value"], login["p_value"]), rel=1e-12)
    assert login["q_value"] == pytest.approx(login["p_value"], rel=1e-12)


def test_an_independent_event_is_rejected_at_about_the_nominal_rate(impact_sql: str) -> None:
    # 40 populations of 2,000 users, the independent login each time: raw p-values below 0.05 in about
    # 5% of them (binomial sd 3.4%: at most 6 of 40 is well inside 3 sd), never a systematic sign.
    lifts, rejections = [], 0
    for seed in range(40):
        users, micro, macro = _simulate(seed=seed, users=2_000)
        login = _run(impact_sql, users, micro, macro, ["login"])["login"]
        lifts.append(login["lift"])
        rejections += login["p_value"] < 0.05
    print(f"independent event: {rejections} of 40 rejected, median lift {np.median(lifts):.3f}")
    assert rejections <= 6
    assert np.median(lifts) == pytest.approx(1.0, abs=0.1)


def _population_with_tables(tables: dict[str, tuple[int, int, int, int]]) -> tuple[dict, dict, dict]:
    """Users whose exposure to each micro-conversion and purchase in the outcome window reproduce the
    given 2x2 tables (a with & converted, b with & not, c without & converted, d without & not); all
    tables share the same converted users, so their column margins must agree."""
    totals = {(a + c, b + d) for a, b, c, d in tables.values()}
    assert len(totals) == 1
    converted, not_converted = totals.pop()
    count = converted + not_converted
    keys = np.array([f"u{index}" for index in range(count)])
    micro_keys, micro_names = [], []
    for name, (a, b, _, _) in tables.items():
        exposed = np.concatenate([np.arange(a), converted + np.arange(b)])
        micro_keys += list(keys[exposed])
        micro_names += [name] * len(exposed)
    return (
        {"user_key": keys, "first_seen_at": _at(np.zeros(count)), "last_seen_at": _at(np.full(count, 100.0))},
        {
            "user_key": micro_keys,
            "micro_conversion": micro_names,
            "occurred_at": _at(np.full(len(micro_keys), 0.5)),
        },
        {
            "user_key": keys[:converted],
            "macro_conversion": np.full(converted, "purchase"),
            "converted_at": _at(np.full(converted, EXPOSURE_DAYS + 1.0)),
        },
    )


def test_fisher_exact_test_covers_the_true_support_and_matches_scipy(impact_sql: str) -> None:
    # near_universal: a runs over 5997 … 6000 (lower bound converted - users_without = 6003 - 6), far
    # beyond fisher_max_support = 5000 generated numbers: the old sum from 0 found no table and gave null.
    tables = {
        "near_universal": (5998, 2, 5, 2),
        "rare": (3, 2, 6000, 2),
        "none": (0, 1, 6003, 3),
    }
    users, micro, macro = _population_with_tables(tables)
    rows = _run(impact_sql, users, micro, macro, list(tables))
    for name, (a, b, c, d) in tables.items():
        row = rows[name]
        assert (row["converted_with"], row["users_with"] - row["converted_with"]) == (a, b), name
        assert (row["converted_without"], row["users_without"] - row["converted_without"]) == (c, d), name
        assert row["test_used"] == "fisher_exact", name
        expected = stats.fisher_exact([[a, b], [c, d]], alternative="two-sided").pvalue
        assert row["p_value"] == pytest.approx(expected, rel=1e-6, abs=1e-12), name


def test_small_sample_also_means_few_conversions(impact_sql: str) -> None:
    # 100 and 99 users but only 5 and 4 conversions: below impact_min_conversions (10), so the lift is
    # flagged as a small sample although both groups pass impact_min_users (30).
    users, micro, macro = _population_with_tables({"few_conversions": (5, 95, 4, 95)})
    row = _run(impact_sql, users, micro, macro, ["few_conversions"])["few_conversions"]
    assert (row["users_with"], row["users_without"]) == (100, 99)
    assert row["is_small_sample"]
