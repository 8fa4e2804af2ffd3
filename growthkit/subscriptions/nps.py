"""Net Promoter Score with a score (Wilson-type) confidence interval.

NPS = % promoters (scores 9–10) − % detractors (0–6); passives (7–8) count in the denominator.
With promoter and detractor shares p and d its variance is (p + d − (p − d)²)/n. The interval
is the set of values θ that a score test does not reject: n(θ̂ − θ)² ≤ z² (p̃ + d̃ − θ²), with
(p̃, d̃) the maximum-likelihood shares under p − d = θ (closed form, as Tango's interval for
a difference of paired proportions). Like Wilson's interval for one proportion it always
contains the observed score, stays within −100 to 100 and keeps a width at the extremes of
tiny surveys (one promoter: 100, interval about −59 to 100), where an adjusted Wald interval
(Rocks 2016) can exclude the score (one promoter: −48.5 to 98.5).

References
----------
Rocks, B. (2016). Interval estimation for the "net promoter score". The American
Statistician, 70(4), 365-372.
Tango, T. (1998). Equivalence test and confidence interval for the difference in proportions
for the paired-sample design. Statistics in Medicine, 17(8), 891-908.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import ibis
from scipy.optimize import brentq
from scipy.special import ndtri

from growthkit.data import Source, load, redact
from growthkit.errors import GrowthkitError
from growthkit.i18n import N_
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = [
    "INTERVAL_METHOD",
    "RESPONDENT_COLUMNS",
    "SCORE_COLUMN",
    "SURVEY_COLUMNS",
    "TIME_COLUMNS",
    "answer_key",
    "nps",
    "nps_from_counts",
    "score_interval",
]

#: The column holding each response's score, 0 to 10.
SCORE_COLUMN = "score"
#: Columns naming the respondent, the survey and the answer's time, first found first used:
#: respondent and survey (or, without a survey column, respondent and time) identify one
#: answer, so a repeated answer (a survey exported twice) is counted once.
RESPONDENT_COLUMNS = ("respondent_id", "respondent", "customer_id")
SURVEY_COLUMNS = ("survey_id", "survey")
TIME_COLUMNS = ("timestamp", "answered_at", "date")
#: How the interval is made, as the report names it.
INTERVAL_METHOD = N_("score (Wilson-type)")


def nps_from_counts(
    promoters: int, passives: int, detractors: int, level: float = 0.95
) -> dict[str, Any]:
    """NPS and its score interval from the three counts.

    Parameters
    ----------
    promoters, passives, detractors : int
        Responses scoring 9–10, 7–8 and 0–6.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    dict
        ``score`` (points, −100 to 100), ``ci_low``, ``ci_high``, ``n``, ``promoters``,
        ``passives``, ``detractors``, ``level`` and ``method``.
    """
    counts = {"promoters": promoters, "passives": passives, "detractors": detractors}
    for name, value in counts.items():
        if value is None or value < 0 or value != int(value):
            raise GrowthkitError(f"{name}={value!r}: expected a count of responses (≥ 0)")
    if not 0 < level < 1:
        raise GrowthkitError(f"level={level!r}: expected a confidence level between 0 and 1")
    n = promoters + passives + detractors
    if n == 0:
        raise GrowthkitError("NPS: no responses; expected at least one score from 0 to 10")
    z = float(ndtri(0.5 + level / 2))
    low, high = score_interval(promoters, detractors, n, z)
    return {
        "score": 100.0 * (promoters - detractors) / n,
        "ci_low": 100.0 * low,
        "ci_high": 100.0 * high,
        "n": int(n),
        "promoters": int(promoters),
        "passives": int(passives),
        "detractors": int(detractors),
        "level": level,
        "method": INTERVAL_METHOD,
    }


def nps(source: Source, level: float = 0.95) -> dict[str, Any]:
    """NPS of a survey table, counted in the engine.

    Parameters
    ----------
    source : DataFrame, str, path or ibis.Table
        One row per response, with a ``score`` column of whole numbers from 0 to 10; any
        source :func:`growthkit.data.load` accepts. With a respondent column (and a survey or
        time column, :func:`answer_key`) an answer repeated for the same key is counted once:
        the latest by time, or the lowest score without a time column.
    level : float, default 0.95

    Returns
    -------
    dict
        As :func:`nps_from_counts`, with ``duplicates`` (answers left out as repeats) and
        ``key`` (the columns identifying an answer; empty when none is found).

    Raises
    ------
    GrowthkitError
        Naming the column, when ``score`` is missing or holds anything but 0–10.
    """
    t = load(source)
    require_columns(t.columns, [SCORE_COLUMN], where="nps_data")
    score = t[SCORE_COLUMN]
    dtype = score.type()
    if not dtype.is_numeric() or dtype.is_boolean():
        raise GrowthkitError(
            f"nps_data column {SCORE_COLUMN!r} has type {dtype}; expected whole numbers from "
            "0 to 10"
        )
    bad = score.isnull() | (score < 0) | (score > 10)
    if dtype.is_floating():
        bad = bad | (score.floor() != score)
    key = answer_key(t.columns)
    duplicates = 0
    if key:
        time = next((c for c in TIME_COLUMNS if c in t.columns and c not in key), None)
        order = [ibis.desc(time)] if time else [score]
        w = ibis.window(group_by=[t[c] for c in key], order_by=order)
        t = t.mutate(_answer=ibis.row_number().over(w))
        duplicates = int(t.filter(t._answer > 0).count().execute())
        t = t.filter(t._answer == 0)
        score = t[SCORE_COLUMN]
        bad = score.isnull() | (score < 0) | (score > 10)
        if dtype.is_floating():
            bad = bad | (score.floor() != score)
    with step("NPS responses") as progress:
        row = t.aggregate(
            n=t.count(),
            promoters=(score >= 9).sum(),
            detractors=(score <= 6).sum(),
            bad=bad.sum(),
        ).execute().iloc[0]
        progress["detail"] = f"{int(row['n']):,} responses"
    if int(row["bad"] or 0):
        example = t.filter(bad).select(SCORE_COLUMN).limit(1).execute()[SCORE_COLUMN].iloc[0]
        raise GrowthkitError(
            f"nps_data column {SCORE_COLUMN!r} has {int(row['bad']):,} value(s) that are not "
            f"whole numbers from 0 to 10, e.g. {_plain(example)!r}; expected scores 0-10"
        )
    n = int(row["n"])
    if n == 0:
        raise GrowthkitError(f"nps_data {redact(source)!r} has no responses")
    promoters, detractors = int(row["promoters"] or 0), int(row["detractors"] or 0)
    out = nps_from_counts(promoters, n - promoters - detractors, detractors, level)
    return out | {"duplicates": duplicates, "key": list(key)}


def answer_key(columns: Sequence[str]) -> tuple[str, ...]:
    """The columns identifying one answer: respondent and survey, or respondent and time
    (:data:`RESPONDENT_COLUMNS`, ...); empty when there is no respondent column."""
    respondent = next((c for c in RESPONDENT_COLUMNS if c in columns), None)
    if respondent is None:
        return ()
    other = next((c for c in (*SURVEY_COLUMNS, *TIME_COLUMNS) if c in columns), None)
    return (respondent, other) if other else (respondent,)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _constrained_shares(promoters: int, detractors: int, n: int,
                        theta: float) -> tuple[float, float]:
    """The promoter and detractor shares of largest likelihood under p − d = ``theta``."""
    passives = n - promoters - detractors
    b = (promoters * (1 - theta) + detractors * (1 - 3 * theta) - 2 * passives * theta)
    d = (b + math.sqrt(max(b * b + 8 * n * detractors * theta * (1 - theta), 0.0))) / (4 * n)
    d = min(max(d, max(0.0, -theta)), (1 - theta) / 2)
    return d + theta, d


def score_interval(promoters: int, detractors: int, n: int, z: float) -> tuple[float, float]:
    """The values of p − d (as shares, −1 to 1) a score test at ``z`` does not reject."""
    estimate = (promoters - detractors) / n

    def excess(theta: float) -> float:
        p, d = _constrained_shares(promoters, detractors, n, theta)
        variance = max(p + d - theta * theta, 0.0)
        gap = n * (estimate - theta) ** 2
        return gap - z * z * variance

    bounds = []
    for end in (-1.0, 1.0):
        # Just inside the estimate the statistic is below z² (at the estimate itself it is 0,
        # and so may be the variance); past the root it is above.
        inner = estimate + (end - estimate) * 1e-9
        if estimate == end or excess(end) <= 0:
            bounds.append(end)
        elif excess(inner) >= 0:
            bounds.append(estimate)
        else:
            bounds.append(brentq(excess, *sorted((inner, end)), xtol=1e-12))
    return bounds[0], bounds[1]
