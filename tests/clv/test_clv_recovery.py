"""Fitting distinct histories with weights recovers a simulated world and lifetimes' estimate.

Speed is measured in ``make bench`` (benchmarks/), not here.
"""

from __future__ import annotations

import warnings

import pytest

from growthkit import rfm_summary
from growthkit.clv import fit
from growthkit.samples.simulate import BTYDWorld, simulate_btyd_orders

with warnings.catch_warnings():  # lifetimes sets a FutureWarning filter when imported
    import lifetimes


@pytest.mark.slow
def test_fit_recovers_the_simulated_world_and_matches_lifetimes():
    summary = rfm_summary(simulate_btyd_orders(100_000, seed=3), time_unit="weeks")
    ours = fit(summary, "bgnbd")
    theirs = lifetimes.BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    for name, value in theirs.params_.items():
        assert ours.params[name] == pytest.approx(value, rel=1e-3), name
    world = BTYDWorld()
    for name in ("r", "alpha", "a", "b"):
        assert ours.params[name] == pytest.approx(getattr(world, name), rel=0.1), name
