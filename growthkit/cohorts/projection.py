"""Projection of immature cohorts: their cumulative margin per customer, extended to a horizon.

Two models, compared by :func:`growthkit.cohorts.backtest` on data the report already has:

- ``"curve"``, a fitted margin curve. The margin per acquired customer in period k ≥ 1,
  pooled over the cohorts observed at k (size-weighted), is fitted by weighted least squares
  as log g(k) = a − b·log k − λ·k (a power law with an exponential cut-off, λ ≥ 0; the plain
  power law with fewer than four periods to fit). Each cohort's curve is the pooled one scaled
  by the cohort's own margin in periods 1 .. K (what it has shown so far) over the pooled
  curve's; a cohort seen in period 0 only follows the pooled curve. Only per-period aggregates
  are used.
- ``"bgnbd"``: growthkit's BG/NBD (:func:`growthkit.clv.fit`), fitted once on every
  customer's purchase history (distinct (frequency, recency, T) histories, counted in the
  engine per cohort and segment: no customer row is fetched). A cohort's expected repeat
  purchases in each future period, times the margin per repeat purchase of its group (pooled:
  Gamma-Gamma's per-customer adjustments would need each customer's spend history, and a
  cohort's total needs only the mean), give its future margin.

Both project from the end of the last complete period. Intervals come from the backtest: the
ratio of actual to projected cumulative margin, h periods ahead, at the backtest's cut-off
(:meth:`growthkit.cohorts.Backtest.band`).
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pandas as pd

from growthkit.cohorts.periods import period_end, period_expr
from growthkit.cohorts.table import CohortTable, margin_value
from growthkit.data import Orders
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.validation import check_option

__all__ = [
    "HORIZON",
    "MIN_CUSTOMERS",
    "MIN_PERIODS",
    "MODELS",
    "CurveFit",
    "Histories",
    "Projection",
    "evidence",
    "fit_curve",
    "load_histories",
    "project",
]

#: The projection models, in the order the backtest lists them.
MODELS = ("curve", "bgnbd")
#: Periods a projection covers (k = 0 .. HORIZON − 1): LTV at 24 periods.
HORIZON = 24
_MIN_CUTOFF_TERMS = 4  # periods needed to fit the exponential cut-off as well


@dataclass(frozen=True)
class CurveFit:
    """A fitted margin curve: per acquired customer, g(k) = exp(a − b·log k − λ·k) for k ≥ 1,
    times the seasonal factor of the calendar month the period falls in.

    Attributes
    ----------
    a, b, lam : float
        Level, power-law decay and exponential cut-off (0 when not fitted).
    points : int
        Periods k ≥ 1 the curve was fitted on.
    season : dict
        Month of the year (1-12) -> factor (geometric mean 1); empty when the data span less
        than :data:`SEASON_SPAN` periods after acquisition (a season cannot then be told apart
        from the decay).
    period : {"month", "week"}
    rising : bool
        Whether the margin per customer rises with age in the data (the fit without bounds
        grows): the bounded curve is then flat, and :func:`project` refuses to extend it.
    """

    a: float
    b: float
    lam: float
    points: int
    season: dict[int, float] = field(default_factory=dict)
    period: str = "month"
    rising: bool = False

    def per_customer(self, k: np.ndarray) -> np.ndarray:
        """Margin per acquired customer in period k (k ≥ 1), before seasonality."""
        k = np.asarray(k, dtype="float64")
        return np.exp(self.a - self.b * np.log(k) - self.lam * k)

    def seasonal(self, p: int) -> float:
        """The factor of calendar period ``p`` (1 without seasonality)."""
        return self.season.get(_month_of_year(p, self.period), 1.0)


#: Calendar periods after acquisition the data must span to fit month-of-year factors: two
#: full years (each month seen twice). With less, a season looks like a trend (a summer
#: upswing in ten months of data became an ever-rising curve).
SEASON_SPAN = {"month": 24, "week": 104}
#: The least evidence a projection needs: customers in the complete cohorts (the left-censored
#: one left out), and periods after acquisition observed (k = 1 ..). With less, there is no
#: projection and a note says why (3 customers projected 19.5:1 "tracked closely").
MIN_CUSTOMERS = 100
MIN_PERIODS = 3


def _month_of_year(p: int | np.ndarray, period: str) -> np.ndarray:
    """Month of the year (1-12) of period numbers (a week's: that of its Thursday)."""
    p = np.asarray(p, dtype="int64")
    if period == "month":
        return p % 12 + 1
    thursday = np.datetime64("1970-01-08") + 7 * p
    return thursday.astype("datetime64[M]").astype("int64") % 12 + 1


def fit_curve(table: CohortTable, season: dict[int, float] | None = None) -> CurveFit | None:
    """Fit the pooled margin curve of a cohort table, with month-of-year factors.

    The margin of cohort c in period k ≥ 1 is modelled as n_c · θ_c · g_k · s_m: cohort
    size, the cohort's level, the age curve and the factor of the calendar month m the period
    falls in. The three are estimated by iterative proportional fitting (the Poisson
    maximum-likelihood estimate of a multiplicative model). The season is periodic, so it
    cannot absorb a trend; it is fitted only when the periods after acquisition span at least
    :data:`SEASON_SPAN` (two years), else all factors are 1. The age curve is then smoothed
    by weighted least squares as log g(k) = a − b·log k − λ·k with b ≥ 0 and λ ≥ 0 (bounded
    least squares, :func:`scipy.optimize.lsq_linear`; no λ with fewer than four periods),
    weighted by the customers observed at k: margin per period never grows with age, so the
    cumulative margin is concave beyond the data.

    Parameters
    ----------
    table : CohortTable
    season : dict, optional
        Month factors to use as they are (e.g. those of all customers, for a segment).

    Returns
    -------
    CurveFit or None
        None when fewer than two periods after acquisition have a positive margin.
    """
    seen = table.observed[:, 1:]
    if not seen.any():
        return None
    margin = np.where(seen, np.clip(table.margin[:, 1:], 0.0, None), 0.0)
    n = table.customers.astype("float64")
    ages = np.arange(1, table.ages)
    p = table.cohorts[:, None] + ages[None, :]
    month = _month_of_year(p, table.period) - 1
    span = int(p[seen].max() - p[seen].min() + 1)
    fixed = season is not None
    seasonal = fixed or span >= SEASON_SPAN[table.period]
    s = np.ones(12)
    if fixed:
        s = np.array([season.get(m, 1.0) for m in range(1, 13)])
    theta, g = np.ones(len(n)), np.ones(len(ages))
    for _ in range(500):
        s_cell = np.where(seen, s[month], 0.0)
        g_new = _safe_ratio(margin.sum(axis=0), (n[:, None] * theta[:, None] * s_cell).sum(0))
        if seasonal and not fixed:
            expect = n[:, None] * theta[:, None] * g_new[None, :]
            s = _safe_ratio(np.bincount(month[seen], margin[seen], 12),
                            np.bincount(month[seen], expect[seen], 12), fill=1.0)
            s_cell = np.where(seen, s[month], 0.0)
        theta_new = _safe_ratio(margin.sum(axis=1),
                                (n[:, None] * g_new[None, :] * s_cell).sum(axis=1), fill=1.0)
        done = (np.allclose(g_new, g, rtol=1e-9, atol=0)
                and np.allclose(theta_new, theta, rtol=1e-9, atol=0))
        g, theta = g_new, theta_new
        if done:
            break
    if seasonal and not fixed:
        # A geometric mean of 1 over the months seen, weighted by their cells' customers.
        w = np.bincount(month[seen], np.broadcast_to(n[:, None], seen.shape)[seen], 12)
        ok = (w > 0) & (s > 0)
        centre = np.exp((np.log(s[ok]) * w[ok]).sum() / w[ok].sum())
        s, g = s / centre, g * centre
    g = g * float((theta * n).sum() / n.sum())
    weight = table.observed_customers()[1:]
    ok = (weight > 0) & (g > 0)
    if ok.sum() < 2:
        return None
    y, w, k = np.log(g[ok]), weight[ok], ages[ok].astype("float64")
    columns = [np.ones_like(k), -np.log(k)]
    if ok.sum() >= _MIN_CUTOFF_TERMS:
        columns.append(-k)
    x = np.column_stack(columns)
    coef = _wls(x, y, w)
    free = _wls(x, y, w, bounded=False)
    rising = bool(np.all(coef[1:] <= 1e-9) and np.any(free[1:] < 0))
    if fixed:
        factors = dict(season)
    elif seasonal:
        seen_months = set(month[seen] + 1)
        factors = {m: float(s[m - 1]) for m in range(1, 13) if m in seen_months}
    else:
        factors = {}
    return CurveFit(float(coef[0]), float(coef[1]), float(coef[2]) if len(coef) == 3 else 0.0,
                    int(ok.sum()), factors, table.period, rising)


def _safe_ratio(num: np.ndarray, den: np.ndarray, fill: float = 0.0) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(den > 0, out, fill)


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray, bounded: bool = True) -> np.ndarray:
    """Weighted least squares with every coefficient but the first (the level) >= 0."""
    from scipy.optimize import lsq_linear

    sw = np.sqrt(w / w.sum())
    low = np.r_[-np.inf, np.full(x.shape[1] - 1, 0.0 if bounded else -np.inf)]
    return lsq_linear(x * sw[:, None], y * sw, bounds=(low, np.inf)).x


