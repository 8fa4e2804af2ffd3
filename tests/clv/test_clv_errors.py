"""User mistakes raise GrowthkitError naming the column or parameter; failed fits raise
ConvergenceError; unfitted models raise NotFittedError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.clv import (
    BetaGeoModel,
    GammaGammaModel,
    analyze,
    clv_intervals,
    fit,
    fit_spend,
    predict,
    segment_customers,
    validate_holdout,
)
from growthkit.errors import ConvergenceError, GrowthkitError, NotFittedError


@pytest.fixture
def small(cdnow: pd.DataFrame) -> pd.DataFrame:
    return cdnow[["frequency", "recency", "T", "monetary_value"]].iloc[:200].copy()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: d.drop(columns="recency"), r"Required column 'recency' missing.*'frequency'"),
        (lambda d: d.assign(T=d["T"].astype(str)), r"column 'T' .* expected numbers"),
        (lambda d: d.assign(recency=d["recency"].where(d.index != d.index[3])),
         r"column 'recency' .* 1 missing or infinite"),
        (lambda d: d.assign(T=-d["T"]), r"column 'T' .* negative value.*expected values >= 0"),
        (lambda d: d.assign(frequency=d["frequency"] + 0.5),
         r"column 'frequency' .* non-integer values, e\.g\. 2\.5 for customer 4;"),
        (lambda d: d.assign(recency=d["T"] + 1), r"'recency' .* larger than 'T' .*recency <= T"),
        (lambda d: d.assign(recency=1.0, frequency=0.0), r"recency 0 without repeat purchases"),
        (lambda d: d.iloc[:5], r"has 5 customer\(s\); expected at least 20"),
        (lambda d: d.assign(frequency=0.0, recency=0.0), r"'frequency' is 0 for all 200"),
    ],
    ids=["missing", "text", "nan", "negative", "fractional", "recency>T", "orphan recency",
         "too few", "no repeats"],
)
def test_bad_summaries_are_refused_naming_the_column(small, change, match):
    with pytest.raises(GrowthkitError, match=match):
        fit(change(small))


def test_a_summary_must_be_a_dataframe():
    with pytest.raises(TypeError, match=r"pandas DataFrame.*found dict"):
        fit({"frequency": [1]})


def test_unknown_options_list_the_valid_ones(small):
    with pytest.raises(GrowthkitError, match=r"model='bgnbdd'.*'bgnbd', 'mbgnbd', 'paretonbd'"):
        fit(small, "bgnbdd")
    with pytest.raises(GrowthkitError, match=r"time_unit='years'.*'days', 'weeks', 'months'"):
        fit(small, time_unit="years")


def test_fit_without_drop_outs_raises_convergence_error():
    # Every customer bought in their last week of observation, so nobody ever seems to drop
    # out: the BG/NBD drop-out probabilities run off to 0 and the MLE does not exist.
    rng = np.random.default_rng(0)
    T = rng.uniform(20, 40, 300)
    x = rng.integers(2, 30, 300).astype(float)
    data = pd.DataFrame({"frequency": x, "recency": T, "T": T})
    with pytest.raises(ConvergenceError, match="BG/NBD fit did not converge"):
        fit(data, "bgnbd")


def test_spend_model_needs_repeat_buyers_with_spend(small):
    with pytest.raises(GrowthkitError, match="Required column 'monetary_value' missing"):
        fit_spend(small.drop(columns="monetary_value"))
    with pytest.raises(GrowthkitError, match=r"only 0 customer\(s\) .* positive spend"):
        fit_spend(small.assign(monetary_value=0.0))
    with pytest.raises(GrowthkitError, match=r"'monetary_value' .* missing or infinite"):
        fit_spend(small.assign(monetary_value=np.inf))


def test_heavy_tailed_spend_raises_convergence_error():
    # Mean spends whose spread across customers is so wide that q <= 1: no finite mean.
    rng = np.random.default_rng(1)
    x = rng.integers(1, 4, 400).astype(float)
    m = np.exp(rng.normal(3.0, 3.0, 400))
    with pytest.raises(ConvergenceError, match=r"q = .* <= 1"):
        fit_spend(pd.DataFrame({"frequency": x, "monetary_value": m}))


def test_unfitted_models_raise_not_fitted_error(small):
    with pytest.raises(NotFittedError, match="not fitted yet; call fit"):
        BetaGeoModel().params  # noqa: B018
    with pytest.raises(NotFittedError, match="not fitted yet"):
        GammaGammaModel().expected_spend(small)
    from_params = BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4})
    with pytest.raises(NotFittedError, match="built from parameters"):
        from_params.covariance  # noqa: B018
    with pytest.raises(GrowthkitError, match="expected positive values for exactly r, alpha"):
        BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": 0.8})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizon_months": 0}, "horizon_months=0; expected a whole number of months >= 1"),
        ({"horizon_months": 1.5}, "horizon_months=1.5"),
        ({"annual_discount_rate": -0.1}, "annual_discount_rate=-0.1"),
        ({"gross_margin": 1.5}, r"gross_margin=1.5; expected a share of revenue in \(0, 1\]"),
        ({"time_unit": "years"}, "time_unit='years' is not a valid option"),
    ],
)
def test_bad_clv_settings_are_refused(bgnbd, gamma_gamma, cdnow, kwargs, match):
    with pytest.raises(GrowthkitError, match=match):
        predict(bgnbd, cdnow, gamma_gamma, **{"time_unit": "weeks", **kwargs})


def test_clv_needs_a_known_time_unit(cdnow, gamma_gamma):
    model = fit(cdnow)  # fitted without a time unit
    with pytest.raises(GrowthkitError, match="time_unit is unknown"):
        predict(model, cdnow, gamma_gamma)


def test_interval_and_holdout_arguments_are_checked(bgnbd, gamma_gamma, cdnow, small):
    with pytest.raises(GrowthkitError, match=r"level=1\.2"):
        clv_intervals(bgnbd, gamma_gamma, cdnow, level=1.2)
    with pytest.raises(GrowthkitError, match="n_draws=5; expected an integer >= 20"):
        clv_intervals(bgnbd, gamma_gamma, cdnow, n_draws=5)
    with pytest.raises(GrowthkitError, match="Required column 'frequency_holdout' missing"):
        validate_holdout(bgnbd, small)
    with pytest.raises(GrowthkitError, match="value_quantiles"):
        segment_customers(predict(bgnbd, cdnow, gamma_gamma), value_quantiles=(0.8, 0.5))


def test_analyze_names_a_missing_column_and_a_bad_parameter():
    with pytest.raises(GrowthkitError, match="'spend' missing"):
        analyze("sample:cdnow-2357", amount_col="spend")
    with pytest.raises(GrowthkitError, match="model='best'"):
        analyze("sample:cdnow-2357", model="best")
    with pytest.raises(GrowthkitError, match="horizon_months=0 is out of range"):
        analyze("sample:cdnow-2357", horizon_months=0)
