"""Intervals for total and per-segment CLV from the sampling distribution of the estimates.

A parametric bootstrap: parameter vectors are drawn from the asymptotic normal distribution of
the log-parameters (mean at the estimate, covariance the inverse Hessian of the negative
log-likelihood), total CLV is recomputed under each draw, and the interval is the central
quantiles of the totals. Each draw's totals are summed over cells of customers sharing one
(frequency, recency, T) history and one group (:class:`growthkit.clv.value.Cells`), equal to the
per-customer sums to rounding at a fraction of the cost. It reflects estimation uncertainty,
not the randomness of individual customers' future purchases.

References
----------
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall, ch. 6
(the parametric bootstrap).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from growthkit.clv.base import TransactionModel
from growthkit.clv.spend import GammaGammaModel
from growthkit.clv.value import Cells, Histories, clv_revenue, clv_settings, clv_sums
from growthkit.errors import ConvergenceError, GrowthkitError
from growthkit.progress import step

__all__ = ["TOTAL", "CLVIntervals", "clv_intervals"]

#: Row label of the whole customer base in :attr:`CLVIntervals.table`.
TOTAL = "All customers"


@dataclass(frozen=True)
class CLVIntervals:
    """Point estimates and intervals of summed CLV, for all customers and per group.

    Attributes
    ----------
    level : float
        Interval coverage, e.g. 0.90.
    n_draws : int
        Parameter draws used.
    table : pandas.DataFrame
        Indexed by ``"All customers"`` then each group: ``customers``, ``clv_revenue``,
        ``revenue_low``, ``revenue_high``, ``clv_profit``, ``profit_low``, ``profit_high``.
    """

    level: float
    n_draws: int
    table: pd.DataFrame

    @property
    def total(self) -> tuple[float, float, float]:
        """Revenue CLV of all customers: (estimate, low, high)."""
        row = self.table.loc[TOTAL]
        return float(row["clv_revenue"]), float(row["revenue_low"]), float(row["revenue_high"])

    @property
    def has_bounds(self) -> bool:
        """Whether the total has an interval: parameter draws were made and every draw gave a
        finite total (a model near the edge of its range can draw parameters that do not)."""
        _, low, high = self.total
        return bool(self.n_draws) and bool(np.isfinite(low) and np.isfinite(high))

    @property
    def total_profit(self) -> tuple[float, float, float]:
        """Profit CLV of all customers: (estimate, low, high)."""
        row = self.table.loc[TOTAL]
        return float(row["clv_profit"]), float(row["profit_low"]), float(row["profit_high"])


def clv_intervals(
    model: TransactionModel,
    spend_model: GammaGammaModel,
    summary: pd.DataFrame,
    groups: pd.Series | None = None,
    *,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    gross_margin: float = 1.0,
    time_unit: str | None = None,
    level: float = 0.90,
    n_draws: int = 200,
    seed: int = 0,
    strict: bool = True,
) -> CLVIntervals:
    """Intervals for total CLV and CLV per group by a parametric bootstrap.

    Parameters
    ----------
    model, spend_model : TransactionModel, GammaGammaModel
        Fitted models; their estimates are resampled independently.
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per customer.
    groups : pandas.Series, optional
        A label per customer (e.g. a segment), indexed like ``summary``.
    horizon_months, annual_discount_rate, gross_margin, time_unit
        As in :func:`growthkit.clv.predict`.
    level : float, default 0.90
        Coverage of the intervals.
    n_draws : int, default 200
        Parameter draws.
    seed : int, default 0
        Seed of ``numpy.random.default_rng``.
    strict : bool, default True
        Raise when a model has no sampling distribution (Hessian not positive definite);
        False gives the point estimates with NaN bounds and ``n_draws`` 0.

    Returns
    -------
    CLVIntervals

    Raises
    ------
    GrowthkitError
        For a bad level, number of draws, settings or groups.
    ConvergenceError
        When a model's Hessian is not positive definite (with ``strict``).

    References
    ----------
    Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
    """
    if not 0 < level < 1:
        raise GrowthkitError(f"level={level!r}; expected a coverage between 0 and 1, e.g. 0.9")
    if isinstance(n_draws, bool) or not isinstance(n_draws, int) or n_draws < 20:
        raise GrowthkitError(f"n_draws={n_draws!r}; expected an integer >= 20")
    settings = clv_settings(model, horizon_months, annual_discount_rate, gross_margin, time_unit)
    hist = Histories.from_summary(summary, spend=True)
    if groups is None:
        codes, labels = np.zeros(hist.x.size, dtype=np.int64), []
    else:
        aligned = groups.reindex(summary.index)
        if aligned.isna().any():
            raise GrowthkitError("groups must give a label for every customer of the summary")
        codes, labels = pd.factorize(aligned, sort=True)

    n_groups = len(labels)

    def sums(values: np.ndarray) -> np.ndarray:
        """The total, then the total of each group."""
        by_group = np.bincount(codes, values, n_groups)[:n_groups]
        return np.concatenate([[values.sum()], by_group])

    rng = np.random.default_rng(seed)
    with step("computed CLV intervals") as progress:
        try:
            drawn = model.draw_params(n_draws, rng)
            spend_drawn = spend_model.draw_params(n_draws, rng)
        except ConvergenceError:
            if strict:
                raise
            drawn = spend_drawn = np.empty((0, 0))  # no sampling distribution: points only
        draws = min(len(drawn), len(spend_drawn))
        cells = Cells.of(hist, codes, n_groups)
        progress["detail"] = (
            f"{draws:,} parameter draws x {cells.customers.size:,} cells of "
            f"{hist.x.size:,} customers"
        )
        totals = np.array([
            clv_sums(model, drawn[i], spend_drawn[i], hist, settings, cells)
            for i in range(draws)
        ])
    point = clv_revenue(model, model._params, spend_model._params, hist, settings)
    if draws:
        low, high = np.quantile(totals, [(1 - level) / 2, (1 + level) / 2], axis=0)
    else:
        low = high = np.full(n_groups + 1, np.nan)

    margin = settings.gross_margin
    table = pd.DataFrame(
        {
            "customers": sums(np.ones(hist.x.size)).astype(int),
            "clv_revenue": sums(point),
            "revenue_low": low,
            "revenue_high": high,
        },
        index=pd.Index([TOTAL, *map(str, labels)], name="group"),
    )
    table["clv_profit"] = table["clv_revenue"] * margin
    table["profit_low"] = table["revenue_low"] * margin
    table["profit_high"] = table["revenue_high"] * margin
    return CLVIntervals(level=level, n_draws=draws, table=table)
