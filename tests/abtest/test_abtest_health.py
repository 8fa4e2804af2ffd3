"""The sample-ratio-mismatch check (growthkit.abtest.health)."""

from __future__ import annotations

import pytest
from scipy import stats

from growthkit.abtest import srm, srm_table
from growthkit.errors import GrowthkitError


def test_srm_is_pearsons_goodness_of_fit():
    got = srm({"control": 9904, "treatment": 10096})
    ref = stats.chisquare([9904, 10096])
    assert got == {"chi2": pytest.approx(ref.statistic, abs=1e-12),
                   "p_value": pytest.approx(ref.pvalue, abs=1e-12), "flag": False}


def test_srm_flags_a_broken_split_and_honours_weights():
    assert srm({"a": 5000, "b": 5400})["flag"]
    # A planned 1:2 split with 1:2 counts is healthy; the same counts against 1:1 are not.
    assert not srm({"a": 3300, "b": 6700}, {"a": 1, "b": 2})["flag"]
    assert srm({"a": 3300, "b": 6700})["flag"]
    table = srm_table({"a": 3300, "b": 6700}, {"a": 1, "b": 2})
    assert table.loc["b", "expected_users"] == pytest.approx(10000 * 2 / 3, abs=1e-9)


@pytest.mark.parametrize(
    ("counts", "weights", "message"),
    [
        ({"a": 10}, None, "at least 2 arms"),
        ({"a": 10, "b": -1}, None, "must be ≥ 0"),
        ({"a": 10, "b": 10}, {"a": 1, "c": 1}, r"names arms \['a', 'c'\].*\['a', 'b'\]"),
        ({"a": 10, "b": 10}, {"a": 1, "b": 0}, "must all be positive"),
    ],
)
def test_srm_bad_inputs(counts, weights, message):
    with pytest.raises(GrowthkitError, match=message):
        srm(counts, weights)
