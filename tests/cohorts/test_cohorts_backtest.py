"""growthkit.cohorts.backtest: fit at a cut-off, score on what followed, choose, size the band."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from cohorts_support import random_orders
from test_cohorts_projection import FIRST, _synthetic

from growthkit.cohorts import (
    backtest,
    build_cohorts,
    default_cutoff,
    load_histories,
    period_end,
    project,
    weighted_quantile,
)
from growthkit.data import validate_orders
from growthkit.errors import GrowthkitError
from growthkit.samples.shop import make_shop


def test_the_default_cutoff_leaves_up_to_twelve_periods_to_test():
    table, _ = _synthetic(24, seasonal=False)
    assert default_cutoff(table) == period_end(FIRST + 12, "month")  # 11 = 23 // 2 ahead
    assert default_cutoff(_synthetic(4, seasonal=False)[0]) == period_end(FIRST + 2, "month")
    assert default_cutoff(_synthetic(3, seasonal=False)[0]) is None  # too short to test


def test_a_model_that_matches_the_data_has_no_backtest_error():
    table, _ = _synthetic(20, seasonal=False)
    b = backtest(table, models=("curve",))
    m = b.models.loc["curve"]
    assert b.chosen == "curve" and b.cutoff == period_end(FIRST + 10, "month")
    assert m["mape"] < 1e-9 and abs(m["bias"]) < 1e-9 and m["max_ahead"] == 9
    band = b.band()
    np.testing.assert_allclose(band[["low", "high"]].to_numpy(), 1.0, atol=1e-9)


def test_cells_compare_the_projection_at_the_cutoff_with_what_followed():
    frame = random_orders(seed=31, customers=600)
    table = build_cohorts(frame, margin_col="margin", observation_end="2024-02-29").table()
    cutoff = dt.date(2023, 9, 30)
    b = backtest(table, cutoff, models=("curve",))
    past = table.as_of(cutoff)
    proj = project(past, "curve", table.ages)
    actual = table.cumulative_margin_per_customer()
    row = b.cells.iloc[7]
    i = past.labels.index(row["cohort"])
    j = table.labels.index(row["cohort"])
    assert row["h"] == row["k"] - past.last_observed[i]
    assert row["projected"] == pytest.approx(proj.cumulative[i, row["k"]], rel=1e-12)
    assert row["actual"] == pytest.approx(actual[j, row["k"]], rel=1e-12)
    assert row["ratio"] == pytest.approx(row["actual"] / row["projected"])
    # every cell observed since the cut-off, and nothing else, is a test
    assert len(b.cells) == sum(
        table.last_observed[table.labels.index(c)] - past.last_observed[i]
        for i, c in enumerate(past.labels)
    )


def test_the_model_with_the_lower_error_is_chosen_and_failures_are_kept():
    frame, _ = make_shop(seed=5, n_customers=1500)
    orders = validate_orders(frame, amount_col="amount", keep=["margin"])
    table = build_cohorts(orders, margin_col="margin").table()
    b = backtest(table, histories=lambda cut: load_histories(orders, "month", cut, (),
                                                             "margin"))
    assert set(b.models.index) == {"curve", "bgnbd"} and not b.failures
    assert b.chosen == b.models["mape"].idxmin()
    alone = backtest(table)  # no histories: BG/NBD cannot be tested
    assert alone.chosen == "curve" and "bgnbd" in alone.failures


def test_a_model_that_cannot_be_fitted_is_reported_not_raised():
    frame = random_orders(seed=32, customers=300)  # no buy-till-you-die pattern to fit
    orders = validate_orders(frame, amount_col="amount", keep=["margin"])
    table = build_cohorts(orders, margin_col="margin", observation_end="2024-02-29").table()
    b = backtest(table, histories=lambda cut: load_histories(orders, "month", cut, (),
                                                             "margin"))
    assert b.chosen == "curve" and "did not converge" in b.failures["bgnbd"]


def test_a_cutoff_must_end_a_period():
    table, _ = _synthetic(12, seasonal=False)
    with pytest.raises(GrowthkitError, match="not the last day of a month; expected a period "
                                             "end such as 2023-05-31"):
        backtest(table, dt.date(2023, 5, 15), models=("curve",))


def test_weighted_quantiles():
    assert weighted_quantile(np.array([1.0, 2, 3, 4]), np.ones(4), 0.5) == 2.5
    # sorted 1, 2, 3, 4 with weights 1, 1, 1, 5: the weights' midpoints are at 0.5/8, 1.5/8,
    # 2.5/8 and 5.5/8 of the total, so the median lies halfway from 3 (at 2.5/8) to 4
    assert weighted_quantile(np.array([4.0, 1, 2, 3]), np.array([5.0, 1, 1, 1]), 0.5) == 3.5