def evidence(table: CohortTable) -> dict[str, int] | None:
    """What the complete cohorts hold when it is too little to project, else None.

    Parameters
    ----------
    table : CohortTable
        The cohorts a projection would be fitted on (the left-censored one left out).

    Returns
    -------
    dict or None
        ``customers`` and ``periods`` (the most periods after acquisition a cohort is observed
        for) with the minimums :data:`MIN_CUSTOMERS` and :data:`MIN_PERIODS`, when either falls
        short.
    """
    customers = int(table.customers[table.complete].sum())
    periods = int(max(table.last_observed.max(), 0)) if len(table.cohorts) else 0
    if customers >= MIN_CUSTOMERS and periods >= MIN_PERIODS:
        return None
    return {"customers": customers, "periods": periods, "min_customers": MIN_CUSTOMERS,
            "min_periods": MIN_PERIODS}


@dataclass(frozen=True, repr=False, eq=False)
class Histories:
    """Distinct purchase histories per cohort (and segment) at a cut-off, counted in the engine.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``cohort``, the segment columns, ``frequency`` (repeat purchase days), ``recency`` and
        ``T`` (days from the first purchase to the last and to the cut-off), ``customers``
        and ``repeat_margin`` (margin of the days after the first, summed).
    cutoff : datetime.date
    period : {"month", "week"}
    excluded_cohort : int or None
        A cohort left out of the model's fit (the left-censored first one), still projected.
    """

    frame: pd.DataFrame
    cutoff: _dt.date
    period: str
    excluded_cohort: int | None = None

    def where(self, column: str, value: object,
              members: tuple[str, ...] | None = None) -> Histories:
        """The histories of one segment value, or of the values it stands for (``members``:
        those folded into "(other)"); the model is refitted unless passed on."""
        values = list(members) if members is not None else [value]
        return Histories(self.frame[self.frame[column].isin(values)], self.cutoff, self.period,
                         self.excluded_cohort)

    @functools.cached_property
    def model(self) -> Any:
        """BG/NBD fitted on every history (time in weeks) but the excluded (left-censored)
        cohort's."""
        from growthkit.clv import fit

        f = self.frame
        if self.excluded_cohort is not None:
            f = f[f["cohort"] != self.excluded_cohort]
        counts = f["customers"].to_numpy(dtype="int64")
        summary = pd.DataFrame({
            "frequency": np.repeat(f["frequency"].to_numpy(dtype="float64"), counts),
            "recency": np.repeat(f["recency"].to_numpy(dtype="float64") / 7, counts),
            "T": np.repeat(f["T"].to_numpy(dtype="float64") / 7, counts),
        })
        return fit(summary, "bgnbd", time_unit="weeks")


