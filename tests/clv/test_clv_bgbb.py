"""BG/BB against Fader, Hardie & Shang (2010), Hardie's note 010, BTYD and lifetimes.

``data/donations.csv`` is lifetimes' ``datasets/donations.csv`` (MIT licence), copied as it
ships: 22 patterns of (frequency, recency, periods = 6, weights), 11,104 donors.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln, hyp2f1

from growthkit.clv.bgbb import BetaGeoBetaBinomModel, BGBBRows
from growthkit.errors import GrowthkitError, NotFittedError

with warnings.catch_warnings():  # lifetimes sets a FutureWarning filter when imported
    import lifetimes

DATA = Path(__file__).parent / "data" / "donations.csv"
#: Fader, Hardie & Shang (2010), Table 3; BTYD's bgbb.EstimateParameters on the same data.
BTYD = {"alpha": 1.2035276, "beta": 0.7497260, "gamma": 0.6567808, "delta": 2.7837958}
BTYD_LL = -33225.58128


@pytest.fixture(scope="module")
def donations() -> pd.DataFrame:
    return pd.read_csv(DATA).rename(columns={"periods": "n_periods"})


@pytest.fixture(scope="module")
def bgbb(donations: pd.DataFrame) -> BetaGeoBetaBinomModel:
    return BetaGeoBetaBinomModel().fit(donations, time_unit="years")


def test_params_out_is_close_to_Fader_Hardie_Shang_paper(bgbb):
    # The paper prints 1.204, 0.750, 0.657, 2.783 and LL -33,225.6.
    printed = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for k, v in printed.items():
        assert bgbb.params[k] == pytest.approx(v, abs=6e-4)
    assert bgbb.log_likelihood == pytest.approx(-33225.6, abs=0.05)


def test_params_and_loglik_equal_BTYD(bgbb):
    # The likelihood is flat in delta: BTYD stops 1.3e-4 (relative) from our maximum, which
    # is higher by 7e-6.
    for k, v in BTYD.items():
        assert bgbb.params[k] == pytest.approx(v, rel=2e-4)
    assert bgbb.log_likelihood == pytest.approx(BTYD_LL, abs=1e-4)
    assert bgbb.log_likelihood >= BTYD_LL - 1e-5


def test_fit_and_standard_errors_equal_lifetimes(bgbb, donations):
    f = lifetimes.BetaGeoBetaBinomFitter().fit(
        donations.frequency, donations.recency, donations.n_periods, weights=donations.weights
    )
    for k in bgbb.param_names:
        assert bgbb.params[k] == pytest.approx(f.params_[k], rel=1e-4)
    errors = bgbb.summary()["std. error"]
    for k in bgbb.param_names:
        assert errors[k] == pytest.approx(f.standard_errors_[k], rel=1e-3)
    assert bgbb.n_customers == 11104


def test_loglik_per_history_equals_lifetimes(donations):
    rows = BGBBRows.from_table(donations)
    rng = np.random.default_rng(11)
    for params in np.exp(rng.normal(0.0, 0.8, size=(4, 4))):
        theirs = lifetimes.BetaGeoBetaBinomFitter._loglikelihood(params, rows.x, rows.tx, rows.n)
        ours = BetaGeoBetaBinomModel.loglik(np.log(params), rows)[0]
        assert ours == pytest.approx(float(rows.weight @ theirs), rel=1e-10)


def test_analytic_gradient_matches_central_differences(donations):
    rows = BGBBRows.from_table(donations)
    rng = np.random.default_rng(5)
    theta = rng.normal(0.0, 0.6, size=4)
    grad = BetaGeoBetaBinomModel.loglik(theta, rows)[1]
    step = 1e-6
    numeric = [(BetaGeoBetaBinomModel.loglik(theta + e, rows)[0]
                - BetaGeoBetaBinomModel.loglik(theta - e, rows)[0]) / (2 * step)
               for e in np.eye(4) * step]
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)


def test_expected_transactions_of_new_donor_equal_Hardie_note_010(bgbb):
    # Hardie's note 010 (the Excel implementation), E[X(n)] for n = 1..11.
    note = [0.4985, 0.9233, 1.2969, 1.6323, 1.9381, 2.2202, 2.4826, 2.7285, 2.9603, 3.1798,
            3.3887]
    np.testing.assert_allclose(bgbb.expected_purchases_new(np.arange(1, 12)), note, atol=1e-4)


def test_p_alive_in_2002_equals_paper_table_6(bgbb):
    histories = pd.DataFrame({"frequency": [0, 2, 6], "recency": [0, 4, 6],
                              "n_periods": [6, 6, 6]})
    np.testing.assert_allclose(bgbb.probability_alive(histories), [0.11, 0.59, 0.93],
                               atol=5e-3)


def test_predictions_equal_lifetimes_at_same_params(bgbb, donations):
    fitter = bgbb.to_lifetimes()
    f, r, n = donations.frequency, donations.recency, donations.n_periods
    for ahead in (0, 1, 3):
        np.testing.assert_allclose(
            bgbb.probability_alive(donations, periods_ahead=ahead),
            fitter.conditional_probability_alive(ahead, f, r, n), rtol=1e-10)
    for t in (1, 5, 10):
        np.testing.assert_allclose(
            bgbb.expected_purchases(donations, t),
            fitter.conditional_expected_number_of_purchases_up_to_time(t, f, r, n), rtol=1e-9)


def test_five_year_holdout_total_equals_paper(bgbb, donations):
    # FHS (2010): 12,884.2 expected repeat donations in 2002-2006 (actual 13,260).
    total = float((bgbb.expected_purchases(donations, 5) * donations.weights).sum())
    assert total == pytest.approx(12884.2, abs=0.1)


def test_in_sample_frequency_counts_equal_paper(bgbb, donations):
    # FHS (2010), Figure 3: expected donors with x repeat gifts in 1996-2001.
    paper = [3454.86, 1888.66, 1348.89, 1113.38, 1017.92, 1027.16, 1253.11]
    probabilities = bgbb.frequency_probabilities(6)
    assert probabilities.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(probabilities * donations.weights.sum(), paper, atol=0.05)


def test_dert_equals_closed_form_with_hypergeometric(bgbb, donations):
    # FHS (2010) eq. 14: B(a+x+1, b+n-x)/B(a,b) · B(g, d+n+1)/((1+d)B(g,d)) ·
    # 2F1(1, d+n+1; g+d+n+1; 1/(1+d)) / L.
    a, b, g, dl = bgbb.params.values()
    x, n = (donations[c].to_numpy(float) for c in ("frequency", "n_periods"))
    rate = 0.1
    loglik = np.log(bgbb.probability_alive(donations, 0)) * -1 + (
        betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, dl + n) - betaln(g, dl))
    expected = (np.exp(betaln(a + x + 1, b + n - x) - betaln(a, b)
                       + betaln(g, dl + n + 1) - betaln(g, dl) - loglik) / (1 + rate)
                * hyp2f1(1, dl + n + 1, g + dl + n + 1, 1 / (1 + rate)))
    np.testing.assert_allclose(bgbb.discounted_expected_transactions(donations, rate), expected,
                               rtol=1e-10)


def test_expected_transactions_continuous_across_gamma_one():
    near = [BetaGeoBetaBinomModel.from_params(
        {"alpha": 1.2, "beta": 0.75, "gamma": g, "delta": 2.8}) for g in (1 - 1e-6, 1.0,
                                                                          1 + 1e-6)]
    values = [m.expected_purchases_new([1, 5, 40]) for m in near]
    np.testing.assert_allclose(values[1], values[0], rtol=1e-5)
    np.testing.assert_allclose(values[1], values[2], rtol=1e-5)
    direct = 1.2 / 1.95 * np.cumsum(np.exp(betaln(1.0, 2.8 + np.arange(1, 41)) - betaln(1, 2.8)))
    np.testing.assert_allclose(values[1], direct[[0, 4, 39]], rtol=1e-12)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"n_periods": None}, "'n_periods' missing"),
        ({"recency": 7}, "'recency' is larger than 'n_periods'"),
        ({"frequency": 5, "recency": 4}, "'frequency' is larger than 'recency'"),
        ({"weights": -1}, "'weights'"),
        ({"frequency": 1.5}, "not whole numbers"),
    ],
)
def test_bad_table_is_one_line_error(donations, change, fragment):
    table = donations.astype({"frequency": float, "recency": float})
    for col, value in change.items():
        if value is None:
            table = table.drop(columns=col)
        else:
            table.loc[3, col] = value
    with pytest.raises(GrowthkitError, match=fragment):
        BetaGeoBetaBinomModel().fit(table)


def test_unfitted_and_param_only_models_say_so(donations):
    with pytest.raises(NotFittedError, match="not fitted"):
        BetaGeoBetaBinomModel().expected_purchases_new(3)
    model = BetaGeoBetaBinomModel.from_params(BTYD)
    assert model.expected_purchases_new(1) == pytest.approx(0.4985, abs=1e-4)
    with pytest.raises(NotFittedError, match="built from parameters"):
        _ = model.log_likelihood
    assert np.isnan(model.summary()["std. error"]).all()


def test_clv_fit_dispatches_bgbb(bgbb, donations):
    from growthkit.clv import fit

    model = fit(donations, "bgbb", time_unit="years")
    assert isinstance(model, BetaGeoBetaBinomModel)
    assert model.params == pytest.approx(bgbb.params, rel=1e-12)
    with pytest.raises(GrowthkitError, match="model='bgbb' with covariates"):
        fit(donations, "bgbb", covariates=["weights"])
