"""A CUPED covariate measured after assignment is refused when the data say when (issue 18)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from growthkit.abtest import analyze
from growthkit.errors import GrowthkitError


@pytest.fixture(scope="module")
def timed() -> pd.DataFrame:
    """2,000 users assigned over two weeks; the pre-period of each ends the day before."""
    rng = np.random.default_rng(18)
    n = 2000
    assigned = pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, 14, n), unit="D")
    variant = np.where(rng.random(n) < 0.5, "control", "treatment")
    pre = rng.gamma(2.0, 10.0, n)
    return pd.DataFrame({
        "variant": variant,
        "revenue": 0.6 * pre + rng.gamma(2.0, 5.0, n) + np.where(variant == "treatment", 2, 0),
        "pre_revenue": pre,
        "assigned_at": assigned,
        "pre_revenue_until": assigned - pd.Timedelta(days=1),
    })


SPEC = {"metrics": "revenue", "cuped": "revenue:pre_revenue", "segment_col": "",
        "assigned_at_col": "assigned_at", "cuped_measured_at": "revenue:pre_revenue_until"}


def test_a_covariate_measured_before_assignment_is_used(timed):
    a = analyze(timed, **SPEC)
    assert a.results["method"].tolist() == ["cuped"]
    assert a.parameters["cuped_measured_at"] == "revenue:pre_revenue_until"
    assert a.parameters["assigned_at_col"] == "assigned_at"


def test_a_covariate_measured_after_assignment_is_refused_saying_for_how_many(timed):
    late = timed["assigned_at"] + pd.Timedelta(days=3)  # a week that includes the test
    data = timed.assign(pre_revenue_until=timed["pre_revenue_until"].where(
        np.arange(len(timed)) >= 37, late))
    with pytest.raises(GrowthkitError) as info:
        analyze(data, **SPEC)
    assert str(info.value) == (
        "cuped: covariate 'pre_revenue' of 'revenue' was measured after assignment for 37 of "
        "2,000 users ('pre_revenue_until' later than 'assigned_at'); expected a column measured "
        "before assignment, which the test cannot have changed")


@pytest.mark.parametrize(("change", "words"), [
    ({"assigned_at_col": None}, "cuped_measured_at: given without assigned_at_col"),
    ({"cuped_measured_at": "converted:pre_revenue_until"},
     "cuped_measured_at names metric 'converted', which has no CUPED covariate"),
    ({"assigned_at_col": "revenue"},
     "assigned_at_col: column 'revenue' holds float64; expected dates or timestamps"),
    ({"assigned_at_col": "assigned"}, "Required column 'assigned' missing"),
    ({"cuped_measured_at": "revenue"}, "cuped_measured_at: entry 'revenue' is not of the form"),
])
def test_times_given_wrong_are_one_line_naming_the_parameter(timed, change, words):
    with pytest.raises(GrowthkitError, match=words) as info:
        analyze(timed, **{**SPEC, **change})
    assert "\n" not in str(info.value)
