"""Per-customer predictions and CLV: horizons in any time unit, discounting and margin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import (
    BetaGeoModel,
    CLVSettings,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    predict,
)
from growthkit.clv.rows import group
from growthkit.clv.value import group_histories

DAYS_PER = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12}


def _in_unit(summary: pd.DataFrame, unit: str) -> pd.DataFrame:
    factor = 7.0 / DAYS_PER[unit]  # the fixture is in weeks
    return summary.assign(recency=summary["recency"] * factor, T=summary["T"] * factor)


@pytest.mark.parametrize("unit", ["days", "months"])
@pytest.mark.parametrize("name", ["bgnbd", "paretonbd"])
def test_clv_does_not_depend_on_the_time_unit(name, unit, cdnow, gamma_gamma, request):
    # The same customers and the same model expressed in days or months (time parameters
    # rescaled) must give the same P(alive), purchases and CLV over 12 months.
    weekly = request.getfixturevalue(name)
    factor = 7.0 / DAYS_PER[unit]
    params = {k: v * factor if k in ("alpha", "beta") else v for k, v in weekly.params.items()}
    other = type(weekly).from_params(params, time_unit=unit)
    base = predict(weekly, cdnow, gamma_gamma, horizon_months=12)
    moved = predict(other, _in_unit(cdnow, unit), gamma_gamma, horizon_months=12)
    for col in ("p_alive", "expected_purchases", "clv_revenue"):
        np.testing.assert_allclose(moved[col], base[col], rtol=1e-9, err_msg=col)


def test_horizon_is_converted_to_summary_units(bgnbd, cdnow, gamma_gamma):
    out = predict(bgnbd, cdnow, gamma_gamma, horizon_months=12)
    weeks = 12 * 365.25 / 12 / 7
    np.testing.assert_allclose(out["expected_purchases"],
                               bgnbd.expected_purchases(cdnow, weeks), rtol=1e-12)
    assert CLVSettings(time_unit="days").horizon == pytest.approx(365.25)


def test_without_discounting_clv_is_purchases_times_spend(bgnbd, cdnow, gamma_gamma):
    out = predict(bgnbd, cdnow, gamma_gamma, horizon_months=6, annual_discount_rate=0.0)
    np.testing.assert_allclose(out["clv_revenue"],
                               out["expected_purchases"] * out["expected_spend"], rtol=1e-12)


def test_discounting_follows_the_monthly_schedule(cdnow, gamma_gamma):
    # A Pareto/NBD customer alive with certainty buys at a rate whose expected purchases per
    # month can be summed by hand: CLV = Σ_m spend · ΔE_m / (1.1)^(m/12).
    model = ParetoNBDModel.from_params({"r": 2.0, "alpha": 20.0, "s": 0.5, "beta": 50.0},
                                       time_unit="weeks")
    one = cdnow.iloc[[0]].assign(frequency=0.0, recency=0.0, T=0.0, monetary_value=0.0)
    out = predict(model, one, gamma_gamma, horizon_months=3, annual_discount_rate=0.10)
    month = 365.25 / 12 / 7
    cumulative = model.expected_purchases_new(month * np.arange(4.0))
    by_hand = np.sum(np.diff(cumulative) / 1.1 ** (np.arange(1, 4) / 12))
    spend = gamma_gamma.population_mean
    assert out["clv_revenue"].iloc[0] == pytest.approx(by_hand * spend, rel=1e-12)


def test_profit_is_margin_times_revenue_and_columns_are_aligned(bgnbd, cdnow, gamma_gamma):
    out = predict(bgnbd, cdnow, gamma_gamma, gross_margin=0.3)
    np.testing.assert_allclose(out["clv_profit"], 0.3 * out["clv_revenue"], rtol=1e-15)
    assert out.index.equals(cdnow.index)
    assert {"p_alive", "expected_purchases", "expected_spend", "clv_revenue"} <= set(out)
    assert (out["p_alive"].between(0, 1)).all() and (out["clv_revenue"] > 0).all()
    np.testing.assert_allclose(out["p_alive"], bgnbd.probability_alive(cdnow), rtol=1e-15)


def test_predictions_without_a_spend_model_have_no_value_columns(bgnbd, cdnow):
    out = predict(bgnbd, cdnow)
    assert "clv_revenue" not in out and "expected_purchases" in out


def test_longer_horizons_and_lower_rates_are_worth_more(bgnbd, cdnow, gamma_gamma):
    def total(**kw):
        return predict(bgnbd, cdnow, gamma_gamma, **kw)["clv_revenue"].sum()

    assert total(horizon_months=24) > total(horizon_months=12)
    assert total(annual_discount_rate=0.0) > total(annual_discount_rate=0.2)


def test_bg_new_customer_is_alive_and_mbg_one_is_not():
    # BG/NBD customers cannot drop out before their first repeat purchase; MBG/NBD ones can.
    one = pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [30.0]})
    params = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.4}
    assert BetaGeoModel.from_params(params).probability_alive(one).iloc[0] == 1.0
    # Batislam et al. (2007): P(alive | x=0) = 1 / (1 + a/b · ((α+T)/α)^r).
    expected = 1 / (1 + 0.79 / 2.4 * ((4.4 + 30.0) / 4.4) ** 0.24)
    got = ModifiedBetaGeoModel.from_params(params).probability_alive(one).iloc[0]
    assert got == pytest.approx(expected, rel=1e-12)


def test_histories_are_grouped_as_the_general_grouping_does():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 40, 5_000).astype("float64")
    T = rng.integers(0, 300, 5_000) / 7.0
    codes, first = group_histories(x, T)
    expected_codes, expected_first = group(x, T)
    np.testing.assert_array_equal(codes, expected_codes)
    np.testing.assert_array_equal(first, expected_first)
    assert np.array_equal(x[first][codes], x) and np.array_equal(T[first][codes], T)


def test_clv_sums_per_cell_equal_the_sums_per_customer():
    from growthkit.clv.value import Cells, Histories, clv_revenue, clv_settings, clv_sums

    rng = np.random.default_rng(11)
    n = 20_000
    x = rng.integers(0, 6, n).astype("float64")
    T = rng.integers(30, 32, n).astype("float64")
    tx = np.where(x > 0, np.floor(rng.uniform(0, 1, n) * T), 0.0)
    m = np.where(x > 0, rng.gamma(2.0, 15.0, n), 0.0)
    m[:50] = -3.0  # a net-refund customer: expected spend counts the mean spend as 0
    summary = pd.DataFrame({"frequency": x, "recency": tx, "T": T, "monetary_value": m})
    model = BetaGeoModel.from_params({"r": 0.8, "alpha": 5.0, "a": 0.6, "b": 2.5},
                                     time_unit="weeks")
    spend = GammaGammaModel.from_params({"p": 6.0, "q": 3.7, "gamma": 15.0})
    settings = clv_settings(model, 12, 0.1, 1.0, None)
    hist = Histories.from_summary(summary, spend=True)
    groups = rng.integers(0, 3, n)
    per_customer = clv_revenue(model, model._params, spend._params, hist, settings)
    expected = np.concatenate([[per_customer.sum()], np.bincount(groups, per_customer, 3)])
    cells = Cells.of(hist, groups, 3)
    assert cells.customers.size < n / 4  # the point: far fewer cells than customers
    got = clv_sums(model, model._params, spend._params, hist, settings, cells)
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_the_predictions_are_a_frame_of_their_own(cdnow, bgnbd, gamma_gamma):
    # The frame takes the summary's columns without one consolidating copy of all nine: it
    # must still be writable, and writing to it must leave the summary as it was.
    before = cdnow.copy()
    out = predict(bgnbd, cdnow, gamma_gamma, horizon_months=12)
    first = out.index[0]
    for col in out.columns:
        out.loc[first, col] = -1.0
    assert (out.loc[first] == -1.0).all()
    out["recency"] *= 2
    pd.testing.assert_frame_equal(cdnow, before)
