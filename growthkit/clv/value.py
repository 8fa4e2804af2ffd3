"""Per-customer predictions: P(alive), expected purchases and spend, revenue and profit CLV.

References
----------
Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
customer base analysis. Journal of Marketing Research, 42(4), 415-430.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from growthkit.clv.base import TransactionModel
from growthkit.clv.rows import group, rfm_arrays
from growthkit.clv.spend import GammaGammaModel, spend_arrays
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.units import DAYS_PER_MONTH, TIME_UNITS, check_time_unit

__all__ = [
    "Cells",
    "Histories",
    "ValueSettings",
    "clv_revenue",
    "clv_settings",
    "clv_sums",
    "predict",
]


@dataclass(frozen=True)
class ValueSettings:
    """How CLV is computed: horizon, discounting, margin and the summary's time unit.

    (Called ``CLVSettings`` before the report's parameters, :class:`growthkit.clv.CLVSettings`,
    took the name.)

    CLV sums, month by month, the expected purchases in that month times the expected spend per
    purchase, discounted to today at the end of the month. This is lifetimes'
    ``customer_lifetime_value`` scheme, except that a month is the mean Gregorian month
    (365.25/12 days, 4.348 weeks) where lifetimes uses 30 days or 4.345 weeks, and the monthly
    rate is derived from the annual one, (1 + annual)^(1/12) - 1.

    Parameters
    ----------
    horizon_months : int
        Months ahead to value.
    annual_discount_rate : float
        Yearly discount rate, e.g. 0.10.
    gross_margin : float
        Share of revenue that is profit, in (0, 1]; profit CLV = margin × revenue CLV.
    time_unit : {"days", "weeks", "months"}
        Unit of recency and T in the summary.
    """

    horizon_months: int = 12
    annual_discount_rate: float = 0.10
    gross_margin: float = 1.0
    time_unit: str = "weeks"

    def __post_init__(self) -> None:
        check_time_unit(self.time_unit)
        months = self.horizon_months
        whole = isinstance(months, Real) and not isinstance(months, bool) and months == int(months)
        if not whole or months < 1:
            raise GrowthkitError(
                f"horizon_months={months!r}; expected a whole number of months >= 1"
            )
        object.__setattr__(self, "horizon_months", int(months))
        rate = self.annual_discount_rate
        if not isinstance(rate, Real) or not 0 <= rate < 10:
            raise GrowthkitError(
                f"annual_discount_rate={self.annual_discount_rate!r}; expected a rate such as "
                "0.10 (between 0 and 10)"
            )
        margin = self.gross_margin
        if not isinstance(margin, Real) or not 0 < margin <= 1:
            raise GrowthkitError(
                f"gross_margin={self.gross_margin!r}; expected a share of revenue in (0, 1]"
            )

    @property
    def units_per_month(self) -> float:
        """Summary time units in one month."""
        return DAYS_PER_MONTH / TIME_UNITS[self.time_unit]

    @property
    def horizon(self) -> float:
        """The horizon in summary time units."""
        return self.horizon_months * self.units_per_month

    @property
    def monthly_discount(self) -> np.ndarray:
        """Discount factor at the end of each month of the horizon."""
        monthly_rate = (1.0 + self.annual_discount_rate) ** (1.0 / 12.0) - 1.0
        return (1.0 + monthly_rate) ** -np.arange(1.0, self.horizon_months + 1.0)


@dataclass(frozen=True)
class Histories:
    """Customer histories, grouped by distinct (frequency, T) for the expensive terms.

    Attributes
    ----------
    x, tx, T : numpy.ndarray
        Frequency, recency and age per customer.
    m : numpy.ndarray or None
        Mean spend per repeat purchase (None when built without spend).
    codes : numpy.ndarray
        Each customer's distinct (frequency, T) pair, an index into ``first``.
    first : numpy.ndarray
        The first customer of each distinct (frequency, T) pair.
    """

    x: np.ndarray
    tx: np.ndarray
    T: np.ndarray
    m: np.ndarray | None
    codes: np.ndarray
    first: np.ndarray

    @functools.cached_property
    def histories(self) -> tuple[np.ndarray, np.ndarray]:
        """Codes and first rows of the distinct (frequency, recency, T) histories, for P(alive)
        at many parameter draws (computed on first use, then kept)."""
        return group(self.x, self.tx, self.T)

    @classmethod
    def from_summary(cls, summary: pd.DataFrame, spend: bool) -> Histories:
        """The histories of an RFM summary (with ``monetary_value`` when ``spend``).

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency``, ``recency``, ``T`` and, with ``spend``, ``monetary_value``.
        spend : bool
            Read the mean spend too.

        Returns
        -------
        Histories
        """
        x, tx, T = rfm_arrays(summary)
        m = spend_arrays(summary)[1] if spend else None
        codes, first = group_histories(x, T)
        return cls(x, tx, T, m, codes, first)


def group_histories(x: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group customers by (frequency, T), as :func:`growthkit.clv.rows.group` does, with
    one hash pass instead of four: frequencies are whole numbers (checked), so they combine
    with the codes of T into one integer key directly.
    """
    n = x.size
    if n == 0 or x.max() >= 2**31:
        return group(x, T)
    t_codes = pd.factorize(T)[0]
    key = t_codes.astype(np.int64) * (int(x.max()) + 1) + x.astype(np.int64)
    codes = pd.factorize(key)[0].astype(np.int64)
    return codes, _first_rows(codes)