def load_histories(
    orders: Orders,
    period: str,
    cutoff: _dt.date,
    segments: tuple[str, ...] = (),
    margin_col: str | None = None,
    gross_margin: float | None = None,
) -> Histories:
    """Count distinct (frequency, recency, T) histories per cohort and segment, in the engine.

    Several orders on one day are one purchase day (refunds net within it; a day of refunds
    only is not a purchase), as :func:`growthkit.rfm_summary` counts them.

    Parameters
    ----------
    orders : Orders
        Validated orders (with the segment and margin columns kept).
    period : {"month", "week"}
    cutoff : datetime.date
        Orders after it are left out; T runs to it.
    segments : tuple of str
        Segment columns; a customer's value is that of their first purchase.
    margin_col : str, optional
        Margin column in currency; else ``amount × gross_margin``.
    gross_margin : float, optional
        The rate when there is no margin column (1.0 when None).

    Returns
    -------
    Histories
    """
    t = orders.table.filter(orders.table.order_date <= ibis.literal(cutoff))
    margin = (margin_value(t, margin_col) if margin_col is not None
              else t.amount * (1.0 if gross_margin is None else gross_margin))
    day_text = t.order_date.cast("string")
    keys = {f"s{i}": day_text + "|" + t[c].cast("string").fill_null("")
            for i, c in enumerate(segments)}
    base = t.select(customer_id=t.customer_id, day=t.order_date, amount=t.amount,
                    margin=margin, **keys)
    buy = base.amount >= 0
    daily = base.group_by(["customer_id", "day"]).aggregate(
        buy=buy.cast("int32").max(),  # PostgreSQL casts a boolean to integer, not bigint
        margin=base.margin.sum(),
        **{k: base[k].min(where=buy) for k in keys},
    )
    bought = daily.buy == 1
    per = daily.group_by("customer_id").aggregate(
        first=daily.day.min(where=bought),
        last=daily.day.max(where=bought),
        days=daily.buy.sum(),
        total=daily.margin.sum(),
        first_margin=daily.margin.argmin(daily.day, where=bought),
        **{k: daily[k].min(where=bought) for k in keys},
    )
    per = per.filter(per["first"].notnull())
    rows = per.select(
        cohort=period_expr(per["first"], period),
        frequency=per.days - 1,
        recency=per["last"].delta(per["first"], unit="day"),
        T=ibis.literal(cutoff).delta(per["first"], unit="day"),
        repeat_margin=per.total - per.first_margin,
        **{k: per[k].substr(11) for k in keys},
    )
    group = ["cohort", *keys, "frequency", "recency", "T"]
    with step("counted purchase histories") as progress:
        frame = rows.group_by(group).aggregate(
            customers=rows.count(), repeat_margin=rows.repeat_margin.sum()
        ).to_pyarrow().to_pandas()
        progress["detail"] = f"{len(frame):,} distinct histories at {cutoff}"
    from growthkit.cohorts.table import MISSING

    frame = frame.rename(columns={f"s{i}": c for i, c in enumerate(segments)})
    for c in segments:
        frame[c] = frame[c].fillna("").replace("", MISSING).astype(str)
    return Histories(frame, cutoff, period)


