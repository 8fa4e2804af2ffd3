"""Pareto/NBD and BG/NBD with customer covariates: CLVTools 0.12.1 on the apparel data, the
plain models as the special case, exact gradients, recovery of known coefficients, and the
design matrix.

The apparel data (``/work/shared/data``, copied to ``data/apparel_*.csv``) ship with R
CLVTools (``apparelTrans``, ``apparelStaticCov``) and pymc-marketing (Apache-2.0).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import mpmath
import numpy as np
import pandas as pd
import pytest

from growthkit import rfm_summary
from growthkit.clv import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, fit
from growthkit.clv.covariate_models import (
    BetaGeoCovariateModel,
    ModifiedBetaGeoCovariateModel,
    ParetoNBDCovariateModel,
    fit_covariates,
    log_tail_integral,
)
from growthkit.clv.covariates import CovariateDesign, CovariateScaleWarning, design_for
from growthkit.errors import ConvergenceError, GrowthkitError

DATA = Path(__file__).parent / "data"

# CLVTools 0.12.1 (docs/REFERENCES.md):
#   clv.data(apparelTrans, date.format="ymd", time.unit="weeks", estimation.split=104)
#   SetStaticCovariates(data.cov.life=apparelStaticCov, data.cov.trans=apparelStaticCov,
#                       names.cov.life=c("Gender","Channel"), names.cov.trans=...)
#   pnbd(clv.apparel.static)
CLVTOOLS_PARAMS = {"r": 1.8386634, "alpha": 92.943516, "s": 0.5912862, "beta": 49.505525}
CLVTOOLS_COEFFICIENTS = {("Gender", "dropout"): -0.6427911, ("Channel", "dropout"): 0.7901700,
                         ("Gender", "purchase"): 0.2859760, ("Channel", "purchase"): 0.6239414}
CLVTOOLS_COEF_SE = {("Gender", "dropout"): 0.2956, ("Channel", "dropout"): 0.3058,
                    ("Gender", "purchase"): 0.1041, ("Channel", "purchase"): 0.1049}
CLVTOOLS_SE = {"r": 0.3457, "alpha": 16.975, "s": 0.2603, "beta": 36.145}
CLVTOOLS_LL = -5821.062692
#   pnbd(clv.apparel) without covariates
CLVTOOLS_PLAIN = {"r": 1.448977, "alpha": 48.636084, "s": 0.561260, "beta": 46.884363}
CLVTOOLS_PLAIN_LL = -5848.0978


@pytest.fixture(scope="module")
def apparel() -> pd.DataFrame:
    orders = pd.read_csv(DATA / "apparel_trans.csv", dtype={"Id": str})
    return rfm_summary(orders, customer_col="Id", date_col="Date", amount_col="Price",
                       time_unit="weeks", calibration_end="2006-12-31")


@pytest.fixture(scope="module")
def apparel_cov() -> pd.DataFrame:
    return pd.read_csv(DATA / "apparel_static_cov.csv", dtype={"Id": str}).set_index("Id")


@pytest.fixture(scope="module")
def pnbd_cov(apparel, apparel_cov) -> ParetoNBDCovariateModel:
    return fit_covariates(apparel, "paretonbd", apparel_cov, time_unit="weeks")


@pytest.fixture(scope="module")
def pnbd_plain(apparel) -> ParetoNBDCovariateModel:
    return fit_covariates(apparel, "paretonbd", time_unit="weeks")


def test_apparel_summary_is_CLVTools_estimation_period(apparel):
    # 3,187 rows -> 3,183 transactions; 1,866 in estimation (600 first + 1,266 repeat).
    assert len(apparel) == 600
    assert apparel["T"].eq(104).all()
    assert apparel["frequency"].sum() == 1266
    assert (apparel["frequency"] == 0).sum() == 213


def test_pareto_nbd_with_gender_and_channel_equals_CLVTools(pnbd_cov):
    for k, v in CLVTOOLS_PARAMS.items():
        assert pnbd_cov.params[k] == pytest.approx(v, rel=2e-3)
    table = pnbd_cov.coefficients.set_index(["covariate", "process"])
    for key, v in CLVTOOLS_COEFFICIENTS.items():
        assert table.loc[key, "estimate"] == pytest.approx(v, rel=2e-3)
        assert table.loc[key, "std_error"] == pytest.approx(CLVTOOLS_COEF_SE[key], rel=2e-3)
    assert pnbd_cov.log_likelihood == pytest.approx(CLVTOOLS_LL, abs=1e-4)
    errors = pnbd_cov.summary()["std. error"]
    for k, v in CLVTOOLS_SE.items():
        assert errors[k] == pytest.approx(v, rel=2e-3)
    assert pnbd_cov.aic == pytest.approx(11658.1254, abs=1e-3)
    assert pnbd_cov.bic == pytest.approx(11693.3008, abs=1e-3)


def test_coefficients_table_and_multipliers(pnbd_cov):
    table = pnbd_cov.coefficients
    assert list(table.columns) == ["covariate", "process", "estimate", "std_error", "z",
                                   "p_value", "multiplier", "multiplier_low", "multiplier_high"]
    np.testing.assert_allclose(table["multiplier"], np.exp(table["estimate"]))
    assert (table["multiplier_low"] < table["multiplier"]).all()
    assert (table["multiplier"] < table["multiplier_high"]).all()
    # 90% interval: exp(estimate ± 1.6449 se).
    np.testing.assert_allclose(np.log(table["multiplier_high"] / table["multiplier"]),
                               1.6448536 * table["std_error"], rtol=1e-6)
    np.testing.assert_allclose(table["z"], table["estimate"] / table["std_error"])


def test_likelihood_ratio_test_equals_CLVTools(pnbd_cov, pnbd_plain, apparel):
    # CLVTools lrtest(plain, static): chi^2 54.070 on 4 df, p 5.09e-11.
    for nested in (pnbd_plain, fit(apparel, "paretonbd")):
        test = pnbd_cov.likelihood_ratio_test(nested)
        assert test.statistic == pytest.approx(54.070, abs=1e-3)
        assert test.df == 4
        assert test.p_value == pytest.approx(5.09e-11, rel=2e-3)
    with pytest.raises(GrowthkitError, match="not nested"):
        pnbd_plain.likelihood_ratio_test(pnbd_cov)
    with pytest.raises(GrowthkitError, match="expected a Pareto/NBD fit"):
        pnbd_cov.likelihood_ratio_test(fit(apparel, "bgnbd"))


def test_plain_fit_equals_growthkit_pareto_nbd_and_CLVTools(pnbd_plain, apparel):
    ref = ParetoNBDModel().fit(apparel)
    for k, v in ref.params.items():
        assert pnbd_plain.params[k] == pytest.approx(v, rel=1e-6)
        assert pnbd_plain.params[k] == pytest.approx(CLVTOOLS_PLAIN[k], rel=2e-3)
    assert pnbd_plain.log_likelihood == pytest.approx(ref.log_likelihood, abs=1e-6)
    assert pnbd_plain.log_likelihood == pytest.approx(CLVTOOLS_PLAIN_LL, abs=1e-4)
    assert pnbd_plain.coefficients.empty
    np.testing.assert_allclose(pnbd_plain.probability_alive(apparel),
                               ref.probability_alive(apparel), rtol=1e-6)
    np.testing.assert_allclose(pnbd_plain.expected_purchases(apparel, 52),
                               ref.expected_purchases(apparel, 52), rtol=1e-6)


def test_plain_mbgnbd_equals_growthkit_mbgnbd(apparel):
    ours = fit_covariates(apparel, "mbgnbd")
    ref = ModifiedBetaGeoModel().fit(apparel)
    for k, v in ref.params.items():
        assert ours.params[k] == pytest.approx(v, rel=1e-6)
    assert ours.log_likelihood == pytest.approx(ref.log_likelihood, abs=1e-6)
    same = ModifiedBetaGeoModel.from_params(ours.params)
    np.testing.assert_allclose(ours.probability_alive(apparel), same.probability_alive(apparel),
                               rtol=1e-10)
    np.testing.assert_allclose(ours.expected_purchases(apparel, 52),
                               same.expected_purchases(apparel, 52), rtol=1e-9)


def test_plain_bgnbd_equals_growthkit_bgnbd_and_CLVTools(apparel):
    ours = fit_covariates(apparel, "bgnbd")
    ref = BetaGeoModel().fit(apparel)
    clvtools = {"r": 0.6073108, "alpha": 20.956729, "a": 1.2755434, "b": 8.8608159}
    for k, v in ref.params.items():
        assert ours.params[k] == pytest.approx(v, rel=1e-6)
        assert ours.params[k] == pytest.approx(clvtools[k], rel=2e-3)
    assert ours.log_likelihood == pytest.approx(-5857.019749, abs=1e-4)
    np.testing.assert_allclose(ours.expected_purchases(apparel, 52),
                               ref.expected_purchases(apparel, 52), rtol=1e-8)
    same = BetaGeoModel.from_params(ours.params)
    np.testing.assert_allclose(ours.expected_purchases_new([1.0, 52.0, 500.0]),
                               same.expected_purchases_new([1.0, 52.0, 500.0]), rtol=1e-10)


def test_predictions_use_each_customers_own_parameters(pnbd_cov, apparel, apparel_cov):
    # A customer's P(alive) and expectation are those of the plain model at their α_i, β_i.
    p = pnbd_cov.params
    gamma = pnbd_cov.coefficients.set_index(["covariate", "process"])["estimate"]
    alive = pnbd_cov.probability_alive(apparel)
    expected = pnbd_cov.expected_purchases(apparel, 52)
    for (gender, channel), group in apparel_cov.groupby(["Gender", "Channel"]):
        own = {"r": p["r"], "s": p["s"],
               "alpha": p["alpha"] * np.exp(-gamma["Gender", "purchase"] * gender
                                            - gamma["Channel", "purchase"] * channel),
               "beta": p["beta"] * np.exp(-gamma["Gender", "dropout"] * gender
                                          - gamma["Channel", "dropout"] * channel)}
        plain = ParetoNBDModel.from_params(own)
        rows = apparel.loc[group.index]
        np.testing.assert_allclose(alive[group.index], plain.probability_alive(rows), rtol=1e-8)
        np.testing.assert_allclose(expected[group.index], plain.expected_purchases(rows, 52),
                                   rtol=1e-8)
        new = pnbd_cov.expected_purchases_new([4.0, 52.0],
                                              {"Gender": gender, "Channel": channel})
        np.testing.assert_allclose(new, plain.expected_purchases_new([4.0, 52.0]), rtol=1e-10)
        first = pnbd_cov.expected_purchases_new([4.0, 52.0], {"Gender": gender,
                                                              "Channel": channel},
                                                include_first=True)
        np.testing.assert_allclose(first, new + 1.0)


def test_new_customer_needs_every_covariate(pnbd_cov, pnbd_plain):
    with pytest.raises(GrowthkitError, match="no value for 'Channel'"):
        pnbd_cov.expected_purchases_new(10, {"Gender": 1})
    with pytest.raises(GrowthkitError, match="without covariates"):
        pnbd_plain.expected_purchases_new(10, {"Gender": 1})


@pytest.mark.parametrize("model", ["paretonbd", "bgnbd", "mbgnbd"])
def test_analytic_gradient_matches_central_differences(model):
    # A three-level text covariate on purchase only, "female" constrained (shared).
    profiles = _profiles(3000, seed=21)
    X = CovariateDesign.from_frame(profiles).matrix(profiles)
    effect = X @ np.array([0.3, 0.4, -0.2])
    T = np.full(3000, 40.0)
    if model == "paretonbd":
        summary = ParetoNBDCovariateModel.simulate(
            {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 20.0}, effect, effect, T, seed=22)
    else:
        cls = BetaGeoCovariateModel if model == "bgnbd" else ModifiedBetaGeoCovariateModel
        summary = cls.simulate(
            {"r": 0.9, "alpha": 6.0, "a": 0.8, "b": 3.0}, effect, effect, effect, T, seed=22)
    summary.index = profiles.index
    fitted = fit_covariates(summary, model, profiles, dropout_covariates=["female"],
                            constrained=["female"])
    assert fitted.param_names[4:] == (
        "purchase:channel[referral]", "purchase:channel[web]", "shared:female")
    rng = np.random.default_rng(13)
    theta = fitted.theta + rng.normal(0.0, 0.3, fitted.theta.size)
    grad = fitted.loglik(theta)[1]
    step = 1e-6
    numeric = [(fitted.loglik(theta + e)[0] - fitted.loglik(theta - e)[0]) / (2 * step)
               for e in np.eye(theta.size) * step]
    np.testing.assert_allclose(grad, numeric, rtol=2e-6, atol=1e-5)


def test_tail_integral_equals_mpmath_quadrature():
    mpmath.mp.dps = 30
    cases = [(0.5, 0.7, 1.3, 1.6), (1.0, 1000.0, 51.5, 1.2), (800.0, 0.3, 0.15, 1.05),
             (2.0, 2.0, 1.0, 2.0)]
    a, b, p, q = (np.array(c) for c in zip(*cases, strict=True))
    log_g, grad = log_tail_integral(a, b, p, q)
    for i, (ai, bi, pi, qi) in enumerate(cases):
        # δ = e^u, on many pieces: plain quad over [0, 1, 100, inf] misses 2e-7 of case 3's
        # slow δ^-1.2 tail.
        exact = mpmath.quad(lambda u, ai=ai, bi=bi, pi=pi, qi=qi: mpmath.exp(u)
                            * (ai + mpmath.exp(u)) ** -pi * (bi + mpmath.exp(u)) ** -qi,
                            [*mpmath.linspace(-60, 400, 200), mpmath.inf])
        assert log_g[i] == pytest.approx(float(mpmath.log(exact)), rel=1e-11, abs=1e-11)
    step = 1e-6
    for j in range(4):
        shifted = [a, b, p, q]
        up = [v + step * (k == j) for k, v in enumerate(shifted)]
        down = [v - step * (k == j) for k, v in enumerate(shifted)]
        numeric = (log_tail_integral(*up)[0] - log_tail_integral(*down)[0]) / (2 * step)
        np.testing.assert_allclose(grad[:, j], numeric, rtol=1e-6, atol=1e-9)


def _profiles(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "female": (rng.random(n) < 0.45).astype(float),
        "channel": rng.choice(["store", "web", "referral"], n, p=[0.5, 0.3, 0.2]),
    }, index=pd.RangeIndex(n, name="customer"))


def test_pareto_nbd_recovers_known_coefficients_from_simulated_data():
    # 8,000 customers observed 52 weeks; each estimate within 3 standard errors of the truth
    # (at 20,000 customers every estimate is within 2 standard errors).
    profiles = _profiles(8000, seed=1)
    X = CovariateDesign.from_frame(profiles).matrix(profiles)  # female, channel[referral], [web]
    purchase, dropout = np.array([0.4, 0.6, -0.3]), np.array([-0.5, 0.8, 0.3])
    truth = {"r": 0.8, "alpha": 8.0, "s": 0.7, "beta": 20.0}
    summary = ParetoNBDCovariateModel.simulate(truth, X @ purchase, X @ dropout,
                                               np.full(8000, 52.0), seed=2)
    summary.index = profiles.index
    model = fit_covariates(summary, "paretonbd", profiles)
    table = model.coefficients.set_index(["covariate", "process"])
    for process, values in (("purchase", purchase), ("dropout", dropout)):
        for col, v in zip(("female", "channel[referral]", "channel[web]"), values, strict=True):
            row = table.loc[(col, process)]
            assert abs(row["estimate"] - v) < 3 * row["std_error"], (col, process)
    errors = model.summary()["std. error"]
    for k, v in truth.items():
        assert abs(model.params[k] - v) < 3 * errors[k], k


def test_bgnbd_recovers_known_coefficients_from_simulated_data():
    profiles = _profiles(8000, seed=3)
    X = CovariateDesign.from_frame(profiles).matrix(profiles)
    purchase, on_a, on_b = np.array([0.4, 0.6, -0.3]), np.array([0.5, -0.4, 0.2]), \
        np.array([-0.3, 0.3, 0.0])
    truth = {"r": 0.9, "alpha": 6.0, "a": 0.8, "b": 3.0}
    summary = BetaGeoCovariateModel.simulate(truth, X @ purchase, X @ on_a, X @ on_b,
                                             np.full(8000, 52.0), seed=4)
    summary.index = profiles.index
    model = fit_covariates(summary, "bgnbd", profiles)
    table = model.coefficients.set_index(["covariate", "process"])
    for process, values in (("purchase", purchase), ("dropout_a", on_a), ("dropout_b", on_b)):
        for col, v in zip(("female", "channel[referral]", "channel[web]"), values, strict=True):
            row = table.loc[(col, process)]
            assert abs(row["estimate"] - v) < 3 * row["std_error"], (col, process)


def test_constrained_covariate_shares_one_coefficient(apparel, apparel_cov, pnbd_cov):
    model = fit_covariates(apparel, "paretonbd", apparel_cov, constrained=["Channel"])
    table = model.coefficients
    assert list(zip(table["covariate"], table["process"], strict=True)) == [
        ("Gender", "purchase"), ("Gender", "dropout"), ("Channel", "shared")]
    assert pnbd_cov.likelihood_ratio_test(model).df == 1
    assert model.log_likelihood < pnbd_cov.log_likelihood
    only = fit_covariates(apparel, "paretonbd", apparel_cov, purchase_covariates=["Channel"],
                          dropout_covariates=[])
    assert list(only.coefficients["process"]) == ["purchase"]


def test_bgnbd_on_apparel_is_refused_where_a_and_b_run_off(apparel, apparel_cov):
    # With Gender and Channel on a and b the likelihood rises towards a, b -> infinity for the
    # reference channel (a point mass of the dropout probability): no interior maximum.
    with pytest.raises(ConvergenceError, match="ran off"):
        fit_covariates(apparel, "bgnbd", apparel_cov)


def test_design_codes_categories_against_most_frequent_level():
    frame = pd.DataFrame({"channel": ["web", "store", "store", "referral", "store", "web"],
                          "age": [20.0, 30, 40, 50, 60, 70]})
    design = CovariateDesign.from_frame(frame)
    assert design.reference == {"channel": "store"}
    assert design.columns == ("channel[referral]", "channel[web]", "age")
    np.testing.assert_array_equal(design.matrix(frame)[:, 1], [1, 0, 0, 0, 0, 1])
    with pytest.raises(GrowthkitError, match="level 'mail'"):
        design.matrix(frame.assign(channel="mail"))


def test_missing_covariate_names_column_and_customer(apparel, apparel_cov):
    cov = apparel_cov.copy()
    cov.loc["17", "Channel"] = np.nan
    with pytest.raises(GrowthkitError, match=r"covariate 'Channel' has no value .* '17'"):
        fit_covariates(apparel, "paretonbd", cov)
    with pytest.raises(GrowthkitError, match=r"no value for 1 customer\(s\), e.g. '1'"):
        fit_covariates(apparel, "paretonbd", apparel_cov.drop(index="1"))


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"purchase_covariates": ["Age"]}, "purchase_covariates: 'Age' is not a covariate"),
        ({"dropout_covariates": ["Gender"], "constrained": ["Channel"]},
         "must be among both"),
        ({"covariates": ["Gender"]}, "column 'Gender' is not in the summary"),
    ],
)
def test_bad_covariate_options_are_one_line_errors(apparel, apparel_cov, kwargs, fragment):
    kwargs = {"covariates": apparel_cov, **kwargs}
    with pytest.raises(GrowthkitError, match=fragment):
        fit_covariates(apparel, "paretonbd", **kwargs)


def test_constant_collinear_and_huge_covariates(apparel, apparel_cov):
    with pytest.raises(GrowthkitError, match="takes the one value"):
        fit_covariates(apparel, "paretonbd", apparel_cov.assign(Gender=1))
    with pytest.raises(GrowthkitError, match="collinear"):
        fit_covariates(apparel, "paretonbd", apparel_cov.assign(Male=1 - apparel_cov.Gender))
    with pytest.warns(CovariateScaleWarning, match="'Income' reaches"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        design_for(apparel, apparel_cov.assign(
            Income=np.random.default_rng(0).normal(50_000, 10_000, 600)))


def test_covariates_from_the_summarys_own_columns(apparel, apparel_cov, pnbd_cov):
    joined = apparel.join(apparel_cov)
    model = fit_covariates(joined, "paretonbd", ["Gender", "Channel"])
    assert model.log_likelihood == pytest.approx(pnbd_cov.log_likelihood, abs=1e-8)
    np.testing.assert_allclose(model.probability_alive(joined),
                               pnbd_cov.probability_alive(apparel), rtol=1e-10)


@pytest.mark.parametrize(("name", "cls", "plain"), [
    ("bgnbd", BetaGeoCovariateModel, BetaGeoModel),
    ("mbgnbd", ModifiedBetaGeoCovariateModel, ModifiedBetaGeoModel),
])
def test_bg_family_predictions_use_each_customers_own_parameters(name, cls, plain):
    profiles = _profiles(3000, seed=31)
    X = CovariateDesign.from_frame(profiles).matrix(profiles)
    summary = cls.simulate(
        {"r": 0.9, "alpha": 6.0, "a": 0.8, "b": 3.0}, X @ np.array([0.4, 0.6, -0.3]),
        X @ np.array([0.5, -0.4, 0.2]), X @ np.array([-0.3, 0.3, 0.0]), np.full(3000, 52.0),
        seed=32)
    summary.index = profiles.index
    model = fit_covariates(summary, name, profiles)
    p = model.params
    gamma = model.coefficients.set_index(["covariate", "process"])["estimate"]
    alive = model.probability_alive(summary)
    expected = model.expected_purchases(summary, 26.0)
    for (female, channel), group in profiles.groupby(["female", "channel"]):
        row = {"female": female, "channel[referral]": channel == "referral",
               "channel[web]": channel == "web"}

        def effect(process, row=row):
            return sum(gamma[c, process] * v for c, v in row.items())

        own = plain.from_params({"r": p["r"],
                                 "alpha": p["alpha"] * np.exp(-effect("purchase")),
                                 "a": p["a"] * np.exp(effect("dropout_a")),
                                 "b": p["b"] * np.exp(effect("dropout_b"))})
        rows = summary.loc[group.index]
        # P(alive) near 1e-7 is exp of a log-odds formed in another order: 1e-14 apart.
        np.testing.assert_allclose(alive[group.index], own.probability_alive(rows), rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(expected[group.index], own.expected_purchases(rows, 26.0),
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            model.expected_purchases_new([4.0, 52.0], {"female": female, "channel": channel}),
            own.expected_purchases_new([4.0, 52.0]), rtol=1e-9)


def test_clv_fit_dispatches_covariates(apparel, apparel_cov, pnbd_cov):
    model = fit(apparel, "paretonbd", covariates=apparel_cov, time_unit="weeks")
    assert isinstance(model, ParetoNBDCovariateModel)
    assert model.log_likelihood == pytest.approx(pnbd_cov.log_likelihood, abs=1e-9)
    only = fit(apparel, "paretonbd", covariates=apparel_cov, dropout_covariates=[])
    assert set(only.coefficients["process"]) == {"purchase"}
    with pytest.raises(GrowthkitError, match="model='auto' with covariates"):
        fit(apparel, "auto", covariates=apparel_cov)
    assert isinstance(fit(apparel, "paretonbd"), ParetoNBDModel)  # plain fits unchanged
