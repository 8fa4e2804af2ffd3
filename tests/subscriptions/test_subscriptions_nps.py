"""NPS and its score interval (growthkit.subscriptions.nps).

Reference values: docs/REFERENCES.md, "Cohorts and subscription metrics" (Rocks 2016;
MeasuringU): 50 promoters, 30 passives, 20 detractors give NPS 30.0 and Wald 95% (14.69,
45.31). The score interval is checked against the score test inverted independently here.
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


def _independent_score_interval(promoters, passives, detractors, z=1.959963984540054):
    # The score test inverted by brute force: the constrained maximum likelihood by a bounded
    # optimiser (no closed form), the roots by a dense grid refined with brentq.
    from scipy.optimize import brentq, minimize_scalar

    n = promoters + passives + detractors
    est = (promoters - detractors) / n

    def stat(theta):
        def nll(d):
            p = d + theta
            out = 0.0
            for count, share in ((promoters, p), (detractors, d), (passives, 1 - p - d)):
                if count:
                    out -= count * math.log(max(share, 1e-300))
            return out
        lo, hi = max(0.0, -theta), (1 - theta) / 2
        d = minimize_scalar(nll, bounds=(lo, hi), method="bounded",
                            options={"xatol": 1e-13}).x
        p = d + theta
        return n * (est - theta) ** 2 - z * z * (p + d - theta**2)

    grid = np.linspace(-1 + 1e-9, 1 - 1e-9, 2001)
    values = np.array([stat(t) for t in grid])
    inside = grid[values <= 0]
    lo = brentq(stat, inside[0] - 1e-3, inside[0]) if inside[0] > -1 + 1e-3 else -1.0
    hi = brentq(stat, inside[-1], inside[-1] + 1e-3) if inside[-1] < 1 - 1e-3 else 1.0
    return 100 * lo, 100 * hi


@pytest.mark.parametrize("counts", [(50, 30, 20), (3, 1, 0), (0, 2, 5), (120, 40, 77)])
def test_the_interval_inverts_the_score_test(counts):
    got = nps_from_counts(*counts)
    low, high = _independent_score_interval(*counts)
    assert got["ci_low"] == pytest.approx(low, abs=1e-4)
    assert got["ci_high"] == pytest.approx(high, abs=1e-4)
    assert (got["n"], got["method"]) == (sum(counts), "score (Wilson-type)")


def test_the_interval_is_not_the_plain_wald_interval():
    # docs/REFERENCES.md: the plain Wald interval of 50/30/20 is (14.69, 45.31).
    got = nps_from_counts(50, 30, 20)
    assert got["score"] == pytest.approx(30.0, abs=1e-12)
    assert (round(got["ci_low"], 2), round(got["ci_high"], 2)) == (13.96, 44.34)


def test_one_answer_gives_an_interval_that_contains_it():
    # Issue 17: NPS from one promoter is 100; the adjusted Wald interval was (-48.5, 98.5).
    got = nps_from_counts(1, 0, 0)
    assert got["score"] == 100 and got["ci_low"] < 0 and got["ci_high"] == 100


@given(
    promoters=st.integers(0, 500), passives=st.integers(0, 500), detractors=st.integers(0, 500)
)
def test_the_interval_contains_the_score_and_stays_in_range(promoters, passives, detractors):
    if promoters + passives + detractors == 0:
        return
    got = nps_from_counts(promoters, passives, detractors)
    assert -100 <= got["ci_low"] <= got["score"] <= got["ci_high"] <= 100
    assert got["ci_high"] - got["ci_low"] > 0


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


def test_a_repeated_answer_of_a_respondent_to_a_survey_counts_once():
    # Issue 17: the same respondent's answer to the same survey, exported twice, counted
    # twice and narrowed the interval. r1 answered survey s1 twice (9 then 3: the latest, 3,
    # counts) and s2 once; r2 answered s1 once.
    answers = pd.DataFrame({
        "respondent_id": ["r1", "r1", "r1", "r2"],
        "survey_id": ["s1", "s1", "s2", "s1"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-02-01", "2024-01-02"]),
        "score": [9, 3, 10, 10],
    })
    got = nps(answers)
    assert (got["n"], got["promoters"], got["detractors"]) == (3, 2, 1)
    assert (got["duplicates"], got["key"]) == (1, ["respondent_id", "survey_id"])
    # Without a respondent column every row is an answer.
    assert nps(answers[["score"]])["n"] == 4


def test_the_report_notes_repeated_answers():
    from conftest import small_business

    from growthkit.subscriptions import analyze

    data = small_business()
    answers = pd.DataFrame({"customer_id": ["a", "a", "b"], "survey": ["q1", "q1", "q1"],
                            "score": [10, 10, 2]})
    a = analyze(data["charges"], plan_col="plan", nps_data=answers, language="ar")
    assert a.nps["n"] == 2
    detail = [d for d in a.metrics()["notes_detail"] if d["code"] == "nps_duplicates"]
    assert detail and detail[0]["args"]["n"] == 1
    assert "survey" in a.nps_markdown()
