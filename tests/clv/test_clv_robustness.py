"""lifetimes' numerical failures do not reach growthkit users.

The expected values in ``data/numerical_reference.json`` come from
``make_reference_values.py``: mpmath quadrature at 40 digits of the integrals the closed forms
are derived from, with no hypergeometric function involved. At several of these points
lifetimes 0.11.3 returns NaN or inf: a + b < 1 with no repeat purchases (lifetimes issue #302),
a = 1 or a + b = 1 exactly, MBG/NBD with 10,000 repeat purchases, and the Pareto/NBD likelihood
of a heavy buyer when α < β. At others scipy's own ₂F₁ (which growthkit calls) is NaN, inf or
off by up to 1e-5 where its C - A - B is an integer and z > 0.9: BG/NBD and MBG/NBD with r = a
exactly (and within 1e-9 of it) and a long horizon, Pareto/NBD with s = 1 exactly and α ≫ β.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import (
    BetaGeoModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    fit,
    predict,
)
from growthkit.clv.rows import Rows

REFERENCE = json.loads((Path(__file__).parent / "data" / "numerical_reference.json").read_text())
MODELS = {"bgnbd": BetaGeoModel, "mbgnbd": ModifiedBetaGeoModel}


def _one(x: float, t_x: float, T: float) -> pd.DataFrame:
    return pd.DataFrame({"frequency": [float(x)], "recency": [t_x], "T": [T]})


@pytest.mark.parametrize(
    ("key", "case"),
    [(key, case) for key in MODELS for case in REFERENCE[key]],
    ids=lambda v: v["case"] if isinstance(v, dict) else v,
)
def test_conditional_expectation_matches_high_precision_quadrature(key, case):
    cls = MODELS[key]
    model = cls.from_params(dict(zip(cls.param_names, case["params"], strict=True)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings either
        got = model.expected_purchases(_one(case["x"], case["t_x"], case["T"]), case["t"])
    assert got.iloc[0] == pytest.approx(float(case["expected_purchases"]), rel=1e-9)


def test_unconditional_expectation_with_a_plus_b_below_one():
    # The "new customer" reference case is E[X(52)] with a + b < 1, where lifetimes'
    # expected_number_of_purchases_up_to_time takes the log of a negative ₂F₁.
    case = next(c for c in REFERENCE["bgnbd"] if c["case"] == "a+b<1, new customer")
    model = BetaGeoModel.from_params(dict(zip(BetaGeoModel.param_names, case["params"],
                                              strict=True)))
    got = model.expected_purchases_new([case["t"]])
    assert got[0] == pytest.approx(float(case["expected_purchases"]), rel=1e-9)


@pytest.mark.parametrize("case", REFERENCE["paretonbd"], ids=lambda c: c["case"])
def test_pareto_loglik_matches_high_precision_quadrature(case):
    rows = Rows.from_arrays(np.array([case["x"]], float), np.array([case["t_x"]]),
                             np.array([case["T"]]))
    with np.errstate(all="raise"):
        got = ParetoNBDModel.loglik(np.array(case["params"]), rows)[0]
    assert got == pytest.approx(float(case["log_likelihood"]), rel=1e-10)


def test_pareto_expectation_is_continuous_at_s_equal_one():
    # (1 - ((β+T)/(β+T+t))^(s-1)) / (s-1) is 0/0 at s = 1, with limit log((β+T+t)/(β+T)).
    params = {"r": 0.5, "alpha": 10.0, "s": 1.0, "beta": 12.0}
    one = _one(3, 20.0, 30.0)
    at_one = ParetoNBDModel.from_params(params).expected_purchases(one, 52.0).iloc[0]
    near = [ParetoNBDModel.from_params({**params, "s": s}).expected_purchases(one, 52.0).iloc[0]
            for s in (1 - 1e-6, 1 + 1e-6)]
    assert np.isfinite(at_one)
    assert at_one == pytest.approx(np.mean(near), rel=1e-9)


@pytest.mark.parametrize("name", ["bgnbd", "mbgnbd", "paretonbd"])
def test_heavy_buyers_get_finite_predictions_without_warnings(name, request):
    model = request.getfixturevalue(name)
    heavy = pd.DataFrame({"frequency": [1e3, 1e5, 1e6], "recency": [38.0, 38.0, 10.0],
                          "T": [38.86, 38.86, 38.86]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alive = model.probability_alive(heavy).to_numpy()
        purchases = model.expected_purchases(heavy, 52.0).to_numpy()
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(purchases) & (purchases >= 0))
    # Someone who bought a million times and then went silent for 29 weeks is gone.
    assert alive[2] < 1e-12


@pytest.mark.parametrize("name", ["bgnbd", "paretonbd"])
def test_fit_survives_a_heavy_buyer(name, cdnow):
    heavy = pd.DataFrame({"frequency": [3000.0], "recency": [38.5], "T": [38.86]}, index=[-1])
    data = pd.concat([cdnow[["frequency", "recency", "T"]], heavy])
    model = fit(data, name)
    assert np.isfinite(model.log_likelihood)
    assert all(np.isfinite(v) and v > 0 for v in model.params.values())


def test_clv_with_a_below_one_and_a_plus_b_below_one_is_finite(cdnow, gamma_gamma):
    # Estimates in the region where lifetimes' BG/NBD CLV is NaN for every one-time buyer.
    model = BetaGeoModel.from_params({"r": 0.11, "alpha": 2.24, "a": 0.31, "b": 0.50},
                                     time_unit="weeks")
    out = predict(model, cdnow, gamma_gamma)
    assert np.all(np.isfinite(out["clv_revenue"])) and np.all(out["clv_revenue"] > 0)
