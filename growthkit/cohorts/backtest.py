"""Backtest of the projection: fit on what was known at an earlier cut-off, compare with what
followed.

The cohort table as it was on the cut-off is the full table with the later cells masked
(:meth:`CohortTable.as_of`): a cell holds only orders of its own calendar period, so nothing
needs to be recomputed. Each model projects from the cut-off, and every cell observed since is
a test: the projected cumulative margin per customer against the actual one, h periods ahead.

The errors are size-weighted (a cohort counts by its customers). The model with the lowest mean
absolute error over all test cells is the one the report projects with, and the spread of
actual/projected ratios h periods ahead becomes the projection's interval
(:meth:`Backtest.band`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit.cohorts.periods import period_end, period_label, period_of
from growthkit.cohorts.projection import (
    MODELS,
    Histories,
    last_complete_end,
    project,
)
from growthkit.cohorts.table import CohortTable
from growthkit.errors import GrowthkitError
from growthkit.progress import step

__all__ = [
    "LEVEL",
    "MAX_AHEAD",
    "MIN_COHORTS",
    "Backtest",
    "backtest",
    "default_cutoff",
    "weighted_quantile",
]

#: Coverage the projection intervals aim at.
LEVEL = 0.9
#: The backtest looks at most this many periods ahead (12 months; half the data when shorter).
MAX_AHEAD = 12
#: Cohorts a backtest must test before it can say the projection "tracked closely".
MIN_COHORTS = 3
_LTV_HORIZON = 12


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of ``values`` with ``weights`` (linear between the weighted midpoints).

    Parameters
    ----------
    values, weights : numpy.ndarray
    q : float
        In [0, 1].

    Returns
    -------
    float
    """
    order = np.argsort(values)
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    mid = (np.cumsum(w) - w / 2) / w.sum()
    return float(np.interp(q, mid, v))


