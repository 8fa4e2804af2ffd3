"""growthkit.cohorts.projection: the margin curve, BG/NBD on engine-counted histories, bands."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from cohorts_support import random_orders

from growthkit.clv import BetaGeoModel
from growthkit.cohorts import (
    CohortTable,
    build_cohorts,
    fit_curve,
    load_histories,
    period_end,
    period_of,
    project,
)
from growthkit.data import validate_orders
from growthkit.errors import GrowthkitError
from growthkit.rfm import rfm_summary

A, B, LAM = 1.7, 0.3, 0.05
SEASON = np.array([0.8, 0.9, 1.0, 1.0, 1.05, 0.95, 0.9, 1.0, 1.0, 1.1, 1.3, 1.5])
FIRST = 24276  # 2023-01


def _g(k: np.ndarray) -> np.ndarray:
    return np.exp(A - B * np.log(k) - LAM * k)


def _synthetic(n_cohorts: int, seasonal: bool, theta: np.ndarray | None = None) -> tuple:
    """A noise-free table: margin = n · θ · g(k) · s(month) for k ≥ 1, observed to the end
    of the last cohort's month; and the true cumulative curves to 24 periods."""
    rng = np.random.default_rng(1)
    n = rng.integers(200, 900, n_cohorts).astype(float)
    theta = np.ones(n_cohorts) if theta is None else theta
    cohorts = FIRST + np.arange(n_cohorts)
    width = 30
    k = np.arange(width)
    month = (cohorts[:, None] + k[None, :]) % 12
    season = SEASON[month] if seasonal else np.ones_like(month, dtype=float)
    per = np.where(k[None, :] == 0, 20.0, theta[:, None] * _g(np.maximum(k, 1))[None, :] * season)
    margin = n[:, None] * per
    last = cohorts[-1]
    seen = (cohorts[:, None] + k[None, :]) <= last
    ages = n_cohorts
    m = np.where(seen, margin, np.nan)[:, :ages]
    table = CohortTable(
        period="month", observation_end=period_end(int(last), "month"), cohorts=cohorts,
        customers=n, active=np.where(np.isnan(m), np.nan, 1.0), revenue=m, margin=m,
        purchases=np.where(np.isnan(m), np.nan, 1.0),
    )
    truth = np.cumsum(per, axis=1)[:, :24]
    return table, truth


def test_the_curve_is_recovered_from_noise_free_data_and_projects_the_truth():
    table, truth = _synthetic(25, seasonal=True, theta=np.linspace(0.8, 1.3, 25))
    curve = fit_curve(table)
    assert curve.b == pytest.approx(B, abs=1e-8) and curve.lam == pytest.approx(LAM, abs=1e-8)
    ratios = np.array([curve.season[m] for m in range(1, 13)]) / SEASON
    np.testing.assert_allclose(ratios / ratios[0], 1.0, atol=1e-8)  # the season, up to scale
    proj = project(table, "curve", 24)
    shown = table.last_observed >= 1  # a cohort seen in period 0 only follows the pooled curve
    assert shown.sum() == 24
    np.testing.assert_allclose(proj.cumulative[shown], truth[shown], rtol=1e-8)
    # Each cohort keeps its own level: what it has shown scales the pooled curve.
    assert proj.details["scale"][5] / proj.details["scale"][0] == pytest.approx(
        np.linspace(0.8, 1.3, 25)[5] / 0.8, rel=1e-8)


def test_without_a_year_of_data_there_is_no_season():
    table, truth = _synthetic(10, seasonal=False)
    curve = fit_curve(table)
    assert curve.season == {} and curve.seasonal(FIRST + 40) == 1.0
    assert curve.b == pytest.approx(B, abs=1e-8)
    proj = project(table, "curve", 24)
    np.testing.assert_allclose(proj.cumulative[:9], truth[:9], rtol=1e-8)
    assert proj.projected[0].tolist() == [False] * 10 + [True] * 14  # k = 0 .. 9 are actual


def test_projected_cells_are_marked_and_actual_cells_kept():
    table, _ = _synthetic(12, seasonal=False)
    proj = project(table, "curve", 24)
    actual = table.cumulative_margin_per_customer()
    for i, k0 in enumerate(table.last_observed):
        if k0 < 0:
            assert np.isnan(proj.cumulative[i]).all()
            continue
        np.testing.assert_array_equal(proj.cumulative[i, :k0 + 1], actual[i, :k0 + 1])
        assert not proj.projected[i, :k0 + 1].any() and proj.projected[i, k0 + 1:].all()


