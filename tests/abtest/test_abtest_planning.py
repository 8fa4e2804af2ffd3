"""Sample size, MDE, power and the report's power table (growthkit.abtest.planning)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from growthkit.abtest import analyze, analyze_summary, mde, power, power_table, sample_size
from growthkit.errors import GrowthkitError


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


def _profit(mean_c: float, mean_t: float, sd: float = 20.0, n: int = 1000) -> pd.DataFrame:
    """A continuous metric with the given means and standard deviation in both arms."""
    rows = [
        {"metric": "profit", "variant": arm, "n": n, "sum": m * n,
         "sum_sq": (n - 1) * sd**2 + n * m**2}
        for arm, m in (("control", mean_c), ("treatment", mean_t))
    ]
    return analyze_summary(rows, control="control")


def test_power_table_is_relative_to_the_size_of_a_negative_baseline():
    # A loss of −50 per user, sd 20: the detectable difference does not depend on the sign of
    # the mean, so the detectable lift of −50 is that of +50 (a positive fraction of |−50|).
    neg = power_table(_profit(-50.0, -45.0)).iloc[0]
    pos = power_table(_profit(50.0, 55.0)).iloc[0]
    assert neg["mde_abs"] == pytest.approx(mde(-50.0, 1000, sd=20.0), rel=1e-12)
    assert neg["mde_rel"] == pytest.approx(neg["mde_abs"] / 50.0, rel=1e-12)
    assert neg["mde_rel"] == pytest.approx(pos["mde_rel"], rel=1e-12) and neg["mde_rel"] > 0
    # A 5% lift of |−50| is 2.5: the users that needs, as for +50.
    assert neg["n_for_min_lift"] == sample_size(50.0, 2.5, sd=20.0) == pos["n_for_min_lift"]


def test_power_table_survives_an_arm_at_zero_percent():
    # A small third arm with no conversions: the observed effect takes its rate to 0%, so
    # power at the observed effect has no alternative rate; it is NaN, not an error.
    from growthkit import abtest

    users = pd.DataFrame({
        "variant": ["control"] * 400 + ["treatment"] * 400 + ["tiny"] * 3,
        "converted": [1] * 40 + [0] * 360 + [1] * 48 + [0] * 352 + [0] * 3,
    })
    table = abtest.power_table(abtest.compare(users, "variant", "control", "converted"))
    tiny = table[table["variant"] == "tiny"].iloc[0]
    assert np.isnan(tiny["power_at_observed"]) and np.isfinite(tiny["mde_abs"])


def test_an_effect_too_large_to_size_is_one_line_not_a_nan_crash():
    # issue 18: two users per arm raised "cannot convert float NaN to integer" here, because
    # statsmodels' root search (sizes of 2 and more) found nothing for an effect of 3.5 sd.
    with pytest.raises(GrowthkitError, match=r"fewer than 2 units per arm") as info:
        sample_size(1.5, 2.5, sd=0.7071)
    assert "\n" not in str(info.value)


def test_two_users_per_arm_report_says_what_cannot_be_computed():
    df = pd.DataFrame({"variant": ["control", "control", "treatment", "treatment"],
                       "converted": [0, 1, 1, 1], "revenue": [1.0, 2.0, 3.0, 5.0]})
    a = analyze(df, metrics="revenue,converted", segment_col="")
    assert a.decision.verdict == "keep running"
    assert np.isnan(a.power.loc[0, "n_for_observed"])  # not a size the test could not use
    assert "n/a cannot be computed for its comparison" in a.power_markdown()
    assert a.metrics()["power"][0]["n_for_observed"] is None
