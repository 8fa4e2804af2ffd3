"""growthkit's models against lifetimes: same likelihood, same estimates, same predictions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from growthkit import rfm_summary
from growthkit.clv import (
    BetaGeoModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    fit,
    predict,
)
from growthkit.clv.rows import Rows
from growthkit.samples.simulate import simulate_btyd_orders

with warnings.catch_warnings():  # lifetimes sets a FutureWarning filter when imported
    import lifetimes

RFM = ("frequency", "recency", "T")


def _arrays(summary: pd.DataFrame) -> list[np.ndarray]:
    return [summary[c].to_numpy() for c in RFM]


def _lifetimes_loglik(model_cls, params, f, r, T):
    if model_cls is ParetoNBDModel:
        return lifetimes.ParetoNBDFitter._conditional_log_likelihood(params, f, r, T).sum()
    fitter = getattr(lifetimes, model_cls._lifetimes_class)
    ones = np.ones_like(f)
    return -fitter._negative_log_likelihood(np.log(params), f, r, T, ones, 0.0) * f.size


@pytest.mark.parametrize("model_cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_loglik_equals_lifetimes_on_original_time_scale(model_cls, cdnow):
    f, r, T = _arrays(cdnow)
    rows = Rows.from_arrays(f, r, T)
    rng = np.random.default_rng(7)
    for params in np.exp(rng.normal(0.0, 1.0, size=(5, 4))):
        ours = model_cls.loglik(params, rows)[0]
        assert ours == pytest.approx(_lifetimes_loglik(model_cls, params, f, r, T), rel=1e-10)


@pytest.mark.parametrize("model_cls", [BetaGeoModel, ModifiedBetaGeoModel])
def test_analytic_gradient_matches_central_differences(model_cls, cdnow):
    rows = Rows.from_arrays(*_arrays(cdnow))
    rng = np.random.default_rng(3)
    log_params = rng.normal(0.0, 0.7, size=4)
    grad = model_cls.loglik(np.exp(log_params), rows)[1]
    step = 1e-6
    numeric = [
        (model_cls.loglik(np.exp(log_params + e), rows)[0]
         - model_cls.loglik(np.exp(log_params - e), rows)[0]) / (2 * step)
        for e in np.eye(4) * step
    ]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)


@pytest.mark.parametrize(
    ("name", "fitter"),
    [("bgnbd", "BetaGeoFitter"), ("mbgnbd", "ModifiedBetaGeoFitter"),
     ("paretonbd", "ParetoNBDFitter")],
)
def test_same_mle_as_lifetimes_on_cdnow(name, fitter, cdnow, request):
    ours = request.getfixturevalue(name).params
    kwargs = {"initial_params": np.ones(4)} if fitter == "ParetoNBDFitter" else {}
    theirs = getattr(lifetimes, fitter)().fit(*_arrays(cdnow), **kwargs).params_
    for key, value in theirs.items():
        assert ours[key] == pytest.approx(value, rel=1e-3), key


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    orders = simulate_btyd_orders(3000, seed=11)
    return rfm_summary(orders, amount_col="amount", time_unit="weeks")


def test_weighted_fit_on_distinct_histories_equals_lifetimes_unweighted_fit(simulated):
    # growthkit fits each distinct (frequency, recency, T) once with a weight; lifetimes fits
    # every customer. The estimates must agree.
    rows = Rows.from_arrays(*_arrays(simulated))
    assert rows.x.size < 0.7 * len(simulated)  # the weighting really compresses the data
    ours = fit(simulated, "bgnbd").params
    plain = lifetimes.BetaGeoFitter().fit(*_arrays(simulated)).params_
    weighted = lifetimes.BetaGeoFitter().fit(rows.x, rows.tx, rows.T, weights=rows.weight).params_
    for key in plain.index:
        assert ours[key] == pytest.approx(plain[key], rel=1e-3), key
        assert weighted[key] == pytest.approx(plain[key], rel=1e-3), key


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "paretonbd"])
def test_predictions_equal_lifetimes(name, cdnow, request):
    model = request.getfixturevalue(name)
    theirs = model.to_lifetimes()
    f, r, T = _arrays(cdnow)
    expected = theirs.conditional_expected_number_of_purchases_up_to_time(39.0, f, r, T)
    np.testing.assert_allclose(model.expected_purchases(cdnow, 39.0), expected, rtol=1e-9)
    alive = theirs.conditional_probability_alive(f, r, T)
    np.testing.assert_allclose(model.probability_alive(cdnow), alive, rtol=1e-9)
    np.testing.assert_allclose(
        model.expected_purchases_new([1.0, 10.0, 52.0]),
        theirs.expected_number_of_purchases_up_to_time(np.array([1.0, 10.0, 52.0])),
        rtol=1e-9,
    )


def test_clv_equals_lifetimes_customer_lifetime_value_in_months(cdnow, gamma_gamma):
    # lifetimes' discounting: month i's expected purchases × spend / (1 + d)^i. With time in
    # months its month is ours exactly, so the numbers must agree.
    months = cdnow.assign(recency=cdnow["recency"] * 7 / (365.25 / 12),
                          T=cdnow["T"] * 7 / (365.25 / 12))
    model = fit(months, "bgnbd", time_unit="months")
    annual = 0.10
    ours = predict(model, months, gamma_gamma, horizon_months=12, annual_discount_rate=annual)
    gg = lifetimes.GammaGammaFitter()
    gg.params_ = pd.Series({"p": gamma_gamma.params["p"], "q": gamma_gamma.params["q"],
                            "v": gamma_gamma.params["gamma"]})
    theirs = gg.customer_lifetime_value(
        model.to_lifetimes(), months["frequency"], months["recency"], months["T"],
        months["monetary_value"], time=12, discount_rate=(1 + annual) ** (1 / 12) - 1, freq="M",
    )
    np.testing.assert_allclose(ours["clv_revenue"], theirs, rtol=1e-8)


def test_spend_model_equals_lifetimes(cdnow, gamma_gamma):
    repeat = cdnow[cdnow["frequency"] > 0]
    theirs = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    assert gamma_gamma.params["p"] == pytest.approx(theirs.params_["p"], rel=1e-3)
    assert gamma_gamma.params["q"] == pytest.approx(theirs.params_["q"], rel=1e-3)
    assert gamma_gamma.params["gamma"] == pytest.approx(theirs.params_["v"], rel=1e-3)
    theirs.params_ = pd.Series({"p": gamma_gamma.params["p"], "q": gamma_gamma.params["q"],
                                "v": gamma_gamma.params["gamma"]})
    expected = theirs.conditional_expected_average_profit(cdnow["frequency"],
                                                          cdnow["monetary_value"])
    np.testing.assert_allclose(gamma_gamma.expected_spend(cdnow), expected, rtol=1e-12)