def test_a_backtest_band_becomes_the_interval_and_widens_beyond_its_reach():
    table, _ = _synthetic(12, seasonal=False)
    band = pd.DataFrame({"low": [0.9, 0.8], "high": [1.1, 1.2]}, index=pd.Index([1, 2], name="h"))
    proj = project(table, "curve", 24, band=band, level=0.9)
    i = 3  # last observed k = 8: k = 9 is one period ahead, k = 16 is eight
    k0 = table.last_observed[i]
    assert proj.low[i, k0 + 1] == pytest.approx(0.9 * proj.cumulative[i, k0 + 1])
    assert proj.high[i, k0 + 2] == pytest.approx(1.2 * proj.cumulative[i, k0 + 2])
    # eight periods ahead: the two-period band widened by sqrt(8 / 2) = 2 on the log scale
    assert proj.low[i, k0 + 8] == pytest.approx(0.8**2 * proj.cumulative[i, k0 + 8])
    assert np.isnan(proj.low[i, :k0 + 1]).all() and proj.level == 0.9


def test_histories_counted_in_the_engine_match_rfm_summary():
    frame = random_orders(seed=21)
    orders = validate_orders(frame, amount_col="amount", keep=["margin", "channel"])
    cutoff = dt.date(2023, 12, 31)
    hist = load_histories(orders, "month", cutoff, ("channel",), "margin")
    f = hist.frame
    rfm = rfm_summary(orders, time_unit="days", observation_end=cutoff)
    ours = pd.DataFrame({c: np.repeat(f[c].to_numpy(), f["customers"]) for c in
                         ("frequency", "recency", "T")}).astype(float)
    cols = ["frequency", "recency", "T"]
    left = ours.sort_values(cols, ignore_index=True)
    right = rfm[cols].sort_values(cols, ignore_index=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False)
    # Cohorts are the months of the first purchase day.
    assert (f.groupby("cohort")["customers"].sum() > 0).all()
    assert set(f["channel"]) == {"ads", "seo", "mail"}


def test_bgnbd_projects_expected_purchases_times_the_margin_per_repeat_purchase():
    frame = random_orders(seed=22)
    frame = frame[frame["amount"] > 0]  # no refunds: every day is a purchase day
    orders = validate_orders(frame, amount_col="amount", keep=["margin"])
    table = build_cohorts(orders, margin_col="margin", observation_end="2024-01-31").table()
    start = period_end(period_of(dt.date(2024, 1, 31), "month"), "month")
    hist = load_histories(orders, "month", start, (), "margin")
    model = BetaGeoModel.from_params({"r": 0.5, "alpha": 8.0, "a": 0.7, "b": 2.5},
                                     time_unit="weeks")
    proj = project(table, "bgnbd", 24, histories=hist, fitted=model)
    f = hist.frame
    per_purchase = f["repeat_margin"].sum() / (f["frequency"] * f["customers"]).sum()
    assert proj.details["margin_per_repeat_purchase"] == pytest.approx(per_purchase)
    i = 4
    c, k0 = int(table.cohorts[i]), int(table.last_observed[i])
    rows = f[f["cohort"] == c]
    t = (period_end(c + 23, "month") - start).days / 7
    summary = pd.DataFrame({"frequency": rows["frequency"], "recency": rows["recency"] / 7,
                            "T": rows["T"] / 7})
    expected = (model.expected_purchases(summary, t) * rows["customers"]).sum()
    gained = proj.cumulative[i, 23] - table.cumulative_margin_per_customer()[i, k0]
    assert gained == pytest.approx(expected * per_purchase / table.customers[i], rel=1e-10)


def test_projection_errors_name_what_is_missing():
    table, _ = _synthetic(12, seasonal=False)
    with pytest.raises(GrowthkitError, match="model='bgnbd' needs the purchase histories"):
        project(table, "bgnbd")
    with pytest.raises(GrowthkitError, match="model='arima' is not a valid option"):
        project(table, "arima")
    short, _ = _synthetic(2, seasonal=False)
    with pytest.raises(GrowthkitError, match="at least two periods after acquisition"):
        project(short, "curve")
