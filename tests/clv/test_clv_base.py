"""What every fitted model offers: a statsmodels-like summary for JupyterLab, and the
(frequency, recency) matrices the diagnostics plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import BetaGeoModel, GammaGammaModel, model_html
from growthkit.errors import NotFittedError


def test_summary_has_estimates_standard_errors_and_fit_statistics(bgnbd):
    table = bgnbd.summary()
    assert list(table.index) == ["r", "alpha", "a", "b", "log-likelihood", "AIC", "customers"]
    assert table.index.name == "BG/NBD"
    # docs/REFERENCES.md: the BG/NBD MLE and log-likelihood on the CDNOW sample.
    assert table.loc["r", "estimate"] == pytest.approx(0.242593, rel=1e-4)
    assert table.loc["log-likelihood", "estimate"] == pytest.approx(-9582.43, abs=5e-3)
    assert table.loc["AIC", "estimate"] == pytest.approx(2 * 4 + 2 * 9582.43, abs=1e-2)
    assert table.loc["customers", "estimate"] == 2357
    # Delta method from the log-parameter covariance: se(θ) = θ · se(log θ).
    cov = bgnbd.covariance.to_numpy()
    for i, name in enumerate(bgnbd.param_names):
        expected = bgnbd.params[name] * np.sqrt(cov[i, i])
        assert table.loc[name, "std. error"] == pytest.approx(expected, rel=1e-12), name
    assert table.loc[["log-likelihood", "AIC", "customers"], "std. error"].isna().all()


def test_spend_model_summary_and_html(gamma_gamma):
    table = gamma_gamma.summary()
    assert list(table.index) == ["p", "q", "gamma", "log-likelihood", "AIC", "customers"]
    # docs/REFERENCES.md: note 025, 946 repeat buyers, log-likelihood -4055.92.
    assert table.loc["customers", "estimate"] == 946
    assert table.loc["log-likelihood", "estimate"] == pytest.approx(-4055.92, abs=5e-3)
    html = model_html(gamma_gamma)
    assert html.startswith("<h4>Gamma-Gamma</h4>") and "<td>946</td>" in html


def test_html_shows_the_formatted_summary(bgnbd):
    html = model_html(bgnbd)
    assert html.startswith("<h4>BG/NBD</h4><table")
    assert "<td>2,357</td>" in html and "<td>-9,582.43</td>" in html
    assert "<th>std. error</th>" in html


def test_a_model_from_parameters_has_estimates_only():
    model = BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4})
    table = model.summary()
    assert list(table.index) == ["r", "alpha", "a", "b"]
    assert table["estimate"].tolist() == pytest.approx([0.2, 4.0, 0.8, 2.4], rel=1e-12)
    assert table["std. error"].isna().all()
    assert "not fitted" in model_html(BetaGeoModel())
    with pytest.raises(NotFittedError):
        GammaGammaModel().summary()


def test_p_alive_matrix_is_p_alive_of_each_history(bgnbd, cdnow):
    matrix = bgnbd.p_alive_matrix()
    # Recency 0..39 weeks (the longest T is 38.9) × frequency 0 to its 99th percentile.
    top = int(np.quantile(cdnow["frequency"], 0.99, method="inverted_cdf"))
    assert matrix.shape == (40, top + 1)
    assert (matrix.index.name, matrix.columns.name) == ("recency", "frequency")
    one = pd.DataFrame({"frequency": [3.0], "recency": [20.0], "T": [39.0]})
    assert matrix.loc[20.0, 3.0] == pytest.approx(bgnbd.probability_alive(one).iloc[0],
                                                  rel=1e-12)
    assert matrix.loc[0.0, 0.0] == 1.0  # BG/NBD: no repeat purchase, no chance to drop out
    assert matrix.loc[1.0:, 0.0].isna().all()  # recency > 0 needs a repeat purchase
    assert matrix.loc[:, 1.0:].notna().all().all()


def test_expected_purchases_matrix_and_a_custom_grid(bgnbd):
    matrix = bgnbd.expected_purchases_matrix(52.0, max_frequency=4, max_recency=10)
    assert matrix.shape == (11, 5)
    one = pd.DataFrame({"frequency": [2.0], "recency": [7.0], "T": [10.0]})
    assert matrix.loc[7.0, 2.0] == pytest.approx(bgnbd.expected_purchases(one, 52.0).iloc[0],
                                                 rel=1e-12)
    # From parameters the grid must be given: there are no fitted customers to size it.
    model = BetaGeoModel.from_params(bgnbd.params)
    assert model.p_alive_matrix(max_frequency=4, max_recency=10).shape == (11, 5)
    with pytest.raises(NotFittedError, match="built from parameters"):
        model.p_alive_matrix()



def test_model_repr_names_the_fit_or_says_not_fitted():
    from growthkit.clv.base import model_repr

    assert model_repr("BetaGeoModel", "BG/NBD", None, None) == "<BetaGeoModel: not fitted>"
    assert model_repr("BetaGeoModel", "BG/NBD", {"r": 0.24251, "a": 0.79}, -9582.4291) == (
        "<BetaGeoModel BG/NBD: r=0.2425, a=0.79; LL -9,582.43>")
    assert model_repr("M", "X", {"r": 1.0}, None) == "<M X: r=1>"
