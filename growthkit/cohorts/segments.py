"""Summaries of a group of cohorts (all customers, or one segment value) and per-cohort rows.

:func:`summarize` reduces a :class:`CohortTable` with its CAC and projection to the figures a
reader compares across channels, first products or offers: size, CAC, payback of the average
customer (actual and projected), LTV and LTV:CAC at 6, 12 and 24 periods, retention after one
period. :func:`cohort_rows` gives the same per cohort.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from growthkit.cohorts.payback import (
    HORIZONS,
    average_payback,
    cohorts_cac,
    ltv_cac,
    ltv_cac_by_cohort,
    payback_periods,
)
from growthkit.cohorts.projection import Projection
from growthkit.cohorts.table import CohortTable

__all__ = ["SUMMARY_COLUMNS", "cohort_rows", "projected_ratio_band",
           "projected_ratio_interval", "summarize"]

#: The columns of :func:`summarize`'s rows, in order.
SUMMARY_COLUMNS = (
    "customers", "cohorts", "cac", "payback_period", "projected_payback_period",
    "retention_1", *(f"ltv_{h}" for h in HORIZONS), *(f"ltv_cac_{h}" for h in HORIZONS),
    *(f"cohorts_{h}" for h in HORIZONS), "projected_ltv_12", "projected_ltv_24",
    "projected_ltv_cac_12", "projected_ltv_cac_24",
)


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    ok = ~np.isnan(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    return float((values[ok] * weights[ok]).sum() / weights[ok].sum())


def summarize(table: CohortTable, cac: np.ndarray | None,
              projection: Projection | None) -> dict[str, Any]:
    """The figures of one group of cohorts.

    Parameters
    ----------
    table : CohortTable
    cac : numpy.ndarray, optional
        CAC per cohort of ``table`` (None: no CAC figures).
    projection : Projection, optional
        The group's projection (None: no projected figures).

    Returns
    -------
    dict
        Keys :data:`SUMMARY_COLUMNS`: ``customers`` (all acquired, incl. a cohort still
        forming and the left-censored one); every other figure leaves the left-censored
        cohort out: ``cohorts`` (complete), ``cac`` (:func:`growthkit.cohorts.cohorts_cac`),
        ``payback_period`` (:func:`growthkit.cohorts.average_payback`) and its projected
        counterpart (the same on the projected curves), ``retention_1`` (size-weighted over
        the cohorts observed at k = 1), ``ltv_H``, ``ltv_cac_H`` and ``cohorts_H`` (over the
        cohorts observed at k = H − 1) and ``projected_ltv_H`` / ``projected_ltv_cac_H`` (over
        every complete cohort, actual then projected). NaN where undefined.
    """
    customers = float(table.customers.sum())
    keep = ~table.left_censored
    full_cost = np.full(len(keep), np.nan) if cac is None else np.asarray(cac, dtype="float64")
    cost = full_cost[keep]
    table = table.uncensored()
    n = table.customers
    complete = table.complete
    cum = table.cumulative_margin_per_customer()
    retention = table.average(table.retention())
    out: dict[str, Any] = {
        "customers": customers,
        "cohorts": int(complete.sum()),
        "cac": cohorts_cac(table, cost) if cac is not None else np.nan,
        "retention_1": float(retention[1]) if table.ages > 1 else np.nan,
    }
    out["payback_period"] = average_payback(table, cost)[0] if cac is not None else np.nan
    out["projected_payback_period"] = np.nan
    for h in HORIZONS:
        value = ltv_cac(n, cum, cost, h) if cac is not None else None
        if value is None:  # LTV without a CAC: size-weighted over the cohorts observed there
            ltv = cum[:, h - 1] if table.ages >= h else np.full(len(n), np.nan)
            value = {"ltv": _weighted(ltv, n), "ratio": np.nan,
                     "cohorts": int((~np.isnan(ltv)).sum())}
        out[f"ltv_{h}"] = value["ltv"]
        out[f"ltv_cac_{h}"] = value["ratio"]
        out[f"cohorts_{h}"] = value["cohorts"]
    for h in (12, 24):
        out[f"projected_ltv_{h}"] = np.nan
        out[f"projected_ltv_cac_{h}"] = np.nan
    if projection is not None:
        curve = projection.cumulative[keep]
        for h in (12, 24):
            if curve.shape[1] >= h:
                ltv = _weighted(np.where(complete, curve[:, h - 1], np.nan), n)
                out[f"projected_ltv_{h}"] = ltv
                if cac is not None and out["cac"] > 0:
                    out[f"projected_ltv_cac_{h}"] = ltv / out["cac"]
        if cac is not None and out["cac"] > 0:
            out["projected_payback_period"] = _projected_payback(n, complete, curve, cost)
    return {key: out[key] for key in SUMMARY_COLUMNS}


def _projected_payback(n: np.ndarray, complete: np.ndarray, curve: np.ndarray,
                       cac: np.ndarray) -> float:
    """First k at which the complete cohorts' mean projected curve covers their mean CAC."""
    ok = complete & ~np.isnan(cac) & ~np.isnan(curve).all(axis=1)
    if not ok.any():
        return float("nan")
    w = n[ok]
    margin = (curve[ok] * w[:, None]).sum(axis=0) / w.sum()
    cost = float((cac[ok] * w).sum() / w.sum())
    reached = margin >= cost
    return float(reached.argmax()) if reached.any() else float("nan")


