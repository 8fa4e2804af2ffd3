"""The Gamma-Gamma spend model: who is fitted, and the frequency-spend check."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import GammaGammaModel, SpendCorrelationWarning, fit_spend
from growthkit.errors import GrowthkitError


def test_cdnow_correlation_is_small_and_not_flagged(cdnow, gamma_gamma):
    # Fader & Hardie (note 025) report a weak correlation (≈ 0.11) on the CDNOW sample.
    repeat = cdnow[cdnow["frequency"] > 0]
    r = np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1]
    assert gamma_gamma.correlation == pytest.approx(r, rel=1e-12)
    assert gamma_gamma.correlation == pytest.approx(0.11, abs=0.01)
    assert gamma_gamma.correlation_warning is False
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpendCorrelationWarning)
        fit_spend(cdnow)


def test_correlated_spend_warns_and_flags():
    # A Gamma-Gamma world in which frequent buyers spend more per purchase: each purchase is
    # Gamma(p, ν) with ν ~ Gamma(q, γ) shrunk by 1 + x/4, so the mean of x purchases is
    # Gamma(px, νx).
    rng = np.random.default_rng(5)
    x = rng.integers(1, 15, 600).astype(float)
    nu = rng.gamma(4.0, 1 / 15.0, 600) / (1 + 0.25 * x)
    data = pd.DataFrame({"frequency": x, "monetary_value": rng.gamma(6.0 * x, 1 / (nu * x))})
    message = r"correlated \(r = 0\.\d\d, above 0\.3\)"
    with pytest.warns(SpendCorrelationWarning, match=message) as w:
        model = fit_spend(data)
    assert len(w) == 1 and w[0].filename == __file__
    assert model.correlation_warning is True and model.correlation > 0.3
    with pytest.warns(SpendCorrelationWarning) as w:
        GammaGammaModel().fit(data)
    assert w[0].filename == __file__


def test_one_time_buyers_and_zero_spenders_are_excluded_and_counted(cdnow):
    repeaters = cdnow.index[cdnow["frequency"] > 0][:10]
    data = cdnow.copy()
    data.loc[repeaters, "monetary_value"] = 0.0
    model = fit_spend(data)
    assert model.n_customers == 946 - 10
    assert model.excluded_customers == 1411 + 10
    assert model.excluded_one_time == 1411
    # Their expected spend shrinks their observed 0 towards the population mean.
    spend = model.expected_spend(data)
    assert (spend[repeaters] < model.population_mean).all() and (spend[repeaters] > 0).all()
    one_timers = data["frequency"] == 0
    np.testing.assert_allclose(spend[one_timers], model.population_mean, rtol=1e-12)


def test_from_params_needs_a_finite_mean():
    with pytest.raises(GrowthkitError, match=r"q=0\.9; expected q > 1"):
        GammaGammaModel.from_params({"p": 6.0, "q": 0.9, "gamma": 15.0})
    model = GammaGammaModel.from_params({"p": 6.2488, "q": 3.7446, "gamma": 15.4477})
    assert model.population_mean == pytest.approx(35.17, abs=5e-3)  # note 025
