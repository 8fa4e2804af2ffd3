"""The vectorised tests (growthkit.abtest.frequentist); published references are in
test_abtest_references.py."""

from __future__ import annotations

import numpy as np
import pytest

from growthkit.abtest import relative_lift, two_proportion_test

Z = 1.959963984540054  # scipy.stats.norm.isf(0.025)


def test_relative_lift_of_a_negative_baseline_is_the_difference_over_its_size():
    # Control mean −10 (per-unit variance 16, n 100), treatment −5 (variance 9, n 100).
    # Lift = (−5 − (−10))/|−10| = +0.5: the treatment loses half as much, an improvement.
    # Delta method on the same definition: 9/(100·10²) + (−5)²·16/(100·10⁴)
    #   = 0.0009 + 0.0004 = 0.0013, se = √0.0013 = 0.0360555127546399.
    got = relative_lift(-5.0, 9.0, 100, -10.0, 16.0, 100)
    assert float(got["rel_lift"]) == pytest.approx(0.5, abs=1e-15)
    assert float(got["rel_se"]) == pytest.approx(0.0360555127546399, abs=1e-15)
    assert float(got["rel_ci_low"]) == pytest.approx(0.5 - Z * 0.0360555127546399, abs=1e-14)
    assert float(got["rel_ci_high"]) == pytest.approx(0.5 + Z * 0.0360555127546399, abs=1e-14)


def test_relative_lift_is_mirror_symmetric_in_the_sign_of_the_means():
    # Flipping the sign of both means flips the sign of the difference and of the lift; the
    # standard error depends on the means only through their squares.
    pos = relative_lift(5.0, 9.0, 100, 10.0, 16.0, 100)
    neg = relative_lift(-5.0, 9.0, 100, -10.0, 16.0, 100)
    assert float(pos["rel_lift"]) == pytest.approx(-0.5, abs=1e-15)  # 5/10 − 1
    assert float(neg["rel_lift"]) == pytest.approx(-float(pos["rel_lift"]), abs=1e-15)
    assert float(neg["rel_se"]) == pytest.approx(float(pos["rel_se"]), abs=1e-15)


def test_a_zero_baseline_has_no_relative_lift():
    got = relative_lift(3.0, 1.0, 100, 0.0, 1.0, 100)
    assert all(np.isnan(float(v)) for v in got.values())


def test_two_proportion_test_has_no_test_when_nothing_varies():
    # Arms 0/100 and 0/50 (nothing converted), 100/100 and 50/50 (everything), 10/100 vs 5/50.
    t = two_proportion_test([0, 100, 10], [100, 100, 100], [0, 50, 5], [50, 50, 50])
    for key in ("statistic", "p_value", "abs_se", "abs_ci_low", "abs_ci_high"):
        assert np.isnan(t[key][:2]).all(), key
        assert np.isfinite(t[key][2]), key
    np.testing.assert_array_equal(t["abs_diff"], [0.0, 0.0, 0.0])
    assert t["p_value"][2] == pytest.approx(1.0, abs=1e-12)  # equal rates of 10%
