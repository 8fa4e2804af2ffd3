"""Net Promoter Score with an adjusted-Wald confidence interval (Rocks 2016).

NPS = % promoters (scores 9–10) − % detractors (0–6); passives (7–8) count in the denominator.
Its variance is (p + d − (p − d)²)/n. The adjusted Wald interval adds 3 to n and ¾ to the
promoter and detractor counts before the Wald interval, which gives intervals with close to
nominal coverage even for small samples and extreme scores (Rocks 2016; MeasuringU). The
report states the observed NPS as the estimate and this interval around it; the interval is
clipped to the score's range, −100 to 100.

References
----------
Rocks, B. (2016). Interval estimation for the "net promoter score". The American
Statistician, 70(4), 365-372.
"""

from __future__ import annotations

import math
from typing import Any

from scipy.special import ndtri

from growthkit.data import Source, load, redact
from growthkit.errors import GrowthkitError
from growthkit.i18n import N_
from growthkit.progress import step
from growthkit.validation import require_columns

__all__ = ["INTERVAL_METHOD", "SCORE_COLUMN", "nps", "nps_from_counts"]

#: The column holding each response's score, 0 to 10.
SCORE_COLUMN = "score"
#: How the interval is made, as the report names it.
INTERVAL_METHOD = N_("adjusted Wald (Rocks 2016)")


def nps_from_counts(
    promoters: int, passives: int, detractors: int, level: float = 0.95
) -> dict[str, Any]:
    """NPS and its adjusted-Wald interval from the three counts.

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
    n_adj = n + 3
    p, d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    centre = p - d
    half = z * math.sqrt((p + d - centre**2) / n_adj)
    return {
        "score": 100.0 * (promoters - detractors) / n,
        "ci_low": max(-100.0, 100.0 * (centre - half)),
        "ci_high": min(100.0, 100.0 * (centre + half)),
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
        One row per response, with a ``score`` column of whole numbers from 0 to 10 (other
        columns are ignored); any source :func:`growthkit.data.load` accepts.
    level : float, default 0.95

    Returns
    -------
    dict
        As :func:`nps_from_counts`.

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
    return nps_from_counts(promoters, n - promoters - detractors, detractors, level)


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value