@dataclass(frozen=True, repr=False, eq=False)
class Projection:
    """Cumulative margin per acquired customer, actual then projected, per cohort.

    Attributes
    ----------
    model : {"curve", "bgnbd"}
    table : CohortTable
        The table projected from.
    cumulative : numpy.ndarray
        Cohorts × :attr:`horizon`: actual where observed, projected after; NaN for a cohort
        still forming.
    projected : numpy.ndarray
        Boolean, the cells that are projections.
    low, high : numpy.ndarray
        The interval of projected cells (NaN elsewhere, and without a backtest band).
    mid : numpy.ndarray or None
        The projection corrected by the backtest's median error (the point the interval is
        centred on: it lies between ``low`` and ``high``); None without a band.
    level : float or None
        Coverage the interval aims at (e.g. 0.9), None without one.
    start : datetime.date
        The last day of data the projection uses (the end of the last complete period).
    details : dict
        The model's fitted values (``curve``: a, b, lam and each cohort's scale; ``bgnbd``:
        params and the margin per repeat purchase).
    """

    model: str
    table: CohortTable
    cumulative: np.ndarray
    projected: np.ndarray
    low: np.ndarray
    high: np.ndarray
    level: float | None
    start: _dt.date
    details: dict[str, Any] = field(default_factory=dict)
    mid: np.ndarray | None = None

    @property
    def horizon(self) -> int:
        """Number of periods covered (k = 0 .. horizon − 1)."""
        return self.cumulative.shape[1]

    def at(self, horizon: int) -> np.ndarray:
        """Each cohort's cumulative margin per customer over periods 0 .. horizon − 1."""
        return self.cumulative[:, horizon - 1]

    def __repr__(self) -> str:
        return (
            f"Projection({self.model}, {len(self.table.cohorts)} cohorts to "
            f"{self.horizon} periods, from {self.start})"
        )


