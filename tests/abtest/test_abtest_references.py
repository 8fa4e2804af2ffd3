"""Every A/B-test reference vector of docs/REFERENCES.md ("A/B tests"), to 1e-6 or better.

Each test names its source. The aggregates are typed in exactly as a dashboard would give them,
so these tests also exercise ``analyze_summary``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from growthkit.abtest import (
    adjust_pvalues,
    analyze_summary,
    beta_binomial,
    confidence_sequence,
    cuped_theta,
    power,
    relative_lift,
    sample_size,
    two_proportion_test,
)

TIGHT = {"rel": 0, "abs": 1e-9}


@pytest.fixture
def two_proportions():
    # 200/1000 (control) vs 250/1000.
    return analyze_summary(
        [
            {"metric": "conv", "variant": "control", "n": 1000, "conversions": 200},
            {"metric": "conv", "variant": "treatment", "n": 1000, "conversions": 250},
        ],
        control="control",
    ).iloc[0]


def test_two_proportion_pooled_z_and_p_match_chi_square_without_yates(two_proportions):
    # REFERENCES.md: pooled z = 2.6773977630, p = 0.007419649261 (= chi-square 7.1684587814).
    r = two_proportions
    assert r["method"] == "ztest"
    assert r["abs_diff"] == pytest.approx(0.05, **TIGHT)
    assert r["statistic"] == pytest.approx(2.6773977630, abs=1e-9)
    assert r["p_value"] == pytest.approx(0.007419649261, abs=1e-12)
    assert r["statistic"] ** 2 == pytest.approx(7.1684587814, abs=1e-9)
    chi2 = stats.chi2_contingency([[250, 750], [200, 800]], correction=False)
    assert r["p_value"] == pytest.approx(chi2.pvalue, abs=1e-12)


def test_two_proportion_unpooled_wald_ci(two_proportions):
    # REFERENCES.md: unpooled Wald 95% CI (0.0134636217, 0.0865363783).
    assert two_proportions["abs_ci_low"] == pytest.approx(0.0134636217, abs=1e-10)
    assert two_proportions["abs_ci_high"] == pytest.approx(0.0865363783, abs=1e-10)


def test_relative_lift_delta_method_se_and_ci(two_proportions):
    # REFERENCES.md: lift 0.25, delta SE 0.1045825033, CI (0.0450220601, 0.4549779399).
    r = two_proportions
    assert r["rel_lift"] == pytest.approx(0.25, **TIGHT)
    assert r["rel_se"] == pytest.approx(0.1045825033, abs=1e-10)
    assert r["rel_ci_low"] == pytest.approx(0.0450220601, abs=1e-10)
    assert r["rel_ci_high"] == pytest.approx(0.4549779399, abs=1e-10)


def test_vectorised_core_equals_the_frame_api(two_proportions):
    t = two_proportion_test([250, 250], [1000, 1000], [200, 200], [1000, 1000])
    assert t["p_value"] == pytest.approx([two_proportions["p_value"]] * 2, abs=1e-15)
    lift = relative_lift(0.25, 0.1875, 1000, 0.2, 0.16, 1000)
    assert float(lift["rel_se"]) == pytest.approx(0.1045825033, abs=1e-10)


def test_welch_matches_gbstats_two_sided_ttest():
    # gbstats tests/frequentist/test_tests.py::test_two_sided_ttest, via REFERENCES.md.
    r = analyze_summary(
        [
            {"metric": "m", "variant": "A", "n": 3407, "sum": 1396.87, "sum_sq": 52377.9767},
            {"metric": "m", "variant": "B", "n": 3461, "sum": 2422.7, "sum_sq": 134698.29},
        ],
        control="A",
    ).iloc[0]
    assert r["method"] == "welch"
    assert r["abs_diff"] == pytest.approx(0.29, abs=1e-12)
    assert r["statistic"] == pytest.approx(2.3240227609, abs=1e-9)
    assert r["df"] == pytest.approx(5841.742, abs=1e-3)
    assert r["p_value"] == pytest.approx(0.0201584, abs=1e-7)
    assert r["abs_ci_low"] == pytest.approx(0.04538, abs=1e-5)
    assert r["abs_ci_high"] == pytest.approx(0.53462, abs=1e-5)


CUPED_ROWS = [
    {"metric": "y", "method": "cuped", "variant": "A", "n": 1000, "sum": 6962, "sum_sq": 55770,
     "x_sum": 5003, "x_sum_sq": 30367, "xy_sum": 40129},
    {"metric": "y", "method": "cuped", "variant": "B", "n": 1000, "sum": 7417, "sum_sq": 62307,
     "x_sum": 5053, "x_sum_sq": 30825, "xy_sum": 42610},
]


def test_cuped_theta_pooled_over_both_arms():
    # REFERENCES.md CUPED vector: θ = 0.9822167152.
    theta, x_mean = cuped_theta([1000, 1000], [6962, 7417], [5003, 5053], [30367, 30825],
                                [40129, 42610])
    assert float(theta) == pytest.approx(0.9822167152, abs=1e-10)
    assert float(x_mean) == pytest.approx((5003 + 5053) / 2000, abs=1e-12)


def test_cuped_adjusted_difference_and_se_against_unadjusted():
    # REFERENCES.md: adjusted difference 0.4058891642, SE 0.0660716742; unadjusted 0.455, SE
    # 0.1208729799.
    cuped = analyze_summary(CUPED_ROWS, control="A").iloc[0]
    assert cuped["method"] == "cuped"
    assert cuped["abs_diff"] == pytest.approx(0.4058891642, abs=1e-10)
    assert cuped["abs_se"] == pytest.approx(0.0660716742, abs=1e-10)
    raw = analyze_summary(
        [{k: v for k, v in row.items() if not k.startswith("x") and k != "method"}
         for row in CUPED_ROWS],
        control="A",
    ).iloc[0]
    assert raw["abs_diff"] == pytest.approx(0.455, abs=1e-12)
    assert raw["abs_se"] == pytest.approx(0.1208729799, abs=1e-10)
    reduction = 1 - (0.0660716742 / 0.1208729799) ** 2
    assert cuped["variance_reduction"] == pytest.approx(reduction, abs=1e-8)


def test_sample_size_pooled_fleiss_20_to_25_percent_is_1094():
    # REFERENCES.md: statsmodels samplesize_proportions_2indep_onetail gives 1093.74 -> 1,094.
    assert sample_size(0.20, 0.05) == 1094
    assert sample_size(0.20, 0.25, relative=True) == 1094


def test_sample_size_10_to_11_percent_is_14751():
    # REFERENCES.md: 14,751 pooled (Evan Miller's calculator says 14,313).
    assert sample_size(0.10, 0.01) == 14751


def test_evan_millers_1031_per_arm_gives_the_pooled_test_only_776_power():
    # REFERENCES.md: "at 1,031 per arm the pooled test's power is only 0.776".
    assert power(0.20, 0.05, 1031) == pytest.approx(0.776, abs=5e-4)
    assert power(0.20, 0.05, 1094) >= 0.8


def test_bayesian_exact_beta_binomial_49_vs_51():
    # REFERENCES.md: P(B > A) = 0.6107705227, loss(B) 0.0191164612, loss(A) 0.0387243043.
    b = beta_binomial(51, 100, 49, 100, prior=(1, 1))
    assert b["chance_to_beat_control"] == pytest.approx(0.6107705227, abs=1e-10)
    assert b["expected_loss"] == pytest.approx(0.0191164612, abs=1e-10)
    assert b["control_expected_loss"] == pytest.approx(0.0387243043, abs=1e-10)


def test_holm_matches_growthbook_experiments_test():
    # GrowthBook packages/shared/test/experiments.test.ts, via REFERENCES.md.
    got = adjust_pvalues([0.01, 0.04, 0.03, 0.005, 0.55, 0.6], "holm")
    np.testing.assert_allclose(got, [0.05, 0.12, 0.12, 0.03, 1, 1], rtol=0, atol=1e-12)


def test_benjamini_hochberg_matches_growthbook_experiments_test():
    # GrowthBook packages/shared/test/experiments.test.ts, via REFERENCES.md.
    got = adjust_pvalues([0.898, 0.138, 0.007, 0.964, 0.538, 0.006, 0.138], "bh")
    np.testing.assert_allclose(
        got, [0.964, 0.2415, 0.0245, 0.964, 0.7532, 0.0245, 0.2415], rtol=0, atol=1e-12
    )


def test_sequential_confidence_sequence_matches_gbstats_prop_test():
    # gbstats test_sequential_test_runs_prop via REFERENCES.md: 1396/3000 vs 2422/3461,
    # tau 5000 -> relative lift 0.50386, CI (0.40098, 0.60675).
    r = analyze_summary(
        [
            {"metric": "m", "variant": "A", "n": 3000, "conversions": 1396},
            {"metric": "m", "variant": "B", "n": 3461, "conversions": 2422},
        ],
        control="A",
    ).iloc[0]
    low, high = confidence_sequence(r["rel_lift"], r["rel_se"], 3000 + 3461, 0.05, tau=5000)
    assert r["rel_lift"] == pytest.approx(0.50386, abs=1e-5)
    assert float(low) == pytest.approx(0.40098, abs=1e-5)
    assert float(high) == pytest.approx(0.60675, abs=1e-5)


@pytest.mark.parametrize(("p0", "p1", "miller"), [(0.20, 0.25, 1030), (0.10, 0.11, 14313)])
def test_evan_millers_numbers_come_from_the_baseline_variance_under_the_null(p0, p1, miller):
    # REFERENCES.md: Evan Miller's calculator gives 1,030 and 14,313. Its formula (as the
    # sample_size docstring explains) takes 2·p0(1 − p0) under the null instead of the pooled
    # 2·p̄(1 − p̄); the report's pooled test needs more.
    z_a, z_b = stats.norm.isf(0.025), stats.norm.isf(0.2)
    n = (z_a * np.sqrt(2 * p0 * (1 - p0)) + z_b * np.sqrt(p0 * (1 - p0) + p1 * (1 - p1))) ** 2
    assert round(n / (p1 - p0) ** 2) == miller
    assert sample_size(p0, p1 - p0) > miller
