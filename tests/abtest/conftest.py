"""Shared fixtures of the A/B-test tests."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def users() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 3000
    variant = rng.choice(["control", "b", "c"], n)
    pre = rng.gamma(0.5, 40.0, n)
    lift = np.select([variant == "b", variant == "c"], [1.2, 0.95], 1.0)
    converted = (rng.random(n) < 0.1 * lift).astype(int)
    revenue = converted * (0.5 * pre + rng.lognormal(3, 1, n))
    return pd.DataFrame({
        "variant": variant,
        "device": rng.choice(["mobile", "desktop"], n),
        "converted": converted,
        "revenue": revenue,
        "pre_revenue": pre,
        "sessions": 1 + rng.poisson(2, n),
    })


@pytest.fixture(scope="package", autouse=True)
def _frozen_heap():
    """Move the objects alive so far (imported modules) out of the garbage collector's view.

    statsmodels' Holm correction runs a full ``gc.collect()`` on every call, whose cost grows
    with the heap of a test process (0.3 s a call here, for a few p-values). Frozen objects are
    skipped by collections; the tests' own objects are still collected as usual.
    """
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()