def last_complete_end(table: CohortTable) -> _dt.date:
    """The end of the last period observed in a table (the day projections start from)."""
    seen = table.observed
    if not seen.any():
        raise GrowthkitError(
            f"no cohort has a complete period by {table.observation_end}; expected data "
            "covering at least one whole period"
        )
    rows, cols = np.nonzero(seen)
    return period_end(int((table.cohorts[rows] + cols).max()), table.period)


def project(
    table: CohortTable,
    model: str = "curve",
    horizon: int = HORIZON,
    *,
    histories: Histories | None = None,
    band: pd.DataFrame | None = None,
    level: float | None = None,
    fitted: Any = None,
) -> Projection:
    """Extend every complete cohort's cumulative margin per customer to ``horizon`` periods.

    Parameters
    ----------
    table : CohortTable
        All customers or one segment.
    model : {"curve", "bgnbd"}, default "curve"
    horizon : int, default 24
        Periods covered (k = 0 .. horizon − 1).
    histories : Histories, optional
        For ``"bgnbd"``: the purchase histories at the end of the table's last complete
        period, restricted to the table's customers.
    band : pandas.DataFrame, optional
        Indexed by h (periods ahead): ``low`` and ``high`` ratios of actual to projected
        (from :meth:`growthkit.cohorts.Backtest.band`). Without it there is no interval.
    level : float, optional
        The interval's coverage, recorded.
    fitted : optional
        A model fitted elsewhere to reuse (a :class:`CurveFit` or a BG/NBD model).

    Returns
    -------
    Projection

    Raises
    ------
    GrowthkitError
        For an unknown model, or when the data are too short to fit it.
    """
    check_option("model", model, MODELS)
    start = last_complete_end(table)
    cum = table.cumulative_margin_per_customer()
    n = len(table.cohorts)
    last = table.last_observed
    out = np.full((n, horizon), np.nan)
    for i in range(n):
        if last[i] >= 0:
            upto = min(last[i] + 1, horizon)
            out[i, :upto] = cum[i, :upto]
    if model == "curve":
        increments, details = _curve_increments(table, horizon, fitted)
    else:
        if histories is None:
            raise GrowthkitError("model='bgnbd' needs the purchase histories (histories=...)")
        if histories.cutoff != start:
            raise GrowthkitError(
                f"histories were counted at {histories.cutoff} but the table's last complete "
                f"period ends {start}; expected the same day"
            )
        increments, details = _bgnbd_increments(table, horizon, histories, start, fitted)
    projected = np.zeros((n, horizon), bool)
    for i in range(n):
        k0 = last[i]
        if k0 < 0 or k0 >= horizon - 1:
            continue
        out[i, k0 + 1:] = cum[i, k0] + np.cumsum(increments[i, k0 + 1:horizon])
        projected[i, k0 + 1:] = True
    low = np.full_like(out, np.nan)
    high = np.full_like(out, np.nan)
    mid = None
    if band is not None and len(band):
        mid = np.where(projected, np.nan, out)
        for i in range(n):
            for k in np.flatnonzero(projected[i]):
                lo, md, hi = _band_at(band, int(k - last[i]))
                low[i, k], mid[i, k], high[i, k] = out[i, k] * lo, out[i, k] * md, out[i, k] * hi
    return Projection(model, table, out, projected, low, high,
                      level if band is not None else None, start, details, mid)


def _band_at(band: pd.DataFrame, h: int) -> tuple[float, float, float]:
    """The ratio interval (low, median, high) h periods ahead; beyond the backtest's reach,
    widened by √(h/h_max) on the log scale (errors that keep accumulating like a random
    walk)."""
    row = band.loc[h if h in band.index else int(band.index.max())]
    low, high = float(row["low"]), float(row["high"])
    # A band without a median (one built by hand) is centred on its geometric middle.
    mid = float(row["mid"]) if "mid" in row.index else float(np.sqrt(low * high))
    if h in band.index:
        return low, mid, high
    widen = np.sqrt(h / int(band.index.max()))
    return low**widen, mid**widen, high**widen


