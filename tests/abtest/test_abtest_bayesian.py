"""Chance to beat control and expected loss (growthkit.abtest.bayesian)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from growthkit.abtest import (
    analyze_summary,
    bayesian_view,
    beta_binomial,
    normal_posterior,
    prob_beta_greater,
)
from growthkit.errors import GrowthkitError


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


def test_bayesian_view_gives_nothing_where_no_test_is_possible():
    rows = [{"metric": "conv", "variant": v, "n": 100, "conversions": 0} for v in "AB"]
    view = bayesian_view(analyze_summary(rows, control="A")).iloc[0]
    assert view["method"] == "none" and np.isnan(view["chance_to_beat_control"])
