"""Large fits start from a fit on every k-th customer and finish with Newton steps.

The thresholds are lowered here so that a 30,000-customer simulation takes the large-fit path;
the estimates must equal a cold fit's (lifetimes' start, BFGS to a mean gradient of 1e-10)
to the fits' own tolerance, with far fewer evaluations of the full likelihood.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit import rfm_summary
from growthkit.clv import base, fit, fit_spend, optimize, spend
from growthkit.samples.simulate import simulate_btyd_orders


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    return rfm_summary(simulate_btyd_orders(30_000, seed=11), amount_col="amount",
                       time_unit="weeks")


def _evaluations(monkeypatch: pytest.MonkeyPatch) -> list[list[float]]:
    """Records [customers, evaluations] of every objective built: the full data's and, on the
    large-fit path, the sample's."""
    counts: list[list[float]] = []
    objective = optimize._objective

    def counting(loglik, n, analytic):
        inner = objective(loglik, n, analytic)
        counts.append([n, 0])
        record = counts[-1]

        def wrapped(x):
            record[1] += 1
            return inner(x)

        return wrapped

    monkeypatch.setattr(optimize, "_objective", counting)
    return counts


def _fit(summary: pd.DataFrame, model: str) -> dict[str, float]:
    return (fit_spend(summary) if model == "gamma_gamma" else fit(summary, model)).params


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "paretonbd", "gamma_gamma"])
def test_a_warm_started_fit_equals_a_cold_one_with_fewer_evaluations(
    monkeypatch: pytest.MonkeyPatch, summary: pd.DataFrame, model: str
) -> None:
    monkeypatch.setattr(optimize, "WARM_START_CUSTOMERS", 2_000)  # every 15th customer
    counts = _evaluations(monkeypatch)
    cold = _fit(summary, model)
    assert len(counts) == 1  # one objective: no sample was fitted
    customers, cold_evaluations = counts.pop()

    newton = []
    original = optimize._newton
    monkeypatch.setattr(optimize, "_newton", lambda *a: newton.append(original(*a)) or newton[-1])
    for module in (base, spend):
        monkeypatch.setattr(module, "WARM_START_ROWS", 1_000)
    warm = _fit(summary, model)
    assert len(newton) == 1 and newton[0] is not None and newton[0].success
    (full,) = [n for c, n in counts if c == customers]
    (sample,) = [c for c, _ in counts if c != customers]
    assert sample == pytest.approx(customers / optimize.sample_stride(customers), abs=1)
    assert full <= 20 and cold_evaluations > full
    for name, value in cold.items():
        assert warm[name] == pytest.approx(value, rel=1e-6), name


def test_a_warm_start_that_does_not_converge_falls_back_to_a_cold_fit(
    monkeypatch: pytest.MonkeyPatch, summary: pd.DataFrame
) -> None:
    cold = fit(summary, "bgnbd").params
    monkeypatch.setattr(base, "WARM_START_ROWS", 1_000)
    monkeypatch.setattr(optimize, "_NEWTON_STEPS", 0)  # Newton steps give up at once
    newton = []
    original = optimize._newton
    monkeypatch.setattr(optimize, "_newton", lambda *a: newton.append(original(*a)) or newton[-1])
    warm = fit(summary, "bgnbd").params
    assert newton == [None]
    assert warm == pytest.approx(cold, rel=1e-6)


def test_sample_stride_takes_about_the_set_number_of_customers() -> None:
    assert optimize.sample_stride(10) == 1
    assert optimize.sample_stride(optimize.WARM_START_CUSTOMERS) == 1
    assert optimize.sample_stride(optimize.WARM_START_CUSTOMERS + 1) == 2
    assert optimize.sample_stride(3_700_000) == 148


def _noisy_bowl(noise: float, seed: int = 3):
    """The mean negative log-likelihood of a bowl at 0.3 (value about 0.7), its value off by up
    to ``noise`` (relative) as sums over tens of millions of customers are."""
    rng = np.random.default_rng(seed)
    curvature = np.array([2.0, 0.5])

    def objective(x: np.ndarray):
        d = x - 0.3
        value = 0.7 + 0.5 * float(d @ (curvature * d))
        return value * (1 + noise * rng.uniform(-1, 1)), curvature * d

    return objective, np.diag(1 / curvature)


def test_newton_steps_close_to_the_maximum_go_on_through_rounding_noise() -> None:
    # 22M repeat buyers' Gamma-Gamma objective is off by 2-4e-12 near its maximum: a step
    # "uphill" by that much is noise, and the gradient still leads to the maximum.
    objective, hess_inv = _noisy_bowl(5e-10)
    metric = hess_inv * 1.3  # a metric a little off, as BFGS's is: several steps are needed
    result = optimize._newton(objective, np.array([0.3 + 1e-5, 0.3 - 2e-5]), metric)
    assert result is not None and result.success
    assert np.allclose(result.x, 0.3, atol=1e-8)


def test_a_newton_step_beyond_the_trust_radius_that_makes_the_fit_worse_stops() -> None:
    objective, hess_inv = _noisy_bowl(0.0)
    assert optimize._newton(objective, np.array([0.5, 0.5]), -hess_inv) is None