def cohort_rows(table: CohortTable, cac: np.ndarray | None, basis: list[str] | None,
                projection: Projection | None) -> pd.DataFrame:
    """One row per cohort: size, CAC, payback (actual and projected), LTV and LTV:CAC.

    Parameters
    ----------
    table : CohortTable
    cac : numpy.ndarray, optional
        CAC per cohort.
    basis : list of str, optional
        How each CAC was found (``"spend"``, ``"no spend"``, ``"flat"``, ``"forming"``).
    projection : Projection, optional

    Returns
    -------
    pandas.DataFrame
        Indexed by cohort label: ``customers``, ``complete``, ``left_censored``, ``last_k``,
        ``cac``,
        ``cac_basis``, ``payback_period``, ``projected_payback_period``, ``ltv_H``,
        ``ltv_cac_H`` (actual, NaN where unobserved), ``projected_ltv_12`` and
        ``projected_ltv_24``.
    """
    n = len(table.cohorts)
    cost = np.full(n, np.nan) if cac is None else np.asarray(cac, dtype="float64")
    cum = table.cumulative_margin_per_customer()
    frame = pd.DataFrame(
        {
            "customers": table.customers.astype("int64"),
            "complete": table.complete,
            "left_censored": table.left_censored,
            "last_k": table.last_observed,
            "cac": cost,
            "cac_basis": basis if basis is not None else [None] * n,
            "payback_period": payback_periods(cum, cost),
            "projected_payback_period": np.full(n, np.nan),
        },
        index=pd.Index(table.labels, name="cohort"),
    )
    ltv = ltv_cac_by_cohort(cum, cost)
    ltv.index = frame.index
    frame = frame.join(ltv)
    frame["projected_ltv_12"] = np.nan
    frame["projected_ltv_24"] = np.nan
    if projection is not None:
        curve = projection.cumulative
        reached = payback_periods(curve, cost)
        frame["projected_payback_period"] = np.where(
            np.isnan(frame["payback_period"]), reached, frame["payback_period"]
        )
        for h in (12, 24):
            if curve.shape[1] >= h:
                frame[f"projected_ltv_{h}"] = curve[:, h - 1]
    return frame


def projected_ratio_band(projection: Projection | None, table: CohortTable,
                         cac: float | None, h: int) -> tuple[float, float, float] | None:
    """Projected LTV:CAC at ``h`` as the backtest sees it: (low, median, high).

    The cohorts' bounds are added up (their errors move together: one model serves all), over
    the complete cohorts but the left-censored one. The median is the projection corrected by
    the backtest's median error, so it always lies inside the interval (the model's own figure,
    ``summarize(...)["projected_ltv_cac_24"]``, may not, when the backtest found a bias).

    Parameters
    ----------
    projection : Projection, optional
        The projection of ``table``'s cohorts.
    table : CohortTable
    cac : float, optional
        The group's CAC (``summarize(...)["cac"]``).
    h : int
        The horizon in periods.

    Returns
    -------
    tuple of float or None
        None without a projection interval or a positive CAC.
    """
    if (projection is None or projection.level is None or projection.mid is None
            or cac is None or not cac > 0):
        return None
    ok = table.complete & ~table.left_censored
    cum = projection.cumulative[:, h - 1]
    ahead = projection.projected[:, h - 1]
    bounds = [np.where(ahead, edge[:, h - 1], cum)
              for edge in (projection.low, projection.mid, projection.high)]
    if np.isnan(bounds[0][ok]).any():
        return None
    n = table.customers[ok]
    low, mid, high = (float((b[ok] * n).sum() / n.sum() / cac) for b in bounds)
    return low, mid, high


def projected_ratio_interval(projection: Projection | None, table: CohortTable,
                             cac: float | None, h: int) -> tuple[float, float] | None:
    """The interval of :func:`projected_ratio_band`: (low, high), or None."""
    band = projected_ratio_band(projection, table, cac, h)
    return None if band is None else (band[0], band[2])