def default_cutoff(table: CohortTable) -> _dt.date | None:
    """The end of the period ``min(12, span // 2)`` periods before the last complete one.

    None when the data are too short to test: the cut-off must leave the oldest cohort at
    least two periods after acquisition to fit on, and one period to test.
    """
    last = period_of(last_complete_end(table), table.period)
    first = int(table.cohorts.min())
    ahead = min(MAX_AHEAD, (last - first) // 2)
    if ahead < 1 or last - ahead - first < 2:
        return None
    return period_end(last - ahead, table.period)


@dataclass(frozen=True, repr=False, eq=False)
class Backtest:
    """What the projection models would have said at the cut-off, against what happened.

    Attributes
    ----------
    cutoff : datetime.date
        The last day of data the models were fitted on.
    cells : pandas.DataFrame
        One row per model and test cell: ``model``, ``cohort`` (label), ``k``, ``h`` (periods
        after the cut-off), ``customers``, ``projected``, ``actual`` (cumulative margin per
        customer) and ``ratio`` (actual / projected).
    models : pandas.DataFrame
        Per model: ``cells``, ``cohorts``, ``mape`` (size-weighted mean absolute relative
        error over all cells), ``bias`` (Σ projected / Σ actual − 1, size-weighted),
        ``last_mape`` and ``last_bias`` (the same at each cohort's furthest observed period),
        ``ltv_mape`` and ``ltv_bias`` (at k = 11, the 12-period LTV; NaN when no cohort got
        there), ``max_ahead``.
    chosen : str
        The model with the lowest ``mape``.
    level : float
        Coverage of :meth:`band`.
    failures : dict
        Model -> why it could not be backtested.
    """

    cutoff: _dt.date
    cells: pd.DataFrame
    models: pd.DataFrame
    chosen: str
    level: float
    failures: dict[str, str]

    def band(self, model: str | None = None) -> pd.DataFrame:
        """Ratio interval (actual / projected) per h, pooled over h − 1 .. h + 1.

        Parameters
        ----------
        model : str, optional
            Defaults to :attr:`chosen`.

        Returns
        -------
        pandas.DataFrame
            Indexed by h: ``low``, ``mid`` and ``high`` (weighted quantiles at (1 − level)/2,
            1/2 and (1 + level)/2), ``cells``.
        """
        cells = self.cells[self.cells["model"] == (model or self.chosen)]
        cells = cells[np.isfinite(cells["ratio"])]
        rows = {}
        lo_q, hi_q = (1 - self.level) / 2, (1 + self.level) / 2
        for h in sorted(cells["h"].unique()):
            near = cells[(cells["h"] - h).abs() <= 1]
            r, w = near["ratio"].to_numpy(), near["customers"].to_numpy()
            rows[int(h)] = {"low": weighted_quantile(r, w, lo_q),
                            "mid": weighted_quantile(r, w, 0.5),
                            "high": weighted_quantile(r, w, hi_q), "cells": len(near)}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("h")

    def spread(self, model: str | None = None) -> tuple[float, float]:
        """The interval of actual / projected over every test cell, at :attr:`level`.

        Parameters
        ----------
        model : str, optional
            Defaults to :attr:`chosen`.

        Returns
        -------
        tuple of float
            (low, high), size-weighted quantiles at (1 − level)/2 and (1 + level)/2.
        """
        cells = self.cells[self.cells["model"] == (model or self.chosen)]
        cells = cells[np.isfinite(cells["ratio"])]
        r, w = cells["ratio"].to_numpy(), cells["customers"].to_numpy()
        if not len(r):
            return float("nan"), float("nan")
        return (weighted_quantile(r, w, (1 - self.level) / 2),
                weighted_quantile(r, w, (1 + self.level) / 2))

    def tracked_closely(self, close: float = 0.05, spread: float = 0.15) -> bool:
        """Whether the chosen model tracked what happened closely: a total bias within
        ``close``, at least :data:`MIN_COHORTS` cohorts tested, and the interval of
        actual / projected (:meth:`spread`) within 1 ± ``spread``."""
        m = self.models.loc[self.chosen]
        low, high = self.spread()
        return bool(abs(m["bias"]) <= close and m["cohorts"] >= MIN_COHORTS
                    and low >= 1 - spread and high <= 1 + spread)

    def by_horizon(self, model: str | None = None) -> pd.DataFrame:
        """Size-weighted mean absolute error and bias per h (periods after the cut-off)."""
        cells = self.cells[self.cells["model"] == (model or self.chosen)]
        return cells.groupby("h").apply(_errors, include_groups=False)

    def __repr__(self) -> str:
        m = self.models.loc[self.chosen]
        return (
            f"Backtest(cut-off {self.cutoff}, {self.chosen} chosen: error {m['mape']:.1%} "
            f"over {int(m['cells'])} cells)"
        )


def _errors(cells: pd.DataFrame) -> pd.Series:
    w = cells["customers"].to_numpy(dtype="float64")
    proj, act = cells["projected"].to_numpy(), cells["actual"].to_numpy()
    ok = act != 0
    if not ok.any():
        return pd.Series({"mape": np.nan, "bias": np.nan, "cells": 0})
    mape = float((np.abs(proj - act)[ok] / np.abs(act[ok]) * w[ok]).sum() / w[ok].sum())
    bias = float((proj * w).sum() / (act * w).sum() - 1) if (act * w).sum() else np.nan
    return pd.Series({"mape": mape, "bias": bias, "cells": int(ok.sum())})


def backtest(
    table: CohortTable,
    cutoff: _dt.date | None = None,
    models: tuple[str, ...] = MODELS,
    *,
    histories: Callable[[_dt.date], Histories] | None = None,
    level: float = LEVEL,
) -> Backtest | None:
    """Fit each projection model at ``cutoff``, project, and score it on what followed.

    Parameters
    ----------
    table : CohortTable
        The full table (all customers).
    cutoff : datetime.date, optional
        The last day of a period; by default :func:`default_cutoff`.
    models : tuple of str
        Models to compare (see :data:`growthkit.cohorts.projection.MODELS`).
    histories : callable, optional
        ``cutoff -> Histories``, for ``"bgnbd"`` (left out without it).
    level : float, default 0.9
        Coverage of the interval band.

    Returns
    -------
    Backtest or None
        None when the data are too short to hold a test (no default cut-off).

    Raises
    ------
    GrowthkitError
        When ``cutoff`` is not the last day of a period or leaves nothing to test, or no
        model could be fitted.
    """
    if cutoff is None:
        cutoff = default_cutoff(table)
        if cutoff is None:
            return None
    if period_end(period_of(cutoff, table.period), table.period) != cutoff:
        raise GrowthkitError(
            f"backtest cutoff {cutoff} is not the last day of a {table.period}; expected a "
            f"period end such as {period_end(period_of(cutoff, table.period), table.period)}"
        )
    past = table.as_of(cutoff)
    if not len(past.cohorts):
        raise GrowthkitError(f"backtest cutoff {cutoff} is before every complete cohort")
    actual = table.cumulative_margin_per_customer()
    row = {int(c): i for i, c in enumerate(table.cohorts)}
    frames, failures = [], {}
    with step(f"backtested the projection at {cutoff}") as progress:
        for model in models:
            if model == "bgnbd" and histories is None:
                failures[model] = "no purchase histories were given"
                continue
            try:
                hist = histories(cutoff) if model == "bgnbd" else None
                proj = project(past, model, horizon=table.ages, histories=hist)
            except GrowthkitError as exc:
                failures[model] = str(exc)
                continue
            frames.append(_cells(model, past, proj.cumulative, table, actual, row))
        progress["detail"] = ", ".join(models)
    if not frames:
        raise GrowthkitError(
            "no projection model could be backtested: "
            + "; ".join(f"{m}: {why}" for m, why in failures.items())
        )
    cells = pd.concat(frames, ignore_index=True)
    if cells.empty:
        raise GrowthkitError(f"backtest cutoff {cutoff} leaves no later period to test on")
    summary = {}
    for model, group in cells.groupby("model", sort=False):
        every = _errors(group)
        furthest = group[group["k"] == group.groupby("cohort")["k"].transform("max")]
        last = _errors(furthest)
        ltv = _errors(group[group["k"] == _LTV_HORIZON - 1])
        summary[model] = {
            "cells": int(every["cells"]),
            "cohorts": int(group["cohort"].nunique()),
            "mape": every["mape"],
            "bias": every["bias"],
            "last_mape": last["mape"],
            "last_bias": last["bias"],
            "ltv_mape": ltv["mape"],
            "ltv_bias": ltv["bias"],
            "max_ahead": int(group["h"].max()),
        }
    frame = pd.DataFrame.from_dict(summary, orient="index").rename_axis("model")
    chosen = str(frame["mape"].idxmin())
    return Backtest(cutoff, cells, frame, chosen, level, failures)


def _cells(model: str, past: CohortTable, projected: np.ndarray, table: CohortTable,
           actual: np.ndarray, row: dict[int, int]) -> pd.DataFrame:
    out = []
    full_last = table.last_observed
    for i, c in enumerate(past.cohorts):
        j = row[int(c)]
        k0 = past.last_observed[i]
        for k in range(k0 + 1, full_last[j] + 1):
            if k >= projected.shape[1]:
                break
            proj, act = projected[i, k], actual[j, k]
            out.append({
                "model": model,
                "cohort": period_label(int(c), table.period),
                "k": k,
                "h": k - k0,
                "customers": float(table.customers[j]),
                "projected": proj,
                "actual": act,
                "ratio": act / proj if proj > 0 else np.nan,
            })
    return pd.DataFrame(out)
