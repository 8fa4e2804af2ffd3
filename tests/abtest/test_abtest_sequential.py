"""Always-valid confidence sequences and p-values (growthkit.abtest.sequential)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from growthkit.abtest import (
    analyze_summary,
    confidence_sequence,
    sequential_p_value,
    sequential_results,
)


def _ab(conv_c: int, conv_t: int, n: int = 10_000) -> pd.DataFrame:
    return analyze_summary(
        [{"metric": "conv", "variant": "control", "n": n, "conversions": conv_c},
         {"metric": "conv", "variant": "treatment", "n": n, "conversions": conv_t}],
        control="control",
    )


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


def test_a_comparison_without_a_test_stays_without_one():
    # No conversions in either arm: the fixed-horizon test is undefined, and so is the
    # sequential one (not a p-value of 1 from a zero standard error).
    seq = sequential_results(_ab(0, 0)).iloc[0]
    assert np.isnan(seq["p_value"]) and np.isnan(seq["p_value_adjusted"])
    assert np.isnan(seq["abs_ci_low"]) and np.isnan(seq["abs_ci_high"])


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
