"""Payback and LTV:CAC: when cumulative margin per acquired customer covers what it cost.

- **Payback period** of a cohort: the first k at which its cumulative margin per acquired
  customer is at least its CAC; NaN (JSON null) while not reached.
- **Payback of the average customer** of a group of cohorts: the first k at which the average
  customer's cumulative margin (per-period margins averaged over the cohorts observed at each
  k, then chained: :meth:`CohortTable.average_cumulative`) covers one CAC, the size-weighted
  CAC of the complete cohorts, the same the summary states. A cohort without spend (CAC 0)
  has no payback: "no spend recorded", never "payback 0". The left-censored first cohort is
  left out.
- **LTV at h periods** = cumulative margin per acquired customer over periods 0 .. h − 1 (the
  period of acquisition and the h − 1 after it); **LTV:CAC** divides it by CAC. Across cohorts,
  both are size-weighted over the cohorts observed at k = h − 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from growthkit.cohorts.table import CohortTable

__all__ = [
    "HORIZONS",
    "RULE_OF_THUMB",
    "average_payback",
    "cohorts_cac",
    "ltv_cac",
    "ltv_cac_by_cohort",
    "payback_periods",
]

#: Horizons (in periods) at which LTV:CAC is reported.
HORIZONS = (6, 12, 24)
#: The LTV:CAC ratio a healthy acquisition channel is commonly expected to reach.
RULE_OF_THUMB = 3.0


def payback_periods(cumulative: np.ndarray, cac: np.ndarray) -> np.ndarray:
    """The first k at which each row's cumulative margin per customer is at least its CAC.

    Parameters
    ----------
    cumulative : numpy.ndarray
        Cohorts × k, NaN where unobserved (:meth:`CohortTable.cumulative_margin_per_customer`,
        or a projection).
    cac : numpy.ndarray
        One CAC per cohort; NaN where unknown.

    Returns
    -------
    numpy.ndarray
        Float k per cohort; NaN while not reached in the cells given, without a CAC, or with
        a CAC of 0 (no spend recorded: nothing to pay back).
    """
    cumulative = np.atleast_2d(np.asarray(cumulative, dtype="float64"))
    cac = np.asarray(cac, dtype="float64")
    with np.errstate(invalid="ignore"):
        reached = np.nan_to_num(cumulative, nan=-np.inf) >= cac[:, None]
        paid = cac > 0
    first = reached.argmax(axis=1).astype("float64")
    return np.where(reached.any(axis=1) & paid, first, np.nan)


def cohorts_cac(table: CohortTable, cac: np.ndarray) -> float:
    """The one CAC a group of cohorts is compared with: size-weighted over its complete cohorts
    with a CAC, the left-censored cohort left out.

    Parameters
    ----------
    table : CohortTable
    cac : numpy.ndarray
        CAC per cohort of ``table`` (NaN where unknown).

    Returns
    -------
    float
        NaN when no cohort has a CAC.
    """
    cac = np.asarray(cac, dtype="float64")
    ok = table.complete & ~table.left_censored & ~np.isnan(cac)
    n = table.customers[ok]
    return float((cac[ok] * n).sum() / n.sum()) if n.sum() > 0 else float("nan")


def average_payback(table: CohortTable, cac: np.ndarray) -> tuple[float, pd.DataFrame]:
    """Payback of the average customer over a table's cohorts, against one CAC.

    Parameters
    ----------
    table : CohortTable
    cac : numpy.ndarray
        CAC per cohort of ``table`` (NaN for cohorts without one: left out of the CAC).

    Returns
    -------
    payback : float
        The first k at which the average customer's cumulative margin
        (:meth:`CohortTable.average_cumulative`) is at least :func:`cohorts_cac`; NaN while
        not reached, and when that CAC is 0 (no spend recorded).
    curve : pandas.DataFrame
        Per k: ``cumulative_margin_per_customer`` (chained), ``cac`` (the one CAC),
        ``cohorts`` and ``customers`` observed at k.
    """
    margin = table.average_cumulative()
    cost = cohorts_cac(table, cac)
    seen = table.observed & ~table.left_censored[:, None]
    curve = pd.DataFrame(
        {
            "cumulative_margin_per_customer": margin,
            "cac": np.where(np.isnan(margin), np.nan, cost),
            "cohorts": seen.sum(axis=0),
            "customers": table.observed_customers().astype("float64"),
        },
        index=pd.RangeIndex(table.ages, name="k"),
    )
    if not cost > 0:
        return float("nan"), curve
    reached = np.nan_to_num(margin, nan=-np.inf) >= cost
    return (float(reached.argmax()) if reached.any() else float("nan")), curve


def ltv_cac_by_cohort(cumulative: np.ndarray, cac: np.ndarray,
                      horizons: tuple[int, ...] = HORIZONS) -> pd.DataFrame:
    """LTV and LTV:CAC of each cohort at each horizon (NaN where unobserved or CAC is 0).

    Parameters
    ----------
    cumulative : numpy.ndarray
        Cohorts × k cumulative margin per customer.
    cac : numpy.ndarray
        CAC per cohort.
    horizons : tuple of int
        Periods: LTV at h covers k = 0 .. h − 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``ltv_H`` and ``ltv_cac_H`` for each horizon H, one row per cohort.
    """
    out = {}
    cac = np.asarray(cac, dtype="float64")
    for h in horizons:
        ltv = cumulative[:, h - 1] if cumulative.shape[1] >= h else np.full(len(cac), np.nan)
        out[f"ltv_{h}"] = ltv
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f"ltv_cac_{h}"] = np.where(cac > 0, ltv / cac, np.nan)
    return pd.DataFrame(out)


def ltv_cac(customers: np.ndarray, cumulative: np.ndarray, cac: np.ndarray,
            horizon: int) -> dict[str, float]:
    """LTV:CAC at ``horizon`` across cohorts, size-weighted over those with a value there.

    Parameters
    ----------
    customers : numpy.ndarray
        Cohort sizes.
    cumulative : numpy.ndarray
        Cohorts × k cumulative margin per customer (actual, or actual then projected).
    cac : numpy.ndarray
        CAC per cohort (NaN: left out).
    horizon : int
        LTV covers k = 0 .. horizon − 1.

    Returns
    -------
    dict
        ``cohorts``, ``customers``, ``ltv``, ``cac`` and ``ratio`` (NaN when no cohort counts
        or the mean CAC is 0).
    """
    if cumulative.shape[1] < horizon:
        ltv = np.full(len(customers), np.nan)
    else:
        ltv = cumulative[:, horizon - 1]
    ok = ~np.isnan(ltv) & ~np.isnan(cac)
    n = float(customers[ok].sum())
    if not ok.any() or n == 0:
        return {"cohorts": 0, "customers": 0.0, "ltv": np.nan, "cac": np.nan, "ratio": np.nan}
    mean_ltv = float((ltv[ok] * customers[ok]).sum() / n)
    mean_cac = float((cac[ok] * customers[ok]).sum() / n)
    return {
        "cohorts": int(ok.sum()),
        "customers": n,
        "ltv": mean_ltv,
        "cac": mean_cac,
        "ratio": mean_ltv / mean_cac if mean_cac > 0 else np.nan,
    }