def _first_rows(codes: np.ndarray) -> np.ndarray:
    """The first row of each group of ``codes`` (0..k-1, numbered in order of appearance)."""
    first = np.empty(int(codes.max()) + 1 if codes.size else 0, dtype=np.int64)
    first[codes[::-1]] = np.arange(codes.size - 1, -1, -1)
    return first


def _alive_terms(
    model: TransactionModel, params: np.ndarray, hist: Histories, settings: ValueSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct (frequency, T): the expected purchases of a customer alive now, at the end
    of each month of the horizon (cumulative, months 0..H), and discounted over the horizon."""
    t = np.arange(settings.horizon_months + 1.0) * settings.units_per_month
    x, T = hist.x[hist.first], hist.T[hist.first]
    cumulative = model.alive_purchases(params, t[:, None], x[None, :], T[None, :])
    return cumulative, settings.monthly_discount @ np.diff(cumulative, axis=0)


def _purchase_terms(
    model: TransactionModel, params: np.ndarray, hist: Histories, settings: ValueSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(alive), expected purchases over the horizon, and discounted expected purchases."""
    cumulative, discounted = _alive_terms(model, params, hist, settings)
    p_alive = model.p_alive(params, hist.x, hist.tx, hist.T)
    return p_alive, p_alive * cumulative[-1][hist.codes], p_alive * discounted[hist.codes]


def clv_revenue(
    model: TransactionModel,
    params: np.ndarray,
    spend_params: np.ndarray,
    hist: Histories,
    settings: ValueSettings,
) -> np.ndarray:
    """Revenue CLV per customer at the given parameters of both models.

    P(alive) is computed once per distinct (frequency, recency, T) history rather than per
    customer (millions of customers share about a million histories).

    Parameters
    ----------
    model : TransactionModel
        The transaction model whose formulas are used.
    params : numpy.ndarray
        Its parameters (e.g. the estimate, or one draw).
    spend_params : numpy.ndarray
        Gamma-Gamma parameters (p, q, gamma).
    hist : Histories
        The customers, built with spend.
    settings : ValueSettings
        Horizon, discounting and time unit.

    Returns
    -------
    numpy.ndarray
        Revenue CLV of each customer of ``hist``, in its order.
    """
    _, discounted = _alive_terms(model, params, hist, settings)
    codes, first = hist.histories
    p_alive = model.p_alive(params, hist.x[first], hist.tx[first], hist.T[first])
    spend = GammaGammaModel._expected_spend(spend_params, hist.x, hist.m)
    return p_alive[codes] * discounted[hist.codes] * spend


@dataclass(frozen=True)
class Cells:
    """Customers reduced to cells of one (frequency, recency, T) history and one group.

    A cell keeps how many customers it holds and their summed mean spend. A CLV total is linear
    in each customer's mean spend given the history, so totals at any parameters need one term
    per cell, not per customer (see :func:`clv_sums`): 37M customers make about 3M cells.

    Attributes
    ----------
    history : numpy.ndarray
        Each cell's distinct (frequency, recency, T) history, an index into
        ``Histories.histories``' first rows.
    purchase : numpy.ndarray
        Each cell's distinct (frequency, T), an index into ``Histories.first``.
    x : numpy.ndarray
        Each cell's frequency.
    group : numpy.ndarray
        Each cell's group code (0..n_groups-1).
    customers : numpy.ndarray
        Customers in each cell (as floats).
    spend : numpy.ndarray
        Sum of max(mean spend, 0) over each cell's customers, as the expected spend counts it.
    n_groups : int
        Number of groups.
    """

    history: np.ndarray  # index into ``hist.histories``' distinct histories
    purchase: np.ndarray  # index into ``hist.first``' distinct (frequency, T)
    x: np.ndarray
    group: np.ndarray
    customers: np.ndarray
    spend: np.ndarray  # sum of max(mean spend, 0), as the expected spend counts it
    n_groups: int

    @classmethod
    def of(cls, hist: Histories, group_codes: np.ndarray, n_groups: int) -> Cells:
        """Cells of the customers of ``hist`` in groups ``group_codes``.

        Parameters
        ----------
        hist : Histories
            The customers, built with spend.
        group_codes : numpy.ndarray
            Each customer's group, 0..n_groups-1 (all 0 with ``n_groups=0`` for no groups).
        n_groups : int
            Number of groups.

        Returns
        -------
        Cells
        """
        history_codes = hist.histories[0]
        cells = pd.factorize(history_codes.astype(np.int64) * max(n_groups, 1) + group_codes)[0]
        first = _first_rows(cells)
        n_cells = first.size
        customers = np.bincount(cells, minlength=n_cells).astype("float64")
        spend = np.bincount(cells, np.maximum(hist.m, 0.0), minlength=n_cells)
        return cls(history_codes[first], hist.codes[first], hist.x[first],
                   group_codes[first], customers, spend, n_groups)


def clv_sums(
    model: TransactionModel,
    params: np.ndarray,
    spend_params: np.ndarray,
    hist: Histories,
    settings: ValueSettings,
    cells: Cells,
) -> np.ndarray:
    """Revenue CLV summed over all customers, then over each group, one term per cell.

    The sums of :func:`clv_revenue` (equal to rounding) at a cost of one term per cell of
    :class:`Cells`. Expected spend is p(γ + x·m)/(px + q - 1) with m floored at 0, linear in m,
    so a cell's CLV is P(alive) × discounted purchases × (its customers × pγ + px × its summed
    spend) / (px + q - 1).

    Parameters
    ----------
    model, params, spend_params, hist, settings
        As in :func:`clv_revenue`.
    cells : Cells
        The cells of ``hist``'s customers.

    Returns
    -------
    numpy.ndarray
        The total over all customers, then the total of each group (``1 + n_groups`` values).
    """
    _, discounted = _alive_terms(model, params, hist, settings)
    _, first = hist.histories
    p_alive = model.p_alive(params, hist.x[first], hist.tx[first], hist.T[first])
    p, q, gamma = spend_params
    spend = p * (gamma * cells.customers + cells.x * cells.spend) / (p * cells.x + q - 1.0)
    values = p_alive[cells.history] * discounted[cells.purchase] * spend
    by_group = np.bincount(cells.group, values, cells.n_groups)[: cells.n_groups]
    return np.concatenate([[values.sum()], by_group])


def predict(
    model: TransactionModel,
    summary: pd.DataFrame,
    spend_model: GammaGammaModel | None = None,
    *,
    horizon_months: int = 12,
    annual_discount_rate: float = 0.10,
    gross_margin: float = 1.0,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Predict every customer's future: activity, purchases, spend and lifetime value.

    Parameters
    ----------
    model : TransactionModel
        A fitted transaction model (:func:`growthkit.clv.fit`).
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (and ``monetary_value`` for CLV) per customer, up to
        the day the forecast starts.
    spend_model : GammaGammaModel, optional
        A fitted spend model (:func:`growthkit.clv.fit_spend`). Without it there is no spend or
        CLV.
    horizon_months : int, default 12
        Months ahead to forecast.
    annual_discount_rate : float, default 0.10
        Yearly rate future revenue is discounted at.
    gross_margin : float, default 1.0
        Share of revenue that is profit.
    time_unit : {"days", "weeks", "months"}, optional
        Unit of recency and T; defaults to the one the model was fitted with.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``: ``frequency``, ``recency``, ``T``, ``p_alive``,
        ``expected_purchases`` (over the horizon, undiscounted) and, with a spend model,
        ``monetary_value``, ``expected_spend`` (per purchase), ``clv_revenue`` and
        ``clv_profit`` (discounted, in the data's currency).

    Raises
    ------
    GrowthkitError
        When the time unit is unknown or a setting is out of range.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for
    customer base analysis. Journal of Marketing Research, 42(4), 415-430.
    """
    settings = clv_settings(model, horizon_months, annual_discount_rate, gross_margin, time_unit)
    with step("scored customers") as progress:
        hist = Histories.from_summary(summary, spend=spend_model is not None)
        progress["detail"] = (
            f"{hist.x.size:,} customers, {hist.first.size:,} distinct histories, "
            f"{settings.horizon_months} months"
        )
        p_alive, purchases, discounted = _purchase_terms(model, model._params, hist, settings)
        # Columns are taken as they are, not consolidated into one block (that copy costs
        # more than the forecast at millions of customers): the summary's own float columns
        # (pandas copies them only if the summary or the result is written to), new arrays.
        def own(col: str, values: np.ndarray) -> pd.Series | np.ndarray:
            return summary[col] if summary[col].dtype == np.float64 else values

        columns = {"frequency": own("frequency", hist.x), "recency": own("recency", hist.tx),
                   "T": own("T", hist.T), "p_alive": p_alive, "expected_purchases": purchases}
        if spend_model is not None:
            spend = GammaGammaModel._expected_spend(spend_model._params, hist.x, hist.m)
            revenue = discounted * spend
            columns |= {"monetary_value": own("monetary_value", hist.m), "expected_spend": spend,
                        "clv_revenue": revenue, "clv_profit": revenue * settings.gross_margin}
        out = pd.DataFrame(columns, index=summary.index, copy=False)
    return out


def clv_settings(
    model: TransactionModel,
    horizon_months: int,
    annual_discount_rate: float,
    gross_margin: float,
    time_unit: str | None,
) -> ValueSettings:
    """The settings of :func:`predict`, in the model's time unit unless one is given.

    Parameters
    ----------
    model : TransactionModel
        The fitted model (its ``time_unit`` is the default).
    horizon_months, annual_discount_rate, gross_margin, time_unit
        As in :func:`predict`.

    Returns
    -------
    ValueSettings

    Raises
    ------
    GrowthkitError
        When no time unit is known or a setting is out of range.
    """
    unit = time_unit or model.time_unit
    if unit is None:
        raise GrowthkitError(
            "time_unit is unknown: pass time_unit='days', 'weeks' or 'months' (the unit of "
            "recency and T in the summary)"
        )
    return ValueSettings(horizon_months, annual_discount_rate, gross_margin, unit)


def __getattr__(name: str) -> Any:
    """Deprecated: ``CLVSettings`` here is :class:`ValueSettings` (FutureWarning); the report's
    parameters are :class:`growthkit.clv.CLVSettings`."""
    if name == "CLVSettings":
        warnings.warn(
            "growthkit.clv.value.CLVSettings is deprecated; use growthkit.clv.value.ValueSettings",
            FutureWarning,
            stacklevel=2,
        )
        return ValueSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
