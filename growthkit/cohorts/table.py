"""The cohort table: customers, revenue and margin per acquisition cohort and period, in the engine.

:func:`build_cohorts` runs one aggregation in the engine (Ibis, portable) and fetches one row per
(cohort, period, segment values): never an order or a customer. :class:`Cohorts` holds that grid
and gives a :class:`CohortTable` (cohorts × periods since acquisition, with the right edge
masked) for all customers or for one segment.

Definitions (see ``docs/REFERENCES.md``, "Cohorts and subscription metrics"):

- a customer's **cohort** is the calendar period of their first purchase (an order with an
  amount ≥ 0), after time-zone conversion; period k of cohort c is the calendar period c + k;
- a customer is **active** in a period with at least one purchase in it; a period of refunds
  only is not activity;
- **refunds** (negative amounts) net within the period they are dated in; refunds dated before a
  customer's first purchase, and customers with refunds only, belong to no cohort and are
  counted in the notes;
- a cell is **observed** when its calendar period ended on or before the observation end;
  unobserved cells are NaN (JSON null), never 0, and are left out of every average.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.operations as ops
import numpy as np
import pandas as pd

from growthkit.cohorts.periods import (
    check_period,
    period_end,
    period_expr,
    period_label,
    period_of,
)
from growthkit.data import Orders, Source, as_date, as_money, validate_orders
from growthkit.errors import GrowthkitError
from growthkit.progress import step
from growthkit.settings import Interval

__all__ = [
    "GROSS_MARGIN",
    "MISSING",
    "OTHER",
    "CohortTable",
    "Cohorts",
    "build_cohorts",
    "margin_value",
    "parse_segments",
]

#: Gross margin as a share of revenue: a number in (0, 1]; None = no margin given. The same
#: rule as the CLV and subscription reports (0 was accepted here before: a report of zeros).
GROSS_MARGIN = Interval(0, 1, closed="right", optional=True)

#: The segment label of customers whose first purchase has no value in the segment column.
MISSING = "(missing)"
#: The segment value that stands for the values folded away (:meth:`Cohorts.top_values`).
OTHER = "(other)"
_KEY_OFFSET = 11  # "YYYY-MM-DD|" in front of a segment value: the earliest day sorts first


def parse_segments(segment_col: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"channel, category"`` or ``["channel", "category"]`` as a tuple of column names.

    Parameters
    ----------
    segment_col : str, sequence of str or None
        One column, a comma-separated list, or a list; None or ``""`` for none.

    Returns
    -------
    tuple of str
        The columns, in order, without duplicates.
    """
    if segment_col is None:
        return ()
    if isinstance(segment_col, str):
        names = [s.strip() for s in segment_col.split(",")]
    elif isinstance(segment_col, Sequence):
        names = [str(s).strip() for s in segment_col]
    else:
        raise TypeError(
            f"segment_col must be a column name, a comma-separated list or a list; "
            f"found {segment_col!r}"
        )
    return tuple(dict.fromkeys(n for n in names if n))


