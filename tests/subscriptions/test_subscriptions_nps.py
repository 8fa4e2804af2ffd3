"""NPS and its adjusted-Wald interval (growthkit.subscriptions.nps).

Reference values: docs/REFERENCES.md, "Cohorts and subscription metrics" (Rocks 2016;
MeasuringU): 50 promoters, 30 passives, 20 detractors give NPS 30.0, Wald 95% (14.69, 45.31),
adjusted-Wald centre 29.13 and 95% (14.05, 44.20).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from growthkit.errors import GrowthkitError
from growthkit.subscriptions import nps, nps_from_counts


def test_rocks_reference_example():
    got = nps_from_counts(50, 30, 20)
    assert got["score"] == pytest.approx(30.0, abs=1e-12)
    assert got["ci_low"] == pytest.approx(14.05, abs=5e-3)
    assert got["ci_high"] == pytest.approx(44.20, abs=5e-3)
    # The adjusted centre: (50.75 − 20.75) / 103.
    assert (got["ci_low"] + got["ci_high"]) / 2 == pytest.approx(100 * 30 / 103, abs=1e-9)
    assert (got["n"], got["method"]) == (100, "adjusted Wald (Rocks 2016)")


def test_the_adjustment_is_what_separates_it_from_the_plain_wald_interval():
    # docs/REFERENCES.md: the plain Wald interval is (14.69, 45.31); ours must not be it.
    got = nps_from_counts(50, 30, 20)
    p, d = 0.5, 0.2
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / 100)
    assert 100 * (0.3 - half) == pytest.approx(14.69, abs=5e-3)
    assert abs(got["ci_low"] - 14.69) > 0.5


@given(
    promoters=st.integers(0, 500), passives=st.integers(0, 500), detractors=st.integers(0, 500)
)
def test_the_interval_contains_the_score_and_stays_in_range(promoters, passives, detractors):
    if promoters + passives + detractors == 0:
        return
    got = nps_from_counts(promoters, passives, detractors)
    # The interval is centred on the adjusted estimate (3 answers and 3/4 promoter and
    # detractor added), which at the extremes of tiny surveys lies inside the range while the
    # raw score sits on its edge (1 detractor: score -100, interval about -98 to 48).
    n = promoters + passives + detractors + 3
    centre = 100 * ((promoters + 0.75) - (detractors + 0.75)) / n
    assert -100 <= got["ci_low"] <= centre <= got["ci_high"] <= 100
    if n >= 40:
        assert got["ci_low"] <= got["score"] <= got["ci_high"]


def test_nps_counts_a_survey_in_the_engine():
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 11, 400)
    got = nps(pd.DataFrame({"score": scores, "customer_id": range(400)}))
    promoters, detractors = int((scores >= 9).sum()), int((scores <= 6).sum())
    assert (got["promoters"], got["detractors"], got["n"]) == (promoters, detractors, 400)
    assert got["score"] == pytest.approx(100 * (promoters - detractors) / 400)


@pytest.mark.parametrize(
    ("scores", "match"),
    [
        ([9, 11], r"1 value\(s\) that are not whole numbers from 0 to 10, e\.g\. 11"),
        ([9.0, 3.5], r"e\.g\. 3\.5"),
        ([9.0, None], r"e\.g\. None"),
    ],
)
def test_scores_outside_0_to_10_are_named(scores, match):
    with pytest.raises(GrowthkitError, match=match):
        nps(pd.DataFrame({"score": scores}))


def test_a_missing_or_text_score_column_is_named():
    with pytest.raises(GrowthkitError, match=r"Required column 'score' missing from nps_data"):
        nps(pd.DataFrame({"rating": [1]}))
    with pytest.raises(GrowthkitError, match="nps_data column 'score' has type string"):
        nps(pd.DataFrame({"score": ["ten"]}))
    with pytest.raises(GrowthkitError, match="no responses"):
        nps_from_counts(0, 0, 0)
