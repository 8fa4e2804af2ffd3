"""A/A simulations and power by simulation, vectorised through ``analyze_summary``.

Each simulated experiment is one segment of a single aggregate frame, so thousands of
experiments run through the same code path as a report, in one call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.abtest import analyze_summary, sample_size

N_EXPERIMENTS = 2000
N_PER_ARM = 2000


def _frame(arms: dict[str, dict[str, np.ndarray]], method: str | None = None) -> pd.DataFrame:
    """An aggregate frame with one segment per simulated experiment."""
    parts = []
    for arm, cols in arms.items():
        k = len(next(iter(cols.values())))
        part = pd.DataFrame({"metric": "m", "variant": arm, "segment": np.arange(k), **cols})
        if method:
            part["method"] = method
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _rates(res: pd.DataFrame, true_diff: float = 0.0, true_lift: float = 0.0) -> dict[str, float]:
    return {
        "fpr": float((res["p_value"] < 0.05).mean()),
        "coverage": float(
            ((res["abs_ci_low"] <= true_diff) & (true_diff <= res["abs_ci_high"])).mean()
        ),
        "rel_coverage": float(
            ((res["rel_ci_low"] <= true_lift) & (true_lift <= res["rel_ci_high"])).mean()
        ),
    }


def test_aa_conversion_false_positive_rate_and_coverage():
    rng = np.random.default_rng(101)
    arms = {
        arm: {"n": np.full(N_EXPERIMENTS, N_PER_ARM),
              "conversions": rng.binomial(N_PER_ARM, 0.10, N_EXPERIMENTS)}
        for arm in ("A", "B")
    }
    res = analyze_summary(_frame(arms), control="A", correction="none")
    assert len(res) == N_EXPERIMENTS and (res["method"] == "ztest").all()
    r = _rates(res)
    assert 0.03 <= r["fpr"] <= 0.07, r
    assert r["coverage"] >= 0.93, r
    assert r["rel_coverage"] >= 0.93, r


def _heavy_tailed_revenue(rng: np.random.Generator) -> np.ndarray:
    """Per-user revenue: 10% buyers spending lognormal(σ = 1.2) amounts; users in columns."""
    buyers = rng.random((N_EXPERIMENTS, N_PER_ARM)) < 0.10
    return np.where(buyers, rng.lognormal(3.0, 1.2, (N_EXPERIMENTS, N_PER_ARM)), 0.0)


def test_aa_revenue_welch_false_positive_rate_and_coverage():
    rng = np.random.default_rng(202)
    arms = {}
    for arm in ("A", "B"):
        y = _heavy_tailed_revenue(rng)
        arms[arm] = {"n": np.full(N_EXPERIMENTS, N_PER_ARM),
                     "sum": y.sum(axis=1), "sum_sq": (y**2).sum(axis=1)}
    res = analyze_summary(_frame(arms), control="A", correction="none")
    assert (res["method"] == "welch").all()
    r = _rates(res)
    assert 0.03 <= r["fpr"] <= 0.07, r
    assert r["coverage"] >= 0.93, r
    assert r["rel_coverage"] >= 0.93, r


def test_aa_revenue_cuped_false_positive_rate_and_coverage():
    rng = np.random.default_rng(303)
    arms = {}
    for arm in ("A", "B"):
        y = _heavy_tailed_revenue(rng)
        x = 0.5 * y + rng.lognormal(2.0, 1.0, y.shape)  # a correlated pre-period metric
        arms[arm] = {"n": np.full(N_EXPERIMENTS, N_PER_ARM),
                     "sum": y.sum(axis=1), "sum_sq": (y**2).sum(axis=1),
                     "x_sum": x.sum(axis=1), "x_sum_sq": (x**2).sum(axis=1),
                     "xy_sum": (x * y).sum(axis=1)}
    res = analyze_summary(_frame(arms, "cuped"), control="A", correction="none")
    assert res["variance_reduction"].median() > 0.3
    r = _rates(res)
    assert 0.03 <= r["fpr"] <= 0.07, r
    assert r["coverage"] >= 0.93, r


def test_aa_ratio_metric_false_positive_rate_and_coverage():
    rng = np.random.default_rng(404)
    arms = {}
    for arm in ("A", "B"):
        sessions = 1 + rng.poisson(2.0, (N_EXPERIMENTS, N_PER_ARM))
        y = np.where(rng.random(sessions.shape) < 0.05 * sessions,
                     rng.lognormal(3.0, 1.0, sessions.shape), 0.0)
        arms[arm] = {"n": np.full(N_EXPERIMENTS, N_PER_ARM),
                     "sum": y.sum(axis=1), "sum_sq": (y**2).sum(axis=1),
                     "x_sum": sessions.sum(axis=1), "x_sum_sq": (sessions**2).sum(axis=1),
                     "xy_sum": (sessions * y).sum(axis=1)}
    res = analyze_summary(_frame(arms, "delta"), control="A", correction="none")
    r = _rates(res)
    assert 0.03 <= r["fpr"] <= 0.07, r
    assert r["coverage"] >= 0.93, r


@pytest.mark.parametrize(
    ("baseline", "mde", "expected_power"),
    [
        (0.20, 0.05, 0.80),  # sample_size gives 1,094 per arm
        (0.10, 0.02, 0.80),
    ],
)
def test_sample_size_delivers_its_power_by_simulation(baseline, mde, expected_power):
    n = sample_size(baseline, mde, power=expected_power)
    rng = np.random.default_rng(505)
    k = 20_000  # Monte Carlo SE of the power estimate ≈ 0.003
    arms = {
        "A": {"n": np.full(k, n), "conversions": rng.binomial(n, baseline, k)},
        "B": {"n": np.full(k, n), "conversions": rng.binomial(n, baseline + mde, k)},
    }
    res = analyze_summary(_frame(arms), control="A", correction="none")
    achieved = float((res["p_value"] < 0.05).mean())
    assert achieved == pytest.approx(expected_power, abs=0.02)


def test_evan_miller_size_falls_short_of_80_percent_by_simulation():
    # REFERENCES.md: 1,031 per arm gives the pooled test 77.6% power, not 80%.
    rng = np.random.default_rng(606)
    k = 20_000
    arms = {
        "A": {"n": np.full(k, 1031), "conversions": rng.binomial(1031, 0.20, k)},
        "B": {"n": np.full(k, 1031), "conversions": rng.binomial(1031, 0.25, k)},
    }
    res = analyze_summary(_frame(arms), control="A", correction="none")
    assert float((res["p_value"] < 0.05).mean()) == pytest.approx(0.776, abs=0.01)


def test_continuous_sample_size_delivers_its_power_by_simulation():
    sd, mean, lift = 5.0, 10.0, 0.1
    n = sample_size(mean, lift, relative=True, sd=sd)  # 393 per arm
    rng = np.random.default_rng(707)
    k = 5000
    arms = {}
    for arm, mu in (("A", mean), ("B", mean * (1 + lift))):
        y = rng.normal(mu, sd, (k, n))
        arms[arm] = {"n": np.full(k, n), "sum": y.sum(axis=1), "sum_sq": (y**2).sum(axis=1)}
    res = analyze_summary(_frame(arms), control="A", correction="none")
    assert float((res["p_value"] < 0.05).mean()) == pytest.approx(0.80, abs=0.02)


