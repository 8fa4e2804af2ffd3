"""The sBG retention model (growthkit.subscriptions.sbg) against Fader & Hardie (2007, 2010).

Reference values: docs/REFERENCES.md, "Subscriptions: sBG". The counts are the paper's Table 1
(customers of 1,000 still active at the start of years 0 to 7).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import betaln

from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.subscriptions import SBGModel, fit_sbg

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.fixture(scope="module")
def regular():
    return fit_sbg(REGULAR)


@pytest.fixture(scope="module")
def high_end():
    return fit_sbg(HIGH_END)


def test_regular_segment_params_and_log_likelihood_match_the_paper(regular):
    # docs/REFERENCES.md: regular α 0.7041, β 1.1820, log-likelihood −1,680.27 (paper: .704, 1.182).
    assert regular.params["alpha"] == pytest.approx(0.7041, abs=6e-5)
    assert regular.params["beta"] == pytest.approx(1.1820, abs=6e-5)
    assert regular.log_likelihood == pytest.approx(-1680.27, abs=6e-3)
    assert regular.customers == 1000 and regular.periods == 7


def test_high_end_segment_params_and_log_likelihood_match_the_paper(high_end):
    # docs/REFERENCES.md: high end α 0.6681, β 3.8061, log-likelihood −1,611.16.
    assert high_end.params["alpha"] == pytest.approx(0.6681, abs=6e-5)
    assert high_end.params["beta"] == pytest.approx(3.8061, abs=6e-5)
    assert high_end.log_likelihood == pytest.approx(-1611.16, abs=6e-3)


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        # docs/REFERENCES.md: projected survival in years 8-12 (%), printed to 0.1.
        ("regular", [22.0, 20.4, 19.1, 18.0, 17.0]),
        ("high_end", [46.0, 43.6, 41.4, 39.5, 37.8]),
    ],
)
def test_year_8_to_12_projections_match_the_paper(segment, expected, request):
    model = request.getfixturevalue(segment)
    projected = model.survival(np.arange(8, 13))
    np.testing.assert_allclose(projected, np.array(expected) / 100, atol=6e-4)


def test_projections_sit_near_the_actual_later_years():
    # Table 1's actual years 8-12 (regular: 22.3 ... 17.3): the model, fitted on 0-7 only,
    # under-projects slightly but within 0.5 points, as the paper reports.
    actual = np.array([22.3, 20.7, 19.4, 18.3, 17.3]) / 100
    projected = fit_sbg(REGULAR).survival(np.arange(8, 13))
    assert np.all(projected < actual) and np.max(actual - projected) < 0.005


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # docs/REFERENCES.md: DERL at d = 0.1 (Fader & Hardie 2010), n = 1, 5, 7.
        ((0.7041, 1.1820), [2.9642, 5.8940, 6.5755]),
        ((0.6681, 3.8061), [5.4144, 6.8967, 7.3447]),
    ],
)
def test_derl_matches_the_reference_values(params, expected):
    model = SBGModel.from_params(*params)
    got = [model.derl(0.1, n) for n in (1, 5, 7)]
    np.testing.assert_allclose(got, expected, atol=6e-5)


def test_derl_equals_the_discounted_sum_it_stands_for():
    model = SBGModel.from_params(0.7041, 1.1820)
    t = np.arange(5, 4000)
    direct = np.sum(model.survival(t) / model.survival(4) / 1.1 ** (t - 5))
    assert model.derl(0.1, 5) == pytest.approx(direct, rel=1e-9)
    assert model.discounted_lifetime(0.1) == pytest.approx(
        np.sum(model.survival(np.arange(4000)) / 1.1 ** np.arange(4000)), rel=1e-9
    )


def test_retention_rate_is_the_ratio_of_survivals_and_rises(regular):
    t = np.arange(1, 13)
    rates = regular.retention_rate(t)
    np.testing.assert_allclose(rates, regular.survival(t) / regular.survival(t - 1), rtol=1e-12)
    a, b = regular.alpha, regular.beta
    np.testing.assert_allclose(rates, (b + t - 1) / (a + b + t - 1), rtol=1e-12)
    assert np.all(np.diff(rates) > 0)
    np.testing.assert_allclose(
        regular.churn_probability(t), regular.survival(t - 1) - regular.survival(t), rtol=1e-10
    )


def test_the_likelihood_is_the_papers_formula_at_the_estimate(regular):
    a, b = regular.alpha, regular.beta
    n = np.array(REGULAR, float)
    t = np.arange(1, 8)
    by_hand = ((n[:-1] - n[1:]) * (betaln(a + 1, b + t - 1) - betaln(a, b))).sum() + n[-1] * (
        betaln(a, b + 7) - betaln(a, b)
    )
    assert regular.log_likelihood == pytest.approx(by_hand, rel=1e-12)


def test_cohorts_of_different_lengths_fit_jointly():
    # Two cohorts with the regular pattern, one cut at year 3: the joint estimate sits near the
    # single-cohort one, and equals a fit on the pooled churn and survivor counts.
    joint = fit_sbg([REGULAR, REGULAR[:4]])
    assert joint.customers == 2000 and joint.periods == 7
    assert joint.alpha == pytest.approx(0.70, abs=0.05)
    # Duplicating one cohort doubles the log-likelihood and leaves the estimate unchanged.
    double = fit_sbg([REGULAR, REGULAR])
    assert double.alpha == pytest.approx(0.704077, abs=1e-5)
    assert double.log_likelihood == pytest.approx(2 * -1680.2652, abs=1e-3)


def test_recovers_known_parameters_from_simulated_cohorts():
    rng = np.random.default_rng(2026)
    alpha, beta = 0.9, 7.0
    cohorts = []
    for age in (6, 12, 24, 36):
        theta = rng.beta(alpha, beta, 1500)
        lifetime = rng.geometric(theta)  # the period a subscriber churns in, 1, 2, ...
        cohorts.append([int((lifetime > k).sum()) for k in range(age + 1)])
    model = fit_sbg(cohorts)
    # The truth lies inside a 99.9% interval of the estimate, on the fit's axes: logit of the
    # mean churn α/(α+β) and log of the polarisation 1/(α+β+1).
    def axes(a: float, b: float) -> np.ndarray:
        return np.array([np.log(a / b), -np.log(a + b + 1)])

    se = np.sqrt(np.diag(model.covariance))
    assert np.all(np.abs(axes(model.alpha, model.beta) - axes(alpha, beta)) < 3.3 * se)
    assert not model.homogeneous
    low, high = model.survival_interval([12], level=0.999)
    truth = np.exp(betaln(alpha, beta + 12) - betaln(alpha, beta))
    assert low[0] < truth < high[0]


def test_homogeneous_churn_is_a_geometric_model_with_an_honest_interval():
    # Every subscriber churns with probability 0.1 a period: no heterogeneity to find.
    counts = [round(10_000 * 0.9**k) for k in range(13)]
    model = fit_sbg(counts)
    assert model.homogeneous and model.alpha + model.beta == pytest.approx(1e6, rel=1e-5)
    assert model.mean_churn == pytest.approx(0.1, abs=1e-4)
    assert model.survival(24) == pytest.approx(0.9**24, rel=1e-3)
    low, high = model.survival_interval([12, 24])
    assert np.all(low < model.survival([12, 24])) and np.all(model.survival([12, 24]) < high)
    assert np.all(high - low < 0.05)


@settings(max_examples=25, deadline=None)
@given(level=st.floats(0.5, 0.99), t=st.integers(1, 40))
def test_survival_interval_contains_the_estimate(regular, level, t):
    low, high = regular.survival_interval([t], level)
    assert low[0] <= regular.survival(t) <= high[0]


def test_projection_table_has_intervals_for_a_fitted_model(regular):
    table = regular.projection(24)
    assert list(table.columns) == ["period", "survival", "retention_rate", "low", "high"]
    assert table["survival"].iloc[0] == 1.0 and np.isnan(table["retention_rate"].iloc[0])
    assert "low" not in SBGModel.from_params(1, 2).projection(3)


@pytest.mark.parametrize(
    ("counts", "match"),
    [
        ([1000, 631, 700], "period 2 has 700 customers, more than the 631 of period 1"),
        ([1000, -1], "expected counts of customers"),
        ([], "expected customers still active"),
        ("1000,631", "expected customers still active"),
        ([[100, 50], [100, 120]], r"counts\[1\]: period 1 has 120"),
    ],
)
def test_counts_that_are_not_survivors_are_refused(counts, match):
    with pytest.raises(GrowthkitError, match=match):
        fit_sbg(counts)


@pytest.mark.parametrize(
    ("counts", "match"),
    [
        ([100, 100, 100], "no customer churned"),
        ([100], "no cohort was observed beyond its first period"),
        ([100, 0], "every customer churned in the first period"),
    ],
)
def test_data_that_cannot_identify_the_model_raise_convergence_errors(counts, match):
    with pytest.raises(ConvergenceError, match=match):
        fit_sbg(counts)


def test_from_params_and_options_are_checked():
    with pytest.raises(GrowthkitError, match="alpha=-1"):
        SBGModel.from_params(-1, 1)
    model = SBGModel.from_params(1, 2)
    with pytest.raises(GrowthkitError, match="no covariance"):
        model.survival_interval([1])
    with pytest.raises(GrowthkitError, match="discount_rate=0"):
        model.derl(0)
    with pytest.raises(GrowthkitError, match="renewals=0"):
        model.derl(0.1, 0)
    with pytest.raises(GrowthkitError, match="starts at period 1"):
        model.retention_rate(0)


# ----------------------------------------------------------------------------- censored lifetimes


def _censored_mle(tenure: np.ndarray, churned: np.ndarray) -> tuple[float, float]:
    """An independent censored maximum-likelihood sBG fit: P(T = t) for the churned,
    P(T > t) for the active, maximised by scipy over log α, log β."""
    from scipy.optimize import minimize
    from scipy.special import betaln

    t = tenure.astype(float)
    # each distinct lifetime once, weighted by how many customers have it (the same sums)
    t_churn, n_churn = np.unique(np.maximum(t[churned], 1), return_counts=True)
    t_alive, n_alive = np.unique(t[~churned], return_counts=True)

    def negll(x: np.ndarray) -> float:
        a, b = np.exp(x)
        return -(np.sum(n_churn * (betaln(a + 1, b + t_churn - 1) - betaln(a, b)))
                 + np.sum(n_alive * (betaln(a, b + t_alive) - betaln(a, b))))

    res = minimize(negll, np.log([1.0, 5.0]), method="Nelder-Mead",
                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    return tuple(np.exp(res.x))


def test_fit_sbg_on_a_snapshot_equals_an_independent_censored_fit_by_contract():
    from growthkit.samples.subscriptions import subscription_snapshot

    snap = subscription_snapshot()
    assert len(snap) == 7000 and snap["tenure"].between(0, 72).all()
    for contract, rows in snap.groupby("contract"):
        churned = rows["churn"].eq("Yes").to_numpy()
        model = fit_sbg(tenure=rows["tenure"], churned=rows["churn"])
        a, b = _censored_mle(rows["tenure"].to_numpy(), churned)
        assert model.alpha == pytest.approx(a, rel=2e-3), contract
        assert model.beta == pytest.approx(b, rel=2e-3), contract
        reference = SBGModel.from_params(a, b)
        np.testing.assert_allclose(model.survival([12, 24]), reference.survival([12, 24]),
                                   rtol=1e-4)
        assert model.customers == len(rows)


def test_fit_sbg_takes_counts_or_lifetimes_not_both():
    with pytest.raises(GrowthkitError, match="either counts, or tenure and churned"):
        fit_sbg([100, 50, 30], tenure=[1, 2], churned=[True, False])
    with pytest.raises(GrowthkitError, match="churned holds 'maybe'"):
        fit_sbg(tenure=[1, 2], churned=["Yes", "maybe"])
    with pytest.raises(GrowthkitError, match="tenure holds"):
        fit_sbg(tenure=[1.5, 2], churned=["Yes", "No"])