@dataclass(frozen=True, repr=False, eq=False)
class CohortTable:
    """Cohorts × periods since acquisition, for all customers or one segment.

    Rows are cohorts (ascending), columns are k = 0, 1, ... (the period of acquisition and the
    ones after it). Cells whose calendar period had not ended by :attr:`observation_end` are
    NaN, as are cells after the period holding it.

    Attributes
    ----------
    period : {"month", "week"}
    observation_end : datetime.date
    cohorts : numpy.ndarray
        Period numbers of the cohorts (:mod:`growthkit.cohorts.periods`).
    customers : numpy.ndarray
        Customers acquired in each cohort (so far, for a cohort whose period has not ended).
    active, revenue, margin, purchases : numpy.ndarray
        Per cohort and k: customers with a purchase, revenue (refunds netted), gross margin, and
        purchases (orders with an amount ≥ 0). NaN where unobserved.
    censored_cohort : int or None
        The left-censored cohort (the data's first period, which holds everyone who bought
        then, including customers acquired before the data start); None when the data begin
        with the business. It is shown, but left out of every average.
    """

    period: str
    observation_end: _dt.date
    cohorts: np.ndarray
    customers: np.ndarray
    active: np.ndarray
    revenue: np.ndarray
    margin: np.ndarray
    purchases: np.ndarray
    censored_cohort: int | None = None

    # -- shape ----------------------------------------------------------------------------------

    @property
    def labels(self) -> list[str]:
        """Cohort labels: ``YYYY-MM`` or ``YYYY-Www``."""
        return [period_label(int(c), self.period) for c in self.cohorts]

    @property
    def ages(self) -> int:
        """Number of k columns (0 .. ages − 1)."""
        return self.active.shape[1]

    @property
    def observed(self) -> np.ndarray:
        """Whether each cell's calendar period ended on or before the observation end."""
        return ~np.isnan(self.active)

    @property
    def complete(self) -> np.ndarray:
        """Whether each cohort's own period (k = 0) has ended: its size is final."""
        return self.observed[:, 0] if self.ages else np.zeros(len(self.cohorts), bool)

    @property
    def left_censored(self) -> np.ndarray:
        """Whether each cohort is the left-censored first cohort (see ``censored_cohort``)."""
        return self.cohorts == self.censored_cohort

    def uncensored(self) -> CohortTable:
        """The table without the left-censored cohort (the cohorts averages and fits use)."""
        if not self.left_censored.any():
            return replace(self, censored_cohort=None)
        keep = ~self.left_censored
        return CohortTable(
            period=self.period, observation_end=self.observation_end,
            cohorts=self.cohorts[keep], customers=self.customers[keep],
            active=self.active[keep], revenue=self.revenue[keep], margin=self.margin[keep],
            purchases=self.purchases[keep],
        )

    @property
    def last_observed(self) -> np.ndarray:
        """The last observed k of each cohort; −1 for a cohort still forming."""
        return self.observed.sum(axis=1) - 1

    # -- per cohort -------------------------------------------------------------------------------

    def retention(self) -> pd.DataFrame:
        """Share of each cohort's customers with a purchase in period k (k = 0 is 1.0).

        Returns
        -------
        pandas.DataFrame
            Indexed by cohort label (``cohort``), one column per period since acquisition
            (``k`` = 0, 1, ...); NaN where unobserved. ``.to_numpy()`` gives the matrix.
        """
        return self.frame(self.active / self.customers[:, None])

    def revenue_retention(self) -> np.ndarray:
        """Each cohort's revenue in period k over its revenue in period 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            out = self.revenue / self.revenue[:, :1]
        return np.where(np.isfinite(out), out, np.nan)

    def margin_per_customer(self) -> np.ndarray:
        """Gross margin in period k per acquired customer (not per active customer)."""
        return self.margin / self.customers[:, None]

    def cumulative_margin_per_customer(self) -> np.ndarray:
        """Σ over periods ≤ k of the cohort's margin, divided by the cohort's size.

        The divisor is every customer acquired, never the survivors: a cohort's later periods
        are carried by fewer customers, and dividing by them would inflate the figure.
        """
        return np.cumsum(self.margin, axis=1) / self.customers[:, None]

    # -- across cohorts ----------------------------------------------------------------------------

    def average(self, values: np.ndarray | pd.DataFrame) -> np.ndarray:
        """Per k, the mean of ``values`` over the cohorts observed at k, weighted by size.

        The left-censored cohort is left out. For a cumulative figure use
        :meth:`average_cumulative`: a mean over the cohorts observed at each k mixes a
        different set of cohorts at each k, and can fall.

        Parameters
        ----------
        values : numpy.ndarray or pandas.DataFrame
            Cohorts × k, NaN where unobserved (e.g. :meth:`retention`).

        Returns
        -------
        numpy.ndarray
            One value per k; NaN where no cohort is observed.
        """
        values = np.asarray(values, dtype="float64")
        seen = ~np.isnan(values) & ~self.left_censored[:, None]
        weights = np.where(seen, self.customers[:, None], 0.0)
        total = weights.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (np.where(seen, values, 0.0) * weights).sum(axis=0) / total
        return np.where(total > 0, out, np.nan)

    def average_cumulative(self) -> np.ndarray:
        """The average customer's cumulative margin: per-period margins chained.

        Per k, the margin per acquired customer is averaged over the cohorts observed at k
        (size-weighted, the left-censored cohort left out), and these increments are summed
        from k = 0. Each step compares like with like, so the curve rises or falls only with
        the margin itself (never because older, richer cohorts drop out of the mean). NaN
        from the first k no cohort reaches.

        Returns
        -------
        numpy.ndarray
            One value per k.
        """
        return np.cumsum(self.average(self.margin_per_customer()))

    def observed_customers(self) -> np.ndarray:
        """Per k, the customers of the cohorts observed at k (the weight behind each average;
        the left-censored cohort left out)."""
        seen = self.observed & ~self.left_censored[:, None]
        return np.where(seen, self.customers[:, None], 0).sum(axis=0)

    # -- views ------------------------------------------------------------------------------------

    def as_of(self, cutoff: _dt.date) -> CohortTable:
        """The table as it was on ``cutoff`` (the last day of a period): later cells masked.

        Cohorts whose own period had not ended by then are dropped. Every other number is what
        the data held on that day, because a cell holds only orders of its own period.
        """
        ends = np.array(
            [[period_end(int(c) + k, self.period) for k in range(self.ages)] for c in self.cohorts]
        ).reshape(len(self.cohorts), self.ages)
        seen = (ends <= cutoff) & self.observed
        keep = seen[:, 0] if self.ages else np.zeros(len(self.cohorts), bool)
        ages = int(seen[keep].sum(axis=1).max()) if keep.any() else 0

        def cut(values: np.ndarray) -> np.ndarray:
            return np.where(seen, values, np.nan)[keep][:, :ages]

        return CohortTable(
            period=self.period,
            observation_end=cutoff,
            cohorts=self.cohorts[keep],
            customers=self.customers[keep],
            active=cut(self.active),
            revenue=cut(self.revenue),
            margin=cut(self.margin),
            purchases=cut(self.purchases),
            censored_cohort=self.censored_cohort,
        )

    def frame(self, values: np.ndarray, name: str = "k") -> pd.DataFrame:
        """A cohorts × k matrix as a DataFrame indexed by cohort label."""
        return pd.DataFrame(
            values,
            index=pd.Index(self.labels, name="cohort"),
            columns=pd.RangeIndex(values.shape[1], name=name),
        )

    def long(self) -> pd.DataFrame:
        """One row per cohort and k, observed cells only: the cohort table as CSV rows."""
        rows = []
        retention, rev_ret = self.retention().to_numpy(), self.revenue_retention()
        cum = self.cumulative_margin_per_customer()
        for i, label in enumerate(self.labels):
            for k in range(self.ages):
                if not self.observed[i, k]:
                    continue
                rows.append({
                    "cohort": label,
                    "period": period_label(int(self.cohorts[i]) + k, self.period),
                    "k": k,
                    "customers": int(self.customers[i]),
                    "active_customers": int(self.active[i, k]),
                    "retention": retention[i, k],
                    "purchases": int(self.purchases[i, k]),
                    "revenue": self.revenue[i, k],
                    "revenue_retention": rev_ret[i, k],
                    "margin": self.margin[i, k],
                    "cumulative_margin_per_customer": cum[i, k],
                })
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        return (
            f"CohortTable({len(self.cohorts)} {self.period} cohorts, "
            f"{int(self.customers.sum()):,} customers, observed to {self.observation_end})"
        )


@dataclass(frozen=True, repr=False, eq=False)
class Cohorts:
    """The engine's result: one row per (cohort, period, segment values), and what it means.

    Attributes
    ----------
    grid : pandas.DataFrame
        ``cohort``, ``k``, one column per segment, ``active``, ``purchases``, ``revenue``,
        ``margin``: every (cohort, k, segments) with activity, up to the observation end.
    sizes : pandas.DataFrame
        ``cohort``, one column per segment, ``customers``.
    period : {"month", "week"}
    observation_end : datetime.date
        The last day the data are taken to cover.
    last_period : int
        The period holding the observation end (its cells are observed only when it is the
        period's last day).
    segment_cols : tuple of str
        The segment columns, in the order given.
    margin_basis : str
        ``"column"`` (``margin_col``, in currency per order) or ``"rate"`` (revenue ×
        ``gross_margin``).
    gross_margin : float or None
        The rate, when the basis is ``"rate"``.
    unassigned : dict
        ``refund_only_amount`` (refunds of customers with no purchase in the data) and
        ``early_refund_amount`` (refunds dated before the customer's first purchase): amounts
        in no cohort.
    censored_cohort : int or None
        The left-censored first cohort (see :class:`CohortTable`); None when the data begin
        with the business.
    folded : dict
        Segment column -> the values folded into :data:`OTHER` (:meth:`top_values`).
    """

    grid: pd.DataFrame
    sizes: pd.DataFrame
    period: str
    observation_end: _dt.date
    last_period: int
    segment_cols: tuple[str, ...]
    margin_basis: str
    gross_margin: float | None
    unassigned: dict[str, float] = field(default_factory=dict)
    censored_cohort: int | None = None
    folded: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def members(self, column: str, value: str) -> tuple[str, ...]:
        """The original values a shown segment value stands for (the folded ones for
        :data:`OTHER`, else the value itself)."""
        if value == OTHER and column in self.folded:
            return self.folded[column]
        return (value,)

    def segment_values(self, column: str) -> list[str]:
        """The values of a segment column, most customers first (ties by name)."""
        self._check_segment(column)
        counts = self.sizes.groupby(column)["customers"].sum()
        return sorted(counts.index, key=lambda v: (-counts[v], str(v)))

    def top_values(self, limit: int, other: str = "(other)") -> tuple[Cohorts, list[str]]:
        """The same cohorts with each segment column cut to its ``limit`` − 1 largest values,
        the rest folded into ``other`` (recorded in :attr:`folded`, so spend on them is folded
        the same way before CAC is computed); and the columns that were folded."""
        folded = []
        members: dict[str, tuple[str, ...]] = {}
        grid, sizes = self.grid, self.sizes
        for col in self.segment_cols:
            values = self.segment_values(col)
            if len(values) <= limit:
                continue
            keep = set(values[: limit - 1])
            folded.append(col)
            members[col] = tuple(str(v) for v in values[limit - 1:])
            grid = grid.assign(**{col: grid[col].where(grid[col].isin(keep), other)})
            sizes = sizes.assign(**{col: sizes[col].where(sizes[col].isin(keep), other)})
        if not folded:
            return self, []
        keys = ["cohort", "k", *self.segment_cols]
        grid = grid.groupby(keys, as_index=False)[["active", "purchases", "revenue",
                                                   "margin"]].sum()
        sizes = sizes.groupby(["cohort", *self.segment_cols], as_index=False)["customers"].sum()
        return replace(self, grid=grid, sizes=sizes, folded=members), folded

    def _check_segment(self, column: str) -> None:
        if column not in self.segment_cols:
            raise GrowthkitError(
                f"segment column {column!r} was not part of this cohort table; expected one "
                f"of {', '.join(map(repr, self.segment_cols)) or 'none (no segment_col given)'}"
            )

    def table(self, column: str | None = None, value: Any = None) -> CohortTable:
        """The cohort table of all customers, or of those whose segment ``column`` is ``value``.

        Parameters
        ----------
        column : str, optional
            A segment column; None for all customers.
        value : object, optional
            The segment value (as shown by :meth:`segment_values`).

        Returns
        -------
        CohortTable
        """
        grid, sizes = self.grid, self.sizes
        if column is not None:
            self._check_segment(column)
            grid, sizes = grid[grid[column] == value], sizes[sizes[column] == value]
        size = sizes.groupby("cohort")["customers"].sum()
        size = size[size > 0]
        cohorts = size.index.to_numpy(dtype="int64")
        ages = int(self.last_period - cohorts.min() + 1) if len(cohorts) else 0
        ends = np.array(
            [[period_end(int(c) + k, self.period) for k in range(ages)] for c in cohorts]
        ).reshape(len(cohorts), ages)
        observed = ends <= self.observation_end
        cells = grid.groupby(["cohort", "k"])[["active", "purchases", "revenue", "margin"]].sum()
        row = pd.Series(np.arange(len(cohorts)), index=cohorts)
        out = {}
        for name in ("active", "purchases", "revenue", "margin"):
            values = np.zeros((len(cohorts), ages))
            if len(cells):
                i = row.reindex(cells.index.get_level_values("cohort")).to_numpy()
                k = cells.index.get_level_values("k").to_numpy()
                ok = ~np.isnan(i.astype("float64")) & (k < ages)
                values[i[ok].astype("int64"), k[ok]] = cells[name].to_numpy()[ok]
            out[name] = np.where(observed, values, np.nan)
        return CohortTable(
            period=self.period,
            observation_end=self.observation_end,
            cohorts=cohorts,
            customers=size.to_numpy(dtype="float64"),
            **out,
            censored_cohort=self.censored_cohort,
        )

    def __repr__(self) -> str:
        segs = f", segments {', '.join(self.segment_cols)}" if self.segment_cols else ""
        return (
            f"Cohorts({self.sizes['customers'].sum():,} customers by {self.period}, observed to "
            f"{self.observation_end}{segs})"
        )


def margin_value(t: ibis.Table, col: str) -> ibis.ir.FloatingValue:
    """``margin_col`` as float64 in the engine (null where empty or not a number)."""
    dtype = t[col].type()
    if dtype.is_numeric() and not dtype.is_boolean():
        return t[col].cast("float64")
    if dtype.is_string() and ibis.get_backend(t).has_operation(ops.TryCast):
        return t[col].strip().try_cast("float64")
    raise GrowthkitError(
        f"margin column {col!r} has type {dtype}; expected the gross margin of each order in "
        "currency (numbers such as 12.50)"
    )


def build_cohorts(
    data: Source | Orders,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    period: str = "month",
    observation_end: str | _dt.date | None = None,
    gross_margin: float | None = None,
    margin_col: str | None = None,
    segment_col: str | Sequence[str] | None = None,
    timezone: str = "UTC",
    order_col: str | None = None,
    quantity_col: str | None = None,
) -> Cohorts:
    """Aggregate orders into cohorts × periods (× segments) in the engine.

    One query groups orders by customer and period, finds each customer's cohort (and segment
    values) from their first purchase, and sums per (cohort, period, segments). Only that grid
    is fetched.

    Parameters
    ----------
    data : DataFrame, str, path, ibis.Table or Orders
        Orders, any source :func:`growthkit.data.load` accepts, or :class:`growthkit.data.Orders`
        validated already with ``keep=`` the segment and margin columns (then the column and
        time-zone arguments come from it and the data are not validated again). A raw source is
        validated without the data-quality counts (``quality=False``), as
        :func:`growthkit.rfm_summary` does.
    customer_col, date_col, amount_col : str
        The user's columns.
    period : {"month", "week"}, default "month"
        Calendar months, or ISO weeks (Monday to Sunday).
    observation_end : date-like, optional
        The last day the data cover; orders after it are ignored and cells whose period ends
        after it are unobserved. Defaults to the last order's day.
    gross_margin : float, optional
        Gross margin as a share of revenue. Used when ``margin_col`` is None; 1.0 (margin =
        revenue) when both are None.
    margin_col : str, optional
        A column with each order's gross margin in currency (negative on refunds).
    segment_col : str or sequence of str, optional
        Columns to break cohorts down by (comma-separated text or a list). A customer's segment
        is the value on their first purchase (on a day with several, the smallest value).
    timezone : str, default "UTC"
        Time zone whose calendar days and periods orders fall in.
    order_col : str, optional
        When rows are lines of orders, the order (invoice) column: ``purchases`` counts
        distinct orders with a line of amount >= 0 (see :func:`growthkit.data.validate_orders`).
    quantity_col : str, optional
        The lines' quantity column; ``amount_col`` is then the unit price. A line's margin in
        ``margin_col`` is the line's (not per unit).

    Returns
    -------
    Cohorts

    Raises
    ------
    GrowthkitError
        Naming the parameter or column: a bad period, margin or observation end, both
        ``gross_margin`` and ``margin_col``, a missing column, margins that are empty, not
        numbers or look like rates.
    """
    check_period(period)
    GROSS_MARGIN.check("gross_margin", gross_margin)
    if margin_col is not None and gross_margin is not None:
        raise GrowthkitError(
            f"gross_margin={gross_margin!r} and margin_col={margin_col!r} are both given; "
            "expected one: a rate for every order, or a column with each order's margin"
        )
    segments = parse_segments(segment_col)
    keep = [*segments, *([margin_col] if margin_col else [])]
    keep = list(dict.fromkeys(keep))
    # On a raw source, validation skips the three hash aggregates of the data-quality counts
    # (distinct customers, duplicate rows, stray dates), as rfm_summary does; a report
    # validates with them once and passes its Orders here.
    orders = validate_orders(data, customer_col, date_col, amount_col, timezone, keep=keep,
                             quality=isinstance(data, Orders), order_col=order_col,
                             quantity_col=quantity_col)
    if orders.amount_col is None:
        raise GrowthkitError(
            "these orders were validated without amount_col; expected the column of order "
            "values cohort margins need"
        )
    obs_end = as_date(observation_end, "observation_end") or orders.last_day
    today = _dt.date.fromisoformat(orders.quality.today)
    if obs_end > today:
        raise GrowthkitError(
            f"observation_end={obs_end.isoformat()} is after today ({today.isoformat()}); "
            "expected a day the data can cover (cells after it would read as zeros)"
        )
    if obs_end < orders.first_day:
        raise GrowthkitError(
            f"observation_end={obs_end.isoformat()} is before the first order "
            f"({orders.first_day.isoformat()}); expected a day within or after the orders"
        )
    with step(f"built {period}ly cohorts") as progress:
        grid, checks = _grid(orders.table, period, obs_end, orders.last_day, segments,
                             margin_col, by_order=orders.order_col is not None)
        progress["detail"] = f"{len(grid):,} cells"
    if margin_col is not None:
        _raise_on_bad_margins(margin_col, checks)
    grid, unassigned = _assign(grid, segments)
    if grid.empty:
        raise GrowthkitError(
            f"no customer has a purchase (an order with amount >= 0) on or before "
            f"observation_end={obs_end.isoformat()}; expected orders with amounts"
        )
    rate = None
    if margin_col is None:
        rate = 1.0 if gross_margin is None else float(gross_margin)
        grid["margin"] = grid["revenue"] * rate
    first = grid[grid["k"] == 0]
    sizes = first.groupby(["cohort", *segments], dropna=False)["active"].sum().rename("customers")
    return Cohorts(
        grid=grid.reset_index(drop=True),
        sizes=sizes.reset_index(),
        period=period,
        observation_end=obs_end,
        last_period=period_of(obs_end, period),
        segment_cols=segments,
        margin_basis="column" if margin_col is not None else "rate",
        gross_margin=rate,
        unassigned=unassigned,
    )


def grid_query(
    t: ibis.Table,
    period: str,
    obs_end: _dt.date,
    last_day: _dt.date,
    segments: tuple[str, ...] = (),
    margin_col: str | None = None,
    by_order: bool = False,
) -> ibis.Table:
    """The engine query, unexecuted: (cohort, p, s0, s1, ...) -> active, purchases, revenue,
    margin (with ``margin_col`` also margin_bad and margin_max, the checks of the margins).

    ``t`` is :attr:`growthkit.data.Orders.table`; ``last_day`` its last order day (no filter
    when ``obs_end`` is not before it). Money is summed exactly
    (:func:`growthkit.data.as_money`: DECIMAL at both levels, one float64 at the end), so the
    grid does not depend on the order the engine adds rows in.
    With ``by_order`` (rows are lines of orders, ``order_id``), ``purchases`` counts the
    distinct orders with a line of amount >= 0, not the lines. Booleans are summed, or cast
    to int32 (PostgreSQL casts a boolean to integer, not to bigint).
    """
    if obs_end < last_day:  # else every order is in: no filter to evaluate on each row
        t = t.filter(t.order_date <= ibis.literal(obs_end))
    buy = t.amount >= 0
    cols: dict[str, ibis.Value] = {
        "customer_id": t.customer_id,
        "p": period_expr(t.order_date, period),
        "amount": as_money(t.amount),
        "buy": buy.cast("int32"),
    }
    if by_order:
        cols["order_id"] = t.order_id
    if margin_col is not None:
        cols["margin"] = margin_value(t, margin_col)
    day = t.order_date.cast("string")
    for i, col in enumerate(segments):
        # The earliest purchase day's value (the smallest on a tie) is the min of "day|value".
        cols[f"s{i}"] = day + "|" + t[col].cast("string").fill_null("")
    base = t.select(**cols)
    per = {
        "revenue": base.amount.sum(),
        "purchases": (base.order_id.nunique(where=base.buy == 1) if by_order
                      else base.buy.sum()),
    }
    if margin_col is not None:
        per["margin"] = as_money(base.margin).sum()
        per["margin_bad"] = as_money(base.margin).isnull().sum()  # empty, NaN or too large
        per["margin_max"] = base.margin.abs().max()
    cp = base.group_by(["customer_id", "p"]).aggregate(**per)
    if segments:
        firsts = {
            f"s{i}": base[f"s{i}"].min(where=base.buy == 1) for i in range(len(segments))
        }
        cust = base.group_by("customer_id").aggregate(
            cohort=base.p.min(where=base.buy == 1), **firsts
        )
        cust = cust.mutate(
            **{f"s{i}": cust[f"s{i}"].substr(_KEY_OFFSET) for i in range(len(segments))}
        )
    else:
        cust = cp.group_by("customer_id").aggregate(cohort=cp.p.min(where=cp.purchases > 0))
    joined = cp.inner_join(cust, "customer_id")
    keys = ["cohort", "p", *(f"s{i}" for i in range(len(segments)))]
    aggs: dict[str, ibis.Value] = {
        "active": (joined.purchases > 0).sum(),
        "purchases": joined.purchases.sum(),
        "revenue": joined.revenue.sum().cast("float64"),
    }
    if margin_col is not None:
        aggs["margin"] = joined.margin.sum().cast("float64")
        aggs["margin_bad"] = joined.margin_bad.sum()
        aggs["margin_max"] = joined.margin_max.max()
    return joined.group_by(keys).aggregate(**aggs)


def _grid(
    t: ibis.Table,
    period: str,
    obs_end: _dt.date,
    last_day: _dt.date,
    segments: tuple[str, ...],
    margin_col: str | None,
    by_order: bool = False,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """:func:`grid_query` fetched, and the margin checks taken out of it."""
    query = grid_query(t, period, obs_end, last_day, segments, margin_col, by_order)
    out = query.to_pyarrow().to_pandas()
    checks: dict[str, float] = {}
    if margin_col is not None:
        checks = {
            "margin_bad": float(out.pop("margin_bad").sum()),
            "margin_max": float(out.pop("margin_max").max()),
            "revenue": float(out["revenue"].sum()),
            "purchases": float(out["purchases"].sum()),
        }
    out = out.rename(columns={f"s{i}": col for i, col in enumerate(segments)})
    return out, checks


def _raise_on_bad_margins(margin_col: str, checks: dict[str, float]) -> None:
    if n := int(checks["margin_bad"]):
        raise GrowthkitError(
            f"margin column {margin_col!r} has {n:,} empty or non-numeric value(s); expected the "
            "gross margin of every order in currency, such as 12.50"
        )
    mean_order = checks["revenue"] / max(checks["purchases"], 1.0)
    if checks["margin_max"] <= 1 and mean_order > 2:
        raise GrowthkitError(
            f"margin column {margin_col!r} holds values between -1 and 1 only, while orders "
            f"average {mean_order:,.2f}: they look like margin rates; expected each order's "
            "margin in currency (amount × rate), or pass the rate as gross_margin"
        )


def _assign(grid: pd.DataFrame, segments: tuple[str, ...]) -> tuple[pd.DataFrame, dict]:
    """Drop what belongs to no cohort (refund-only customers, refunds before the first
    purchase), add k, and label missing segment values."""
    grid = grid.copy()
    none = grid["cohort"].isna()
    before = ~none & (grid["p"] < grid["cohort"])
    unassigned = {
        "refund_only_amount": float(grid.loc[none, "revenue"].sum()),
        "early_refund_amount": float(grid.loc[before, "revenue"].sum()),
    }
    grid = grid[~none & ~before]
    grid["cohort"] = grid["cohort"].astype("int64")
    grid["k"] = (grid["p"] - grid["cohort"]).astype("int64")
    for col in segments:
        grid[col] = grid[col].fillna("").replace("", MISSING).astype(str)
    return grid.drop(columns="p"), unassigned