def _curve_increments(table: CohortTable, horizon: int, fitted: CurveFit | None
                      ) -> tuple[np.ndarray, dict[str, Any]]:
    curve = fitted if fitted is not None else fit_curve(table)
    if curve is None:
        raise GrowthkitError(
            "the margin curve needs cohorts observed for at least two periods after "
            "acquisition; expected a longer observation window"
        )
    if curve.rising:
        raise GrowthkitError(
            "the margin per customer rises with age over the data, which in less than two "
            "years cannot be told from a season, so the margin curve does not extend it; "
            "expected data where it declines, or two full years"
        )
    width = max(horizon, table.ages)
    ages = np.arange(width)
    pooled = np.concatenate([[0.0], curve.per_customer(ages[1:])])
    season = np.array([[curve.seasonal(int(c) + k) if k else 0.0 for k in ages]
                       for c in table.cohorts]).reshape(len(table.cohorts), width)
    expected = pooled[None, :] * season
    margin = np.where(table.observed, table.margin, 0.0)
    scale = np.ones(len(table.cohorts))
    for i, k0 in enumerate(table.last_observed):
        if k0 >= 1:
            shown = margin[i, 1:k0 + 1].sum() / table.customers[i]
            base = expected[i, 1:k0 + 1].sum()
            scale[i] = max(shown / base, 0.0) if base > 0 else 1.0
    increments = scale[:, None] * expected[:, :horizon]
    details = {"a": curve.a, "b": curve.b, "lam": curve.lam, "points": curve.points,
               "scale": scale, "season": curve.season}
    return increments, details


def _bgnbd_increments(table: CohortTable, horizon: int, histories: Histories,
                      start: _dt.date, fitted: Any) -> tuple[np.ndarray, dict[str, Any]]:
    model = fitted if fitted is not None else histories.model
    f = histories.frame
    repeat_days = float((f["frequency"] * f["customers"]).sum())
    per_purchase = float(f["repeat_margin"].sum()) / repeat_days if repeat_days else 0.0
    increments = np.zeros((len(table.cohorts), horizon))
    row = {int(c): i for i, c in enumerate(table.cohorts)}
    k0 = table.last_observed
    cohort = f["cohort"].to_numpy(dtype="int64")
    i = np.array([row.get(int(c), -1) for c in cohort])
    ok = (i >= 0)
    ok[ok] &= (k0[i[ok]] >= 0) & (k0[i[ok]] < horizon - 1)
    f, i, cohort = f[ok], i[ok], cohort[ok]
    if len(f):
        # Each history's expected purchases from the cut-off to the end of each period k,
        # for k = k0 .. horizon − 1 of its cohort (t = 0 at k0), all in one call.
        ks = np.arange(horizon)
        ends = np.array([[(period_end(int(c) + k, table.period) - start).days / 7
                          for k in ks] for c in table.cohorts]).reshape(-1, horizon)
        t = np.maximum(ends[i], 0.0)
        n = len(f)
        hist = pd.DataFrame({
            "frequency": np.repeat(f["frequency"].to_numpy(dtype="float64"), horizon),
            "recency": np.repeat(f["recency"].to_numpy(dtype="float64") / 7, horizon),
            "T": np.repeat(f["T"].to_numpy(dtype="float64") / 7, horizon),
        })
        expected = model.expected_purchases(hist, t.ravel()).to_numpy().reshape(n, horizon)
        weights = f["customers"].to_numpy(dtype="float64")
        totals = np.zeros((len(table.cohorts), horizon))
        np.add.at(totals, i, expected * weights[:, None])
        steps = np.diff(totals, axis=1, prepend=0.0)
        after = ks[None, :] > k0[:, None]
        increments = np.where(after, steps, 0.0) * per_purchase / table.customers[:, None]
    details = {"params": dict(model.params), "margin_per_repeat_purchase": per_purchase}
    return increments, details
