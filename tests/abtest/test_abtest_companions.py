"""SRM, planning, sequential, Bayesian and decision helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from growthkit.abtest import (
    analyze_summary,
    bayesian_view,
    beta_binomial,
    confidence_sequence,
    decide,
    mde,
    normal_posterior,
    power,
    power_table,
    prob_beta_greater,
    sample_size,
    sequential_p_value,
    sequential_results,
    srm,
    srm_table,
)
from growthkit.errors import GrowthkitError

# ----------------------------------------------------------------------------- SRM


def test_srm_is_pearsons_goodness_of_fit():
    got = srm({"control": 9904, "treatment": 10096})
    ref = stats.chisquare([9904, 10096])
    assert got == {"chi2": pytest.approx(ref.statistic, abs=1e-12),
                   "p_value": pytest.approx(ref.pvalue, abs=1e-12), "flag": False}


def test_srm_flags_a_broken_split_and_honours_weights():
    assert srm({"a": 5000, "b": 5400})["flag"]
    # A planned 1:2 split with 1:2 counts is healthy; the same counts against 1:1 are not.
    assert not srm({"a": 3300, "b": 6700}, {"a": 1, "b": 2})["flag"]
    assert srm({"a": 3300, "b": 6700})["flag"]
    table = srm_table({"a": 3300, "b": 6700}, {"a": 1, "b": 2})
    assert table.loc["b", "expected_users"] == pytest.approx(10000 * 2 / 3, abs=1e-9)


@pytest.mark.parametrize(
    ("counts", "weights", "message"),
    [
        ({"a": 10}, None, "at least 2 arms"),
        ({"a": 10, "b": -1}, None, "must be ≥ 0"),
        ({"a": 10, "b": 10}, {"a": 1, "c": 1}, r"names arms \['a', 'c'\].*\['a', 'b'\]"),
        ({"a": 10, "b": 10}, {"a": 1, "b": 0}, "must all be positive"),
    ],
)
def test_srm_bad_inputs(counts, weights, message):
    with pytest.raises(GrowthkitError, match=message):
        srm(counts, weights)


# ----------------------------------------------------------------------------- planning


@pytest.mark.parametrize(("baseline", "effect"), [(0.2, 0.05), (0.1, 0.01), (0.03, -0.01)])
def test_sample_size_round_trips_through_power(baseline, effect):
    n = sample_size(baseline, effect)
    assert power(baseline, effect, n) >= 0.8 > power(baseline, effect, n - 1)


def test_unequal_split_needs_fewer_controls_and_reaches_its_power():
    n = sample_size(0.2, 0.05, ratio=2.0)
    assert n < sample_size(0.2, 0.05)
    assert power(0.2, 0.05, n, ratio=2.0) >= 0.8 > power(0.2, 0.05, n - 1, ratio=2.0)


def test_mde_inverts_power_for_rates_and_means():
    d = mde(0.2, 1094)
    assert power(0.2, d, 1094) == pytest.approx(0.8, abs=1e-8)
    assert mde(0.2, 1094, relative=True) == pytest.approx(d / 0.2, rel=1e-12)
    d = mde(10.0, 393, sd=5.0)
    # NormalIndPower.solve_power stops at its root finder's tolerance, about 1e-5 in power.
    assert power(10.0, d, 393, sd=5.0) == pytest.approx(0.8, abs=1e-4)


def test_continuous_sample_size_is_the_two_sample_z_formula():
    # n = 2 (z_{α/2} + z_β)² σ²/δ² for equal arms.
    z = stats.norm.isf(0.025) + stats.norm.isf(0.2)
    assert sample_size(10.0, 1.0, sd=5.0) == int(np.ceil(2 * z**2 * 25))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline": 1.2, "mde": 0.1}, "not a conversion rate"),
        ({"baseline": 0.9, "mde": 0.2}, "a rate of"),
        ({"baseline": 0.2, "mde": 0.0}, "non-zero effect"),
        ({"baseline": 0.2, "mde": 0.05, "power": 0.01}, "alpha < power < 1"),
        ({"baseline": 0.2, "mde": 0.05, "ratio": 0}, "ratio=0"),
        ({"baseline": 10, "mde": 1, "sd": -1}, "positive standard deviation"),
    ],
)
def test_planning_bad_inputs(kwargs, message):
    with pytest.raises(GrowthkitError, match=message):
        sample_size(**kwargs)


def _ab(conv_c: int, conv_t: int, n: int = 10_000) -> pd.DataFrame:
    return analyze_summary(
        [{"metric": "conv", "variant": "control", "n": n, "conversions": conv_c},
         {"metric": "conv", "variant": "treatment", "n": n, "conversions": conv_t}],
        control="control",
    )


def test_power_table_uses_the_report_test():
    res = _ab(1000, 1100)
    row = power_table(res, min_lift=0.05).iloc[0]
    assert row["mde_abs"] == pytest.approx(mde(0.1, 10_000), rel=1e-9)
    assert row["n_for_min_lift"] == sample_size(0.1, 0.05, relative=True)
    assert row["n_for_observed"] == sample_size(0.1, 0.01)
    assert row["power_at_observed"] == pytest.approx(power(0.1, 0.01, 10_000), rel=1e-9)


# ----------------------------------------------------------------------------- sequential


def test_confidence_sequence_is_wider_than_the_fixed_interval_and_shrinks():
    z = stats.norm.isf(0.025)
    low, high = confidence_sequence(0.0, 1.0 / np.sqrt([100, 1000, 10_000]),
                                    [100, 1000, 10_000])
    assert (high > z / np.sqrt([100, 1000, 10_000])).all()
    assert (np.diff(high - low) < 0).all()


def test_sequential_p_value_is_where_the_sequence_touches_zero():
    p = float(sequential_p_value(0.2, 0.05, 6461))
    low, _ = confidence_sequence(0.2, 0.05, 6461, alpha=p)
    assert float(low) == pytest.approx(0.0, abs=1e-9)
    assert float(sequential_p_value(0.01, 0.05, 6461)) == 1.0


def test_sequential_results_replace_intervals_and_p_values():
    res = _ab(1000, 1150)
    seq = sequential_results(res)
    assert seq.loc[0, "method"] == "ztest-sequential"
    assert seq.loc[0, "abs_ci_low"] < res.loc[0, "abs_ci_low"]
    assert seq.loc[0, "p_value"] > res.loc[0, "p_value"]
    assert seq.loc[0, "abs_diff"] == res.loc[0, "abs_diff"]


def test_peeking_with_confidence_sequences_keeps_the_error_rate():
    # A/A: 400 experiments, looked at after every 200 users per arm, 25 looks.
    rng = np.random.default_rng(11)
    looks, step, k = 25, 200, 400
    c = rng.binomial(step, 0.1, (k, looks, 2)).cumsum(axis=1)
    n = step * np.arange(1, looks + 1)
    p1, p2 = c[..., 0] / n, c[..., 1] / n
    se = np.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)
    low, high = confidence_sequence(p2 - p1, se, 2 * n)
    ever = ((low > 0) | (high < 0)).any(axis=1).mean()
    fixed = (np.abs(p2 - p1) > 1.96 * se).any(axis=1).mean()
    assert ever <= 0.05 < fixed


# ----------------------------------------------------------------------------- Bayesian


def test_prob_beta_greater_matches_numerical_integration_for_fractional_parameters():
    exact = prob_beta_greater(2.5, 3.0, 4, 5)
    numeric = integrate.quad(lambda x: stats.beta.pdf(x, 2.5, 3) * stats.beta.cdf(x, 4, 5), 0, 1)
    assert exact == pytest.approx(numeric[0], abs=1e-10)
    with pytest.raises(GrowthkitError, match="whole-number"):
        prob_beta_greater(2.5, 3.0, 4.5, 5)


def test_beta_binomial_symmetry_and_large_counts():
    b = beta_binomial(500, 1000, 500, 1000)
    assert b["chance_to_beat_control"] == pytest.approx(0.5, abs=1e-12)
    assert b["expected_loss"] == pytest.approx(b["control_expected_loss"], abs=1e-12)
    big = beta_binomial(26_000, 100_000, 25_000, 100_000)
    assert big["chance_to_beat_control"] == pytest.approx(
        stats.norm.cdf(0.01 / np.sqrt(0.26 * 0.74 / 1e5 + 0.25 * 0.75 / 1e5)), abs=1e-3
    )


def test_normal_posterior_expected_loss_by_monte_carlo():
    rng = np.random.default_rng(3)
    draws = rng.normal(0.1, 0.05, 1_000_000)
    got = normal_posterior(0.1, 0.05)
    assert float(got["chance_to_beat_control"]) == pytest.approx((draws > 0).mean(), abs=1e-3)
    assert float(got["expected_loss"]) == pytest.approx(np.maximum(-draws, 0).mean(), abs=1e-4)
    assert float(got["control_expected_loss"]) == pytest.approx(
        np.maximum(draws, 0).mean(), abs=1e-4
    )


def test_bayesian_view_picks_the_posterior_by_method():
    rows = [{"metric": "conv", "variant": v, "n": 100, "conversions": c}
            for v, c in (("A", 49), ("B", 51))]
    rows += [{"metric": "spend", "variant": v, "n": 100, "sum": s, "sum_sq": 2 * s}
             for v, s in (("A", 100.0), ("B", 110.0))]
    view = bayesian_view(analyze_summary(rows, control="A"))
    assert list(view["method"]) == ["beta-binomial", "normal"]
    assert view.loc[0, "chance_to_beat_control"] == pytest.approx(0.6107705227, abs=1e-10)


# ----------------------------------------------------------------------------- decision


def _results(rows: list[dict]) -> pd.DataFrame:
    return analyze_summary(rows, control="control")


def _conv(metric: str, c: int, t: int, n: int = 10_000) -> list[dict]:
    return [{"metric": metric, "variant": "control", "n": n, "conversions": c},
            {"metric": metric, "variant": "treatment", "n": n, "conversions": t}]


def _decide(rows: list[dict], counts=(10_000, 10_000)):
    res = _results(rows)
    health = srm({"control": counts[0], "treatment": counts[1]})
    return decide(res, health, power_table(res))


def test_decision_ships_a_clear_winner():
    d = _decide(_conv("conv", 1000, 1200))
    assert (d.verdict, d.arm) == ("ship", "treatment")
    assert "improves conv by +20.0%" in d.reasons[0]
    assert d.to_markdown().startswith("**Ship treatment.**")


def test_decision_refuses_on_srm():
    d = _decide(_conv("conv", 1000, 1200), counts=(10_000, 10_500))
    assert d.verdict == "no decision" and d.arm is None
    assert "Sample ratio mismatch" in d.reasons[0]


def test_decision_blocks_a_winner_with_a_guardrail_regression():
    d = _decide(_conv("conv", 1000, 1200) + _conv("retained", 5000, 4700))
    assert d.verdict == "don't ship"
    assert "guardrail retained regresses" in d.reasons[0]


def test_decision_keeps_running_when_underpowered():
    d = _decide(_conv("conv", 100, 104, n=1000))
    assert d.verdict == "keep running"
    assert "Too little power" in d.reasons[0]
    assert f"{sample_size(0.1, 0.05, relative=True):,}" in d.reasons[0]


def test_decision_does_not_ship_a_well_powered_null_or_a_loser():
    assert _decide(_conv("conv", 30_000, 30_050, n=300_000)).verdict == "don't ship"
    loser = _decide(_conv("conv", 1200, 1000))
    assert loser.verdict == "don't ship" and "makes conv worse" in loser.reasons[0]
